"""Notifications, what each user wants to receive, and the email outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

# The events other domains report through ``notify``.
KINDS = (
    "assessment_completed",
    "new_match",
    "application_status_changed",
    "webhook_endpoint_disabled",
)
# What the email outbox carries: account mails and notification mails.
EMAIL_KINDS = ("verify_email", "password_reset", *KINDS)
EMAIL_STATUSES = ("pending", "sent", "failed")


def _in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Notification(Base):
    """Something that happened that a user should hear about.

    A row exists for every event, even when the user turned the in-app kind
    off (``in_app`` false): the email outbox row points at it, and the list
    and unread count show only ``in_app`` rows.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_in_list("kind", KINDS), name="kind"),
        Index("ix_notifications_user_id_created_at", "user_id", "created_at", "id"),
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL AND in_app"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationPreference(Base):
    """How one user wants to hear about one kind of event.

    A kind without a row uses the defaults of ``app.notifications.service``.
    """

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(_in_list("kind", KINDS), name="kind"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean)
    email: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class EmailOutbox(Base):
    """An email waiting for, or done with, delivery over SMTP.

    The row commits with the change that caused it; a worker sends it later
    and records each attempt. A one-time token travels in ``secret`` (put in
    place of ``[[token]]`` in the body when sending) and is wiped once the
    mail is sent or given up, so an old database copy holds no usable link.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (
        CheckConstraint(_in_list("kind", EMAIL_KINDS), name="kind"),
        CheckConstraint(_in_list("status", EMAIL_STATUSES), name="status"),
        Index("ix_email_outbox_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
