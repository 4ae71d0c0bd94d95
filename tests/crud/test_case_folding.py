"""Case-insensitive matching folds text the same way on SQLite and PostgreSQL.

Both apply Unicode's full lowercase mapping, as Python's ``str.lower`` does (SQLite calls
it; PostgreSQL folds under the ICU root collation, whatever the server's locale): ``İ``
becomes ``i`` plus a combining dot, a final capital sigma becomes ``ς``, ``ẞ`` becomes
``ß``. Every search path is checked against ``str.lower`` on the same rows.
"""

from __future__ import annotations

from typing import Any

import pytest

from pictallion_sql import crud
from tests.rows import new_asset, version_row
from tests.search_reference import _contains as contains

LOCATIONS = ["İstanbul", "istanbul", "ΟΔΟΣ", "οδοσ", "GROẞE STRAẞE", "Straße", "STRASSE"]
NEEDLES = ["istanbul", "i̇stanbul", "İSTANBUL", "οδοσ", "οδος", "ΟΔΟΣ", "straße", "strasse", "ß"]


@pytest.fixture
async def library(db: Any) -> dict[str, str]:
    """One version per location (also its event name and a keyword); id by location."""
    asset = await new_asset(db)
    versions = await crud.file_version.create_many(
        db,
        objs=[
            version_row(asset.id, n, location=text, event_name=text, keywords=[text])
            for n, text in enumerate(LOCATIONS)
        ],
    )
    for text in LOCATIONS:
        await crud.person.create(db, obj_in={"name": text})
    return {str(v.location): v.id for v in versions}


def _expected(needle: str) -> set[str]:
    return {text for text in LOCATIONS if needle.lower() in text.lower()}


def test_the_reference_folds_as_the_documented_examples() -> None:
    assert "İstanbul".lower() == "i̇stanbul"  # i + U+0307: "istanbul" is not a substring
    assert "ΟΔΟΣ".lower() == "οδος"  # final sigma
    assert "GROẞE STRAẞE".lower() == "große straße"
    assert contains("İstanbul", "istanbul") is False
    assert _expected("istanbul") == {"istanbul"}
    assert _expected("οδοσ") == {"οδοσ"}
    assert _expected("οδος") == {"ΟΔΟΣ"}


@pytest.mark.parametrize("needle", NEEDLES)
@pytest.mark.slow
async def test_search_filters_fold_like_str_lower(
    db: Any, library: dict[str, str], needle: str
) -> None:
    for name in ("location", "event_name", "query"):
        page = await crud.file_version.search(db, filters={name: needle}, limit=50)
        found = {library_location(library, p.id) for p in page.photos}
        assert found == _expected(needle), (name, needle)


@pytest.mark.parametrize("needle", NEEDLES)
@pytest.mark.slow
async def test_live_search_folds_like_str_lower(
    db: Any, library: dict[str, str], needle: str
) -> None:
    result = await crud.file_version.search_photos(db, query=needle, limit=50)
    found = {library_location(library, p.id) for p in result.photos}
    assert found == _expected(needle)


@pytest.mark.parametrize("needle", NEEDLES)
@pytest.mark.slow
async def test_people_search_folds_like_str_lower(
    db: Any, library: dict[str, str], needle: str
) -> None:
    people = await crud.person.search_by_name(db, name_query=needle, limit=50)
    assert {p.name for p in people} == _expected(needle)


@pytest.mark.parametrize("needle", NEEDLES)
@pytest.mark.slow
async def test_smart_rule_contains_folds_like_str_lower(
    db: Any, library: dict[str, str], needle: str
) -> None:
    rules = {"rules": [{"field": "location", "operator": "contains", "value": needle}]}
    ids = await crud.collection.preview_smart_rules(db, rules=rules)
    assert {library_location(library, i) for i in ids} == _expected(needle)


def library_location(library: dict[str, str], version_id: str) -> str:
    return next(location for location, vid in library.items() if vid == version_id)
