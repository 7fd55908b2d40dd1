"""Every model of the app, imported in one place for Alembic and the seed."""

# Imported for its ORM events: every process that ends a token also clears
# it from the token cache.
import app.auth.token_cache  # noqa: F401
from app.assessments.models import Assessment, Attempt, AttemptAnswer, Question
from app.auth.models import ApiToken, OneTimeToken, User
from app.db import Base
from app.matching.models import (
    Application,
    LearnerMatch,
    LearnerMatchState,
    Opportunity,
    OpportunitySkill,
    SavedOpportunity,
)
from app.notifications.models import (
    EmailOutbox,
    Notification,
    NotificationPreference,
)
from app.partners.models import Partner, PartnerApiKey
from app.profiles.models import (
    AdvisorAssignment,
    LearnerProfile,
    LearnerSkill,
    Skill,
    SkillCategory,
)
from app.webhooks.models import (
    DeadLetter,
    Delivery,
    DeliveryAttempt,
    EndpointSecret,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "AdvisorAssignment",
    "ApiToken",
    "Application",
    "Assessment",
    "Attempt",
    "AttemptAnswer",
    "Base",
    "DeadLetter",
    "Delivery",
    "DeliveryAttempt",
    "EmailOutbox",
    "EndpointSecret",
    "LearnerMatch",
    "LearnerMatchState",
    "LearnerProfile",
    "LearnerSkill",
    "Notification",
    "NotificationPreference",
    "OneTimeToken",
    "Opportunity",
    "OpportunitySkill",
    "Partner",
    "PartnerApiKey",
    "Question",
    "SavedOpportunity",
    "Skill",
    "SkillCategory",
    "User",
    "WebhookEndpoint",
    "WebhookEvent",
]
