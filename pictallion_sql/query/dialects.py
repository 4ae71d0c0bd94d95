"""SQL fragments that differ between PostgreSQL and SQLite, for queries built at run time.

The static queries keep their dialect differences in ``sql/queries/<dialect>/``; the
dynamic ones (search, smart-collection rules) ask one :class:`SqlDialect` for each fragment
and so never branch on the dialect themselves. Fragments are plain SQL text: column
expressions and ``:name`` placeholders go in, never values. The SQLite side relies on the
functions the SQLite adapter registers on every connection (``pictallion_lower``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

__all__ = ["POSTGRES", "QUERY_PLACEHOLDERS", "SQLITE", "SqlDialect", "dialect_sql"]

# What a ``{{name}}`` placeholder in a shared query file becomes in each dialect. The
# registry fills them in when it loads the files, so a query whose bodies would differ
# only in a function name keeps one body.
QUERY_PLACEHOLDERS: Mapping[str, Mapping[str, str]] = {
    "json_object": {"postgres": "json_build_object", "sqlite": "json_object"},
}


class SqlDialect(Protocol):
    """How one dialect spells the fragments the dynamic queries need."""

    name: str
    numbered_parameters: bool
    """``$1``, ``$2``... one number per parameter name (asyncpg), or one ``?`` per
    occurrence in order (sqlite3)."""

    def lower(self, expr: str) -> str:
        """``expr`` folded to lower case for every letter, not only ASCII."""
        ...

    def contains_text(self, expr: str, param: str) -> str:
        """Case-insensitive: the text ``param`` occurs in ``expr`` (``%``/``_`` are literal)."""
        ...

    def keywords_text(self, expr: str) -> str:
        """The text array ``expr`` joined with single spaces (NULL for a NULL array)."""
        ...

    def array_overlaps(self, expr: str, param: str) -> str:
        """The text array ``expr`` shares an element with the list ``param`` (NULL never does)."""
        ...

    def in_list(self, expr: str, param: str) -> str:
        """``expr`` equals an element of the list of texts ``param``."""
        ...

    def json_text(self, expr: str, *path: str) -> str:
        """The text at ``path`` in the JSON document ``expr`` (NULL when absent)."""
        ...

    def typed(self, param: str, sql_type: str) -> str:
        """``param`` with the SQL type PostgreSQL needs to infer it (SQLite needs none)."""
        ...

    def in_numbers(self, expr: str, param: str) -> str:
        """``expr`` equals an element of the list of numbers ``param``."""
        ...

    def in_integers(self, expr: str, param: str) -> str:
        """The integer column ``expr`` equals an element of the list of integers ``param``."""
        ...

    def json_string_items(self, expr: str, *path: str) -> str:
        """A subquery of the string items (column ``item``) of the JSON array at ``path``.

        No rows when the value at ``path`` is absent or not an array; non-string items are left out.
        """
        ...

    def timestamp_text(self, expr: str) -> str:
        """The timestamp ``expr`` as text starting ``YYYY-MM-DDTHH:MM:SS``."""
        ...

    def starts_with_date_time(self, expr: str) -> str:
        """``expr`` starts ``YYYY:MM:DD HH:MM`` (``-`` or ``:``, ``T`` or space, a valid time)."""
        ...

    def json_string(self, expr: str, *path: str) -> str:
        """The text at ``path`` in the JSON document ``expr`` when it is a string, else NULL."""
        ...

    def json_object(self, *args: str) -> str:
        """A JSON object built from alternating key and value expressions ``args``."""
        ...

    def text_elements(self, expr: str, alias: str) -> str:
        """A FROM item with one row per element of the text array ``expr``, as ``alias.value``."""
        ...

    def byte_order(self, expr: str) -> str:
        """``expr`` compared and sorted by its UTF-8 bytes (the same text order everywhere)."""
        ...

    def changed_photo_ids(self, seen: str) -> str:
        """A SELECT of the ids of the file versions written after the mark ``seen`` (text).

        The mark is what ``collections.change_mark`` returned; the log is
        ``file_version_changes`` (migration 0006). An id may come more than once.
        """
        ...


# lower() folds by the collation of its argument: under the database's default it follows the
# server's locale (ASCII only under "C"). The ICU root collation applies Unicode's full
# lowercase mapping (İ -> i + U+0307, final sigma in context), as Python's str.lower does on
# SQLite, whatever the server's locale.
_UNICODE_FOLD = 'COLLATE "und-x-icu"'


class _Postgres:
    name = "postgres"
    numbered_parameters = True

    def lower(self, expr: str) -> str:
        return f"lower({expr} {_UNICODE_FOLD})"

    def contains_text(self, expr: str, param: str) -> str:
        return (
            f"strpos(lower({expr} {_UNICODE_FOLD}), "
            f"lower(CAST({param} AS text) {_UNICODE_FOLD})) > 0"
        )

    def keywords_text(self, expr: str) -> str:
        return f"array_to_string({expr}, ' ')"

    def array_overlaps(self, expr: str, param: str) -> str:
        return f"{expr} && CAST({param} AS text[])"

    def in_list(self, expr: str, param: str) -> str:
        return f"{expr} = ANY(CAST({param} AS text[]))"

    def json_text(self, expr: str, *path: str) -> str:
        return f"({expr} #>> '{{{','.join(path)}}}')"

    def typed(self, param: str, sql_type: str) -> str:
        return f"CAST({param} AS {sql_type})"

    def in_numbers(self, expr: str, param: str) -> str:
        return f"{expr} = ANY(CAST({param} AS double precision[]))"

    def in_integers(self, expr: str, param: str) -> str:
        return f"{expr} = ANY(CAST({param} AS bigint[]))"

    def json_string_items(self, expr: str, *path: str) -> str:
        at = f"({expr} #> '{{{','.join(path)}}}')"
        return (
            "(SELECT e #>> '{}' AS item FROM jsonb_array_elements("
            f"CASE WHEN jsonb_typeof({at}) = 'array' THEN {at} ELSE CAST('[]' AS jsonb) END"
            ") AS e WHERE jsonb_typeof(e) = 'string')"
        )

    def timestamp_text(self, expr: str) -> str:
        return f"""to_char({expr}, 'YYYY-MM-DD"T"HH24:MI:SS')"""

    def starts_with_date_time(self, expr: str) -> str:
        return (
            f"({expr} ~ '^[0-9]{{4}}[-:][0-9]{{2}}[-:][0-9]{{2}}[ T]([01][0-9]|2[0-3]):[0-5][0-9]')"
        )

    def json_string(self, expr: str, *path: str) -> str:
        where = "{" + ",".join(path) + "}"
        return (
            f"(CASE WHEN jsonb_typeof({expr} #> '{where}') = 'string' "
            f"THEN {expr} #>> '{where}' END)"
        )

    def json_object(self, *args: str) -> str:
        return f"json_build_object({', '.join(args)})"

    def text_elements(self, expr: str, alias: str) -> str:
        return f"unnest({expr}) AS {alias}(value)"

    def byte_order(self, expr: str) -> str:
        return f'{expr} COLLATE "C"'

    def changed_photo_ids(self, seen: str) -> str:
        # The mark is a snapshot: a change is new when its transaction is not visible in it
        # (committed later, or running then), whatever the order the transactions began in.
        # Every such transaction id is at least the snapshot's xmin: the index range.
        mark = f"CAST(CAST({seen} AS text) AS pg_snapshot)"
        return (
            "SELECT unnest(ch.photo_ids) FROM file_version_changes AS ch "
            f"WHERE ch.xid >= pg_snapshot_xmin({mark}) "
            f"AND NOT pg_visible_in_snapshot(ch.xid, {mark})"
        )


class _Sqlite:
    name = "sqlite"
    numbered_parameters = False

    def lower(self, expr: str) -> str:
        return f"pictallion_lower({expr})"

    def contains_text(self, expr: str, param: str) -> str:
        return f"instr(pictallion_lower({expr}), pictallion_lower({param})) > 0"

    def keywords_text(self, expr: str) -> str:
        return f"(SELECT group_concat(k.value, ' ') FROM json_each({expr}) AS k)"

    def array_overlaps(self, expr: str, param: str) -> str:
        return (
            f"EXISTS (SELECT 1 FROM json_each({expr}) AS k "
            f"WHERE k.value IN (SELECT value FROM json_each({param})))"
        )

    def in_list(self, expr: str, param: str) -> str:
        return f"{expr} IN (SELECT value FROM json_each({param}))"

    def json_text(self, expr: str, *path: str) -> str:
        return f"json_extract({expr}, '$.{'.'.join(path)}')"

    def typed(self, param: str, sql_type: str) -> str:
        return param

    def in_numbers(self, expr: str, param: str) -> str:
        return f"{expr} IN (SELECT value FROM json_each({param}))"

    def in_integers(self, expr: str, param: str) -> str:
        return self.in_numbers(expr, param)

    def json_string_items(self, expr: str, *path: str) -> str:
        at = f"'$.{'.'.join(path)}'"
        return (
            "(SELECT j.value AS item FROM json_each("
            f"CASE WHEN json_type({expr}, {at}) = 'array' THEN json_extract({expr}, {at}) "
            "ELSE '[]' END) AS j WHERE j.type = 'text')"
        )

    def timestamp_text(self, expr: str) -> str:
        return expr  # stored as ISO-8601 text already

    def starts_with_date_time(self, expr: str) -> str:
        date = "[0-9][0-9][0-9][0-9][-:][0-9][0-9][-:][0-9][0-9][ T]"
        return (
            f"({expr} GLOB '{date}[01][0-9]:[0-5][0-9]*' OR {expr} GLOB '{date}2[0-3]:[0-5][0-9]*')"
        )

    def json_string(self, expr: str, *path: str) -> str:
        where = "$." + ".".join(path)
        return (
            f"(CASE WHEN json_type({expr}, '{where}') = 'text' "
            f"THEN json_extract({expr}, '{where}') END)"
        )

    def json_object(self, *args: str) -> str:
        return f"json_object({', '.join(args)})"

    def text_elements(self, expr: str, alias: str) -> str:
        return f"json_each({expr}) AS {alias}"

    def byte_order(self, expr: str) -> str:
        # SQLite's default BINARY collation already compares the UTF-8 bytes.
        return expr

    def changed_photo_ids(self, seen: str) -> str:
        # One writer at a time: the log's sequence follows the order of the commits.
        return (
            "SELECT ch.photo_id FROM file_version_changes AS ch "
            f"WHERE ch.seq > CAST({seen} AS INTEGER)"
        )


POSTGRES: SqlDialect = _Postgres()
SQLITE: SqlDialect = _Sqlite()


_BY_NAME: Mapping[str, SqlDialect] = {dialect.name: dialect for dialect in (POSTGRES, SQLITE)}


def dialect_sql(dialect: str) -> SqlDialect:
    """The fragments of ``dialect`` ("postgres" or "sqlite")."""
    return _BY_NAME[dialect]
