"""The dramatiq broker on Redis, set up before any actor is declared."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from app.config import load_settings

_broker: RedisBroker | None = None


def configure_broker(redis_url: str | None = None) -> RedisBroker:
    """Create the process's broker once and make it dramatiq's global broker."""
    global _broker
    if _broker is None:
        url = redis_url or load_settings().redis_url
        _broker = RedisBroker(url=url)
        dramatiq.set_broker(_broker)

    return _broker
