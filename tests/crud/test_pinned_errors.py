"""Argument errors pinned by type, message and field, and the bounds they guard.

Found by the Python mutation run of ``make mutate``: a check whose message or field was
changed, or whose bound moved by one, went unnoticed where a test only expected the type.
"""

from __future__ import annotations

from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.errors import NotFoundError, ValidationError
from pictallion_sql.models import INT4_MAX, ROW_TYPES
from pictallion_sql.query.dynamic import insert_query
from tests.library import load_library, uid

ASSET = uid("asset", 1)
MISSING = "99999999-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("arguments", "message", "field"),
    [
        ({"id": 123, "updates": {}}, "id must be a string id, got int", "id"),
        ({"id": ASSET, "updates": "x"}, "updates must be a mapping", "updates"),
        ({"id": ASSET, "updates": {"tags": "beach"}}, "tags must be a list of strings", "tags"),
        ({"id": ASSET, "updates": {"tags": {"beach"}}}, "tags must be a list of strings", "tags"),
        ({"id": ASSET, "updates": {"tags": ["a", 1]}}, "tags must be a list of strings", "tags"),
    ],
)
async def test_update_photo_rejects_bad_arguments_by_field(
    db: Any, arguments: dict[str, Any], message: str, field: str
) -> None:
    await load_library(db)
    with pytest.raises(ValidationError) as raised:
        await crud.media_asset.update_photo(db, **arguments)
    assert (type(raised.value), str(raised.value), raised.value.field) == (
        ValidationError,
        message,
        field,
    )
    stored = await crud.media_asset.get(db, id=ASSET)
    assert stored is not None and stored.original_filename == "IMG_0001.jpg"


async def test_update_photo_of_a_missing_asset(db: Any) -> None:
    with pytest.raises(NotFoundError) as raised:
        await crud.media_asset.update_photo(db, id=MISSING, updates={"originalFilename": "x"})
    assert (str(raised.value), raised.value.table) == ("Photo not found", "media_assets")


