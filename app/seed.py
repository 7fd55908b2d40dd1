"""Load the deterministic demo data of ``app.seed_data`` into the database.

The same seed number always yields the same rows. Every seeded account shares
one password (``SKILLFORGE_SEED_PASSWORD``, else a demo value), hashed once;
the production profile refuses to seed.
"""

from __future__ import annotations

import logging
import os

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.assessments.catalogue import seed_assessments
from app.assessments.models import Assessment, Question
from app.auth.models import User
from app.auth.service import hash_password
from app.errors import ConfigError
from app.matching.models import Opportunity, OpportunitySkill
from app.partners.models import Partner
from app.profiles.models import (
    AdvisorAssignment,
    LearnerProfile,
    LearnerSkill,
    Skill,
    SkillCategory,
)
from app.seed_data import CATEGORIES, SKILLS, PersonSpec, build_seed_plan

logger = logging.getLogger(__name__)

DEFAULT_SEED = 20261204
DEMO_PASSWORD = "skillforge-demo-password"


def seed_counts(session: Session) -> dict[str, int]:
    """How many rows the seeded tables hold."""
    counted = {
        "skill_categories": SkillCategory,
        "skills": Skill,
        "users": User,
        "learner_profiles": LearnerProfile,
        "learner_skills": LearnerSkill,
        "advisor_assignments": AdvisorAssignment,
        "partners": Partner,
        "opportunities": Opportunity,
        "opportunity_skills": OpportunitySkill,
        "assessments": Assessment,
        "assessment_questions": Question,
    }
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in counted.items()
    }


def _user(spec: PersonSpec, role: str, password_hash: str) -> User:
    return User(
        email=spec.email,
        email_key=spec.email.lower(),
        password_hash=password_hash,
        display_name=f"{spec.first_name} {spec.last_name}",
        role=role,
        session_version=1,
    )


def seed_database(
    session: Session, seed: int = DEFAULT_SEED, profile: str = "development"
) -> dict[str, int]:
    """Insert the demo data once; a database that has skills is left alone."""
    if profile == "production":
        raise ConfigError("the production profile refuses to load demo data")
    if session.scalar(select(func.count()).select_from(Skill)):
        logger.info("Seed skipped: the database already has skills.")
        return seed_counts(session)

    plan = build_seed_plan(seed)
    password_hash = hash_password(
        os.environ.get("SKILLFORGE_SEED_PASSWORD", DEMO_PASSWORD)
    )

    categories = {
        c.slug: SkillCategory(slug=c.slug, name=c.name, description=c.description)
        for c in CATEGORIES
    }
    session.add_all(categories.values())
    skills = {
        s.slug: Skill(slug=s.slug, name=s.name, category=categories[s.category])
        for s in SKILLS
    }
    session.add_all(skills.values())
    session.flush()

    learners: list[User] = []
    for spec in plan.learners:
        user = _user(spec, "learner", password_hash)
        profile_row = LearnerProfile(
            user=user,
            persona=spec.persona,
            region=spec.region,
            headline=spec.headline,
            goals=spec.goals,
        )
        for slug, level in spec.skills:
            profile_row.skills.append(
                LearnerSkill(skill_id=skills[slug].id, self_level=level)
            )
        session.add_all([user, profile_row])
        learners.append(user)

    advisors = [_user(spec, "advisor", password_hash) for spec in plan.advisors]
    session.add_all(advisors)
    session.flush()

    for advisor_index, learner_index in plan.advisor_of:
        session.add(
            AdvisorAssignment(
                advisor_id=advisors[advisor_index].id,
                learner_id=learners[learner_index].id,
            )
        )

    for partner_spec in plan.partners:
        partner = Partner(
            slug=partner_spec.slug,
            name=partner_spec.name,
            regions=list(partner_spec.regions),
            contact_email=partner_spec.contact_email,
        )
        session.add(partner)
        for opp in partner_spec.opportunities:
            opportunity = Opportunity(
                partner=partner,
                title=opp.title,
                kind=opp.kind,
                region=opp.region,
                description=opp.description,
            )
            for slug, level in opp.required:
                opportunity.required_skills.append(
                    OpportunitySkill(skill_id=skills[slug].id, min_level=level)
                )
            session.add(opportunity)

    session.flush()
    seed_assessments(session)
    counts = seed_counts(session)
    logger.info("Seeded the database.", extra={"seed": seed, "counts": counts})
    return counts
