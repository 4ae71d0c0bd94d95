"""Smart-collection rules compiled into one SQL query over ``file_versions``.

``collections.smart_rules`` holds one of two shapes (``docs/smart-collections.md`` has the
full reference):

* the object form ``{"rules": [{field, operator, value}, ...], "operator": "AND" | "OR"}``:
  every rule is a condition, joined with AND when the operator is "AND", otherwise with OR.
  Fields and operators: rating (equals, greater_than and less_than inclusive, between
  inclusive, in), keywords (contains: an element equals the value exactly; in: an element
  equals one of the values), eventType, tier and location (equals: exact; in: any of), location
  also contains (case-insensitive substring, ``%`` and ``_`` literal), isReviewed (equals a
  boolean). NULL columns never match.
* the weighted array form the Smart Collections screen stores,
  ``[{id, field, operator, value, weight}, ...]``: a rule scores its weight when it holds, and a
  photo matches when ``5 * score >= 3 * total weight`` (60 %, with no rounding of 0.6). Fields:
  aiTags (``metadata.ai.aiTags``), eventType, location (contains: case-insensitive substring,
  on any string item for aiTags; equals: exact), faceCount (faces rows of the photo), personAge
  (average of photo year - birth year over the photo's faces whose person has a birthdate),
  with equals, ``>=`` and ``<=`` on numbers, and metadata.time (time_range: comma-separated
  ``HH:MM-HH:MM`` ranges, both ends inclusive, overnight ranges wrap).

"Photo time" is ``metadata.exif.dateTimeOriginal`` when it is a string starting
``YYYY:MM:DD HH:MM`` or ``YYYY-MM-DDTHH:MM`` (``-``/``:`` and ``T``/space both accepted, hour
0-23, minute 0-59), else ``created_at`` (UTC). Its year is personAge's photo year, its hour and
minute metadata.time's time of day (seconds ignored).

What SQL does not reproduce of the screen's JavaScript evaluator: ``new Date(...)`` parsing of
arbitrary date strings (only the two forms above are read; anything else falls back to
``created_at``), the server's local time zone (wall-clock digits of the EXIF string are taken
as written, ``created_at`` in UTC), JavaScript's ``===`` between the screen's string value and
a number or an array (equals on faceCount/personAge compares numbers, equals on aiTags means
"some tag is exactly the value"), the old path ``metadata.aiTags`` (never stored: the stored
``metadata.ai.aiTags`` is read), and NaN arithmetic on missing or non-numeric weights (an
error here).

An empty rule list (``{}``, ``{"rules": []}``, ``[]``, or NULL) matches no photo. A rule this
module cannot evaluate (unknown field, an operator that makes no sense for its field, a value
or weight of the wrong type, a malformed time range, weights adding up to 0) raises
:class:`UnsupportedRules` naming the rule by its position (from 0): never a silent match-all.

The statements are built with pypika from the conditions' fixed SQL; their text depends only
on the rules' *shape* (form, join, kind of each condition), so each shape is compiled once and
cached; every value and weight is a bound parameter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Literal, NamedTuple

import msgspec

from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import shown
from pictallion_sql.models import (
    SmartCollectionRule,
    SmartCollectionRules,
    WeightedSmartRule,
    validate,
)
from pictallion_sql.query.dialects import SqlDialect, dialect_sql
from pictallion_sql.query.dynamic import sql_condition
from pictallion_sql.query.registry import Query, make_query
from pictallion_sql.records.composites.collections import MatchedPhoto

__all__ = [
    "CompiledRules",
    "SmartCollectionUpdate",
    "UnsupportedRules",
    "compile_rules",
    "compile_smart_rules",
]


class UnsupportedRules(ValidationError):
    """A smart collection's rules cannot be evaluated; the message names the rule and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="smart_rules")


class SmartCollectionUpdate(msgspec.Struct, frozen=True, gc=False):
    """What refreshing one smart collection did.

    ``status`` is "updated" (its photos were replaced by the ``matched`` versions, after
    ``removed`` old rows were deleted), "skipped" (its rules cannot be evaluated; nothing
    changed; ``reason`` says why) or "failed" (the replacement was rolled back; nothing
    changed; ``reason`` holds the error).
    """

    collection_id: str
    name: str
    status: Literal["updated", "skipped", "failed"]
    matched: int = 0
    removed: int = 0
    reason: str | None = None


