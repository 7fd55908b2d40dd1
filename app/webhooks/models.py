"""Webhook endpoints, their secrets, the event outbox and the delivery records.

An event is one row in ``webhook_events`` (the outbox), written in the same
transaction as the change it reports. It fans out to one delivery per
subscribed endpoint; every try of a delivery is an attempt; a delivery that
runs out of attempts gets a dead letter, which can be replayed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

EVENT_TYPES = ("application.created", "application.status_changed", "match.created")
ENDPOINT_STATUSES = ("active", "paused", "disabled", "deleted")
DELIVERY_STATUSES = ("pending", "delivered", "dead", "cancelled")
ATTEMPT_OUTCOMES = (
    "in_flight",
    "delivered",
    "failed",
    "gone",
    "timeout",
    "connection",
    "refused",
    "interrupted",
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class WebhookEndpoint(Base):
    """A partner's URL that receives the event types it subscribed to.

    ``paused`` holds deliveries until the partner resumes; ``disabled`` (after
    a 410 or too many dead letters in a row) gets no new deliveries; a deleted
    endpoint is kept, marked ``deleted``, so its history still adds up.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint(_one_of("status", ENDPOINT_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    status: Mapped[str] = mapped_column(String(16), default="active")
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    # Deliveries dead-lettered in a row with no success between them.
    failure_streak: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    secrets: Mapped[list[EndpointSecret]] = relationship(
        back_populates="endpoint",
        cascade="all, delete-orphan",
        order_by="EndpointSecret.id.desc()",
    )


class EndpointSecret(Base):
    """A signing secret of an endpoint (``whsec_`` and base64).

    A secret signs while ``expires_at`` is empty or in the future; rotation
    gives the old secrets an expiry, so for the overlap both sign.
    """

    __tablename__ = "webhook_endpoint_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    secret: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="secrets")


class WebhookEvent(Base):
    """One event for one partner: the outbox row, committed with its change.

    Its id is the ``webhook-id`` of every request that carries it, on every
    retry and replay, so receivers can drop duplicates.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (
        CheckConstraint(_one_of("event_type", EVENT_TYPES), name="event_type"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The learner whose data the payload carries, so that revoking consent
    # can find the deliveries not yet sent.
    learner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class Delivery(Base):
    """One event on its way to one endpoint.

    ``due_at`` is when the next attempt should start; ``lease_until`` marks a
    delivery a worker is attempting right now; ``cycle_attempts`` counts the
    attempts since it was recorded or last replayed.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(_one_of("status", DELIVERY_STATUSES), name="status"),
        UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_deliveries_once"),
        Index(
            "ix_webhook_deliveries_pending_due",
            "due_at",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # Looked up through the unique (event_id, endpoint_id) index.
    event_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="CASCADE")
    )
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    cycle_attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    event: Mapped[WebhookEvent] = relationship()
    endpoint: Mapped[WebhookEndpoint] = relationship()


class DeliveryAttempt(Base):
    """One try of a delivery: when, how long (milliseconds), and the answer.

    A row is written as the attempt starts (``in_flight``) and completed when
    it ends, so an attempt cut short by a dying worker still shows, as
    ``interrupted``. ``response_excerpt`` keeps the first kilobyte.
    """

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        CheckConstraint(_one_of("outcome", ATTEMPT_OUTCOMES), name="outcome"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    # The webhook-id header the request carried: always the event's id.
    message_id: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16), default="in_flight")
    error: Mapped[str | None] = mapped_column(String(200))
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    # The wait the schedule chose before the next attempt, in milliseconds.
    retry_delay_ms: Mapped[int | None] = mapped_column(Integer)


class DeadLetter(Base):
    """A delivery that ran out of attempts (or whose endpoint went away).

    It stays stored after a replay, with ``replayed_at`` set, as the record of
    what happened; a delivery has at most one dead letter not yet replayed.
    """

    __tablename__ = "webhook_dead_letters"
    __table_args__ = (
        Index(
            "uq_webhook_dead_letters_open",
            "delivery_id",
            unique=True,
            postgresql_where=text("replayed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="CASCADE")
    )
    reason: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    replayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    delivery: Mapped[Delivery] = relationship()
