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
``json_object`` on SQLite; the table is ``QUERY_PLACEHOLDERS`` in ``_sql_dialects.py``).
Double braces appear nowhere in SQL outside literals, and placeholders inside string
literals, quoted identifiers and comments are left alone; an unknown placeholder fails
loading with the file and line. The registry knows no driver: it only turns ``:name``
into ``$n`` (asyncpg) and ``?`` (sqlite3) and records which argument goes where.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, Literal

import msgspec
from typing_extensions import TypeVar

from pictallion_sql.errors import QueryFileError
from pictallion_sql.query.dialects import QUERY_PLACEHOLDERS, dialect_sql

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
# The same literals and comments as above, skipped, so that only a ``{{name}}`` in SQL is filled in.
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
_HEADER = re.compile(r"^--\s*(name|returns|params):\s*(.*?)\s*$")


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

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def returns_where(self) -> str:
        return f"{self.path}:{self.returns_line}"


def _parse_file(path: Path) -> Iterator[_Block]:
    current: dict[str, Any] | None = None
    body: list[str] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = raw.strip()
        header = _HEADER.match(stripped) if stripped.startswith("--") else None
        if header and header.group(1) == "name":
            if current is not None:
                yield _Block(sql="\n".join(body), **current)
            current = {
                "name": header.group(2),
                "returns": "",
                "params": None,
                "path": path,
                "line": lineno,
                "returns_line": lineno,
            }
            body = []
        elif header and current is not None and not body:
            current[header.group(1)] = header.group(2)
            if header.group(1) == "returns":
                current["returns_line"] = lineno
        elif current is None:
            if stripped and not stripped.startswith("--"):
                raise QueryFileError(f"{path}:{lineno}: SQL before the first '-- name:' header")
        elif body or not stripped.startswith("--"):
            if not body:
                current["body_line"] = lineno
            body.append(raw)
    if current is not None:
        yield _Block(sql="\n".join(body), **current)


class Registry(Mapping[str, Query[Any]]):
    """Every named query, loaded from a folder of ``.sql`` files.

    ``registry[name]`` is the untyped query (``run`` returns ``Any``). The accessors
    ``rows``, ``one``, ``single``, ``scalar``, ``scalar_or_none`` and ``command`` give it
    typed, after checking that the file's ``-- returns:`` header declares that shape and
    type, so that a wrong declaration fails when the repository is imported.
    """

    def __init__(self, queries: Mapping[str, Query[Any]]) -> None:
        self._queries = dict(queries)

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
            queries[name] = _build(name, chosen["postgres"], chosen["sqlite"], types)  # type: ignore[arg-type]
        return cls(queries)

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


def _check_params(block: _Block) -> frozenset[str]:
    declared = [p.strip() for p in (block.params or "").split(",") if p.strip()]
    if len(set(declared)) != len(declared):
        raise QueryFileError(f"{block.where}: query {block.name!r} declares a parameter twice")
    used = {name for name, _, _ in find_params(block.sql)}
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


class UnknownPlaceholderError(LookupError):
    """A ``{{name}}`` that ``QUERY_PLACEHOLDERS`` does not know, and where it starts in the SQL."""

    def __init__(self, placeholder: str, offset: int) -> None:
        super().__init__(f"unknown dialect placeholder {placeholder!r}")
        self.placeholder = placeholder
        self.offset = offset


def fill_placeholders(sql: str, dialect: str) -> str:
    """``sql`` with each ``{{name}}`` outside literals and comments spelled for ``dialect``."""
    if "{{" not in sql:
        return sql
    out: list[str] = []
    pos = 0
    for match in _PLACEHOLDER_TOKENS.finditer(sql):
        placeholder = match.group("placeholder")
        if placeholder is None:
            continue
        spellings = QUERY_PLACEHOLDERS.get(placeholder)
        if spellings is None:
            raise UnknownPlaceholderError(match.group(), match.start())
        out.append(sql[pos : match.start()])
        out.append(spellings[dialect])
        pos = match.end()
    out.append(sql[pos:])
    return "".join(out)


def _fill_placeholders(block: _Block, dialect: str) -> str:
    try:
        return fill_placeholders(block.sql, dialect)
    except UnknownPlaceholderError as error:
        line = block.body_line + block.sql.count("\n", 0, error.offset)
        raise QueryFileError(
            f"{block.path}:{line}: query {block.name!r} uses unknown dialect placeholder "
            f"{error.placeholder!r} (known: {', '.join(sorted(QUERY_PLACEHOLDERS))})"
        ) from None


def _build(name: str, pg: _Block, lite: _Block, types: Mapping[str, type]) -> Query[Any]:
    returns, record = _parse_returns(pg, types)
    params = _check_params(pg)
    if lite is not pg:
        if _parse_returns(lite, types) != (returns, record):
            raise QueryFileError(
                f"{lite.where}: query {name!r} returns differently from {pg.where}"
            )
        if _check_params(lite) != params:
            raise QueryFileError(
                f"{lite.where}: query {name!r} takes different parameters from {pg.where}"
            )
    source = pg.where if pg is lite else f"{pg.where} | {lite.where}"
    return Query(
        name=name,
        returns=returns,
        record=record,
        params=params,
        postgres=compile_sql(_fill_placeholders(pg, "postgres"), "postgres"),
        sqlite=compile_sql(_fill_placeholders(lite, "sqlite"), "sqlite"),
        source=source,
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
    return Query(
        name=name,
        returns=returns,
        record=record,
        params=params,
        postgres=compile_sql(postgres_sql, "postgres"),
        sqlite=compile_sql(lite, "sqlite"),
        source="<built at run time>",
    )
