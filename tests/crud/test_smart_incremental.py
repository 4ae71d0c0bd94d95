"""Smart refreshes by difference over the versions written since the last refresh.

After random writes (create, create_many, import_rows, updates of the fields rules read,
statements written by hand, photos added to the collection by hand, rules edited), an
incremental refresh must leave the collection with exactly the members a full evaluation
of its rules gives (preview_smart_rules), on both dialects. PostgreSQL also checks a
writer whose transaction commits after a refresh's snapshot.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.query.registry import make_query
from tests.conftest import statement

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

RULES = {
    "rules": [
        {"field": "rating", "operator": "greater_than", "value": 3},
        {"field": "keywords", "operator": "contains", "value": "sunset"},
    ],
    "operator": "AND",
}
OTHER_RULES = {"rules": [{"field": "tier", "operator": "equals", "value": "gold"}]}
WORDS = ("sunset", "beach", "city")

_MARKS = make_query(
    "test.smart_refresh_marks",
    "scalar",
    int,
    "SELECT count(*) FROM smart_collection_refreshes WHERE collection_id = :collection_id",
)
_BY_HAND_RATE = statement(
    "test.rate_by_hand", "UPDATE file_versions SET rating = :rating WHERE tier = :tier"
)
_BY_HAND_MEMBER = statement(
    "test.add_member_by_hand",
    "INSERT INTO collection_photos (id, collection_id, photo_id) VALUES (:id, :cid, :pid)",
)


def version(asset: str, rng: random.Random, n: int) -> dict[str, Any]:
    return {
        "media_asset_id": asset,
        "tier": rng.choice(["gold", "silver", "bronze"]),
        "file_path": f"/p/{n}.jpg",
        "file_hash": f"h{n}",
        "file_size": 1,
        "mime_type": "image/jpeg",
        "rating": rng.randint(0, 5),
        "keywords": rng.sample(WORDS, rng.randint(0, 2)),
    }


async def members(db: Any, collection_id: str) -> list[str]:
    rows = await crud.collection.get_smart_collection_photos(db, collection_id=collection_id)
    return sorted(r.id for r in rows)


async def assert_refresh_is_exact(db: Any, collection_id: str, rules: Any, step: str) -> None:
    result = await crud.collection.refresh_smart(db, collection_id=collection_id)
    expected = sorted(await crud.collection.preview_smart_rules(db, rules=rules))
    assert await members(db, collection_id) == expected, step
    assert result.matched == len(expected), step
    assert await db.run(_MARKS, collection_id=collection_id) == 1, step


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_incremental_refresh_equals_a_full_evaluation(db: Any, seed: int) -> None:
    rng = random.Random(seed)
    fv = crud.file_version
    asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    await fv.create_many(db, objs=[version(asset.id, rng, n) for n in range(30)])
    smart = await crud.collection.create_smart_collection(db, name="best", rules=RULES)
    rules: Any = RULES
    await assert_refresh_is_exact(db, smart.id, rules, "first, full")
    for n in range(100, 130):
        ids = [v.id for v in await fv.get_multi(db, limit=1000)]
        op = rng.choice(["create", "many", "import", "rate", "words", "hand", "member", "rules"])
        if op == "create":
            await fv.create(db, obj_in=version(asset.id, rng, n))
        elif op == "many":
            await fv.create_many(db, objs=[version(asset.id, rng, n * 10 + i) for i in range(4)])
        elif op == "import":
            await fv.import_rows(db, rows=[{**version(asset.id, rng, n), "id": f"imp-{n}"}])
        elif op == "rate":
            await fv.update(db, db_obj=rng.choice(ids), obj_in={"rating": rng.randint(0, 5)})
        elif op == "words":
            words = rng.sample(WORDS, rng.randint(0, 2))
            await fv.update(db, db_obj=rng.choice(ids), obj_in={"keywords": words})
        elif op == "hand":
            await db.run(_BY_HAND_RATE, rating=rng.randint(0, 5), tier=rng.choice(["gold"]))
        elif op == "member":
            # A photo added by hand, matching or not: the next refresh is a full one.
            await db.run(_BY_HAND_MEMBER, id=f"m-{n}", cid=smart.id, pid=rng.choice(ids))
        else:
            rules = OTHER_RULES if rules is RULES else RULES
            await crud.collection.update_smart_collection(
                db, id=smart.id, obj_in={"smart_rules": rules}
            )
        await assert_refresh_is_exact(db, smart.id, rules, f"{n}: {op}")


async def test_a_refresh_with_no_writes_since_changes_nothing(db: Any) -> None:
    rng = random.Random(7)
    asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    await crud.file_version.create_many(db, objs=[version(asset.id, rng, n) for n in range(40)])
    smart = await crud.collection.create_smart_collection(db, name="best", rules=RULES)
    first = await crud.collection.refresh_smart(db, collection_id=smart.id)
    before = await crud.collection.get_smart_collection_photos(db, collection_id=smart.id)
    again = await crud.collection.refresh_smart(db, collection_id=smart.id)
    after = await crud.collection.get_smart_collection_photos(db, collection_id=smart.id)
    assert first.matched == again.matched == again.removed == len(before) > 0
    # Same rows, same added_at: nothing was deleted and inserted again.
    assert [(r.id, r.created_at) for r in after] == [(r.id, r.created_at) for r in before]


@pytest.mark.parametrize("dialect", ["postgres"], indirect=True)
async def test_a_write_committed_after_the_refresh_snapshot_is_seen_next_time(db: Any) -> None:
    """A transaction that began before a refresh and commits after it: its version is not
    visible to that refresh, and the next refresh (incremental) must still take it."""
    fv = crud.file_version
    asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    smart = await crud.collection.create_smart_collection(db, name="best", rules=RULES)
    await crud.collection.refresh_smart(db, collection_id=smart.id)
    wrote, refreshed = asyncio.Event(), asyncio.Event()
    match = {**version(asset.id, random.Random(1), 1), "rating": 5, "keywords": ["sunset"]}

    async def writer() -> None:
        async with db.transaction() as conn:
            await fv.create(conn, obj_in=match)
            wrote.set()
            await refreshed.wait()

    async def refresher() -> None:
        await wrote.wait()
        result = await crud.collection.refresh_smart(db, collection_id=smart.id)
        assert result.matched == 0
        refreshed.set()

    await asyncio.gather(writer(), refresher())
    await assert_refresh_is_exact(db, smart.id, RULES, "after the late commit")
    assert len(await members(db, smart.id)) == 1
