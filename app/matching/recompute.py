"""Recompute and store every learner's top matches, in bounded chunks.

Run by the ``recompute_matches`` actor and by ``skillforge matches
recompute``. It reads every learner's skills once (COPY), ranks them per
region in chunks of ``CHUNK_LEARNERS`` with the numpy engine, and stores each
chunk in its own transaction: the chunk's old rows are deleted (their
opportunity ids returned), the new ones written with COPY, the learners'
``LearnerMatchState`` rows upserted. A learner whose stored matches existed
before and who gains a new top match hears of it: one ``new_match``
notification at most per recompute, and, when they consent to sharing, one
``match.created`` webhook for the partner. A first ranking notifies nobody.

Only one recompute runs at a time per database (a PostgreSQL advisory lock);
a second one raises ``RecomputeRunning`` at once.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.matching import cache, engine, scoring
from app.matching.catalog import load_catalog
from app.matching.errors import RecomputeRunning
from app.matching.matches import TOP_N
from app.notifications.service import notify
from app.webhooks.outbox import record_event

logger = logging.getLogger(__name__)

CHUNK_LEARNERS = 2000
# pg_advisory_lock key of the recompute ("SFMATCH" in ASCII, as a bigint).
LOCK_KEY = 0x53464D41544348

Ints = engine.Ints


@dataclass
class Learners:
    """Every learner's region, consent and skills, as sorted arrays.

    ``skills`` rows are ``(user id, skill id, self level, assessed level)``
    ordered by user then skill; assessed 0 means never tested.
    """

    user_ids: Ints
    regions: list[str]
    consenting: set[int]
    skills: Ints


@dataclass
class RecomputeSummary:
    """What a recompute did, for the log line and the command's summary."""

    learners: int = 0
    matches: int = 0
    notified: int = 0
    events: int = 0
    chunks: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def load_learners(session: Session) -> Learners:
    """Read every learner's profile and skills (skills through COPY)."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT user_id, region, partner_sharing_consent_at IS NOT NULL "
            "FROM learner_profiles ORDER BY user_id"
        )
        profiles = cursor.fetchall()
        with cursor.copy(
            "COPY (SELECT user_id, skill_id, self_level, "
            "coalesce(assessed_level, 0) FROM learner_skills "
            "ORDER BY user_id, skill_id) TO STDOUT"
        ) as copy:
            data = b"".join(bytes(block) for block in copy)

    numbers = np.array(data.split(), dtype=np.int64)
    return Learners(
        np.array([p[0] for p in profiles], dtype=np.int64),
        [p[1] for p in profiles],
        {p[0] for p in profiles if p[2]},
        numbers.reshape(-1, 4),
    )


@dataclass(frozen=True)
class _Opportunity:
    title: str
    partner_id: int
    partner_name: str


def _opportunities(session: Session) -> dict[int, _Opportunity]:
    rows = session.execute(
        text(
            "SELECT o.id, o.title, o.partner_id, p.name FROM opportunities o "
            "JOIN partners p ON p.id = o.partner_id WHERE o.status = 'open'"
        )
    )
    return {r[0]: _Opportunity(r[1], r[2], r[3]) for r in rows}


def recompute_all(
    sessions: Callable[[], Session],
    *,
    top_n: int = TOP_N,
    redis_url: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> RecomputeSummary:
    """Recompute every learner's stored matches; see the module docstring.

    ``sessions`` makes a new session each call (``db.session``); one holds
    the lock for the whole run, each chunk commits through another. With a
    ``redis_url``, each committed chunk drops its learners' cached pages.
    """
    say = progress or (lambda line: logger.info("%s", line))
    summary = RecomputeSummary()
    started = time.perf_counter()

    with sessions() as lock_session:
        got = lock_session.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
        )
        if not got:
            raise RecomputeRunning("Another recompute of the matches is running.")
        try:
            _run(sessions, top_n, redis_url, summary, say)
        finally:
            lock_session.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY}
            )
            lock_session.commit()

    summary.seconds["total"] = time.perf_counter() - started
    logger.info(
        "Recomputed matches of %d learners: %d stored, %d notified in %.1f s.",
        summary.learners,
        summary.matches,
        summary.notified,
        summary.seconds["total"],
    )
    return summary


def _run(
    sessions: Callable[[], Session],
    top_n: int,
    redis_url: str | None,
    summary: RecomputeSummary,
    say: Callable[[str], None],
) -> None:
    clock = time.perf_counter()
    with sessions() as session:
        skill_limit = (session.scalar(text("SELECT max(id) FROM skills")) or 0) + 1
        catalog = load_catalog(session, skill_limit)
        opportunities = _opportunities(session)
        learners = load_learners(session)
    summary.seconds["load"] = time.perf_counter() - clock
    say(
        f"loaded {learners.user_ids.shape[0]} learners and "
        f"{len(opportunities)} open opportunities "
        f"in {summary.seconds['load']:.1f} s"
    )

    summary.seconds["rank"] = summary.seconds["store"] = 0.0
    region_of = np.array(learners.regions, dtype=object)
    entry_region = region_of[np.searchsorted(learners.user_ids, learners.skills[:, 0])]
    for region in sorted(set(learners.regions)):
        members = learners.user_ids[region_of == region]
        entries = learners.skills[entry_region == region]
        index = catalog.region(region)
        for start in range(0, members.shape[0], CHUNK_LEARNERS):
            users = members[start : start + CHUNK_LEARNERS]
            chunk = _Chunk.cut(learners, entries, users)

            clock = time.perf_counter()
            ranked = chunk.rank(index, top_n)
            summary.seconds["rank"] += time.perf_counter() - clock

            clock = time.perf_counter()
            with sessions() as session:
                _store(session, chunk, index, ranked, opportunities, summary)
                session.commit()
            if redis_url:
                cache.learners_changed(redis_url, set(users.tolist()))
            summary.seconds["store"] += time.perf_counter() - clock

            summary.chunks += 1
            summary.learners += int(users.shape[0])
            summary.matches += int(ranked.counts().sum())
        say(f"region {region}: {members.shape[0]} learners ranked and stored")


@dataclass
class _Chunk:
    """The learners of one chunk and their skills, rows local to the chunk."""

    users: Ints
    rows: Ints
    skills: Ints
    own: Ints
    assessed: Ints
    consenting: set[int]

    @classmethod
    def cut(cls, learners: Learners, region_entries: Ints, users: Ints) -> _Chunk:
        """The skill rows of ``users``, consecutive users of one region.

        The region's rows ascend by user, so the chunk's rows are one slice.
        """
        owners = region_entries[:, 0]
        low = np.searchsorted(owners, users[0])
        high = np.searchsorted(owners, users[-1], side="right")
        entries = region_entries[low:high]
        rows = np.searchsorted(users, entries[:, 0])
        consenting = {int(u) for u in users.tolist() if u in learners.consenting}
        return cls(
            users,
            rows,
            entries[:, 1],
            entries[:, 2],
            entries[:, 3],
            consenting,
        )

    def rank(self, index: engine.RegionIndex, top_n: int) -> engine.Ranked:
        has = np.maximum(self.own, self.assessed)
        codes = has * engine.LEVELS + self.assessed
        return engine.rank_chunk(
            index, self.rows, self.skills, codes, self.users.shape[0], top_n
        )

    def digests(self) -> list[str]:
        """``engine.skills_digest`` of each learner, in ``users`` order."""
        by_row: dict[int, list[tuple[int, int, int]]] = {}
        entries = zip(
            self.rows.tolist(),
            self.skills.tolist(),
            self.own.tolist(),
            self.assessed.tolist(),
            strict=True,
        )
        for row, group in itertools.groupby(entries, key=lambda e: e[0]):
            by_row[row] = [(s, o, a) for _, s, o, a in group]

        return [engine.skills_digest(by_row.get(i, [])) for i in range(len(self.users))]


def _store(
    session: Session,
    chunk: _Chunk,
    index: engine.RegionIndex,
    ranked: engine.Ranked,
    opportunities: dict[int, _Opportunity],
    summary: RecomputeSummary,
) -> None:
    """Replace the chunk's stored matches and states in the session's transaction."""
    users = chunk.users.tolist()
    counts = ranked.counts().tolist()
    ids = np.where(ranked.positions >= 0, index.ids[ranked.positions], 0)
    ids_list, scores = ids.tolist(), ranked.scores.tolist()

    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        # The same lock a learner's own refresh takes: the two never interleave.
        cursor.execute(
            "SELECT user_id FROM learner_profiles WHERE user_id = ANY(%s) "
            "ORDER BY user_id FOR NO KEY UPDATE",
            (users,),
        )
        cursor.execute(
            "SELECT user_id FROM learner_match_states WHERE user_id = ANY(%s)",
            (users,),
        )
        known = {r[0] for r in cursor.fetchall()}
        cursor.execute(
            "DELETE FROM learner_matches WHERE user_id = ANY(%s) "
            "RETURNING user_id, opportunity_id",
            (users,),
        )
        before: dict[int, set[int]] = {}
        for user_id, opportunity_id in cursor.fetchall():
            before.setdefault(user_id, set()).add(opportunity_id)

        lines = [
            f"{user}\t{k + 1}\t{ids_list[i][k]}\t{scores[i][k]}\n"
            for i, user in enumerate(users)
            for k in range(counts[i])
        ]
        with cursor.copy(
            "COPY learner_matches (user_id, rank, opportunity_id, score) FROM STDIN"
        ) as copy:
            copy.write("".join(lines))

        cursor.execute(
            "INSERT INTO learner_match_states "
            "(user_id, skills_digest, match_count, computed_at) "
            "SELECT u, d, c, now() FROM unnest(%s::int[], %s::text[], %s::int[]) "
            "AS t(u, d, c) "
            "ON CONFLICT (user_id) DO UPDATE SET "
            "skills_digest = excluded.skills_digest, "
            "match_count = excluded.match_count, computed_at = excluded.computed_at",
            (users, chunk.digests(), counts),
        )

    for i, user in enumerate(users):
        if user not in known:
            continue
        fresh = [
            (k, ids_list[i][k])
            for k in range(counts[i])
            if ids_list[i][k] not in before.get(user, set())
        ]
        if fresh:
            _tell(session, chunk, user, fresh[0], scores[i], opportunities, summary)


def _tell(
    session: Session,
    chunk: _Chunk,
    user_id: int,
    found: tuple[int, int],
    scores: list[int],
    opportunities: dict[int, _Opportunity],
    summary: RecomputeSummary,
) -> None:
    """Notify the learner of their best new match; tell the partner if allowed."""
    rank, opportunity_id = found
    opportunity = opportunities[opportunity_id]
    score = scoring.points(scores[rank])
    data: dict[str, Any] = {
        "opportunity_id": opportunity_id,
        "rank": rank + 1,
        "score": score,
    }
    notify(
        session,
        user_id,
        "new_match",
        f"New match: {opportunity.title}",
        f"{opportunity.title} at {opportunity.partner_name} matches your skills "
        f"({score:.0f} of 100).",
        data,
    )
    summary.notified += 1

    if user_id in chunk.consenting:
        record_event(
            session,
            opportunity.partner_id,
            "match.created",
            {"learner_id": user_id, **data},
        )
        summary.events += 1
