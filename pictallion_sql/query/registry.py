"""The named-query registry: ``.sql`` files parsed and compiled once, when they load.

A query file holds blocks like::

    -- name: file_versions.get_by_tier
    -- returns: rows FileVersion
    -- params: tier, skip, limit
    -- Versions of one tier, newest first.
    SELECT ... WHERE tier = :tier ORDER BY created_at DESC, id LIMIT :limit OFFSET :skip

``returns`` is ``one <Record>``, ``rows <Record>``, ``scalar [<type>]`` or ``none``.
A repository takes its query with the accessor of that shape, which binds the result
type for the type checker and checks the header at import::

    _BY_TIER = queries.rows("file_versions.get_by_tier", FileVersion)  # Query[list[FileVersion]]
    versions = await db.run(_BY_TIER, tier="gold", skip=0, limit=10)  # list[FileVersion]

Files in ``queries/postgres/`` and ``queries/sqlite/`` override the shared body of the
same name for that dialect. Where the two bodies would differ only in a function name,
the shared body writes a dialect placeholder instead, ``{{json_object}}(...)``, which
loading replaces with each dialect's spelling (``json_build_object`` on PostgreSQL,
``json_object`` on SQLite; the table is ``QUERY_PLACEHOLDERS`` in ``query/dialects.py``).
Double braces appear nowhere in SQL outside literals, and placeholders inside string
literals, quoted identifiers and comments are left alone; an unknown placeholder fails
loading with the file and line. The registry knows no driver: it only turns ``:name``
into ``$n`` (asyncpg) and ``?`` (sqlite3) and records which argument goes where.

A text that several queries repeat is written once, as a named fragment in a file of
``queries/fragments/``, and a query writes ``{{name}}`` where it goes::

    -- fragment: faces_columns            (in fragments/columns.sql)
    id, photo_id, person_id, bounding_box,
    confidence, embedding, ignored, created_at

    -- name: faces.get_all                (in faces.sql)
    -- returns: rows Face
    SELECT {{faces_columns}}
    FROM faces ORDER BY created_at, id;

Loading puts the fragment in place, its later lines indented to the column where the
placeholder stands, so the compiled text (and ``pictallion-db sql NAME``) reads as if it
were written out. A fragment may hold dialect placeholders and other fragments; it is the
same for both dialects. Fragments are not statements, so they stay out of the query files
that the SQL linter reads.

The calls every repository has (get, get_multi, stream_all, count, exists, remove) have the
same SQL for every table; a table's file asks for them with one line,
``-- generic: faces Face`` (the table, its record, and optionally the column its pages are
ordered by, ``created_at`` unless named), and they are read from ``templates/generic.sql``
with ``{{table_name}}``, ``{{record}}`` and ``{{order_by}}`` filled in and ``{{columns}}``
standing for the table's fragment ``<table>_columns``.

Every compiled statement ends with a constant comment naming its query, in the
sqlcommenter style (``/* pictallion:file_versions.get_by_tier */``), added once here, so
that the server's own views (``pg_stat_statements``, ``pg_stat_activity``, the server log)
attribute each statement to its query at no cost per call. The comment goes at the end,
as sqlcommenter places it, so that a statement still starts with its verb.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, Literal

import msgspec
from typing_extensions import TypeVar

from pictallion_sql.errors import QueryFileError
from pictallion_sql.query.dialects import QUERY_PLACEHOLDERS, dialect_sql
from pictallion_sql.query.placeholders import UnknownPlaceholderError, fill_placeholders

__all__ = [
    "DIALECTS",
    "CompiledSQL",
    "Query",
    "Registry",
    "Returns",
    "UnknownPlaceholderError",
    "compile_sql",
    "fill_placeholders",
    "make_query",
    "name_comment",
    "named_sql",
    "sql_operation",
    "without_name_comment",
    "written_tables_of",
]

Returns = Literal["one", "rows", "scalar", "none"]
DIALECTS = ("postgres", "sqlite")

# What ``run`` returns for a query; a static parameter only, nothing is stored at run time.
# A bare ``Query`` means ``Query[Any]`` (the default): code that only passes queries along
# (logging, binding, caches) does not name a result type.
ResultT = TypeVar("ResultT", covariant=True, default=Any)
T = TypeVar("T")

# Scalars a query may declare without a record type.
SCALAR_TYPES: dict[str, type] = {"int": int, "str": str, "bool": bool, "float": float}

# One alternative per token kind; only the last (a parameter) is rewritten. The leading
# lookahead fails at once at every position where no token can start (most of the SQL),
# which makes loading the query files at import about 2.5 times faster.
_TOKENS = re.compile(
    r"""
    (?=['"\-/:])
    (?:
      '(?:[^']|'')*'            # string literal
    | "(?:[^"]|"")*"            # quoted identifier
    | --[^\n]*                  # line comment
    | /\*.*?\*/                 # block comment
    | ::                        # PostgreSQL cast, not a parameter
    | (?<![:\w]):(?P<param>[A-Za-z_]\w*)
    )
    """,
    re.VERBOSE | re.DOTALL,
)
_HEADER = re.compile(r"^--\s*(name|returns|params|fragment|generic):\s*(.*?)\s*$")
_FRAGMENT_NAME = re.compile(r"[A-Za-z_]\w*")
GENERIC_TEMPLATE = Path("templates") / "generic.sql"
FRAGMENTS = "fragments"


class CompiledSQL(msgspec.Struct, frozen=True, gc=False):
    """SQL in a driver's placeholder style and the parameter name behind each placeholder."""

    text: str
    arg_names: tuple[str, ...]


