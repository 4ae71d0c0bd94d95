"""Queries on ``settings``: application settings by unique key."""

from __future__ import annotations

from pictallion_sql.catalog.base import Repository, check_text, utc_now
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import MAX_INDEXED_TEXT_BYTES, MAX_TEXT_BYTES
from pictallion_sql.models import InsertSetting, Setting, UpdateSetting
from pictallion_sql.query.named import queries

__all__ = ["SettingRepository", "setting"]

_GET_ALL = queries.rows("settings.get_all", Setting)
_BY_KEY = queries.one("settings.get_by_key", Setting)
_BY_CATEGORY = queries.rows("settings.get_by_category", Setting)
_GET_VALUE = queries.scalar_or_none("settings.get_value", str)
_UPDATE_VALUE = queries.one("settings.update_value", Setting)
_SET_VALUE = queries.single("settings.set_value", Setting)
_DELETE_BY_KEY = queries.command("settings.delete_by_key")


def _check_text(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, got {type(value).__name__}", field=name)
    # key is UNIQUE (indexed); the other texts are held to the same cap on reads and writes
    check_text(name, value, MAX_INDEXED_TEXT_BYTES if name == "key" else MAX_TEXT_BYTES)


class SettingRepository(Repository[Setting, InsertSetting, UpdateSetting]):
    """``settings`` rows. ``create`` raises DuplicateKeyError on an existing key (#54)."""

    def __init__(self) -> None:
        super().__init__(Setting, InsertSetting, UpdateSetting)

    async def get_all(self, db: Executor) -> list[Setting]:
        """Every setting by category, then key, both in byte order (#52)."""
        return await db.run(_GET_ALL)

    async def get_by_key(self, db: Executor, *, key: str) -> Setting | None:
        """The setting with this key, or None (#53)."""
        _check_text("key", key)
        return await db.run(_BY_KEY, key=key)

    async def get_by_category(self, db: Executor, *, category: str) -> list[Setting]:
        """The settings of one category, by key in byte order."""
        _check_text("category", category)
        return await db.run(_BY_CATEGORY, category=category)

    async def get_value(self, db: Executor, *, key: str, default: str | None = None) -> str | None:
        """The value of the setting with this key, or ``default`` if there is none."""
        _check_text("key", key)
        value = await db.run(_GET_VALUE, key=key)
        return default if value is None else value

    async def update_value(self, db: Executor, *, key: str, value: str) -> Setting | None:
        """Set an existing setting's value, touch updated_at (#55); None if the key is missing."""
        _check_text("key", key)
        _check_text("value", value)
        return await db.run(_UPDATE_VALUE, key=key, value=value, updated_at=utc_now())

    async def set_value(
        self, db: Executor, *, key: str, value: str, category: str = "general"
    ) -> Setting:
        """Insert or update a setting in one atomic statement; returns the row.

        A new key is created in ``category``; an existing key gets the new value and
        updated_at, and keeps its category and description.
        """
        _check_text("key", key)
        _check_text("value", value)
        _check_text("category", category)
        return await db.run(_SET_VALUE, key=key, value=value, category=category, now=utc_now())

    async def delete_by_key(self, db: Executor, *, key: str) -> bool:
        """Delete the setting with this key (#56); True if there was one."""
        _check_text("key", key)
        return await db.run(_DELETE_BY_KEY, key=key) > 0


setting = SettingRepository()
