"""Managing webhook endpoints, reading deliveries and replaying dead letters.

Every function that a partner reaches takes the partner's id and looks rows
up through it, so another partner's ids are simply not found (404). Functions
flush and leave the commit to the caller, except where they say otherwise.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import utcnow
from app.pagination import page_of
from app.webhooks.delivery import cancel
from app.webhooks.dispatcher import enqueue_after_commit
from app.webhooks.errors import (
    DeadLetterNotFound,
    DeliveryNotFound,
    EndpointNotFound,
    EndpointStateConflict,
)
from app.webhooks.models import (
    DeadLetter,
    Delivery,
    DeliveryAttempt,
    EndpointSecret,
    WebhookEndpoint,
    WebhookEvent,
)
from app.webhooks.signing import new_secret
from app.webhooks.urls import check_endpoint_url

logger = logging.getLogger(__name__)

# The longest rotation overlap a partner may ask for, in seconds (7 days).
MAX_OVERLAP_SECONDS = 7 * 24 * 3600
DEFAULT_OVERLAP_SECONDS = 24 * 3600
REPLAY_BATCH = 500

ENDPOINT_COLUMNS = (
    WebhookEndpoint.id,
    WebhookEndpoint.url,
    WebhookEndpoint.description,
    WebhookEndpoint.event_types,
    WebhookEndpoint.status,
    WebhookEndpoint.disabled_reason,
    WebhookEndpoint.failure_streak,
    WebhookEndpoint.created_at,
    WebhookEndpoint.updated_at,
)


def endpoint_body(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint in the shape of ``EndpointOut``."""
    return {column.key: getattr(endpoint, column.key) for column in ENDPOINT_COLUMNS}


def get_endpoint(
    session: Session, partner_id: int, endpoint_id: int, lock: bool = False
) -> WebhookEndpoint:
    """The partner's endpoint, or EndpointNotFound (deleted ones too)."""
    statement = select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id,
        WebhookEndpoint.partner_id == partner_id,
        WebhookEndpoint.status != "deleted",
    )
    if lock:
        statement = statement.with_for_update()
    endpoint = session.scalar(statement)
    if endpoint is None:
        raise EndpointNotFound("No such webhook endpoint.")

    return endpoint


def list_endpoints(
    session: Session, partner_id: int, page: int, per_page: int, status: str | None
) -> dict[str, Any]:
    statement = select(*ENDPOINT_COLUMNS).where(
        WebhookEndpoint.partner_id == partner_id, WebhookEndpoint.status != "deleted"
    )
    if status is not None:
        statement = statement.where(WebhookEndpoint.status == status)

    return page_of(session, statement.order_by(WebhookEndpoint.id), page, per_page)


