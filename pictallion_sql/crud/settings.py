"""Queries on ``settings``."""

from __future__ import annotations

from ..models import InsertSetting, Setting, UpdateSetting
from ._base import Repository

__all__ = ["SettingRepository", "setting"]


class SettingRepository(Repository[Setting, InsertSetting, UpdateSetting]):
    """``settings`` rows."""

    def __init__(self) -> None:
        super().__init__(Setting, InsertSetting, UpdateSetting)


setting = SettingRepository()
