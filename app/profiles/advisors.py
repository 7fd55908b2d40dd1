"""Advisors and the learners they follow: the advisor's own list.

An advisor sees only the learners assigned to them; ``can_view_profile`` in
``app.profiles.service`` applies the same rule to a single profile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apiflask import APIBlueprint
from pydantic import BaseModel, Field
from sqlalchemy import Select, select

from app.auth.api import current_user, token_auth
from app.auth.models import User
from app.db import request_session
from app.errors import Forbidden
from app.pagination import page_of
from app.profiles.models import AdvisorAssignment, LearnerProfile
from app.schemas import PageQuery, Persona, Region

bp = APIBlueprint("advisors_api", __name__, url_prefix="/api/v1", tag="advisors")


class FollowedLearnerOut(BaseModel):
    learner_id: int
    display_name: str
    persona: Persona
    region: Region
    headline: str
    followed_since: datetime = Field(description="When the advisor was assigned")


class FollowedLearnerPage(BaseModel):
    items: list[FollowedLearnerOut]
    page: int
    per_page: int
    has_more: bool


def followed_learners(advisor: User) -> Select[Any]:
    """The learners ``advisor`` follows, longest followed first, for ``page_of``.

    Anyone who is not an advisor follows nobody and gets Forbidden.
    """
    if advisor.role != "advisor":
        raise Forbidden("Only advisors follow learners.")

    return (
        select(
            AdvisorAssignment.learner_id,
            User.display_name,
            LearnerProfile.persona,
            LearnerProfile.region,
            LearnerProfile.headline,
            AdvisorAssignment.created_at.label("followed_since"),
        )
        .join(User, User.id == AdvisorAssignment.learner_id)
        .join(LearnerProfile, LearnerProfile.user_id == AdvisorAssignment.learner_id)
        .where(AdvisorAssignment.advisor_id == advisor.id)
        .order_by(AdvisorAssignment.created_at, AdvisorAssignment.learner_id)
    )


@bp.get("/advisor/learners")
@bp.auth_required(token_auth)
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(FollowedLearnerPage)
@bp.doc(
    summary="The learners you follow as an advisor, longest followed first",
    responses=[200, 400, 401, 403],
)
def my_learners(query: PageQuery) -> dict[str, Any]:
    statement = followed_learners(current_user())
    return page_of(request_session(), statement, query.page, query.per_page)
