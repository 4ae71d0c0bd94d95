"""Records of queries that join or aggregate several tables (photo listings, counts, ...)."""

from __future__ import annotations

from pictallion_sql.records.composites import catalog, collections, people, photos

__all__ = ["COMPOSITE_TYPES"]

COMPOSITE_TYPES: dict[str, type] = {
    record.__name__: record
    for module in (photos, collections, people, catalog)
    for record in module.RECORDS
}
