"""Search filters and sorting for ``crud.file_version.search``.

The implementation lives in ``pictallion_sql.catalog.search``; this module is the public path.
"""

from pictallion_sql.catalog.search import (
    PhotoFilters,
    PhotoSort,
    SortField,
)

__all__ = [
    "PhotoFilters",
    "PhotoSort",
    "SortField",
]
