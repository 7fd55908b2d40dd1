"""What can go wrong with an attempt; each leaves the API as problem+json."""

from __future__ import annotations

from app.errors import Conflict, TooManyRequests


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


class TooManyAttempts(TooManyRequests):
    """The learner started this assessment as often as a day allows."""

    slug = "too-many-attempts"
    title = "Too many attempts at this assessment today"
