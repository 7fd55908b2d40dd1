"""Reading and changing learner profiles, and who may see them."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import User
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.profiles.models import (
    AdvisorAssignment,
    LearnerProfile,
    LearnerSkill,
    Skill,
)

logger = logging.getLogger(__name__)

# What a learner may change about themselves; the rest is fixed or privileged.
EDITABLE_FIELDS = ("headline", "goals", "persona")


def get_profile(session: Session, user_id: int, lock: bool = False) -> LearnerProfile:
    """The learner's profile with its skills; ``lock`` holds its row until commit.

    Everything that rewrites a learner's skills (a profile edit, a scored
    attempt) locks the profile row first, so two of them never interleave.
    """
    statement = (
        select(LearnerProfile)
        .where(LearnerProfile.user_id == user_id)
        .options(
            selectinload(LearnerProfile.skills)
            .selectinload(LearnerSkill.skill)
            .selectinload(Skill.category)
        )
    )
    if lock:
        statement = statement.with_for_update(of=LearnerProfile).execution_options(
            populate_existing=True
        )
    profile = session.scalar(statement)
    if profile is None:
        raise NotFound("No such learner.")

    return profile


def can_view_profile(session: Session, viewer: User, learner_id: int) -> bool:
    """A learner sees their own profile, an advisor those they follow."""
    if viewer.role == "operator" or viewer.id == learner_id:
        return True
    if viewer.role != "advisor":
        return False

    follows = session.scalar(
        select(AdvisorAssignment.learner_id).where(
            AdvisorAssignment.advisor_id == viewer.id,
            AdvisorAssignment.learner_id == learner_id,
        )
    )
    return follows is not None


def view_profile(session: Session, viewer: User, learner_id: int) -> LearnerProfile:
    """The profile, or NotFound when the viewer may not know it exists."""
    if not can_view_profile(session, viewer, learner_id):
        raise NotFound("No such learner.")

    return get_profile(session, learner_id)


def update_profile(
    session: Session, user: User, changes: dict[str, Any]
) -> LearnerProfile:
    """Apply a learner's own changes; the skills list, if given, replaces theirs."""
    profile = get_profile(session, user.id, lock=True)

    if changes.get("display_name") is not None:
        user.display_name = changes["display_name"]
    for name in EDITABLE_FIELDS:
        if changes.get(name) is not None:
            setattr(profile, name, changes[name])

    if changes.get("skills") is not None:
        _replace_skills(session, profile, changes["skills"])

    session.flush()
    logger.info("Learner %d updated their profile.", user.id)
    return get_profile(session, user.id)


def _replace_skills(
    session: Session, profile: LearnerProfile, wanted: list[dict[str, Any]]
) -> None:
    slugs = [item["skill"] for item in wanted]
    if len(set(slugs)) != len(slugs):
        raise InvalidInput([{"field": "skills", "message": "a skill is listed twice"}])

    rows = session.execute(select(Skill.slug, Skill.id).where(Skill.slug.in_(slugs)))
    known = {slug: skill_id for slug, skill_id in rows}
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise InvalidInput(
            [{"field": "skills", "message": f"unknown skill: {s}"} for s in unknown]
        )

    # Assessed levels are evidence, not the learner's to drop: a skill with
    # one stays when the list leaves it out, with its earlier self-rating.
    earlier = {
        row.skill_id: (row.self_level, row.assessed_level) for row in profile.skills
    }
    listed = {known[item["skill"]]: item["self_level"] for item in wanted}
    kept = {
        skill_id: self_level
        for skill_id, (self_level, assessed_level) in earlier.items()
        if assessed_level is not None and skill_id not in listed
    }
    profile.skills.clear()
    session.flush()
    for skill_id, self_level in {**listed, **kept}.items():
        profile.skills.append(
            LearnerSkill(
                skill_id=skill_id,
                self_level=self_level,
                assessed_level=earlier.get(skill_id, (None, None))[1],
            )
        )
    profile.updated_at = utcnow()


def profile_body(profile: LearnerProfile, user: User) -> dict[str, Any]:
    """The profile in the shape of ``ProfileOut``."""
    return {
        "user_id": profile.user_id,
        "display_name": user.display_name,
        "persona": profile.persona,
        "region": profile.region,
        "headline": profile.headline,
        "goals": profile.goals,
        "updated_at": profile.updated_at,
        "skills": [
            {
                "skill": row.skill.slug,
                "name": row.skill.name,
                "category": row.skill.category.slug,
                "self_level": row.self_level,
                "assessed_level": row.assessed_level,
            }
            for row in profile.skills
        ],
    }