class Query(msgspec.Struct, Generic[ResultT], frozen=True, eq=False):
    """One named query: what it returns and its SQL compiled for each dialect.

    ``ResultT`` is what running it gives: ``list[Record]`` for ``rows``, ``Record | None``
    for ``one``, the value for ``scalar``, the affected row count for ``none``. It exists
    for the type checker only: ``Query[X]`` and ``Query`` are the same object at run time.
    """

    name: str
    returns: Returns
    record: type | None
    params: frozenset[str]
    postgres: CompiledSQL
    sqlite: CompiledSQL
    source: str
    operation: str = ""
    """The statement's SQL verb (``SELECT``, ``INSERT``, ``UPDATE``, ``DELETE``, ...)."""
    writes: frozenset[str] = frozenset()
    """The tables the statement writes, read from its SQL whenever a query is made (a value
    given is replaced). Empty for a read: the drivers test it on every statement, so that
    only a write does the bookkeeping of the caches that must forget its tables."""

    def __post_init__(self) -> None:
        # Derived here rather than where queries are compiled, so that every Query, one
        # built by hand too, names its tables.
        text = self.postgres.text
        if (self.operation or sql_operation(text)) == "SELECT" and ";" not in text:
            # One SELECT writes nothing (PostgreSQL takes a data-modifying WITH only at the
            # top): no scan of the text, which would cost every read query at import.
            msgspec.structs.force_setattr(self, "writes", frozenset())
        else:
            msgspec.structs.force_setattr(self, "writes", written_tables_of(text))

    def sql_for(self, dialect: str) -> CompiledSQL:
        """The compiled SQL of ``dialect``."""
        compiled = getattr(self, dialect, None)
        if not isinstance(compiled, CompiledSQL):
            raise KeyError(f"unknown dialect {dialect!r}")
        return compiled


@lru_cache(maxsize=1024)
def find_params(sql: str) -> tuple[tuple[str, int, int], ...]:
    """Every ``:name`` parameter in ``sql`` as (name, start, end), skipping literals and casts."""
    # Cached: loading a shared query checks and compiles the same text several times.
    return tuple(
        (m.group("param"), m.start(), m.end())
        for m in _TOKENS.finditer(sql)
        if m.group("param") is not None
    )


NAME_COMMENT_PREFIX = "/* pictallion:"


def name_comment(name: str) -> str:
    """The comment that names query ``name`` in the SQL sent to the server."""
    # A name cannot close the comment early: names come from query files and builders,
    # but the comment must stay one comment whatever they hold.
    safe = name.replace("*/", "* /").replace("/*", "/ *").replace("\n", " ")
    return f"{NAME_COMMENT_PREFIX}{safe} */"


