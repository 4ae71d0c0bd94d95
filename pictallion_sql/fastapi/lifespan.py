"""The application lifespan: the database is opened at startup and closed at shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from pictallion_sql.config import Settings
from pictallion_sql.database import close_db, connect, get_database

__all__ = ["database_lifespan"]


def database_lifespan(
    url: str | None = None, *, migrate: bool = False, config: Settings | None = None
) -> Callable[[Any], AbstractAsyncContextManager[dict[str, Any]]]:
    """A lifespan for ``FastAPI(lifespan=...)`` that opens the database and closes it.

    Without ``url`` (and ``config``) it is the process-wide database configured by the
    environment (:func:`pictallion_sql.database.get_database`, shared with any code that
    asks for it); otherwise a database of the application's own. ``migrate=True`` applies
    pending migrations first; a failure stops the startup with the library's
    ``MigrationError`` or ``ConfigurationError``. The database is in the lifespan state
    (``request.state.database``), where :func:`get_db` finds it.
    """

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        if migrate:
            from pictallion_sql.migrations import upgrade_to_head

            # Behind a transaction pooler migrations use the direct URL (DATABASE_ADMIN_URL).
            target = url if url is not None or config is None else config.direct_url("migrating")
            await upgrade_to_head(target)
        shared = url is None and config is None
        database = await get_database() if shared else await connect(url, config=config)
        try:
            yield {"database": database}
        finally:
            if shared:
                await close_db()
            else:
                await database.close()

    return lifespan
