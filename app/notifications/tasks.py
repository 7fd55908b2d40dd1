"""Dramatiq actors of notifications: deliver the email outbox.

Importing this module sets up the broker from the settings (as ``app.tasks``
does), so actors are declared on the broker the worker consumes from.
"""

from __future__ import annotations

import logging

import dramatiq

from app.broker import configure_broker
from app.config import Settings, load_settings
from app.db import db
from app.notifications import email

logger = logging.getLogger(__name__)
broker = configure_broker()

# Retries wait about 10 s, 20 s, 40 s... up to 10 minutes, with jitter.
MIN_BACKOFF_MS = 10_000
MAX_BACKOFF_MS = 600_000
TIME_LIMIT_MS = 120_000


def _database(settings: Settings) -> None:
    # A session factory already set (the tests bind one) is kept.
    if db.session_factory is None:
        db.configure(settings.database_url)


@dramatiq.actor(
    actor_name=email.ACTOR,
    queue_name=email.QUEUE,
    max_retries=email.MAX_ATTEMPTS - 1,
    min_backoff=MIN_BACKOFF_MS,
    max_backoff=MAX_BACKOFF_MS,
    time_limit=TIME_LIMIT_MS,
)
def deliver_email(outbox_id: int) -> None:
    """Send outbox row ``outbox_id`` over SMTP (see ``email.deliver``)."""
    settings = load_settings()
    _database(settings)
    with db.session() as session:
        email.deliver(session, outbox_id, settings)


@dramatiq.actor(queue_name=email.QUEUE, max_retries=0, time_limit=TIME_LIMIT_MS)
def dispatch_stale_emails() -> None:
    """Enqueue pending emails whose first message was lost; run it periodically."""
    settings = load_settings()
    _database(settings)
    with db.session() as session:
        email.dispatch_stale_emails(session, settings.redis_url)
