"""Smart collections: both rule shapes compiled to SQL, refresh, errors, atomicity.

Generated libraries and rule documents of both shapes are refreshed on SQLite and on
PostgreSQL; both must give the same membership as a plain-Python evaluator of the rules
(``reference_matches``), which restates docs/smart-collections.md independently of the SQL.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from pictallion_sql import crud
from pictallion_sql.catalog.smart_rules import (
    SmartCollectionUpdate,
    UnsupportedRules,
    compile_rules,
    compile_smart_rules,
)
from pictallion_sql.errors import DatabaseError, NotFoundError, ValidationError
from pictallion_sql.models import SmartCollectionRule, SmartCollectionRules, WeightedSmartRule
from pictallion_sql.query.registry import make_query
from tests.library import FACES, FILE_VERSIONS, PEOPLE, load_library, uid

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

# ------------------------------------------------------------------------------------------
# The reference evaluator: the documented semantics, in Python
# ------------------------------------------------------------------------------------------

DATE_TIME = re.compile(r"[0-9]{4}[-:][0-9]{2}[-:][0-9]{2}[ T]([01][0-9]|2[0-3]):[0-5][0-9]")


@dataclass
class Library:
    """Rows as inserted: versions (column dicts), people (id -> birthdate), faces."""

    versions: list[dict[str, Any]]
    people: dict[str, datetime | None] = field(default_factory=dict)
    faces: list[tuple[str, str | None]] = field(default_factory=list)  # (photo id, person id)


def photo_time(v: dict[str, Any]) -> str:
    """EXIF dateTimeOriginal when it starts with a usable date and time, else created_at."""
    meta = v.get("metadata")
    exif = meta.get("exif") if isinstance(meta, dict) else None
    dto = exif.get("dateTimeOriginal") if isinstance(exif, dict) else None
    if isinstance(dto, str) and DATE_TIME.match(dto):
        return dto
    return str(v["created_at"].isoformat())


def ai_tags(v: dict[str, Any]) -> list[str]:
    meta = v.get("metadata")
    ai = meta.get("ai") if isinstance(meta, dict) else None
    tags = ai.get("aiTags") if isinstance(ai, dict) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def number(value: Any) -> float:
    return float(value)


def compare(left: float, op: str, right: float) -> bool:
    return {"equals": left == right, ">=": left >= right, "<=": left <= right}[op]


def object_rule_holds(v: dict[str, Any], rule: dict[str, Any]) -> bool:
    f, op, value = rule["field"], rule["operator"], rule.get("value")
    if f == "rating":
        rating = v.get("rating", 0)
        if rating is None:
            return False
        if op == "between":
            return number(value[0]) <= rating <= number(value[1])
        if op == "in":
            return any(rating == number(x) for x in value)
        ops = {"equals": "equals", "greater_than": ">=", "less_than": "<="}
        return compare(rating, ops[op], number(value))
    if f == "keywords":
        keywords = v.get("keywords", [])
        wanted = [value] if op == "contains" else value
        return keywords is not None and any(k in wanted for k in keywords)
    if f == "isReviewed":
        return v.get("is_reviewed", False) is value
    column = {"eventType": "event_type", "tier": "tier", "location": "location"}[f]
    text = v.get(column)
    if text is None:
        return False
    if op == "contains":
        return value.lower() in text.lower()
    if op == "in":
        return text in value
    return bool(text == value)


def weighted_rule_holds(lib: Library, v: dict[str, Any], rule: dict[str, Any]) -> bool:
    f, op, value = rule["field"], rule["operator"], rule["value"]
    if f == "aiTags":
        if op == "contains":
            return any(value.lower() in t.lower() for t in ai_tags(v))
        return value in ai_tags(v)
    if f in ("eventType", "location"):
        text = v.get("event_type" if f == "eventType" else "location")
        if text is None:
            return False
        return value.lower() in text.lower() if op == "contains" else text == value
    if f == "faceCount":
        count = sum(1 for photo, _ in lib.faces if photo == v["id"])
        return compare(count, op, number(value))
    if f == "personAge":
        year = int(photo_time(v)[:4])
        births = [lib.people.get(p) for photo, p in lib.faces if photo == v["id"] and p]
        ages = [year - b.year for b in births if b is not None]
        if not ages:
            return False
        # sum - value * count compared with 0: the average, without dividing.
        return compare(sum(ages) - number(value) * len(ages), op, 0)
    text = photo_time(v)
    minute = int(text[11:13]) * 60 + int(text[14:16])
    for part in value.split(","):
        start_text, end_text = (s.strip() for s in part.split("-"))
        start = int(start_text[:-3]) * 60 + int(start_text[-2:])
        end = int(end_text[:-3]) * 60 + int(end_text[-2:])
        inside = start <= minute <= end if start <= end else minute >= start or minute <= end
        if inside:
            return True
    return False


def reference_matches(lib: Library, rules: Any) -> list[str]:
    """The ids ``rules`` match, newest first (created_at DESC, id DESC)."""
    matched: list[dict[str, Any]] = []
    for v in lib.versions:
        if isinstance(rules, list):
            score, total = 0.0, 0.0
            for rule in rules:
                total += rule["weight"]
                score += rule["weight"] if weighted_rule_holds(lib, v, rule) else 0
            ok = bool(rules) and score * 5 >= total * 3
        else:
            items = (rules or {}).get("rules") or []
            holds = [object_rule_holds(v, r) for r in items]
            joined = all(holds) if (rules or {}).get("operator") == "AND" else any(holds)
            ok = bool(items) and joined
        if ok:
            matched.append(v)
    matched.sort(key=lambda v: (v["created_at"], v["id"]), reverse=True)
    return [v["id"] for v in matched]


# ------------------------------------------------------------------------------------------
# Two writable databases, one per dialect, reloaded per example
# ------------------------------------------------------------------------------------------

TABLES = ("collection_photos", "faces", "collections", "file_versions", "people", "media_assets")
_DELETE = {
    t: make_query(f"test.smart.delete_{t}", "none", None, f"DELETE FROM {t}") for t in TABLES
}
_COUNT = {
    t: make_query(f"test.smart.count_{t}", "scalar", int, f"SELECT count(*) FROM {t}")
    for t in TABLES
}
VERSION_COLUMNS = (
    "id",
    "media_asset_id",
    "tier",
    "file_path",
    "file_hash",
    "file_size",
    "mime_type",
    "metadata",
    "is_reviewed",
    "rating",
    "keywords",
    "location",
    "event_type",
    "created_at",
)
ASSET = "aaaaaaaa-0000-4000-8000-000000000000"
SMART = "cccccccc-0000-4000-8000-000000000000"
EPOCH = datetime(2026, 1, 1)


def _insert(table: str, columns: tuple[str, ...]) -> Any:
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    )
    return make_query(f"test.smart.insert_{table}", "none", None, sql)


_INSERT_ASSET = _insert("media_assets", ("id", "original_filename", "created_at"))
_INSERT_VERSION = _insert("file_versions", VERSION_COLUMNS)
_INSERT_PERSON = _insert("people", ("id", "name", "birthdate"))
_INSERT_FACE = _insert("faces", ("id", "photo_id", "person_id", "bounding_box", "confidence"))
_INSERT_COLLECTION = _insert(
    "collections", ("id", "name", "is_smart_collection", "smart_rules", "created_at", "updated_at")
)
_INSERT_MEMBER = _insert("collection_photos", ("id", "collection_id", "photo_id", "added_at"))


@pytest.fixture(scope="module")
def pair(writable_pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """The module's writable (sqlite_db, postgres_db)."""
    return writable_pair


