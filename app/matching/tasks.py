"""The matching actors that ``skillforge worker`` runs."""

from __future__ import annotations

import logging

import dramatiq

import app.models  # noqa: F401  (every mapper, before the first query)
from app.broker import configure_broker
from app.config import load_settings
from app.db import db
from app.matching.errors import RecomputeRunning
from app.matching.jobs import QUEUE, RECOMPUTE_ACTOR, RECOMPUTE_DELAY_MS
from app.matching.recompute import recompute_all

logger = logging.getLogger(__name__)
broker = configure_broker()

# A full recompute of 100,000 learners takes a minute or two; allow far more.
RECOMPUTE_TIME_LIMIT_MS = 30 * 60 * 1000


@dramatiq.actor(
    queue_name=QUEUE,
    actor_name=RECOMPUTE_ACTOR,
    max_retries=3,
    min_backoff=30_000,
    time_limit=RECOMPUTE_TIME_LIMIT_MS,
)
def recompute_matches() -> None:
    """Recompute and store every learner's top matches.

    When another recompute holds the lock, this one comes back after
    ``RECOMPUTE_DELAY_MS`` rather than being lost: the running one may have
    read the opportunities before the change that asked for this one.
    """
    settings = load_settings()
    db.configure(settings.database_url)
    try:
        recompute_all(db.session, redis_url=settings.redis_url)
    except RecomputeRunning:
        logger.info("A recompute is running; trying again later.")
        recompute_matches.send_with_options(delay=RECOMPUTE_DELAY_MS)
