"""What can go wrong with an attempt; each leaves the API as problem+json."""

from __future__ import annotations

from app.errors import Conflict, SkillForgeError


class AttemptInProgress(Conflict):
    """The learner already has a live attempt at this assessment."""

    slug = "attempt-in-progress"
    title = "An attempt is already in progress"


class AttemptExpired(Conflict):
    """The attempt's time limit passed before the answers came in."""

    slug = "attempt-expired"
    title = "The attempt has expired"


class AttemptAlreadySubmitted(Conflict):
    """The attempt was scored already; it is scored only once."""

    slug = "attempt-already-submitted"
    title = "The attempt was already submitted"


class TooManyAttempts(SkillForgeError):
    """The learner started this assessment as often as a day allows."""

    status = 429
    slug = "too-many-attempts"
    title = "Too many attempts at this assessment today"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}
