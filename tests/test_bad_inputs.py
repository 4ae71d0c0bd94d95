"""Generated inputs against every public call of every repository, on both dialects at once.

Each example draws one call (a repository method and its arguments: valid values mixed
with wrong types, NaN and infinities, NUL characters, lone surrogates, huge integers,
out-of-range dates, over-long text and lists, deep JSON) and runs it on SQLite and on
PostgreSQL, each loaded with the same seed rows. Whatever the input:

- the call succeeds or raises a library error (a PictallionError), never anything else;
- a call that fails leaves every table as it was (compared by a digest of every row);
- both dialects give the same outcome: success, or the same error type and message.

CI runs a fixed, deterministic set of examples; ``make fuzz`` (``PICTALLION_FUZZ=1``) runs
3,000 random ones and prints the tally.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import os
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pictallion_sql import crud
from pictallion_sql.catalog.search import PhotoFilters
from pictallion_sql.errors import PictallionError
from pictallion_sql.limits import (
    INT8_MAX,
    MAX_FILTER_ITEMS,
    MAX_INDEXED_TEXT_BYTES,
    MAX_LIST_ITEMS,
    MAX_TEXT_BYTES,
)
from pictallion_sql.query.registry import make_query

FUZZ = os.environ.get("PICTALLION_FUZZ") == "1"
EXAMPLES = int(os.environ.get("PICTALLION_FUZZ_EXAMPLES", "5500")) if FUZZ else 120

# ---- the seed every example starts from (fixed ids, the same on both dialects) --------------

T0 = datetime(2024, 1, 1)
SEED: list[tuple[Any, str, dict[str, Any]]] = [
    (crud.user, "u-1", {"username": "alice", "password": "pw"}),
    (crud.media_asset, "ma-1", {"original_filename": "a.jpg"}),
    (crud.media_asset, "ma-2", {"original_filename": "İstanbul.jpg"}),
    (
        crud.file_version,
        "fv-1",
        {
            "media_asset_id": "ma-1",
            "tier": "gold",
            "file_path": "media/a.jpg",
            "file_hash": "h1",
            "file_size": 10,
            "mime_type": "image/jpeg",
            "perceptual_hash": "ff00ff00",
            "keywords": ["beach"],
            "location": "İstanbul",
            "event_name": "ΟΔΟΣ",
        },
    ),
    (
        crud.file_version,
        "fv-2",
        {
            "media_asset_id": "ma-2",
            "tier": "silver",
            "file_path": "media/b.jpg",
            "file_hash": "h2",
            "file_size": 20,
            "mime_type": "image/png",
            "perceptual_hash": "ff00ff01",
            "rating": 4,
        },
    ),
    (crud.asset_history, "h-1", {"media_asset_id": "ma-1", "action": "INGESTED"}),
    (crud.collection, "c-1", {"name": "Trip"}),
    (
        crud.collection,
        "c-2",
        {
            "name": "Gold",
            "is_smart_collection": True,
            "smart_rules": {
                "rules": [{"field": "tier", "operator": "equals", "value": "gold"}],
                "operator": "AND",
            },
        },
    ),
    (crud.collection_photo, "cp-1", {"collection_id": "c-1", "photo_id": "fv-1"}),
    (crud.person, "p-1", {"name": "Ana"}),
    (crud.person, "p-2", {"name": "Ben"}),
    (crud.setting, "s-1", {"key": "theme", "value": "dark"}),
    (
        crud.ai_prompt,
        "a-1",
        {
            "name": "Describe",
            "category": "description",
            "provider": "openai",
            "system_prompt": "s",
            "user_prompt": "u",
        },
    ),
    (
        crud.event,
        "e-1",
        {"name": "Birthday", "type": "birthday", "date": T0, "person_id": "p-1"},
    ),
    (
        crud.face,
        "f-1",
        {
            "photo_id": "fv-1",
            "person_id": "p-1",
            "bounding_box": [1.0, 2.0, 3.0, 4.0],
            "confidence": 90,
            "embedding": [0.1, 0.2],
        },
    ),
    (crud.global_tag, "g-1", {"tag": "beach", "usage_count": 1}),
    (
        crud.relationship,
        "r-1",
        {"person1_id": "p-1", "person2_id": "p-2", "relationship_type": "friend"},
    ),
    (crud.location, "l-1", {"name": "Home", "latitude": "1.5", "longitude": "2.5"}),
]
SEED_IDS = [row_id for _, row_id, _ in SEED]
# Deleted children first, so no foreign key is ever left dangling.
CLEAR_ORDER = [
    "collection_photos",
    "faces",
    "relationships",
    "events",
    "asset_history",
    "file_versions",
    "people",
    "collections",
    "media_assets",
    "settings",
    "global_tag_library",
    "locations",
    "users",
    "ai_prompts",
]
_CLEAR = {t: make_query(f"test.clear_{t}", "none", None, f"DELETE FROM {t}") for t in CLEAR_ORDER}
REPOSITORIES = {name: getattr(crud, name) for name in crud.__all__ if not name[0].isupper()}


async def load_seed(db: Any) -> None:
    """Empty every table and write the seed rows, with their fixed ids."""
    async with db.transaction() as conn:
        for table in CLEAR_ORDER:
            await conn.run(_CLEAR[table])
        for repo, row_id, values in SEED:
            row = {"id": row_id, **repo.insert_values(values)}
            for stamp in ("created_at", "updated_at"):
                if stamp in repo.row.__struct_fields__:
                    row[stamp] = T0
            await conn.insert_many(repo.table, None, [row])


async def digest(db: Any) -> str:
    """A digest of every row of every table, read through the library."""
    h = hashlib.sha256()
    for name in sorted(REPOSITORIES):
        rows = await REPOSITORIES[name].get_multi(db, limit=INT8_MAX)
        h.update(name.encode())
        h.update(msgspec.json.encode(rows))
    return h.hexdigest()


# ---- generated values ----------------------------------------------------------------------

_EAST = timezone(timedelta(hours=5))
_WEST = timezone(timedelta(hours=-5))


class _StandIn:
    """A large value, built only when the call is made, so that reports stay short."""

    def __init__(self, label: str, build: Callable[[], Any]) -> None:
        self.label = label
        self.build = build

    def __repr__(self) -> str:
        return f"<{self.label}>"


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


DEEP_JSON = _StandIn("a list nested 10,000 deep", lambda: _nested(10_000))


def real(value: Any) -> Any:
    """``value`` with every stand-in replaced by what it stands for."""
    if isinstance(value, _StandIn):
        return value.build()
    if type(value) is dict:
        return {k: real(v) for k, v in value.items()}
    if type(value) is list:
        return [real(v) for v in value]
    if type(value) is tuple:
        return tuple(real(v) for v in value)
    return value


BAD_VALUES: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    "a\x00b",
    "\x00",
    "\ud800",
    "ok\udfffok",
    2**31,
    -(2**31) - 1,
    2**63,
    -(2**63) - 1,
    10**400,
    datetime(1, 1, 1, tzinfo=_EAST),
    datetime(9999, 12, 31, 23, tzinfo=_WEST),
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:00:00-05:00",
    "x" * (MAX_INDEXED_TEXT_BYTES + 1),
    "é" * (MAX_INDEXED_TEXT_BYTES // 2 + 1),
    _StandIn("text of MAX_TEXT_BYTES + 1", lambda: "y" * (MAX_TEXT_BYTES + 1)),
    _StandIn("list of MAX_LIST_ITEMS + 1", lambda: ["k"] * (MAX_LIST_ITEMS + 1)),
    _StandIn("list of MAX_FILTER_ITEMS + 1", lambda: ["k"] * (MAX_FILTER_ITEMS + 1)),
    [math.nan],
    [1.0, math.inf],
    ["a\x00"],
    ["\udc80"],
    DEEP_JSON,
    {"a": DEEP_JSON},
    _StandIn("a dict nested 10,000 deep", lambda: {"exif": _nested(10_000)}),
    b"bytes",
    object(),
    {"k": "v"},
    [1, "two"],
    True,
    -1,
    "",
]


def bad() -> st.SearchStrategy[Any]:
    return st.sampled_from(BAD_VALUES)


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["beach", "İstanbul", "istanbul", "οδοσ", "Straße", "theme", "alice"]),
        st.text(max_size=12),
    )


def ids() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from([*SEED_IDS, "missing"]), bad())


def for_annotation(tp: Any, name: str) -> st.SearchStrategy[Any]:
    """Valid values (mostly) for an input field's annotation, or a bad one."""
    members = [m for m in (get_args(tp) if get_origin(tp) in _UNIONS else (tp,))]
    options: list[st.SearchStrategy[Any]] = []
    for member in members:
        origin = get_origin(member)
        if member is type(None):
            options.append(st.none())
        elif member is msgspec.UnsetType:
            continue
        elif name.endswith("_id") or name in ("cover_photo", "representative_face"):
            options.append(ids())
        elif origin is Literal:
            options.append(st.sampled_from(get_args(member)))
        elif member is str:
            options.append(texts())
        elif member is bool:
            options.append(st.booleans())
        elif member is datetime or name in ("date", "birthdate"):
            options.append(
                st.sampled_from([T0, datetime(2000, 2, 29, 12, tzinfo=UTC), "2020-05-01"])
            )
        elif member is int or _annotated_int(member):
            options.append(st.integers(min_value=-3, max_value=200))
        elif origin is list and get_args(member)[0] is float:
            options.append(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=5))
        elif origin is list and get_args(member)[0] is str:
            options.append(st.lists(texts(), max_size=4))
        elif name == "metadata":
            options.append(
                st.sampled_from(
                    [
                        {},
                        {"exif": {"camera": "X"}},
                        {"exif": {"gpsLatitude": math.nan}},
                        {"ai": {"aiTags": ["a"], "shortDescription": "s"}},
                    ]
                )
            )
        elif name == "smart_rules":
            options.append(
                st.sampled_from(
                    [
                        {},
                        {"rules": [{"field": "rating", "operator": "greater_than", "value": 3}]},
                        [
                            {
                                "id": "1",
                                "field": "tier",
                                "operator": "equals",
                                "value": "gold",
                                "weight": 1,
                            }
                        ],
                        {"rules": [{"field": "rating", "operator": "equals", "value": math.nan}]},
                    ]
                )
            )
    options.append(bad())
    return st.one_of(*options)


