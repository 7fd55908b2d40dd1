"""Request and response bodies of the JSON API, as pydantic models.

APIFlask validates requests against them and writes them into the OpenAPI
document served at ``/openapi.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.validation import StrictModel, text

Persona = Literal["student", "career_changer"]
Region = Literal["eu", "us"]
Role = Literal["learner", "advisor", "partner", "operator"]

Email = text(254, min_length=3)
DisplayName = text(80, min_length=1)
Password = text(256, min_length=1)


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: Literal["ready", "down"]
    down: list[str]
    checks: dict[str, str]


class SignupIn(StrictModel):
    email: Email  # type: ignore[valid-type]
    password: Password  # type: ignore[valid-type]
    display_name: DisplayName  # type: ignore[valid-type]
    persona: Persona
    region: Region


class LoginIn(StrictModel):
    email: Email  # type: ignore[valid-type]
    password: Password  # type: ignore[valid-type]


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str
    role: Role
    created_at: datetime
    email_verified_at: datetime | None = Field(
        default=None, description="When the address was confirmed; null until then"
    )


class TokenOut(BaseModel):
    token: str = Field(description="Bearer token; shown once, never again")
    user: UserOut


class SkillLevelIn(StrictModel):
    skill: str = Field(min_length=1, max_length=80, description="skill slug")
    self_level: int = Field(ge=1, le=4)


class ProfileUpdateIn(StrictModel):
    """Fields a learner may change; anything else (role, region...) is refused."""

    display_name: DisplayName | None = None  # type: ignore[valid-type]
    headline: text(160) | None = None  # type: ignore[valid-type]
    goals: text(2000) | None = None  # type: ignore[valid-type]
    persona: Persona | None = None
    skills: list[SkillLevelIn] | None = Field(
        default=None,
        max_length=100,
        description=(
            "Your self-rated skills; the list replaces the earlier one. A skill "
            "with an assessed level stays on the profile when left out, with its "
            "earlier self-rating: assessed levels change only by assessment."
        ),
    )


class ProfileSkillOut(BaseModel):
    skill: str
    name: str
    category: str
    self_level: int
    assessed_level: int | None


class ProfileOut(BaseModel):
    user_id: int
    display_name: str
    persona: Persona
    region: Region
    headline: str
    goals: str
    skills: list[ProfileSkillOut]
    updated_at: datetime


class SkillOut(BaseModel):
    slug: str
    name: str
    category: str


class PageQuery(StrictModel):
    # Query strings are text, so these are coerced; bounds checked by the view.
    model_config = {"extra": "ignore", "strict": False}

    page: int = 1
    per_page: int = 20


class SkillPage(BaseModel):
    items: list[SkillOut]
    page: int
    per_page: int
    has_more: bool
