"""PostgreSQL's side of archiving old history rows (``admin/archive.py``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from pictallion_sql.admin.archive import ArchiveError
from pictallion_sql.admin.postgres.connection import connect_postgres

__all__ = ["PostgresArchiveStore", "open_postgres_store"]


class PostgresArchiveStore:
    """Archiving on a PostgreSQL database, through one autocommit connection."""

    def __init__(self, url: str) -> None:
        self._cm = connect_postgres(url)
        self.conn = self._cm.__enter__()

    def close(self) -> None:
        self._cm.__exit__(None, None, None)

    def old_batch(
        self, table: str, column: str, columns: Sequence[str], cutoff: datetime, limit: int
    ) -> list[tuple[Any, ...]]:
        query = sql.SQL('SELECT {} FROM {} WHERE {} < %s ORDER BY id COLLATE "C" LIMIT %s').format(
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.Identifier(table),
            sql.Identifier(column),
        )
        return self.conn.execute(query, (cutoff, limit)).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def delete_ids(self, table: str, ids: Sequence[str]) -> int:
        cur = self.conn.execute(
            sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(sql.Identifier(table)),
            (list(ids),),
        )
        return cur.rowcount

    def insert_rows(self, table: str, columns: Sequence[str], rows: list[dict[str, Any]]) -> int:
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO NOTHING").format(
            sql.Identifier(table),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.SQL(", ").join(sql.Placeholder() for _ in columns),
        )
        inserted = 0
        with self.conn.cursor() as cur:
            for row in rows:
                cur.execute(query, [row.get(c) for c in columns])
                inserted += cur.rowcount
        return inserted


@contextmanager
def open_postgres_store(database_url: str) -> Iterator[PostgresArchiveStore]:
    """The archive store of a PostgreSQL database; its errors become ``ArchiveError``."""
    db = PostgresArchiveStore(database_url)
    try:
        yield db
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()
        raise ArchiveError(
            f"archiving failed ({type(exc).__name__}: {first[0] if first else ''}); "
            "the batch in progress was rolled back"
        ) from None
    finally:
        db.close()