def create_endpoint(
    session: Session,
    settings: Settings,
    partner_id: int,
    url: str,
    event_types: list[str],
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint with a fresh signing secret; return both."""
    checked = check_endpoint_url(url, settings.webhooks)
    endpoint = WebhookEndpoint(
        partner_id=partner_id,
        url=checked,
        event_types=sorted(set(event_types)),
        description=description,
        status="active",
        failure_streak=0,
    )
    secret = new_secret()
    endpoint.secrets.append(EndpointSecret(secret=secret, created_at=utcnow()))
    session.add(endpoint)
    session.flush()

    logger.info("Partner %d registered webhook endpoint %d.", partner_id, endpoint.id)
    return endpoint, secret


def update_endpoint(
    session: Session,
    settings: Settings,
    partner_id: int,
    endpoint_id: int,
    changes: dict[str, Any],
) -> WebhookEndpoint:
    """Change an endpoint's URL, description or event types."""
    endpoint = get_endpoint(session, partner_id, endpoint_id, lock=True)
    if changes.get("url") is not None:
        endpoint.url = check_endpoint_url(changes["url"], settings.webhooks)
    if changes.get("description") is not None:
        endpoint.description = changes["description"]
    if changes.get("event_types") is not None:
        endpoint.event_types = sorted(set(changes["event_types"]))
    endpoint.updated_at = utcnow()
    session.flush()

    logger.info("Partner %d changed webhook endpoint %d.", partner_id, endpoint_id)
    return endpoint


def pause_endpoint(
    session: Session, partner_id: int, endpoint_id: int
) -> WebhookEndpoint:
    """Hold new and pending deliveries until the endpoint is resumed."""
    endpoint = get_endpoint(session, partner_id, endpoint_id, lock=True)
    if endpoint.status == "disabled":
        raise EndpointStateConflict("A disabled endpoint cannot be paused; resume it.")

    endpoint.status = "paused"
    endpoint.updated_at = utcnow()
    session.flush()
    logger.info("Partner %d paused webhook endpoint %d.", partner_id, endpoint_id)
    return endpoint


def resume_endpoint(
    session: Session, partner_id: int, endpoint_id: int
) -> WebhookEndpoint:
    """Make a paused or disabled endpoint active again and send what it holds.

    Its failure streak starts again from zero; its dead letters stay where
    they are until replayed.
    """
    endpoint = get_endpoint(session, partner_id, endpoint_id, lock=True)
    endpoint.status = "active"
    endpoint.disabled_reason = None
    endpoint.disabled_at = None
    endpoint.failure_streak = 0
    endpoint.updated_at = utcnow()

    now = utcnow()
    held = session.scalars(
        update(Delivery)
        .where(Delivery.endpoint_id == endpoint_id, Delivery.status == "pending")
        .values(due_at=now)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.flush()
    enqueue_after_commit(session, [(delivery_id, endpoint_id) for delivery_id in held])

    logger.info(
        "Partner %d resumed webhook endpoint %d with %d deliveries held.",
        partner_id,
        endpoint_id,
        len(held),
    )
    return endpoint


def delete_endpoint(session: Session, partner_id: int, endpoint_id: int) -> int:
    """Delete an endpoint: it gets nothing more; what it had pending is cancelled.

    The row stays, marked deleted, so that the ledger of its past deliveries
    still adds up. Returns how many pending deliveries were cancelled.
    """
    endpoint = get_endpoint(session, partner_id, endpoint_id, lock=True)
    endpoint.status = "deleted"
    endpoint.updated_at = utcnow()
    session.flush()

    now = utcnow()
    waiting = session.scalars(
        select(Delivery.id).where(
            Delivery.endpoint_id == endpoint_id,
            Delivery.status == "pending",
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
        )
    ).all()
    for delivery_id in waiting:
        cancel(session, delivery_id, "the endpoint was deleted")

    logger.info("Partner %d deleted webhook endpoint %d.", partner_id, endpoint_id)
    return len(waiting)


def rotate_secret(
    session: Session, partner_id: int, endpoint_id: int, overlap_seconds: int
) -> tuple[str, int]:
    """Give the endpoint a new secret; the old ones sign for the overlap.

    Returns the new secret and how many older secrets still sign. An overlap
    of 0 retires the old secrets at once.
    """
    endpoint = get_endpoint(session, partner_id, endpoint_id, lock=True)
    now = utcnow()
    ends = now + timedelta(seconds=overlap_seconds)
    still_signing = 0
    for old in endpoint.secrets:
        if old.expires_at is None or old.expires_at > ends:
            old.expires_at = ends
        if old.expires_at > now:
            still_signing += 1

    secret = new_secret()
    endpoint.secrets.append(EndpointSecret(secret=secret, created_at=now))
    endpoint.updated_at = now
    session.flush()

    logger.info(
        "Partner %d rotated the secret of endpoint %d (overlap %d s).",
        partner_id,
        endpoint_id,
        overlap_seconds,
    )
    return secret, still_signing


def _deliveries(partner_id: int) -> Select[Any]:
    return (
        select(
            Delivery.id,
            Delivery.event_id,
            WebhookEvent.event_type,
            Delivery.endpoint_id,
            Delivery.status,
            Delivery.attempt_count.label("attempts"),
            Delivery.due_at,
            Delivery.last_status_code,
            Delivery.last_error,
            Delivery.created_at,
            Delivery.delivered_at,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
        .join(WebhookEvent, WebhookEvent.id == Delivery.event_id)
        .where(WebhookEndpoint.partner_id == partner_id)
    )


def list_deliveries(
    session: Session,
    partner_id: int,
    page: int,
    per_page: int,
    endpoint_id: int | None = None,
    status: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """The partner's deliveries, newest first; filters only narrow."""
    statement = _deliveries(partner_id)
    if endpoint_id is not None:
        get_endpoint(session, partner_id, endpoint_id)
        statement = statement.where(Delivery.endpoint_id == endpoint_id)
    if status is not None:
        statement = statement.where(Delivery.status == status)
    if event_id is not None:
        statement = statement.where(Delivery.event_id == event_id)

    return page_of(session, statement.order_by(Delivery.id.desc()), page, per_page)


def get_delivery(session: Session, partner_id: int, delivery_id: int) -> dict[str, Any]:
    row = (
        session.execute(_deliveries(partner_id).where(Delivery.id == delivery_id))
        .mappings()
        .first()
    )
    if row is None:
        raise DeliveryNotFound("No such delivery.")

    return dict(row)


def list_attempts(
    session: Session, partner_id: int, delivery_id: int, page: int, per_page: int
) -> dict[str, Any]:
    """The attempts of one of the partner's deliveries, in the order made."""
    get_delivery(session, partner_id, delivery_id)
    statement = (
        select(
            DeliveryAttempt.number,
            DeliveryAttempt.message_id,
            DeliveryAttempt.started_at,
            DeliveryAttempt.latency_ms,
            DeliveryAttempt.status_code,
            DeliveryAttempt.outcome,
            DeliveryAttempt.error,
            DeliveryAttempt.response_excerpt,
            DeliveryAttempt.retry_delay_ms,
        )
        .where(DeliveryAttempt.delivery_id == delivery_id)
        .order_by(DeliveryAttempt.id)
    )
    return page_of(session, statement, page, per_page)


DEAD_LETTER_COLUMNS = (
    DeadLetter.id,
    DeadLetter.delivery_id,
    DeadLetter.endpoint_id,
    DeadLetter.event_id,
    WebhookEvent.event_type,
    DeadLetter.reason,
    DeadLetter.attempts,
    DeadLetter.last_status_code,
    DeadLetter.created_at,
    DeadLetter.replayed_at,
)


def list_dead_letters(
    session: Session,
    partner_id: int,
    page: int,
    per_page: int,
    endpoint_id: int | None = None,
    include_replayed: bool = False,
) -> dict[str, Any]:
    """The partner's dead letters, oldest first; replayed ones on request."""
    statement = (
        select(*DEAD_LETTER_COLUMNS)
        .join(WebhookEvent, WebhookEvent.id == DeadLetter.event_id)
        .where(DeadLetter.partner_id == partner_id)
    )
    if endpoint_id is not None:
        get_endpoint(session, partner_id, endpoint_id)
        statement = statement.where(DeadLetter.endpoint_id == endpoint_id)
    if not include_replayed:
        statement = statement.where(DeadLetter.replayed_at.is_(None))

    return page_of(session, statement.order_by(DeadLetter.id), page, per_page)


def _open_dead_letters(partner_id: int | None, endpoint_id: int | None) -> Select[Any]:
    statement = (
        select(DeadLetter.id, DeadLetter.delivery_id, DeadLetter.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == DeadLetter.endpoint_id)
        .where(DeadLetter.replayed_at.is_(None))
    )
    if partner_id is not None:
        statement = statement.where(DeadLetter.partner_id == partner_id)
    if endpoint_id is not None:
        statement = statement.where(DeadLetter.endpoint_id == endpoint_id)

    return statement


def _reopen(session: Session, rows: list[Any]) -> None:
    """Turn dead letters back into pending deliveries, enqueued after commit."""
    if not rows:
        return

    now = utcnow()
    session.execute(
        update(DeadLetter)
        .where(DeadLetter.id.in_([r.id for r in rows]))
        .values(replayed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_([r.delivery_id for r in rows]), Delivery.status == "dead"
        )
        .values(
            status="pending",
            cycle_attempts=0,
            due_at=now,
            lease_until=None,
            enqueued_at=None,
            finished_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()
    active = set(
        session.scalars(
            select(WebhookEndpoint.id).where(
                WebhookEndpoint.id.in_({r.endpoint_id for r in rows}),
                WebhookEndpoint.status == "active",
            )
        )
    )
    enqueue_after_commit(
        session,
        [(r.delivery_id, r.endpoint_id) for r in rows if r.endpoint_id in active],
    )


def replay_dead_letter(
    session: Session, dead_letter_id: int, partner_id: int | None = None
) -> int:
    """Send one dead letter again, under its event's id; return the delivery id.

    ``partner_id`` scopes the look-up (None: an operator, any partner). The
    endpoint must be active or paused: a disabled one is resumed first.
    """
    row = session.execute(
        _open_dead_letters(partner_id, None)
        .add_columns(WebhookEndpoint.status)
        .where(DeadLetter.id == dead_letter_id)
        .with_for_update(of=DeadLetter)
    ).first()
    if row is None:
        raise DeadLetterNotFound("No such dead letter waiting for replay.")
    if row.status not in ("active", "paused"):
        raise EndpointStateConflict(
            f"The endpoint is {row.status}; resume it before replaying."
        )

    _reopen(session, [row])
    logger.info("Dead letter %d replayed (delivery %d).", row.id, row.delivery_id)
    return int(row.delivery_id)


def replay_dead_letters(
    session: Session,
    partner_id: int | None = None,
    endpoint_id: int | None = None,
    limit: int = REPLAY_BATCH,
) -> int:
    """Replay up to ``limit`` open dead letters of endpoints that can receive.

    Skips rows another replay holds (``SKIP LOCKED``) and endpoints that are
    disabled or deleted. Returns how many were replayed.
    """
    if partner_id is not None and endpoint_id is not None:
        get_endpoint(session, partner_id, endpoint_id)

    rows = session.execute(
        _open_dead_letters(partner_id, endpoint_id)
        .where(WebhookEndpoint.status.in_(("active", "paused")))
        .order_by(DeadLetter.id)
        .limit(limit)
        .with_for_update(of=DeadLetter, skip_locked=True)
    ).all()
    _reopen(session, list(rows))

    logger.info("Replayed %d dead letters in bulk.", len(rows))
    return len(rows)
