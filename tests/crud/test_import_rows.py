"""import_rows on both dialects: ids and timestamps kept, every other column checked, atomic."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest

from pictallion_sql import crud
from pictallion_sql.catalog.base import utc_now
from pictallion_sql.errors import DuplicateKeyError, ForeignKeyError, ValidationError
from pictallion_sql.models import IMPORT_TYPES, MediaAsset

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

ASSET = "aaaaaaaa-0000-4000-8000-000000000001"
MISSING = "99999999-0000-4000-8000-000000000000"
WHEN = datetime(2019, 5, 6, 7, 8, 9, 123456)


def _version(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"ffffffff-0000-4000-8000-{n:012d}",
        "media_asset_id": ASSET,
        "tier": "silver",
        "file_path": f"media/{n}.jpg",
        "file_hash": f"h{n}",
        "file_size": n,
        "mime_type": "image/jpeg",
        **extra,
    }


async def _asset(db: Any) -> MediaAsset:
    (asset,) = await crud.media_asset.import_rows(
        db, rows=[{"id": ASSET, "original_filename": "a.jpg", "created_at": WHEN}]
    )
    return asset


async def test_ids_and_timestamps_are_kept(db: Any) -> None:
    asset = await _asset(db)
    assert (asset.id, asset.created_at) == (ASSET, WHEN)
    paris = timezone(timedelta(hours=2))
    rows = [
        _version(1, created_at=WHEN, metadata={"exif": {"iso": "200"}, "extra": [1, 1.0]}),
        # An aware timestamp is stored as naive UTC; an ISO string is read as one.
        _version(2, created_at=datetime(2020, 1, 1, 2, 0, tzinfo=paris)),
        _version(3, created_at="2021-03-04T05:06:07.000008"),
    ]
    imported = await crud.file_version.import_rows(db, rows=rows)
    assert [v.id for v in imported] == [r["id"] for r in rows]
    assert [v.created_at for v in imported] == [
        WHEN,
        datetime(2020, 1, 1, 0, 0),
        datetime(2021, 3, 4, 5, 6, 7, 8),
    ]
    for version in imported:
        assert await crud.file_version.get(db, id=version.id) == version
    stored = await crud.file_version.get(db, id=rows[0]["id"])
    assert stored is not None and stored.metadata == {"exif": {"iso": "200"}, "extra": [1, 1.0]}
    assert stored.metadata is not None
    assert [type(x) for x in stored.metadata["extra"]] == [int, float]
    # Columns not given take their defaults, as with create.
    assert (stored.rating, stored.keywords, stored.processing_state) == (0, [], "processed")


async def test_timestamps_not_given_take_the_column_default(db: Any) -> None:
    before = utc_now() - timedelta(seconds=5)
    (asset,) = await crud.media_asset.import_rows(
        db, rows=[{"id": ASSET, "original_filename": "x"}]
    )
    assert asset.created_at >= before
    (collection,) = await crud.collection.import_rows(
        db, rows=[{"id": "c1", "name": "n", "created_at": WHEN}]
    )
    assert collection.created_at == WHEN and collection.updated_at >= before


async def test_records_read_from_a_database_import_unchanged(db: Any) -> None:
    await _asset(db)
    made = await crud.file_version.create_many(
        db,
        objs=[
            {k: v for k, v in _version(1, keywords=["été"], rating=5).items() if k != "id"},
            {k: v for k, v in _version(2, metadata={"ai": None}).items() if k != "id"},
        ],
    )
    # The same rows under new ids (a copy into another database keeps the old ones).
    moved = [msgspec.structs.replace(v, id=v.id[:-1] + "x") for v in made]
    imported = await crud.file_version.import_rows(db, rows=moved)
    assert imported == moved
    ids = await crud.file_version.import_rows(
        db, rows=[msgspec.structs.replace(made[0], id="third")], returning=False
    )
    assert ids == ["third"]
    assert await crud.file_version.get(db, id="third") == msgspec.structs.replace(
        made[0], id="third"
    )


async def test_a_stored_legacy_state_is_accepted_new_bad_values_are_not(db: Any) -> None:
    await _asset(db)
    (legacy,) = await crud.file_version.import_rows(
        db, rows=[_version(1, processing_state="unprocessed")]
    )
    assert legacy.processing_state == "unprocessed"
    cases: list[tuple[dict[str, Any], str, str]] = [
        (_version(2, tier="platinum"), "tier", "file_versions.tier"),
        (_version(3, rating=9), "rating", "file_versions.rating"),
        (_version(4, file_size=2**31), "file_size", "file_versions.file_size"),
        (_version(5, id=7), "id", "file_versions.id"),
        (_version(6, created_at=None), "created_at", "file_versions.created_at"),
        (_version(7, metadata={"exif": {"iso": 100}}), "metadata", "metadata.exif.iso"),
        (_version(8, id="x" * 3000), "id", "file_versions.id"),
        ({k: v for k, v in _version(9).items() if k != "id"}, "id", "id"),
        (_version(10, colour="red"), "colour", "colour"),
    ]
    for row, field, where in cases:
        with pytest.raises(ValidationError) as caught:
            await crud.file_version.import_rows(db, rows=[_version(20), row])
        assert caught.value.field == field, row
        assert str(caught.value).startswith("rows[1]: ") and where in str(caught.value)
    assert await crud.face.import_rows(db, rows=[]) == []
    assert await crud.file_version.count(db) == 1


async def test_a_record_of_another_table_or_not_a_list_is_refused(db: Any) -> None:
    asset = await _asset(db)
    with pytest.raises(ValidationError, match=r"rows\[0\]: file_versions: expected FileVersion"):
        await crud.file_version.import_rows(db, rows=[asset])  # type: ignore[list-item]
    for bad in ({"id": "x"}, "rows", None):
        with pytest.raises(ValidationError) as caught:
            await crud.media_asset.import_rows(db, rows=bad)  # type: ignore[arg-type]
        assert caught.value.field == "rows"


async def test_a_row_read_back_with_a_bad_value_names_its_id(db: Any) -> None:
    await _asset(db)
    (made,) = await crud.file_version.import_rows(db, rows=[_version(1)])
    bad = msgspec.structs.replace(made, id="other", rating=42)
    with pytest.raises(ValidationError) as caught:
        await crud.file_version.import_rows(db, rows=[bad])
    assert caught.value.field == "rating"
    assert str(caught.value).startswith("rows[0] (id 'other'): file_versions.rating")


async def test_a_failure_imports_nothing(db: Any) -> None:
    await _asset(db)
    await crud.file_version.import_rows(db, rows=[_version(1)])
    with pytest.raises(DuplicateKeyError) as duplicate:
        await crud.file_version.import_rows(db, rows=[_version(2), _version(1)])
    assert (duplicate.value.table, duplicate.value.column) == ("file_versions", "id")
    with pytest.raises(ForeignKeyError) as orphan:
        await crud.file_version.import_rows(
            db, rows=[_version(3), _version(4, media_asset_id=MISSING)]
        )
    assert (orphan.value.table, orphan.value.column) == ("file_versions", "media_asset_id")
    assert [v.id for v in await crud.file_version.get_multi(db)] == [_version(1)["id"]]


async def test_inside_a_transaction_a_failed_import_spoils_it(db: Any) -> None:
    with pytest.raises(DuplicateKeyError):
        async with db.transaction() as tx:
            await _asset(tx)
            await crud.media_asset.import_rows(
                tx, rows=[{"id": ASSET, "original_filename": "again"}]
            )
    assert await crud.media_asset.count(db) == 0


def test_import_types_cover_every_column_and_require_the_id() -> None:
    from pictallion_sql.models import ROW_TYPES

    for table, row in ROW_TYPES.items():
        kind = IMPORT_TYPES[table]
        assert kind.__struct_fields__ == row.__struct_fields__, table
        fields = {f.name: f for f in msgspec.structs.fields(kind)}
        assert fields["id"].required
        for name in ("created_at", "updated_at", "added_at", "timestamp"):
            if name in fields:
                assert not fields[name].required, (table, name)
