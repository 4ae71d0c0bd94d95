"""Perceptual-hash similarity computed in the database: both dialects against the reference.

Hypothesis generates libraries of hashes (equal and unequal lengths, empty hashes, lengths
such as 40 where double-precision rounding differs from exact arithmetic) and checks that
SQLite and PostgreSQL return what the application's own formula gives, in the same order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pictallion_sql import crud
from pictallion_sql.catalog.file_versions import similarity
from pictallion_sql.query.registry import make_query
from pictallion_sql.records.composites.photos import SimilarPhoto
from tests.conftest import statement
from tests.rows import new_asset, version_row

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

EPOCH = datetime(2024, 1, 1)
_DELETE_VERSIONS = make_query("test.delete_versions", "none", None, "DELETE FROM file_versions")
_SET_CREATED = statement(
    "test.set_created", "UPDATE file_versions SET id = :new_id, created_at = :at WHERE id = :id"
)
_DELETE_ASSETS = make_query("test.delete_assets", "none", None, "DELETE FROM media_assets")


@pytest.fixture(scope="module")
def pair(writable_pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """The module's writable (sqlite_db, postgres_db)."""
    return writable_pair


async def _load(db: Any, hashes: list[str | None]) -> None:
    async with db.transaction() as tx:
        await tx.run(_DELETE_VERSIONS)
        await tx.run(_DELETE_ASSETS)
    asset = await new_asset(db)
    created = await crud.file_version.create_many(
        db,
        objs=[
            version_row(asset.id, n, file_hash=f"h{n}", perceptual_hash=h)
            for n, h in enumerate(hashes)
        ],
    )
    # Fixed ids make the dialects comparable; pairs of equal timestamps exercise the tie-break.
    await db.run_many(
        _SET_CREATED,
        [
            {"id": v.id, "new_id": f"fv-{n:03}", "at": EPOCH + timedelta(minutes=n // 2)}
            for n, v in enumerate(created)
        ],
    )


def _reference(
    rows: list[tuple[str, str | None, datetime]], target: int, threshold: float, limit: int
) -> list[tuple[str, int]]:
    target_id, target_hash, _ = rows[target]
    if target_hash is None:
        return []
    scored = []
    for id, h, created in rows:
        if id == target_id or h is None:
            continue
        score = similarity(target_hash, h)
        if score is not None and score >= threshold:
            scored.append((score, created, id))
    scored.sort(key=lambda s: (s[0], s[1], s[2]), reverse=True)
    return [(id, score) for score, _, id in scored[:limit]]


def _hashes() -> st.SearchStrategy[str | None]:
    digits = st.sampled_from("0f1e")
    return st.one_of(
        st.none(),
        st.just(""),
        st.integers(min_value=1, max_value=3).map(lambda n: "ab"[:n] + "x" * (n - 2)),
        st.lists(digits, min_size=40, max_size=40).map("".join),
        st.lists(digits, min_size=16, max_size=16).map("".join),
        st.lists(digits, min_size=5, max_size=5).map("".join),
    )


# Edge cases pinned as explicit examples, run before the generated ones: a score equal to
# the threshold (kept), a half rounded up (87.5 -> 88), hashes of different lengths (score
# 0), two empty hashes (never similar, even with a negative threshold), a target without a
# hash, equal scores ordered by created_at then id (versions 2 and 3 share a timestamp),
# the limit cutting a tie, and a limit of 0.
SIXTEEN = "0" * 16


@example(hashes=["0f0f0", "0f0f0", "0f0f1"], target=0, threshold=100, limit=12)
@example(hashes=[SIXTEEN, "0" * 14 + "11", "0" * 13 + "111"], target=0, threshold=88, limit=12)
@example(hashes=["0f0f0", "0f", "", "0f0f0f0f0f0f0f0f"], target=0, threshold=0, limit=12)
@example(hashes=["", "", "ab", None], target=0, threshold=-3, limit=12)
@example(hashes=[None, "0f0f0", "0f0f0"], target=0, threshold=0, limit=12)
@example(hashes=["00000", "00000", "00000", "00000", "00001"], target=0, threshold=0, limit=12)
@example(hashes=["00000", "00000", "00000", "00000", "00001"], target=4, threshold=50, limit=2)
@example(hashes=["00000", "00000", "00000", "00000"], target=1, threshold=0, limit=0)
@example(
    hashes=["0" * 40, "1" * 17 + "0" * 23, "1" * 16 + "0" * 24], target=0, threshold=57.5, limit=12
)
@given(
    hashes=st.lists(_hashes(), min_size=1, max_size=12),
    target=st.integers(min_value=0, max_value=11),
    threshold=st.sampled_from([0, 1, 50, 57.5, 85, 88, 100, 101, -3]),
    limit=st.integers(min_value=0, max_value=12),
)
@pytest.mark.slow
async def test_similarity_in_sql_matches_the_reference_on_both_dialects(
    pair: tuple[Any, Any], hashes: list[str | None], target: int, threshold: float, limit: int
) -> None:
    target %= len(hashes)
    answers: list[list[SimilarPhoto]] = []
    for db in pair:
        await _load(db, hashes)
        versions = sorted(await crud.file_version.get_all(db), key=lambda v: int(v.file_hash[1:]))
        rows = [(v.id, v.perceptual_hash, v.created_at) for v in versions]
        found = await crud.file_version.find_similar(
            db, id=rows[target][0], threshold=threshold, limit=limit
        )
        assert [(p.id, p.similarity) for p in found] == _reference(rows, target, threshold, limit)
        answers.append(found)
    assert answers[0] == answers[1]


async def test_the_edge_cases_have_the_expected_answers(pair: tuple[Any, Any]) -> None:
    cases: list[tuple[list[str | None], int, float, int, list[tuple[str, int]]]] = [
        (["0f0f0", "0f0f0", "0f0f1"], 0, 100, 12, [("fv-001", 100)]),
        ([SIXTEEN, "0" * 14 + "11", "0" * 13 + "111"], 0, 88, 12, [("fv-001", 88)]),
        (
            ["0f0f0", "0f", "", "0f0f0f0f0f0f0f0f"],
            0,
            0,
            12,
            [("fv-003", 0), ("fv-002", 0), ("fv-001", 0)],
        ),
        (["", "", "ab", None], 0, -3, 12, [("fv-002", 0)]),
        ([None, "0f0f0", "0f0f0"], 0, 0, 12, []),
        (
            ["00000", "00000", "00000", "00000", "00001"],
            0,
            0,
            12,
            [("fv-003", 100), ("fv-002", 100), ("fv-001", 100), ("fv-004", 80)],
        ),
        (["00000", "00000", "00000", "00000", "00001"], 4, 50, 2, [("fv-003", 80), ("fv-002", 80)]),
        (["00000", "00000", "00000", "00000"], 1, 0, 0, []),
        (["0" * 40, "1" * 17 + "0" * 23, "1" * 16 + "0" * 24], 0, 57.5, 12, [("fv-002", 60)]),
    ]
    for hashes, target, threshold, limit, expected in cases:
        for db in pair:
            await _load(db, hashes)
            found = await crud.file_version.find_similar(
                db, id=f"fv-{target:03}", threshold=threshold, limit=limit
            )
            assert [(p.id, p.similarity) for p in found] == expected, (hashes, target)


async def test_lengths_where_double_rounding_differs_from_exact_arithmetic(
    pair: tuple[Any, Any],
) -> None:
    # 17 of 40 characters differ: (1 - 17/40) * 100 is 57.49999... in doubles, so the
    # application said 57, not the exact 57.5 rounded up.
    target = "0" * 40
    other = "1" * 17 + "0" * 23
    for db in pair:
        await _load(db, [target, other])
        versions = sorted(await crud.file_version.get_all(db), key=lambda v: int(v.file_hash[1:]))
        found = await crud.file_version.find_similar(db, id=versions[0].id, threshold=0)
        assert [p.similarity for p in found] == [57] == [similarity(target, other)]
