"""PostgreSQL's backup and restore, and what a backup set asks of them.

backup:  ``pg_dump --format=custom`` (one repeatable-read snapshot) of the current
         schema, without yoyo's lock table; the archive's table of contents is
         checked before the file is published.
restore: the archive's table of contents is checked first (it must hold the 14
         tables). Then, in ONE transaction on the live database: the current tables
         are dropped, the archive's tables, rows, keys and indexes are created from
         ``pg_restore``'s output, the result is compared with the schema its
         migration history calls for and checked for orphaned references. Only if
         all of that succeeds is the transaction committed; any failure (a damaged
         archive, a foreign key that does not hold, another schema) rolls it back,
         and the database is exactly as it was.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from pictallion_sql.admin.backup import (
    BackupError,
    BackupResult,
    RestoreResult,
    quiet,
    require_file,
    size_text,
    written,
)
from pictallion_sql.admin.common import (
    CHECKSUM_TABLE,
    KEPT_FUNCTIONS,
    KEPT_TABLES,
    TABLES,
    Progress,
    scrub,
)
from pictallion_sql.admin.compatibility import compare
from pictallion_sql.admin.files import create_private_file, publish
from pictallion_sql.admin.history import load_migrations, read_history
from pictallion_sql.admin.postgres.connection import connect_postgres
from pictallion_sql.admin.postgres.schema import postgres_snapshot_of
from pictallion_sql.admin.postgres.tools import find_pg_tool, libpq_environment
from pictallion_sql.config import Settings
from pictallion_sql.errors import DatabaseError, PermissionDeniedError

__all__ = [
    "backup_counted",
    "backup_postgres",
    "restore_postgres",
    "row_counts",
    "scratch_database",
]

_PGDMP_HEADER = b"PGDMP"


def _server(database_url: str) -> tuple[int, str]:
    with connect_postgres(database_url) as conn:
        major = conn.info.server_version // 10000
        row = conn.execute("SELECT current_schema()").fetchone()
    if row is None or row[0] is None:
        raise DatabaseError("the connection has no current schema (check search_path)")
    return major, str(row[0])


def _stderr_tail(handle: IO[bytes], database_url: str) -> str:
    handle.seek(0)
    lines = [ln.strip() for ln in handle.read().decode("utf-8", "replace").splitlines()]
    lines = [ln for ln in lines if ln]
    return scrub(" | ".join(lines[-3:]), database_url) if lines else "no message"


def backup_postgres(
    database_url: str, target: Path, progress: Progress | None, *, snapshot: str | None = None
) -> BackupResult:
    """``pg_dump --format=custom`` of the current schema into ``target``.

    ``snapshot`` names a snapshot exported by an open transaction
    (``pg_export_snapshot()``): the dump then shows exactly what that transaction sees.
    """
    say = progress or quiet
    started = time.monotonic()
    major, schema = _server(database_url)
    pg_dump = find_pg_tool("pg_dump", major)
    env = libpq_environment(database_url)
    tmp = create_private_file(target.parent, f".{target.name}.")
    try:
        say(f"backing up with {pg_dump} to {target}")
        args = [
            str(pg_dump),
            "--format=custom",
            "--no-password",
            "--lock-wait-timeout=60000",
            f"--schema={schema}",
            "--exclude-table=yoyo_lock",
            "--exclude-table=yoyo_tmp_*",
            f"--file={tmp}",
        ]
        if snapshot is not None:
            args.append(f"--snapshot={snapshot}")
        if progress is not None:
            args.append("--verbose")
        with tempfile.TemporaryFile() as errors:
            proc = subprocess.Popen(
                args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors
            )
            if progress is not None:
                _follow(errors, proc, say, "dumping contents of table")
            code = proc.wait()
            if code != 0:
                raise BackupError(
                    f"pg_dump failed (exit {code}): {_stderr_tail(errors, database_url)}"
                )
        toc = _read_toc(find_pg_tool("pg_restore", major), tmp)
        missing = [t for t in TABLES if t not in toc.data_tables]
        if missing:
            raise BackupError(f"the dump lacks table(s) {', '.join(missing)}; not published")
        publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return written("postgres", target, started, say)


def _follow(errors: IO[bytes], proc: subprocess.Popen[bytes], say: Progress, marker: str) -> None:
    """Relay pg_dump's per-table messages while it runs."""
    seen = 0
    while True:
        done = proc.poll() is not None
        errors.seek(seen)
        chunk = errors.read()
        complete = chunk.rfind(b"\n") + 1
        for line in chunk[:complete].decode("utf-8", "replace").splitlines():
            if marker in line:
                say("dumping " + line.split(marker, 1)[1].strip().replace('"', ""))
        seen += complete
        errors.seek(0, os.SEEK_END)
        if done:
            return
        time.sleep(0.1)


