"""Actors that ``skillforge worker`` runs.

Importing this module configures the broker from the settings, which is what
the dramatiq command line needs.
"""

from __future__ import annotations

import logging
import os

import dramatiq
import redis

from app.broker import configure_broker
from app.config import load_settings

logger = logging.getLogger(__name__)
broker = configure_broker()

# Each domain's actors, declared on the broker above.
import app.matching.tasks  # noqa: E402
import app.notifications.tasks  # noqa: E402
import app.webhooks.tasks  # noqa: E402, F401

PROBE_KEY = "skillforge:probe:{nonce}"
PROBE_TTL_SECONDS = 300


@dramatiq.actor(queue_name="probe", max_retries=0)
def probe(nonce: str) -> None:
    """Record that a worker consumed the probe job ``nonce``.

    The readiness gate enqueues a probe and waits for this key to appear.
    """
    client = redis.Redis.from_url(load_settings().redis_url)
    client.set(PROBE_KEY.format(nonce=nonce), str(os.getpid()), ex=PROBE_TTL_SECONDS)
    logger.info("Probe job %s consumed.", nonce)
