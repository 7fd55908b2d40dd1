"""Sign-up, sign-in, API tokens, email verification and password reset.

Passwords are hashed with argon2id. API tokens and the one-time tokens sent by
email are random and shown once; only their SHA-256 digest is stored, so a
database leak yields no usable token. Failed log-ins are throttled by
``app.auth.throttle``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app.auth.models import ApiToken, OneTimeToken, User
from app.auth.throttle import client_address, current_throttle
from app.db import utcnow
from app.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    SkillForgeError,
    Unauthorized,
)
from app.notifications.email import SECRET_PLACEHOLDER, app_settings, queue_email
from app.profiles.models import LearnerProfile

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "sf_"
LAST_USED_RESOLUTION = timedelta(seconds=60)
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
    """Create a learner account and its profile; the email must be new.

    A verification mail is queued with the account, in the same transaction.
    """
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

    start_email_verification(session, user)
    logger.info("Learner %d signed up.", user.id)
    return user


def login_key(email: str) -> str:
    """The unique key of a typed address, normalised the way sign-up does it.

    Unicode forms and internationalised domains then match at log-in too; an
    address that does not even parse is only folded to lower case.
    """
    try:
        return normalise_email(email)[1]
    except InvalidInput:
        return email.strip().lower()


def authenticate(
    session: Session, email: str, password: str, client_ip: str | None = None
) -> User:
    """Return the user whose email and password match, or raise Unauthorized.

    Inside the app, failed attempts are counted per account and per client
    address; while a delay or lock runs, LoginThrottled (an Unauthorized) is
    raised before the password is even checked. ``client_ip`` defaults to the
    request's remote address.
    """
    key = login_key(email)
    client_ip = client_ip or client_address()
    throttle = current_throttle()
    if throttle is not None:
        throttle.check(key, client_ip)

    user = session.scalar(select(User).where(User.email_key == key))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None

    if user is None:
        if throttle is not None:
            throttle.record_failure(key, client_ip)
        raise Unauthorized("The email or password is wrong.")

    if throttle is not None:
        throttle.reset(key)
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


def plausible_token(raw_token: str) -> bool:
    """Whether ``raw_token`` has the shape of the tokens we issue."""
    return raw_token.startswith(TOKEN_PREFIX) and len(raw_token) <= 128


def user_for_token(session: Session, raw_token: str) -> User | None:
    """The user a live token belongs to, or None for an unknown or dead token."""
    if not plausible_token(raw_token):
        return None

    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.digest == _digest(raw_token))
        .options(joinedload(ApiToken.user))
    )
    if token is None or token.revoked_at is not None:
        return None
    if token.session_version != token.user.session_version:
        return None

    # Recorded to the minute: a write on every request would cost more than
    # the request itself on the hot read paths.
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
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


# --- One-time tokens sent by email: verification and password reset ---------

VERIFY_EMAIL_TTL = timedelta(hours=24)
PASSWORD_RESET_TTL = timedelta(hours=1)
# A second reset mail within this time of the last one is not sent.
RESET_RESEND_INTERVAL = timedelta(seconds=60)
# Ids are PostgreSQL integers; a larger one in a URL simply does not exist.
MAX_ID = 2**31 - 1


class TokenInvalid(SkillForgeError):
    """A one-time token is unknown, used, replaced or expired."""

    status = 400
    slug = "invalid-token"
    title = "The link is invalid or has expired"


def _issue_one_time_token(
    session: Session, user: User, purpose: str, ttl: timedelta
) -> str:
    """Store a new token's digest and return the token; older ones stop working."""
    now = utcnow()
    session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )

    raw = secrets.token_urlsafe(32)
    session.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose,
            digest=_digest(raw),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return raw


