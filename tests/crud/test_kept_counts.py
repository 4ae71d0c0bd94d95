"""The counts the database keeps (migration 0006) against the listings they total.

Random write sequences through every write path (create, create_many, import_rows,
update of tier and asset, remove, statements written by hand, a failed batch): after
each step every total get_photos_count gives equals the length of its listing and the
count read from the rows. PostgreSQL also runs concurrent transactions on one asset,
TRUNCATE, and enough statements to compact the delta rows.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.errors import ForeignKeyError
from pictallion_sql.query.registry import make_query
from tests.conftest import statement

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

TIERS = ("gold", "silver", "bronze")
OPS = ("asset", "create", "create_many", "import", "tier", "move", "remove", "hand", "fail")
OPS += ("album", "drop_asset")

_BY_HAND_INSERT = make_query(
    "test.insert_version_by_hand",
    "none",
    None,
    "INSERT INTO file_versions (id, media_asset_id, tier, file_path, file_hash, file_size,"
    " mime_type) VALUES (:id, :asset, :tier, 'p', 'h', 1, 'image/jpeg'),"
    " (:id2, :asset2, :tier2, 'p', 'h', 1, 'image/jpeg')",
)
_BY_HAND_RETIER = statement(
    "test.retier_by_hand", "UPDATE file_versions SET tier = :tier WHERE media_asset_id = :asset"
)
_BY_HAND_DELETE = statement(
    "test.delete_asset_versions_by_hand", "DELETE FROM file_versions WHERE media_asset_id = :asset"
)
_DELTA_ROWS = make_query(
    "test.count_delta_rows",
    "scalar",
    int,
    "SELECT count(*) FROM file_version_counts WHERE name <> 'assets'",
)
_TRUNCATE = make_query("test.truncate_versions", "none", None, "TRUNCATE file_versions CASCADE")


def version(asset: str, tier: str, n: int) -> dict[str, Any]:
    return {
        "media_asset_id": asset,
        "tier": tier,
        "file_path": f"/photos/{n}.jpg",
        "file_hash": f"hash{n}",
        "file_size": 1,
        "mime_type": "image/jpeg",
    }


async def totals(db: Any) -> dict[tuple[str | None, bool], tuple[int, int, int]]:
    """(kept count, scanned count, listing length) of every listing total."""
    fv = crud.file_version
    listings: dict[tuple[str | None, bool], int] = {
        (None, False): len(await fv.list_photos(db, limit=10_000)),
        ("unprocessed", False): len(await fv.list_unprocessed(db)),
        ("all_versions", False): await fv.count(db),
    }
    for tier in TIERS:
        for show_all in (False, True):
            rows = await fv.list_by_tier(db, tier=tier, show_all_versions=show_all)
            listings[(tier, show_all)] = len(rows)
    out = {}
    for (tier, show_all), length in listings.items():
        kept = await fv.get_photos_count(db, tier=tier, show_all_versions=show_all)  # type: ignore[arg-type]
        scanned = await fv.scan_photos_count(db, tier=tier, show_all_versions=show_all)  # type: ignore[arg-type]
        out[(tier, show_all)] = (kept, scanned, length)
    return out


async def assert_exact(db: Any, step: str) -> None:
    for key, (kept, scanned, length) in (await totals(db)).items():
        assert kept == scanned == length, (step, key, kept, scanned, length)
    stats = await crud.file_version.get_collection_stats(db)
    assert stats.total_photos == await crud.media_asset.count(db), step
    silver = await crud.file_version.list_by_tier(db, tier="silver", show_all_versions=True)
    gold = await crud.file_version.list_by_tier(db, tier="gold", show_all_versions=True)
    assert (stats.silver_count, stats.gold_count) == (len(silver), len(gold)), step
    for c in await crud.collection.get_all_with_stats(db):
        rows = await crud.collection_photo.get_by_collection(db, collection_id=c.id)
        assert c.photo_count == len(rows), (step, c.name)


async def random_step(db: Any, rng: random.Random, assets: list[str], n: int) -> str:
    fv = crud.file_version
    ids = [v.id for v in await fv.get_multi(db, limit=10_000)]
    op = rng.choice(OPS)
    if op == "asset" or not assets:
        made = await crud.media_asset.create(db, obj_in={"original_filename": f"a{n}.jpg"})
        assets.append(made.id)
        return "asset"
    if op == "create":
        await fv.create(db, obj_in=version(rng.choice(assets), rng.choice(TIERS), n))
    elif op == "create_many":
        objs = [version(rng.choice(assets), rng.choice(TIERS), n * 10 + i) for i in range(5)]
        await fv.create_many(db, objs=objs, returning=rng.random() < 0.5)
    elif op == "import":
        rows = [
            {**version(rng.choice(assets), rng.choice(TIERS), n * 10 + i), "id": f"imp-{n}-{i}"}
            for i in range(3)
        ]
        await fv.import_rows(db, rows=rows)
    elif op == "tier" and ids:
        await fv.update(db, db_obj=rng.choice(ids), obj_in={"tier": rng.choice(TIERS)})
    elif op == "move" and ids:
        target = rng.choice(assets)
        await fv.update(db, db_obj=rng.choice(ids), obj_in={"media_asset_id": target})
    elif op == "remove" and ids:
        # A version in an album is refused (collection_photos refers to it): nothing counted.
        try:
            await fv.remove(db, id=rng.choice(ids))
        except ForeignKeyError:
            return "remove refused"
    elif op == "hand":
        kind = rng.choice(["insert", "retier", "delete"])
        if kind == "insert":
            await db.run(
                _BY_HAND_INSERT,
                id=f"hand-{n}-1",
                asset=rng.choice(assets),
                tier=rng.choice(TIERS),
                id2=f"hand-{n}-2",
                asset2=rng.choice(assets),
                tier2=rng.choice(TIERS),
            )
        elif kind == "retier":
            await db.run(_BY_HAND_RETIER, asset=rng.choice(assets), tier=rng.choice(TIERS))
        else:
            try:
                await db.run(_BY_HAND_DELETE, asset=rng.choice(assets))
            except ForeignKeyError:
                return "hand delete refused"
        return f"hand {kind}"
    elif op == "album" and ids:
        albums = await crud.collection.get_all(db)
        if not albums or rng.random() < 0.3:
            albums = [await crud.collection.create(db, obj_in={"name": f"album {n}"})]
        album = rng.choice(albums).id
        if rng.random() < 0.7:
            picked = rng.sample(ids, min(3, len(ids)))
            await crud.collection_photo.add_many(db, collection_id=album, photo_ids=picked)
        else:
            await crud.collection_photo.remove_all(db, collection_id=album)
    elif op == "drop_asset":
        # An asset without versions can go; one with versions is refused, counting nothing.
        victim = rng.choice(assets)
        try:
            await crud.media_asset.remove(db, id=victim)
            assets.remove(victim)
        except ForeignKeyError:
            pass
    elif op == "fail":
        # The last row names no asset: the whole batch is refused and nothing is counted.
        objs = [version(rng.choice(assets), "gold", n), version("no-such-asset", "silver", n)]
        with pytest.raises(ForeignKeyError):
            await fv.create_many(db, objs=objs)
    return op


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_kept_counts_equal_the_listings_after_random_writes(db: Any, seed: int) -> None:
    rng = random.Random(seed)
    assets: list[str] = []
    await assert_exact(db, "empty")
    for n in range(40):
        step = await random_step(db, rng, assets, n)
        await assert_exact(db, f"{n}: {step}")
    assert (await totals(db))[("all_versions", False)][0] > 0


async def test_a_rolled_back_transaction_counts_nothing(db: Any) -> None:
    made = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    await crud.file_version.create(db, obj_in=version(made.id, "silver", 1))
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await crud.file_version.create(conn, obj_in=version(made.id, "gold", 2))
            assert await crud.file_version.get_photos_count(conn, tier="unprocessed") == 0
            raise RuntimeError("undo")
    assert await crud.file_version.get_photos_count(db, tier="unprocessed") == 1
    assert await crud.file_version.get_photos_count(db, tier="silver") == 1
    await assert_exact(db, "after rollback")


@pytest.mark.parametrize("dialect", ["postgres"], indirect=True)
async def test_concurrent_transactions_on_one_asset_count_exactly(db: Any) -> None:
    """Two transactions give one silver-only asset a gold version each, interleaved.

    Each sees the asset without gold when it writes; the per-asset row's lock makes the
    second wait and count from the first's committed state, so the asset leaves the
    unprocessed count once, not twice.
    """
    fv = crud.file_version
    made = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    other = await crud.media_asset.create(db, obj_in={"original_filename": "b.jpg"})
    await fv.create(db, obj_in=version(made.id, "silver", 1))
    first_wrote = asyncio.Event()

    async def first() -> None:
        async with db.transaction() as conn:
            await fv.create(conn, obj_in=version(made.id, "gold", 2))
            first_wrote.set()
            await asyncio.sleep(0.3)

    async def second() -> None:
        await first_wrote.wait()
        async with db.transaction() as conn:
            await fv.create_many(
                conn, objs=[version(made.id, "gold", 3), version(other.id, "silver", 4)]
            )

    await asyncio.gather(first(), second())
    await assert_exact(db, "after the concurrent writers")
    assert await fv.get_photos_count(db, tier="unprocessed") == 1
    assert await fv.get_photos_count(db, tier="silver") == 1
    assert await fv.get_photos_count(db, tier="silver", show_all_versions=True) == 2


@pytest.mark.parametrize("dialect", ["postgres"], indirect=True)
async def test_delta_rows_are_compacted_and_truncate_resets(db: Any) -> None:
    fv = crud.file_version
    made = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    for n in range(300):
        await fv.create(db, obj_in=version(made.id, TIERS[n % 3], n))
    # 300 statements appended 300+ delta rows; every 256th compacted them into one per name.
    assert await db.run(_DELTA_ROWS) < 256
    await assert_exact(db, "after compaction")
    assert await fv.get_photos_count(db, tier="all_versions") == 300
    await db.run(_TRUNCATE)
    assert await db.run(_DELTA_ROWS) == 0
    await assert_exact(db, "after truncate")
