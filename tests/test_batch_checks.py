"""A batch of mappings is checked a column at a time; it must decide as the rows do.

``create_many`` converts plain mappings into an unchecked twin of the insert type and
checks each column at once (``records/checks.checked_columns``). Whatever the batch, the
outcome must be the one of building every row as the insert type (``__post_init__``):
the same ValidationError (message and field, naming the first bad row), or the same
values of the same types, normalised alike. Columns of documents also hand over their
JSON encodings, which must be what encoding each document gives.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pictallion_sql import crud
from pictallion_sql.errors import PictallionError
from pictallion_sql.limits import MAX_INDEXED_TEXT_BYTES, MAX_JSON_DEPTH, MAX_LIST_ITEMS
from pictallion_sql.records.checks import checked_columns, unchecked
from pictallion_sql.records.inputs import InsertFileVersion
from tests.test_bad_inputs import REPOSITORIES, SEED, _nested, field_values, real

INSERTING = sorted(name for name, repo in REPOSITORIES.items() if hasattr(repo, "insert_type"))
VALID = {repo.table: values for repo, _, values in SEED}

METADATA: dict[str, Any] = {
    "exif": {"camera": "Pixel 9", "gpsLatitude": 43.7, "iso": "100"},
    "ai": {
        "aiTags": ["beach", "été"],
        "detectedObjects": [{"name": "dog", "confidence": 0.875, "boundingBox": [1.5, 2, 3, 4]}],
    },
    "custom": {"nested": [1, 2.5, None, True, "x"]},
}

# Values that are valid for some fields and not for others, or valid only one by one.
ODD_VALUES: list[Any] = [
    "é" * 10,
    "x" * MAX_INDEXED_TEXT_BYTES,
    "x" * (MAX_INDEXED_TEXT_BYTES + 1),
    "a\x00",
    "\ud800",
    0,
    1,
    True,
    2**31 - 1,
    2**31,
    2**63,
    1.5,
    math.nan,
    None,
    ["a", "b"],
    ["a", 1],
    ["x" * (MAX_INDEXED_TEXT_BYTES + 1)],
    [1.0, 2.5],
    [1e308, 1e308],  # finite items whose sum overflows
    [1, 2],
    [2**70],
    [],
    (1.0, 2.0),
    METADATA,
    {"exif": {"gpsLatitude": "north"}},
    {"exif": {"iso": 100}},
    {"custom": (1, 2)},
    {"custom": {1: "x"}},
    {"custom": math.inf},
    {"custom": 10**19},
    {"custom": "\x00"},
    {"custom": datetime(2024, 1, 1)},
    {"deep": _nested(MAX_JSON_DEPTH - 2)},
    {"deep": _nested(MAX_JSON_DEPTH)},
    {"wide": [[1]] * MAX_JSON_DEPTH},  # many brackets, shallow: the walk decides
    datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2))),
    datetime(2024, 5, 1, 12),
    "2024-05-01",
    "gold",
    "friend",
]


def near_valid(
    table: str, kind: type[msgspec.Struct], odd: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    """A seed row of the table, optional fields left out, maybe a field set to an odd value."""
    base = dict(VALID[table])
    fields = list(kind.__struct_fields__)
    if table == "file_versions":
        base["metadata"] = METADATA
    optional = [f.name for f in msgspec.structs.fields(kind) if not f.required] or fields
    one_change = st.dictionaries(st.sampled_from(fields), st.sampled_from(ODD_VALUES), max_size=1)
    changes = st.one_of(st.just({}), st.just({}), one_change) if odd else st.just({})
    dropped = st.sets(st.sampled_from(optional), max_size=2)
    return st.tuples(changes, dropped).map(
        lambda pair: {k: v for k, v in {**base, **pair[0]}.items() if k not in pair[1]}
    )


@st.composite
def batches(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    name = draw(st.sampled_from(INSERTING))
    repo = REPOSITORIES[name]
    kind = repo.insert_type
    valid = near_valid(repo.table, kind)
    # A third each: valid rows (optional fields left out) with at most one odd row, rows
    # one change away from valid, and rows of anything.
    mode = draw(st.sampled_from(["clean", "near", "any"]))
    if mode == "clean":
        rows = draw(st.lists(near_valid(repo.table, kind, odd=False), min_size=1, max_size=5))
        odd = draw(st.lists(valid, max_size=1))
        at = draw(st.integers(0, len(rows)))
        return name, rows[:at] + odd + rows[at:]
    row = valid if mode == "near" else st.one_of(valid, field_values(kind).map(real))
    return name, draw(st.lists(row, min_size=1, max_size=5))


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0, a tuple not a list)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def by_rows(repo: Any, objs: list[Any]) -> tuple[str, Any]:
    """The reference: every row built as the insert type, its checks run."""
    try:
        inputs = repo._inputs(objs, repo.insert_type, "objs")
    except PictallionError as exc:
        return "error", (type(exc).__name__, str(exc), getattr(exc, "field", None))
    return "columns", list(zip(*map(repo._field_values, inputs), strict=True))


def by_columns(repo: Any, objs: list[Any], documents: bool = True) -> tuple[str, Any]:
    try:
        columns, encodings = repo._input_columns(objs, documents=documents)
    except PictallionError as exc:
        return "error", (type(exc).__name__, str(exc), getattr(exc, "field", None))
    for index, encoded in encodings.items():
        assert [msgspec.json.encode(doc) for doc in columns[index]] == encoded
    return "columns", columns


# The profile decides (tests/conftest.py): the same examples in CI, random ones in a fuzz run.
@settings(
    max_examples=max(600, settings.default.max_examples),
    suppress_health_check=list(HealthCheck),
)
@given(batch=batches())
def test_a_batch_checked_by_columns_decides_as_row_by_row(
    batch: tuple[str, list[dict[str, Any]]],
) -> None:
    name, objs = batch
    repo = REPOSITORIES[name]
    expected = by_rows(repo, [dict(o) for o in objs])
    got = by_columns(repo, [dict(o) for o in objs])
    assert got[0] == expected[0], (got, expected)
    if expected[0] == "error":
        assert got == expected
        assert by_columns(repo, [dict(o) for o in objs], documents=False) == expected
        return
    assert len(got[1]) == len(expected[1])
    fields = repo.insert_type.__struct_fields__
    for field, mine, theirs in zip(fields, got[1], expected[1], strict=True):
        assert _same(list(mine), list(theirs)), field
    # Documents may stay the plain dicts given: only their JSON is written then.
    kind, loose = by_columns(repo, [dict(o) for o in objs], documents=False)
    assert kind == "columns"
    for field, mine, theirs in zip(fields, loose, expected[1], strict=True):
        assert _same(list(map(_as_json, mine)), list(map(_as_json, theirs))), field


def _as_json(value: Any) -> Any:
    return msgspec.json.encode(value) if isinstance(value, dict) else value


def test_the_first_bad_row_is_named_even_when_a_later_row_fails_an_earlier_column() -> None:
    row = {**VALID["file_versions"], "metadata": METADATA}
    objs = [
        row,
        {**row, "ai_short_description": "a\x00"},  # the last column
        {**row, "file_path": "\ud800"},  # an early column, a later row
    ]
    with pytest.raises(PictallionError) as refused:
        crud.file_version._input_columns(objs)
    assert str(refused.value) == (
        "objs[1]: file_versions.ai_short_description: contains a NUL character (U+0000), "
        "which PostgreSQL cannot store"
    )


def test_values_are_normalised_as_the_struct_normalises_them() -> None:
    aware = datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    objs = [
        {"name": "Birthday", "type": "birthday", "date": aware},
        {"name": "Trip", "type": "holiday", "date": "2020-05-01"},
    ]
    columns, _ = crud.event._input_columns(objs)
    dates = columns[crud.event.insert_type.__struct_fields__.index("date")]
    assert list(dates) == [datetime(2024, 5, 1, 10), datetime(2020, 5, 1)]
    assert all(d.tzinfo is None for d in dates)


def test_documents_hand_over_their_encodings_only_for_a_whole_column() -> None:
    row = {**VALID["file_versions"], "metadata": METADATA}
    index = InsertFileVersion.__struct_fields__.index("metadata")
    _, encodings = crud.file_version._input_columns([row, row])
    assert encodings[index] == [msgspec.json.encode(METADATA)] * 2
    _, encodings = crud.file_version._input_columns([row, {**row, "metadata": None}])
    assert index not in encodings


def test_a_long_list_of_texts_and_a_struct_subclass_take_the_row_path() -> None:
    many = {**VALID["file_versions"], "keywords": ["k"] * (MAX_LIST_ITEMS + 1)}
    with pytest.raises(PictallionError, match=r"objs\[0\]: file_versions.keywords: has 10001"):
        crud.file_version._input_columns([many])

    class Wider(InsertFileVersion, kw_only=True):
        extra: int = 0

    assert unchecked(InsertFileVersion) is not None
    assert checked_columns(Wider, []) is None  # its checks were not compiled for it