_TOC_LINE = re.compile(r"^(\d+); (\d+) (\d+) (.*)$")
_MULTIWORD = (
    "TABLE DATA",
    "FK CONSTRAINT",
    "CHECK CONSTRAINT",
    "SEQUENCE SET",
    "SEQUENCE OWNED BY",
    "DEFAULT ACL",
    "DATABASE PROPERTIES",
    "MATERIALIZED VIEW",
    "MATERIALIZED VIEW DATA",
)
# Entries a restore recreates; the schema itself, extensions, grants and owners are
# the live database's business.
_KEEP = {
    # The trigger functions of the kept counts (migration 0006), which TRIGGER entries name.
    "FUNCTION",
    "TABLE",
    "TABLE DATA",
    "CONSTRAINT",
    "FK CONSTRAINT",
    "CHECK CONSTRAINT",
    "INDEX",
    "SEQUENCE",
    "SEQUENCE OWNED BY",
    "SEQUENCE SET",
    "DEFAULT",
    "TRIGGER",
}


@dataclass
class _Toc:
    schemas: set[str]
    tables: set[str]
    data_tables: set[str]
    keep_lines: list[str]


def _read_toc(pg_restore: Path, archive: Path) -> _Toc:
    """The archive's table of contents; ``BackupError`` if pg_restore cannot read it."""
    listing = _pg_restore(pg_restore, archive, ["--list"], "it")
    toc = _Toc(set(), set(), set(), [])
    for line in listing.decode("utf-8", "replace").splitlines():
        match = _TOC_LINE.match(line)
        if match is None:
            continue
        rest = match.group(4)
        desc = next((d for d in _MULTIWORD if rest.startswith(d + " ")), rest.split(" ", 1)[0])
        fields = rest[len(desc) :].split()
        if len(fields) < 2:
            continue
        schema, table = fields[0], fields[1]
        if desc not in _KEEP or table == "yoyo_lock" or table.startswith("yoyo_tmp_"):
            continue
        toc.schemas.add(schema)
        if desc == "TABLE":
            toc.tables.add(table)
        elif desc == "TABLE DATA":
            toc.data_tables.add(table)
        toc.keep_lines.append(line)
    return toc