def without_name_comment(text: str) -> str:
    """``text`` without the trailing comment naming its query, for code that reads SQL."""
    end = text.rfind("\n" + NAME_COMMENT_PREFIX)
    return text[:end] if end >= 0 and text.endswith(" */") else text


def named_sql(compiled: CompiledSQL, name: str) -> CompiledSQL:
    """``compiled`` with the comment naming ``name`` appended (its final semicolon dropped).

    The comment starts on a line of its own, so that a trailing ``--`` comment in the
    query's text cannot swallow it.
    """
    text = compiled.text.rstrip()
    if text.endswith(";"):
        text = text[:-1].rstrip()
    return CompiledSQL(f"{text}\n{name_comment(name)}", compiled.arg_names)


_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/|\()*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z]+")
_WRITE_VERB = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def sql_operation(sql: str) -> str:
    """The SQL verb of ``sql``: its first keyword, or the write a ``WITH`` leads to."""
    word = _WORD.match(sql, _LEADING_NOISE.match(sql).end())  # type: ignore[union-attr]
    if word is None:
        return ""
    verb = word.group().upper()
    if verb == "WITH":
        write = _WRITE_VERB.search(sql)
        return write.group(1).upper() if write else "SELECT"
    return verb


# The lookahead fails at once wherever no verb starts (most of the text), as in _TOKENS.
_WRITE_TARGET = re.compile(
    r'(?=[CDIUcdiu])\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|COPY)\s+"?(\w+)"?',
    re.IGNORECASE,
)
_NOT_TABLES = frozenset({"set", "skip", "of", "nowait"})  # ON CONFLICT DO UPDATE SET, FOR UPDATE


def written_tables_of(sql: str) -> frozenset[str]:
    """The tables ``sql`` writes (INSERT, UPDATE, DELETE, COPY), from its text."""
    found = {m.group(1).lower() for m in _WRITE_TARGET.finditer(sql)}
    return frozenset(found - _NOT_TABLES)


def compile_sql(sql: str, dialect: str) -> CompiledSQL:
    """Rewrite ``:name`` parameters into the placeholder style of ``dialect``."""
    out: list[str] = []
    args: list[str] = []
    numbers: dict[str, int] = {}
    numbered = dialect_sql(dialect).numbered_parameters
    pos = 0
    for name, start, end in find_params(sql):
        out.append(sql[pos:start])
        if numbered:
            if name not in numbers:
                numbers[name] = len(numbers) + 1
                args.append(name)
            out.append(f"${numbers[name]}")
        else:
            args.append(name)
            out.append("?")
        pos = end
    out.append(sql[pos:])
    return CompiledSQL("".join(out).strip(), tuple(args))


class _Block(msgspec.Struct):
    name: str
    returns: str
    params: str | None
    sql: str
    path: Path
    line: int
    returns_line: int
    body_line: int = 0
    kind: Literal["query", "fragment"] = "query"
    generic_line: str = ""
    """Where the ``-- generic:`` line that asked for a template's query stands."""

    @property
    def where(self) -> str:
        if self.generic_line:
            return f"{self.generic_line} ({self.path}:{self.line})"
        return f"{self.path}:{self.line}"

    @property
    def returns_where(self) -> str:
        return f"{self.path}:{self.returns_line}"


def _parse_file(path: Path) -> Iterator[_Block]:
    """The queries and fragments of one file, a ``-- generic:`` line giving the template's."""
    yield from _parse_text(path.read_text(encoding="utf-8"), path)


def _parse_text(text: str, path: Path) -> Iterator[_Block]:
    current: dict[str, Any] | None = None
    body: list[str] = []
    generic = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        header = _HEADER.match(stripped) if stripped.startswith("--") else None
        if header and header.group(1) in ("name", "fragment", "generic"):
            if current is not None:
                yield _Block(sql="\n".join(body), **current)
            current, body = None, []
            generic = header.group(1) == "generic"
            if generic:
                yield from _generic_blocks(path, lineno, header.group(2))
                continue
            current = {
                "name": header.group(2),
                "kind": "query" if header.group(1) == "name" else "fragment",
                "returns": "",
                "params": None,
                "path": path,
                "line": lineno,
                "returns_line": lineno,
            }
        elif header and current is not None and not body:
            if current["kind"] == "fragment":
                raise QueryFileError(
                    f"{path}:{lineno}: fragment {current['name']!r} takes no "
                    f"'-- {header.group(1)}:' header"
                )
            current[header.group(1)] = header.group(2)
            if header.group(1) == "returns":
                current["returns_line"] = lineno
        elif current is None:
            if stripped and not stripped.startswith("--"):
                where = (
                    "after a '-- generic:' line"
                    if generic
                    else "before the first '-- name:' header"
                )
                raise QueryFileError(f"{path}:{lineno}: SQL {where}")
        elif body or not stripped.startswith("--"):
            if not body:
                current["body_line"] = lineno
            body.append(raw)
    if current is not None:
        yield _Block(sql="\n".join(body), **current)