class CompiledRules(NamedTuple):
    """The queries of one rules document and the parameters they share.

    A refresh runs ``drop`` then ``refresh``: the members that no longer match go, the
    matches that are not members yet come in, and the rows of members that still match
    stay as they are (no delete and re-insert of the whole collection).
    """

    select: Query[list[MatchedPhoto]]
    """``SELECT`` of the matching version ids, newest first (created_at DESC, id DESC)."""
    refresh: Query[int]
    """``INSERT INTO collection_photos ... SELECT`` of the matches not in the collection yet;
    also takes ``collection_id``, ``added_at``."""
    drop: Query[int]
    """``DELETE`` of the collection's rows whose photo no longer matches, and of all but
    the first row (by id) of a photo held twice; also takes ``collection_id``."""
    params: dict[str, Any]
    refresh_changed: Query[int]
    """``refresh`` over the versions written after the mark ``seen`` only."""
    drop_changed: Query[int]
    """``drop`` of the members among the versions written after the mark ``seen`` only."""
    incremental: bool
    """Whether the rules read only the version's own row, so that a refresh may look at
    the versions written since the last one alone (faceCount and personAge read faces and
    people, whose writes are not logged)."""


class _Condition(NamedTuple):
    kind: str  # decides the SQL text (see _condition_sql)
    values: tuple[Any, ...]  # bound as :r<n>_0, :r<n>_1, ...


# -- SQL --------------------------------------------------------------------------------------

# Conditions that read other tables than file_versions (faces, people).
_OTHER_TABLES = ("face_count", "person_age")

_FACE_COUNT = "(SELECT COUNT(*) FROM faces AS f WHERE f.photo_id = fv.id)"


def _photo_time(d: SqlDialect) -> str:
    """The photo's capture time as text starting ``YYYY?MM?DD?HH:MM`` (EXIF, else created_at)."""
    exif = d.json_string("fv.metadata", "exif", "dateTimeOriginal")
    return (
        f"(CASE WHEN {d.starts_with_date_time(exif)} THEN {exif} "
        f"ELSE {d.timestamp_text('fv.created_at')} END)"
    )


# The time of day of ``photo_time`` in minutes (0-1439).
_MINUTE_OF_DAY = (
    "(CAST(substr(fv.photo_time, 12, 2) AS integer) * 60"
    " + CAST(substr(fv.photo_time, 15, 2) AS integer))"
)


def _person_age_minus(d: SqlDialect, number: str) -> str:
    """sum(photo year - birth year) - number * count, over the photo's faces with a birthdate.

    NULL when there is no such face; compared with 0 it tests the average against ``number``
    without dividing (the same arithmetic as the reference, on both dialects).
    """
    birth_year = f"CAST(substr({d.timestamp_text('pe.birthdate')}, 1, 4) AS integer)"
    photo_year = "CAST(substr(fv.photo_time, 1, 4) AS integer)"
    return (
        f"(SELECT SUM({photo_year} - {birth_year}) - {number} * COUNT(*) "
        "FROM faces AS f JOIN people AS pe ON pe.id = f.person_id "
        "WHERE f.photo_id = fv.id AND pe.birthdate IS NOT NULL)"
    )


_COMPARE = {"eq": "=", "ge": ">=", "le": "<="}
_TEXT_COLUMNS = {"event_type": "fv.event_type", "tier": "fv.tier", "location": "fv.location"}


def _condition_sql(kind: str, p: list[str], d: SqlDialect) -> str:
    """The SQL condition of ``kind`` with parameter placeholders ``p`` (never values)."""
    subject, _, op = kind.rpartition("_")
    if subject == "time":
        # One letter per range: "i" a range inside one day, "w" one that wraps past midnight.
        minute = _MINUTE_OF_DAY
        ranges = []
        for n, shape in enumerate(op):
            start, end = d.typed(p[2 * n], "integer"), d.typed(p[2 * n + 1], "integer")
            if shape == "i":
                ranges.append(f"{minute} BETWEEN {start} AND {end}")
            else:
                ranges.append(f"({minute} >= {start} OR {minute} <= {end})")
        return " OR ".join(ranges)
    if subject == "rating":
        # The bounds come as whole numbers (see _rating_bound): an integer column compared
        # with an integer, which idx-able on both dialects, not a cast of every rating.
        bound = d.typed(p[0], "bigint")
        if op == "between":
            return f"fv.rating BETWEEN {bound} AND {d.typed(p[1], 'bigint')}"
        if op == "in":
            return d.in_integers("fv.rating", p[0])
        return f"fv.rating {_COMPARE[op]} {bound}"
    number = d.typed(p[0], "double precision")
    if subject == "face_count":
        return f"{_FACE_COUNT} {_COMPARE[op]} {number}"
    if subject == "person_age":
        return f"{_person_age_minus(d, number)} {_COMPARE[op]} 0"
    if subject == "keywords":
        return d.array_overlaps("fv.keywords", p[0])
    if subject == "is_reviewed":
        return f"fv.is_reviewed = {d.typed(p[0], 'boolean')}"
    text = d.typed(p[0], "text")
    if subject == "ai_tags":
        items = d.json_string_items("fv.metadata", "ai", "aiTags")
        test = d.contains_text("t.item", p[0]) if op == "contains" else f"t.item = {text}"
        return f"EXISTS (SELECT 1 FROM {items} AS t WHERE {test})"
    column = _TEXT_COLUMNS[subject]
    if op == "in":
        return d.in_list(column, p[0])
    if op == "contains":
        return d.contains_text(column, p[0])
    return f"{column} = {text}"


