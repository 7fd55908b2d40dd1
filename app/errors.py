"""Errors of the SkillForge app and their problem+json form.

Every error that leaves the app is ``application/problem+json`` (RFC 9457)
with a stable ``type``, so clients can branch on it without parsing prose.
"""

from __future__ import annotations

from typing import Any

from flask import Response, json

PROBLEM_BASE = "https://skillforge.example/problems/"
PROBLEM_MIMETYPE = "application/problem+json"


class SkillForgeError(Exception):
    """Base of every error the app raises on purpose."""

    status = 500
    slug = "internal-error"
    title = "Internal server error"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class ConfigError(SkillForgeError):
    """A setting is missing or unsafe for the chosen profile."""

    slug = "config-error"
    title = "The app is not configured safely"


class InvalidInput(SkillForgeError):
    """The request body or query failed validation."""

    status = 422
    slug = "validation-error"
    title = "The request has invalid fields"

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None):
        # The same shape as schema errors: each names its field and where it was.
        located = [{"location": "json", **error} for error in errors]
        super().__init__(detail or "One or more fields are invalid.", errors=located)


class NotFound(SkillForgeError):
    """The resource does not exist, or the caller may not know it does."""

    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(SkillForgeError):
    """The request clashes with something already stored."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class TooManyRequests(SkillForgeError):
    """Asked again too soon: 429, and Retry-After says when to try again."""

    status = 429
    slug = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


class Unauthorized(SkillForgeError):
    """No valid credentials came with a request that needs them."""

    status = 401
    slug = "unauthorized"
    title = "Authentication required"


class Forbidden(SkillForgeError):
    """The caller is known but may not do this."""

    status = 403
    slug = "forbidden"
    title = "Forbidden"


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    **extra: Any,
) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)

    return Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
