"""Request and response bodies of the account routes added to the auth API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.schemas import Email, Password
from app.validation import StrictModel, text

TokenText = text(128, min_length=1)


class EmailIn(StrictModel):
    email: Email  # type: ignore[valid-type]


class VerifyEmailIn(StrictModel):
    token: TokenText = Field(  # type: ignore[valid-type]
        description="The token from the link in the verification email"
    )


class PasswordResetIn(StrictModel):
    token: TokenText = Field(  # type: ignore[valid-type]
        description="The token from the link in the reset email"
    )
    password: Password = Field(  # type: ignore[valid-type]
        description="The new password, 10 to 256 characters"
    )


class AcceptedOut(BaseModel):
    detail: str = Field(description="What happens next, in words")


class EmailVerifiedOut(BaseModel):
    user_id: int
    email: str
    email_verified_at: datetime


class ApiTokenOut(BaseModel):
    """A token's record; the token itself is never shown again."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    current: bool = Field(description="True for the token of this request")


class ApiTokenPage(BaseModel):
    items: list[ApiTokenOut]
    page: int
    per_page: int
    has_more: bool
