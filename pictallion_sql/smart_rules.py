"""Smart-collection rules turned into one SELECT over ``file_versions``.

A smart collection stores its rules in ``collections.smart_rules``. Only the object form
``{"rules": [...], "operator": "AND" | "OR"}`` is evaluated here, with the condition mapping the
application has always used:

=============  ==========================  =================================================
field          operator                    condition
=============  ==========================  =================================================
rating         equals                      ``rating = v``
rating         greater_than                ``rating >= v`` (inclusive)
rating         less_than                   ``rating <= v`` (inclusive)
rating         between                     ``rating BETWEEN v[0] AND v[1]`` (inclusive)
keywords       contains                    keywords overlap ``[v]``
keywords       in                          keywords overlap ``v`` (an empty list matches none)
eventType      equals                      ``event_type = v``
eventType      in                          ``event_type IN v`` (an empty list matches none)
tier           any operator                ``tier = v``
isReviewed     any operator                ``is_reviewed = v``
other field    any operator                TRUE
=============  ==========================  =================================================

Any other operator on rating, keywords or eventType gives no condition (it is dropped, as
Drizzle drops undefined conditions). Conditions are joined with AND when the rules' operator
is "AND", otherwise with OR; no condition at all matches every version. NULL columns never
match a comparison (NULL keywords never overlap).

The SQL is built with pypika once per *shape* (the join operator and the kind of each kept
condition) and cached; rule values are always bound as parameters, never formatted into SQL.
A rules document that cannot be evaluated (the array form of weighted rules the Smart
Collections screen stores, ``{}``, or a value of the wrong type) raises
:class:`UnsupportedRules`, whose message says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

import msgspec
from pypika import Criterion, Order, Parameter, Table
from pypika import Query as Builder
from pypika.functions import Cast

from ._registry import Query, make_query
from .composites.collections import MatchedPhoto
from .errors import ValidationError
from .models import SmartCollectionRule, SmartCollectionRules, validate

__all__ = ["SmartCollectionUpdate", "UnsupportedRules", "compile_rules"]

# The kinds of condition; each maps to fixed SQL taking its value(s) as parameters.
Kind = Literal[
    "rating_eq",
    "rating_ge",
    "rating_le",
    "rating_between",
    "keywords_overlap",
    "event_type_eq",
    "event_type_in",
    "tier_eq",
    "is_reviewed_eq",
    "true",
]


class UnsupportedRules(ValidationError):
    """A smart collection's rules cannot be evaluated as SQL; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="smart_rules")


