"""``make demo``: migrate the configured database, write a small sample library, print it.

Runs on the embedded default (``sqlite:///./data/pictallion.db``) unless ``DATABASE_URL``
says otherwise, or ``python -m pictallion_sql.admin.demo --database-url URL``. The sample is
written once; later runs print what is there.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from pictallion_sql import crud
from pictallion_sql.admin.migrations import upgrade_to_head
from pictallion_sql.config import get_settings, mask_url
from pictallion_sql.database import Database, connect
from pictallion_sql.errors import PictallionError
from pictallion_sql.models import (
    AIMetadata,
    CombinedMetadata,
    ExifMetadata,
    InsertFileVersion,
    SmartCollectionRule,
    SmartCollectionRules,
)

PHOTOS = [
    ("IMG_2041.jpg", "beach at sunset", ["beach", "sunset"], 5, True),
    ("IMG_2042.jpg", "two friends laughing", ["friends"], 4, True),
    ("IMG_2043.jpg", "the old harbour", ["harbour", "boats"], 3, False),
    ("Élodie_birthday.heic", "birthday cake", ["birthday", "family"], 5, False),
]


async def write_sample(db: Database) -> None:
    """Write the sample library in one transaction."""
    async with db.transaction() as tx:
        versions = []
        for n, (name, description, tags, rating, promote) in enumerate(PHOTOS, start=1):
            asset = await crud.media_asset.create(tx, obj_in={"original_filename": name})
            metadata = CombinedMetadata(
                exif=ExifMetadata(
                    camera="Canon EOS R6",
                    date_time_original=f"2026:07:0{n} 18:00:00",
                    gps_latitude=43.70 + n / 1000,
                    gps_longitude=7.26,
                ),
                ai=AIMetadata(ai_tags=tags, short_description=description),
            )
            silver = await crud.file_version.create(
                tx,
                obj_in=InsertFileVersion(
                    media_asset_id=asset.id,
                    tier="silver",
                    file_path=f"media/silver/2026/07/{name}",
                    file_hash=f"{n:032x}",
                    file_size=2_000_000 + n,
                    mime_type="image/jpeg",
                    metadata=metadata,
                    keywords=tags,
                    rating=rating,
                    ai_short_description=description,
                ),
            )
            await crud.asset_history.create(
                tx, obj_in={"media_asset_id": asset.id, "action": "INGESTED"}
            )
            versions.append(silver)
            if promote:
                gold = await crud.file_version.create(
                    tx,
                    obj_in=InsertFileVersion(
                        media_asset_id=asset.id,
                        tier="gold",
                        file_path=f"media/gold/2026-07/{name}",
                        file_hash=silver.file_hash,
                        file_size=silver.file_size,
                        mime_type=silver.mime_type,
                        metadata=metadata,
                        keywords=tags,
                        rating=rating,
                        is_reviewed=True,
                    ),
                )
                await crud.asset_history.create(
                    tx, obj_in={"media_asset_id": asset.id, "action": "PROMOTED"}
                )
                versions.append(gold)
        elodie = await crud.person.create(
            tx, obj_in={"name": "Élodie Martin", "birthdate": "1990-07-04T00:00:00"}
        )
        john = await crud.person.create(tx, obj_in={"name": "John Smith"})
        await crud.relationship.create(
            tx,
            obj_in={"person1_id": elodie.id, "person2_id": john.id, "relationship_type": "friend"},
        )
        for version, person in (
            (versions[2], elodie),
            (versions[2], john),
            (versions[-1], elodie),
            (versions[4], None),
        ):
            await crud.face.create(
                tx,
                obj_in={
                    "photo_id": version.id,
                    "person_id": person.id if person else None,
                    "bounding_box": [120, 80, 64, 64],
                    "confidence": 93,
                },
            )
        holidays = await crud.collection.create(
            tx, obj_in={"name": "Summer 2026", "description": "Côte d'Azur"}
        )
        for version in versions[:3]:
            await crud.collection_photo.create(
                tx, obj_in={"collection_id": holidays.id, "photo_id": version.id}
            )
        await crud.collection.create(
            tx,
            obj_in={
                "name": "Five stars",
                "is_smart_collection": True,
                "smart_rules": SmartCollectionRules(
                    rules=[SmartCollectionRule(field="rating", operator="greater_than", value=5)],
                    operator="AND",
                ),
            },
        )
        await crud.global_tag.upsert_tags(tx, tags=[t for _, _, tags, _, _ in PHOTOS for t in tags])
        await crud.setting.set_value(tx, key="theme", value="dark")
        await crud.setting.set_value(tx, key="gold_naming_pattern", value="datetime")
        await crud.ai_prompt.ensure_defaults(tx)
        await crud.event.create(
            tx,
            obj_in={
                "name": "Élodie's birthday",
                "type": "birthday",
                "date": "1990-07-04T00:00:00",
                "is_recurring": True,
                "recurring_type": "yearly",
                "person_id": elodie.id,
            },
        )
        await crud.location.create(
            tx,
            obj_in={
                "name": "Vieux-Port",
                "latitude": "43.7034",
                "longitude": "7.2663",
                "place_type": "landmark",
            },
        )
        await crud.collection.refresh_all_smart(tx)


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, in the plural unless ``n`` is 1 ("1 row", "4 rows", "0 photos")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


async def show(db: Database) -> None:
    """Print what the library holds."""
    print("\nTables")
    for name in sorted(crud.__all__):
        repo = getattr(crud, name)
        if not isinstance(repo, type):
            rows = await repo.count(db)
            print(f"  {repo.table:<20} {rows:>4} {'row' if rows == 1 else 'rows'}")
    stats = await crud.file_version.get_collection_stats(db)
    # A photo (media asset) has a silver version and, once curated, a gold one as well.
    versions = counted(stats.silver_count + stats.gold_count, "file version")
    print(
        f"\n{counted(stats.total_photos, 'photo')}, {versions}: "
        f"{stats.silver_count} silver, {stats.gold_count} gold"
    )
    print("\nPhotos (each asset's best version: gold, else silver)")
    for photo in await crud.file_version.list_photos(db, limit=10):
        name = photo.media_asset.original_filename if photo.media_asset else "?"
        tags = ", ".join(photo.keywords or [])
        print(f"  {photo.tier:<6} {name:<22} rating {photo.rating}  {tags}")
    print("\nPeople")
    for person in await crud.person.get_people_with_counts(db):
        faces, photos = counted(person.face_count, "face"), counted(person.photo_count, "photo")
        print(f"  {person.name:<16} {faces} in {photos}")
    matches = await crud.person.search_by_name(db, name_query="élodie", limit=5)
    print(f"  search 'élodie' finds: {', '.join(p.name for p in matches)}")
    print(f"  unassigned faces: {len(await crud.face.get_unassigned(db, limit=50))}")
    print("\nCollections")
    for collection in await crud.collection.get_all_with_stats(db):
        kind = "smart" if collection.is_smart_collection else "manual"
        print(f"  {collection.name:<12} {kind:<6} {counted(collection.photo_count, 'photo')}")
    print("\nTag library")
    for entry in (await crud.global_tag.list_library(db))[:5]:
        print(f"  {entry.tag:<10} used {entry.usage_count}x")
    theme = await crud.setting.get_by_key(db, key="theme")
    print(f"\nSetting theme = {theme.value if theme else None!r}")


async def main(url: str) -> None:
    """Migrate, write the sample if the library is empty, print it."""
    applied = await upgrade_to_head(url)
    print(f"Database {mask_url(url)}")
    print(f"Migrations applied now: {', '.join(applied) if applied else 'none (up to date)'}")
    db = await connect(url)
    try:
        if await crud.media_asset.count(db) == 0:
            await write_sample(db)
            print("Wrote the sample library.")
        else:
            print("The library already holds photos; leaving it as it is.")
        await show(db)
    finally:
        await db.close()


def run(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m pictallion_sql.admin.demo``."""
    parser = argparse.ArgumentParser(
        prog="python -m pictallion_sql.admin.demo", description=__doc__
    )
    parser.add_argument("--database-url", default=get_settings().database_url)
    args = parser.parse_args(argv)
    try:
        asyncio.run(main(args.database_url))
    except PictallionError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run())
