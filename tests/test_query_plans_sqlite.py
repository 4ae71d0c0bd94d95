"""The planner's choice for every hot query on a SQLite catalogue of 100,000 file versions.

The catalogue of tests/test_query_plans.py (same shape, same ids; tests/plans_sqlite_catalogue.py
writes it) goes into a migrated SQLite file, ``ANALYZE`` gives the planner its statistics,
and each hot query's SQLite text goes through ``EXPLAIN QUERY PLAN`` with the same bound
values as on PostgreSQL. A hot query (one page, one lookup, one count the routes show) may
not read a large table without an index (``SCAN <table>``), nor sort every match
(``USE TEMP B-TREE FOR ORDER BY``; a partial sort of rows read in index order, "FOR
RIGHT PART OF ORDER BY", sorts only the ties of a page).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

import pytest

from pictallion_sql.catalog.search import make_cursor, plan_search
from pictallion_sql.drivers.sqlite_codecs import to_text_timestamp
from pictallion_sql.query.named import queries
from tests.plans_sqlite_catalogue import load, stamp, uid
from tests.test_query_plans import (
    CURSOR_KEYS,
    HOT,
    KEYSET,
    LARGE_TABLES,
    PAGE_SEARCHES,
    PAGE_SORTS,
    Sample,
)

pytestmark = pytest.mark.slow

_ALIASES = re.compile(
    r"\b(" + "|".join(sorted(LARGE_TABLES)) + r")\b(?:\s+AS)?\s+(\w+)", re.IGNORECASE
)
_NOT_ALIASES = {"where", "join", "left", "on", "order", "group", "limit", "set", "values", "as"}

SAMPLE = Sample(
    version_id=uid("9000", 12345),
    asset_id=uid("8000", 12345),
    file_hash="hash-12345",
    photo_with_faces=uid("9000", 1 + (1001 * 2) % 50_000),
    face_id=uid("b000", 1001),
    person_id=uid("a000", 1 + 1001 % 500),
    history_id=uid("d000", 2 * 12344),
    collection_id=uid("c000", 1 + 1 % 40),
    membership_id=uid("e000", 1),
    member_photo_id=uid("9000", 1 + 17 % 100_000),
)


@pytest.fixture(scope="module")
def catalogue(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sqlite3.Connection]:
    """A migrated SQLite file holding 100,000 file versions, analysed."""
    path = tmp_path_factory.mktemp("plans") / "catalogue.db"
    shutil.copyfile(sqlite_template, path)
    load(path)
    conn = sqlite3.connect(path)
    # The function the SQLite adapter registers on every connection (case folding).
    conn.create_function("pictallion_lower", 1, lambda s: None if s is None else s.lower())
    try:
        yield conn
    finally:
        conn.close()


def large_names(sql: str) -> set[str]:
    """The large tables a statement reads and the aliases it gives them."""
    names = {t for t in LARGE_TABLES if re.search(rf"\b{t}\b", sql)}
    for _table, alias in _ALIASES.findall(sql):
        if alias.lower() not in _NOT_ALIASES:
            names.add(alias)
    return names


def plan(
    conn: sqlite3.Connection, name: str, params: Mapping[str, object]
) -> tuple[str, list[str]]:
    """The SQLite text of named query ``name`` and its plan's lines."""
    compiled = queries[name].sqlite
    assert set(compiled.arg_names) == set(params), name
    args = [_sqlite_value(params[arg]) for arg in compiled.arg_names]
    rows = conn.execute("EXPLAIN QUERY PLAN " + compiled.text, args).fetchall()
    return compiled.text, [str(row[3]) for row in rows]


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return to_text_timestamp(value)  # as the adapter binds it
    return int(value) if isinstance(value, bool) else value


def full_scans(sql: str, lines: list[str]) -> list[str]:
    """The plan lines that read a large table (by name or alias) without an index."""
    large = large_names(sql)
    return [
        line
        for line in lines
        if (found := re.fullmatch(r"SCAN (\w+)", line)) and found.group(1) in large
    ]


def test_the_catalogue_is_full_size(catalogue: sqlite3.Connection) -> None:
    counts = catalogue.execute(
        "SELECT (SELECT count(*) FROM file_versions), (SELECT count(*) FROM media_assets), "
        "(SELECT count(*) FROM faces), (SELECT count(*) FROM faces WHERE person_id IS NULL), "
        "(SELECT count(DISTINCT tier) FROM file_versions)"
    ).fetchone()
    assert counts == (100_000, 50_000, 20_000, 6_000, 3)
    sample_rows = catalogue.execute(
        "SELECT (SELECT count(*) FROM file_versions WHERE id = ? AND media_asset_id = ?), "
        "(SELECT count(*) FROM faces WHERE id = ? AND photo_id = ? AND person_id = ?), "
        "(SELECT count(*) FROM collection_photos WHERE id = ? AND collection_id = ? "
        " AND photo_id = ?), (SELECT count(*) FROM asset_history WHERE id = ?)",
        (
            SAMPLE.version_id,
            SAMPLE.asset_id,
            SAMPLE.face_id,
            SAMPLE.photo_with_faces,
            SAMPLE.person_id,
            SAMPLE.membership_id,
            SAMPLE.collection_id,
            SAMPLE.member_photo_id,
            SAMPLE.history_id,
        ),
    ).fetchone()
    assert sample_rows == (1, 1, 1, 1)


