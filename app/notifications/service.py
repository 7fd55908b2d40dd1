"""Notifications: tell a user something happened, in the app and by email.

Other domains call ``notify`` inside their own transaction, so the
notification and its email commit or roll back with the change they report.
What a user receives follows their preferences, one pair of switches (in the
app, by email) per kind; a kind they never set uses ``DEFAULT_PREFERENCES``.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.errors import NotFound
from app.notifications.email import NotificationError, app_settings, queue_email
from app.notifications.models import KINDS, Notification, NotificationPreference
from app.pagination import page_of

logger = logging.getLogger(__name__)

# (in the app, by email) for a kind the user has not set. A learner who just
# finished an assessment has seen the result, so that one is not emailed.
DEFAULT_PREFERENCES: dict[str, tuple[bool, bool]] = {
    "assessment_completed": (True, False),
    "new_match": (True, True),
    "application_status_changed": (True, True),
    # A partner's endpoint stopped receiving: its owner must hear of it.
    "webhook_endpoint_disabled": (True, True),
}
TITLE_MAX_CHARS = 160
# Ids are PostgreSQL integers; a larger one in a URL simply does not exist.
MAX_ID = 2**31 - 1


class UnknownNotificationKind(NotificationError):
    """``notify`` was called with a kind that is not in ``KINDS``."""


def preferences_for(session: Session, user_id: int) -> dict[str, dict[str, bool]]:
    """Every kind with the user's switches, defaults filled in."""
    stored = {
        row.kind: (row.in_app, row.email)
        for row in session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id == user_id
            )
        )
    }

    return {
        kind: dict(zip(("in_app", "email"), stored.get(kind, default), strict=True))
        for kind, default in DEFAULT_PREFERENCES.items()
    }


def set_preferences(
    session: Session, user_id: int, changes: dict[str, dict[str, bool]]
) -> dict[str, dict[str, bool]]:
    """Store the switches of the kinds in ``changes``; the others stay as they are."""
    for kind, switches in changes.items():
        if kind not in KINDS:
            raise UnknownNotificationKind(f"unknown notification kind {kind!r}")

        row = session.get(NotificationPreference, (user_id, kind))
        if row is None:
            row = NotificationPreference(user_id=user_id, kind=kind)
            session.add(row)
        row.in_app = switches["in_app"]
        row.email = switches["email"]

    session.flush()
    logger.info("User %d changed notification preferences.", user_id)
    return preferences_for(session, user_id)


def notify(
    session: Session,
    user_id: int,
    kind: str,
    title: str,
    body: str,
    data: dict[str, Any] | None = None,
) -> Notification:
    """Add a notification, and an outbox email if the user wants this kind so
    and has verified their address.

    Runs in the caller's transaction: it flushes and never commits. The
    notification row is stored even when the user turned the in-app kind
    off (it is then hidden), so every event leaves one record.
    """
    if kind not in KINDS:
        raise UnknownNotificationKind(f"unknown notification kind {kind!r}")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")

    switches = preferences_for(session, user_id)[kind]
    notification = Notification(
        user_id=user_id,
        kind=kind,
        title=title[:TITLE_MAX_CHARS],
        body=body,
        data=data or {},
        in_app=switches["in_app"],
    )
    session.add(notification)
    session.flush()

    if switches["email"] and user.email_verified_at is None:
        # Mail goes only to an address its owner proved: until then anyone's
        # address typed at sign-up would receive the notifications.
        logger.info(
            "Notification %d not emailed: user %d has not verified the address.",
            notification.id,
            user_id,
        )
    elif switches["email"]:
        queue_email(
            session,
            user,
            kind,
            notification.title,
            _email_body(body),
            notification_id=notification.id,
        )

    logger.info("Notification %d (%s) for user %d.", notification.id, kind, user_id)
    return notification


def _email_body(body: str) -> str:
    public_url = app_settings().public_url
    return (
        f"{body}\n\n"
        f"Open SkillForge to see more: {public_url}/\n\n"
        "You receive this email because of your notification settings; "
        "you can change them in SkillForge at any time.\n"
    )


def _visible(user_id: int) -> Any:
    return (Notification.user_id == user_id) & Notification.in_app.is_(True)


def notifications_page(
    session: Session, user_id: int, page: int, per_page: int, unread_only: bool
) -> dict[str, Any]:
    """One page of the user's notifications, newest first."""
    statement: Select[Any] = select(
        Notification.id,
        Notification.kind,
        Notification.title,
        Notification.body,
        Notification.data,
        Notification.created_at,
        Notification.read_at,
    ).where(_visible(user_id))
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))

    statement = statement.order_by(
        Notification.created_at.desc(), Notification.id.desc()
    )
    return page_of(session, statement, page, per_page)


def unread_count(session: Session, user_id: int) -> int:
    """How many of the user's visible notifications are unread."""
    count = session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(_visible(user_id), Notification.read_at.is_(None))
    )
    return count or 0


def mark_read(session: Session, user_id: int, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; reading twice keeps the first time.

    Someone else's notification, or a hidden one, is NotFound.
    """
    notification = None
    if 0 < notification_id <= MAX_ID:
        notification = session.scalar(
            select(Notification).where(
                Notification.id == notification_id, _visible(user_id)
            )
        )
    if notification is None:
        raise NotFound("No such notification.")

    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()
    return notification


def mark_all_read(session: Session, user_id: int) -> int:
    """Mark every unread notification of the user read; return how many."""
    result = session.execute(
        update(Notification)
        .where(_visible(user_id), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()

    marked: int = result.rowcount  # type: ignore[attr-defined]
    logger.info("User %d marked %d notifications read.", user_id, marked)
    return marked


def notification_body(notification: Notification) -> dict[str, Any]:
    """The notification in the shape of ``NotificationOut``."""
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "data": notification.data,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }
