"""Rate limits shared through Redis by every process that serves the app.

Every request costs one Redis round trip for its limit: one moving window
per client address over the whole app (``SKILLFORGE_RATE_LIMIT``), and a
stricter one on the log-in and sign-up routes. The limit headers
(``X-RateLimit-Limit``, ``-Remaining``, ``-Reset`` and ``Retry-After``)
come with the 429 only: flask-limiter computes them with a second round
trip, which on every response would cost the cached read routes about a
fifth of their throughput.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.config import Settings

logger = logging.getLogger(__name__)

limiter = Limiter(get_remote_address, strategy="moving-window")


def init_app(app: Flask, settings: Settings) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = settings.redis_url
    # One budget per address for the whole app, not one per route: 600 a
    # minute means 600 requests, whichever routes they ask for.
    app.config["RATELIMIT_APPLICATION"] = settings.rate_limit_default
    app.config["RATELIMIT_ENABLED"] = (
        settings.limiter_enabled and "limiter_off" not in settings.fault_flags
    )
    app.config["RATELIMIT_HEADERS_ENABLED"] = False
    app.config["RATELIMIT_KEY_PREFIX"] = "skillforge"
    # Degraded, not down: while Redis does not answer, each process limits on
    # its own in memory instead of failing every request with a 500.
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    limiter.init_app(app)
    app.after_request(_headers_on_breach)


def _headers_on_breach(response: Response) -> Response:
    """On the limiter's own 429: its limit, what is left and when to retry."""
    current = limiter.current_limit
    if response.status_code != 429 or current is None or not current.breached:
        return response

    try:
        reset_at = current.reset_at
        remaining = current.remaining
    except Exception:  # Redis went away between the hit and here.
        logger.warning("Rate limit window unreadable; 429 sent without its headers.")
        return response
    response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    response.headers["X-RateLimit-Reset"] = str(reset_at)
    wait = max(1, reset_at - int(time.time()))
    # A longer wait named by the app (a login delay) stands.
    named = response.headers.get("Retry-After", "")
    response.headers["Retry-After"] = str(
        max(wait, int(named) if named.isdigit() else 0)
    )
    return response
