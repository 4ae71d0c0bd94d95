"""Settings read from the environment: which database, how to pool it, whether to log queries.

The environment is read when the settings are first needed (the first ``connect()``), never
at import; docs/configuration.md lists every setting with its variable.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal
from urllib.parse import SplitResult, parse_qsl, unquote, unquote_plus, urlsplit, urlunsplit

import msgspec

from pictallion_sql.errors import ConfigurationError

__all__ = [
    "DEFAULT_DATABASE_URL",
    "POOLERS",
    "Dialect",
    "Settings",
    "debug_enabled",
    "get_settings",
    "mask_secrets",
    "mask_url",
    "settings",
]

Dialect = Literal["sqlite", "postgres"]

POOLERS = ("session", "transaction")
"""The pooler modes ``DB_POOLER`` accepts: what sits between the library and PostgreSQL."""

DEFAULT_DATABASE_URL = "sqlite:///./data/pictallion.db"

_SCHEMES: dict[str, Dialect] = {
    "sqlite": "sqlite",
    "postgres": "postgres",
    "postgresql": "postgres",
}
_DB_TYPES: dict[str, Dialect] = {
    "sqlite": "sqlite",
    "postgres": "postgres",
    "postgresql": "postgres",
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


# Query parameters that carry a password (libpq and asyncpg read ``?password=``).
_SECRET_PARAMETERS = frozenset({"password"})


def mask_url(url: str) -> str:
    """Return ``url`` with any password (in the user part or a ``password=`` query
    parameter) replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    netloc = parts.netloc if parts.password is None else _masked_netloc(parts)
    query = "&".join(
        f"{key}=***" if secret else f"{key}{sep}{value}"
        for key, sep, value, secret in _query_fields(parts.query)
    )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def mask_secrets(text: object, database_url: str) -> str:
    """``text`` (an error message, a driver's output) with ``database_url`` and its
    passwords masked.

    The URL itself becomes :func:`mask_url`'s form; each password, from the user part or a
    ``password=`` query parameter, is replaced by ``***`` as written in the URL and
    percent-decoded (a driver reports ``p@ss`` for ``p%40ss``).
    """
    message = str(text)
    if not database_url:
        return message
    message = message.replace(database_url, mask_url(database_url))
    # Longest first: a decoded form may be part of the written one, or the reverse.
    for secret in sorted(_url_secrets(database_url), key=len, reverse=True):
        message = message.replace(secret, "***")
    return message


def _url_secrets(url: str) -> set[str]:
    try:
        parts = urlsplit(url)
        written = [parts.password] if parts.password else []
    except ValueError:
        return set()
    written += [value for _, _, value, secret in _query_fields(parts.query) if secret and value]
    forms = {form for raw in written for form in (raw, unquote(raw), unquote_plus(raw))}
    return {form for form in forms if form}


def _query_fields(query: str) -> list[tuple[str, str, str, bool]]:
    """Each ``key=value`` of a URL query: key, separator, value, and whether it is a password."""
    if not query:
        return []
    fields = []
    for field in query.split("&"):
        key, sep, value = field.partition("=")
        fields.append((key, sep, value, bool(sep) and unquote_plus(key) in _SECRET_PARAMETERS))
    return fields


