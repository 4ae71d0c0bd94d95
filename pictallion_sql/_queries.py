"""The registry of every named query in ``sql/queries``, loaded once at import."""

from __future__ import annotations

from ._registry import Registry
from ._resources import sql_dir
from .composites import COMPOSITE_TYPES
from .models import RECORD_TYPES

__all__ = ["queries"]

queries = Registry.load(sql_dir() / "queries", {**RECORD_TYPES, **COMPOSITE_TYPES})
