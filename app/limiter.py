"""Rate limits shared through Redis by every process that serves the app."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.config import Settings

limiter = Limiter(get_remote_address, strategy="moving-window")


def init_app(app: Flask, settings: Settings) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = settings.redis_url
    app.config["RATELIMIT_DEFAULT"] = settings.rate_limit_default
    app.config["RATELIMIT_ENABLED"] = (
        settings.limiter_enabled and "limiter_off" not in settings.fault_flags
    )
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config["RATELIMIT_KEY_PREFIX"] = "skillforge"
    # Degraded, not down: while Redis does not answer, each process limits on
    # its own in memory instead of failing every request with a 500.
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    limiter.init_app(app)
