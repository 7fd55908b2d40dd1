"""Request and response bodies of the partner webhook API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.validation import StrictModel, text

EventType = Literal[
    "application.created", "application.status_changed", "match.created"
]
EndpointStatus = Literal["active", "paused", "disabled"]
DeliveryStatus = Literal["pending", "delivered", "dead", "cancelled"]
# Ids are PostgreSQL integers; anything larger cannot exist.
MAX_ID = 2**31 - 1

Url = text(2000, min_length=1)
Description = text(200)


class EndpointIn(StrictModel):
    url: Url = Field(  # type: ignore[valid-type]
        description="https URL that receives the events (http only in development)"
    )
    event_types: list[EventType] = Field(min_length=1, max_length=10)
    description: Description = ""  # type: ignore[valid-type]


class EndpointUpdateIn(StrictModel):
    url: Url | None = None  # type: ignore[valid-type]
    event_types: list[EventType] | None = Field(
        default=None, min_length=1, max_length=10
    )
    description: Description | None = None  # type: ignore[valid-type]


class EndpointOut(BaseModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    status: str
    disabled_reason: str | None
    failure_streak: int = Field(
        description="dead letters in a row since the last success"
    )
    created_at: datetime
    updated_at: datetime


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(description="signing secret (whsec_...); shown only now")


class EndpointPage(BaseModel):
    items: list[EndpointOut]
    page: int
    per_page: int
    has_more: bool


class ListQuery(StrictModel):
    """Paging for partner lists; unknown parameters (partner_id...) are refused."""

    model_config = {"extra": "forbid", "strict": False}

    page: int = 1
    per_page: int = 20


class EndpointQuery(ListQuery):
    status: EndpointStatus | None = None


class RotateIn(StrictModel):
    overlap_seconds: int = Field(
        default=86400,
        ge=0,
        le=7 * 24 * 3600,
        description="seconds during which the old secret still signs, with the new",
    )


class SecretOut(BaseModel):
    secret: str = Field(description="the new signing secret; shown only now")
    old_secrets_signing: int = Field(description="older secrets still signing")
    overlap_seconds: int


class DeliveryOut(BaseModel):
    id: int
    event_id: str = Field(description="the webhook-id of every attempt")
    event_type: str
    endpoint_id: int
    status: DeliveryStatus
    attempts: int
    due_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    page: int
    per_page: int
    has_more: bool


class DeliveryQuery(ListQuery):
    endpoint_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: DeliveryStatus | None = None
    event_id: str | None = Field(default=None, max_length=40)


class AttemptOut(BaseModel):
    number: int
    message_id: str
    started_at: datetime
    latency_ms: int | None = Field(description="milliseconds until the answer")
    status_code: int | None
    outcome: str
    error: str | None
    response_excerpt: str = Field(description="the answer's first kilobyte")
    retry_delay_ms: int | None = Field(
        description="milliseconds the schedule waits before the next attempt"
    )


class AttemptPage(BaseModel):
    items: list[AttemptOut]
    page: int
    per_page: int
    has_more: bool


class DeadLetterOut(BaseModel):
    id: int
    delivery_id: int
    endpoint_id: int
    event_id: str
    event_type: str
    reason: str
    attempts: int
    last_status_code: int | None
    created_at: datetime
    replayed_at: datetime | None


class DeadLetterPage(BaseModel):
    items: list[DeadLetterOut]
    page: int
    per_page: int
    has_more: bool


class DeadLetterQuery(ListQuery):
    endpoint_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    include_replayed: bool = False


class ReplayOut(BaseModel):
    delivery_id: int
    status: DeliveryStatus


class BulkReplayIn(StrictModel):
    endpoint_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    limit: int = Field(default=500, ge=1, le=1000)


class BulkReplayOut(BaseModel):
    replayed: int
