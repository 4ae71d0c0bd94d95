"""Settings and the tag library: every method on both dialects."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.errors import DatabaseError, DuplicateKeyError, ValidationError
from pictallion_sql.models import InsertSetting, Setting, UpdateSetting
from pictallion_sql.records.composites.collections import TagLibraryEntry
from tests.conftest import FixedClock, both, fail_on
from tests.library import GLOBAL_TAGS, SETTINGS, at, load_library, uid

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

S1, S2, S3, S4 = (uid("setting", n) for n in range(1, 5))


async def fail_on_tag(db: Any, tag: str) -> None:
    """A trigger that makes inserting ``tag`` into the tag library fail."""
    await fail_on(db, "global_tag_library", "INSERT", when=f"NEW.tag = '{tag}'")


async def library_counts(db: Any) -> dict[str, int]:
    return {e.tag: e.usage_count for e in await crud.global_tag.list_library(db)}


# ------------------------------------------------------------------------------------------
# Settings: #52-#56, set_value, get_by_category, get_setting_value
# ------------------------------------------------------------------------------------------


async def test_get_all_orders_category_then_key_in_byte_order(db: Any) -> None:
    assert await crud.setting.get_all(db) == []
    await load_library(db)
    # 'Naming' < 'events' < 'general' < 'naming' byte for byte (upper case first).
    assert [s.id for s in await crud.setting.get_all(db)] == [S3, S2, S1, S4]


async def test_get_by_key_and_value(db: Any) -> None:
    await load_library(db)
    theme = await crud.setting.get_by_key(db, key="theme")
    assert theme == Setting(**SETTINGS[0])
    assert await crud.setting.get_by_key(db, key="Theme") is None  # keys are case-sensitive
    assert await crud.setting.get_by_key(db, key="missing") is None
    assert await crud.compat.setting.get_setting_value(db, key="theme") == "dark"
    assert await crud.compat.setting.get_setting_value(db, key="custom_naming_pattern") == ""
    assert await crud.compat.setting.get_setting_value(db, key="missing") is None
    assert (
        await crud.compat.setting.get_setting_value(db, key="missing", default="datetime")
        == "datetime"
    )
    assert await crud.compat.setting.get_setting_value(db, key="theme", default="light") == "dark"
    assert await crud.compat.setting.get_setting_value(db, "missing", "datetime") == "datetime"
    with pytest.raises(ValidationError) as bad:
        await crud.setting.get_by_key(db, key=1)  # type: ignore[arg-type]
    assert bad.value.field == "key"


async def test_get_by_category(db: Any) -> None:
    await load_library(db)
    await crud.setting.create(db, obj_in={"key": "a_pattern", "value": "x", "category": "naming"})
    await crud.setting.create(db, obj_in={"key": "Z_pattern", "value": "x", "category": "naming"})
    rows = await crud.setting.get_by_category(db, category="naming")
    assert [s.key for s in rows] == ["Z_pattern", "a_pattern", "custom_naming_pattern"]
    assert [s.id for s in await crud.setting.get_by_category(db, category="Naming")] == [S3]
    assert await crud.setting.get_by_category(db, category="nothing") == []
    with pytest.raises(ValidationError) as bad:
        await crud.setting.get_by_category(db, category=None)  # type: ignore[arg-type]
    assert bad.value.field == "category"


async def test_create_defaults_and_duplicate_key(db: Any) -> None:
    created = await crud.setting.create(db, obj_in=InsertSetting(key="k", value="v"))
    assert (created.key, created.value, created.category, created.description) == (
        "k",
        "v",
        "general",
        None,
    )
    with pytest.raises(DuplicateKeyError) as err:
        await crud.setting.create(db, obj_in={"key": "k", "value": "other", "category": "x"})
    assert (err.value.table, err.value.column) == ("settings", "key")
    assert await crud.setting.count(db) == 1
    assert await crud.compat.setting.get_setting_value(db, key="k") == "v"
    with pytest.raises(ValidationError) as bad:
        await crud.setting.create(db, obj_in={"key": "n", "value": "v", "category": None})
    assert bad.value.field == "category"
    with pytest.raises(ValidationError) as bad:
        await crud.setting.create(db, obj_in={"key": "n"})
    assert bad.value.field == "value"
    assert await crud.setting.count(db) == 1


async def test_update_value_touches_updated_at_and_never_inserts(
    db: Any, fixed_clock: FixedClock
) -> None:
    await load_library(db)
    updated = await crud.setting.update_value(db, key="theme", value="light")
    assert updated is not None
    assert (updated.id, updated.value, updated.category) == (S1, "light", "general")
    assert (updated.created_at, updated.updated_at) == (at(90), fixed_clock.now)
    assert await crud.setting.update_value(db, key="missing", value="x") is None
    assert await crud.setting.get_by_key(db, key="missing") is None
    assert await crud.setting.count(db) == 4
    with pytest.raises(ValidationError) as bad:
        await crud.setting.update_value(db, key="theme", value=None)  # type: ignore[arg-type]
    assert bad.value.field == "value"
    # The generic update touches updated_at as well.
    later = fixed_clock.advance()
    again = await crud.setting.update(db, db_obj=S1, obj_in=UpdateSetting(description="d"))
    assert again is not None and again.updated_at == later
    assert (again.value, again.description) == ("light", "d")


async def test_set_value_upserts_in_one_statement(db: Any, fixed_clock: FixedClock) -> None:
    await load_library(db)
    created = await crud.setting.set_value(db, key="language", value="fr", category="ui")
    assert (created.key, created.value, created.category) == ("language", "fr", "ui")
    assert created.created_at == created.updated_at
    default = await crud.setting.set_value(db, key="density", value="compact")
    assert default.category == "general"

    # An existing key: new value and updated_at; id, category, description, created_at kept.
    changed = await crud.setting.set_value(
        db, key="enabled_holidays", value='["US", "UK"]', category="general"
    )
    assert changed.id == S2
    assert (changed.value, changed.category, changed.description) == (
        '["US", "UK"]',
        "events",
        "Holiday calendars",
    )
    assert (changed.created_at, changed.updated_at) == (at(91), fixed_clock.now)
    assert await crud.setting.count(db) == 6
    with pytest.raises(ValidationError) as bad:
        await crud.setting.set_value(db, key="k", value="v", category=3)  # type: ignore[arg-type]
    assert bad.value.field == "category"


async def test_set_value_is_safe_under_concurrency(db: Any) -> None:
    # Read-then-write would race into DuplicateKeyError; one upsert statement cannot.
    values = [f"v{n}" for n in range(12)]
    rows = await asyncio.gather(*(crud.setting.set_value(db, key="race", value=v) for v in values))
    assert len({r.id for r in rows}) == 1
    assert await crud.setting.count(db) == 1
    assert await crud.compat.setting.get_setting_value(db, key="race") in values


async def test_delete_by_key(db: Any) -> None:
    await load_library(db)
    assert await crud.setting.delete_by_key(db, key="theme") is True
    assert await crud.setting.get_by_key(db, key="theme") is None
    assert await crud.setting.delete_by_key(db, key="theme") is False
    assert await crud.setting.delete_by_key(db, key="Gold_naming_pattern") is True
    assert await crud.setting.count(db) == 2


# ------------------------------------------------------------------------------------------
# Tag library: R1-R4, #86, #87, get_by_tag
# ------------------------------------------------------------------------------------------


async def test_list_library_orders_by_usage_then_tag_bytes(db: Any) -> None:
    assert await crud.global_tag.list_library(db) == []
    await load_library(db)
    entries = await crud.global_tag.list_library(db)
    assert entries == [
        TagLibraryEntry("Beach", 3, at(130)),
        TagLibraryEntry("beach", 3, at(130)),
        TagLibraryEntry("élan", 2, at(132)),
        TagLibraryEntry("sunset", 1, at(131)),
    ]
    assert await crud.compat.global_tag.get_tag_library(db) == entries


async def test_get_all_tags_and_get_by_tag(db: Any) -> None:
    assert await crud.global_tag.get_all_tags(db) == []
    await load_library(db)
    assert await crud.global_tag.get_all_tags(db) == ["Beach", "beach", "sunset", "élan"]
    beach = await crud.global_tag.get_by_tag(db, tag="beach")
    assert beach is not None and beach.id == uid("tag", 1) and beach.usage_count == 3
    assert (await crud.global_tag.get_by_tag(db, tag="élan")) is not None
    assert await crud.global_tag.get_by_tag(db, tag="BEACH") is None
    with pytest.raises(ValidationError) as bad:
        await crud.global_tag.get_by_tag(db, tag=["beach"])  # type: ignore[arg-type]
    assert bad.value.field == "tag"


async def test_upsert_tag_inserts_then_counts(db: Any) -> None:
    await load_library(db)
    new = await crud.global_tag.upsert_tag(db, tag="mountain")
    uuid.UUID(new.id)  # the id comes from the column default
    assert (new.tag, new.usage_count) == ("mountain", 1)
    again = await crud.global_tag.upsert_tag(db, tag="mountain")
    assert (again.id, again.usage_count, again.created_at) == (new.id, 2, new.created_at)
    beach = await crud.global_tag.upsert_tag(db, tag="beach")
    assert (beach.id, beach.usage_count, beach.created_at) == (uid("tag", 1), 4, at(130))
    assert (await library_counts(db))["Beach"] == 3  # case-sensitive
    with pytest.raises(ValidationError) as bad:
        await crud.global_tag.upsert_tag(db, tag=None)  # type: ignore[arg-type]
    assert bad.value.field == "tag"


async def test_upsert_tag_concurrently_counts_every_use(db: Any) -> None:
    await asyncio.gather(*(crud.global_tag.upsert_tag(db, tag="busy") for _ in range(10)))
    row = await crud.global_tag.get_by_tag(db, tag="busy")
    assert row is not None and row.usage_count == 10
    assert await crud.global_tag.count(db) == 1


async def test_upsert_tags_counts_each_item(db: Any) -> None:
    await load_library(db)
    rows = await crud.global_tag.upsert_tags(
        db, tags=["sunset", "forêt", "beach", "forêt", "sunset", "sunset"]
    )
    assert [(r.tag, r.usage_count) for r in rows] == [("sunset", 4), ("forêt", 2), ("beach", 4)]
    assert rows[0].id == uid("tag", 3) and rows[0].created_at == at(131)
    uuid.UUID(rows[1].id)
    counts = await library_counts(db)
    assert counts == {"Beach": 3, "beach": 4, "sunset": 4, "forêt": 2, "élan": 2}
    assert await crud.global_tag.upsert_tags(db, tags=[]) == []
    assert await crud.global_tag.upsert_tags(db, tags=("élan",)) == [
        await crud.global_tag.get_by_tag(db, tag="élan")
    ]
    assert (await library_counts(db))["élan"] == 3


async def test_upsert_tags_refuses_a_string_and_non_strings(db: Any) -> None:
    await load_library(db)
    before = await library_counts(db)
    with pytest.raises(ValidationError) as bad:
        await crud.global_tag.upsert_tags(db, tags="beach")
    assert bad.value.field == "tags"
    with pytest.raises(ValidationError) as bad:
        await crud.global_tag.upsert_tags(db, tags=["beach", 3])  # type: ignore[list-item]
    assert bad.value.field == "tags"
    with pytest.raises(ValidationError):
        await crud.global_tag.upsert_tags(db, tags=None)  # type: ignore[arg-type]
    assert await library_counts(db) == before


async def test_upsert_tags_failure_part_way_changes_nothing(db: Any) -> None:
    await load_library(db)
    before = await library_counts(db)
    await fail_on_tag(db, "boom")
    with pytest.raises(DatabaseError, match="forced failure"):
        await crud.global_tag.upsert_tags(db, tags=["beach", "fresh", "boom", "sunset"])
    assert await library_counts(db) == before


async def test_add_tag_to_library_does_not_count(db: Any) -> None:
    await load_library(db)
    assert await crud.global_tag.add_tag_to_library(db, tag="river") is True
    river = await crud.global_tag.get_by_tag(db, tag="river")
    assert river is not None and river.usage_count == 1
    uuid.UUID(river.id)
    assert await crud.global_tag.add_tag_to_library(db, tag="river") is False
    assert await crud.global_tag.add_tag_to_library(db, tag="beach") is False
    counts = await library_counts(db)
    assert (counts["river"], counts["beach"]) == (1, 3)
    with pytest.raises(ValidationError):
        await crud.global_tag.add_tag_to_library(db, tag=b"x")  # type: ignore[arg-type]


async def test_delete_tag(db: Any) -> None:
    await load_library(db)
    assert await crud.global_tag.delete_tag(db, tag="BEACH") is False
    assert await crud.global_tag.delete_tag(db, tag="beach") is True
    assert await crud.global_tag.delete_tag(db, tag="beach") is False
    assert await crud.global_tag.get_all_tags(db) == ["Beach", "sunset", "élan"]


# ------------------------------------------------------------------------------------------
# Differential: every read method on both dialects of the fixed library
# ------------------------------------------------------------------------------------------


async def test_library_setting_reads_agree(library_pair: tuple[Any, Any]) -> None:
    s = crud.setting
    assert [r.id for r in await both(library_pair, s.get_all)] == [S3, S2, S1, S4]
    assert (await both(library_pair, s.get_by_key, key="enabled_holidays")).id == S2
    assert (await both(library_pair, s.get_by_key, key="Gold_naming_pattern")).id == S3
    assert await both(library_pair, s.get_by_key, key="gold_naming_pattern") is None
    assert [r.id for r in await both(library_pair, s.get_by_category, category="naming")] == [S4]
    assert [r.id for r in await both(library_pair, s.get_by_category, category="Naming")] == [S3]
    assert await both(library_pair, s.get_by_category, category="none") == []
    assert (
        await both(library_pair, crud.compat.setting.get_setting_value, key="enabled_holidays")
        == '["US"]'
    )
    assert (
        await both(library_pair, crud.compat.setting.get_setting_value, key="custom_naming_pattern")
        == ""
    )
    assert (
        await both(library_pair, crud.compat.setting.get_setting_value, key="x", default="d") == "d"
    )
    for row in SETTINGS:
        assert await both(library_pair, s.get, id=row["id"]) == Setting(
            **{"description": None, **row}
        )


async def test_library_tag_reads_agree(library_pair: tuple[Any, Any]) -> None:
    g = crud.global_tag
    entries = await both(library_pair, g.list_library)
    assert [e.tag for e in entries] == ["Beach", "beach", "élan", "sunset"]
    assert await both(library_pair, g.get_all_tags) == ["Beach", "beach", "sunset", "élan"]
    for tag in ("beach", "Beach", "élan", "BEACH", "ÉLAN", ""):
        row = await both(library_pair, g.get_by_tag, tag=tag)
        expected = next((t for t in GLOBAL_TAGS if t["tag"] == tag), None)
        assert (row.id if row else None) == (expected["id"] if expected else None)
