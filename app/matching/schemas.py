"""Request and response bodies of the matching API, learner and partner side.

Scores are shown as 0 to 100 with two decimals; the score parts add up to
the score give or take 0.02 (each part is rounded on its own). Levels run
from 1 (awareness) to 4 (expert); ``has`` is 0 for a skill the learner does
not list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas import PageQuery, Region
from app.validation import StrictModel, text

Kind = Literal["job", "internship", "apprenticeship", "project"]
OpportunityStatus = Literal["open", "closed"]
ApplicationStatus = Literal[
    "submitted", "reviewing", "interview", "offered", "hired", "rejected", "withdrawn"
]
PartnerSetStatus = Literal["reviewing", "interview", "offered", "hired", "rejected"]
Persona = Literal["student", "career_changer"]

MAX_REQUIRED_SKILLS = 20
Title = text(160, min_length=1)
Description = text(5000)
Message = text(2000)


# --- Requests ---------------------------------------------------------------


class RequiredSkillIn(StrictModel):
    skill: str = Field(min_length=1, max_length=80, description="skill slug")
    min_level: int = Field(ge=1, le=4)


class OpportunityIn(StrictModel):
    title: Title  # type: ignore[valid-type]
    kind: Kind
    region: Region = Field(description="one of the regions the partner may serve")
    description: Description = ""  # type: ignore[valid-type]
    skills: list[RequiredSkillIn] = Field(min_length=1, max_length=MAX_REQUIRED_SKILLS)


class OpportunityUpdateIn(StrictModel):
    """What a partner may change; the region is fixed once published."""

    title: Title | None = None  # type: ignore[valid-type]
    kind: Kind | None = None
    description: Description | None = None  # type: ignore[valid-type]
    skills: list[RequiredSkillIn] | None = Field(
        default=None, min_length=1, max_length=MAX_REQUIRED_SKILLS
    )


class ApplyIn(StrictModel):
    message: Message = ""  # type: ignore[valid-type]


class StatusIn(StrictModel):
    status: PartnerSetStatus


class PartnerOpportunityQuery(PageQuery):
    model_config = {"extra": "forbid", "strict": False}

    status: OpportunityStatus | None = None


class PartnerApplicationQuery(PageQuery):
    model_config = {"extra": "forbid", "strict": False}

    status: ApplicationStatus | None = None
    opportunity_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


# --- Responses --------------------------------------------------------------


class RequiredSkillOut(BaseModel):
    skill: str = Field(description="skill slug")
    name: str
    min_level: int


class OpportunityOut(BaseModel):
    id: int
    title: str
    kind: Kind
    region: Region
    description: str
    status: OpportunityStatus
    partner_name: str
    skills: list[RequiredSkillOut]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class LearnerOpportunityOut(OpportunityOut):
    saved: bool = Field(description="you saved this opportunity")
    application_id: int | None = Field(description="your application, if any")


class OpportunityPage(BaseModel):
    items: list[OpportunityOut]
    page: int
    per_page: int
    has_more: bool


class OpportunitySummary(BaseModel):
    id: int
    title: str
    kind: Kind
    region: Region
    status: OpportunityStatus
    partner_name: str


class SkillMetOut(BaseModel):
    skill: str = Field(description="skill slug")
    name: str
    required: int
    has: int = Field(description="max(assessed, self-rated) level")
    assessed: bool = Field(description="the assessed level alone meets it")


class GapOut(BaseModel):
    skill: str = Field(description="skill slug")
    name: str
    required: int
    has: int = Field(description="0 when the skill is missing")


class ScorePartsOut(BaseModel):
    met_assessed: float = Field(description="points from skills met when assessed")
    met_self_rated: float = Field(description="points from skills met as self-rated")
    partial: float = Field(description="partial credit for gaps, in points")


class ExplanationOut(BaseModel):
    skills_met: list[SkillMetOut]
    gaps: list[GapOut]
    parts: ScorePartsOut


class MatchOut(BaseModel):
    rank: int = Field(description="1 is the best match")
    score: float = Field(description="0 to 100")
    opportunity: OpportunitySummary
    explanation: ExplanationOut


class MatchPage(BaseModel):
    items: list[MatchOut]
    page: int
    per_page: int
    has_more: bool
    computed_at: datetime | None = Field(description="when these matches were ranked")


class SavedOut(BaseModel):
    opportunity: OpportunitySummary
    saved_at: datetime


class SavedPage(BaseModel):
    items: list[SavedOut]
    page: int
    per_page: int
    has_more: bool


class ApplicationOut(BaseModel):
    id: int
    status: ApplicationStatus
    message: str
    opportunity: OpportunitySummary
    created_at: datetime
    status_changed_at: datetime


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    page: int
    per_page: int
    has_more: bool


class LearnerCardOut(BaseModel):
    """What a partner sees of a consenting learner."""

    id: int
    display_name: str
    persona: Persona
    region: Region
    headline: str


class PartnerApplicationOut(BaseModel):
    id: int
    status: ApplicationStatus
    message: str
    opportunity_id: int
    opportunity_title: str
    learner: LearnerCardOut
    created_at: datetime
    status_changed_at: datetime


class PartnerApplicationPage(BaseModel):
    items: list[PartnerApplicationOut]
    page: int
    per_page: int
    has_more: bool


class CandidateOut(BaseModel):
    learner: LearnerCardOut
    score: float = Field(description="0 to 100")
    explanation: ExplanationOut


class CandidatePage(BaseModel):
    items: list[CandidateOut]
    page: int
    per_page: int
    has_more: bool


class ConsentOut(BaseModel):
    partner_sharing: bool
    granted_at: datetime | None
