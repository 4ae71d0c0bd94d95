"""SQL mutation run of ``make mutate``: small changes to the named queries in ``sql/queries``.

Each mutant changes one thing in one query body:

- ``order``: one ORDER BY key flips direction (ASC <-> DESC; no direction counts as ASC);
- ``nulls``: NULLS FIRST <-> NULLS LAST;
- ``compare``: one comparison moves its boundary (``<`` <-> ``<=``, ``>`` <-> ``>=``) or
  negates equality (``=`` <-> ``<>``, ``!=`` -> ``=``);
- ``limit`` / ``offset``: the argument of LIMIT or OFFSET becomes ``... + 1``;
- ``where``: one AND-separated conjunct at the top level of a WHERE is dropped.

The query files are parsed with the library's own parser (``_registry._parse_file``). A
mutant is applied to the loaded registry in memory: its body goes through the registry's
own ``fill_placeholders`` and ``compile_sql`` and replaces the compiled SQL of the query
object the repositories hold (only the dialect(s) that body serves), and is put back
afterwards (in ``finally``). The files on disk are never written, so an interrupted run
leaves nothing to restore, and a mutant that stops using a declared parameter (a dropped
conjunct) still runs instead of failing the registry's load-time checks.

Which tests run for a mutant: the suite runs once with a recorder of the named queries each
test executes (``query_map``); a mutant then reruns, in the same pytest session, only the
tests that executed its query, fastest first, and stops at the first failure (killed).

    python -m tests.mutation.sql_mutants [--list] [--only NAME_GLOB] [pytest args...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from pictallion_sql.query.registry import _TOKENS, DIALECTS, _parse_file
from tests.mutation.common import RESULTS, ROOT, postgres_for_tests, rate

QUERIES = ROOT / "sql" / "queries"


@dataclass(frozen=True)
class Mutant:
    """One change to one query body, and where it is."""

    key: str  # stable: "<file>:<query>:<kind><n>", n counting that kind within the query
    file: str  # relative to the repository
    line: int
    query: str
    dialects: tuple[str, ...]  # the dialects whose SQL this body is
    kind: str
    description: str
    original: str  # the query body
    mutated: str


# ---------------------------------------------------------------------------------------
# Generating mutants from a query body
# ---------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_OPERATOR = re.compile(r"[<>=!~@#&|^*/%+\-]+")
# A comparison's replacement: boundary moves for orderings, negation for equality.
_COMPARISONS = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "=": "<>", "<>": "=", "!=": "="}
# Keywords that end a WHERE, SET or ORDER BY list at the same parenthesis depth.
_CLAUSE_END = {
    "GROUP",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "RETURNING",
    "HAVING",
    "WINDOW",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "FOR",
    "ON",
    "DO",
    "FROM",
    "WHERE",
    "SELECT",
    "VALUES",
    "FETCH",
}


def mask(sql: str) -> str:
    """``sql`` with string literals, quoted identifiers and comments blanked, same length.

    Keywords and operators found in the mask are real SQL, never text inside a literal.
    """
    out = list(sql)
    for match in _TOKENS.finditer(sql):
        if match.group("param") is not None or match.group() == "::":
            continue
        start, end = match.span()
        text = match.group()
        if text.startswith(("--", "/*")):
            out[start:end] = [" "] * (end - start)
        else:  # keep the quotes so the token still reads as one operand
            out[start + 1 : end - 1] = ["_"] * (end - start - 2)
    return "".join(out)


def _depths(masked: str) -> list[int]:
    """Parenthesis depth before each character."""
    depths = []
    depth = 0
    for char in masked:
        if char == ")":
            depth -= 1
        depths.append(depth)
        if char == "(":
            depth += 1
    return depths


def _words(masked: str) -> list[tuple[str, int, int]]:
    return [(m.group().upper(), m.start(), m.end()) for m in _WORD.finditer(masked)]


def _clause_end_plain(masked: str, depths: list[int], start: int) -> int:
    depth = depths[start]
    for index in range(start, len(masked)):
        if depths[index] < depth or (masked[index] == ";" and depths[index] == depth):
            return index
    return len(masked.rstrip())


def _end_of_clause(masked: str, depths: list[int], start: int, stop_words: set[str]) -> int:
    end = _clause_end_plain(masked, depths, start)
    depth = depths[start]
    for word, begin, _ in _words(masked):
        if start < begin < end and depths[begin] == depth and word in stop_words:
            return begin
    return end


def _split_top(
    masked: str, depths: list[int], start: int, end: int, sep: str
) -> list[tuple[int, int]]:
    """Spans of the parts of ``masked[start:end]`` split at ``sep`` (',' or 'AND') at its depth.

    An AND that belongs to ``BETWEEN x AND y`` does not split.
    """
    depth = depths[start]
    cuts: list[tuple[int, int]] = []
    if sep == ",":
        cuts = [(i, i + 1) for i in range(start, end) if masked[i] == "," and depths[i] == depth]
    else:
        pending_between = 0
        for word, begin, finish in _words(masked[:end]):
            if begin < start or depths[begin] != depth:
                continue
            if word == "BETWEEN":
                pending_between += 1
            elif word == "AND":
                if pending_between:
                    pending_between -= 1
                else:
                    cuts.append((begin, finish))
    parts = []
    left = start
    for cut_start, cut_end in cuts:
        parts.append((left, cut_start))
        left = cut_end
    parts.append((left, end))
    return parts


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def body_mutations(sql: str) -> Iterator[tuple[str, str, str]]:
    """Every mutation of one query body: (kind, description, mutated SQL)."""
    masked = mask(sql)
    depths = _depths(masked)
    words = _words(masked)
    yield from _order_mutations(sql, masked, depths, words)
    yield from _nulls_mutations(sql, words)
    yield from _comparison_mutations(sql, masked, depths, words)
    yield from _limit_mutations(sql, masked, words)
    yield from _where_mutations(sql, masked, depths, words)


def _order_mutations(
    sql: str, masked: str, depths: list[int], words: list[tuple[str, int, int]]
) -> Iterator[tuple[str, str, str]]:
    for index, (word, _, _) in enumerate(words[:-1]):
        if word != "ORDER" or words[index + 1][0] != "BY":
            continue
        start = words[index + 1][2]
        end = _end_of_clause(masked, depths, start, _CLAUSE_END)
        for part_start, part_end in _split_top(masked, depths, start, end, ","):
            part_start, part_end = _strip_span(masked, part_start, part_end)
            item_words = _words(masked[part_start:part_end])
            key_end = part_end
            nulls = [w for w in item_words if w[0] == "NULLS"]
            if nulls:  # the direction sits before NULLS FIRST/LAST
                key_end = part_start + nulls[-1][1]
                key_end = _strip_span(masked, part_start, key_end)[1]
            item = sql[part_start:part_end]
            last = _words(masked[part_start:key_end])
            direction = last[-1] if last and last[-1][0] in ("ASC", "DESC") else None
            if direction is not None and direction[0] == "DESC":
                at = part_start + direction[1]
                mutated = sql[:at] + "ASC" + sql[part_start + direction[2] :]
                flipped = "DESC -> ASC"
            elif direction is not None:
                at = part_start + direction[1]
                mutated = sql[:at] + "DESC" + sql[part_start + direction[2] :]
                flipped = "ASC -> DESC"
            else:
                mutated = sql[:key_end] + " DESC" + sql[key_end:]
                flipped = "(ASC) -> DESC"
            yield "order", f"ORDER BY {' '.join(item.split())}: {flipped}", mutated


def _nulls_mutations(sql: str, words: list[tuple[str, int, int]]) -> Iterator[tuple[str, str, str]]:
    for index, (word, _, _) in enumerate(words[:-1]):
        following, begin, finish = words[index + 1]
        if word == "NULLS" and following in ("FIRST", "LAST"):
            swapped = "LAST" if following == "FIRST" else "FIRST"
            yield (
                "nulls",
                f"NULLS {following} -> NULLS {swapped}",
                sql[:begin] + swapped + sql[finish:],
            )


def _set_spans(masked: str, depths: list[int], words: list[tuple[str, int, int]]) -> list[range]:
    """Where the assignments of UPDATE ... SET are: their ``=`` is no comparison."""
    spans = []
    for word, _, finish in words:
        if word == "SET":
            spans.append(range(finish, _end_of_clause(masked, depths, finish, _CLAUSE_END)))
    return spans


def _comparison_mutations(
    sql: str, masked: str, depths: list[int], words: list[tuple[str, int, int]]
) -> Iterator[tuple[str, str, str]]:
    assignments = _set_spans(masked, depths, words)
    for match in _OPERATOR.finditer(masked):
        operator = match.group()
        replacement = _COMPARISONS.get(operator)
        if replacement is None or any(match.start() in span for span in assignments):
            continue
        context = " ".join(masked[max(0, match.start() - 30) : match.end() + 30].split())
        yield (
            "compare",
            f"{operator} -> {replacement} in '{context}'",
            sql[: match.start()] + replacement + sql[match.end() :],
        )


_SIMPLE_ARGUMENT = re.compile(r"\s+(:[A-Za-z_]\w*|\d+)")


def _limit_mutations(
    sql: str, masked: str, words: list[tuple[str, int, int]]
) -> Iterator[tuple[str, str, str]]:
    for word, _, finish in words:
        if word not in ("LIMIT", "OFFSET"):
            continue
        argument = _SIMPLE_ARGUMENT.match(masked, finish)
        if argument is None:
            continue
        value = argument.group(1)
        yield (
            word.lower(),
            f"{word} {value} -> {word} {value} + 1",
            sql[: argument.end()] + " + 1" + sql[argument.end() :],
        )


def _where_mutations(
    sql: str, masked: str, depths: list[int], words: list[tuple[str, int, int]]
) -> Iterator[tuple[str, str, str]]:
    for word, _, finish in words:
        if word != "WHERE":
            continue
        end = _end_of_clause(masked, depths, finish, _CLAUSE_END)
        parts = _split_top(masked, depths, finish, end, "AND")
        if len(parts) < 2:
            continue
        for index, (start, stop) in enumerate(parts):
            if index + 1 < len(parts):  # drop the conjunct and the AND after it
                cut = (start, parts[index + 1][0])
            else:  # the last: drop the AND before it
                cut = (
                    _strip_span(masked, *parts[index - 1])[1],
                    _strip_span(masked, start, stop)[1],
                )
            conjunct = " ".join(sql[start:stop].split())
            mutated = sql[: cut[0]] + sql[cut[1] :]
            yield "where", f"WHERE drops '{conjunct}'", mutated


# ---------------------------------------------------------------------------------------
# Mutants of the query files
# ---------------------------------------------------------------------------------------


def _dialects_of(path: Path, name: str, overridden: dict[str, set[str]]) -> tuple[str, ...]:
    if path.parent.name in DIALECTS:
        return (path.parent.name,)
    return tuple(d for d in DIALECTS if name not in overridden[d])


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def generate(folder: Path = QUERIES) -> list[Mutant]:
    """Every mutant of every named query under ``folder``."""
    overridden = {
        d: {
            block.name
            for path in sorted((folder / d).glob("*.sql"))
            for block in _parse_file(path)
            if block.kind == "query"
        }
        for d in DIALECTS
    }
    mutants = []
    # Templates and fragments are mutated in the queries that use them.
    dialect_files = [path for d in DIALECTS for path in sorted((folder / d).glob("*.sql"))]
    for path in sorted(folder.glob("*.sql")) + dialect_files:
        relative = _relative(path)
        for block in _parse_file(path):
            if block.kind != "query":
                continue  # a fragment is mutated where a query uses it
            dialects = _dialects_of(path, block.name, overridden)
            if not dialects:
                continue  # every dialect overrides this body: it never runs
            counts: dict[str, int] = {}
            for kind, description, mutated in body_mutations(block.sql):
                counts[kind] = counts.get(kind, 0) + 1
                changed_at = next(
                    (i for i, (a, b) in enumerate(zip(block.sql, mutated, strict=False)) if a != b),
                    min(len(block.sql), len(mutated)),
                )
                # A generic query's lines are the template's (block.path).
                line = block.body_line + block.sql.count("\n", 0, changed_at)
                mutants.append(
                    Mutant(
                        key=f"{relative}:{block.name}:{kind}{counts[kind]}",
                        file=_relative(block.path),
                        line=line,
                        query=block.name,
                        dialects=dialects,
                        kind=kind,
                        description=description,
                        original=block.sql,
                        mutated=mutated,
                    )
                )
    return mutants


@contextmanager
def applied(mutant: Mutant, registry: Any = None) -> Iterator[None]:
    """The loaded query of ``mutant`` runs the mutated SQL inside the block, the original after.

    The repositories hold the registry's query objects, so the compiled SQL is replaced on
    the object itself; PostgreSQL connections forget statements they prepared from it.
    """
    from msgspec.structs import force_setattr

    from pictallion_sql.query.registry import compile_sql, fill_placeholders, named_sql

    if registry is None:
        from pictallion_sql.query.named import queries as registry
    query = registry[mutant.query]
    saved = {d: getattr(query, d) for d in mutant.dialects}
    try:
        for dialect in mutant.dialects:
            # The registry fills in the fragments it loaded as well as the dialect placeholders.
            fill = getattr(registry, "fill", None)
            mutated = (
                fill(mutant.mutated, dialect)
                if fill is not None
                else fill_placeholders(mutant.mutated, dialect)
            )
            force_setattr(query, dialect, named_sql(compile_sql(mutated, dialect), query.name))
        _forget_prepared(query)
        yield
    finally:
        for dialect, compiled in saved.items():
            force_setattr(query, dialect, compiled)
        _forget_prepared(query)


def _forget_prepared(query: Any) -> None:
    import gc

    from pictallion_sql.drivers.postgres import StatementConnection

    for candidate in gc.get_objects():
        if isinstance(candidate, StatementConnection):
            candidate.statements.pop(query, None)


# ---------------------------------------------------------------------------------------
# Equivalent mutants: survivors that no test can kill, with the reason
# ---------------------------------------------------------------------------------------


def equivalents() -> dict[str, str]:
    """Mutant key -> why the mutant returns what the original returns for every input."""
    path = Path(__file__).with_name("equivalent_sql_mutants.json")
    return dict(json.loads(path.read_text())) if path.exists() else {}


# ---------------------------------------------------------------------------------------
# The run and the report
# ---------------------------------------------------------------------------------------


def run(mutants: list[Mutant], pytest_args: list[str]) -> dict[str, Any]:
    """Run the suite once with the plugin, which then tests every mutant; its results."""
    with tempfile.TemporaryDirectory(prefix="sql-mutants-") as folder:
        plan = Path(folder) / "mutants.json"
        results = Path(folder) / "results.json"
        plan.write_text(json.dumps([asdict(m) for m in mutants]))
        env = dict(os.environ)
        env["PICTALLION_SQL_MUTANTS"] = str(plan)
        env["PICTALLION_SQL_MUTANT_RESULTS"] = str(results)
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.mutation.sql_plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            *pytest_args,
        ]
        with postgres_for_tests() as url:
            env["PICTALLION_TEST_POSTGRES_URL"] = url
            completed = subprocess.run(command, cwd=ROOT, env=env, check=False)
        if not results.exists():
            sys.exit(
                f"the mutation session wrote no results (pytest exit code {completed.returncode})"
            )
        return dict(json.loads(results.read_text()))


def report(mutants: list[Mutant], results: dict[str, Any]) -> str:
    """The Markdown report: a row per SQL file, a total, then every survivor."""
    outcome: dict[str, dict[str, Any]] = results["mutants"]
    reasons = equivalents()
    rows: dict[str, dict[str, int]] = {}
    survivors: list[str] = []
    equivalent_lines: list[str] = []
    for mutant in mutants:
        row = rows.setdefault(
            mutant.file,
            {"mutants": 0, "killed": 0, "survived": 0, "equivalent": 0, "no test": 0, "errored": 0},
        )
        row["mutants"] += 1
        result = outcome.get(mutant.key, {"status": "not run"})
        status = result["status"]
        where = f"{mutant.file}:{mutant.line} `{mutant.query}` ({'/'.join(mutant.dialects)})"
        if status == "killed":
            row["killed"] += 1
        elif status == "errored":
            row["errored"] += 1
            survivors.append(f"- errored: {where}: {mutant.description} — {result.get('error')}")
        elif mutant.key in reasons:
            row["equivalent"] += 1
            equivalent_lines.append(f"- {where}: {mutant.description} — {reasons[mutant.key]}")
        elif status == "no test":
            row["no test"] += 1
            survivors.append(f"- {where}: {mutant.description} — no test runs this query")
        else:
            row["survived"] += 1
            ran = result.get("tests", 0)
            survivors.append(f"- {where}: {mutant.description} ({ran} tests ran)")
    lines = [
        "# SQL mutation report",
        "",
        f"Tests collected: {results.get('tests', 0)}; "
        f"named queries executed by some test: {_named_queries_run(results)}.",
        "Rate = (survived + no test) / mutants, equivalent mutants left out.",
        "",
        "| file | mutants | killed | survived | no test | equivalent | errored | surviving rate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total = dict.fromkeys(("mutants", "killed", "survived", "no test", "equivalent", "errored"), 0)
    for file, row in sorted(rows.items()):
        for key in total:
            total[key] += row[key]
        lines.append(_row(file, row))
    lines.append(_row("**total**", total))
    lines += ["", f"## Surviving mutants ({len(survivors)})", "", *survivors]
    lines += ["", f"## Equivalent mutants ({len(equivalent_lines)})", "", *equivalent_lines]
    return "\n".join(lines) + "\n"


def _named_queries_run(results: dict[str, Any]) -> int:
    from pictallion_sql.query.named import queries

    return sum(1 for name in results.get("tests_by_query", {}) if name in queries)


def _row(name: str, row: dict[str, int]) -> str:
    lost = row["survived"] + row["no test"]
    share = rate(lost, row["mutants"] - row["equivalent"])
    return (
        f"| {name} | {row['mutants']} | {row['killed']} | {row['survived']} | {row['no test']} "
        f"| {row['equivalent']} | {row['errored']} | {share} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    parser.add_argument(
        "--only", action="append", help="glob over query names or mutant keys (repeatable)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "mutation-sql.md")
    options, pytest_args = parser.parse_known_args()
    patterns = options.only or ["*"]
    mutants = [
        m for m in generate() if any(fnmatch(m.query, p) or fnmatch(m.key, p) for p in patterns)
    ]
    if options.list:
        for mutant in mutants:
            print(f"{mutant.key} (line {mutant.line}): {mutant.description}")
        print(f"{len(mutants)} mutants")
        return
    results = run(mutants, pytest_args)
    text = report(mutants, results)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(text)
    (options.output.with_suffix(".json")).write_text(json.dumps(results, indent=1, sort_keys=True))
    print(text)


if __name__ == "__main__":
    main()
