"""A no-op dramatiq actor: the baseline of the webhook benchmark.

The benchmark's worker loads it beside ``app.tasks``, so the baseline and the
deliveries run in one and the same worker. "No-op" counts itself (one Redis
INCR) so the benchmark can tell when the queue has drained.
"""

from __future__ import annotations

import dramatiq
import redis

from app.broker import configure_broker
from app.config import load_settings

QUEUE = "bench_noop"
COUNTER = "skillforge:bench:noop"

broker = configure_broker()
_client = redis.Redis.from_url(load_settings().redis_url)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def noop() -> None:
    """Do nothing but count."""
    _client.incr(COUNTER)
