"""Decode cost of stored metadata documents: the library's documents against typed Structs.

The baseline is the hand-written floor's typed msgspec Struct (``contender_raw.Metadata``),
which keeps only its declared keys; the library keeps the whole JSON tree. Run from the
repository root: ``.venv/bin/python bench/decode_documents.py``.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import msgspec
from contender_raw import Metadata
from workload import TAGS, _metadata

from pictallion_sql.models import CombinedMetadata
from pictallion_sql.records.document_loading import document_loader

COUNT = 10_000
ROUNDS = 15


def main() -> None:
    rng = random.Random(1)
    when = datetime(2024, 1, 1)
    raws = [
        msgspec.json.encode(_metadata(rng, rng.sample(TAGS, 4), "Paris", when))
        for _ in range(COUNT)
    ]
    contenders: dict[str, Callable[[bytes], Any]] = {
        "typed Structs": msgspec.json.Decoder(Metadata).decode,
        "documents": document_loader(CombinedMetadata),  # type: ignore[dict-item]
    }
    best: dict[tuple[str, str], float] = {}
    gc.disable()
    for _ in range(ROUNDS):  # interleaved, best of ROUNDS: the machine may be shared
        for name, decode in contenders.items():
            started = time.perf_counter()
            docs = [decode(raw) for raw in raws]
            _keep(best, (name, "decode"), started)
            started = time.perf_counter()
            for doc in docs:
                _ = doc.exif.camera, doc.ai.ai_tags, doc.ai.detected_objects[0].name
            _keep(best, (name, "access"), started)
            del docs
    gc.enable()
    print(
        f"{COUNT:,} metadata documents of ~{sum(map(len, raws)) // COUNT} bytes, best of {ROUNDS}"
    )
    for name in contenders:
        print(
            f"  {name:14s} decode {best[name, 'decode'] / COUNT * 1e6:5.2f} us/doc; first read of "
            f"exif.camera, ai.ai_tags, ai.detected_objects[0].name "
            f"{best[name, 'access'] / COUNT * 1e6:5.2f} us/doc"
        )


def _keep(best: dict[tuple[str, str], float], key: tuple[str, str], started: float) -> None:
    best[key] = min(best.get(key, float("inf")), time.perf_counter() - started)


if __name__ == "__main__":
    main()
