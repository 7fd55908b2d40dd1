"""What can go wrong in matching; each leaves the API as problem+json."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound, SkillForgeError


class OpportunityNotFound(NotFound):
    """No opportunity with this id is visible to the caller."""


class ApplicationNotFound(NotFound):
    """No application with this id is visible to the caller."""


class OpportunityClosed(Conflict):
    """The opportunity was closed: it takes no new saves or applications."""

    slug = "opportunity-closed"
    title = "The opportunity is closed"


class AlreadyApplied(Conflict):
    """The learner applied to this opportunity before; one application each."""

    slug = "already-applied"
    title = "You applied to this opportunity already"


class IllegalTransition(Conflict):
    """The application cannot move from its status to the one asked for."""

    slug = "illegal-transition"
    title = "The application cannot move to that status"


class ConsentRequired(Conflict):
    """Applying shares the learner with a partner, which needs their consent."""

    slug = "consent-required"
    title = "Consent to share with partners is required"


class NotALearner(Forbidden):
    """Only learners have matches, saved opportunities and applications."""


class RecomputeRunning(SkillForgeError):
    """Another full recompute of the stored matches holds the lock."""

    status = 409
    slug = "recompute-running"
    title = "A recompute is already running"