async def load(db: Any, lib: Library, rules: Any, members: list[str]) -> None:
    """Replace the tables with ``lib`` and one smart collection holding ``members``."""
    async with db.transaction() as tx:
        for table in TABLES:
            await tx.run(_DELETE[table])
        await tx.run(_INSERT_ASSET, id=ASSET, original_filename="a.jpg", created_at=EPOCH)
        for person, birthdate in lib.people.items():
            await tx.run(_INSERT_PERSON, id=person, name=person, birthdate=birthdate)
        for v in lib.versions:
            await tx.run(_INSERT_VERSION, **{c: v.get(c) for c in VERSION_COLUMNS})
        for n, (photo, person) in enumerate(lib.faces):
            await tx.run(
                _INSERT_FACE,
                id=uid("face", n),
                photo_id=photo,
                person_id=person,
                bounding_box=[0, 0, 1, 1],
                confidence=90,
            )
        await tx.run(
            _INSERT_COLLECTION,
            id=SMART,
            name="Smart",
            is_smart_collection=True,
            smart_rules=rules,
            created_at=EPOCH,
            updated_at=EPOCH,
        )
        for n, photo in enumerate(members):
            await tx.run(
                _INSERT_MEMBER, id=uid("cp", n), collection_id=SMART, photo_id=photo, added_at=EPOCH
            )


async def member_ids(db: Any, collection_id: str = SMART) -> list[str]:
    rows = await crud.collection_photo.get_by_collection(db, collection_id=collection_id)
    return sorted(r.photo_id for r in rows)


async def counts(db: Any) -> dict[str, int]:
    return {t: int(await db.run(_COUNT[t])) for t in TABLES}


# ------------------------------------------------------------------------------------------
# Generated libraries and rules
# ------------------------------------------------------------------------------------------

# Few words, so that generated rules often match; with case, non-ASCII, LIKE and quote characters.
WORDS = ["beach", "Beach", "Élan", "100%_off", "x'; --"]
PIECES = ["beach", "BEACH", "él", "%", "_", "0%_", "x'", "", "zz"]
TIERS = ["bronze", "silver", "gold"]
PEOPLE_IDS = [uid("person", n) for n in range(3)]


def texts() -> st.SearchStrategy[str]:
    return st.sampled_from(WORDS)


def date_time_texts() -> st.SearchStrategy[Any]:
    def fmt(d: datetime, style: int) -> str:
        if style == 0:
            return d.strftime("%Y:%m:%d %H:%M:%S")
        if style == 1:
            return d.strftime("%Y-%m-%dT%H:%M:%S")
        return d.strftime("%Y-%m-%d %H:%M")

    stamps = st.datetimes(datetime(1995, 1, 1), datetime(2030, 12, 31))
    valid = st.builds(fmt, stamps, st.integers(0, 2))
    invalid = st.sampled_from(
        ["2026/01/02 10:00", "2026:01:02 24:10:00", "garbage", "", "2026:01:02"]
    )
    return st.one_of(valid, invalid, st.integers(0, 9))


@st.composite
def metadata(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 3)) == 0:
        # Documents without the paths the rules read, some not even objects.
        odd = [None, {}, {"ai": None}, {"ai": "x", "exif": [1]}, [1, 2], 5]
        return draw(st.sampled_from(odd))
    doc: dict[str, Any] = {}
    if draw(st.integers(0, 3)) > 0:
        tags = st.lists(st.one_of(texts(), st.integers(0, 3)), max_size=3)
        doc["ai"] = {"aiTags": draw(st.one_of(tags, texts()))}
    if draw(st.integers(0, 3)) > 0:
        doc["exif"] = {"dateTimeOriginal": draw(date_time_texts())}
    return doc