def _params(n: int, count: int) -> list[str]:
    return [f":r{n}_{k}" for k in range(count)]


def _where(form: str, kinds: tuple[tuple[str, int], ...], d: SqlDialect) -> Any:
    """The pypika condition of one rule shape: the rules joined, or the weighted score."""
    from pypika import Criterion

    conditions = [
        _condition_sql(kind, _params(n, count), d) for n, (kind, count) in enumerate(kinds)
    ]
    if not conditions:
        return sql_condition("1 = 0")  # an empty rule list matches nothing
    if form == "weighted":
        number = "double precision"
        score = " + ".join(
            f"CASE WHEN ({c}) THEN {d.typed(f':w{n}', number)} ELSE 0 END"
            for n, c in enumerate(conditions)
        )
        # 60 % as 5 * score >= 3 * total: exact for whole weights, no rounding of 0.6.
        return sql_condition(f"({score}) * 5 >= {d.typed(':total', number)} * 3")
    parts = [sql_condition(c) for c in conditions]
    return Criterion.all(parts) if form == "AND" else Criterion.any(parts)


def _statements(
    form: str, kinds: tuple[tuple[str, int], ...], d: SqlDialect
) -> tuple[str, str, str, str, str]:
    """The SELECT of the matching ids, the INSERT ... SELECT and the DELETE of one dialect,
    then the INSERT ... SELECT and the DELETE restricted to the versions changed since a mark."""
    from pypika import Order, Table
    from pypika import Query as Builder
    from pypika.terms import LiteralValue

    versions = (
        Builder.from_(Table("file_versions").as_("fv"))
        .select(LiteralValue("fv.*"), LiteralValue(_photo_time(d)).as_("photo_time"))
        .as_("fv")
    )
    where = _where(form, kinds, d)
    select = (
        Builder.from_(versions)
        .select(LiteralValue("fv.id"))
        .where(where)
        .orderby(LiteralValue("fv.created_at"), order=Order.desc)
        .orderby(LiteralValue("fv.id"), order=Order.desc)
    )
    collection_id = d.typed(":collection_id", "varchar")
    # A match already in the collection: one probe of idx_collection_photos_photo_id.
    not_member = sql_condition(
        "NOT EXISTS (SELECT 1 FROM collection_photos AS cp "
        f"WHERE cp.photo_id = fv.id AND cp.collection_id = {collection_id})"
    )
    insert = (
        Builder.into(Table("collection_photos"))
        .columns("collection_id", "photo_id", "added_at")
        .from_(versions)
        .select(
            LiteralValue(collection_id),
            LiteralValue("fv.id"),
            LiteralValue(d.typed(":added_at", "timestamp")),
        )
        .where(where & not_member)
    )
    # A member still matches when its version (found by primary key) passes the rules.
    still_matches = (
        Builder.from_(versions)
        .select(LiteralValue("1"))
        .where(sql_condition("fv.id = member.photo_id") & where)
    )
    probe = str(still_matches.get_sql(quote_char='"'))
    earlier = d.byte_order("other.id") + " < " + d.byte_order("member.id")
    drop = (
        "DELETE FROM collection_photos AS member "
        f"WHERE member.collection_id = {collection_id} "
        f"AND (NOT EXISTS ({probe}) "
        "OR EXISTS (SELECT 1 FROM collection_photos AS other "
        "WHERE other.collection_id = member.collection_id "
        f"AND other.photo_id = member.photo_id AND {earlier}))"
    )
    changed = d.changed_photo_ids(":seen")
    insert_changed = insert.where(sql_condition(f"fv.id IN ({changed})"))
    # Members among the changed versions that no longer match. Duplicate rows come only
    # from writes to collection_photos, which make the next refresh a full one.
    drop_changed = (
        "DELETE FROM collection_photos AS member "
        f"WHERE member.collection_id = {collection_id} "
        f"AND member.photo_id IN ({changed}) "
        f"AND NOT EXISTS ({probe})"
    )
    return (
        str(select.get_sql(quote_char='"')),
        str(insert.get_sql(quote_char='"')),
        drop,
        str(insert_changed.get_sql(quote_char='"')),
        drop_changed,
    )


