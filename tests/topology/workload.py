"""A mixed workload of public calls, counted: what the pooler tests run, in-process or as a
separate program (``python -m tests.topology.workload URL TAG ROUNDS COPY_DIR [TARGET...]``,
printing its tally as JSON), so that several processes can share one pgbouncer.

Each round also copies the whole library out (``copy_library`` into a new SQLite file in
COPY_DIR); each worker then copies one such file in, into an empty migrated database of
the TARGET URLs while any is left."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec

from pictallion_sql import crud
from pictallion_sql.admin.copy import copy_library
from pictallion_sql.config import Settings
from pictallion_sql.database import connect
from pictallion_sql.drivers.base import Database

CALLS_PER_ROUND = 11
"""Calls one round makes when none fails."""


class Rollback(Exception):
    """Raised inside a savepoint to roll it back."""


class Tally(msgspec.Struct):
    """How many calls ran, and the errors (type: message) of those that failed."""

    calls: int = 0
    errors: list[str] = msgspec.field(default_factory=list)
    kinds: dict[str, int] = msgspec.field(default_factory=dict)


async def _call(tally: Tally, kind: str, work: Callable[[], Awaitable[Any]]) -> Any:
    tally.calls += 1
    tally.kinds[kind] = tally.kinds.get(kind, 0) + 1
    try:
        return await work()
    except Exception as exc:  # every failure is counted, whatever its type
        tally.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
        return None


async def _copy(db: Database, source: str, target: str) -> int:
    """The whole library at ``source`` into ``target``, verified; the rows copied."""
    report = await copy_library(source, target, batch_size=50, config=db.settings)
    if not report["verified"] or not report["rows"]:
        raise AssertionError(f"copy {report['source']} -> {report['target']}: {report}")
    return report["rows"]


async def _one_round(db: Database, tag: str, n: int, tally: Tally, copy_to: Path) -> None:
    async def call(kind: str, work: Callable[[], Awaitable[Any]]) -> Any:
        return await _call(tally, kind, work)

    name = f"{tag}-{n}.jpg"
    asset = await call(
        "create", lambda: crud.media_asset.create(db, obj_in={"original_filename": name})
    )
    if asset is None:
        return
    version = await call(
        "create",
        lambda: crud.file_version.create(
            db,
            obj_in={
                "media_asset_id": asset.id,
                "tier": "silver",
                "file_path": f"/photos/{name}",
                "file_hash": f"{tag}-{n:08d}",
                "file_size": 1000 + n,
                "mime_type": "image/jpeg",
                "keywords": [tag, "beach"],
            },
        ),
    )
    got = await call("get", lambda: crud.media_asset.get(db, id=asset.id))
    if got != asset:
        tally.errors.append(f"get: read {got!r}, wrote {asset!r}")
    if version is not None:
        await call(
            "update", lambda: crud.file_version.update(db, db_obj=version, obj_in={"rating": 4})
        )

    async def nested() -> None:
        async with db.transaction() as tx:
            kept = await crud.media_asset.create(tx, obj_in={"original_filename": "kept-" + name})
            try:
                async with tx.transaction() as savepoint:
                    await crud.media_asset.create(
                        savepoint, obj_in={"original_filename": "gone-" + name}
                    )
                    raise Rollback
            except Rollback:
                pass
            if await crud.media_asset.get(tx, id=kept.id) is None:
                raise AssertionError("a row written before the savepoint went missing")

    await call("nested transaction", nested)
    page = await call(
        "search", lambda: crud.file_version.search(db, filters={"keywords": [tag]}, limit=5)
    )
    if page is not None and page.total_count < 1:
        tally.errors.append(f"search: {page.total_count} rows tagged {tag}")
    await call(
        "create_many",
        lambda: crud.media_asset.create_many(
            db, objs=[{"original_filename": f"{tag}-{n}-{i}.jpg"} for i in range(5)]
        ),
    )

    async def stream() -> int:
        seen = 0
        async with crud.media_asset.stream_all(db, batch_size=7) as rows:
            async for _ in rows:
                seen += 1
        if seen < 7:
            raise AssertionError(f"the stream gave {seen} rows")
        return seen

    await call("stream_all", stream)
    # Out of the database behind the pooler, while the other workers write.
    await call("copy", lambda: _copy(db, db.settings.database_url, f"sqlite:///{copy_to}"))
    if version is not None:
        await call("remove", lambda: crud.file_version.remove(db, id=version.id))
    await call("remove", lambda: crud.media_asset.remove(db, id=asset.id))


async def run_workload(
    db: Database,
    tag: str,
    rounds: int,
    tasks: int = 4,
    *,
    copy_dir: Path,
    copy_targets: list[str] | None = None,
) -> Tally:
    """``rounds`` rounds of the mixed workload in each of ``tasks`` concurrent tasks; then
    each task copies its last copy into one of ``copy_targets`` (empty, migrated) while
    any is left."""
    tally = Tally()
    targets = list(copy_targets or ())

    async def worker(worker_id: int) -> None:
        copied: Path | None = None
        for n in range(rounds):
            copied = copy_dir / f"{tag}w{worker_id}-{n}.db"
            await _one_round(db, f"{tag}w{worker_id}", n, tally, copied)
        if targets and copied is not None and copied.exists():
            target = targets.pop()
            # Into a database behind the pooler.
            await _call(tally, "copy", lambda: _copy(db, f"sqlite:///{copied}", target))

    await asyncio.gather(*(worker(i) for i in range(tasks)))
    return tally


async def _main(url: str, tag: str, rounds: int, copy_dir: Path, targets: list[str]) -> Tally:
    try:
        db = await connect(url, config=Settings.from_env())
    except Exception as exc:
        return Tally(calls=1, errors=[f"connect: {type(exc).__name__}: {exc}"])
    try:
        return await run_workload(db, tag, rounds, copy_dir=copy_dir, copy_targets=targets)
    finally:
        await db.close()


if __name__ == "__main__":
    arguments = sys.argv[1:]
    result = asyncio.run(
        _main(arguments[0], arguments[1], int(arguments[2]), Path(arguments[3]), arguments[4:])
    )
    sys.stdout.write(json.dumps(msgspec.to_builtins(result)) + "\n")
