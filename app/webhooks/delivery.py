"""One attempt at a delivery, from claim to record, and what follows from it.

The worker first takes one of the endpoint's concurrency slots (Redis), then
claims the delivery in the database: a conditional update that only a
pending, due, unleased delivery of an active endpoint passes, so a message
that arrives twice leads to one attempt. The attempt row is written before
the request goes out and completed after; its outcome decides what comes
next: delivered; retried after a backoff; dead-lettered after the last
attempt; or, on 410 Gone, dead-lettered with the endpoint disabled.

The retry schedule, in seconds before time compression: after the n-th
failed attempt the next one waits ``backoff_base * 2**(n-1)``, stretched by a
random 0 to 100 % (jitter), and at most ``backoff_cap`` (from there a random
50 to 100 % of the cap). That is dramatiq's own ``compute_backoff``; the worker
passes the delay it picked to dramatiq's Retries middleware and records the
due time, so the schedule is visible in the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
import redis
from dramatiq.common import compute_backoff
from psycopg.rows import namedtuple_row
from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.auth.models import User
from app.config import Settings
from app.db import utcnow
from app.webhooks import sender, signing
from app.webhooks.errors import UrlRefused
from app.webhooks.models import (
    DeadLetter,
    Delivery,
    DeliveryAttempt,
    WebhookEndpoint,
)
from app.webhooks.settings import WebhookSettings
from app.webhooks.slots import release_slot, take_slot
from app.webhooks.urls import resolve_target

logger = logging.getLogger(__name__)

# Fault flags (SKILLFORGE_FAULTS, never in production) that plant the bugs the
# webhook gate must catch.
FAULT_SKIP_RETRY = "webhooks.skip_retry"
FAULT_DROP_DEAD_LETTER = "webhooks.drop_dead_letter"
NOTIFY_KIND = "webhook_endpoint_disabled"


@dataclass(frozen=True)
class Result:
    """What the actor does next: nothing, wait for a slot, or retry later."""

    busy: bool = False
    retry_ms: int | None = None
    outcome: str = "skipped"


@dataclass(frozen=True)
class Claim:
    """A delivery this worker leased, and what its request needs."""

    delivery_id: int
    endpoint_id: int
    partner_id: int
    event_id: str
    attempt_id: int
    number: int
    cycle: int
    url: str
    body: bytes
    secrets: list[str]


def backoff_ms(failed_attempts: int, settings: WebhookSettings) -> int:
    """The wait after ``failed_attempts`` failures, jittered and compressed (ms)."""
    _, delay = compute_backoff(
        failed_attempts - 1,
        factor=max(1, int(settings.backoff_base * 1000)),
        max_backoff=max(1, int(settings.backoff_cap * 1000)),
    )
    return int(delay * settings.time_scale)


def attempt_delivery(
    session: Session,
    client: redis.Redis,
    settings: Settings,
    delivery_id: int,
    endpoint_id: int,
) -> Result:
    """Make one attempt at a delivery if it is due and nobody else is on it."""
    hooks = settings.webhooks
    slot = take_slot(
        client,
        endpoint_id,
        hooks.endpoint_concurrency,
        int(hooks.lease_seconds * 1000),
    )
    if slot is None:
        return Result(busy=True, outcome="busy")

    try:
        claim = _claim(session, delivery_id, endpoint_id, hooks)
        if claim is None:
            _settle_unclaimable(session, settings, delivery_id)
            return Result()

        answer = _send(claim, hooks)
        return _record(session, settings, claim, answer)
    finally:
        release_slot(client, slot)


def _alone(session: Session, sql: str, params: dict[str, Any]) -> Any:
    """Run one self-contained statement in autocommit and return its first row.

    The claim and the finish are single statements, atomic on their own, so
    they skip BEGIN and COMMIT: one round trip each instead of three. They
    are the two statements of every delivery, so they go to psycopg directly
    (``%(name)s`` parameters, rows as named tuples), past SQLAlchemy's
    per-statement work.
    """
    bind = session.get_bind()
    if isinstance(bind, Connection):
        # A session bound to a connection (a test's) keeps its transaction.
        result = bind.exec_driver_sql(sql, params)
        return result.first() if result.returns_rows else None

    pooled = bind.raw_connection()
    driver = pooled.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        driver.autocommit = True
        with driver.cursor(row_factory=namedtuple_row) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() if cursor.description else None
    finally:
        if not driver.closed:
            driver.autocommit = False
        pooled.close()


# The claim in one round trip: lease the delivery if it is pending, due,
# unleased and its endpoint active; mark an attempt a dead worker left "in
# flight" as interrupted; write the new attempt; read what the request needs.
CLAIM_SQL = """
    WITH claimed AS (
        UPDATE webhook_deliveries
        SET lease_until = %(lease_until)s,
            attempt_count = attempt_count + 1,
            cycle_attempts = cycle_attempts + 1
        WHERE id = %(delivery_id)s
          AND endpoint_id = %(endpoint_id)s
          AND status = 'pending'
          AND due_at <= %(now)s
          AND (lease_until IS NULL OR lease_until < %(now)s)
          AND EXISTS (
              SELECT 1 FROM webhook_endpoints
              WHERE id = %(endpoint_id)s AND status = 'active'
          )
        RETURNING id, event_id, attempt_count, cycle_attempts
    ), interrupted AS (
        UPDATE webhook_attempts
        SET outcome = 'interrupted', error = 'the worker stopped mid-attempt'
        WHERE delivery_id IN (SELECT id FROM claimed) AND outcome = 'in_flight'
    ), attempt AS (
        INSERT INTO webhook_attempts
            (delivery_id, number, message_id, started_at, outcome, response_excerpt)
        SELECT id, attempt_count, event_id, %(now)s, 'in_flight', '' FROM claimed
        RETURNING id
    )
    SELECT c.event_id, c.attempt_count, c.cycle_attempts,
           (SELECT id FROM attempt) AS attempt_id,
           p.url, p.partner_id, e.event_type, e.payload, e.created_at,
           ARRAY(
               SELECT s.secret FROM webhook_endpoint_secrets s
               WHERE s.endpoint_id = %(endpoint_id)s
                 AND (s.expires_at IS NULL OR s.expires_at > %(now)s)
               ORDER BY s.id DESC
           ) AS secrets
    FROM claimed c
    JOIN webhook_events e ON e.id = c.event_id
    JOIN webhook_endpoints p ON p.id = %(endpoint_id)s
    """


def _claim(
    session: Session, delivery_id: int, endpoint_id: int, hooks: WebhookSettings
) -> Claim | None:
    now = utcnow()
    row = _alone(
        session,
        CLAIM_SQL,
        {
            "delivery_id": delivery_id,
            "endpoint_id": endpoint_id,
            "now": now,
            "lease_until": now + timedelta(seconds=hooks.lease_seconds),
        },
    )
    if row is None:
        return None

    return Claim(
        delivery_id=delivery_id,
        endpoint_id=endpoint_id,
        partner_id=row.partner_id,
        event_id=row.event_id,
        attempt_id=row.attempt_id,
        number=row.attempt_count,
        cycle=row.cycle_attempts,
        url=row.url,
        body=signing.body_of(row.event_type, row.created_at, row.payload),
        secrets=list(row.secrets),
    )


def _send(claim: Claim, hooks: WebhookSettings) -> sender.Answer:
    try:
        target = resolve_target(claim.url, hooks)
    except UrlRefused as exc:
        return sender.Answer("refused", None, 0, "", f"URL refused: {exc.reason}"[:200])
    if not claim.secrets:
        return sender.Answer("refused", None, 0, "", "the endpoint has no secret")

    headers = signing.headers_for(claim.event_id, claim.body, claim.secrets, utcnow())
    return sender.post(target, claim.body, headers, hooks)


# A finished attempt in one round trip: the attempt's answer, and the
# delivery either delivered (its endpoint's failure streak ended) or due
# again after ``retry_delay_ms``.
FINISH_SQL = """
    WITH attempt AS (
        UPDATE webhook_attempts
        SET outcome = %(outcome)s, status_code = %(status_code)s,
            latency_ms = %(latency_ms)s, error = %(error)s,
            response_excerpt = %(excerpt)s, retry_delay_ms = %(retry_delay_ms)s
        WHERE id = %(attempt_id)s
    ), delivery AS (
        UPDATE webhook_deliveries
        SET status = CASE WHEN %(delivered)s THEN 'delivered' ELSE status END,
            delivered_at = CASE WHEN %(delivered)s THEN %(now)s ELSE delivered_at END,
            finished_at = CASE WHEN %(delivered)s THEN %(now)s ELSE finished_at END,
            due_at = CASE WHEN %(delivered)s THEN due_at ELSE %(due_at)s END,
            lease_until = NULL,
            last_status_code = %(status_code)s,
            last_error = %(error)s
        WHERE id = %(delivery_id)s AND status = 'pending'
    )
    UPDATE webhook_endpoints SET failure_streak = 0
    WHERE id = %(endpoint_id)s AND failure_streak > 0 AND %(delivered)s
    """


def _finish(
    session: Session,
    claim: Claim,
    answer: sender.Answer,
    retry_delay_ms: int | None,
) -> None:
    """Record a delivered attempt, or a failed one with its retry, and commit."""
    now = utcnow()
    _alone(
        session,
        FINISH_SQL,
        {
            "attempt_id": claim.attempt_id,
            "delivery_id": claim.delivery_id,
            "endpoint_id": claim.endpoint_id,
            "outcome": answer.outcome,
            "status_code": answer.status_code,
            "latency_ms": answer.latency_ms,
            "error": answer.error,
            "excerpt": answer.excerpt,
            "retry_delay_ms": retry_delay_ms,
            "delivered": answer.outcome == "delivered",
            "now": now,
            "due_at": now + timedelta(milliseconds=retry_delay_ms or 0),
        },
    )


def _record(
    session: Session, settings: Settings, claim: Claim, answer: sender.Answer
) -> Result:
    if answer.outcome == "delivered":
        _finish(session, claim, answer, None)
        logger.debug(
            "Delivery %d of event %s delivered.", claim.delivery_id, claim.event_id
        )
        return Result(outcome="delivered")

    last = answer.error or "no answer"
    endpoint_status = session.scalar(
        select(WebhookEndpoint.status).where(WebhookEndpoint.id == claim.endpoint_id)
    )
    final = (
        claim.cycle >= settings.webhooks.max_attempts
        or endpoint_status in ("disabled", "deleted")
        or answer.outcome == "gone"
        or FAULT_SKIP_RETRY in settings.fault_flags
    )
    if not final:
        delay = backoff_ms(claim.cycle, settings.webhooks)
        _finish(session, claim, answer, delay)
        logger.info(
            "Delivery %d of event %s failed (%s); attempt %d in %d ms.",
            claim.delivery_id,
            claim.event_id,
            last,
            claim.cycle + 1,
            delay,
        )
        return Result(retry_ms=delay, outcome=answer.outcome)

    session.execute(
        update(DeliveryAttempt)
        .where(DeliveryAttempt.id == claim.attempt_id)
        .values(
            outcome=answer.outcome,
            status_code=answer.status_code,
            latency_ms=answer.latency_ms,
            error=answer.error,
            response_excerpt=answer.excerpt,
        )
        .execution_options(synchronize_session=False)
    )
    if answer.outcome == "gone":
        dead_letter(
            session, settings, claim.delivery_id, "the endpoint answered 410 Gone"
        )
        disable_endpoint(session, settings, claim.endpoint_id, "it answered 410 Gone")
        outcome = "gone"
    elif endpoint_status == "deleted":
        cancel(session, claim.delivery_id, "the endpoint was deleted")
        outcome = "cancelled"
    elif endpoint_status == "disabled":
        reason = f"the endpoint was disabled; the last attempt: {last}"
        dead_letter(session, settings, claim.delivery_id, reason)
        outcome = "dead"
    else:
        reason = f"no success in {claim.cycle} attempts; the last: {last}"
        dead_letter(session, settings, claim.delivery_id, reason)
        _count_dead_letter(session, settings, claim.endpoint_id)
        outcome = "dead"
    session.commit()
    return Result(outcome=outcome)


def dead_letter(
    session: Session, settings: Settings, delivery_id: int, reason: str
) -> None:
    """Move a delivery to the dead-letter store; flushes, never commits."""
    now = utcnow()
    row = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "pending")
        .values(status="dead", finished_at=now, lease_until=None)
        .returning(Delivery.endpoint_id, Delivery.event_id, Delivery.cycle_attempts)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return

    if FAULT_DROP_DEAD_LETTER in settings.fault_flags:
        logger.warning("Fault %s: dead letter dropped.", FAULT_DROP_DEAD_LETTER)
        return

    last_code = session.scalar(
        select(DeliveryAttempt.status_code)
        .where(DeliveryAttempt.delivery_id == delivery_id)
        .order_by(DeliveryAttempt.id.desc())
        .limit(1)
    )
    partner_id = session.scalar(
        select(WebhookEndpoint.partner_id).where(WebhookEndpoint.id == row.endpoint_id)
    )
    session.add(
        DeadLetter(
            delivery_id=delivery_id,
            endpoint_id=row.endpoint_id,
            partner_id=partner_id,
            event_id=row.event_id,
            reason=reason[:200],
            attempts=row.cycle_attempts,
            last_status_code=last_code,
            created_at=now,
        )
    )
    session.flush()
    logger.warning(
        "Delivery %d of event %s dead-lettered: %s", delivery_id, row.event_id, reason
    )


def cancel(session: Session, delivery_id: int, reason: str) -> None:
    """Stop a pending delivery for good (endpoint deleted); flushes only."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "pending")
        .values(
            status="cancelled",
            cancel_reason=reason[:200],
            finished_at=utcnow(),
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()


def _count_dead_letter(session: Session, settings: Settings, endpoint_id: int) -> None:
    streak = session.scalar(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(failure_streak=WebhookEndpoint.failure_streak + 1)
        .returning(WebhookEndpoint.failure_streak)
        .execution_options(synchronize_session=False)
    )
    if streak is not None and streak >= settings.webhooks.disable_after:
        disable_endpoint(
            session,
            settings,
            endpoint_id,
            f"{streak} deliveries in a row ran out of attempts",
        )


def disable_endpoint(
    session: Session, settings: Settings, endpoint_id: int, reason: str
) -> bool:
    """Disable an active endpoint, dead-letter what it had pending, tell its owner.

    Deliveries being attempted right now finish their attempt first. Flushes,
    never commits; returns False when the endpoint was not active.
    """
    row = session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.status.in_(("active", "paused")),
        )
        .values(status="disabled", disabled_reason=reason[:200], disabled_at=utcnow())
        .returning(WebhookEndpoint.partner_id, WebhookEndpoint.url)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return False

    now = utcnow()
    waiting = session.scalars(
        select(Delivery.id)
        .where(
            Delivery.endpoint_id == endpoint_id,
            Delivery.status == "pending",
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for delivery_id in waiting:
        dead_letter(
            session, settings, delivery_id, f"the endpoint was disabled: {reason}"
        )

    logger.warning(
        "Endpoint %d of partner %d disabled: %s", endpoint_id, row.partner_id, reason
    )
    notify_owner(session, row.partner_id, endpoint_id, reason)
    return True


def notify_owner(
    session: Session, partner_id: int, endpoint_id: int, reason: str
) -> int:
    """Tell every member of the partner that an endpoint was disabled.

    Each notification is written in a savepoint, so a notification that
    cannot be stored never undoes the disabling. Returns how many were sent.
    """
    from app.notifications.service import notify

    members = session.scalars(
        select(User.id).where(User.partner_id == partner_id, User.role == "partner")
    ).all()
    data: dict[str, Any] = {"endpoint_id": endpoint_id, "reason": reason}
    sent = 0
    for user_id in members:
        try:
            with session.begin_nested():
                notify(
                    session,
                    user_id,
                    NOTIFY_KIND,
                    "A webhook endpoint was disabled",
                    f"Endpoint {endpoint_id} no longer receives events: {reason}. "
                    "Fix it, resume it and replay its dead letters.",
                    data,
                )
            sent += 1
        except Exception:
            logger.warning(
                "Could not notify user %d about endpoint %d.",
                user_id,
                endpoint_id,
                exc_info=True,
            )

    return sent


def _settle_unclaimable(session: Session, settings: Settings, delivery_id: int) -> None:
    """Close a delivery that cannot be attempted because its endpoint went away."""
    now = utcnow()
    row = session.execute(
        select(
            Delivery.status, Delivery.lease_until, WebhookEndpoint.status.label("ep")
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
        .where(Delivery.id == delivery_id)
    ).first()
    leased = row is not None and row.lease_until is not None and row.lease_until > now
    if row is None or row.status != "pending" or leased:
        session.rollback()
        return

    if row.ep == "disabled":
        dead_letter(session, settings, delivery_id, "the endpoint is disabled")
    elif row.ep == "deleted":
        cancel(session, delivery_id, "the endpoint was deleted")
    session.commit()