@st.composite
def libraries(draw: st.DrawFn) -> Library:
    people = {
        p: draw(st.one_of(st.none(), st.datetimes(datetime(1940, 1, 1), datetime(2020, 12, 31))))
        for p in PEOPLE_IDS[: draw(st.integers(0, 3))]
    }
    versions = []
    for n in range(draw(st.integers(1, 6))):
        versions.append(
            {
                "id": uid("fv", n),
                "media_asset_id": ASSET,
                "tier": draw(st.sampled_from(TIERS)),
                "file_path": f"p{n}.jpg",
                "file_hash": "h",
                "file_size": 1,
                "mime_type": "image/jpeg",
                "metadata": draw(metadata()),
                "is_reviewed": draw(st.sampled_from([None, True, False])),
                "rating": draw(st.one_of(st.none(), st.integers(0, 5))),
                "keywords": draw(st.one_of(st.none(), st.lists(texts(), max_size=3))),
                "location": draw(st.one_of(st.none(), texts())),
                "event_type": draw(st.one_of(st.none(), texts())),
                "created_at": draw(st.datetimes(datetime(2000, 1, 1), datetime(2030, 12, 31))),
            }
        )
    ids = [v["id"] for v in versions]
    people_or_none = st.one_of(st.none(), st.sampled_from(list(people))) if people else st.none()
    faces = draw(st.lists(st.tuples(st.sampled_from(ids), people_or_none), max_size=6))
    return Library(versions, people, faces)


def numbers() -> st.SearchStrategy[Any]:
    return st.one_of(st.integers(-1, 6), st.sampled_from([2.5, 3.0, "3", " 4 ", "1.5"]))


def object_rules() -> st.SearchStrategy[dict[str, Any]]:
    piece = st.sampled_from(PIECES)
    words = st.lists(texts(), max_size=3)

    def rule(f: str, op: str, value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.builds(lambda v: {"field": f, "operator": op, "value": v}, value)

    one = st.one_of(
        rule("rating", "equals", numbers()),
        rule("rating", "greater_than", numbers()),
        rule("rating", "less_than", numbers()),
        rule("rating", "between", st.lists(numbers(), min_size=2, max_size=2)),
        rule("rating", "in", st.lists(numbers(), max_size=3)),
        rule("keywords", "contains", texts()),
        rule("keywords", "in", words),
        rule("eventType", "equals", texts()),
        rule("eventType", "in", words),
        rule("tier", "equals", st.sampled_from(TIERS)),
        rule("tier", "in", st.lists(st.sampled_from(TIERS), max_size=2)),
        rule("isReviewed", "equals", st.booleans()),
        rule("location", "equals", texts()),
        rule("location", "contains", piece),
        rule("location", "in", words),
    )
    return st.fixed_dictionaries(
        {"rules": st.lists(one, min_size=1, max_size=4)},
        optional={"operator": st.sampled_from(["AND", "OR"])},
    )


@st.composite
def time_ranges(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 2))):
        a, b, c, d = (draw(st.integers(0, m)) for m in (23, 59, 23, 59))
        parts.append(f"{a:02d}:{b:02d}-{c:02d}:{d:02d}")
    return ",".join(parts)