def _pg_restore(pg_restore: Path, archive: Path, options: list[str], what: str) -> bytes:
    """What ``pg_restore <options> <archive>`` prints; BackupError if it cannot read ``what``."""
    proc = subprocess.run(
        [str(pg_restore), *options, str(archive)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(
            f"refusing to restore {archive}: pg_restore cannot read {what} "
            f"({reason[-1] if reason else 'no message'}); the database was not changed"
        )
    return proc.stdout


def _restore_sql(pg_restore: Path, archive: Path, listing: Path, section: str) -> str:
    options = [
        f"--section={section}",
        "--no-owner",
        "--no-privileges",
        f"--use-list={listing}",
        "--file=-",
    ]
    output = _pg_restore(pg_restore, archive, options, f"its {section} section")
    try:
        script = output.decode("utf-8")
    except UnicodeDecodeError:
        # A damaged archive can hand back garbled definitions that pg_restore still prints.
        raise BackupError(
            f"refusing to restore {archive}: its {section} section is not valid UTF-8 text "
            "(the archive is damaged); the database was not changed"
        ) from None
    return _without_meta_commands(script)


def _without_meta_commands(script: str) -> str:
    """Drop psql meta-commands (``\\restrict``, ``\\unrestrict``) from pg_restore's output."""
    return "\n".join(line for line in script.splitlines() if not line.startswith("\\"))


class _Refused(Exception):
    """Raised inside the restore transaction to roll it back."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = list(details)


def restore_postgres(database_url: str, source: Path, progress: Progress | None) -> RestoreResult:
    """Check the archive ``source``, then replace the live tables with it in one transaction."""
    say = progress or quiet
    started = time.monotonic()
    source = source.expanduser()
    require_file(source)
    with open(source, "rb") as handle:
        if handle.read(len(_PGDMP_HEADER)) != _PGDMP_HEADER:
            raise BackupError(
                f"refusing to restore {source}: it is not a pg_dump custom-format archive"
            )
    settings = Settings(database_url=database_url)
    major, schema = _server(database_url)
    pg_restore = find_pg_tool("pg_restore", major)
    say(f"checking {source} ({size_text(source.stat().st_size)})")
    toc = _read_toc(pg_restore, source)
    missing = [t for t in TABLES if t not in toc.tables or t not in toc.data_tables]
    if missing:
        raise BackupError(
            f"refusing to restore {source}: it does not hold the Pictallion table(s) "
            f"{', '.join(missing)}; the database was not changed"
        )
    if toc.schemas != {schema}:
        raise BackupError(
            f"refusing to restore {source}: it holds schema(s) {', '.join(sorted(toc.schemas))}, "
            f"the database uses {schema}; the database was not changed"
        )
    migrations = load_migrations("postgres")
    with tempfile.TemporaryDirectory(prefix="pictallion-restore-") as folder:
        listing = Path(folder) / "restore.list"
        listing.write_text("\n".join(toc.keep_lines) + "\n", encoding="utf-8")
        pre_data = _restore_sql(pg_restore, source, listing, "pre-data")
        post_data = _restore_sql(pg_restore, source, listing, "post-data")
        with connect_postgres(database_url) as conn:
            try:
                with conn.transaction():
                    report = _replace_tables(
                        conn, settings, schema, toc, migrations, pre_data, post_data,
                        pg_restore, source, listing, say,
                    )  # fmt: skip
            except _Refused as exc:
                raise BackupError(str(exc), exc.details) from None
            except psycopg.Error as exc:
                raise BackupError(
                    f"restore of {source} failed and was rolled back "
                    f"({type(exc).__name__}: {scrub(str(exc).strip(), database_url)}); "
                    "the database was not changed"
                ) from None
    say("restore complete")
    return {
        "dialect": "postgres",
        "path": str(source),
        "seconds": round(time.monotonic() - started, 3),
        "applied": report["applied"],
        "pending": report["pending"],
        "tables": len(TABLES),
    }


def _replace_tables(
    conn: psycopg.Connection[tuple[Any, ...]],
    settings: Settings,
    schema: str,
    toc: _Toc,
    migrations: list[Any],
    pre_data: str,
    post_data: str,
    pg_restore: Path,
    source: Path,
    listing: Path,
    say: Progress,
) -> Any:
    """Inside the caller's transaction: drop, recreate, load, verify. Raises to roll back."""
    conn.execute("SET LOCAL lock_timeout = '60s'")
    search_path = conn.execute("SHOW search_path").fetchone()
    present = {
        str(r[0])
        for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
            (schema,),
        ).fetchall()
    }
    ours = (
        set(TABLES)
        | set(KEPT_TABLES)
        | toc.tables
        | {CHECKSUM_TABLE, "_yoyo_migration", "_yoyo_log", "_yoyo_version"}
    )
    doomed = sorted(present & ours)
    say(f"replacing {len(doomed)} table(s)")
    if doomed:
        # One statement: foreign keys among the dropped tables need no CASCADE, and a
        # table outside this set that still references one of them stops the restore.
        conn.execute(
            sql.SQL("DROP TABLE {}").format(
                sql.SQL(", ").join(sql.Identifier(schema, name) for name in doomed)
            )
        )
    # Their triggers went with them; the functions those called are the archive's to create.
    conn.execute(
        sql.SQL("DROP FUNCTION IF EXISTS {}").format(
            sql.SQL(", ").join(
                sql.SQL("{}()").format(sql.Identifier(schema, name)) for name in KEPT_FUNCTIONS
            )
        )
    )
    conn.execute(pre_data.encode())
    _load_data(conn, pg_restore, source, listing, say, len(toc.data_tables), settings)
    say("creating keys and indexes")
    conn.execute(post_data.encode())
    if search_path is not None:
        conn.execute("SELECT set_config('search_path', %s, true)", (str(search_path[0]),))
    say("verifying the restored schema")
    history = read_history(conn, "postgres")
    report = compare(settings, migrations, history, postgres_snapshot_of(conn), conn)
    if not report["compatible"]:
        raise _Refused(
            f"refusing to restore {source}: the restored tables are not the schema its "
            "migration history calls for; the restore was rolled back and the database "
            "was not changed",
            report["issues"],
        )
    from pictallion_sql.query.named import queries

    row = conn.execute(queries["ops.foreign_key_orphans"].postgres.text.encode()).fetchone()
    orphans = {} if row is None else json.loads(row[0])
    broken = [
        f"{name}: {count} row(s) refer to a missing parent"
        for name, count in orphans.items()
        if count
    ]
    if broken:
        raise _Refused(
            f"refusing to restore {source}: it holds rows with broken references; "
            "the restore was rolled back and the database was not changed",
            broken,
        )
    return report


def _load_data(
    conn: psycopg.Connection[tuple[Any, ...]],
    pg_restore: Path,
    source: Path,
    listing: Path,
    say: Progress,
    total: int,
    settings: Settings,
) -> None:
    """Stream pg_restore's data section into COPY ... FROM STDIN on ``conn``."""
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [
                str(pg_restore),
                "--section=data",
                "--no-owner",
                "--no-privileges",
                f"--use-list={listing}",
                "--file=-",
                str(source),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert proc.stdout is not None
        failure: Exception | None = None
        try:
            _feed(conn, proc.stdout, say, total)
        except (psycopg.Error, _Refused) as exc:
            failure = exc
        finally:
            proc.stdout.close()
            code = proc.wait()
        # A damaged archive usually shows first as pg_restore failing (or as garbled
        # rows that COPY rejects): name pg_restore's complaint when there is one.
        if code != 0:
            raise _Refused(
                f"refusing to restore {source}: pg_restore could not read its data "
                f"({_stderr_tail(errors, settings.database_url)}); the restore was rolled "
                "back and the database was not changed"
            )
        if isinstance(failure, psycopg.Error):
            first = str(failure).strip().splitlines()
            raise _Refused(
                f"refusing to restore {source}: its data was rejected "
                f"({type(failure).__name__}: {first[0] if first else ''}); the restore was "
                "rolled back and the database was not changed"
            )
        if failure is not None:
            raise failure


def _feed(
    conn: psycopg.Connection[tuple[Any, ...]], stream: IO[bytes], say: Progress, total: int
) -> None:
    pending: list[bytes] = []
    done = 0

    def flush_sql() -> None:
        text = b"".join(pending).strip()
        pending.clear()
        if text:
            conn.execute(text)

    lines = iter(stream)
    for line in lines:
        if line.startswith(b"\\"):
            continue  # psql meta-command (\restrict ...)
        if line.startswith(b"COPY ") and line.rstrip().endswith(b"FROM stdin;"):
            flush_sql()
            statement = line.rstrip()[:-1].decode("utf-8")
            done += 1
            say(f"loading {statement.split()[1]} ({done}/{total})")
            ended = False
            with conn.cursor() as cur, cur.copy(statement.encode()) as copy:
                buffer = bytearray()
                for row in lines:
                    if row == b"\\.\n" or row == b"\\.":
                        ended = True
                        break
                    buffer += row
                    if len(buffer) >= 1 << 20:
                        copy.write(bytes(buffer))
                        buffer.clear()
                if buffer:
                    copy.write(bytes(buffer))
            if not ended:  # raised outside the COPY block: the transaction rolls back
                raise _Refused("the archive's data ends in the middle of a table")
            continue
        pending.append(line)
    flush_sql()


# --- what a backup set asks ------------------------------------------------------------


def backup_counted(url: str, target: Path, say: Progress) -> tuple[list[str], dict[str, int]]:
    """Back up to ``target``; the migration history and row counts of exactly that dump."""
    # Count in a repeatable-read transaction and dump its exported snapshot: the
    # manifest's counts are those of the dump, whatever commits meanwhile.
    with connect_postgres(url) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            snapshot = str(row[0]) if row else None
            history = read_history(conn, "postgres")
            counts = _count_rows(conn)
            backup_postgres(url, target, say, snapshot=snapshot)
        finally:
            conn.execute("ROLLBACK")
    return history.applied, counts


@contextmanager
def scratch_database(database_url: str) -> Iterator[str]:
    """A temporary database on the same server to verify a backup in, dropped afterwards."""
    name = f"pictallion_verify_{secrets.token_hex(6)}"
    parts = urlsplit(Settings(database_url=database_url).postgres_dsn)
    scratch = urlunsplit(parts._replace(path="/" + name))
    with connect_postgres(database_url) as conn:
        try:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
            )
        except psycopg.errors.InsufficientPrivilege:
            raise PermissionDeniedError(
                "verifying a PostgreSQL backup restores it into a temporary database, "
                "which this role may not create (ALTER ROLE ... CREATEDB)",
                privilege="CREATEDB",
            ) from None
        try:
            yield scratch
        finally:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def row_counts(url: str) -> dict[str, int]:
    """The row count of each of the 14 tables."""
    with connect_postgres(url) as conn:
        return _count_rows(conn)


def _count_rows(conn: psycopg.Connection[tuple[Any, ...]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in TABLES:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        ).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts
