"""The email outbox: queue a mail with the change that causes it, send it later.

``queue_email`` adds a row in the caller's transaction. Once that transaction
commits, the row's id is enqueued for the ``deliver_email`` actor (see
``app.notifications.tasks``); if Redis does not answer then, the row stays
pending and ``dispatch_stale_emails`` enqueues it later. ``deliver`` sends one
row over SMTP and records the attempt. A row marked sent is never sent again.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from flask import current_app, has_app_context
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from app.auth.models import User
from app.config import Settings, load_settings
from app.db import committed_for_good, utcnow
from app.errors import SkillForgeError
from app.notifications.models import EmailOutbox

logger = logging.getLogger(__name__)

QUEUE = "email"
ACTOR = "deliver_email"
# Sends tried per row before it is marked failed: the first and 5 retries.
MAX_ATTEMPTS = 6
# Where the one-time token goes in a body; replaced only when sending.
SECRET_PLACEHOLDER = "[[token]]"
# A pending row never tried this long after it was queued lost its message.
STALE_AFTER = timedelta(minutes=5)
BROKER_TIMEOUT_SECONDS = 2.0
MAX_ERROR_CHARS = 1000

_PENDING = "skillforge_email_outbox_ids"
_brokers: dict[str, RedisBroker] = {}


class NotificationError(SkillForgeError):
    """Base of the errors of notifications and email delivery."""


class EmailDeliveryFailed(NotificationError):
    """The SMTP server did not take a mail; the worker retries it later."""


def app_settings() -> Settings:
    """The settings of the running app, or of the environment in a worker."""
    if has_app_context():
        settings: Settings = current_app.config["SKILLFORGE"]
        return settings

    return load_settings()


def queue_email(
    session: Session,
    user: User,
    kind: str,
    subject: str,
    body: str,
    *,
    secret: str | None = None,
    notification_id: int | None = None,
) -> EmailOutbox:
    """Add a pending mail to ``user`` in the caller's transaction (flush only).

    ``secret`` replaces ``[[token]]`` in the body when the mail is sent.
    """
    row = EmailOutbox(
        user_id=user.id,
        notification_id=notification_id,
        kind=kind,
        to_address=user.email,
        subject=subject[:200],
        body=body,
        secret=secret,
        status="pending",
        attempts=0,
    )
    session.add(row)
    session.flush()
    session.info.setdefault(_PENDING, []).append(row.id)

    logger.debug("Email %d (%s) queued for user %d.", row.id, kind, user.id)
    return row


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    if not committed_for_good(session):
        return

    outbox_ids = session.info.pop(_PENDING, None)
    if not outbox_ids:
        return

    # The rows are committed: whatever goes wrong now must not fail the caller,
    # and the dispatcher picks the rows up later.
    try:
        enqueue_deliveries(outbox_ids, app_settings().redis_url)
    except Exception:
        logger.warning("Could not enqueue %d emails.", len(outbox_ids), exc_info=True)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous: SessionTransaction) -> None:
    # A rolled back savepoint keeps the rows queued outside it; a row of its
    # own left in the list is looked up, found missing and skipped.
    if previous.parent is None:
        session.info.pop(_PENDING, None)


def _broker_for(redis_url: str) -> RedisBroker:
    """A broker on ``redis_url``, whichever broker dramatiq made global.

    Messages must reach the Redis of the app's settings even in a process
    whose global broker was set up from other settings first (tests).
    """
    broker = _brokers.get(redis_url)
    if broker is None:
        # No retries with backoff: a request must not hang while Redis is down.
        client = redis.Redis.from_url(
            redis_url,
            socket_timeout=BROKER_TIMEOUT_SECONDS,
            socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 0),
        )
        broker = RedisBroker(client=client)
        broker.declare_queue(QUEUE)
        _brokers[redis_url] = broker

    return broker


def enqueue_deliveries(outbox_ids: Iterable[int], redis_url: str) -> int:
    """Ask a worker to send each row; return how many messages were enqueued.

    Enqueueing happens after the rows committed, so a failure here loses
    nothing: the rows stay pending for ``dispatch_stale_emails``.
    """
    enqueued = 0
    try:
        broker = _broker_for(redis_url)
        for outbox_id in outbox_ids:
            message: dramatiq.Message[Any] = dramatiq.Message(
                queue_name=QUEUE,
                actor_name=ACTOR,
                args=(outbox_id,),
                kwargs={},
                options={},
            )
            broker.enqueue(message)
            enqueued += 1
    except redis.RedisError:
        logger.warning(
            "Could not enqueue emails; they stay pending for the dispatcher.",
            exc_info=True,
        )

    return enqueued


def dispatch_stale_emails(session: Session, redis_url: str, limit: int = 500) -> int:
    """Enqueue pending rows never tried ``STALE_AFTER`` after they were queued."""
    outbox_ids = session.scalars(
        select(EmailOutbox.id)
        .where(
            EmailOutbox.status == "pending",
            EmailOutbox.attempts == 0,
            EmailOutbox.created_at < utcnow() - STALE_AFTER,
        )
        .order_by(EmailOutbox.id)
        .limit(limit)
    ).all()

    enqueued = enqueue_deliveries(outbox_ids, redis_url)
    if enqueued:
        logger.info("Dispatcher enqueued %d stale emails.", enqueued)
    return enqueued


def _message(row: EmailOutbox, settings: Settings) -> EmailMessage:
    body = row.body
    if row.secret is not None:
        body = body.replace(SECRET_PLACEHOLDER, row.secret)

    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    # Stable per row, so a mail sent again after a lost commit can be deduped.
    message["Message-ID"] = f"<outbox-{row.id}@skillforge.example>"
    message.set_content(body)
    return message


def _is_permanent(exc: Exception) -> bool:
    """A 5xx answer (bad recipient, refused content) will not get better."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600

    return False


