"""An optional read cache shared by every process of an installation (Redis).

Off unless ``REDIS_URL`` (``Settings.redis_url``) is set; the ``redis`` extra provides
the client. :func:`open_cache` builds it; ``connect()`` attaches it to the database.
"""

from __future__ import annotations

from pictallion_sql.cache.base import CACHED_TABLES, CacheStats, Codec, RowCache, codec_for
from pictallion_sql.config import Settings

__all__ = ["CACHED_TABLES", "CacheStats", "Codec", "RowCache", "codec_for", "open_cache"]


def open_cache(settings: Settings) -> RowCache | None:
    """The cache ``settings`` ask for, or None when no Redis URL is configured."""
    if not settings.redis_url:
        return None
    from pictallion_sql.cache.redis_cache import RedisCache

    return RedisCache(
        settings.redis_url,
        ttl=settings.cache_ttl,
        timeout=settings.cache_timeout_ms / 1000,
    )
