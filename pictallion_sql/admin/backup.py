"""Backups and restores, one pair of functions per dialect (synchronous; see ``db_utils``).

SQLite
    backup:  the online backup API copies the live file in one step, inside one read
             transaction: a consistent snapshot even while the application writes.
    restore: the backup is copied to a scratch file beside the live one, checked there
             (``integrity_check``, ``foreign_key_check``, its schema against the one
             its migration history calls for), then copied into the live database with
             the backup API in one write transaction: readers see the old database or
             the new one, never a mixture, and a failure leaves the old one intact.

PostgreSQL
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

Every file is written to a temporary name in the target folder with mode 0600,
flushed to disk, then renamed into place.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypedDict

import psycopg
from psycopg import sql

from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.common import (
    CHECKSUM_TABLE,
    KEPT_FUNCTIONS,
    KEPT_TABLES,
    TABLES,
    Progress,
    scrub,
)
from pictallion_sql.admin.compatibility import check_compatibility, compare
from pictallion_sql.admin.files import create_private_file, publish
from pictallion_sql.admin.history import load_migrations, read_history
from pictallion_sql.admin.postgres.connection import connect_postgres
from pictallion_sql.admin.postgres.schema import postgres_snapshot_of
from pictallion_sql.admin.postgres.tools import find_pg_tool, libpq_environment
from pictallion_sql.config import Dialect, Settings
from pictallion_sql.errors import ConfigurationError, DatabaseError, PictallionError

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_postgres",
    "backup_sqlite",
    "resolve_target",
    "restore_postgres",
    "restore_sqlite",
]

_SQLITE_HEADER = b"SQLite format 3\x00"
_PGDMP_HEADER = b"PGDMP"


class BackupError(DatabaseError):
    """A backup could not be written, or a backup file was refused for a restore."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = list(details)


class BackupResult(TypedDict):
    """What a backup wrote."""

    dialect: Dialect
    path: str
    size_bytes: int
    seconds: float


class RestoreResult(TypedDict):
    """What a restore put in place."""

    dialect: Dialect
    path: str
    seconds: float
    applied: list[str]
    pending: list[str]
    tables: int


