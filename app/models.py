"""Every model of the app, imported in one place for Alembic and the seed."""

from app.auth.models import ApiToken, User
from app.db import Base
from app.matching.models import Opportunity, OpportunitySkill
from app.partners.models import Partner
from app.profiles.models import (
    AdvisorAssignment,
    LearnerProfile,
    LearnerSkill,
    Skill,
    SkillCategory,
)

__all__ = [
    "AdvisorAssignment",
    "ApiToken",
    "Base",
    "LearnerProfile",
    "LearnerSkill",
    "Opportunity",
    "OpportunitySkill",
    "Partner",
    "Skill",
    "SkillCategory",
    "User",
]
