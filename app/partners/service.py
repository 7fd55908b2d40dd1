"""Partner organisations, their members and their API keys.

Members are users with the role ``partner`` and the partner's id. API keys
are for the partner's machines: random, shown once, stored as a SHA-256
digest (a key is 32 random bytes, so a plain digest cannot be brute-forced),
limited to scopes, revocable, with their last use recorded.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.service import hash_password, normalise_email
from app.db import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.pagination import page_of
from app.partners.models import Partner, PartnerApiKey

logger = logging.getLogger(__name__)

API_KEY_PREFIX = "sfpk_"
SCOPES = (
    "opportunities:read",
    "opportunities:write",
    "applicants:read",
    "applicants:write",
    "matches:read",
    "webhooks:read",
    "webhooks:write",
)
MAX_KEY_LENGTH = 128
# A key's last use is written at most this often (seconds), not on every call.
LAST_USED_RESOLUTION_SECONDS = 60


class ApiKeyNotFound(NotFound):
    """No API key with this id belongs to the caller's partner."""


def create_partner(
    session: Session,
    *,
    slug: str,
    name: str,
    regions: list[str],
    contact_email: str,
) -> Partner:
    """Create a partner organisation; the slug must be new."""
    if session.scalar(select(Partner.id).where(Partner.slug == slug)) is not None:
        raise Conflict(f"A partner with the slug {slug!r} already exists.")

    partner = Partner(
        slug=slug, name=name, regions=list(regions), contact_email=contact_email
    )
    session.add(partner)
    session.flush()

    logger.info("Partner %d (%s) created.", partner.id, slug)
    return partner


def add_member(
    session: Session,
    partner_id: int,
    *,
    email: str,
    password: str,
    display_name: str,
    password_hash: str | None = None,
) -> User:
    """Create a member account of the partner; the email must be new.

    ``password_hash``, when given, is used instead of hashing ``password``
    (for loading many accounts that share one password, as the seed does).
    """
    if session.get(Partner, partner_id) is None:
        raise NotFound("No such partner.")

    shown, key = normalise_email(email)
    if session.scalar(select(User.id).where(User.email_key == key)) is not None:
        raise Conflict("An account with this email already exists.")

    user = User(
        email=shown,
        email_key=key,
        password_hash=password_hash or hash_password(password),
        display_name=display_name,
        role="partner",
        partner_id=partner_id,
        session_version=1,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("An account with this email already exists.") from exc

    logger.info("User %d joined partner %d.", user.id, partner_id)
    return user


def list_members(
    session: Session, partner_id: int, page: int, per_page: int
) -> dict[str, Any]:
    statement = (
        select(User.id, User.email, User.display_name, User.created_at)
        .where(User.partner_id == partner_id, User.role == "partner")
        .order_by(User.id)
    )
    return page_of(session, statement, page, per_page)


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_api_key(
    session: Session,
    partner_id: int,
    name: str,
    scopes: list[str],
    created_by_id: int | None = None,
) -> tuple[PartnerApiKey, str]:
    """Make an API key; return the row and the key, which is never shown again."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput(
            [{"field": "scopes", "message": f"choose from {', '.join(SCOPES)}"}]
        )

    prefix = API_KEY_PREFIX + secrets.token_hex(4)
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = PartnerApiKey(
        partner_id=partner_id,
        name=name,
        prefix=prefix,
        digest=_digest(raw),
        scopes=sorted(set(scopes)),
        created_by_id=created_by_id,
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()

    logger.info("Partner %d made API key %d (%s).", partner_id, key.id, prefix)
    return key, raw


def key_body(key: PartnerApiKey) -> dict[str, Any]:
    """An API key in the shape of ``ApiKeyOut``; never the key itself."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": key.scopes,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }


def list_api_keys(
    session: Session, partner_id: int, page: int, per_page: int
) -> dict[str, Any]:
    statement = (
        select(
            PartnerApiKey.id,
            PartnerApiKey.name,
            PartnerApiKey.prefix,
            PartnerApiKey.scopes,
            PartnerApiKey.created_at,
            PartnerApiKey.last_used_at,
            PartnerApiKey.revoked_at,
        )
        .where(PartnerApiKey.partner_id == partner_id)
        .order_by(PartnerApiKey.id)
    )
    return page_of(session, statement, page, per_page)


def revoke_api_key(session: Session, partner_id: int, key_id: int) -> PartnerApiKey:
    """Revoke one of the partner's keys; revoking twice changes nothing."""
    key = session.scalar(
        select(PartnerApiKey).where(
            PartnerApiKey.id == key_id, PartnerApiKey.partner_id == partner_id
        )
    )
    if key is None:
        raise ApiKeyNotFound("No such API key.")

    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
        logger.info("Partner %d revoked API key %d.", partner_id, key_id)
    return key


def key_for_secret(session: Session, raw_key: str) -> PartnerApiKey | None:
    """The live key ``raw_key`` is, or None; records its use (commits)."""
    if not raw_key.startswith(API_KEY_PREFIX) or len(raw_key) > MAX_KEY_LENGTH:
        return None

    key = session.scalar(
        select(PartnerApiKey).where(PartnerApiKey.digest == _digest(raw_key))
    )
    if key is None or key.revoked_at is not None:
        return None

    now = utcnow()
    stale = now - timedelta(seconds=LAST_USED_RESOLUTION_SECONDS)
    if key.last_used_at is None or key.last_used_at < stale:
        key.last_used_at = now
        session.commit()
    return key
