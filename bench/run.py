"""pictallion-sql against the raw drivers (the floor) and the SQLAlchemy async ORM.

    python bench/run.py --versions 2000 --repeats 5 [--dialects sqlite,postgres]
                        [--contenders library,raw,orm] [--postgres-url URL]
                        [--ingest-compare] [--streaming-rows N] [--results-dir DIR]
                        [--no-bare-ingest | --ingest-only]

For each repeat, dialect and contender (the contender order rotates every repeat), a
fresh database is cloned from one migrated with the library's migrations, and the
contender runs the whole photo-service workload in a fresh process (``contender.py``).
The report gives, per dialect and phase, the median seconds of each contender, the
ratios library/raw and orm/library, and the spread of each contender's runs
((max - min) / median). Every contender's answers must equal every other's (per-phase
digests); the run fails naming phase and contender otherwise.

When both the library and the raw floor run, each repeat also runs their ingest alone on
a "bare" clone: the same schema without the library's extra indexes (every index that backs
no primary key or unique constraint dropped), so the report can split the ingest's cost
into index upkeep and the library's own work (``--no-bare-ingest`` skips it;
``--ingest-only`` runs only the ingest, on both schemas, and reports that section).

PostgreSQL: ``--postgres-url`` or ``PICTALLION_BENCH_POSTGRES_URL`` (a server where the
user may create databases), else a throwaway cluster as the tests start. The report is
printed and written to ``bench/results/<UTC time>-N<versions>.md`` and ``latest.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import BENCH, ROOT, postgres_admin, write_results
from contender import PHASES

from pictallion_sql.admin.migrations import apply_migrations
from tests import pgcluster

CONTENDERS = ("library", "raw", "orm")
IMPORT_RUNS = 5


class DigestMismatch(RuntimeError):
    """Two contenders answered a phase differently."""


# ---- databases ----------------------------------------------------------------------------


# Indexes that back no constraint: what the library adds for its queries. Dropping them
# leaves primary keys, unique constraints and foreign keys as they are.
_PG_EXTRA_INDEXES = """
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY 1
"""


def drop_extra_indexes(dialect: str, url: str) -> list[str]:
    """Drop every index of ``url`` that backs no constraint; their names."""
    if dialect == "sqlite":
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as lite:
            # Indexes made by CREATE INDEX have SQL; those of PRIMARY KEY / UNIQUE have none.
            names = [
                row[0]
                for row in lite.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    "ORDER BY name"
                )
            ]
            for name in names:
                lite.execute(f'DROP INDEX "{name}"')
            lite.commit()
        return names
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        names = [str(row[0]) for row in conn.execute(_PG_EXTRA_INDEXES)]
        for name in names:
            conn.execute(f"DROP INDEX {name}")
    return names


class Databases:
    """Migrated templates once (and their bare copies, without the extra indexes, on first
    use); a fresh clone per contender run."""

    def __init__(self, work: Path, pg_admin: str | None) -> None:
        self.work = work
        self.pg_admin = pg_admin
        self.sqlite_template = work / "template.db"
        apply_migrations(f"sqlite:///{self.sqlite_template}")
        self.pg_template: str | None = None
        if pg_admin is not None:
            url = pgcluster.create_database(pg_admin)
            apply_migrations(url)
            self.pg_template = url.rsplit("/", 1)[1]
        self.sqlite_bare: Path | None = None
        self.pg_bare: str | None = None
        self.dropped: dict[str, list[str]] = {}
        self.count = 0

    def _bare_template(self, dialect: str) -> Path | str:
        """The template without its extra indexes, made on first use."""
        if dialect == "sqlite":
            if self.sqlite_bare is None:
                bare = self.work / "template-bare.db"
                shutil.copyfile(self.sqlite_template, bare)
                self.dropped["sqlite"] = drop_extra_indexes("sqlite", f"sqlite:///{bare}")
                self.sqlite_bare = bare
            return self.sqlite_bare
        assert self.pg_admin is not None
        if self.pg_bare is None:
            url = pgcluster.create_database(self.pg_admin, template=self.pg_template)
            self.dropped["postgres"] = drop_extra_indexes("postgres", url)
            self.pg_bare = url.rsplit("/", 1)[1]
        return self.pg_bare

    @contextlib.contextmanager
    def fresh(self, dialect: str, bare: bool = False) -> Iterator[str]:
        """A new migrated, empty database of ``dialect``, removed afterwards.

        ``bare``: without the indexes that back no constraint (see ``drop_extra_indexes``).
        """
        self.count += 1
        if dialect == "sqlite":
            path = self.work / f"run{self.count}.db"
            template = self._bare_template("sqlite") if bare else self.sqlite_template
            shutil.copyfile(template, path)
            try:
                yield f"sqlite:///{path}"
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        assert self.pg_admin is not None
        template = str(self._bare_template("postgres")) if bare else self.pg_template
        url = pgcluster.create_database(self.pg_admin, template=template)
        try:
            yield url
        finally:
            pgcluster.drop_database(self.pg_admin, url)

    def close(self) -> None:
        """Drop the PostgreSQL templates."""
        if self.pg_admin is None:
            return
        for name in (self.pg_template, self.pg_bare):
            if name is not None:
                pgcluster.drop_database(self.pg_admin, pgcluster.database_url(self.pg_admin, name))


# ---- running ------------------------------------------------------------------------------


def run_script(args: list[str]) -> dict[str, Any]:
    """Run a bench script in a fresh interpreter; its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# What the ingest section compares: the library's schema, and the same without the extra
