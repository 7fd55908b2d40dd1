"""Request and response bodies of the notifications API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.schemas import PageQuery
from app.validation import StrictModel

Kind = Literal[
    "assessment_completed",
    "new_match",
    "application_status_changed",
    "webhook_endpoint_disabled",
]


class NotificationQuery(PageQuery):
    unread_only: bool = Field(default=False, description="Only unread ones")


class NotificationOut(BaseModel):
    id: int
    kind: Kind
    title: str
    body: str
    data: dict[str, Any] = Field(description="Ids of what the notification is about")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    page: int
    per_page: int
    has_more: bool


class UnreadCountOut(BaseModel):
    unread: int = Field(ge=0)


class MarkedOut(BaseModel):
    marked: int = Field(ge=0, description="How many notifications were unread")


class SwitchesIn(StrictModel):
    in_app: bool
    email: bool


class SwitchesOut(BaseModel):
    in_app: bool = Field(description="Shown in the app")
    email: bool = Field(description="Sent by email")


class PreferencesIn(StrictModel):
    """The kinds to change; a kind left out keeps its switches."""

    assessment_completed: SwitchesIn | None = None
    new_match: SwitchesIn | None = None
    application_status_changed: SwitchesIn | None = None
    webhook_endpoint_disabled: SwitchesIn | None = None


class PreferencesOut(BaseModel):
    assessment_completed: SwitchesOut
    new_match: SwitchesOut
    application_status_changed: SwitchesOut
    webhook_endpoint_disabled: SwitchesOut