def _generic_blocks(path: Path, lineno: int, spec: str) -> Iterator[_Block]:
    """The generic queries of the table ``spec`` names, read from the template."""
    words = spec.split()
    if len(words) not in (2, 3):
        raise QueryFileError(
            f"{path}:{lineno}: bad '-- generic: {spec}' "
            "(expected '<table> <Record>' or '<table> <Record> <order column>')"
        )
    table, record = words[0], words[1]
    order_by = words[2] if len(words) == 3 else "created_at"
    # A dialect's file sits one folder below the shared ones, next to the same template.
    template = next(
        (
            folder / GENERIC_TEMPLATE
            for folder in (path.parent, path.parent.parent)
            if (folder / GENERIC_TEMPLATE).is_file()
        ),
        None,
    )
    if template is None:
        raise QueryFileError(f"{path}:{lineno}: '-- generic:' needs {GENERIC_TEMPLATE}")
    text = template.read_text(encoding="utf-8")
    for placeholder, value in (
        ("table_name", table),
        ("record", record),
        ("order_by", order_by),
        ("columns", "{{" + table + "_columns}}"),
    ):
        text = text.replace("{{" + placeholder + "}}", value)
    for block in _parse_text(text, template):
        if block.kind != "query":
            raise QueryFileError(f"{block.where}: a template holds queries only")
        block.generic_line = f"{path}:{lineno}"
        yield block


