"""Hands pending deliveries to dramatiq: right after commit, and by a sweep.

``record_event`` asks for its deliveries to be enqueued as soon as the
caller's transaction commits (SQLAlchemy's ``after_commit``), which keeps the
time from commit to first attempt short. That path can fail (Redis down, the
process killed between commit and enqueue), and a Redis restart loses queued
messages, so ``sweep`` is the safety net: it picks pending deliveries that
are past due by more than ``sweep_grace`` seconds and not being attempted,
with ``FOR UPDATE SKIP LOCKED`` so several sweepers never take the same row,
and enqueues them again. A delivery enqueued twice is attempted once: the
worker claims it in the database first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import timedelta

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from flask import current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from app.config import Settings, load_settings
from app.db import utcnow
from app.webhooks.models import Delivery, WebhookEndpoint

logger = logging.getLogger(__name__)

QUEUE = "webhooks"
DELIVER_ACTOR = "deliver_webhook"
SWEEP_BATCH = 1000
# Keys of ``Session.info`` this module uses.
PENDING_KEY = "webhooks.pending"
HOOKED_KEY = "webhooks.hooked"
REDIS_URL_KEY = "webhooks.redis_url"

_producers: dict[str, RedisBroker] = {}
_default_redis_url: str | None = None
_producers_lock = threading.Lock()

Item = tuple[int, int]


def producer(redis_url: str) -> RedisBroker:
    """A broker that only sends, one per Redis URL and process."""
    with _producers_lock:
        broker = _producers.get(redis_url)
        if broker is None:
            broker = RedisBroker(url=redis_url)
            broker.declare_queue(QUEUE)
            _producers[redis_url] = broker

    return broker


def enqueue(redis_url: str, items: Iterable[Item], delay_ms: int | None = None) -> int:
    """Send one ``deliver_webhook`` message per (delivery id, endpoint id)."""
    broker = producer(redis_url)
    sent = 0
    for delivery_id, endpoint_id in items:
        message: dramatiq.Message[None] = dramatiq.Message(
            queue_name=QUEUE,
            actor_name=DELIVER_ACTOR,
            args=(delivery_id, endpoint_id),
            kwargs={},
            options={},
        )
        broker.enqueue(message, delay=delay_ms)
        sent += 1

    return sent


def use_redis(redis_url: str) -> None:
    """Make ``redis_url`` where this process enqueues when nothing else says.

    The app calls it when its webhook blueprint is registered, so code that
    records events outside a request (a test, a shell) follows the app's
    settings rather than whatever the environment names.
    """
    global _default_redis_url
    _default_redis_url = redis_url


def redis_url_for(session: Session) -> str:
    """The Redis the session's deliveries go to.

    In order: the one set on the session, the current app's, the one the
    process's app registered, the environment's settings.
    """
    url = session.info.get(REDIS_URL_KEY)
    if url:
        return str(url)
    if has_app_context():
        settings: Settings = current_app.config["SKILLFORGE"]
        return settings.redis_url
    if _default_redis_url:
        return _default_redis_url

    return load_settings().redis_url


def enqueue_after_commit(session: Session, items: list[Item]) -> None:
    """Enqueue ``items`` once the session's transaction commits; never before."""
    session.info.setdefault(PENDING_KEY, []).extend(items)
    if session.info.get(HOOKED_KEY):
        return

    session.info[HOOKED_KEY] = True
    event.listen(session, "after_commit", _after_commit)
    event.listen(session, "after_soft_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    items: list[Item] = session.info.pop(PENDING_KEY, [])
    if not items:
        return

    try:
        enqueue(redis_url_for(session), items)
    except Exception:
        # The rows are committed: the sweep sends them after its grace period.
        logger.warning(
            "Could not enqueue %d webhook deliveries after commit; the sweep "
            "will send them.",
            len(items),
            exc_info=True,
        )


def _after_rollback(session: Session, _previous: object) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING_KEY, None)


def sweep(session: Session, settings: Settings, limit: int = SWEEP_BATCH) -> int:
    """Enqueue pending deliveries that look lost; return how many were sent.

    Only deliveries of active endpoints count (a paused endpoint holds its
    own), and only those past due by ``sweep_grace`` seconds, not leased to
    a worker and not enqueued by a sweep within that grace.
    """
    now = utcnow()
    grace = timedelta(seconds=settings.webhooks.sweep_grace)
    rows = session.execute(
        select(Delivery.id, Delivery.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
        .where(
            Delivery.status == "pending",
            WebhookEndpoint.status == "active",
            Delivery.due_at <= now - grace,
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
            or_(Delivery.enqueued_at.is_(None), Delivery.enqueued_at < now - grace),
        )
        .order_by(Delivery.due_at)
        .limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)
    ).all()
    if not rows:
        session.rollback()
        return 0

    items = [(row.id, row.endpoint_id) for row in rows]
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_([i for i, _ in items]))
        .values(enqueued_at=now)
    )
    enqueue(settings.redis_url, items)
    session.commit()

    logger.info("Sweep enqueued %d webhook deliveries again.", len(items))
    return len(items)
