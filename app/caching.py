"""The Redis that the app's caches share: one client per URL and process.

The match page cache (``app.matching.cache``) and the token cache
(``app.auth.token_cache``) read and write here. Both treat Redis trouble as
a miss, never as an error: short timeouts keep a stalled Redis from holding
a request for long.
"""

from __future__ import annotations

import logging
import random
import threading

import redis
from flask import current_app, has_app_context

from app.config import load_settings
from app.errors import ConfigError

logger = logging.getLogger(__name__)

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def client(redis_url: str) -> redis.Redis:
    """One client (and connection pool) per Redis URL and process."""
    with _clients_lock:
        found = _clients.get(redis_url)
        if found is None:
            found = redis.Redis.from_url(
                redis_url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            _clients[redis_url] = found

    return found


def spread(ttl_seconds: int) -> int:
    """A lifetime between three quarters of ``ttl_seconds`` and all of it.

    Entries written together (a burst of first requests) then expire apart,
    instead of sending every reader to PostgreSQL in the same instant.
    """
    return random.randint(max(1, ttl_seconds * 3 // 4), ttl_seconds)


def app_redis_url() -> str | None:
    """The Redis of the running app, or the one configured for this process.

    None outside an app when no Redis is configured (a script on the
    development defaults, a test's own session): nothing to invalidate there
    that the expiry does not cover.
    """
    if has_app_context():
        url: str = current_app.config["SKILLFORGE"].redis_url
        return url

    try:
        settings = load_settings()
    except ConfigError:
        logger.warning("No usable settings; cached entries simply expire.")
        return None
    if settings.secret_sources.get("REDIS_URL") == "development default":
        return None

    return settings.redis_url
