"""One process of the two-process cache test: ``python -m tests.cache_worker ROLE ...``.

``writer DB REDIS VERSION_ID N``: N rounds; each sets the setting ``counter`` and the
file version's ``location`` to the round number (alternately in one transaction and as
two single writes), and only after those calls returned records the round as
acknowledged under ``test:acked`` (a key outside the cache's prefix).

``reader DB REDIS VERSION_ID N``: reads the acknowledged round, then the values through
the library (cached), until round N; a value older than the round acknowledged before
the read began is a stale read. Prints a JSON summary.
"""

from __future__ import annotations

import asyncio
import json
import sys

import redis.asyncio as redis

from pictallion_sql import crud
from pictallion_sql.config import Settings
from pictallion_sql.database import connect


async def writer(db_url: str, redis_url: str, version_id: str, rounds: int) -> dict[str, int]:
    db = await connect(db_url, config=Settings(redis_url=redis_url))
    side = redis.Redis.from_url(redis_url)
    try:
        for n in range(1, rounds + 1):
            if n % 2:
                async with db.transaction() as tx:
                    await crud.setting.set_value(tx, key="counter", value=str(n))
                    await crud.file_version.update(
                        tx, db_obj=version_id, obj_in={"location": str(n)}
                    )
            else:
                await crud.setting.set_value(db, key="counter", value=str(n))
                await crud.file_version.update(db, db_obj=version_id, obj_in={"location": str(n)})
            await side.set("test:acked", n)
            await asyncio.sleep(0.004)  # let the reader serve a few reads from the cache
    finally:
        await side.aclose()
        await db.close()
    return {"rounds": rounds}


async def reader(db_url: str, redis_url: str, version_id: str, rounds: int) -> dict[str, object]:
    db = await connect(db_url, config=Settings(redis_url=redis_url))
    side = redis.Redis.from_url(redis_url)
    stale: list[str] = []
    reads = 0
    try:
        acked = 0
        while acked < rounds:
            acked = int(await side.get("test:acked") or 0)
            setting = await crud.setting.get_by_key(db, key="counter")
            version = await crud.file_version.get(db, id=version_id)
            everything = await crud.setting.get_all(db)
            reads += 3
            seen = {
                "get_by_key": int(setting.value) if setting else 0,
                "get": int(version.location or 0) if version else 0,
                "get_all": max((int(s.value) for s in everything if s.key == "counter"), default=0),
            }
            stale += [
                f"{name} read {value} after round {acked}"
                for name, value in seen.items()
                if value < acked
            ]
        assert db.cache is not None
        stats = db.cache.stats
        return {
            "reads": reads,
            "stale": stale,
            "hits": stats.hits,
            "misses": stats.misses,
            "errors": stats.errors,
        }
    finally:
        await side.aclose()
        await db.close()


def main() -> None:
    role, db_url, redis_url, version_id, rounds = sys.argv[1:6]
    work = writer if role == "writer" else reader
    print(json.dumps(asyncio.run(work(db_url, redis_url, version_id, int(rounds)))))


if __name__ == "__main__":
    main()
