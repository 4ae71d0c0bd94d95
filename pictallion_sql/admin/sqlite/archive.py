"""SQLite's side of archiving old history rows (``admin/archive.py``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pictallion_sql.admin.archive import TIMESTAMP_FORMAT, ArchiveError
from pictallion_sql.config import Settings

__all__ = ["SqliteArchiveStore", "open_sqlite_store"]


class SqliteArchiveStore:
    """Archiving on a SQLite file, through one autocommit connection."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = ON")

    def close(self) -> None:
        self.conn.close()

    def old_batch(
        self, table: str, column: str, columns: Sequence[str], cutoff: datetime, limit: int
    ) -> list[tuple[Any, ...]]:
        cols = ", ".join(f'"{c}"' for c in columns)
        return self.conn.execute(
            f'SELECT {cols} FROM "{table}" WHERE "{column}" < ? ORDER BY id LIMIT ?',
            (cutoff.strftime(TIMESTAMP_FORMAT), limit),
        ).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def delete_ids(self, table: str, ids: Sequence[str]) -> int:
        deleted = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            cur = self.conn.execute(f'DELETE FROM "{table}" WHERE id IN ({marks})', chunk)
            deleted += cur.rowcount
        return deleted

    def insert_rows(self, table: str, columns: Sequence[str], rows: list[dict[str, Any]]) -> int:
        cols = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        inserted = 0
        for row in rows:
            cur = self.conn.execute(
                f'INSERT INTO "{table}" ({cols}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING',
                [row.get(c) for c in columns],
            )
            inserted += cur.rowcount
        return inserted


@contextmanager
def open_sqlite_store(database_url: str) -> Iterator[SqliteArchiveStore]:
    """The archive store of a SQLite file; its errors become ``ArchiveError``."""
    settings = Settings(database_url=database_url)
    path = settings.sqlite_file()
    if path is None or not path.is_file():
        raise ArchiveError(f"no SQLite database at {settings.sqlite_path}")
    db = SqliteArchiveStore(str(path))
    try:
        yield db
    except sqlite3.Error as exc:
        raise ArchiveError(
            f"archiving failed ({exc}); the batch in progress was rolled back"
        ) from None
    finally:
        db.close()