def deliver(session: Session, outbox_id: int, settings: Settings) -> str:
    """Send one outbox row over SMTP and commit what happened; return its status.

    The row stays locked (``FOR UPDATE``) while it is being sent, so two
    workers never send it at once; a row already sent or failed is left
    alone. A temporary failure raises EmailDeliveryFailed for dramatiq to
    retry with backoff; a permanent one, or the last attempt, marks the row
    failed. The SMTP connection times out after ``smtp_timeout_seconds``.
    """
    row = session.scalar(
        select(EmailOutbox)
        .where(EmailOutbox.id == outbox_id)
        .with_for_update(skip_locked=True)
    )
    if row is None:
        logger.info("Email %d is gone or being sent by another worker.", outbox_id)
        session.rollback()
        return "skipped"
    if row.status != "pending":
        session.rollback()
        return row.status

    row.attempts += 1
    row.last_attempt_at = utcnow()
    try:
        with smtplib.SMTP(
            settings.smtp_host,
            settings.smtp_port,
            timeout=settings.smtp_timeout_seconds,
        ) as smtp:
            smtp.send_message(_message(row, settings))
    except (smtplib.SMTPException, OSError) as exc:
        return _record_failure(session, row, exc)

    row.status = "sent"
    row.sent_at = utcnow()
    row.secret = None
    row.last_error = None
    session.commit()

    logger.info("Email %d sent after %d attempts.", row.id, row.attempts)
    return "sent"


def _record_failure(session: Session, row: EmailOutbox, exc: Exception) -> str:
    row.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    if _is_permanent(exc) or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        row.secret = None
        session.commit()
        # The error text may name the recipient, so only its type is logged.
        logger.error(
            "Email %d failed for good after %d attempts (%s).",
            row.id,
            row.attempts,
            type(exc).__name__,
        )
        return "failed"

    attempts = row.attempts
    session.commit()
    logger.warning("Email %d attempt %d failed; retrying.", row.id, attempts)
    raise EmailDeliveryFailed(f"email {row.id} attempt {attempts} failed") from exc