async def test_username_must_be_text(db: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        await crud.user.get_by_username(db, username=b"ada")  # type: ignore[arg-type]
    assert (str(raised.value), raised.value.field) == ("username must be a string", "username")


async def test_face_count_bounds(db: Any) -> None:
    await load_library(db)
    person = uid("person", 1)
    for count in (0, INT4_MAX):
        updated = await crud.person.update_face_count(db, person_id=person, face_count=count)
        assert updated is not None and (updated.id, updated.face_count) == (person, count)
    for count in (-1, INT4_MAX + 1):
        with pytest.raises(ValidationError) as raised:
            await crud.person.update_face_count(db, person_id=person, face_count=count)
        assert (str(raised.value), raised.value.field) == (
            f"face_count must be a non-negative int4 integer, got {count}",
            "face_count",
        )
    with pytest.raises(ValidationError) as raised:
        await crud.person.update_face_count(db, person_id=7, face_count=1)  # type: ignore[arg-type]
    assert (str(raised.value), raised.value.field) == (
        "person_id must be a string id, got int",
        "person_id",
    )
    stored = await crud.person.get(db, id=person)
    assert stored is not None and stored.face_count == INT4_MAX


# (repository, method, arguments, message, field)
ARGUMENT_ERRORS: dict[str, tuple[Any, str, dict[str, Any], str, str]] = {
    "version by hash": (
        crud.file_version,
        "get_by_hash",
        {"file_hash": 1},
        "file_hash must be a string",
        "file_hash",
    ),
    "versions by tag": (
        crud.file_version,
        "get_photos_by_tag",
        {"tag": 1},
        "tag must be a string",
        "tag",
    ),
    "photo count": (
        crud.compat.file_version,
        "get_photos_count",
        {"tier": "silver", "show_superseded": "yes"},
        "show_superseded must be a boolean, got 'yes'",
        "show_superseded",
    ),
    "siblings": (
        crud.file_version,
        "get_sibling_versions",
        {"id": 1},
        "id must be a string id, got int",
        "id",
    ),
    "details": (
        crud.file_version,
        "get_with_details",
        {"id": 1},
        "id must be a string id, got int",
        "id",
    ),
    "faces by ids": (
        crud.face,
        "get_many",
        {"ids": "abc"},
        "ids must be a list of string ids",
        "ids",
    ),
    "faces by bad id": (
        crud.face,
        "get_many",
        {"ids": [1]},
        "ids must be a string id, got int",
        "ids",
    ),
    "ignore faces": (
        crud.face,
        "ignore_many",
        {"ids": b"x"},
        "ids must be a list of string ids",
        "ids",
    ),
    "assignments as text": (
        crud.face,
        "assign_many",
        {"assignments": "x"},
        "assignments must be (face_id, person_id) pairs",
        "assignments",
    ),
    "assignment not a pair": (
        crud.face,
        "assign_many",
        {"assignments": [("a",)]},
        "assignments must be (face_id, person_id) pairs",
        "assignments",
    ),
    "assignment of a bad face id": (
        crud.face,
        "assign_many",
        {"assignments": [(1, None)]},
        "face_id must be a string id, got int",
        "face_id",
    ),
    "assignment to a bad person id": (
        crud.face,
        "assign_many",
        {"assignments": [(uid("face", 1), 2)]},
        "person_id must be a string id, got int",
        "person_id",
    ),
    "assign one face": (
        crud.face,
        "assign_to_person",
        {"face_id": 1, "person_id": None},
        "face_id must be a string id, got int",
        "face_id",
    ),
    "add a tag": (
        crud.global_tag,
        "add_tag_to_library",
        {"tag": 1},
        "tag must be a string, got int",
        "tag",
    ),
    "delete a tag": (
        crud.global_tag,
        "delete_tag",
        {"tag": None},
        "tag must be a string, got NoneType",
        "tag",
    ),
    "update a setting": (
        crud.setting,
        "update_value",
        {"key": 1, "value": "x"},
        "key must be a string, got int",
        "key",
    ),
    "delete a setting": (
        crud.setting,
        "delete_by_key",
        {"key": 1},
        "key must be a string, got int",
        "key",
    ),
    "representative face": (
        crud.person,
        "update_representative_face",
        {"person_id": 1, "file_path": None},
        "person_id must be a string id, got int",
        "person_id",
    ),
}


@pytest.mark.parametrize("case", sorted(ARGUMENT_ERRORS))
async def test_argument_errors_name_their_field(db: Any, case: str) -> None:
    repo, method, arguments, message, field = ARGUMENT_ERRORS[case]
    with pytest.raises(ValidationError) as raised:
        await getattr(repo, method)(db, **arguments)
    assert (type(raised.value), str(raised.value), raised.value.field) == (
        ValidationError,
        message,
        field,
    )


def _ids(rows: list[Any]) -> list[str]:
    return [row.id for row in rows]


def _fv(*numbers: int) -> list[str]:
    return [uid("fv", n) for n in numbers]


async def test_port_names_keep_their_defaults_and_pass_their_pages(db: Any) -> None:
    await load_library(db)
    repo = crud.file_version
    # Every version, newest first (created_at DESC, id DESC).
    assert _ids(await crud.compat.file_version.get_all_file_versions(db)) == _fv(
        9, 10, 8, 7, 6, 5, 4, 3, 2, 1
    )
    assert _ids(await repo.get_all_with_assets(db, limit=2)) == _fv(9, 10)
    # Each asset's best version (gold, else silver), by that version's created_at DESC.
    assert _ids(await crud.compat.file_version.get_highest_tier_photos(db)) == _fv(9, 7, 6, 5, 3, 2)
    assert _ids(
        await crud.compat.file_version.get_highest_tier_photos(db, limit=2, offset=1)
    ) == _fv(7, 6)
    # Silver versions of assets without gold, unless superseded ones are asked for.
    assert _ids(await crud.compat.file_version.get_photos_by_tier(db, tier="silver")) == _fv(
        7, 5, 3
    )
    assert _ids(
        await crud.compat.file_version.get_photos_by_tier(db, tier="silver", offset=1)
    ) == _fv(5, 3)
    assert _ids(await crud.compat.file_version.get_unprocessed_photos(db)) == _fv(7, 5, 3)


async def test_default_page_is_100_rows(db: Any) -> None:
    async with db.transaction() as conn:
        for n in range(1, 102):
            asset = {"id": uid("asset", n), "original_filename": f"p{n}.jpg"}
            await conn.run(
                insert_query("media_assets", ROW_TYPES["media_assets"], tuple(asset)), **asset
            )
            version = {
                "id": uid("fv", n),
                "media_asset_id": uid("asset", n),
                "tier": "silver",
                "file_path": f"v{n}.jpg",
                "file_hash": f"h{n}",
                "file_size": n,
                "mime_type": "image/jpeg",
                "keywords": ["t"],
            }
            await conn.run(
                insert_query("file_versions", ROW_TYPES["file_versions"], tuple(version)), **version
            )
    repo = crud.file_version
    assert len(await repo.list_photos(db)) == 100
    assert len(await crud.compat.file_version.get_highest_tier_photos(db)) == 100
    assert len(await repo.get_by_tier(db, tier="silver")) == 100
    assert len(await repo.get_photos_by_tag(db, tag="t")) == 100
    assert (
        len(await crud.compat.file_version.get_photos_by_tier(db, tier="silver")) == 101
    )  # no cap by default
