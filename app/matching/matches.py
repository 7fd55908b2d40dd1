"""Stored matches: reading a learner's, and refreshing them when stale.

The batch recompute (``recompute``) stores every learner's ranking: which
opportunities, in which order, with which score. A read serves that ranking
and explains each match from the learner's skills and the opportunity's
requirements as they are now. The skills are the ones the ranking came from:
the read compares their digest with the stored one and, when the learner
changed them since, ranks that learner again first (live, against the
cached catalog of ``catalog``). So the explanation always matches the
skills; if a partner changed an opportunity's requirements since the last
recompute, its score and explanation show the new requirements at once and
its place in the ranking follows with the recompute that change asked for.

Explanations are derived, not stored: that costs about 0.1 ms a page here,
where formatting them for storage took about 30 s of the 100,000-learner
recompute (profiled; see benchmarks/README.md).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select, true
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.matching import engine, scoring
from app.matching.catalog import current_catalog
from app.matching.errors import OpportunityNotFound
from app.matching.models import (
    LearnerMatch,
    LearnerMatchState,
    Opportunity,
    OpportunitySkill,
)
from app.pagination import page_of
from app.partners.models import Partner
from app.profiles.models import LearnerProfile, LearnerSkill, Skill

logger = logging.getLogger(__name__)

TOP_N = 20

SkillRow = tuple[int, int, int | None]


# --- Skills -----------------------------------------------------------------

_skills: dict[int, tuple[str, str]] = {}
_skills_lock = threading.Lock()


def skill_names(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    """Slug and name of each skill id, from a per-process copy of the taxonomy.

    The taxonomy only grows, so the copy is read again only when an id is
    missing from it.
    """
    if not ids <= _skills.keys():
        rows = session.execute(select(Skill.id, Skill.slug, Skill.name)).all()
        with _skills_lock:
            _skills.update({r.id: (r.slug, r.name) for r in rows})

    return _skills


# --- Shapes -----------------------------------------------------------------


def learner_region(session: Session, user_id: int) -> str:
    region = session.scalar(
        select(LearnerProfile.region).where(LearnerProfile.user_id == user_id)
    )
    if region is None:
        raise OpportunityNotFound("No such opportunity.")

    return region


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """``OpportunitySummary`` from a row with ``SUMMARY_COLUMNS``."""
    return {
        "id": row["opportunity_id"],
        "title": row["title"],
        "kind": row["kind"],
        "region": row["region"],
        "status": row["status"],
        "partner_name": row["partner_name"],
    }


SUMMARY_COLUMNS = (
    Opportunity.id.label("opportunity_id"),
    Opportunity.title,
    Opportunity.kind,
    Opportunity.region,
    Opportunity.status,
    Partner.name.label("partner_name"),
)


def explanation_body(
    score: scoring.Score, names: dict[int, tuple[str, str]]
) -> dict[str, Any]:
    """A score in the shape of ``ExplanationOut``: skills met, gaps, parts."""
    met, gaps = [], []
    for item in score.requirements:
        slug, name = names.get(item.skill_id, (str(item.skill_id), ""))
        if item.met:
            met.append(
                {
                    "skill": slug,
                    "name": name,
                    "required": item.required,
                    "has": item.has,
                    "assessed": item.assessed >= item.required,
                }
            )
        else:
            gaps.append(
                {
                    "skill": slug,
                    "name": name,
                    "required": item.required,
                    "has": item.has,
                }
            )

    parts = {
        "met_assessed": scoring.points(score.met_assessed),
        "met_self_rated": scoring.points(score.met_self_rated),
        "partial": scoring.points(score.partial),
    }
    return {"skills_met": met, "gaps": gaps, "parts": parts}


# --- Ranking one learner ----------------------------------------------------------


@dataclass(frozen=True)
class LearnerView:
    """A learner's region and skills, and the digest of their stored ranking."""

    region: str
    skills: list[SkillRow]
    stored_digest: str | None
    computed_at: datetime | None

    @property
    def fresh(self) -> bool:
        return self.stored_digest == engine.skills_digest(self.skills)


def learner_view(session: Session, user_id: int) -> LearnerView:
    """Read the learner's region, skills and ranking state in one query."""
    rows = session.execute(
        select(
            LearnerProfile.region,
            LearnerMatchState.skills_digest,
            LearnerMatchState.computed_at,
            LearnerSkill.skill_id,
            LearnerSkill.self_level,
            LearnerSkill.assessed_level,
        )
        .select_from(LearnerProfile)
        .outerjoin(
            LearnerMatchState, LearnerMatchState.user_id == LearnerProfile.user_id
        )
        .outerjoin(LearnerSkill, LearnerSkill.user_id == LearnerProfile.user_id)
        .where(LearnerProfile.user_id == user_id)
    ).all()
    if not rows:
        raise OpportunityNotFound("No such learner.")

    first = rows[0]
    skills = [
        (r.skill_id, r.self_level, r.assessed_level)
        for r in rows
        if r.skill_id is not None
    ]
    return LearnerView(first.region, skills, first.skills_digest, first.computed_at)


