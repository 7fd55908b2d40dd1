"""Request and response bodies of the assessments API.

No response model here has a field for a question's answer key, so the key
cannot leave the app by accident: APIFlask serialises through these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.schemas import PageQuery
from app.validation import StrictModel

QuestionKind = Literal["single", "multiple", "ordering"]
AttemptStatus = Literal["active", "completed", "expired"]

MAX_OPTION_INDEX = 49
MAX_ANSWERS = 50
MAX_ID = 2**31 - 1

OptionIndex = Annotated[int, Field(ge=0, le=MAX_OPTION_INDEX)]


class AssessmentQuery(PageQuery):
    skill: str | None = Field(
        default=None, max_length=80, description="only this skill (slug)"
    )


class AssessmentOut(BaseModel):
    id: int
    slug: str
    title: str
    description: str
    skill: str = Field(description="skill slug")
    skill_name: str
    category: str = Field(description="skill category slug")
    question_count: int
    time_limit_seconds: int = Field(description="time allowed for one attempt")


class AssessmentDetailOut(AssessmentOut):
    active_attempt_id: int | None = Field(
        description="your attempt in progress at this assessment, if any"
    )


class AssessmentPage(BaseModel):
    items: list[AssessmentOut]
    page: int
    per_page: int
    has_more: bool


class AssessmentQuestionOut(BaseModel):
    id: int
    position: int
    kind: QuestionKind
    prompt: str
    options: list[str] = Field(description="answer with indices into this list")


class AssessmentAnswerOut(BaseModel):
    question_id: int
    choice: list[int]


class AssessmentResultOut(BaseModel):
    score: float = Field(description="points earned, in question weights")
    max_score: int
    score_percent: int = Field(ge=0, le=100)
    level: int = Field(ge=1, le=4, description="assessed level, 1 to 4")
    level_name: str


class AssessmentAttemptOut(BaseModel):
    id: int
    assessment_id: int
    assessment_title: str
    skill: str
    status: AttemptStatus
    started_at: datetime
    expires_at: datetime
    submitted_at: datetime | None
    time_limit_seconds: int
    seconds_left: int = Field(description="seconds until the time limit")
    questions: list[AssessmentQuestionOut]
    answers: list[AssessmentAnswerOut] = Field(
        description="your choices, once submitted"
    )
    result: AssessmentResultOut | None


class AssessmentAttemptSummaryOut(BaseModel):
    id: int
    assessment_id: int
    assessment_title: str
    skill: str
    status: AttemptStatus
    started_at: datetime
    expires_at: datetime
    submitted_at: datetime | None
    score_percent: int | None
    level: int | None


class AssessmentAttemptPage(BaseModel):
    items: list[AssessmentAttemptSummaryOut]
    page: int
    per_page: int
    has_more: bool


class AssessmentAttemptQuery(PageQuery):
    assessment_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="only attempts at this assessment"
    )


class AssessmentAnswerIn(StrictModel):
    question_id: int = Field(ge=1, le=MAX_ID)
    choice: list[OptionIndex] = Field(
        max_length=MAX_OPTION_INDEX + 1,
        description="option indices: one for single choice, any for multiple "
        "choice, all of them in order for ordering; empty skips the question",
    )


class AssessmentAnswersIn(StrictModel):
    answers: list[AssessmentAnswerIn] = Field(min_length=1, max_length=MAX_ANSWERS)
