"""The fixed library loads identically into both dialects."""

from __future__ import annotations

from typing import Any

import pytest

from pictallion_sql import crud
from tests.library import LIBRARY


@pytest.mark.parametrize("table", sorted(LIBRARY))
async def test_every_table_reads_back_equal_on_both_dialects(
    library_pair: tuple[Any, Any], table: str
) -> None:
    sqlite_db, pg_db = library_pair
    repo = next(
        r for r in (getattr(crud, n) for n in crud.__all__) if getattr(r, "table", None) == table
    )
    lite = await repo.get_multi(sqlite_db, limit=1000)
    pg = await repo.get_multi(pg_db, limit=1000)
    assert len(lite) == len(LIBRARY[table])
    assert lite == pg
