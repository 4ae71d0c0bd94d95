"""Placeholders in a query's SQL: ``{{name}}`` is a dialect's spelling or a named fragment.

The registry (``query/registry.py``) fills them in when it loads the query files; tools
that compile a changed body again (the SQL mutation run) fill them in the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pictallion_sql.query.dialects import QUERY_PLACEHOLDERS

__all__ = ["UnknownPlaceholderError", "fill_placeholders"]

# String literals, quoted identifiers and comments are skipped: only a ``{{name}}`` in SQL is
# filled in.
_PLACEHOLDER_TOKENS = re.compile(
    r"""
    (?=['"\-/{])
    (?:
      '(?:[^']|'')*'            # string literal
    | "(?:[^"]|"")*"            # quoted identifier
    | --[^\n]*                  # line comment
    | /\*.*?\*/                 # block comment
    | \{\{(?P<placeholder>[^{}\n]*)\}\}
    )
    """,
    re.VERBOSE | re.DOTALL,
)
# Fragments may use fragments; a chain deeper than this is a cycle.
_MAX_FRAGMENT_DEPTH = 8


class UnknownPlaceholderError(LookupError):
    """A ``{{name}}`` that is neither in ``QUERY_PLACEHOLDERS`` nor a fragment, and where it
    starts in the SQL."""

    def __init__(self, placeholder: str, offset: int) -> None:
        super().__init__(f"unknown dialect placeholder {placeholder!r}")
        self.placeholder = placeholder
        self.offset = offset


def fill_placeholders(
    sql: str, dialect: str, fragments: Mapping[str, str] | None = None, *, _depth: int = 0
) -> str:
    """``sql`` with each ``{{name}}`` outside literals and comments filled in: a dialect
    placeholder spelled for ``dialect``, a fragment of ``fragments`` put in its place with its
    later lines indented to the placeholder's column."""
    if "{{" not in sql:
        return sql
    out: list[str] = []
    pos = 0
    for match in _PLACEHOLDER_TOKENS.finditer(sql):
        placeholder = match.group("placeholder")
        if placeholder is None:
            continue
        spellings = QUERY_PLACEHOLDERS.get(placeholder)
        if spellings is not None:
            text = spellings[dialect]
        elif fragments and placeholder in fragments and _depth < _MAX_FRAGMENT_DEPTH:
            try:
                text = fill_placeholders(
                    fragments[placeholder], dialect, fragments, _depth=_depth + 1
                )
            except UnknownPlaceholderError as inner:
                # Named where the outermost fragment stands in the query.
                raise UnknownPlaceholderError(inner.placeholder, match.start()) from None
            column = match.start() - (sql.rfind("\n", 0, match.start()) + 1)
            text = text.replace("\n", "\n" + " " * column)
        elif fragments and placeholder in fragments:
            cycle = f"{match.group()}, nested over {_MAX_FRAGMENT_DEPTH} deep: a cycle"
            raise UnknownPlaceholderError(cycle, match.start())
        else:
            raise UnknownPlaceholderError(match.group(), match.start())
        out.append(sql[pos : match.start()])
        out.append(text)
        pos = match.end()
    out.append(sql[pos:])
    return "".join(out)
