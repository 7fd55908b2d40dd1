"""Request and response bodies of the partner account API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.validation import StrictModel, text

Scope = Literal[
    "opportunities:read",
    "opportunities:write",
    "applicants:read",
    "applicants:write",
    "matches:read",
    "webhooks:read",
    "webhooks:write",
]


class PartnerOut(BaseModel):
    id: int
    slug: str
    name: str
    regions: list[str]
    contact_email: str


class MemberOut(BaseModel):
    id: int
    email: str
    display_name: str
    created_at: datetime


class MemberPage(BaseModel):
    items: list[MemberOut]
    page: int
    per_page: int
    has_more: bool


class ApiKeyIn(StrictModel):
    name: text(80, min_length=1)  # type: ignore[valid-type]
    scopes: list[Scope] = Field(min_length=1, max_length=7)


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="the key's first characters, to tell keys apart")
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="the API key; shown only now, never again")


class ApiKeyPage(BaseModel):
    items: list[ApiKeyOut]
    page: int
    per_page: int
    has_more: bool