def test_the_scan_check_sees_a_full_scan(catalogue: sqlite3.Connection) -> None:
    sql = "SELECT * FROM file_versions AS fv WHERE fv.file_path = 'x'"
    lines = [str(r[3]) for r in catalogue.execute("EXPLAIN QUERY PLAN " + sql)]
    assert full_scans(sql, lines) == ["SCAN fv"]


@pytest.mark.parametrize("name", sorted(HOT))
def test_hot_query_reads_no_whole_large_table(catalogue: sqlite3.Connection, name: str) -> None:
    sql, lines = plan(catalogue, name, HOT[name](SAMPLE))
    scans = full_scans(sql, lines)
    assert not scans, f"{name}: {'; '.join(scans)}\n" + "\n".join(lines)


# The paged hot queries over a large table: a page must come in index order, not from a
# sort of every match. (The others sort the few rows of one asset, photo or person.)
# A person's photos are found through the person's faces, then sorted: a sort of the rows
# of one person, which is what every page of them costs (walking every version in date
# order, probing for the person, would cost the whole table for a person with few photos).
SORTS_ONE_OWNER = frozenset({"people.get_photos_page", "people.get_photos_after"})
PAGED = sorted(
    name
    for name in HOT
    if "limit" in HOT[name](SAMPLE)
    and large_names(queries[name].sqlite.text)
    and name not in SORTS_ONE_OWNER
)


def test_the_paged_queries_are_the_listings() -> None:
    assert "file_versions.highest_tier" in PAGED and "faces.get_unassigned" in PAGED
    assert "people.search_by_name" not in PAGED  # people is a small table


@pytest.mark.parametrize("name", PAGED)
def test_paged_query_sorts_no_whole_match(catalogue: sqlite3.Connection, name: str) -> None:
    _, lines = plan(catalogue, name, HOT[name](SAMPLE))
    assert "USE TEMP B-TREE FOR ORDER BY" not in lines, f"{name}:\n" + "\n".join(lines)


# The totals the routes show count index entries, never the table's rows.
COUNTS = {
    "file_versions.count": {},
    "file_versions.count_highest_tier": {},
    "file_versions.count_unprocessed": {},
    "file_versions.count_by_tier": {"tier": "silver", "show_all_versions": False},
}


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_count_reads_an_index_not_the_table(catalogue: sqlite3.Connection, name: str) -> None:
    sql, lines = plan(catalogue, name, COUNTS[name])
    scans = full_scans(sql, lines)
    assert not scans, f"{name}: {'; '.join(scans)}\n" + "\n".join(lines)


def test_the_listing_total_reads_its_partial_index_alone(catalogue: sqlite3.Connection) -> None:
    _, lines = plan(catalogue, "file_versions.count_highest_tier", {})
    assert "SCAN fv USING COVERING INDEX idx_file_versions_listed_asset" in lines, lines


# A deep keyset page starts at its key: the index search is bounded by the row value of
# the listing's sort key (or, for the photo listing, whose key spans two tables, by the
# version's created_at), so it reads one page of entries, not every row before the key.
_KEY_RANGE = re.compile(
    r"SEARCH \w+ USING (?:COVERING )?INDEX \w+ \(.*(?:\(\w+,id\)[<>]\(\?,\?\)|created_at<\?)\)"
)


@pytest.mark.parametrize("name", sorted(n for n in KEYSET if n.endswith("_after")))
def test_a_deep_keyset_page_searches_from_its_key(catalogue: sqlite3.Connection, name: str) -> None:
    _, lines = plan(catalogue, name, KEYSET[name](SAMPLE))
    if name in SORTS_ONE_OWNER:
        assert any("idx_faces_person_id (person_id=?)" in line for line in lines), lines
        return
    assert any(_KEY_RANGE.fullmatch(line) for line in lines), f"{name}:\n" + "\n".join(lines)
    assert "USE TEMP B-TREE FOR ORDER BY" not in lines, f"{name}:\n" + "\n".join(lines)


