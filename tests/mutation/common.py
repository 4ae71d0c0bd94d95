"""What both mutation runs share: the PostgreSQL server they test against, and the report."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests import pgcluster

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


@contextmanager
def postgres_for_tests() -> Iterator[str]:
    """The server named by PICTALLION_TEST_POSTGRES_URL, or one throwaway cluster for the run.

    Every mutant starts its own pytest session; without a shared server each session would
    start (and stop) its own cluster.
    """
    given = os.environ.get("PICTALLION_TEST_POSTGRES_URL")
    with pgcluster.server(given) as url:
        os.environ["PICTALLION_TEST_POSTGRES_URL"] = url
        try:
            yield url
        finally:
            if not given:
                del os.environ["PICTALLION_TEST_POSTGRES_URL"]


def rate(survived: int, total: int) -> str:
    """Surviving share as a percentage, ``-`` when nothing was tested."""
    return f"{100 * survived / total:.1f}%" if total else "-"