@dataclass(frozen=True)
class Match:
    """One ranked opportunity for a learner, with the score as computed."""

    rank: int
    opportunity_id: int
    score: scoring.Score


def rank_view(session: Session, view: LearnerView, top_n: int = TOP_N) -> list[Match]:
    """Rank the open opportunities of the learner's region for ``view``."""
    levels = scoring.learner_levels(view.skills)
    index = current_catalog(session).region(view.region)

    skills = np.fromiter(levels, dtype=np.int64, count=len(levels))
    codes = np.array(
        [engine.level_code(has, assessed) for has, assessed in levels.values()],
        dtype=np.int64,
    )
    ranked = engine.rank_chunk(index, np.zeros_like(skills), skills, codes, 1, top_n)

    matches = []
    for k, position in enumerate(ranked.positions[0].tolist()):
        if position < 0:
            break
        score = scoring.score_learner(levels, index.requirements(position))
        matches.append(Match(k + 1, int(index.ids[position]), score))

    return matches


def rank_for_learner(
    session: Session, user_id: int, top_n: int = TOP_N
) -> tuple[list[Match], str]:
    """Rank open opportunities for one learner, live: the service call.

    Returns the top ``top_n`` and the digest of the skills they came from.
    Two small queries (the learner; the catalog's fingerprint) and the
    ranking over the cached catalog: a few milliseconds for 10,000
    opportunities once the catalog is built.
    """
    view = learner_view(session, user_id)
    return rank_view(session, view, top_n), engine.skills_digest(view.skills)


def refresh_learner_matches(session: Session, user_id: int) -> list[Match]:
    """Rank one learner again and store it, unless the stored one is current.

    The learner's profile row is locked first (``FOR NO KEY UPDATE``, as the
    batch recompute does), so two refreshes of one learner never interleave.
    """
    session.execute(
        select(LearnerProfile.user_id)
        .where(LearnerProfile.user_id == user_id)
        .with_for_update(key_share=True)
    )
    view = learner_view(session, user_id)
    if view.fresh:
        return []

    matches = rank_view(session, view)
    session.execute(delete(LearnerMatch).where(LearnerMatch.user_id == user_id))
    if matches:
        session.execute(
            insert(LearnerMatch),
            [
                {
                    "user_id": user_id,
                    "rank": m.rank,
                    "opportunity_id": m.opportunity_id,
                    "score": m.score.total,
                }
                for m in matches
            ],
        )
    values = {
        "skills_digest": engine.skills_digest(view.skills),
        "match_count": len(matches),
        "computed_at": utcnow(),
    }
    session.execute(
        insert(LearnerMatchState)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_=values)
    )
    session.flush()

    logger.info("Matches of learner %d refreshed: %d.", user_id, len(matches))
    return matches


# --- Reading stored matches ------------------------------------------------------


def _page_statement(user_id: int) -> Any:
    requirements = (
        select(
            func.array_agg(
                aggregate_order_by(OpportunitySkill.skill_id, OpportunitySkill.skill_id)
            ).label("required_skills"),
            func.array_agg(
                aggregate_order_by(
                    OpportunitySkill.min_level, OpportunitySkill.skill_id
                )
            ).label("required_levels"),
        )
        .where(OpportunitySkill.opportunity_id == Opportunity.id)
        .lateral("requirements")
    )
    return (
        select(
            LearnerMatch.rank,
            *SUMMARY_COLUMNS,
            requirements.c.required_skills,
            requirements.c.required_levels,
        )
        .join(Opportunity, Opportunity.id == LearnerMatch.opportunity_id)
        .join(Partner, Partner.id == Opportunity.partner_id)
        .join(requirements, true())
        .where(LearnerMatch.user_id == user_id, Opportunity.status == "open")
        .order_by(LearnerMatch.rank)
    )


def matches_page(session: Session, user: User, page: int, per_page: int) -> Any:
    """The learner's stored matches, best first, each explained.

    Two queries when the ranking is current; when the learner's skills
    changed since it was stored, it is ranked again and committed first.
    Closed opportunities drop out at once; new ones appear with the next
    recompute.
    """
    view = learner_view(session, user.id)
    if not view.fresh:
        refresh_learner_matches(session, user.id)
        session.commit()
        view = learner_view(session, user.id)

    body = page_of(session, _page_statement(user.id), page, per_page)

    levels = scoring.learner_levels(view.skills)
    scores = [
        scoring.score_learner(
            levels,
            list(zip(row["required_skills"], row["required_levels"], strict=True)),
        )
        for row in body["items"]
    ]
    names = skill_names(
        session, {r.skill_id for score in scores for r in score.requirements}
    )
    body["items"] = [
        {
            "rank": row["rank"],
            "score": scoring.points(score.total),
            "opportunity": summary(row),
            "explanation": explanation_body(score, names),
        }
        for row, score in zip(body["items"], scores, strict=True)
    ]
    body["computed_at"] = view.computed_at
    return body