class SmartCollectionUpdate(msgspec.Struct, frozen=True, gc=False):
    """What re-evaluating one smart collection did.

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


class _Sql(Criterion):
    """A fixed SQL condition (identifiers and ``:name`` placeholders only, never values)."""

    def __init__(self, sql: str) -> None:
        super().__init__()
        self._sql = sql

    def get_sql(self, **kwargs: Any) -> str:
        return self._sql


_FV = Table("file_versions")


def _cast(name: str, sql_type: str) -> Any:
    """``CAST(:name AS sql_type)``: the parameter typed for PostgreSQL, valid on SQLite too."""
    return Cast(Parameter(name), sql_type)  # type: ignore[no-untyped-call]


def _condition(kind: Kind, n: int, dialect: str) -> Any:
    """The pypika condition of the ``n``-th kept rule, with parameters ``:r<n>`` / ``:r<n>_hi``."""
    p = f":r{n}"
    if kind == "true":
        return _Sql("TRUE")
    if kind in ("rating_eq", "rating_ge", "rating_le"):
        value = _cast(p, "DOUBLE PRECISION")
        if kind == "rating_eq":
            return _FV.rating == value
        return _FV.rating >= value if kind == "rating_ge" else _FV.rating <= value
    if kind == "rating_between":
        low = _cast(p, "DOUBLE PRECISION")
        high = _cast(f"{p}_hi", "DOUBLE PRECISION")
        return _FV.rating[low:high]
    if kind == "event_type_eq":
        return _FV.event_type == _cast(p, "TEXT")
    if kind == "tier_eq":
        return _FV.tier == _cast(p, "TEXT")
    if kind == "is_reviewed_eq":
        return _FV.is_reviewed == _cast(p, "BOOLEAN")
    if kind == "keywords_overlap":
        if dialect == "postgres":
            return _Sql(f'"file_versions"."keywords" && CAST({p} AS text[])')
        return _Sql(
            'EXISTS (SELECT 1 FROM json_each("file_versions"."keywords") AS "k" '
            f'WHERE "k"."value" IN (SELECT "value" FROM json_each({p})))'
        )
    if kind == "event_type_in":
        if dialect == "postgres":
            return _Sql(f'"file_versions"."event_type" = ANY(CAST({p} AS text[]))')
        return _Sql(f'"file_versions"."event_type" IN (SELECT "value" FROM json_each({p}))')
    raise AssertionError(f"unknown condition kind {kind!r}")


def _sql(joiner: str, kinds: tuple[Kind, ...], dialect: str) -> str:
    builder = Builder.from_(_FV).select(_FV.id)
    conditions = [_condition(kind, n, dialect) for n, kind in enumerate(kinds)]
    if conditions:
        builder = builder.where(
            Criterion.all(conditions) if joiner == "AND" else Criterion.any(conditions)
        )
    builder = builder.orderby(_FV.created_at, order=Order.desc).orderby(_FV.id, order=Order.desc)
    return str(builder.get_sql(quote_char='"'))


@lru_cache(maxsize=512)
def _query(joiner: str, kinds: tuple[Kind, ...]) -> Query:
    """The compiled SELECT of one rule shape (cached: the shape, not the values, decides SQL)."""
    name = f"smart_rules.match[{joiner}:{','.join(kinds)}]"
    return make_query(
        name, "rows", MatchedPhoto, _sql(joiner, kinds, "postgres"), _sql(joiner, kinds, "sqlite")
    )


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UnsupportedRules(f"{what} must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise UnsupportedRules(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise UnsupportedRules(f"{what} must be a finite number, got {value!r}")
    return number


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise UnsupportedRules(f"{what} must be a string, got {value!r}")
    return value


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UnsupportedRules(f"{what} must be a list of strings, got {value!r}")
    return list(value)


def _rule(rule: SmartCollectionRule, index: int) -> tuple[Kind, list[Any]] | None:
    """The condition kind and parameter values of one rule; None when the rule is dropped."""
    field, op, value = rule.field, rule.operator, rule.value
    what = f"rule {index} ({field} {op})"
    if field == "rating":
        if op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise UnsupportedRules(f"{what} needs [min, max], got {value!r}")
            return "rating_between", [_number(value[0], what), _number(value[1], what)]
        kinds: dict[str, Kind] = {
            "equals": "rating_eq",
            "greater_than": "rating_ge",
            "less_than": "rating_le",
        }
        if op in kinds:
            return kinds[op], [_number(value, what)]
        return None
    if field == "keywords":
        if op == "contains":
            return "keywords_overlap", [[_string(value, what)]]
        if op == "in":
            return "keywords_overlap", [_strings(value, what)]
        return None
    if field == "eventType":
        if op == "equals":
            return "event_type_eq", [_string(value, what)]
        if op == "in":
            return "event_type_in", [_strings(value, what)]
        return None
    if field == "tier":
        return "tier_eq", [_string(value, what)]
    if field == "isReviewed":
        if not isinstance(value, bool):
            raise UnsupportedRules(f"{what} must be true or false, got {value!r}")
        return "is_reviewed_eq", [value]
    return "true", []


def _as_rules(smart_rules: Any) -> SmartCollectionRules:
    if smart_rules is None:
        raise UnsupportedRules("the collection has no rules")
    if isinstance(smart_rules, list):
        raise UnsupportedRules(
            "weighted rules (the array form the Smart Collections screen stores) "
            "cannot be evaluated as SQL"
        )
    if isinstance(smart_rules, SmartCollectionRules):
        rules = smart_rules
    elif isinstance(smart_rules, Mapping):
        rules = validate(SmartCollectionRules, dict(smart_rules))
    else:
        raise UnsupportedRules(f"rules must be an object, got {type(smart_rules).__name__}")
    if rules.rules is msgspec.UNSET:
        raise UnsupportedRules("the rules object has no 'rules' list")
    return rules


def compile_rules(smart_rules: Any) -> tuple[Query, dict[str, Any]]:
    """The SELECT of the version ids ``smart_rules`` match (newest first), and its parameters.

    ``smart_rules`` is what ``collections.smart_rules`` holds (a SmartCollectionRules, the
    array of weighted rules, or None) or a plain dict of the object form.
    Raises UnsupportedRules when the document cannot be evaluated.
    """
    rules = _as_rules(smart_rules)
    joiner = "AND" if rules.operator == "AND" else "OR"
    kinds: list[Kind] = []
    params: dict[str, Any] = {}
    for index, rule in enumerate(rules.rules or ()):
        compiled = _rule(rule, index)
        if compiled is None:
            continue
        kind, values = compiled
        n = len(kinds)
        kinds.append(kind)
        if values:
            params[f"r{n}"] = values[0]
        if len(values) == 2:
            params[f"r{n}_hi"] = values[1]
    return _query(joiner, tuple(kinds)), params
