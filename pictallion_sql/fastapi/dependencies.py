"""Request dependencies: one pooled connection, or one transaction, per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from pictallion_sql.database import get_database
from pictallion_sql.drivers.base import Database
from pictallion_sql.drivers.connection import Connection

__all__ = ["Db", "Transaction", "get_db", "get_db_transaction"]


async def _database(request: Request) -> Database:
    # The lifespan's database when the application has one, else the process-wide one.
    database = getattr(request.state, "database", None)
    if isinstance(database, Database):
        return database
    return await get_database()


async def get_db(request: Request) -> AsyncIterator[Connection]:
    """``Depends(get_db)``: one pooled connection for the request; no transaction, each
    call commits on its own."""
    database = await _database(request)
    async with database.connection() as conn:
        yield conn


async def _transaction(request: Request) -> AsyncIterator[Connection]:
    database = await _database(request)
    async with database.transaction() as conn:
        yield conn


async def get_db_transaction(
    tx: Annotated[Connection, Depends(_transaction, scope="function")],
) -> Connection:
    """``Depends(get_db_transaction)``: one transaction for the request.

    It commits when the endpoint returns and rolls back when it raises, so nothing of a
    failed request is kept. The commit happens before the response is sent (the
    transaction is a dependency of ``scope="function"``), so a success is reported only
    once committed, and a failed commit is an error response.
    """
    return tx


Db = Annotated[Connection, Depends(get_db)]
"""A parameter annotated ``db: Db`` gets :func:`get_db`'s connection."""

Transaction = Annotated[Connection, Depends(get_db_transaction)]
"""A parameter annotated ``tx: Transaction`` runs the request in one transaction,
committed before the response is sent."""