class Registry(Mapping[str, Query[Any]]):
    """Every named query, loaded from a folder of ``.sql`` files.

    ``registry[name]`` is the untyped query (``run`` returns ``Any``). The accessors
    ``rows``, ``one``, ``single``, ``scalar``, ``scalar_or_none`` and ``command`` give it
    typed, after checking that the file's ``-- returns:`` header declares that shape and
    type, so that a wrong declaration fails when the repository is imported.
    """

    def __init__(
        self, queries: Mapping[str, Query[Any]], fragments: Mapping[str, str] | None = None
    ) -> None:
        self._queries = dict(queries)
        self.fragments: Mapping[str, str] = fragments or {}
        """Each fragment's text, by name (the ``-- fragment: NAME`` blocks)."""

    def rows(self, name: str, record: type[T]) -> Query[list[T]]:
        """The ``rows <record>`` query ``name``: every row, as ``record``s."""
        return self._checked(name, "rows", record)

    def one(self, name: str, record: type[T]) -> Query[T | None]:
        """The ``one <record>`` query ``name``: its first row as a ``record``, or None."""
        return self._checked(name, "one", record)

    def single(self, name: str, record: type[T]) -> Query[T]:
        """The ``one <record>`` query ``name`` whose SQL always yields a row.

        For an ``INSERT ... RETURNING``, an upsert or an aggregate: the row cannot be missing.
        """
        return self._checked(name, "one", record)

    def scalar(self, name: str, kind: type[T]) -> Query[T]:
        """The ``scalar <kind>`` query ``name`` whose value is never NULL (a count, an EXISTS)."""
        return self._checked(name, "scalar", kind)

    def scalar_or_none(self, name: str, kind: type[T]) -> Query[T | None]:
        """The ``scalar <kind>`` query ``name``: its value, or None (no row, or NULL)."""
        return self._checked(name, "scalar", kind)

    def command(self, name: str) -> Query[int]:
        """The ``none`` query ``name``: running it gives the number of rows it affected."""
        return self._checked(name, "none", None)

    def _checked(self, name: str, returns: Returns, record: type | None) -> Query[Any]:
        query = self[name]
        if query.returns != returns or (record is not None and query.record is not record):
            expected = returns if record is None else f"{returns} {record.__name__}"
            declared: str = query.returns
            if query.record is not None:
                declared += f" {query.record.__name__}"
            raise QueryFileError(
                f"{query.source}: query {name!r} returns {declared!r}, "
                f"but its repository expects {expected!r}"
            )
        return query

    @classmethod
    def load(cls, folder: Path, types: Mapping[str, type]) -> Registry:
        """Parse and compile every query under ``folder``; ``types`` resolves record names."""
        shared = _collect(sorted(folder.glob("*.sql")))
        variants = {d: _collect(sorted((folder / d).glob("*.sql"))) for d in DIALECTS}
        fragments = _fragments(_collect(sorted((folder / FRAGMENTS).glob("*.sql"))))
        for block in [*shared.values(), *(b for v in variants.values() for b in v.values())]:
            if block.kind != "query":
                raise QueryFileError(
                    f"{block.where}: fragment {block.name!r} belongs in {FRAGMENTS}/"
                )
        queries: dict[str, Query[Any]] = {}
        names = set(shared) | set(variants["postgres"]) | set(variants["sqlite"])
        for name in sorted(names):
            chosen = {d: variants[d].get(name) or shared.get(name) for d in DIALECTS}
            missing = [d for d in DIALECTS if chosen[d] is None]
            if missing:
                present = next(b for b in chosen.values() if b is not None)
                raise QueryFileError(
                    f"{present.where}: query {name!r} has no body for {', '.join(missing)}"
                )
            queries[name] = _build(name, chosen["postgres"], chosen["sqlite"], types, fragments)  # type: ignore[arg-type]
        return cls(queries, fragments)

    def fill(self, sql: str, dialect: str) -> str:
        """``sql`` with its fragments and dialect placeholders filled in for ``dialect``.

        What loading does to a body, for tools that compile a changed body again.
        """
        return fill_placeholders(sql, dialect, self.fragments)

    def __getitem__(self, name: str) -> Query[Any]:
        try:
            return self._queries[name]
        except KeyError:
            raise KeyError(f"no named query {name!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)


def _collect(paths: list[Path]) -> dict[str, _Block]:
    blocks: dict[str, _Block] = {}
    for path in paths:
        for block in _parse_file(path):
            if block.name in blocks:
                raise QueryFileError(
                    f"{block.where}: duplicate query name {block.name!r} "
                    f"(first defined at {blocks[block.name].where})"
                )
            blocks[block.name] = block
    return blocks


def _fragments(blocks: Mapping[str, _Block]) -> dict[str, str]:
    """The text of each fragment, by name."""
    texts: dict[str, str] = {}
    for block in blocks.values():
        if block.kind != "fragment":
            raise QueryFileError(f"{block.where}: {FRAGMENTS}/ holds fragments only")
        if not _FRAGMENT_NAME.fullmatch(block.name) or block.name in QUERY_PLACEHOLDERS:
            raise QueryFileError(
                f"{block.where}: bad fragment name {block.name!r} (a word that is not a "
                f"dialect placeholder: {', '.join(sorted(QUERY_PLACEHOLDERS))})"
            )
        # Comments after a fragment introduce what follows it, as after a query's body.
        lines = block.sql.splitlines()
        while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("--")):
            lines.pop()
        text = textwrap.dedent("\n".join(lines)).strip()
        if not text:
            raise QueryFileError(f"{block.where}: fragment {block.name!r} is empty")
        texts[block.name] = text
    return texts


def _parse_returns(block: _Block, types: Mapping[str, type]) -> tuple[Returns, type | None]:
    words = block.returns.split()
    if not words:
        raise QueryFileError(f"{block.where}: query {block.name!r} lacks a '-- returns:' header")
    kind, rest = words[0], words[1:]
    if kind == "none" and not rest:
        return "none", None
    if kind == "scalar" and len(rest) <= 1:
        if not rest:
            return "scalar", None
        scalar = SCALAR_TYPES.get(rest[0]) or types.get(rest[0])
        if scalar is None:
            raise QueryFileError(f"{block.returns_where}: unknown scalar type {rest[0]!r}")
        return "scalar", scalar
    if kind in ("one", "rows") and len(rest) == 1:
        record = types.get(rest[0])
        if record is None:
            raise QueryFileError(f"{block.returns_where}: unknown record type {rest[0]!r}")
        return kind, record  # type: ignore[return-value]
    raise QueryFileError(
        f"{block.returns_where}: bad '-- returns: {block.returns}' "
        "(expected 'one <Record>', 'rows <Record>', 'scalar [<type>]' or 'none')"
    )


