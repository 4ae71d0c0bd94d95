"""Cancellation at any await point: no acknowledged write lost, no dirty connection reused.

Calls of every shape (a plain write, transactions, savepoints, a stream, a bulk insert,
a held connection) run concurrently on a small pool and are cancelled after a number of
event-loop steps drawn from a fixed seed, or given a tiny ``asyncio.wait_for`` timeout.
Where exactly each one is cut off depends on timing (SQLite's worker threads, the
server); the assertions are invariants that hold whatever it was:

* every write a call acknowledged is in the table after the database is closed and
  opened again (closing rolls back anything a dirty connection still held open);
* a transaction's rows are all there or none is (nothing half-written);
* no call fails with anything but its cancellation;
* no idle pooled connection is inside a transaction, and every later call works.

``PICTALLION_FUZZ=1`` runs a larger batch (``make fuzz``).
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from pictallion_sql.config import Settings
from pictallion_sql.database import Database, connect
from pictallion_sql.query.registry import make_query
from tests.conftest import statement

INSERT = statement(
    "test.cancel_insert", "INSERT INTO media_assets (id, original_filename) VALUES (:id, :name)"
)


class Id(msgspec.Struct):
    id: str


LIST_IDS = make_query("test.cancel_list", "rows", Id, "SELECT id FROM media_assets")
ALL_IDS = make_query(
    "test.cancel_all_ids", "scalar", None, "SELECT count(*) FROM media_assets WHERE id <> ''"
)

FUZZ = os.environ.get("PICTALLION_FUZZ", "") not in ("", "0")
CANCELLATIONS = 1500 if FUZZ else 300
WORKERS = 4


def _new_ids(n: int) -> list[str]:
    return [f"c-{uuid.uuid4()}" for _ in range(n)]


# Each call writes (some of) the ids it is given and returns those it wrote.
Op = Callable[[Database, list[str]], Awaitable[list[str]]]


async def plain_write(db: Database, ids: list[str]) -> list[str]:
    await db.run(INSERT, id=ids[0], name="plain.jpg")
    return ids[:1]


async def transaction_write(db: Database, ids: list[str]) -> list[str]:
    rows = ids[:2]
    async with db.transaction() as conn:
        for row in rows:
            await conn.run(INSERT, id=row, name="tx.jpg")
    return rows


async def savepoint_write(db: Database, ids: list[str]) -> list[str]:
    rows = ids[:2]
    async with db.transaction() as conn:
        await conn.run(INSERT, id=rows[0], name="outer.jpg")
        async with conn.transaction():
            await conn.run(INSERT, id=rows[1], name="inner.jpg")
    return rows


async def bulk_write(db: Database, ids: list[str]) -> list[str]:
    rows = ids[:3]
    await db.insert_many(
        "media_assets", None, [{"id": r, "original_filename": "bulk.jpg"} for r in rows]
    )
    return rows


async def held_connection(db: Database, ids: list[str]) -> list[str]:
    rows = ids[:2]
    async with db.connection() as conn:
        await conn.run(INSERT, id=rows[0], name="held.jpg")
        async with conn.transaction():
            await conn.run(INSERT, id=rows[1], name="held-tx.jpg")
    return rows


async def streamed_read(db: Database, ids: list[str]) -> list[str]:
    async with db.stream(LIST_IDS, batch_size=2) as rows:
        async for _ in rows:
            pass
    return []


async def read_only_transaction(db: Database, ids: list[str]) -> list[str]:
    async with db.transaction(readonly=True) as conn:
        await conn.run(ALL_IDS)
    return []


OPS: tuple[Op, ...] = (
    plain_write,
    transaction_write,
    savepoint_write,
    bulk_write,
    held_connection,
    streamed_read,
    read_only_transaction,
)
# The ids each atomic call writes together (all or none).
ATOMIC: dict[Op, int] = {transaction_write: 2, savepoint_write: 2, bulk_write: 3}


class Tally:
    def __init__(self) -> None:
        self.cancelled = 0
        self.completed = 0
        self.acknowledged: list[str] = []
        self.groups: list[list[str]] = []
        self.errors: list[BaseException] = []


async def _one(db: Database, rng: random.Random, tally: Tally) -> None:
    op = rng.choice(OPS)
    ids = _new_ids(3)
    if op in ATOMIC:
        tally.groups.append(ids[: ATOMIC[op]])  # acknowledged or not

    async def tracked() -> list[str]:
        return await op(db, ids)

    if rng.random() < 0.25:
        # A real timeout: tiny, so it strikes somewhere inside the call.
        try:
            rows = await asyncio.wait_for(tracked(), rng.choice((0, 0.001, 0.002, 0.005, 0.01)))
        except TimeoutError:
            tally.cancelled += 1
            return
    else:
        task = asyncio.ensure_future(tracked())
        # Log-uniform over 0..2047 steps: early, mid-call and late cut-offs all occur.
        for _ in range(int(2 ** rng.uniform(0, 11)) - 1):
            await asyncio.sleep(0)
        task.cancel()
        try:
            rows = await task
        except asyncio.CancelledError:
            tally.cancelled += 1
            return
    tally.completed += 1
    tally.acknowledged.extend(rows)


async def _worker(db: Database, rng: random.Random, tally: Tally, rounds: int) -> None:
    for _ in range(rounds):
        try:
            await _one(db, rng, tally)
        except Exception as exc:  # anything but the cancellation is a defect
            tally.errors.append(exc)


async def _stored_ids(url: str) -> set[str]:
    db = await connect(url)
    try:
        return await _ids(db)
    finally:
        await db.close()


async def _ids(db: Database) -> set[str]:
    async with db.stream(LIST_IDS) as rows:
        return {row.id async for row in rows}


def _dirty(db: Any) -> int:
    idle = [conn for conn, _ in db._pool._idle]
    if db.dialect == "postgres":
        return sum(1 for conn in idle if conn.is_closed() or conn.is_in_transaction())
    return sum(1 for conn in idle if conn.in_transaction)


async def test_cancellation_never_loses_an_acknowledged_write(migrated_url: str) -> None:
    rng = random.Random(20261206)
    settings = Settings(pool_size=3, max_overflow=1, pool_timeout=30)
    db = await connect(migrated_url, config=settings)
    tally = Tally()
    try:
        workers = [random.Random(rng.random()) for _ in range(WORKERS)]
        rounds = 0
        while tally.cancelled < CANCELLATIONS and rounds < CANCELLATIONS * 4:
            await asyncio.gather(*(_worker(db, w, tally, 10) for w in workers))
            rounds += 10 * WORKERS
        dirty = _dirty(db)
        # Every later call works, on every connection the pool hands out.
        after = _new_ids(20)
        for start in range(0, 20, 4):
            await asyncio.gather(*(plain_write_id(db, row) for row in after[start : start + 4]))
        async with db.transaction() as conn:
            await conn.run(INSERT, id="c-final", name="final.jpg")
        tally.acknowledged.extend([*after, "c-final"])
        dirty += _dirty(db)
    finally:
        await db.close()
    stored = await _stored_ids(migrated_url)
    acknowledged = set(tally.acknowledged)
    lost = acknowledged - stored
    half_written = [g for g in tally.groups if 0 < len(set(g) & stored) < len(g)]
    print(
        f"\n{migrated_url.split(':', 1)[0]}: {tally.cancelled} cancellations, "
        f"{tally.completed} calls completed, {len(acknowledged)} acknowledged writes, "
        f"{len(lost)} lost, {dirty} dirty connections, {len(tally.errors)} other errors"
    )
    assert tally.errors == []
    assert tally.cancelled >= CANCELLATIONS
    assert lost == set()
    assert half_written == []
    assert dirty == 0


async def plain_write_id(db: Database, row: str) -> None:
    await db.run(INSERT, id=row, name="after.jpg")


async def test_cancellation_keeps_an_in_memory_sqlite_database() -> None:
    # Its one connection holds the data: a cut-off call settles it instead of replacing it.
    create = make_query("test.cancel_memory_table", "none", None, "CREATE TABLE t (id text)")
    insert = make_query("test.cancel_memory_insert", "none", None, "INSERT INTO t VALUES (:id)")
    listed = make_query("test.cancel_memory_ids", "rows", Id, "SELECT id FROM t")
    db = await connect("sqlite:///:memory:")
    rng = random.Random(7)
    acknowledged = {"kept"}
    cancelled = 0
    try:
        await db.run(create)
        await db.run(insert, id="kept")

        async def write(row: str) -> None:
            async with db.transaction() as conn:
                await conn.run(insert, id=row)

        for n in range(200):
            task = asyncio.ensure_future(write(f"m-{n}"))
            for _ in range(rng.randrange(0, 40)):
                await asyncio.sleep(0)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                cancelled += 1
            else:
                acknowledged.add(f"m-{n}")
        await db.run(insert, id="after")
        stored = {row.id for row in await db.run(listed)}
    finally:
        await db.close()
    assert cancelled > 0
    assert acknowledged | {"after"} <= stored