def _masked_netloc(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return f"{user}:***@{host}"


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def _parse_pooler(raw: str) -> str | None:
    value = raw.strip().lower()
    if value in ("", "none"):
        return None
    if value not in POOLERS:
        raise ConfigurationError(
            f"DB_POOLER must be 'session' or 'transaction' (or unset), got {raw!r}"
        )
    return value


def _parse_int(name: str, raw: str, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return value


def _parse_seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def _lookup(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    """The first of ``names`` set to a non-blank value in ``env``: its name and value."""
    for name in names:
        raw = env.get(name, "").strip()
        if raw:
            return name, raw
    return None


def _parse_threshold(name: str, raw: str) -> float | None:
    value = raw.strip().lower()
    if value in {"", "off", "none"}:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(
            f"{name} must be a number of milliseconds, or 'off', got {raw!r}"
        ) from None
    if not number >= 0 or number == float("inf"):
        raise ConfigurationError(f"{name} must be a finite number >= 0, got {raw!r}")
    return number


class Settings(msgspec.Struct):
    """Database settings: ``Settings.from_env()`` reads them; attributes may change at run time."""

    database_url: str = DEFAULT_DATABASE_URL
    db_type: str | None = None
    environment: str = "development"
    pool_size: int = 10
    max_overflow: int = 20
    pool_timeout: float = 30.0
    busy_timeout_ms: int = 5000
    # SQLite reads the database file through a memory map of up to this many MiB (0: off):
    # pages come from the OS page cache shared by every connection, instead of each
    # connection's own 2 MB page cache. A large library's random reads need it.
    sqlite_mmap_mb: int = 1024
    statement_cache_size: int = 1024
    debug: bool = False
    pooler: str | None = None
    """``"transaction"`` behind a transaction-pooling pgbouncer: no named prepared
    statements, streams read in batches by key; ``"session"`` or None: the fast path."""
    admin_url: str | None = None
    """PostgreSQL reached directly, for the administration that cannot run through the
    transaction pooler in front of ``database_url`` (migrations, backups): ``direct_url``."""
    replica_urls: tuple[str, ...] = ()
    """Read replicas (hot standbys) of the PostgreSQL primary at ``database_url``."""
    replica_max_lag: float = 10.0
    """Seconds of replay lag beyond which a replica is skipped."""
    replica_retry_interval: float = 5.0
    """Seconds a replica found down or lagging is left alone before it is tried again."""
    # The optional Redis cache (the ``redis`` extra): off unless a URL is given.
    redis_url: str | None = None
    cache_ttl: int = 300  # seconds an entry lives at most
    cache_timeout_ms: int = 100  # a Redis call slower than this falls back to the database
    # Statements slower than this many milliseconds are logged at WARNING by the
    # "pictallion_sql.slow_query" logger; None turns the log off.
    slow_query_ms: float | None = 1000.0
    # Every update and delete of a file_versions or media_assets row through the library
    # also writes an asset_history row in the same transaction.
    audit_trail: bool = False
    # In that history, a value whose JSON is larger than this is left out (its size kept).
    audit_max_value_bytes: int = 4096
    # Photo search: the total and facets of a filter matching at least search_totals_min
    # photos are kept in this process for search_totals_ttl seconds (0: never) and reused
    # by its following pages, until a write to the tables it read commits here
    # (docs/search.md). Whether writes are watched is decided when the database opens.
    search_totals_ttl: int = 60
    search_totals_min: int = 10_000
    # A search page counts at most this many matches for its total and facets unless the
    # caller asks for the exact figure (0: always exact). The page then costs about what
    # reading this many matches costs, however large the library (docs/search.md).
    search_count_limit: int = 1_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default ``os.environ``); docs/configuration.md
        lists every variable. A blank variable counts as unset."""
        env = os.environ if env is None else env
        s = cls()
        if found := _lookup(env, "DATABASE_URL"):
            s.database_url = found[1]
        if found := _lookup(env, "DB_TYPE"):
            s.db_type = found[1]
        if found := _lookup(env, "NODE_ENV"):
            s.environment = found[1]
        # Library names first; the shorter DB_* names of earlier releases are still read.
        if found := _lookup(env, "PICTALLION_DB_POOL_SIZE", "DB_POOL_SIZE"):
            s.pool_size = _parse_int(*found, 1)
        if found := _lookup(env, "PICTALLION_DB_MAX_OVERFLOW", "DB_MAX_OVERFLOW"):
            s.max_overflow = _parse_int(*found, 0)
        if found := _lookup(env, "PICTALLION_DB_POOL_TIMEOUT", "DB_POOL_TIMEOUT"):
            s.pool_timeout = _parse_seconds(*found)
        if found := _lookup(env, "PICTALLION_DB_BUSY_TIMEOUT_MS", "DB_BUSY_TIMEOUT_MS"):
            s.busy_timeout_ms = _parse_int(*found, 0)
        if found := _lookup(env, "PICTALLION_DB_SQLITE_MMAP_MB"):
            s.sqlite_mmap_mb = _parse_int(*found, 0)
        if found := _lookup(env, "PICTALLION_DB_STATEMENT_CACHE_SIZE"):
            s.statement_cache_size = _parse_int(*found, 0)
        if found := _lookup(env, "PICTALLION_DB_DEBUG"):
            s.debug = _parse_bool(*found)
        elif found := _lookup(env, "DEBUG"):
            # Other tools own the plain name (``DEBUG=express:*`` in Node setups): it counts
            # only when it is a boolean, and is ignored otherwise.
            with contextlib.suppress(ConfigurationError):
                s.debug = _parse_bool(*found)
        if found := _lookup(env, "PICTALLION_DB_POOLER", "DB_POOLER"):
            s.pooler = _parse_pooler(found[1])
        if found := _lookup(env, "PICTALLION_DATABASE_ADMIN_URL", "DATABASE_ADMIN_URL"):
            s.admin_url = found[1]
        if found := _lookup(env, "PICTALLION_DATABASE_REPLICA_URLS", "DATABASE_REPLICA_URLS"):
            s.replica_urls = tuple(url.strip() for url in found[1].split(",") if url.strip())
        if found := _lookup(env, "PICTALLION_DB_REPLICA_MAX_LAG", "DB_REPLICA_MAX_LAG"):
            s.replica_max_lag = _parse_seconds(*found)
        if found := _lookup(env, "PICTALLION_DB_REPLICA_RETRY_SECONDS", "DB_REPLICA_RETRY_SECONDS"):
            s.replica_retry_interval = _parse_seconds(*found)
        if found := _lookup(env, "PICTALLION_REDIS_URL", "REDIS_URL"):
            s.redis_url = found[1]
        if found := _lookup(env, "PICTALLION_CACHE_TTL"):
            s.cache_ttl = _parse_int(*found, 1)
        if found := _lookup(env, "PICTALLION_CACHE_TIMEOUT_MS"):
            s.cache_timeout_ms = _parse_int(*found, 1)
        if found := _lookup(env, "PICTALLION_DB_SLOW_QUERY_MS", "DB_SLOW_QUERY_MS"):
            s.slow_query_ms = _parse_threshold(*found)
        if found := _lookup(env, "PICTALLION_DB_AUDIT_TRAIL", "DB_AUDIT_TRAIL"):
            s.audit_trail = _parse_bool(*found)
        if found := _lookup(env, "PICTALLION_DB_AUDIT_MAX_VALUE_BYTES", "DB_AUDIT_MAX_VALUE_BYTES"):
            s.audit_max_value_bytes = _parse_int(*found, 0)
        if found := _lookup(env, "PICTALLION_DB_SEARCH_TOTALS_TTL"):
            s.search_totals_ttl = _parse_int(*found, 0)
        if found := _lookup(env, "PICTALLION_DB_SEARCH_TOTALS_MIN"):
            s.search_totals_min = _parse_int(*found, 0)
        if found := _lookup(env, "PICTALLION_DB_SEARCH_COUNT_LIMIT"):
            s.search_count_limit = _parse_int(*found, 0)
        return s

    def with_url(self, url: str) -> Settings:
        """Return a copy pointing at ``url``; the dialect is taken from the URL.

        The replicas and the direct URL are those of ``database_url``: another URL keeps
        none.
        """
        if url == self.database_url:
            return msgspec.structs.replace(self, db_type=None)
        return msgspec.structs.replace(
            self, database_url=url, db_type=None, replica_urls=(), admin_url=None
        )

    def direct_url(self, purpose: str) -> str:
        """The URL for administration that needs a session of its own (``purpose``):
        ``database_url``, or behind a transaction pooler ``admin_url``.

        Raises :class:`ConfigurationError` behind a transaction pooler without
        ``admin_url``: migrations and backups keep session state across transactions,
        which a transaction pooler does not carry from one transaction to the next.
        """
        if not self.transaction_pooled:
            return self.database_url
        if self.admin_url:
            return self.admin_url
        raise ConfigurationError(
            f"{purpose} cannot run through a transaction pooler (DB_POOLER=transaction, "
            f"{self.masked_url}): set DATABASE_ADMIN_URL to PostgreSQL's direct URL"
        )

    def with_replicas(self, urls: Sequence[str]) -> Settings:
        """Return a copy whose read replicas are ``urls``."""
        return msgspec.structs.replace(self, replica_urls=tuple(urls))

    @property
    def dialect(self) -> Dialect:
        """The dialect named by ``DATABASE_URL``, checked against ``DB_TYPE``."""
        scheme = self._parts().scheme.lower()
        base = scheme.split("+", 1)[0]
        url_dialect = _SCHEMES.get(base)
        if url_dialect is None:
            raise ConfigurationError(
                f"DATABASE_URL has an unsupported scheme {scheme!r} "
                f"(expected sqlite://, postgresql:// or postgres://): {self.masked_url}"
            )
        if self.db_type is not None:
            declared = _DB_TYPES.get(self.db_type.lower())
            if declared is None:
                raise ConfigurationError(
                    f"DB_TYPE must be 'sqlite', 'postgres' or 'postgresql', got {self.db_type!r}"
                )
            if declared != url_dialect:
                raise ConfigurationError(
                    f"DB_TYPE={self.db_type!r} contradicts DATABASE_URL {self.masked_url}"
                )
        return url_dialect

    @property
    def transaction_pooled(self) -> bool:
        """True behind a transaction-pooling pgbouncer (``pooler="transaction"``)."""
        pooler = self.pooler
        if pooler is None or pooler == "session":
            return False
        if pooler == "transaction":
            return True
        raise ConfigurationError(
            f"pooler must be 'session' or 'transaction' (or None), got {pooler!r}"
        )

    @property
    def prepared_statement_limit(self) -> int:
        """Prepared statements kept per connection: none behind a transaction pooler, where
        the next statement may run on another server connection."""
        return 0 if self.transaction_pooled else self.statement_cache_size

    @property
    def is_sqlite(self) -> bool:
        """True when the configured database is SQLite."""
        return self.dialect == "sqlite"

    @property
    def is_postgres(self) -> bool:
        """True when the configured database is PostgreSQL."""
        return self.dialect == "postgres"

    @property
    def is_development(self) -> bool:
        """True unless NODE_ENV says production or test."""
        return self.environment.lower() not in {"production", "test"}

    @property
    def is_production(self) -> bool:
        """True when NODE_ENV is production."""
        return self.environment.lower() == "production"

    @property
    def masked_url(self) -> str:
        """The database URL with its password replaced by ``***``."""
        return mask_url(self.database_url)

    @property
    def sqlite_path(self) -> str:
        """The SQLite file path (or ``:memory:``) named by the URL."""
        if self.dialect != "sqlite":
            raise ConfigurationError(f"not a SQLite URL: {self.masked_url}")
        parts = self._parts()
        # sqlite:///relative/path and sqlite:////absolute/path, as in SQLAlchemy and yoyo
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if parts.netloc and parts.netloc != "localhost":
            path = parts.netloc + ("/" + path if path else "")
        if not path:
            raise ConfigurationError(f"DATABASE_URL names no SQLite file: {self.masked_url}")
        return path

    @property
    def in_memory(self) -> bool:
        """True for a SQLite URL naming no file (``sqlite:///:memory:``)."""
        return self.dialect == "sqlite" and self.sqlite_file() is None

    def same_database(self, other: Settings) -> bool:
        """True when ``other`` names this very database (same file, or same server DSN)."""
        if self.dialect != other.dialect:
            return False
        if self.dialect == "sqlite":
            mine, theirs = self.sqlite_file(), other.sqlite_file()
            return mine is not None and theirs is not None and mine.resolve() == theirs.resolve()
        return self.postgres_dsn == other.postgres_dsn

    @property
    def sqlite_read_only(self) -> bool:
        """True for a SQLite URL ending in ``?mode=ro``: the file is opened read-only."""
        return self.dialect == "sqlite" and ("mode", "ro") in parse_qsl(self._parts().query)

    @property
    def postgres_dsn(self) -> str:
        """The URL in the form asyncpg accepts; TLS query options pass through."""
        if self.dialect != "postgres":
            raise ConfigurationError(f"not a PostgreSQL URL: {self.masked_url}")
        parts = self._parts()
        return urlunsplit(parts._replace(scheme="postgresql"))

    @property
    def postgres_options(self) -> dict[str, str]:
        """Query-string options of the PostgreSQL URL (``sslmode``, ``sslrootcert``...)."""
        return dict(parse_qsl(self._parts().query))

    @property
    def max_connections(self) -> int:
        """The most connections a pool may open: pool size plus overflow."""
        return self.pool_size + self.max_overflow

    def sqlite_file(self) -> Path | None:
        """The SQLite database as a Path, or None for an in-memory database."""
        path = self.sqlite_path
        return None if path == ":memory:" else Path(path)

    def _parts(self) -> SplitResult:
        try:
            return urlsplit(self.database_url)
        except ValueError as exc:
            raise ConfigurationError(f"DATABASE_URL is malformed: {exc}") from None

    def __repr__(self) -> str:
        return (
            f"Settings(database_url={self.masked_url!r}, db_type={self.db_type!r}, "
            f"environment={self.environment!r}, pool_size={self.pool_size}, "
            f"max_overflow={self.max_overflow}, debug={self.debug}, pooler={self.pooler!r}, "
            f"admin_url={None if self.admin_url is None else mask_url(self.admin_url)!r}, "
            f"replica_urls={tuple(mask_url(u) for u in self.replica_urls)!r}, "
            f"redis_url={None if self.redis_url is None else mask_url(self.redis_url)!r})"
        )

    __str__ = __repr__


_settings: Settings | None = None

settings: Settings
"""The process-wide settings: read from the environment on first use (the first
``connect()`` without a URL, or the first access to this attribute), never at import.
Attributes may be changed at run time (``settings.debug = True``)."""


def get_settings() -> Settings:
    """The process-wide settings, read from the environment the first time they are needed."""
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def debug_enabled() -> bool:
    """Whether the process-wide settings ask for query logging (False while never read:
    nothing could have asked for it yet)."""
    return _settings is not None and _settings.debug


def __getattr__(name: str) -> Settings:
    if name == "settings":
        return get_settings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
