"""Argument errors pinned by type, message and field, and the bounds they guard.

Found by the Python mutation run of ``make mutate``: a check whose message or field was
changed, or whose bound moved by one, went unnoticed where a test only expected the type.
"""

from __future__ import annotations

from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.errors import NotFoundError, ValidationError
from pictallion_sql.models import INT4_MAX
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
