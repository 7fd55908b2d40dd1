"""Who a bearer token belongs to, cached in Redis for the hot read routes.

Checking a token in PostgreSQL costs a query per request, which on a route
such as ``GET /api/v1/matches`` (itself served from the match page cache)
is most of the request's price. Routes that only need to know *who* is
asking, not to change the account, authenticate with ``identity_auth``
instead of ``token_auth``: the token's digest maps to the user's id and
role in Redis for ``TTL_SECONDS``.

Ending a token must take effect at once, so the cache never outlives a
revocation:

- after every commit that revokes a token, raises a user's
  ``session_version`` (log out everywhere, password reset) or changes their
  role, each affected digest is overwritten by a tombstone that lives
  ``TOMBSTONE_SECONDS``. An ORM event here watches ``ApiToken`` and
  ``User`` rows in every session, so the auth services need not call it;
- entries are only ever written with ``SET NX``. A request that read the
  token as live just before its revocation committed cannot put it back:
  the tombstone is already there, or arrives after and overwrites it;
- a tombstone means "ask the database", which answers 401 for a dead token.

What is cached: ``"<user id> <role>"``, nothing secret (the key holds the
SHA-256 digest, as the database does). ``last_used_at`` is still written
by the database check, which runs at least once per ``TTL_SECONDS`` per
token, so it stays right to within about a minute.

If Redis does not answer, every request is checked in the database. If a
tombstone could not be written, the failure is logged as an error and the
stale entry expires within ``TTL_SECONDS``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast

import redis
from apiflask import HTTPTokenAuth
from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction, attributes

from app.auth import service
from app.auth.models import ApiToken, User
from app.caching import app_redis_url, client, spread
from app.db import committed_for_good, request_session

logger = logging.getLogger(__name__)

TTL_SECONDS = 30
TOMBSTONE_SECONDS = 600
KEY = "skillforge:auth:token:{digest}"
TOMBSTONE = b"-"
# Keys of ``Session.info`` this module uses.
DEAD_KEY = "auth.dead_token_digests"
REDIS_URL_KEY = "auth.redis_url"


@dataclass(frozen=True)
class Identity:
    """Who is asking: enough for a read route, nothing to write through."""

    user_id: int
    role: str


def _entry(user: User) -> bytes:
    return f"{user.id} {user.role}".encode()


def _parse(value: bytes) -> Identity | None:
    user_id, _, role = value.decode("ascii", "replace").partition(" ")
    if not user_id.isdigit() or not role:
        return None

    return Identity(int(user_id), role)


def identity_for_token(redis_url: str, raw_token: str) -> Identity | None:
    """The live token's owner, from Redis when cached, else from the database."""
    if not service.plausible_token(raw_token):
        return None

    key = KEY.format(digest=service.token_digest(raw_token))
    cached: bytes | None = None
    redis_ok = True
    try:
        cached = cast(bytes | None, client(redis_url).get(key))
    except redis.RedisError:
        redis_ok = False
        logger.warning("Token cache unreadable; checking the token in the database.")
    if cached is not None and cached != TOMBSTONE:
        found = _parse(cached)
        if found is not None:
            return found

    user = service.user_for_token(request_session(), raw_token)
    if user is None:
        return None
    if redis_ok and cached is None:
        try:
            client(redis_url).set(key, _entry(user), ex=spread(TTL_SECONDS), nx=True)
        except redis.RedisError:
            logger.warning("Could not cache a token of user %d.", user.id)

    return Identity(user.id, user.role)


identity_auth = HTTPTokenAuth(
    scheme="Bearer",
    description="An API token from login",
    security_scheme_name="BearerAuth",
)


@identity_auth.verify_token
def _verify(token: str) -> Identity | None:
    return identity_for_token(current_app.config["SKILLFORGE"].redis_url, token)


def current_identity() -> Identity:
    """The identity ``identity_auth`` found for this request."""
    found = identity_auth.current_user
    assert isinstance(found, Identity)
    return found


# --- Invalidation ----------------------------------------------------------------


def bury(redis_url: str, digests: set[str]) -> None:
    """After the commit that ended these tokens: tombstones over their entries."""
    try:
        with client(redis_url).pipeline(transaction=False) as pipe:
            for digest in digests:
                pipe.set(KEY.format(digest=digest), TOMBSTONE, ex=TOMBSTONE_SECONDS)
            pipe.execute()
    except redis.RedisError:
        logger.error(
            "Could not mark %d ended tokens in the token cache; they may keep "
            "working on cached routes for up to %d s.",
            len(digests),
            TTL_SECONDS,
        )


def _changed(obj: Any, name: str) -> bool:
    return bool(attributes.get_history(obj, name).has_changes())


@event.listens_for(Session, "after_flush")
def _note_dead_tokens(session: Session, _context: UOWTransaction) -> None:
    """Collect the digests this transaction ended (pre-flush collections)."""
    digests: set[str] = set()
    users: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, ApiToken) and _changed(obj, "revoked_at"):
            digests.add(obj.digest)
        elif isinstance(obj, User) and (
            _changed(obj, "session_version") or _changed(obj, "role")
        ):
            users.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, ApiToken):
            digests.add(obj.digest)
        elif isinstance(obj, User):
            users.add(obj.id)
    if users:
        digests.update(
            session.connection().scalars(
                select(ApiToken.digest).where(ApiToken.user_id.in_(users))
            )
        )
    if digests:
        session.info.setdefault(DEAD_KEY, set()).update(digests)


@event.listens_for(Session, "after_commit")
def _bury_after_commit(session: Session) -> None:
    if not committed_for_good(session):
        return

    digests: set[str] = session.info.pop(DEAD_KEY, set())
    if not digests:
        return

    redis_url = session.info.get(REDIS_URL_KEY) or app_redis_url()
    if redis_url:
        bury(redis_url, digests)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous: SessionTransaction) -> None:
    # A rolled back savepoint keeps what was ended outside it; a digest it
    # added itself only costs that token a database check.
    if previous.parent is None:
        session.info.pop(DEAD_KEY, None)
