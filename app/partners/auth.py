"""Who calls a partner route: a member with a bearer token, or an API key.

``partner_auth`` accepts either in ``Authorization: Bearer ...``. A member
may do everything the partner may; a key only what its scopes allow. Every
partner route scopes its look-ups with ``current_partner_id()``, so another
partner's ids answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from apiflask import HTTPTokenAuth

from app.auth import service as auth_service
from app.db import request_session
from app.errors import Forbidden
from app.partners import service
from app.partners.service import API_KEY_PREFIX, SCOPES

partner_auth = HTTPTokenAuth(
    scheme="Bearer",
    security_scheme_name="PartnerAuth",
    description=(
        "A partner member's API token (from login), or a partner API key "
        f"({API_KEY_PREFIX}...)"
    ),
)


@dataclass(frozen=True)
class PartnerCaller:
    """The partner behind a request, and what the credential may do."""

    partner_id: int
    user_id: int | None
    key_id: int | None
    scopes: frozenset[str]


@partner_auth.verify_token
def _verify(token: str) -> PartnerCaller | None:
    session = request_session()
    if token.startswith(API_KEY_PREFIX):
        key = service.key_for_secret(session, token)
        if key is None:
            return None
        return PartnerCaller(key.partner_id, None, key.id, frozenset(key.scopes))

    user = auth_service.user_for_token(session, token)
    if user is None:
        return None
    if user.role != "partner" or user.partner_id is None:
        raise Forbidden("This account is not a member of a partner.")

    return PartnerCaller(user.partner_id, user.id, None, frozenset(SCOPES))


def current_caller() -> PartnerCaller:
    caller = partner_auth.current_user
    assert isinstance(caller, PartnerCaller)
    return caller


def current_partner_id() -> int:
    """The id of the partner the request's credential belongs to."""
    return current_caller().partner_id


def require_scope(scope: str) -> PartnerCaller:
    """The caller, if its credential carries ``scope``; else Forbidden (403)."""
    caller = current_caller()
    if scope not in caller.scopes:
        raise Forbidden(f"This API key lacks the scope {scope}.")

    return caller


def require_member() -> PartnerCaller:
    """The caller, if it is a member rather than an API key; else Forbidden."""
    caller = current_caller()
    if caller.user_id is None:
        raise Forbidden("Only a partner member may do this, not an API key.")

    return caller