# indexes ("bare"); library and raw on each.
SCHEMAS = ("indexed", "bare")
INGEST_CONTENDERS = ("library", "raw")
IngestRuns = dict[str, dict[str, dict[str, list[dict[str, Any]]]]]  # dialect/schema/contender


def run_contender(
    dbs: Databases,
    dialect: str,
    contender: str,
    versions: int,
    seed: int,
    *,
    bare: bool = False,
    ingest_only: bool = False,
) -> dict[str, Any]:
    """One contender's run on a fresh database, in a fresh process."""
    with dbs.fresh(dialect, bare=bare) as url:
        args = [
            str(BENCH / "contender.py"),
            "--contender",
            contender,
            "--dialect",
            dialect,
            "--url",
            url,
            "--versions",
            str(versions),
            "--seed",
            str(seed),
        ]
        return run_script([*args, "--ingest-only"] if ingest_only else args)


def run_contenders(
    dbs: Databases,
    dialects: list[str],
    contenders: list[str],
    versions: int,
    repeats: int,
    seed: int,
    ingest_schemas: tuple[str, ...] = (),
    full: bool = True,
) -> tuple[dict[str, dict[str, list[dict[str, Any]]]], IngestRuns]:
    """Every (repeat, dialect, contender) run, contenders rotated each repeat.

    ``ingest_schemas``: in each repeat and dialect, the library and the raw floor also run
    their ingest alone on a fresh database of each of these schemas ("bare", "indexed").
    ``full`` False: only those ingest runs. Returns the full runs and the ingest runs.
    """
    results: dict[str, dict[str, list[dict[str, Any]]]] = (
        {d: {c: [] for c in contenders} for d in dialects} if full else {}
    )
    ingest: IngestRuns = {
        d: {s: {c: [] for c in INGEST_CONTENDERS} for s in ingest_schemas} for d in dialects
    }
    for repeat in range(repeats):
        shift = repeat % len(contenders)
        order = contenders[shift:] + contenders[:shift]
        for dialect in dialects:
            for contender in order if full else ():
                result = run_contender(dbs, dialect, contender, versions, seed)
                results[dialect][contender].append(result)
                total = sum(result["seconds"].values())
                print(
                    f"  repeat {repeat + 1}/{repeats} {dialect:8} {contender:8} {total:8.3f} s",
                    file=sys.stderr,
                    flush=True,
                )
            pairs = [(s, c) for s in ingest_schemas for c in INGEST_CONTENDERS]
            rotated = pairs[repeat % len(pairs) :] + pairs[: repeat % len(pairs)] if pairs else []
            for schema, contender in rotated:
                result = run_contender(
                    dbs,
                    dialect,
                    contender,
                    versions,
                    seed,
                    bare=schema == "bare",
                    ingest_only=True,
                )
                ingest[dialect][schema][contender].append(result)
                print(
                    f"  repeat {repeat + 1}/{repeats} {dialect:8} {contender:8} ingest alone, "
                    f"{schema} schema: {result['seconds']['ingest']:8.3f} s",
                    file=sys.stderr,
                    flush=True,
                )
    return results, ingest


