"""SQL fragments that differ between PostgreSQL and SQLite, for queries built at run time.

The static queries keep their dialect differences in ``sql/queries/<dialect>/``; the
dynamic ones (search, smart-collection rules) ask one :class:`SqlDialect` for each fragment
and so never branch on the dialect themselves. Fragments are plain SQL text: column
expressions and ``:name`` placeholders go in, never values. The SQLite side relies on the
functions the SQLite adapter registers on every connection (``pictallion_lower``).
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["POSTGRES", "SQLITE", "SqlDialect", "dialect_sql"]


class SqlDialect(Protocol):
    """How one dialect spells the fragments the dynamic queries need."""

    name: str

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


class _Postgres:
    name = "postgres"

    def lower(self, expr: str) -> str:
        return f"lower({expr})"

    def contains_text(self, expr: str, param: str) -> str:
        return f"strpos(lower({expr}), lower(CAST({param} AS text))) > 0"

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


class _Sqlite:
    name = "sqlite"

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


POSTGRES: SqlDialect = _Postgres()
SQLITE: SqlDialect = _Sqlite()


def dialect_sql(dialect: str) -> SqlDialect:
    """The fragments of ``dialect`` ("postgres" or "sqlite")."""
    return POSTGRES if dialect == "postgres" else SQLITE