_UNIONS = (Union, UnionType)


def _annotated_int(tp: Any) -> bool:
    return getattr(tp, "__origin__", None) is int


def field_values(kind: type[msgspec.Struct]) -> st.SearchStrategy[dict[str, Any]]:
    hints = get_type_hints(kind, include_extras=False)
    fields = msgspec.structs.fields(kind)
    required = {f.name: for_annotation(hints[f.name], f.name) for f in fields if f.required}
    optional = {f.name: for_annotation(hints[f.name], f.name) for f in fields if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


def filters() -> st.SearchStrategy[Any]:
    return st.one_of(field_values(PhotoFilters), bad())


# A call is drawn as (repository, method, keyword arguments); struct inputs are built per
# dialect by ``materialise``, so a struct normalised by one run is not reused by the other.
Call = tuple[str, str, dict[str, Any]]


def _arguments(repo: Any, method: str) -> st.SearchStrategy[dict[str, Any]]:
    params = [p for p in inspect.signature(getattr(repo, method)).parameters.values()]
    parts: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for p in params:
        if p.name == "db":
            continue
        target = parts if p.default is inspect.Parameter.empty else optional
        target[p.name] = _argument(repo, method, p.name)
    return st.fixed_dictionaries(parts, optional=optional)


def _argument(repo: Any, method: str, name: str) -> st.SearchStrategy[Any]:
    writes = "update" if "update" in method else "insert"
    kind = repo.update_type if writes == "update" else repo.insert_type
    if name in ("obj_in", "updates", "collection", "event", "prompt"):
        return st.one_of(
            field_values(kind),
            field_values(kind).map(lambda v: ("struct", v)),
            field_values(kind).flatmap(lambda v: _mutated(v, kind)),
            bad(),
        )
    if name == "version":
        return st.one_of(field_values(crud.file_version.insert_type), bad())
    if name == "objs":
        return st.one_of(st.lists(field_values(kind), min_size=1, max_size=3), bad())
    if name == "faces":
        return st.one_of(st.lists(field_values(crud.face.insert_type), max_size=2), bad())
    if name in ("id", "db_obj") or name.endswith("_id"):
        return ids()
    if name in ("ids", "photo_ids"):
        return st.one_of(st.lists(ids(), max_size=3), bad())
    if name == "assignments":
        return st.one_of(st.lists(st.tuples(ids(), ids()), max_size=2), bad())
    if name == "tags":
        return st.one_of(st.lists(st.one_of(texts(), bad()), max_size=3), bad())
    if name in ("limit", "skip", "offset", "face_count", "min_photos", "rating_min", "rating_max"):
        return st.one_of(st.integers(min_value=0, max_value=30), bad())
    if name == "threshold":
        return st.one_of(
            st.floats(min_value=-10, max_value=110), st.sampled_from([2**70, 10**400]), bad()
        )
    if name in ("returning", "is_active", "show_superseded", "show_all_versions"):
        return st.one_of(st.booleans(), bad())
    if name == "tier":
        return st.one_of(st.sampled_from(["gold", "silver", "bronze", "all"]), bad())
    if name == "filters":
        return filters()
    if name == "sort":
        return st.one_of(
            st.fixed_dictionaries({}, optional={"field": st.sampled_from(["rating", "x"])}), bad()
        )
    if name == "rules":
        return for_annotation(
            crud.collection.insert_type.__annotations__["smart_rules"], "smart_rules"
        )
    return st.one_of(texts(), bad())


def _mutated(values: dict[str, Any], kind: type[msgspec.Struct]) -> st.SearchStrategy[Any]:
    """A struct built from valid values, then one attribute set to a bad value."""
    fields = list(kind.__struct_fields__)
    return st.tuples(st.sampled_from(fields), bad()).map(
        lambda pair: ("mutated", values, pair[0], pair[1])
    )


def calls() -> st.SearchStrategy[Call]:
    options = []
    for repo_name, repo in sorted(REPOSITORIES.items()):
        for method in sorted(dir(repo)):
            if method.startswith("_") or not inspect.iscoroutinefunction(getattr(repo, method)):
                continue
            options.append(
                _arguments(repo, method).map(lambda kwargs, r=repo_name, m=method: (r, m, kwargs))
            )
    return st.one_of(*options)


def materialise(repo: Any, method: str, kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The call's arguments, structs built; None when the struct itself cannot be built."""
    kind = repo.update_type if "update" in method else repo.insert_type
    out: dict[str, Any] = {}
    for name, value in real(kwargs).items():
        if type(value) is tuple and value and value[0] == "struct":
            try:
                value = kind(**value[1])
            except (PictallionError, TypeError):
                return None  # the caller's own construction failed, not a library call
        elif type(value) is tuple and value and value[0] == "mutated":
            _, values, field, bad_value = value
            try:
                value = kind(**values)
            except (PictallionError, TypeError):
                return None
            setattr(value, field, bad_value)
        out[name] = value
    return out


# ---- running a call on both dialects -------------------------------------------------------

Outcome = tuple[str, str]
TALLY: Counter[str] = Counter()


async def outcome_of(db: Any, call: Callable[[], Awaitable[Any]]) -> tuple[Outcome, bool]:
    """Run ``call``; its outcome and whether it changed no table."""
    before = await digest(db)
    try:
        await call()
        result: Outcome = ("ok", "")
    except PictallionError as exc:
        result = (type(exc).__name__, str(exc))
    except Exception as exc:
        result = (f"non-library {type(exc).__module__}.{type(exc).__name__}", repr(exc)[:300])
    after = await digest(db)
    return result, before == after


async def violations(pair: tuple[Any, Any], call: Call) -> list[str]:
    """Run ``call`` on both databases; what broke the three rules, by kind (empty: none)."""
    repo_name, method, kwargs = call
    repo = REPOSITORIES[repo_name]
    where = f"{repo_name}.{method}"
    found: list[str] = []
    outcomes: list[Outcome] = []
    for db in pair:
        arguments = materialise(repo, method, kwargs)
        if arguments is None:
            return []  # the caller's own struct construction refused the values
        bound = getattr(repo, method)
        outcome, unchanged = await outcome_of(db, partial(bound, db, **arguments))
        outcomes.append(outcome)
        if outcome[0].startswith("non-library"):
            found.append(f"non-library exception: {db.dialect} {where}: {outcome}")
        if outcome[0] != "ok" and not unchanged:
            found.append(f"rows changed by a failed call: {db.dialect} {where}: {outcome}")
        if not unchanged:
            await load_seed(db)
    if outcomes[0] != outcomes[1]:
        found.append(f"outcome differs between dialects: {where}: {outcomes}")
    TALLY["examples"] += 1
    TALLY["succeeded" if outcomes[0][0] == "ok" else "refused with a library error"] += 1
    return found


@pytest.fixture(scope="module")
async def seeded_pair(writable_pair: tuple[Any, Any]) -> tuple[Any, Any]:
    for db in writable_pair:
        await load_seed(db)
    return writable_pair


@pytest.fixture(scope="module", autouse=True)
def report_tally() -> Iterator[None]:
    """Print the tally; in a fuzz run, fail with every violation found (not only the first)."""
    yield
    kinds = Counter(problem.split(":", 1)[0] for problem in PROBLEMS)
    print(
        f"\nbad inputs, per dialect: {dict(sorted(TALLY.items()))}; "
        f"non-library exceptions: {kinds['non-library exception']}, "
        f"rows changed by failed calls: {kinds['rows changed by a failed call']}, "
        f"outcome differences: {kinds['outcome differs between dialects']}",
        file=sys.stderr,
    )
    if PROBLEMS:
        pytest.fail("\n".join(sorted(set(PROBLEMS))[:50]))


PROBLEMS: list[str] = []


@settings(
    max_examples=EXAMPLES,
    derandomize=not FUZZ,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(call=calls())
async def test_every_call_succeeds_or_raises_the_same_library_error_and_writes_nothing(
    seeded_pair: tuple[Any, Any], call: Call
) -> None:
    found = await violations(seeded_pair, call)
    if FUZZ:
        PROBLEMS.extend(found)  # all of them are reported when the run ends
    else:
        assert found == []
