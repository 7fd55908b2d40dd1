"""Sign-up, sign-in and API tokens.

Passwords are hashed with argon2id. API tokens are random and shown once;
only their SHA-256 digest is stored, so a database leak yields no usable token.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import ApiToken, User
from app.db import utcnow
from app.errors import Conflict, InvalidInput, Unauthorized
from app.profiles.models import LearnerProfile

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "sf_"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")


def normalise_email(raw: str) -> tuple[str, str]:
    """Return the address as the person typed it, tidied, and its unique key."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput([{"field": "email", "message": str(exc)}]) from exc

    return checked.normalized, checked.normalized.lower()


def hash_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            [
                {
                    "field": "password",
                    "message": f"must be {MIN_PASSWORD_LENGTH} to "
                    f"{MAX_PASSWORD_LENGTH} characters long",
                }
            ]
        )

    return _hasher.hash(password)


def sign_up_learner(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    persona: str,
    region: str,
) -> User:
    """Create a learner account and its profile; the email must be new."""
    shown, key = normalise_email(email)
    if session.scalar(select(User.id).where(User.email_key == key)) is not None:
        raise Conflict("An account with this email already exists.")

    user = User(
        email=shown,
        email_key=key,
        password_hash=hash_password(password),
        display_name=display_name,
        role="learner",
    )
    user.session_version = 1
    session.add(user)
    session.add(LearnerProfile(user=user, persona=persona, region=region))
    try:
        session.flush()
    except IntegrityError as exc:
        # Two sign-ups with one address raced past the check above.
        session.rollback()
        raise Conflict("An account with this email already exists.") from exc

    logger.info("Learner %d signed up.", user.id)
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the user whose email and password match, or raise Unauthorized."""
    key = email.strip().lower()
    user = session.scalar(select(User).where(User.email_key == key))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None

    if user is None:
        raise Unauthorized("The email or password is wrong.")

    return user


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str = "api") -> str:
    """Create an API token for ``user`` and return it; it is never shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user=user,
            digest=_digest(raw),
            name=name,
            session_version=user.session_version,
        )
    )
    session.flush()

    return raw


def user_for_token(session: Session, raw_token: str) -> User | None:
    """The user a live token belongs to, or None for an unknown or dead token."""
    if not raw_token.startswith(TOKEN_PREFIX) or len(raw_token) > 128:
        return None

    token = session.scalar(
        select(ApiToken).where(ApiToken.digest == _digest(raw_token))
    )
    if token is None or token.revoked_at is not None:
        return None
    if token.session_version != token.user.session_version:
        return None

    token.last_used_at = utcnow()
    session.commit()

    return token.user


def revoke_token(session: Session, raw_token: str) -> None:
    """Revoke one token; revoking an unknown or revoked token does nothing."""
    token = session.scalar(
        select(ApiToken).where(ApiToken.digest == _digest(raw_token))
    )
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
