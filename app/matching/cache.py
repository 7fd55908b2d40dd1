"""A short-lived Redis cache of rendered match pages, and what invalidates it.

What is cached: the JSON body of ``GET /api/v1/matches``, per learner, page
and page size. For how long: at most ``TTL_SECONDS``, and never past a change
that could alter it. Each entry records the two versions it was built under,
and a read serves it only while both still hold:

- the catalog version, raised after every committed change to an
  opportunity (publish, edit, close) and after every committed chunk of a
  recompute;
- the learner's version, raised after every commit that touched their
  skills. An ORM event here watches ``LearnerSkill`` and ``LearnerProfile``
  rows in every session, so the profile and assessment services need not
  know this cache exists; a change written without the ORM (bulk SQL) is
  seen when the entry expires.

Versions are read before a page is built, so an entry may hold newer data
than its versions claim but never older. A cache hit costs one Redis round
trip (one MGET of three keys) instead of two PostgreSQL queries and the
scoring of the page; with the token cache (``app.auth.token_cache``) a
hit touches no PostgreSQL at all. Figures: benchmarks/README.md. Redis
trouble is never an error: the page is built from the database and the
failure logged.
"""

from __future__ import annotations

import logging
from typing import cast

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from app.caching import app_redis_url, client, spread
from app.db import committed_for_good
from app.profiles.models import LearnerProfile, LearnerSkill

logger = logging.getLogger(__name__)

TTL_SECONDS = 60
CATALOG_KEY = "skillforge:matching:catalog-version"
LEARNER_KEY = "skillforge:matching:learner-version:{user_id}"
PAGE_KEY = "skillforge:matching:page:{user_id}:{page}:{per_page}"
# Keys of ``Session.info`` this module uses.
CHANGED_KEY = "matching.changed_learners"
REDIS_URL_KEY = "matching.redis_url"

# --- Reading and writing pages ------------------------------------------------------


def cached_page(
    redis_url: str, user_id: int, page: int, per_page: int
) -> tuple[bytes | None, bytes]:
    """The cached body if still valid, and the versions to store a new one under."""
    try:
        found = client(redis_url).mget(
            CATALOG_KEY,
            LEARNER_KEY.format(user_id=user_id),
            PAGE_KEY.format(user_id=user_id, page=page, per_page=per_page),
        )
        catalog, learner, entry = cast(list[bytes | None], found)
    except redis.RedisError:
        logger.warning("Match page cache unreadable; building from the database.")
        return None, b""

    versions = b"%s:%s" % (catalog or b"0", learner or b"0")
    if entry is not None:
        tag, _, body = entry.partition(b"\n")
        if tag == versions:
            return body, versions

    return None, versions


def store_page(
    redis_url: str, user_id: int, page: int, per_page: int, versions: bytes, body: bytes
) -> None:
    """Keep a built page under the versions read before building it."""
    if not versions:
        return

    key = PAGE_KEY.format(user_id=user_id, page=page, per_page=per_page)
    try:
        client(redis_url).set(key, versions + b"\n" + body, ex=spread(TTL_SECONDS))
    except redis.RedisError:
        logger.warning("Could not cache a match page of learner %d.", user_id)


# --- Invalidation ----------------------------------------------------------------


def catalog_changed(redis_url: str) -> None:
    """After a commit that changed opportunities or rankings: drop every page."""
    try:
        client(redis_url).incr(CATALOG_KEY)
    except redis.RedisError:
        logger.warning(
            "Could not raise the catalog version; cached match pages live up "
            "to %d s longer.",
            TTL_SECONDS,
        )


def learners_changed(redis_url: str, user_ids: set[int]) -> None:
    """After a commit that changed these learners' skills: drop their pages."""
    try:
        with client(redis_url).pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.incr(LEARNER_KEY.format(user_id=user_id))
                pipe.expire(LEARNER_KEY.format(user_id=user_id), TTL_SECONDS * 10)
            pipe.execute()
    except redis.RedisError:
        logger.warning(
            "Could not raise the versions of %d learners; their cached match "
            "pages live up to %d s longer.",
            len(user_ids),
            TTL_SECONDS,
        )


@event.listens_for(Session, "after_flush")
def _note_learner_changes(session: Session, _context: UOWTransaction) -> None:
    """Remember whose skills this transaction touched (pre-flush collections)."""
    changed = {
        obj.user_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, LearnerSkill | LearnerProfile)
    }
    if changed:
        session.info.setdefault(CHANGED_KEY, set()).update(changed)


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    if not committed_for_good(session):
        return

    changed: set[int] = session.info.pop(CHANGED_KEY, set())
    redis_url = session.info.get(REDIS_URL_KEY) or app_redis_url() if changed else None
    if redis_url:
        learners_changed(redis_url, changed)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous: SessionTransaction) -> None:
    # A rolled back savepoint keeps the changes made outside it.
    if previous.parent is None:
        session.info.pop(CHANGED_KEY, None)