def _check_params(block: _Block, sql: str) -> frozenset[str]:
    """The declared parameters of ``block``, checked against those its filled-in ``sql`` uses."""
    declared = [p.strip() for p in (block.params or "").split(",") if p.strip()]
    if len(set(declared)) != len(declared):
        raise QueryFileError(f"{block.where}: query {block.name!r} declares a parameter twice")
    used = {name for name, _, _ in find_params(sql)}
    unknown = sorted(used - set(declared))
    if unknown:
        raise QueryFileError(
            f"{block.where}: query {block.name!r} uses undeclared parameter(s) "
            + ", ".join(f":{p}" for p in unknown)
        )
    unused = sorted(set(declared) - used)
    if unused:
        raise QueryFileError(
            f"{block.where}: query {block.name!r} declares unused parameter(s) " + ", ".join(unused)
        )
    if not block.sql.strip():
        raise QueryFileError(f"{block.where}: query {block.name!r} has no SQL")
    return frozenset(declared)


def _fill_placeholders(block: _Block, dialect: str, fragments: Mapping[str, str]) -> str:
    try:
        return fill_placeholders(block.sql, dialect, fragments)
    except UnknownPlaceholderError as error:
        line = block.body_line + block.sql.count("\n", 0, error.offset)
        known = ", ".join(sorted(QUERY_PLACEHOLDERS))
        if fragments:
            known += "; fragments: " + ", ".join(sorted(fragments))
        raise QueryFileError(
            f"{block.path}:{line}: query {block.name!r} uses unknown dialect placeholder "
            f"{error.placeholder!r} (known: {known})"
        ) from None


def _build(
    name: str,
    pg: _Block,
    lite: _Block,
    types: Mapping[str, type],
    fragments: Mapping[str, str],
) -> Query[Any]:
    pg_sql = _fill_placeholders(pg, "postgres", fragments)
    lite_sql = _fill_placeholders(lite, "sqlite", fragments)
    returns, record = _parse_returns(pg, types)
    params = _check_params(pg, pg_sql)
    if lite is not pg and _parse_returns(lite, types) != (returns, record):
        raise QueryFileError(f"{lite.where}: query {name!r} returns differently from {pg.where}")
    if _check_params(lite, lite_sql) != params:
        raise QueryFileError(
            f"{lite.where}: query {name!r} takes different parameters from {pg.where}"
        )
    source = pg.where if pg is lite else f"{pg.where} | {lite.where}"
    return _compiled(name, returns, record, params, pg_sql, lite_sql, source)


def _compiled(
    name: str,
    returns: Returns,
    record: type | None,
    params: frozenset[str],
    postgres_sql: str,
    sqlite_sql: str,
    source: str,
) -> Query[Any]:
    """The query of two checked bodies, each compiled for its dialect and named."""
    return Query(
        name=name,
        returns=returns,
        record=record,
        params=params,
        postgres=named_sql(compile_sql(postgres_sql, "postgres"), name),
        sqlite=named_sql(compile_sql(sqlite_sql, "sqlite"), name),
        source=source,
        operation=sql_operation(postgres_sql),
    )


def make_query(
    name: str,
    returns: Returns,
    record: type | None,
    postgres_sql: str,
    sqlite_sql: str | None = None,
) -> Query[Any]:
    """Compile a query built at run time (pypika), checked like the loaded ones."""
    params = frozenset(p for p, _, _ in find_params(postgres_sql))
    lite = postgres_sql if sqlite_sql is None else sqlite_sql
    if frozenset(p for p, _, _ in find_params(lite)) != params:
        raise ValueError(f"query {name!r}: the dialect variants take different parameters")
    return _compiled(name, returns, record, params, postgres_sql, lite, "<built at run time>")
