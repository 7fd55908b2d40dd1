"""The webhook outbox: domains record events inside their own transaction.

``record_event`` writes the event and one delivery per endpoint of the
partner that subscribed to its type, and flushes; the caller commits. So the
change and its event commit together or not at all, and nothing is sent for a
change that rolled back. The deliveries are enqueued after the commit.

Payloads carry ids, and a learner's data only when that learner consents to
sharing with partners; the caller builds them. Put the learner's id at
``learner_id`` (or ``learner.id``) so that a consent revocation can cancel
what was not sent yet (``cancel_for_learner``).
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.webhooks.dispatcher import enqueue_after_commit
from app.webhooks.errors import UnknownEventType
from app.webhooks.models import EVENT_TYPES, Delivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)

EVENT_ID_PREFIX = "evt_"
# Endpoints in these states get deliveries; a paused one holds them.
RECEIVING = ("active", "paused")


def new_event_id() -> str:
    """A random event id, the ``webhook-id`` receivers deduplicate on."""
    return EVENT_ID_PREFIX + secrets.token_hex(16)


def _learner_of(payload: dict[str, Any]) -> int | None:
    learner = payload.get("learner")
    value = learner.get("id") if isinstance(learner, dict) else None
    value = payload.get("learner_id", value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def record_event(
    session: Session, partner_id: int, event_type: str, payload: dict[str, Any]
) -> str:
    """Add an event and its deliveries in the caller's transaction; return its id.

    Flushes, never commits. Raises UnknownEventType for a type not in
    ``EVENT_TYPES`` and TypeError for a payload that is not JSON.
    """
    if event_type not in EVENT_TYPES:
        raise UnknownEventType(f"unknown webhook event type {event_type!r}")
    json.dumps(payload)

    event = WebhookEvent(
        id=new_event_id(),
        partner_id=partner_id,
        event_type=event_type,
        payload=payload,
        learner_id=_learner_of(payload),
        created_at=utcnow(),
    )
    session.add(event)
    endpoints = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.status).where(
            WebhookEndpoint.partner_id == partner_id,
            WebhookEndpoint.status.in_(RECEIVING),
            WebhookEndpoint.event_types.contains([event_type]),
        )
    ).all()
    deliveries = [
        Delivery(event_id=event.id, endpoint_id=row.id, due_at=event.created_at)
        for row in endpoints
    ]
    session.add_all(deliveries)
    session.flush()

    active = {row.id for row in endpoints if row.status == "active"}
    enqueue_after_commit(
        session, [(d.id, d.endpoint_id) for d in deliveries if d.endpoint_id in active]
    )
    logger.debug(
        "Event %s (%s) recorded for partner %d: %d deliveries.",
        event.id,
        event_type,
        partner_id,
        len(deliveries),
    )
    return event.id


def cancel_for_learner(session: Session, learner_id: int, reason: str) -> int:
    """Cancel every delivery not sent yet that carries the learner's data.

    For consent revocation; flushes, never commits. Events that name the
    learner by id only (no ``learner`` details) still go out: ids are what a
    partner may always see. A delivery being attempted right now may still
    arrive. Returns how many were cancelled.
    """
    events = select(WebhookEvent.id).where(
        WebhookEvent.learner_id == learner_id,
        WebhookEvent.payload.has_key("learner"),
    )
    result = session.execute(
        update(Delivery)
        .where(Delivery.status == "pending", Delivery.event_id.in_(events))
        .values(
            status="cancelled",
            cancel_reason=reason[:200],
            finished_at=utcnow(),
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()

    count = int(getattr(result, "rowcount", 0) or 0)
    logger.info("Cancelled %d deliveries carrying learner %d.", count, learner_id)
    return count
