"""The profiles part of the JSON API."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from sqlalchemy import select

from app.auth.api import current_user, token_auth
from app.auth.models import User
from app.db import request_session
from app.errors import Forbidden, NotFound
from app.pagination import page_of
from app.profiles import service
from app.profiles.models import Skill, SkillCategory
from app.schemas import PageQuery, ProfileOut, ProfileUpdateIn, SkillPage

bp = APIBlueprint("profiles_api", __name__, url_prefix="/api/v1", tag="profiles")


def _require_learner() -> User:
    user = current_user()
    if user.role != "learner":
        raise Forbidden("Only learners have a profile.")

    return user


@bp.get("/profile")
@bp.auth_required(token_auth)
@bp.output(ProfileOut)
@bp.doc(summary="Your own learner profile", responses=[200, 401, 403])
def own_profile() -> dict[str, Any]:
    user = _require_learner()
    profile = service.get_profile(request_session(), user.id)

    return service.profile_body(profile, user)


@bp.patch("/profile")
@bp.auth_required(token_auth)
@bp.input(ProfileUpdateIn, arg_name="body")
@bp.output(ProfileOut)
@bp.doc(summary="Change your own profile", responses=[200, 401, 403, 415, 422])
def change_profile(body: ProfileUpdateIn) -> dict[str, Any]:
    user = _require_learner()
    session = request_session()
    changes = body.model_dump(exclude_unset=True)
    profile = service.update_profile(session, user, changes)
    session.commit()

    return service.profile_body(profile, user)


@bp.get("/learners/<int:learner_id>/profile")
@bp.auth_required(token_auth)
@bp.output(ProfileOut)
@bp.doc(
    summary="A learner's profile, for themselves and the advisors who follow them",
    responses=[200, 401, 404],
)
def learner_profile(learner_id: int) -> dict[str, Any]:
    session = request_session()
    profile = service.view_profile(session, current_user(), learner_id)
    owner = session.get(User, learner_id)
    if owner is None:
        raise NotFound("No such learner.")

    return service.profile_body(profile, owner)


@bp.get("/skills")
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(SkillPage)
@bp.doc(summary="The skills taxonomy, in name order", responses=[200, 400])
def skills(query: PageQuery) -> dict[str, Any]:
    statement = (
        select(Skill.slug, Skill.name, SkillCategory.slug.label("category"))
        .join(SkillCategory)
        .order_by(Skill.name, Skill.id)
    )
    return page_of(request_session(), statement, query.page, query.per_page)