@lru_cache(maxsize=512)
def _queries(
    form: str, kinds: tuple[tuple[str, int], ...]
) -> tuple[Query[list[MatchedPhoto]], Query[int], Query[int], Query[int], Query[int]]:
    """The SELECT, the INSERT ... SELECT and the DELETE of one rule shape (cached per shape),
    then the INSERT ... SELECT and the DELETE over the versions changed since a mark."""
    label = f"{form}:{','.join(kind for kind, _ in kinds)}"
    pg = _statements(form, kinds, dialect_sql("postgres"))
    lite = _statements(form, kinds, dialect_sql("sqlite"))
    select = make_query(f"smart_rules.match[{label}]", "rows", MatchedPhoto, pg[0], lite[0])
    refresh = make_query(f"smart_rules.refresh[{label}]", "none", None, pg[1], lite[1])
    drop = make_query(f"smart_rules.drop[{label}]", "none", None, pg[2], lite[2])
    refresh_changed = make_query(
        f"smart_rules.refresh_changed[{label}]", "none", None, pg[3], lite[3]
    )
    drop_changed = make_query(f"smart_rules.drop_changed[{label}]", "none", None, pg[4], lite[4])
    return select, refresh, drop, refresh_changed, drop_changed


# -- values -----------------------------------------------------------------------------------

_NUMERIC_TEXT = re.compile(r"\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*")
_TIME_RANGE = re.compile(r"\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*")


