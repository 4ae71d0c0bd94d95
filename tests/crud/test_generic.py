"""The generic calls every repository has, on every table, on both dialects."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from pictallion_sql import crud
from pictallion_sql.errors import ForeignKeyError, ValidationError
from tests.crud.test_pinned_reads import ORDERS
from tests.library import LIBRARY, load_library, uid

pytestmark = pytest.mark.pins

MISSING = "99999999-0000-4000-8000-000000000000"

# table -> (repository, a row nothing references, a row others reference or None)
CASES: dict[str, tuple[Any, str, str | None]] = {
    "users": (crud.user, uid("user", 2), None),
    "media_assets": (crud.media_asset, uid("asset", 1), uid("asset", 1)),
    "file_versions": (crud.file_version, uid("fv", 10), uid("fv", 2)),
    "asset_history": (crud.asset_history, uid("hist", 3), None),
    "collections": (crud.collection, uid("coll", 5), None),
    "collection_photos": (crud.collection_photo, uid("cp", 2), None),
    "people": (crud.person, uid("person", 3), None),
    "faces": (crud.face, uid("face", 4), None),
    "settings": (crud.setting, uid("setting", 1), None),
    "ai_prompts": (crud.ai_prompt, uid("prompt", 3), None),
    "events": (crud.event, uid("event", 3), None),
    "locations": (crud.location, uid("loc", 2), None),
    "global_tag_library": (crud.global_tag, uid("tag", 2), None),
    "relationships": (crud.relationship, uid("rel", 2), None),
}


@pytest.mark.parametrize("table", sorted(CASES))
@pytest.mark.slow
async def test_get_exists_count_page_and_remove(db: Any, table: str) -> None:
    await load_library(db)
    repo, leaf, referenced = CASES[table]
    expected = {row["id"]: row for row in LIBRARY[table]}
    assert await repo.count(db) == len(expected)
    row = await repo.get(db, id=leaf)
    assert row is not None and row.id == leaf
    stored = msgspec.structs.asdict(row)
    # JSON documents come back as typed structs; every other column equals the input.
    plain = {k: v for k, v in expected[leaf].items() if not isinstance(v, dict)}
    assert {k: stored[k] for k in plain} == plain
    assert await repo.get(db, id=MISSING) is None
    assert await repo.exists(db, id=leaf) and not await repo.exists(db, id=MISSING)
    # The documented order of the library's rows (tests/crud/test_pinned_reads.py pins
    # every page on a larger library).
    _, kind, pinned_order = ORDERS[table]
    order = [uid(kind, n) for n in pinned_order if uid(kind, n) in expected]
    page = await repo.get_multi(db, skip=1, limit=2)
    assert [r.id for r in page] == order[1:3]
    assert [r.id for r in await repo.get_multi(db, limit=1000)] == order

    if referenced is not None:
        with pytest.raises(ForeignKeyError):
            await repo.remove(db, id=referenced)
        assert await repo.exists(db, id=referenced)
    else:
        removed = await repo.remove(db, id=leaf)
        assert removed == row
        assert {k: msgspec.structs.asdict(removed)[k] for k in plain} == plain
        assert not await repo.exists(db, id=leaf)
        assert await repo.count(db) == len(expected) - 1
    assert await repo.remove(db, id=MISSING) is None


@pytest.mark.parametrize("table", sorted(CASES))
@pytest.mark.slow
async def test_bad_arguments_are_validation_errors(db: Any, table: str) -> None:
    repo = CASES[table][0]
    with pytest.raises(ValidationError):
        await repo.get(db, id=123)
    with pytest.raises(ValidationError):
        await repo.get_multi(db, skip=-1)
    with pytest.raises(ValidationError):
        await repo.exists(db, id=None)