@pytest.mark.parametrize("which", ["refresh_changed", "drop_changed"])
def test_an_incremental_smart_refresh_reads_only_the_changed_versions(
    catalogue: sqlite3.Connection, which: str
) -> None:
    from pictallion_sql.catalog.smart_rules import compile_smart_rules
    from tests.test_query_plans import SMART_RULES

    compiled = compile_smart_rules(SMART_RULES)
    query = getattr(compiled, which).sqlite
    params = {**compiled.params, "collection_id": SAMPLE.collection_id, "seen": "0"}
    if which == "refresh_changed":
        params["added_at"] = "2024-06-01T00:00:00.000000"
    # Lists go to SQLite as JSON text, as the driver sends them.
    args = [
        json.dumps(v) if isinstance(v, list) else _sqlite_value(v)
        for v in (params[arg] for arg in query.arg_names)
    ]
    lines = [str(r[3]) for r in catalogue.execute("EXPLAIN QUERY PLAN " + query.text, args)]
    scans = full_scans(query.text, lines)
    assert not scans, "\n".join(lines)


# A search page with its total known reads the matches in sort order through an index and
# stops at the page (tests/test_query_plans.py says what bounds it). The page's ids are
# chosen in a subquery; the statement then sorts only those (a top-level temporary b-tree
# of at most one page): a sort inside the subquery would be a sort of every match, allowed
# only for a filter that an index narrows to a few matches (a month is ~1,700 versions here),
# where the planner rightly sorts those rather than walk the sort order past the others.
SORTS_FEW = {"a month", "a person", "a collection"}


@pytest.mark.parametrize("after", [False, True], ids=["first", "after"])
@pytest.mark.parametrize("sort", PAGE_SORTS, ids=lambda s: f"{s['field']}-{s['direction']}")
@pytest.mark.parametrize("label", sorted(PAGE_SEARCHES))
def test_a_search_page_reads_one_page_in_sort_order(
    catalogue: sqlite3.Connection, label: str, sort: Mapping[str, str], after: bool
) -> None:
    filters = PAGE_SEARCHES[label]
    cursor = None
    if after:
        probe = plan_search(filters, sort)
        sort_type = {"created_at": "timestamp", "rating": "integer", "file_size": "bigint"}
        cursor = make_cursor(
            probe.fingerprint,
            sort_type.get(sort["field"], "text"),
            CURSOR_KEYS[sort["field"]],
            uid("9000", 4000),
        )
    planned = plan_search(filters, sort, cursor)
    assert planned.page_query is not None
    compiled = planned.page_query.sqlite
    params = {**planned.params, "limit": 51, "offset": 0}
    args = [_search_value(params[arg]) for arg in compiled.arg_names]
    rows = catalogue.execute("EXPLAIN QUERY PLAN " + compiled.text, args).fetchall()
    lines = [str(row[3]) for row in rows]
    scans = full_scans(compiled.text, lines)
    inner_sorts = [
        str(row[3]) for row in rows if row[1] != 0 and str(row[3]).startswith("USE TEMP B-TREE")
    ]
    if label in SORTS_FEW:
        inner_sorts = []
    assert not scans and not inner_sorts, f"page of {label}, {sort}:\n" + "\n".join(lines)
    assert any(line.startswith("MATERIALIZE page") for line in lines), lines


def _search_value(value: object) -> object:
    if isinstance(value, list):
        return json.dumps(value)
    if isinstance(value, datetime):
        return stamp(value)
    return _sqlite_value(value)


# The first page of a search counts its first ``count_limit`` matches in sort order
# (tests/test_query_plans.py says why): neither they nor the page are a whole-table read or
# a sort of every match.
@pytest.mark.parametrize("sort", PAGE_SORTS, ids=lambda s: f"{s['field']}-{s['direction']}")
@pytest.mark.parametrize("label", sorted(PAGE_SEARCHES))
def test_a_capped_first_page_reads_its_counted_matches_in_sort_order(
    catalogue: sqlite3.Connection, label: str, sort: Mapping[str, str]
) -> None:
    planned = plan_search(PAGE_SEARCHES[label], sort)
    assert planned.capped_query is not None
    compiled = planned.capped_query.sqlite
    params = {**planned.params, "count_limit": 1_000, "limit": 51, "offset": 0}
    args = [_search_value(params[arg]) for arg in compiled.arg_names]
    rows = catalogue.execute("EXPLAIN QUERY PLAN " + compiled.text, args).fetchall()
    lines = [str(row[3]) for row in rows]
    scans = full_scans(compiled.text, lines)
    # The facets group the counted matches in temporary b-trees of at most count_limit
    # rows; a sort while counting them (under MATERIALIZE m) is what must not be there.
    children: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        children.setdefault(row[1], []).append((row[0], str(row[3])))
    counted = [row[0] for row in rows if str(row[3]) == "MATERIALIZE m"]
    assert len(counted) == 1, lines
    under_m: list[str] = []
    stack = [counted[0]]
    while stack:
        for child, detail in children.get(stack.pop(), []):
            under_m.append(detail)
            stack.append(child)
    sorts = [line for line in under_m if line.startswith("USE TEMP B-TREE FOR ORDER BY")]
    if label in SORTS_FEW:
        sorts = []
    assert not scans and not sorts, f"first page of {label}, {sort}:\n" + "\n".join(lines)
