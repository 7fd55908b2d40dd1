"""The opportunity catalog the engine ranks against, cached per process.

What is cached: the numpy index of every open opportunity with its required
skills (``engine.Catalog``), one per database. For how long: until the
opportunities change. Each use first reads a fingerprint of the table (row
count, largest id, latest ``updated_at``: one small query, about a
millisecond for 10,000 rows) and rebuilds the index when it moved. Closing,
editing and replacing requirements all move ``Opportunity.updated_at`` (the
service sets it), a deletion moves the count. The fingerprint comes from the
database itself, so it also sees a transaction that rolled back, which a
counter bumped after commit would not.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.matching import engine
from app.matching.models import Opportunity, OpportunitySkill
from app.profiles.models import Skill

logger = logging.getLogger(__name__)

_cache: dict[str, tuple[tuple[Any, ...], engine.Catalog]] = {}
_lock = threading.Lock()


def fingerprint(session: Session) -> tuple[Any, ...]:
    """What the catalog was built from: changes whenever an opportunity does."""
    row = session.execute(
        select(
            func.count(Opportunity.id),
            func.max(Opportunity.id),
            func.max(Opportunity.updated_at),
            select(func.max(Skill.id)).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def load_catalog(session: Session, skill_limit: int) -> engine.Catalog:
    """Build the index of every open opportunity from the database."""
    rows = session.execute(
        select(
            Opportunity.id,
            Opportunity.region,
            OpportunitySkill.skill_id,
            OpportunitySkill.min_level,
        )
        .join(OpportunitySkill, OpportunitySkill.opportunity_id == Opportunity.id)
        .where(Opportunity.status == "open")
        .order_by(Opportunity.id, OpportunitySkill.skill_id)
    ).all()
    return engine.build_catalog([tuple(r) for r in rows], skill_limit)


def current_catalog(session: Session) -> engine.Catalog:
    """The cached catalog of the session's database, rebuilt if it changed."""
    key = str(session.connection().engine.url)
    seen = fingerprint(session)
    cached = _cache.get(key)
    if cached is not None and cached[0] == seen:
        return cached[1]

    started = time.perf_counter()
    catalog = load_catalog(session, (seen[3] or 0) + 1)
    with _lock:
        _cache[key] = (seen, catalog)

    logger.info(
        "Opportunity catalog rebuilt in %.1f ms.",
        (time.perf_counter() - started) * 1000,
    )
    return catalog