def check_digests(results: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    """Raise DigestMismatch unless every run of every contender answered alike."""
    for dialect, by_contender in results.items():
        reference: dict[str, tuple[str, str]] = {}
        for contender, runs in by_contender.items():
            for run in runs:
                for phase, value in run["digests"].items():
                    seen = reference.setdefault(phase, (contender, value))
                    if seen[1] != value:
                        raise DigestMismatch(
                            f"{dialect}: phase {phase!r}: contender {contender!r} returned "
                            f"different records than {seen[0]!r} ({value[:12]} != {seen[1][:12]})"
                        )


def ingest_compare(dbs: Databases, versions: int, sample: int, seed: int) -> dict[str, Any]:
    """create_many against one create per row, on PostgreSQL, in a fresh process."""
    with (
        dbs.fresh("postgres") as bulk_url,
        dbs.fresh("postgres") as row_url,
        dbs.fresh("postgres") as autocommit_url,
    ):
        return run_script(
            [
                str(BENCH / "ingest_compare.py"),
                "--bulk-url",
                bulk_url,
                "--row-url",
                row_url,
                "--autocommit-url",
                autocommit_url,
                "--versions",
                str(versions),
                "--sample",
                str(sample),
                "--seed",
                str(seed),
            ]
        )


def import_cost() -> dict[str, Any]:
    """Median microseconds to import the package and its repositories; lazy modules."""
    totals: list[int] = []
    for _ in range(IMPORT_RUNS):
        done = subprocess.run(
            [
                sys.executable,
                "-X",
                "importtime",
                "-c",
                "import pictallion_sql, pictallion_sql.crud",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        total = 0
        for line in done.stderr.splitlines():
            # "import time: self [us] | cumulative | imported package"; top level: no indent.
            parts = line.split("|")
            top_level = len(parts) == 3 and not parts[2].startswith("  ")
            if top_level and parts[2].strip() in ("pictallion_sql", "pictallion_sql.crud"):
                total += int(parts[1])
        totals.append(total)
    probe = (
        "import sys, pictallion_sql, pictallion_sql.crud; "
        "print(sorted(m for m in ('pypika', 'yoyo') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.strip()
    return {"median_us": statistics.median(totals), "runs_us": totals, "eager": loaded}


def streaming_table(
    rows: int | None, dialects: list[str], pg_admin: str | None, results_dir: Path
) -> str | None:
    """The streaming-memory table of bench/streaming.py, when that script exists."""
    script = BENCH / "streaming.py"
    if not script.exists():
        return None
    args = [
        sys.executable,
        str(script),
        "--dialects",
        ",".join(dialects),
        "--results",
        str(results_dir / "streaming.md"),
    ]
    args += [] if rows is None else ["--rows", str(rows)]
    args += [] if pg_admin is None else ["--postgres-url", pg_admin]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        tail = done.stderr[-2000:]
        return f"bench/streaming.py failed (exit {done.returncode}):\n\n```\n{tail}\n```"
    return done.stdout.strip()


# ---- report -------------------------------------------------------------------------------


def machine(pg_admin: str | None) -> str:
    """CPU model, cores, Python, SQLite and PostgreSQL versions."""
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    postgres = "not run"
    if pg_admin is not None:
        postgres = str(pgcluster_version(pg_admin))
    revision = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"SQLite {sqlite3.sqlite_version}; PostgreSQL {postgres}; code {revision or 'unknown'}"
    )


def pgcluster_version(admin: str) -> str:
    """The server's version string."""
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.1f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    middle = statistics.median(values)
    return f"{(max(values) - min(values)) / middle * 100:.0f}%" if middle else "-"


def phase_stats(runs: list[dict[str, Any]], phase: str, key: str = "seconds") -> list[float]:
    """The seconds of one phase over the runs (the total over phases for "total");
    ``key`` "cpu_seconds": the process's CPU seconds instead (none when not recorded)."""
    runs = [r for r in runs if key in r]
    if phase == "total":
        return [sum(r[key].values()) for r in runs]
    return [r[key][phase] for r in runs]


def dialect_table(by_contender: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The Markdown table of one dialect."""
    lines = [
        "| phase | ops | library ms | raw ms | orm ms | library/raw | orm/library "
        "| spread lib / raw / orm | CPU library/raw |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    any_run = next(iter(by_contender.values()))[0]
    for phase in (*PHASES, "total"):
        medians: dict[str, float | None] = {}
        cpu: dict[str, float | None] = {}
        spreads: list[str] = []
        for contender in CONTENDERS:
            runs = by_contender.get(contender, [])
            values = phase_stats(runs, phase) if runs else []
            medians[contender] = statistics.median(values) if values else None
            spreads.append(_spread(values))
            cpu_values = phase_stats(runs, phase, "cpu_seconds") if runs else []
            cpu[contender] = statistics.median(cpu_values) if cpu_values else None
        ops = "" if phase == "total" else str(any_run["operations"][phase])
        name = "**total**" if phase == "total" else phase.replace("_", " ")
        lines.append(
            f"| {name} | {ops} | {_ms(medians['library'])} | {_ms(medians['raw'])} "
            f"| {_ms(medians['orm'])} | {_ratio(medians['library'], medians['raw'])} "
            f"| {_ratio(medians['orm'], medians['library'])} | {' / '.join(spreads)} "
            f"| {_ratio(cpu['library'], cpu['raw'])} |"
        )
    return lines


def ingest_runs(
    results: dict[str, dict[str, list[dict[str, Any]]]], ingest: IngestRuns, dialect: str
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Ingest runs of ``dialect`` by schema and contender: the ingest-alone runs, and for the
    library's schema the full runs' ingest phase when no ingest-alone run was made."""
    by_schema: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for schema in SCHEMAS:
        runs = ingest.get(dialect, {}).get(schema)
        if not runs and schema == "indexed":
            runs = {c: results.get(dialect, {}).get(c, []) for c in INGEST_CONTENDERS}
        if runs and all(runs.get(c) for c in INGEST_CONTENDERS):
            by_schema[schema] = runs
    return by_schema


def _median_of(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key]["ingest"] for r in runs)


def ingest_section(
    results: dict[str, dict[str, list[dict[str, Any]]]],
    ingest: IngestRuns,
    dropped: dict[str, list[str]],
) -> list[str]:
    """The ingest with and without the library's indexes: index upkeep against library cost."""
    out = [
        "The ingest phase (every table through `create_many(returning=False)` against the "
        "driver's COPY / executemany) on the library's schema and on the same schema "
        "without its extra indexes: every index backing no primary key or unique constraint "
        "dropped, for both contenders. Wall time (medians), and the contender process's CPU "
        "time (every thread: on SQLite that includes the engine; on PostgreSQL it is the "
        "client's work alone, the server's is not counted), which a shared machine disturbs "
        "less.",
        "",
        "| dialect | schema | library ms | raw ms | library/raw | library CPU ms | raw CPU ms "
        "| CPU library/raw | spread lib / raw |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    notes: list[str] = []
    for dialect in sorted({*results, *ingest}, key=("sqlite", "postgres").index):
        by_schema = ingest_runs(results, ingest, dialect)
        name = "SQLite" if dialect == "sqlite" else "PostgreSQL"
        wall: dict[tuple[str, str], float] = {}
        for schema, runs in by_schema.items():
            lib, raw = runs["library"], runs["raw"]
            wall[schema, "library"] = _median_of(lib, "seconds")
            wall[schema, "raw"] = _median_of(raw, "seconds")
            has_cpu = all("cpu_seconds" in r for r in (*lib, *raw))
            cpu_lib = _median_of(lib, "cpu_seconds") if has_cpu else None
            cpu_raw = _median_of(raw, "cpu_seconds") if has_cpu else None
            label = "library's indexes" if schema == "indexed" else "no extra indexes"
            spreads = " / ".join(_spread([r["seconds"]["ingest"] for r in x]) for x in (lib, raw))
            out.append(
                f"| {name} | {label} | {_ms(wall[schema, 'library'])} | {_ms(wall[schema, 'raw'])} "
                f"| {_ratio(wall[schema, 'library'], wall[schema, 'raw'])} | {_ms(cpu_lib)} "
                f"| {_ms(cpu_raw)} | {_ratio(cpu_lib, cpu_raw)} | {spreads} |"
            )
        if len(by_schema) == len(SCHEMAS):
            floor = wall["bare", "raw"]
            upkeep = wall["indexed", "raw"] - floor
            own_bare = wall["bare", "library"] - floor
            own_indexed = wall["indexed", "library"] - wall["indexed", "raw"]
            total = wall["indexed", "library"] - floor
            notes.append(
                f"- {name}: the library with its indexes takes "
                f"{_ratio(wall['indexed', 'library'], floor)} the floor without them "
                f"({_ms(wall['indexed', 'library'])} against {_ms(floor)} ms, "
                f"+{_ms(total)} ms). Index upkeep (the raw floor with the indexes, less "
                f"without): {_ms(upkeep)} ms ({upkeep / floor:+.0%} of the floor). The "
                f"library's own cost (library less raw on the same schema): {_ms(own_bare)} ms "
                f"without the indexes ({own_bare / floor:+.0%}), {_ms(own_indexed)} ms with "
                f"them ({own_indexed / wall['indexed', 'raw']:+.0%})."
            )
    out += ["", *notes] if notes else []
    for dialect, names in sorted(dropped.items()):
        label = "SQLite" if dialect == "sqlite" else "PostgreSQL"
        out.append(f"- Indexes dropped on {label}: {', '.join(names) or 'none'}.")
    return out


def targets(
    results: dict[str, dict[str, list[dict[str, Any]]]],
    compare: dict[str, Any] | None,
    imports: dict[str, Any] | None,
    ingest: IngestRuns | None = None,
) -> list[str]:
    """Each target of the benchmark, read from the figures: met or not."""
    lines: list[str] = []

    def median(dialect: str, contender: str, phase: str) -> float | None:
        runs = results[dialect].get(contender, [])
        return statistics.median(phase_stats(runs, phase)) if runs else None

    for dialect in results:
        worst = max(
            (
                (lib / raw, phase)
                for phase in PHASES
                if (lib := median(dialect, "library", phase))
                and (raw := median(dialect, "raw", phase))
            ),
            default=None,
        )
        if worst is not None:
            verdict = "met" if worst[0] <= 1.10 else "NOT met"
            lines.append(
                f"- {dialect}: library within 1.10x of the floor on every phase: {verdict} "
                f"(worst {worst[0]:.2f}x on {worst[1].replace('_', ' ')})"
            )
        lib_total, orm_total = median(dialect, "library", "total"), median(dialect, "orm", "total")
        if lib_total and orm_total:
            speed = orm_total / lib_total
            verdict = "met" if speed >= 5 else "NOT met"
            lines.append(
                f"- {dialect}: at least 5x faster than the ORM in total: {verdict} ({speed:.1f}x)"
            )
    if compare is not None:
        for label, key in (
            ("in one transaction", "speedup"),
            ("each committing", "autocommit_speedup"),
        ):
            verdict = "met" if compare[key] >= 10 else "NOT met"
            lines.append(
                f"- PostgreSQL create_many of {compare['versions']:,} versions at least 10x "
                f"faster than one create per row {label}: {verdict} ({compare[key]:.1f}x)"
            )
    for dialect in sorted({*results, *(ingest or {})}, key=("sqlite", "postgres").index):
        by_schema = ingest_runs(results, ingest or {}, dialect)
        ratios = {
            schema: _median_of(runs["library"], "seconds") / _median_of(runs["raw"], "seconds")
            for schema, runs in by_schema.items()
        }
        if ratios:
            verdict = "met" if all(r <= 1.15 for r in ratios.values()) else "NOT met"
            shown = ", ".join(
                f"{r:.2f}x {'with the indexes' if s == 'indexed' else 'without them'}"
                for s, r in ratios.items()
            )
            lines.append(
                f"- {dialect}: create_many ingest within 1.15x of the raw floor on the same "
                f"schema: {verdict} ({shown})"
            )
    if imports is not None:
        fast = imports["median_us"] < 100_000 and imports["eager"] == "[]"
        lines.append(
            f"- `import pictallion_sql` under 100 ms without pypika or yoyo: "
            f"{'met' if fast else 'NOT met'} ({imports['median_us'] / 1000:.1f} ms; "
            f"eagerly imported: {imports['eager']})"
        )
    return lines


def report(
    args: argparse.Namespace,
    results: dict[str, dict[str, list[dict[str, Any]]]],
    compare: dict[str, Any] | None,
    imports: dict[str, Any] | None,
    streaming: str | None,
    machine_line: str,
    ingest: IngestRuns | None = None,
    dropped: dict[str, list[str]] | None = None,
) -> str:
    """The whole Markdown report (the ingest section alone with ``--ingest-only``)."""
    ingest = ingest or {}
    if args.ingest_only:
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return "\n".join(
            [
                f"# pictallion-sql ingest - {args.versions:,} file versions, "
                f"{args.repeats} repeats",
                "",
                f"{when}. Machine: {machine_line}.",
                "",
                "## Ingest: index upkeep and the library's own cost",
                "",
                *ingest_section(results, ingest, dropped or {}),
                "",
                "## Targets",
                "",
                *targets(results, None, None, ingest),
                "",
            ]
        )
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"# pictallion-sql benchmark - {args.versions:,} file versions, {args.repeats} repeats",
        "",
        f"{when}. Machine: {machine_line}.",
        "",
        "Medians of the runs, in milliseconds per phase (each phase a fixed number of "
        "operations). library/raw: the cost over the hand-written floor (1.00x = none); "
        "orm/library: how many times slower the SQLAlchemy ORM is. Spread: (max - min) / "
        "median of each contender's runs. CPU library/raw: the same ratio of the contender "
        "processes' CPU time (on PostgreSQL the client's work alone, the server's is not "
        "counted), which the load of a shared machine disturbs less than wall time. Every "
        "contender returned the same records in every phase (digests compared).",
    ]
    for dialect, by_contender in results.items():
        out += ["", f"## {'SQLite' if dialect == 'sqlite' else 'PostgreSQL'}", ""]
        out += dialect_table(by_contender)
    if any(ingest_runs(results, ingest, d) for d in results):
        out += ["", "## Ingest: index upkeep and the library's own cost", ""]
        out += ingest_section(results, ingest, dropped or {})
    out += ["", "## Bulk ingest: create_many against one create per row (PostgreSQL)", ""]
    if compare is None:
        out.append("Not measured (run with `--ingest-compare`).")
    else:
        note = (
            f" (per-row times measured on the first {compare['per_row_sample']:,} versions and "
            f"extrapolated to {compare['versions']:,})"
            if compare["extrapolated"]
            else ""
        )
        out += [
            f"{compare['versions']:,} file versions{note}:",
            "",
            "| how | seconds | create_many is |",
            "|---|---:|---:|",
            f"| create_many(returning=False), batches of 2,000 | {compare['bulk_seconds']:.2f} | |",
            f"| one create per row, one transaction around the loop "
            f"| {compare['per_row_seconds']:.2f} | **{compare['speedup']:.1f}x** faster |",
            f"| one create per row, each committing on its own "
            f"| {compare['autocommit_seconds']:.2f} "
            f"| **{compare['autocommit_speedup']:.1f}x** faster |",
        ]
    out += []
    if imports is not None:
        out += [
            "",
            "## Import cost",
            "",
            f'`python -X importtime -c "import pictallion_sql, pictallion_sql.crud"`, median '
            f"of {IMPORT_RUNS} fresh processes: **{imports['median_us'] / 1000:.1f} ms** "
            f"cumulative (runs: {', '.join(f'{u / 1000:.1f}' for u in imports['runs_us'])} "
            f"ms). pypika / yoyo in `sys.modules` after the import: {imports['eager']}.",
        ]
    if streaming is not None:
        out += ["", "## Streaming memory", "", streaming]
    out += ["", "## Targets", "", *targets(results, compare, imports, ingest), ""]
    return "\n".join(out)


def main() -> None:
    """Parse the command line, run everything, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--versions", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dialects", default="sqlite,postgres")
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ingest-compare", action="store_true")
    parser.add_argument("--per-row-sample", type=int, default=10_000)
    parser.add_argument("--streaming-rows", type=int, default=None)
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results")
    parser.add_argument(
        "--no-bare-ingest",
        action="store_true",
        help="skip the ingest runs on the schema without the library's extra indexes",
    )
    parser.add_argument(
        "--ingest-only",
        action="store_true",
        help="only the ingest of the library and the raw floor, with and without the "
        "library's extra indexes (no read phases, ORM, import or streaming figures)",
    )
    args = parser.parse_args()
    # A terminated run still drops its databases and removes its files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    dialects = [d for d in args.dialects.split(",") if d]
    contenders = [c for c in args.contenders.split(",") if c]
    for name in contenders:
        if name not in CONTENDERS:
            parser.error(f"unknown contender {name!r}")
    if args.ingest_only and args.no_bare_ingest:
        parser.error("--ingest-only measures the bare schema: drop --no-bare-ingest")
    both = all(c in contenders for c in INGEST_CONTENDERS)
    if args.ingest_only:
        schemas: tuple[str, ...] = SCHEMAS
    elif both and not args.no_bare_ingest:
        schemas = ("bare",)
    else:
        schemas = ()
    needs_pg = "postgres" in dialects or (args.ingest_compare and not args.ingest_only)
    with contextlib.ExitStack() as stack:
        admin = stack.enter_context(postgres_admin(args.postgres_url)) if needs_pg else None
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pictallion-bench-")))
        dbs = Databases(work, admin)
        stack.callback(dbs.close)
        print(f"benchmark: {args.versions} versions, {args.repeats} repeats", file=sys.stderr)
        machine_line = machine(admin)  # before the runs: the code revision they measure
        results, ingest = run_contenders(
            dbs,
            dialects,
            contenders,
            args.versions,
            args.repeats,
            args.seed,
            ingest_schemas=schemas,
            full=not args.ingest_only,
        )
        check_digests(results)
        if args.ingest_only:
            text = report(args, results, None, None, None, machine_line, ingest, dbs.dropped)
        else:
            compare = (
                ingest_compare(dbs, args.versions, args.per_row_sample, args.seed)
                if args.ingest_compare
                else None
            )
            imports = import_cost()
            args.results_dir.mkdir(parents=True, exist_ok=True)
            streaming = streaming_table(args.streaming_rows, dialects, admin, args.results_dir)
            text = report(
                args, results, compare, imports, streaming, machine_line, ingest, dbs.dropped
            )
    print(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kind = "-ingest" if args.ingest_only else ""
    write_results(args.results_dir / f"{stamp}{kind}-N{args.versions}.md", text + "\n")
    if not args.ingest_only:
        write_results(args.results_dir / "latest.md", text + "\n")


if __name__ == "__main__":
    main()