def weighted_rules() -> st.SearchStrategy[list[dict[str, Any]]]:
    piece = st.sampled_from(PIECES)
    count = st.one_of(st.integers(0, 3), st.sampled_from(["1", "2", "0.5"]))
    age = st.one_of(st.integers(0, 90), st.sampled_from(["30", "45.5"]))

    def rule(f: str, op: str, value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        weight = st.one_of(st.integers(1, 5), st.sampled_from([0, 0.1, 0.2, 0.5, 1.5, 2.25]))
        return st.builds(
            lambda v, w, n: {"id": f"r{n}", "field": f, "operator": op, "value": v, "weight": w},
            value,
            weight,
            st.integers(0, 99),
        )

    one = st.one_of(
        rule("aiTags", "contains", piece),
        rule("aiTags", "equals", texts()),
        rule("eventType", "contains", piece),
        rule("eventType", "equals", texts()),
        rule("location", "contains", piece),
        rule("location", "equals", texts()),
        rule("faceCount", ">=", count),
        rule("faceCount", "<=", count),
        rule("faceCount", "equals", count),
        rule("personAge", ">=", age),
        rule("personAge", "<=", age),
        rule("personAge", "equals", age),
        rule("metadata.time", "time_range", time_ranges()),
    )

    def positive(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if sum(r["weight"] for r in rules) == 0:
            rules[0]["weight"] = 1  # zero total weight is an error, tested on its own
        return rules

    return st.lists(one, min_size=1, max_size=4).map(positive)


async def refresh_both(pair: tuple[Any, Any], lib: Library, rules: Any) -> list[str]:
    """Refresh the generated collection on both dialects; the (equal) sorted members."""
    members = [v["id"] for v in lib.versions[:2]]
    results, memberships, previews = [], [], []
    for db in pair:
        await load(db, lib, rules, members)
        results.append(await crud.collection.refresh_smart(db, collection_id=SMART))
        memberships.append(await member_ids(db))
        previews.append(await crud.collection.preview_smart_rules(db, rules=rules))
    expected = reference_matches(lib, rules)
    event(f"{len(expected)} of {len(lib.versions)} versions match")
    assert memberships[0] == memberships[1] == sorted(expected)
    assert previews[0] == previews[1] == expected
    update = SmartCollectionUpdate(
        SMART, "Smart", "updated", matched=len(expected), removed=len(members)
    )
    assert results[0] == results[1] == update
    # Each rule alone too: more matches to compare than the combined document gives.
    items = rules if isinstance(rules, list) else rules["rules"]
    for rule in items:
        alone = [{**rule, "weight": 1}] if isinstance(rules, list) else {"rules": [rule]}
        wanted = reference_matches(lib, alone)
        event(f"a rule alone matches {len(wanted)} of {len(lib.versions)}")
        for db in pair:
            assert await crud.collection.preview_smart_rules(db, rules=alone) == wanted, rule
    return expected


@given(lib=libraries(), rules=object_rules())
@pytest.mark.slow
async def test_object_rules_match_the_reference_on_both_dialects(
    pair: tuple[Any, Any], lib: Library, rules: dict[str, Any]
) -> None:
    await refresh_both(pair, lib, rules)


@given(lib=libraries(), rules=weighted_rules())
@pytest.mark.slow
async def test_weighted_rules_match_the_reference_on_both_dialects(
    pair: tuple[Any, Any], lib: Library, rules: list[dict[str, Any]]
) -> None:
    await refresh_both(pair, lib, rules)


# ------------------------------------------------------------------------------------------
# Examples on the fixed library (tests/library.py), on both dialects
# ------------------------------------------------------------------------------------------

FV = {n: uid("fv", n) for n in range(1, 11)}
C1, C2, C3, C4 = (uid("coll", n) for n in range(1, 5))
MISSING = "99999999-0000-4000-8000-000000000000"
_CLEAR_ALL = [
    make_query(f"test.smart.clear_{t}", "none", None, f"DELETE FROM {t}")
    for t in (
        "relationships",
        "global_tag_library",
        "locations",
        "events",
        "ai_prompts",
        "settings",
        "faces",
        "people",
        "collection_photos",
        "collections",
        "asset_history",
        "file_versions",
        "media_assets",
        "users",
    )
]


@pytest.fixture
async def fixed(pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """The module's two databases holding exactly the fixed library."""
    for db in pair:
        async with db.transaction() as tx:
            for query in _CLEAR_ALL:
                await tx.run(query)
        await load_library(db)
    return pair


def fixed_library() -> Library:
    """The fixed library as the reference evaluator reads it (column defaults filled in)."""
    defaults = {"rating": 0, "keywords": [], "is_reviewed": False}
    versions = [{**defaults, **v} for v in FILE_VERSIONS]
    people = {p["id"]: p.get("birthdate") for p in PEOPLE}
    faces = [(f["photo_id"], f["person_id"]) for f in FACES]
    return Library(versions, people, faces)


async def both(pair: tuple[Any, Any], call: Callable[[Any], Any]) -> Any:
    """``call(db)`` on SQLite and on PostgreSQL; the results must be equal."""
    lite, pg = [await call(db) for db in pair]
    assert lite == pg
    return lite


async def same_error(pair: tuple[Any, Any], call: Callable[[Any], Any]) -> Any:
    """The (type, message, field) of the ValidationError ``call`` raises, equal on both."""

    async def error_of(db: Any) -> tuple[type, str, str | None]:
        with pytest.raises(ValidationError) as err:
            await call(db)
        return type(err.value), str(err.value), err.value.field

    return await both(pair, error_of)


def rule(f: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": f, "operator": op, "value": value}


def weighted(f: str, op: str, value: Any, weight: Any = 1) -> dict[str, Any]:
    return {"id": f"{f}-{op}", "field": f, "operator": op, "value": value, "weight": weight}


def all_of(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"rules": list(rules), "operator": "AND"}


EXAMPLES: list[tuple[str, Any, list[int]]] = [
    # object form
    ("rating greater_than is inclusive", all_of(rule("rating", "greater_than", 4)), [6, 2]),
    ("rating less_than is inclusive", all_of(rule("rating", "less_than", 1)), [7, 5, 4]),
    ("rating equals", all_of(rule("rating", "equals", 3)), [10, 1]),
    ("rating between is inclusive", all_of(rule("rating", "between", [2, 3])), [9, 10, 8, 1]),
    ("rating between reversed bounds", all_of(rule("rating", "between", [3, 2])), []),
    ("rating in", all_of(rule("rating", "in", [2, 5])), [9, 8, 2]),
    ("rating as a numeric string", all_of(rule("rating", "greater_than", "4")), [6, 2]),
    ("rating as a float", all_of(rule("rating", "greater_than", 4.5)), [2]),
    ("keywords contains an element", all_of(rule("keywords", "contains", "beach")), [2, 1]),
    ("keywords contains, LIKE characters", all_of(rule("keywords", "contains", "100%_sale")), [7]),
    ("keywords contains is exact", all_of(rule("keywords", "contains", "Beach")), []),
    ("keywords in", all_of(rule("keywords", "in", ["plage", "sunset"])), [6, 2]),
    ("keywords in nothing", all_of(rule("keywords", "in", [])), []),
    ("eventType equals", all_of(rule("eventType", "equals", "holiday")), [2]),
    ("eventType in", {"rules": [rule("eventType", "in", ["birthday", "custom"])]}, [7, 5]),
    ("tier equals", all_of(rule("tier", "equals", "gold")), [9, 6, 2]),
    ("tier in", all_of(rule("tier", "in", ["bronze", "gold"])), [9, 6, 4, 2]),
    ("isReviewed true", all_of(rule("isReviewed", "equals", True)), [2]),
    (
        "isReviewed false, NULL never matches",
        all_of(rule("isReviewed", "equals", False)),
        [9, 10, 8, 7, 6, 5, 4, 1],
    ),
    ("location equals is exact", all_of(rule("location", "equals", "nice")), []),
    ("location equals", all_of(rule("location", "equals", "Nice")), [6]),
    ("location contains ignores case", all_of(rule("location", "contains", "NIC")), [6]),
    ("location contains, % is literal", all_of(rule("location", "contains", "%")), []),
    ("location contains text", all_of(rule("location", "contains", "2945")), [2]),
    ("location in", all_of(rule("location", "in", ["Nice", "Paris"])), [6]),
    (
        "AND",
        all_of(rule("rating", "greater_than", 3), rule("tier", "equals", "gold")),
        [6, 2],
    ),
    (
        "OR",
        {
            "rules": [rule("keywords", "contains", "beach"), rule("eventType", "equals", "custom")],
            "operator": "OR",
        },
        [7, 2, 1],
    ),
    (
        "a missing operator means OR",
        {"rules": [rule("tier", "equals", "bronze"), rule("rating", "equals", 5)]},
        [4, 2],
    ),
    ("no rules match nothing", {"rules": [], "operator": "AND"}, []),
    ("an empty object matches nothing", {}, []),
    ("non-ASCII values", all_of(rule("eventType", "equals", "Élodie")), []),
    # weighted array form
    ("aiTags contains ignores case", [weighted("aiTags", "contains", "SUN")], [2, 1]),
    ("aiTags equals a tag", [weighted("aiTags", "equals", "Sunset")], [2, 1]),
    ("aiTags equals is exact", [weighted("aiTags", "equals", "sunset")], []),
    ("eventType contains", [weighted("eventType", "contains", "DAY")], [5, 2]),
    ("eventType equals", [weighted("eventType", "equals", "custom")], [7]),
    ("location contains", [weighted("location", "contains", "ic")], [6]),
    ("location equals", [weighted("location", "equals", "Nice")], [6]),
    ("faceCount >=", [weighted("faceCount", ">=", "2")], [6, 3, 2]),
    ("faceCount equals", [weighted("faceCount", "equals", 0)], [9, 10, 8, 7, 5, 4, 1]),
    ("faceCount <=", [weighted("faceCount", "<=", "1")], [9, 10, 8, 7, 5, 4, 1]),
    ("personAge >= is inclusive", [weighted("personAge", ">=", "36")], [6, 2]),
    ("personAge <=", [weighted("personAge", "<=", 35.5)], []),
    ("personAge equals", [weighted("personAge", "equals", "36")], [6, 2]),
    ("time of the EXIF capture", [weighted("metadata.time", "time_range", "18:00-18:01")], [2, 1]),
    ("time of created_at", [weighted("metadata.time", "time_range", "12:00-12:20")], [3]),
    ("overnight range wraps", [weighted("metadata.time", "time_range", "23:00-12:11")], [3]),
    ("a one-minute range", [weighted("metadata.time", "time_range", "12:45-12:45")], [9]),
    (
        "several ranges",
        [weighted("metadata.time", "time_range", "12:11-12:11, 18:01 - 18:01")],
        [3, 2, 1],
    ),
    (
        "exactly 60 % matches",
        [weighted("aiTags", "contains", "beach", 3), weighted("location", "equals", "Nice", 2)],
        [2, 1],
    ),
    (
        "40 % does not",
        [weighted("aiTags", "contains", "beach", 2), weighted("location", "contains", "nice", 3)],
        [6],
    ),
    (
        "59 % does not",
        [weighted("aiTags", "contains", "beach", 59), weighted("faceCount", ">=", 2, 41)],
        [2],
    ),
    (
        "60 % of fractional weights",
        [weighted("aiTags", "contains", "beach", 0.6), weighted("faceCount", ">=", 2, 0.4)],
        [2, 1],
    ),
    (
        "a rule of weight 0 counts for nothing",
        [
            weighted("aiTags", "contains", "beach", 0),
            weighted("tier" if False else "location", "equals", "Nice"),
        ],
        [6],
    ),
    ("an empty list matches nothing", [], []),
]


@pytest.mark.parametrize(
    ("rules", "expected"), [(r, e) for _, r, e in EXAMPLES], ids=[n for n, _, _ in EXAMPLES]
)
async def test_each_field_and_operator(
    fixed: tuple[Any, Any], rules: Any, expected: list[int]
) -> None:
    ids = await both(fixed, lambda db: crud.collection.preview_smart_rules(db, rules=rules))
    assert ids == [FV[n] for n in expected]
    assert ids == reference_matches(fixed_library(), rules)


INVALID: list[tuple[Any, str]] = [
    (
        {"rules": [rule("rating", "equals", 3), rule("color", "equals", "red")]},
        "rule 1 (color equals): unknown field 'color' "
        "(known: eventType, isReviewed, keywords, location, rating, tier)",
    ),
    (
        all_of(rule("rating", "contains", 3)),
        "rule 0 (rating contains): operator 'contains' is not defined for rating "
        "(use equals, greater_than, less_than, between, in)",
    ),
    (
        all_of(rule("tier", "greater_than", "gold")),
        "rule 0 (tier greater_than): operator 'greater_than' is not defined for tier "
        "(use equals, in)",
    ),
    ({"rules": [{"operator": "near"}]}, "rule 0 (? near): the rule has no field"),
    (
        all_of(rule("rating", "equals", "high")),
        "rule 0 (rating equals): value must be a number, got 'high'",
    ),
    (
        all_of(rule("rating", "equals", True)),
        "rule 0 (rating equals): value must be a number, got True",
    ),
    (
        all_of(rule("rating", "equals", None)),
        "rule 0 (rating equals): value must be a number, got None",
    ),
    (
        all_of(rule("rating", "between", [1])),
        "rule 0 (rating between): value must be [min, max], got [1]",
    ),
    (
        all_of(rule("rating", "in", [1, "x"])),
        "rule 0 (rating in): value must be a number, got 'x'",
    ),
    (
        all_of(rule("keywords", "contains", 5)),
        "rule 0 (keywords contains): value must be a string, got 5",
    ),
    (
        all_of(rule("keywords", "in", "beach")),
        "rule 0 (keywords in): value must be a list of strings, got 'beach'",
    ),
    (
        all_of(rule("isReviewed", "equals", "yes")),
        "rule 0 (isReviewed equals): value must be true or false, got 'yes'",
    ),
    (
        [weighted("color", "contains", "red")],
        "rule 0 (color contains): unknown field 'color' "
        "(known: aiTags, eventType, faceCount, location, metadata.time, personAge)",
    ),
    (
        [weighted("aiTags", "contains", "x"), weighted("faceCount", "contains", "2")],
        "rule 1 (faceCount contains): operator 'contains' is not defined for faceCount "
        "(use equals, >=, <=)",
    ),
    (
        [weighted("metadata.time", "equals", "10:00")],
        "rule 0 (metadata.time equals): operator 'equals' is not defined for metadata.time "
        "(use time_range)",
    ),
    (
        [weighted("faceCount", ">=", "many")],
        "rule 0 (faceCount >=): value must be a number, got 'many'",
    ),
    (
        [weighted("aiTags", "contains", 5)],
        "rule 0 (aiTags contains): value must be a string, got 5",
    ),
    (
        [weighted("aiTags", "contains", "x", -1.5)],
        "rule 0 (aiTags contains): weight must not be negative, got -1.5",
    ),
    (
        [weighted("aiTags", "contains", "x", "2")],
        "rule 0 (aiTags contains): weight must be a number, got '2'",
    ),
    (
        [{"field": "aiTags", "operator": "contains", "value": "x"}],
        "rule 0 (aiTags contains): the rule has no weight",
    ),
    (
        [weighted("aiTags", "contains", "x", 0), weighted("location", "equals", "x", 0)],
        "the weights of the rules add up to 0",
    ),
    *[
        (
            [weighted("metadata.time", "time_range", bad)],
            "rule 0 (metadata.time time_range): value must be HH:MM-HH:MM ranges separated "
            f"by commas, got {bad!r}",
        )
        for bad in ("25:00-26:00", "9-17", "", "08:00-09:00,", "08:60-09:00", "\uff18:00-09:00")
    ],
]


@pytest.mark.parametrize(("rules", "message"), INVALID, ids=[m[:50] for _, m in INVALID])
async def test_invalid_rules_name_the_rule_and_change_nothing(
    fixed: tuple[Any, Any], rules: Any, message: str
) -> None:
    # Stored as the old backend could store it: any document of either shape.
    bad = uid("coll", 9)
    for db in fixed:
        await db.run(
            _INSERT_COLLECTION,
            id=bad,
            name="Bad",
            is_smart_collection=True,
            smart_rules=rules,
            created_at=EPOCH,
            updated_at=EPOCH,
        )
    for db in fixed:
        await crud.compat.collection.add_photo(db, collection_id=bad, photo_id=FV[1])
    before = await both(fixed, counts)
    expected = (UnsupportedRules, message, "smart_rules")
    c = crud.collection
    assert await same_error(fixed, lambda db: c.refresh_smart(db, collection_id=bad)) == expected
    assert await same_error(fixed, lambda db: c.preview_smart_rules(db, rules=rules)) == expected
    create = lambda db: c.create_smart_collection(db, name="x", rules=rules)  # noqa: E731
    assert await same_error(fixed, create) == expected
    update = lambda db: c.update_smart_collection(db, id=C2, obj_in={"smart_rules": rules})  # noqa: E731
    assert await same_error(fixed, update) == expected
    assert await both(fixed, counts) == before
    results = await both(fixed, c.refresh_all_smart)
    assert SmartCollectionUpdate(bad, "Bad", "skipped", reason=message) in results
    assert await both(fixed, lambda db: member_ids(db, bad)) == [FV[1]]


def test_documents_that_cannot_be_stored_are_refused_too() -> None:
    for rules, message in [
        ({"rules": [], "operator": "XOR"}, "operator must be 'AND' or 'OR', got 'XOR'"),
        ({"rules": "x"}, "'rules' must be a list, got 'x'"),
        (["x"], "rule 0: must be an object, got 'x'"),
        ({"rules": [5]}, "rule 0: must be an object, got 5"),
        ("x", "rules must be an object or a list, got str"),
        (
            all_of(rule("rating", "equals", 10**400)),
            "rule 0 (rating equals): value must be a finite number, got 1"
            + "0" * 37
            + "..."
            + "0" * 39,
        ),
        (
            [weighted("faceCount", ">=", "nan")],
            "rule 0 (faceCount >=): value must be a number, got 'nan'",
        ),
        (
            [weighted("aiTags", "contains", "x", 10**400)],
            "rule 0 (aiTags contains): weight must be a finite number, got 1"
            + "0" * 37
            + "..."
            + "0" * 39,
        ),
        (
            [
                weighted("aiTags", "contains", "x", 1e308),
                weighted("location", "equals", "x", 1e308),
            ],
            "the weights of the rules are too large to add up",
        ),
    ]:
        with pytest.raises(UnsupportedRules) as err:
            compile_smart_rules(rules)
        assert (str(err.value), err.value.field) == (message, "smart_rules")


# ------------------------------------------------------------------------------------------
# Refresh: replacement, errors, every smart collection, atomicity
# ------------------------------------------------------------------------------------------


async def test_refresh_replaces_the_photos(fixed: tuple[Any, Any]) -> None:
    c = crud.collection
    assert await both(fixed, lambda db: member_ids(db, C2)) == [FV[2]]
    result = await both(fixed, lambda db: c.refresh_smart(db, collection_id=C2))
    assert result == SmartCollectionUpdate(C2, "Best rated", "updated", matched=2, removed=1)
    assert await both(fixed, lambda db: member_ids(db, C2)) == sorted([FV[6], FV[2]])
    # Idempotent: a second refresh replaces the rows by rows for the same photos.
    again = await both(fixed, lambda db: c.refresh_smart(db, collection_id=C2))
    assert (again.matched, again.removed) == (2, 2)
    assert await both(fixed, lambda db: member_ids(db, C2)) == sorted([FV[6], FV[2]])
    # The weighted collection of the library (aiTags contains "beach").
    weighted_result = await both(fixed, lambda db: c.refresh_smart(db, collection_id=C3))
    assert (weighted_result.status, weighted_result.matched) == ("updated", 2)
    assert await both(fixed, lambda db: member_ids(db, C3)) == sorted([FV[1], FV[2]])
    # New rules change the photos; rules matching nothing empty the collection.
    nothing = {"rules": [rule("tier", "equals", "platinum")]}
    for db in fixed:
        await c.update_smart_collection(db, id=C2, obj_in={"smart_rules": nothing})
    emptied = await both(fixed, lambda db: c.refresh_smart(db, collection_id=C2))
    assert (emptied.status, emptied.matched, emptied.removed) == ("updated", 0, 2)
    assert await both(fixed, lambda db: member_ids(db, C2)) == []


async def test_refresh_of_a_missing_or_regular_collection(fixed: tuple[Any, Any]) -> None:
    before = await both(fixed, counts)
    for collection_id in (MISSING, C1, uid("coll", 5)):  # missing, regular, NULL flag
        for db in fixed:
            with pytest.raises(NotFoundError) as err:
                await crud.collection.refresh_smart(db, collection_id=collection_id)
            assert str(err.value) == f"smart collection {collection_id} not found"
            assert err.value.table == "collections"
    wrong_type = await same_error(
        fixed, lambda db: crud.collection.refresh_smart(db, collection_id=5)
    )
    assert wrong_type[2] == "collection_id"
    assert await both(fixed, counts) == before


async def test_refresh_all_reports_each_collection(fixed: tuple[Any, Any]) -> None:
    c = crud.collection
    gold = uid("coll", 8)
    for db in fixed:
        await db.run(
            _INSERT_COLLECTION,
            id=gold,
            name="Gold",
            is_smart_collection=True,
            smart_rules=all_of(rule("tier", "equals", "gold")),
            created_at=datetime(2030, 1, 1),
            updated_at=datetime(2030, 1, 1),
        )
        await crud.compat.collection.add_photo(db, collection_id=C4, photo_id=FV[3])
    results = await both(fixed, c.refresh_all_smart)
    assert results == [
        SmartCollectionUpdate(gold, "Gold", "updated", matched=3, removed=0),
        SmartCollectionUpdate(C4, "empty rules", "updated", matched=0, removed=1),
        SmartCollectionUpdate(C3, "UI rules", "updated", matched=2, removed=0),
        SmartCollectionUpdate(C2, "Best rated", "updated", matched=2, removed=1),
    ]
    assert await both(fixed, lambda db: member_ids(db, gold)) == sorted([FV[9], FV[6], FV[2]])
    assert await both(fixed, lambda db: member_ids(db, C4)) == []
    assert await both(fixed, lambda db: member_ids(db, C1)) == sorted([FV[2], FV[2], FV[6]])
    # The names the service layer used are the same calls.
    assert await both(fixed, crud.compat.collection.update_smart_collections) == [
        SmartCollectionUpdate(r.collection_id, r.name, "updated", r.matched, r.matched)
        for r in results
    ]
    alias = await both(
        fixed, lambda db: crud.compat.collection.evaluate_smart_collection(db, collection_id=C2)
    )
    assert (alias.status, alias.matched, alias.removed) == ("updated", 2, 2)


async def test_values_are_bound_never_spliced(fixed: tuple[Any, Any]) -> None:
    hostile = "x'); DELETE FROM collection_photos; --"
    for db in fixed:
        await crud.file_version.update(db, db_obj=FV[7], obj_in={"location": hostile})
    before = await both(fixed, counts)
    for rules in (
        all_of(rule("location", "equals", hostile)),
        {"rules": [rule("location", "contains", "'); delete")]},
        [weighted("location", "equals", hostile)],
        [weighted("aiTags", "contains", "'; DROP TABLE file_versions; --")],
    ):
        ids = await both(
            fixed, lambda db, r=rules: crud.collection.preview_smart_rules(db, rules=r)
        )
        assert ids == ([] if "DROP" in str(rules) else [FV[7]])
    assert await both(fixed, counts) == before


def test_sql_is_compiled_once_per_shape() -> None:
    first = compile_smart_rules(
        all_of(rule("rating", "greater_than", 4), rule("keywords", "contains", "x'; --"))
    )
    second = compile_smart_rules(
        SmartCollectionRules(
            rules=[
                SmartCollectionRule(**r)
                for r in (rule("rating", "greater_than", 1), rule("keywords", "in", ["a", "b"]))
            ],
            operator="AND",
        )
    )
    assert first.select is second.select and first.refresh is second.refresh
    assert first.params == {"r0_0": 4.0, "r1_0": ["x'; --"]}
    assert second.params == {"r0_0": 1.0, "r1_0": ["a", "b"]}
    for text in (first.select.postgres.text, first.select.sqlite.text, first.refresh.postgres.text):
        assert "x'" not in text
    assert (
        compile_smart_rules(
            {"rules": [rule("rating", "greater_than", 4), rule("keywords", "contains", "x")]}
        ).select
        is not first.select
    )
    weighted_first = compile_smart_rules([weighted("faceCount", ">=", 1, 2)])
    weighted_second = compile_smart_rules([weighted("faceCount", ">=", "3", 0.5)])
    assert weighted_first.select is weighted_second.select
    assert weighted_second.params == {"w0": 0.5, "total": 0.5, "r0_0": 3.0}
    stored = [WeightedSmartRule(id="r", field="faceCount", operator=">=", value="3", weight=0.5)]
    assert compile_smart_rules(stored).params == weighted_second.params
    query, params = compile_rules([weighted("faceCount", ">=", 1, 2)])
    assert query is weighted_first.select and params == weighted_first.params


def test_importing_the_library_does_not_load_the_query_builder() -> None:
    code = (
        "import sys, pictallion_sql, pictallion_sql.crud, pictallion_sql.catalog.smart_rules\n"
        "assert 'pypika' not in sys.modules and 'yoyo' not in sys.modules, 'loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def fail_on_insert(db: Any) -> None:
    """A trigger that makes every INSERT into collection_photos fail."""
    statements = {
        "postgres": [
            "CREATE FUNCTION test_forced_failure() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$",
            "CREATE TRIGGER test_fail BEFORE INSERT ON collection_photos FOR EACH ROW "
            "EXECUTE FUNCTION test_forced_failure()",
        ],
        "sqlite": [
            "CREATE TRIGGER test_fail BEFORE INSERT ON collection_photos FOR EACH ROW "
            "BEGIN SELECT RAISE(ABORT, 'forced failure'); END"
        ],
    }[db.dialect]
    for n, sql in enumerate(statements):
        await db.run(make_query(f"test.smart.fail_{db.dialect}_{n}", "none", None, sql))


async def test_a_failed_refresh_keeps_the_old_photos(db: Any) -> None:
    await load_library(db)
    await crud.compat.collection.add_photo(db, collection_id=C4, photo_id=FV[3])
    await fail_on_insert(db)
    # The delete of the old rows runs, then the INSERT ... SELECT fails: all rolled back.
    with pytest.raises(DatabaseError) as err:
        await crud.collection.refresh_smart(db, collection_id=C2)
    assert "forced failure" in str(err.value)
    assert await member_ids(db, C2) == [FV[2]]
    results = await crud.collection.refresh_all_smart(db)
    assert [(r.collection_id, r.status) for r in results] == [
        (C4, "updated"),  # nothing to insert: its old row is deleted, in its own transaction
        (C3, "failed"),
        (C2, "failed"),
    ]
    assert results[1].reason is not None and "forced failure" in results[1].reason
    assert await member_ids(db, C4) == []
    assert await member_ids(db, C3) == []
    assert await member_ids(db, C2) == [FV[2]]


async def test_refresh_inside_a_caller_transaction(db: Any) -> None:
    await load_library(db)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            result = await crud.collection.refresh_smart(conn, collection_id=C2)
            assert result.matched == 2 and len(await member_ids(conn, C2)) == 2
            raise RuntimeError("the caller gives up")
    assert await member_ids(db, C2) == [FV[2]]
    async with db.transaction() as conn:
        results = await crud.collection.refresh_all_smart(conn)
    assert [r.status for r in results] == ["updated", "updated", "updated"]
    assert await member_ids(db, C2) == sorted([FV[6], FV[2]])


async def test_each_field_and_operator_refreshes_a_collection(fixed: tuple[Any, Any]) -> None:
    # The INSERT ... SELECT of a refresh is built apart from the preview's SELECT: each
    # example's rules stored on collection 2, refreshed, give exactly the expected members.
    previous = 1  # collection 2 holds fv 2 in the library
    for name, rules, expected in EXAMPLES:
        for db in fixed:
            await crud.collection.update(db, db_obj=C2, obj_in={"smart_rules": rules})
            update = await crud.collection.refresh_smart(db, collection_id=C2)
            assert update == SmartCollectionUpdate(
                C2, "Best rated", "updated", matched=len(expected), removed=previous
            ), name
            rows = await crud.collection_photo.get_by_collection(db, collection_id=C2)
            assert sorted(r.photo_id for r in rows) == sorted(FV[n] for n in expected), name
        previous = len(expected)


async def test_refresh_by_rating_and_keywords_keeps_exactly_the_matching_photos(
    fixed: tuple[Any, Any],
) -> None:
    c = crud.collection
    rules = all_of(rule("rating", "greater_than", 4), rule("keywords", "contains", "beach"))

    async def set_rules(db: Any) -> Any:
        changed = await c.update_smart_collection(db, id=C2, obj_in={"smart_rules": rules})
        return changed.smart_rules

    assert await both(fixed, set_rules) == rules
    result = await both(fixed, lambda db: c.refresh_smart(db, collection_id=C2))
    versions = await both(fixed, lambda db: crud.file_version.get_multi(db, limit=1000))
    expected = sorted(
        v.id for v in versions if (v.rating or 0) >= 4 and "beach" in (v.keywords or [])
    )
    assert await both(fixed, lambda db: member_ids(db, C2)) == expected
    assert (result.status, result.matched) == ("updated", len(expected))
