"""Errors of the webhook domain, each named after what happened."""

from __future__ import annotations

from app.errors import InvalidInput, NotFound, SkillForgeError


class UrlRefused(InvalidInput):
    """An endpoint URL breaks the URL policy (scheme, address, credentials)."""

    def __init__(self, reason: str, field: str = "url") -> None:
        super().__init__([{"field": field, "message": reason}], detail=reason)
        self.reason = reason


class EndpointNotFound(NotFound):
    """No endpoint with this id belongs to the caller's partner."""


class DeliveryNotFound(NotFound):
    """No delivery with this id belongs to the caller's partner."""


class DeadLetterNotFound(NotFound):
    """No open dead letter with this id belongs to the caller's partner."""


class UnknownEventType(SkillForgeError):
    """``record_event`` was called with an event type that does not exist."""

    slug = "unknown-event-type"
    title = "Unknown webhook event type"


class EndpointStateConflict(SkillForgeError):
    """The endpoint is not in a state that allows this (deleted, say)."""

    status = 409
    slug = "endpoint-state"
    title = "The endpoint cannot do this now"
