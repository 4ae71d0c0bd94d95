"""The catalogue of tests/test_query_plans.py, written into a migrated SQLite file.

The same shape as the PostgreSQL load (50,000 assets, 100,000 versions of mixed tiers over
five years, 20,000 faces, 100,000 history entries, 10,000 memberships of 40 collections,
people, events, relationships, settings) and the same deterministic ids, generated in
Python and written with sqlite3's executemany: a few seconds.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path


def uid(kind: str, n: int) -> str:
    """The ids of the PostgreSQL load: '00000000-0000-4000-<kind>-<n in hex, 12 digits>'."""
    return f"00000000-0000-4000-{kind}-{n:012x}"


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")


START = datetime(2019, 1, 1)
TIERS_OF = {"silver": timedelta(minutes=10), "bronze": timedelta(0), "gold": timedelta(days=3)}


def _assets(rng: random.Random) -> list[tuple[str, str, datetime]]:
    return [
        (
            uid("8000", a),
            f"IMG_{a:05d}.jpg",
            START + timedelta(seconds=a * 3180 + rng.randrange(3000)),
        )
        for a in range(1, 50_001)
    ]


def _versions(assets: list[tuple[str, str, datetime]], rng: random.Random) -> Iterator[tuple]:
    keywords = ["family,beach", "city", "mountains,snow,ski", "birthday,cake", "dog", ""]
    cameras = ["Canon EOS R5", "Nikon Z6", "iPhone 14 Pro", "Sony A7 III", "Pixel 7"]
    for n in range(1, 100_001):
        if n <= 50_000:
            tier, asset = "silver", n
        elif n <= 80_000:
            tier, asset = "bronze", n - 50_000
        else:
            tier, asset = "gold", (n - 80_000) * 2
        asset_id, filename, created = assets[asset - 1]
        metadata = {
            "exif": {"camera": cameras[n % 5], "iso": 100 * (1 + n % 32)},
            "ai": {"aiTags": ["photo", tier]},
        }
        words = [w for w in keywords[n % 6].split(",") if w] if n % 6 != 5 else [""]
        yield (
            uid("9000", n),
            asset_id,
            tier,
            f"media/{tier}/{filename}",
            f"hash-{asset}",
            500_000 + rng.randrange(8_000_000),
            "image/png" if n % 17 == 0 else "image/jpeg",
            json.dumps(metadata),
            int(n % 3 == 0),
            None if n % 11 == 0 else (n * 7) % 6,
            json.dumps(words),
            ["Paris", "Berlin", "Lisbon", "Oslo"][n // 4 % 4] if n % 4 == 0 else None,
            ["holiday", "birthday", "wedding"][n // 10 % 3] if n % 10 == 0 else None,
            f"event {n // 10 % 300}" if n % 10 == 0 else None,
            f"{asset:08x}{len(tier):08x}" if tier != "bronze" else None,
            "processed" if tier == "bronze" else "promoted",
            stamp(created + TIERS_OF[tier]),
        )


def load(path: Path) -> None:
    """Fill the migrated SQLite file at ``path`` and run ANALYZE."""
    rng = random.Random(25)
    assets = _assets(rng)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        with conn:
            conn.executemany(
                "INSERT INTO media_assets (id, original_filename, created_at) VALUES (?, ?, ?)",
                [(a, f, stamp(at)) for a, f, at in assets],
            )
            conn.executemany(
                "INSERT INTO file_versions (id, media_asset_id, tier, file_path, file_hash, "
                "file_size, mime_type, metadata, is_reviewed, rating, keywords, location, "
                "event_type, event_name, perceptual_hash, processing_state, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _versions(assets, rng),
            )
            names = ["Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Greta", "Hugo"]
            conn.executemany(
                "INSERT INTO people (id, name, face_count, created_at) VALUES (?, ?, 40, ?)",
                (
                    (
                        uid("a000", p),
                        f"{names[p % 8]} {p}",
                        stamp(datetime(2020, 1, 1) + timedelta(days=p)),
                    )
                    for p in range(1, 501)
                ),
            )
            conn.executemany(
                "INSERT INTO faces (id, photo_id, person_id, bounding_box, confidence, ignored, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        uid("b000", f),
                        uid("9000", 1 + (f * 2) % 50_000),
                        uid("a000", 1 + f % 500) if f % 10 < 7 else None,
                        json.dumps([10 + f % 50, 20, 120, 140]),
                        50 + f % 50,
                        int(f % 20 == 0),
                        stamp(START + timedelta(hours=2 * f)),
                    )
                    for f in range(1, 20_001)
                ),
            )
            conn.executemany(
                'INSERT INTO asset_history (id, media_asset_id, action, details, "timestamp") '
                "VALUES (?, ?, ?, 'from the load', ?)",
                (
                    (uid("d000", 2 * n + k), a, action, stamp(at + timedelta(hours=k)))
                    for n, (a, _, at) in enumerate(assets)
                    for k, action in enumerate(("INGESTED", "AI_PROCESSED"))
                ),
            )
            conn.executemany(
                "INSERT INTO collections (id, name, is_smart_collection, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    (uid("c000", c), f"Album {c}", int(c % 8 == 0), t, t)
                    for c in range(1, 41)
                    for t in [stamp(datetime(2021, 1, 1) + timedelta(days=c))]
                ),
            )
            conn.executemany(
                "INSERT INTO collection_photos (id, collection_id, photo_id, added_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    (
                        uid("e000", m),
                        uid("c000", 1 + m % 40),
                        uid("9000", 1 + (m * 17) % 100_000),
                        stamp(datetime(2021, 2, 1) + timedelta(hours=m)),
                    )
                    for m in range(1, 10_001)
                ),
            )
            conn.executemany(
                "INSERT INTO settings (key, value, category) VALUES (?, ?, ?)",
                (
                    (f"setting_{s}", f"value {s}", ["general", "ai", "storage"][s % 3])
                    for s in range(1, 31)
                ),
            )
        conn.execute("ANALYZE")
    finally:
        conn.close()
