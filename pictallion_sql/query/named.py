"""The registry of every named query in ``sql/queries``, loaded once at import."""

from __future__ import annotations

from pictallion_sql.models import RECORD_TYPES
from pictallion_sql.query.registry import Registry
from pictallion_sql.query.resources import sql_dir
from pictallion_sql.records.composites import COMPOSITE_TYPES

__all__ = ["queries"]

queries = Registry.load(sql_dir() / "queries", {**RECORD_TYPES, **COMPOSITE_TYPES})