def _number(value: Any, what: str) -> float:
    """A finite number from a JSON number or a numeric string."""
    text_ok = isinstance(value, str) and _NUMERIC_TEXT.fullmatch(value)
    if not (text_ok or (isinstance(value, int | float) and not isinstance(value, bool))):
        raise UnsupportedRules(f"{what}: value must be a number, got {shown(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise UnsupportedRules(f"{what}: value must be a finite number, got {shown(value)}")
    return number


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise UnsupportedRules(f"{what}: value must be a string, got {shown(value)}")
    return value


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UnsupportedRules(f"{what}: value must be a list of strings, got {shown(value)}")
    return list(value)


def _numbers(value: Any, what: str) -> list[float]:
    if not isinstance(value, list):
        raise UnsupportedRules(f"{what}: value must be a list of numbers, got {shown(value)}")
    return [_number(v, what) for v in value]


def _time_ranges(value: Any, what: str) -> tuple[str, list[int]]:
    """("i"/"w" per range, [start, end, ...] in minutes of the day) of ``HH:MM-HH:MM,...``."""
    text = _string(value, what)
    shapes, bounds = [], []
    for part in text.split(","):
        found = _TIME_RANGE.fullmatch(part)
        numbers = [int(g) for g in found.groups()] if found else []
        if not found or numbers[0] > 23 or numbers[2] > 23 or numbers[1] > 59 or numbers[3] > 59:
            raise UnsupportedRules(
                f"{what}: value must be HH:MM-HH:MM ranges separated by commas, got {shown(value)}"
            )
        start, end = numbers[0] * 60 + numbers[1], numbers[2] * 60 + numbers[3]
        shapes.append("i" if start <= end else "w")
        bounds += [start, end]
    return "".join(shapes), bounds


def _boolean(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise UnsupportedRules(f"{what}: value must be true or false, got {shown(value)}")
    return value


def _pair(value: Any, what: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise UnsupportedRules(f"{what}: value must be [min, max], got {shown(value)}")
    return _number(value[0], what), _number(value[1], what)


# Ratings are integers: a comparison with a number is the same as one with the nearest
# whole number on the right side (rating >= 3.5 is rating >= 4), so the rules bind whole
# numbers, clamped to bigint (beyond any rating either way).
_BIGINT = (-(2**63), 2**63 - 1)


def _whole(number: float) -> int:
    return min(max(int(number), _BIGINT[0]), _BIGINT[1])


def _rating_eq(value: Any, what: str) -> int | None:
    """The rating equal to the value; None (matches no row) for a fractional value."""
    number = _number(value, what)
    return _whole(number) if number.is_integer() else None


def _rating_at_least(value: Any, what: str) -> int:
    return _whole(math.ceil(_number(value, what)))


def _rating_at_most(value: Any, what: str) -> int:
    return _whole(math.floor(_number(value, what)))


def _rating_between(value: Any, what: str) -> tuple[int, int]:
    low, high = _pair(value, what)
    return _whole(math.ceil(low)), _whole(math.floor(high))


def _rating_in(value: Any, what: str) -> list[int]:
    return [_whole(n) for n in _numbers(value, what) if n.is_integer()]


def _describe(index: int, field: Any, operator: Any) -> str:
    show = [x if isinstance(x, str) else "?" for x in (field, operator)]
    return f"rule {index} ({show[0]} {show[1]})"


# -- the object form --------------------------------------------------------------------------

# field -> operator -> (condition kind, how the value is read: one parameter, or a tuple of them)
_Reader = Callable[[Any, str], Any]
_OBJECT_RULES: dict[str, dict[str, tuple[str, _Reader]]] = {
    "rating": {
        "equals": ("rating_eq", _rating_eq),
        "greater_than": ("rating_ge", _rating_at_least),
        "less_than": ("rating_le", _rating_at_most),
        "between": ("rating_between", _rating_between),
        "in": ("rating_in", _rating_in),
    },
    "keywords": {
        "contains": ("keywords_overlap", lambda v, w: [_string(v, w)]),
        "in": ("keywords_overlap", _strings),
    },
    "eventType": {"equals": ("event_type_eq", _string), "in": ("event_type_in", _strings)},
    "tier": {"equals": ("tier_eq", _string), "in": ("tier_in", _strings)},
    "isReviewed": {"equals": ("is_reviewed_eq", _boolean)},
    "location": {
        "equals": ("location_eq", _string),
        "contains": ("location_contains", _string),
        "in": ("location_in", _strings),
    },
}


def _known(field: Any, operator: Any, table: Mapping[str, Mapping[str, Any]], what: str) -> Any:
    """The table entry of (field, operator), or UnsupportedRules saying which part is wrong."""
    if not isinstance(field, str):
        raise UnsupportedRules(f"{what}: the rule has no field")
    if field not in table:
        raise UnsupportedRules(
            f"{what}: unknown field {shown(field)} (known: {', '.join(sorted(table))})"
        )
    operators = table[field]
    if operator not in operators:
        raise UnsupportedRules(
            f"{what}: operator {shown(operator)} is not defined for {field} "
            f"(use {', '.join(operators)})"
        )
    return operators[operator]


def _object_rule(rule: SmartCollectionRule, index: int) -> _Condition:
    what = _describe(index, rule.field, rule.operator)
    kind, read = _known(rule.field, rule.operator, _OBJECT_RULES, what)
    value = read(None if rule.value is msgspec.UNSET else rule.value, what)
    return _Condition(kind, value if isinstance(value, tuple) else (value,))


def _object_rules(rules: SmartCollectionRules) -> tuple[str, list[_Condition]]:
    form = "AND" if rules.operator == "AND" else "OR"
    items = [] if rules.rules is msgspec.UNSET else rules.rules
    return form, [_object_rule(rule, n) for n, rule in enumerate(items)]


# -- the weighted array form ------------------------------------------------------------------

_WEIGHTED_RULES: dict[str, dict[str, tuple[str, _Reader]]] = {
    "aiTags": {"contains": ("ai_tags_contains", _string), "equals": ("ai_tags_eq", _string)},
    "eventType": {
        "contains": ("event_type_contains", _string),
        "equals": ("event_type_eq", _string),
    },
    "location": {
        "contains": ("location_contains", _string),
        "equals": ("location_eq", _string),
    },
    "faceCount": {
        "equals": ("face_count_eq", _number),
        ">=": ("face_count_ge", _number),
        "<=": ("face_count_le", _number),
    },
    "personAge": {
        "equals": ("person_age_eq", _number),
        ">=": ("person_age_ge", _number),
        "<=": ("person_age_le", _number),
    },
    "metadata.time": {"time_range": ("time", _time_ranges)},
}


def _weight(value: Any, what: str) -> float:
    if value is msgspec.UNSET or value is None:
        raise UnsupportedRules(f"{what}: the rule has no weight")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UnsupportedRules(f"{what}: weight must be a number, got {shown(value)}")
    try:
        weight = float(value)
    except OverflowError:
        weight = math.inf
    if not math.isfinite(weight):
        raise UnsupportedRules(f"{what}: weight must be a finite number, got {shown(value)}")
    if weight < 0:
        raise UnsupportedRules(f"{what}: weight must not be negative, got {shown(value)}")
    return weight


def _weighted_rule(rule: WeightedSmartRule, index: int) -> tuple[_Condition, float]:
    what = _describe(index, rule.field, rule.operator)
    kind, read = _known(rule.field, rule.operator, _WEIGHTED_RULES, what)
    value = None if rule.value is msgspec.UNSET else rule.value
    weight = _weight(rule.weight, what)
    if kind == "time":
        shapes, bounds = _time_ranges(value, what)
        return _Condition(f"time_{shapes}", tuple(bounds)), weight
    return _Condition(kind, (read(value, what),)), weight


# -- decoding both shapes ---------------------------------------------------------------------


def _as_rule(cls: type[Any], item: Any, index: int) -> Any:
    if isinstance(item, cls):
        return item
    if not isinstance(item, Mapping):
        raise UnsupportedRules(f"rule {index}: must be an object, got {shown(item)}")
    try:
        return validate(cls, dict(item))
    except ValidationError as exc:
        raise UnsupportedRules(f"rule {index}: {exc}") from None


def _as_object(smart_rules: Any) -> SmartCollectionRules:
    # A stored document is read by key, like a plain mapping: a value of an unexpected type
    # is reported rather than read as missing.
    rules = smart_rules.get("rules", msgspec.UNSET)
    operator = smart_rules.get("operator", msgspec.UNSET)
    if operator not in ("AND", "OR", msgspec.UNSET):
        raise UnsupportedRules(f"operator must be 'AND' or 'OR', got {shown(operator)}")
    if rules is msgspec.UNSET or rules is None:
        return SmartCollectionRules(operator=operator)
    if not isinstance(rules, list):
        raise UnsupportedRules(f"'rules' must be a list, got {shown(rules)}")
    items = [_as_rule(SmartCollectionRule, item, n) for n, item in enumerate(rules)]
    return SmartCollectionRules(rules=items, operator=operator)


def compile_smart_rules(smart_rules: Any) -> CompiledRules:
    """The queries of ``smart_rules`` (either shape, a plain dict/list, or None).

    Raises UnsupportedRules naming the rule that cannot be evaluated.
    """
    params: dict[str, Any] = {}
    conditions: list[_Condition]
    if smart_rules is None:
        form, conditions = "OR", []
    elif isinstance(smart_rules, list):
        form, conditions = "weighted", []
        total = 0.0
        for n, item in enumerate(smart_rules):
            condition, weight = _weighted_rule(_as_rule(WeightedSmartRule, item, n), n)
            conditions.append(condition)
            params[f"w{n}"] = weight
            total += weight
        if conditions:
            if total <= 0:
                raise UnsupportedRules("the weights of the rules add up to 0")
            if not math.isfinite(total * 5):
                raise UnsupportedRules("the weights of the rules are too large to add up")
            params["total"] = total
    elif isinstance(smart_rules, SmartCollectionRules | Mapping):
        form, conditions = _object_rules(_as_object(smart_rules))
    else:
        raise UnsupportedRules(
            f"rules must be an object or a list, got {type(smart_rules).__name__}"
        )
    for n, condition in enumerate(conditions):
        for k, value in enumerate(condition.values):
            params[f"r{n}_{k}"] = value
    shape = tuple((c.kind, len(c.values)) for c in conditions)
    select, refresh, drop, refresh_changed, drop_changed = _queries(form, shape)
    incremental = not any(c.kind.startswith(_OTHER_TABLES) for c in conditions)
    return CompiledRules(select, refresh, drop, params, refresh_changed, drop_changed, incremental)


def compile_rules(smart_rules: Any) -> tuple[Query[list[MatchedPhoto]], dict[str, Any]]:
    """The SELECT of the version ids ``smart_rules`` match (newest first), and its parameters."""
    compiled = compile_smart_rules(smart_rules)
    return compiled.select, compiled.params
