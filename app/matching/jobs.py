"""Asking the workers for a recompute of every learner's stored matches.

Partner routes call ``request_recompute`` after committing a change to an
opportunity. Requests are folded together: the first one in a window of
``RECOMPUTE_DELAY_MS`` enqueues a ``recompute_matches`` message delayed by
that window, later ones in the window find the message pending and add
nothing. So a partner publishing fifty opportunities causes one recompute,
about a minute later, that sees all fifty.
"""

from __future__ import annotations

import logging
import threading

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

logger = logging.getLogger(__name__)

QUEUE = "matching"
RECOMPUTE_ACTOR = "recompute_matches"
RECOMPUTE_DELAY_MS = 60_000
PENDING_KEY = "skillforge:matching:recompute-pending"

_producers: dict[str, tuple[RedisBroker, redis.Redis]] = {}
_lock = threading.Lock()


def _producer(redis_url: str) -> tuple[RedisBroker, redis.Redis]:
    """A broker that only sends, and a client, one each per Redis URL."""
    with _lock:
        found = _producers.get(redis_url)
        if found is None:
            broker = RedisBroker(url=redis_url)
            broker.declare_queue(QUEUE)
            found = (broker, redis.Redis.from_url(redis_url, socket_timeout=2))
            _producers[redis_url] = found

    return found


def request_recompute(redis_url: str, delay_ms: int = RECOMPUTE_DELAY_MS) -> bool:
    """Enqueue a delayed recompute unless one is pending; True if this one did.

    A Redis failure is logged and swallowed: the opportunity change is
    committed already, and the next request or a manual
    ``skillforge matches recompute`` catches up.
    """
    broker, client = _producer(redis_url)
    try:
        if not client.set(PENDING_KEY, "1", nx=True, px=delay_ms):
            return False

        message: dramatiq.Message[None] = dramatiq.Message(
            queue_name=QUEUE,
            actor_name=RECOMPUTE_ACTOR,
            args=(),
            kwargs={},
            options={},
        )
        broker.enqueue(message, delay=delay_ms)
    except redis.RedisError:
        logger.warning("Could not enqueue a match recompute.", exc_info=True)
        return False

    logger.info("Match recompute enqueued to run in %d ms.", delay_ms)
    return True
