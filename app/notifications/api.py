"""The notifications part of the JSON API: the inbox and its preferences."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from app.auth.api import current_user, token_auth
from app.db import request_session
from app.notifications import service
from app.notifications.schemas import (
    MarkedOut,
    NotificationOut,
    NotificationPage,
    NotificationQuery,
    PreferencesIn,
    PreferencesOut,
    UnreadCountOut,
)

bp = APIBlueprint(
    "notifications_api", __name__, url_prefix="/api/v1", tag="notifications"
)


@bp.get("/notifications")
@bp.auth_required(token_auth)
@bp.input(NotificationQuery, location="query", arg_name="query")
@bp.output(NotificationPage)
@bp.doc(summary="Your notifications, newest first", responses=[200, 400, 401])
def notifications(query: NotificationQuery) -> dict[str, Any]:
    return service.notifications_page(
        request_session(),
        current_user().id,
        query.page,
        query.per_page,
        query.unread_only,
    )


@bp.get("/notifications/unread-count")
@bp.auth_required(token_auth)
@bp.output(UnreadCountOut)
@bp.doc(summary="How many of your notifications are unread", responses=[200, 401])
def unread_count() -> dict[str, int]:
    return {"unread": service.unread_count(request_session(), current_user().id)}


@bp.post("/notifications/<int:notification_id>/read")
@bp.auth_required(token_auth)
@bp.output(NotificationOut)
@bp.doc(summary="Mark one notification read", responses=[200, 401, 404])
def mark_read(notification_id: int) -> dict[str, Any]:
    session = request_session()
    notification = service.mark_read(session, current_user().id, notification_id)
    session.commit()

    return service.notification_body(notification)


@bp.post("/notifications/read-all")
@bp.auth_required(token_auth)
@bp.output(MarkedOut)
@bp.doc(summary="Mark all your notifications read", responses=[200, 401])
def mark_all_read() -> dict[str, int]:
    session = request_session()
    marked = service.mark_all_read(session, current_user().id)
    session.commit()

    return {"marked": marked}


@bp.get("/notifications/preferences")
@bp.auth_required(token_auth)
@bp.output(PreferencesOut)
@bp.doc(
    summary="Which kinds of notification you get in the app and by email",
    responses=[200, 401],
)
def preferences() -> dict[str, Any]:
    return service.preferences_for(request_session(), current_user().id)


@bp.put("/notifications/preferences")
@bp.auth_required(token_auth)
@bp.input(PreferencesIn, arg_name="body")
@bp.output(PreferencesOut)
@bp.doc(
    summary="Change which kinds you get in the app and by email",
    responses=[200, 400, 401, 415, 422],
)
def change_preferences(body: PreferencesIn) -> dict[str, Any]:
    session = request_session()
    changes = body.model_dump(exclude_none=True)
    result = service.set_preferences(session, current_user().id, changes)
    session.commit()

    return result