def _spend_one_time_token(session: Session, raw: str, purpose: str) -> OneTimeToken:
    """Mark the token used and return it, or raise TokenInvalid.

    The row is locked while it is checked, so two requests racing with one
    token cannot both spend it.
    """
    token = session.scalar(
        select(OneTimeToken)
        .where(OneTimeToken.digest == _digest(raw), OneTimeToken.purpose == purpose)
        .with_for_update()
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        raise TokenInvalid("The link is invalid or has expired; ask for a new one.")

    token.used_at = utcnow()
    return token


def start_email_verification(session: Session, user: User) -> str:
    """Queue a mail with a link that proves ``user`` owns their address.

    Returns the token (for tests and scripts; the API never shows it). The
    link works once, for ``VERIFY_EMAIL_TTL``; asking again replaces it.
    """
    if user.email_verified_at is not None:
        raise Conflict("Your email address is already verified.")

    raw = _issue_one_time_token(session, user, "verify_email", VERIFY_EMAIL_TTL)
    link = f"{app_settings().public_url}/verify-email?token={SECRET_PLACEHOLDER}"
    queue_email(
        session,
        user,
        "verify_email",
        "Confirm your email address for SkillForge",
        f"Hello {user.display_name},\n\n"
        f"Please confirm that this is your address by opening this link:\n\n"
        f"{link}\n\n"
        f"The link works once, within {VERIFY_EMAIL_TTL.total_seconds() / 3600:.0f}"
        " hours. If you did not sign up for SkillForge, ignore this email.\n",
        secret=raw,
    )

    logger.info("Email verification started for user %d.", user.id)
    return raw


def confirm_email(session: Session, raw_token: str) -> User:
    """Mark the token's user verified; the token then stops working."""
    token = _spend_one_time_token(session, raw_token, "verify_email")
    user = token.user
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    session.flush()

    logger.info("User %d verified their email address.", user.id)
    return user


def start_password_reset(session: Session, email: str) -> str | None:
    """Queue a reset link if an account uses ``email``; return the token or None.

    The caller answers the same whether or not the account exists. A second
    request within ``RESET_RESEND_INTERVAL`` sends nothing, so the address
    cannot be flooded; the link works once, for ``PASSWORD_RESET_TTL``.
    """
    _, key = normalise_email(email)
    user = session.scalar(select(User).where(User.email_key == key))
    if user is None:
        return None

    recent = session.scalar(
        select(OneTimeToken.id).where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == "password_reset",
            OneTimeToken.created_at > utcnow() - RESET_RESEND_INTERVAL,
        )
    )
    if recent is not None:
        logger.info("Password reset for user %d asked again too soon.", user.id)
        return None

    raw = _issue_one_time_token(session, user, "password_reset", PASSWORD_RESET_TTL)
    link = f"{app_settings().public_url}/reset-password?token={SECRET_PLACEHOLDER}"
    minutes = PASSWORD_RESET_TTL.total_seconds() / 60
    queue_email(
        session,
        user,
        "password_reset",
        "Reset your SkillForge password",
        f"Hello {user.display_name},\n\n"
        "Someone asked to reset the password of your SkillForge account. "
        f"To choose a new one, open this link:\n\n{link}\n\n"
        f"The link works once, within {minutes:.0f} minutes, and logs you out "
        "everywhere. If you did not ask for it, ignore this email: your "
        "password stays as it is.\n",
        secret=raw,
    )

    logger.info("Password reset started for user %d.", user.id)
    return raw


def reset_password(session: Session, raw_token: str, new_password: str) -> User:
    """Set a new password with a reset token, and end every session and token.

    The password is checked before the token is spent, so a too-short one
    leaves the link usable. Success also proves the user owns the address,
    so it counts as verified, and clears failed log-ins.
    """
    password_hash = hash_password(new_password)
    token = _spend_one_time_token(session, raw_token, "password_reset")
    user = token.user

    user.password_hash = password_hash
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    log_out_everywhere(session, user)

    throttle = current_throttle()
    if throttle is not None:
        throttle.reset(user.email_key)

    logger.info("User %d reset their password.", user.id)
    return user


# --- Sessions and API tokens --------------------------------------------------


def log_out_everywhere(session: Session, user: User) -> None:
    """End every page session and revoke every API token of ``user``.

    Raising ``session_version`` kills page sessions and tokens at once;
    the tokens are also marked revoked so the list shows none of them.
    """
    user.session_version += 1
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()

    logger.info("User %d logged out everywhere.", user.id)


def live_tokens(user: User, current_digest: str | None) -> Select[Any]:
    """The user's working tokens, newest first, for ``page_of``."""
    return (
        select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.created_at,
            ApiToken.last_used_at,
            (ApiToken.digest == (current_digest or "")).label("current"),
        )
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.session_version == user.session_version,
        )
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )


def revoke_token_id(session: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's working tokens; any other id is NotFound."""
    token = None
    if 0 < token_id <= MAX_ID:
        token = session.scalar(
            select(ApiToken).where(
                ApiToken.id == token_id,
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.session_version == user.session_version,
            )
        )
    if token is None:
        raise NotFound("No such token.")

    token.revoked_at = utcnow()
    session.flush()
    logger.info("User %d revoked token %d.", user.id, token_id)


def token_digest(raw_token: str) -> str:
    """The stored form of a bearer token."""
    return _digest(raw_token)