def _quiet(_: str) -> None:
    return None


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def resolve_target(path: str | Path | None, dialect: Dialect) -> Path:
    """The backup file to write: ``path``, or a timestamped name inside a folder ``path``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"pictallion-{dialect}-{stamp}.{admin_backend(dialect).backup_suffix}"
    if path is None:
        return Path("backups") / name
    target = Path(path).expanduser()
    if target.is_dir() or str(path).endswith(("/", os.sep)):
        return target / name
    return target


# --- SQLite ----------------------------------------------------------------------------


def _live_sqlite(database_url: str) -> Path:
    path = Settings(database_url=database_url).sqlite_file()
    if path is None:
        raise ConfigurationError("an in-memory SQLite database cannot be backed up or restored")
    return path


def backup_sqlite(database_url: str, target: Path, progress: Progress | None) -> BackupResult:
    """Copy the live SQLite database to ``target`` with the online backup API."""
    say = progress or _quiet
    started = time.monotonic()
    live = _live_sqlite(database_url)
    if not live.is_file():
        raise DatabaseError(f"no SQLite database at {live} (run `pictallion-db init`)")
    if target.exists() and target.resolve() == live.resolve():
        raise BackupError(f"refusing to back up {live} onto itself")
    tmp = create_private_file(target.parent, f".{target.name}.")
    try:
        say(f"backing up {live} ({_size(live.stat().st_size)}) to {target}")
        try:
            src = sqlite3.connect(f"{live.resolve().as_uri()}?mode=rw", uri=True, timeout=60)
            try:
                dest = sqlite3.connect(tmp)
                try:
                    # pages=-1: every page in one step, inside one read transaction, so
                    # the copy is one consistent snapshot while writers carry on (WAL).
                    src.backup(dest, pages=-1)
                    dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                    check = dest.execute("PRAGMA quick_check").fetchall()
                finally:
                    dest.close()
            finally:
                src.close()
        except sqlite3.Error as exc:
            raise BackupError(f"backup of {live} failed: {exc}") from None
        if check != [("ok",)]:
            raise BackupError(f"the copy of {live} failed its quick_check: {check[0][0]}")
        publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    size = target.stat().st_size
    say(f"wrote {target} ({_size(size)})")
    return {
        "dialect": "sqlite",
        "path": str(target),
        "size_bytes": size,
        "seconds": round(time.monotonic() - started, 3),
    }


def _check_sqlite_copy(path: Path) -> list[str]:
    """Problems of a SQLite file: integrity_check, then foreign_key_check."""
    conn = sqlite3.connect(path)
    try:
        integrity = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if integrity != ["ok"]:
            return [f"integrity_check: {line}" for line in integrity[:20]]
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
        return [
            f"foreign_key_check: {table} row {rowid} refers to a missing {parent} row"
            for table, rowid, parent, _fk in orphans[:20]
        ]
    finally:
        conn.close()


def restore_sqlite(database_url: str, source: Path, progress: Progress | None) -> RestoreResult:
    """Check the backup ``source``, then copy it into the live database in one transaction."""
    say = progress or _quiet
    started = time.monotonic()
    live = _live_sqlite(database_url)
    source = source.expanduser()
    _require_file(source)
    with open(source, "rb") as handle:
        if handle.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
            raise BackupError(f"refusing to restore {source}: it is not a SQLite database")
    live.parent.mkdir(parents=True, exist_ok=True)
    work = create_private_file(live.parent, f".{live.name}.restore-")
    try:
        say(f"checking {source} ({_size(source.stat().st_size)})")
        try:
            src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            try:
                dest = sqlite3.connect(work)
                try:
                    src.backup(dest, pages=-1)
                    dest.execute("PRAGMA journal_mode = DELETE")
                finally:
                    dest.close()
            finally:
                src.close()
            problems = _check_sqlite_copy(work)
        except sqlite3.Error as exc:
            raise BackupError(
                f"refusing to restore {source}: it is damaged ({exc}); the database was not changed"
            ) from None
        if problems:
            raise BackupError(
                f"refusing to restore {source}: it failed the integrity checks; "
                "the database was not changed",
                problems,
            )
        report = check_compatibility(f"sqlite:///{work.resolve()}")
        if not report["compatible"]:
            raise BackupError(
                f"refusing to restore {source}: it does not hold the Pictallion schema its "
                "migration history calls for; the database was not changed",
                report["issues"],
            )
        _match_page_size(work, live)
        say(f"restoring into {live}")
        try:
            scratch = sqlite3.connect(work)
            try:
                target = sqlite3.connect(live, timeout=60)
                try:
                    # One step: the whole copy is one write transaction on the live file.
                    scratch.backup(target, pages=-1)
                finally:
                    target.close()
            finally:
                scratch.close()
        except sqlite3.Error as exc:
            raise BackupError(
                f"restore into {live} failed and was rolled back ({exc}); "
                "the database was not changed"
            ) from None
    finally:
        work.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
    say("restore complete")
    return {
        "dialect": "sqlite",
        "path": str(source),
        "seconds": round(time.monotonic() - started, 3),
        "applied": report["applied"],
        "pending": report["pending"],
        "tables": len(TABLES),
    }


def _match_page_size(work: Path, live: Path) -> None:
    """Give ``work`` the live file's page size (the backup API cannot change it in WAL mode)."""
    if not live.is_file() or live.stat().st_size == 0:
        return
    probe = sqlite3.connect(f"{live.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    try:
        wanted = int(probe.execute("PRAGMA page_size").fetchone()[0])
    finally:
        probe.close()
    conn = sqlite3.connect(work)
    try:
        if int(conn.execute("PRAGMA page_size").fetchone()[0]) != wanted:
            conn.execute(f"PRAGMA page_size = {wanted}")
            conn.execute("VACUUM")
    finally:
        conn.close()


def _require_file(source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if not os.access(source, os.R_OK):
        raise BackupError(f"cannot read the backup file {source}")


# --- PostgreSQL ------------------------------------------------------------------------


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
    say = progress or _quiet
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
    size = target.stat().st_size
    say(f"wrote {target} ({_size(size)})")
    return {
        "dialect": "postgres",
        "path": str(target),
        "size_bytes": size,
        "seconds": round(time.monotonic() - started, 3),
    }


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
    proc = subprocess.run(
        [str(pg_restore), "--list", str(archive)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(
            f"refusing to restore {archive}: pg_restore cannot read it "
            f"({reason[-1] if reason else 'no message'}); the database was not changed"
        )
    toc = _Toc(set(), set(), set(), [])
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
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


def _restore_sql(pg_restore: Path, archive: Path, listing: Path, section: str) -> str:
    proc = subprocess.run(
        [
            str(pg_restore),
            f"--section={section}",
            "--no-owner",
            "--no-privileges",
            f"--use-list={listing}",
            "--file=-",
            str(archive),
        ],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(
            f"refusing to restore {archive}: pg_restore cannot read its {section} section "
            f"({reason[-1] if reason else 'no message'}); the database was not changed"
        )
    try:
        script = proc.stdout.decode("utf-8")
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
    say = progress or _quiet
    started = time.monotonic()
    source = source.expanduser()
    _require_file(source)
    with open(source, "rb") as handle:
        if handle.read(len(_PGDMP_HEADER)) != _PGDMP_HEADER:
            raise BackupError(
                f"refusing to restore {source}: it is not a pg_dump custom-format archive"
            )
    settings = Settings(database_url=database_url)
    major, schema = _server(database_url)
    pg_restore = find_pg_tool("pg_restore", major)
    say(f"checking {source} ({_size(source.stat().st_size)})")
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


def error_details(exc: PictallionError) -> list[str]:
    """Extra lines an error carries (differences, failed checks), for the CLI."""
    return list(getattr(exc, "details", None) or getattr(exc, "differences", None) or [])
