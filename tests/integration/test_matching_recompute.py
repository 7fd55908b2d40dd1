"""The batch recompute, its notifications, its lock and its command."""

from __future__ import annotations

import random
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.service import issue_token
from app.cli import main
from app.db import db, utcnow
from app.matching import matches as stored
from app.matching.errors import RecomputeRunning
from app.matching.models import (
    LearnerMatch,
    LearnerMatchState,
    Opportunity,
    OpportunitySkill,
)
from app.matching.recompute import LOCK_KEY, recompute_all
from app.matching.service import candidates_query
from app.notifications.models import Notification
from app.partners.models import Partner
from app.profiles.models import LearnerProfile, LearnerSkill
from app.webhooks.models import WebhookEvent
from tests.fixtures import Services, env_for
from tests.matching_helpers import ensure_skills

pytestmark = pytest.mark.integration

LEARNERS = 40
OPPORTUNITIES = 14


def _population(session: Session, seed: int = 7) -> dict[str, Any]:
    """Learners, partners and opportunities drawn from ``seed``, stored."""
    rng = random.Random(seed)
    skills = list(ensure_skills(session).values())
    partner = Partner(
        slug=f"recompute-{seed}",
        name="Recompute Ltd",
        regions=["eu", "us"],
        contact_email="jobs@recompute.example",
    )
    session.add(partner)

    learners = []
    for i in range(LEARNERS):
        user = User(
            email=f"r{seed}-{i}@learners.example",
            email_key=f"r{seed}-{i}@learners.example",
            password_hash="not-used",
            display_name=f"Learner {i}",
            role="learner",
            session_version=1,
        )
        profile = LearnerProfile(
            user=user,
            persona=rng.choice(["student", "career_changer"]),
            region=rng.choice(["eu", "us"]),
            partner_sharing_consent_at=utcnow() if i % 2 == 0 else None,
        )
        for skill in rng.sample(skills, rng.randint(0, 4)):
            profile.skills.append(
                LearnerSkill(
                    skill_id=skill,
                    self_level=rng.randint(1, 4),
                    assessed_level=rng.choice([None, None, 1, 2, 3, 4]),
                )
            )
        session.add_all([user, profile])
        learners.append(user)

    for i in range(OPPORTUNITIES):
        opportunity = Opportunity(
            partner=partner,
            title=f"Opportunity {i}",
            kind="job",
            region=rng.choice(["eu", "us"]),
            status="closed" if i == 0 else "open",
        )
        for skill in rng.sample(skills, rng.randint(1, 3)):
            opportunity.required_skills.append(
                OpportunitySkill(skill_id=skill, min_level=rng.randint(1, 4))
            )
        session.add(opportunity)

    session.commit()
    return {"partner": partner, "learners": learners, "skills": skills}


@pytest.fixture
def population(db_session: Session) -> dict[str, Any]:
    return _population(db_session)


def _token(session: Session, user: User) -> str:
    token = issue_token(session, user, name="tests")
    session.commit()
    return token


def _stored(session: Session, user_id: int) -> list[tuple[int, int]]:
    rows = session.execute(
        select(LearnerMatch.opportunity_id, LearnerMatch.score)
        .where(LearnerMatch.user_id == user_id)
        .order_by(LearnerMatch.rank)
    )
    return [(r.opportunity_id, r.score) for r in rows]


def test_recompute_stores_what_the_live_ranking_gives(
    db_session: Session, population: dict[str, Any]
) -> None:
    summary = recompute_all(db.session, top_n=5)

    assert summary.learners == LEARNERS
    assert summary.notified == 0
    for user in population["learners"]:
        live, digest = stored.rank_for_learner(db_session, user.id, top_n=5)
        assert _stored(db_session, user.id) == [
            (m.opportunity_id, m.score.total) for m in live
        ]
        state = db_session.get(LearnerMatchState, user.id)
        assert state is not None and state.skills_digest == digest
    total = db_session.scalar(select(func.count()).select_from(LearnerMatch))
    assert total == summary.matches > 0


def test_a_fresh_recompute_is_served_without_recomputing(
    client: FlaskClient, db_session: Session, population: dict[str, Any]
) -> None:
    recompute_all(db.session)
    user = population["learners"][0]
    before = db_session.get(LearnerMatchState, user.id)
    assert before is not None
    computed_at = before.computed_at

    view = stored.learner_view(db_session, user.id)
    response = client.get(
        "/api/v1/matches",
        headers={"Authorization": f"Bearer {_token(db_session, user)}"},
    )

    assert view.fresh is True
    assert response.status_code == 200
    assert response.get_json()["computed_at"] == computed_at.isoformat()


def test_new_top_matches_notify_once_and_tell_partners_only_with_consent(
    db_session: Session, population: dict[str, Any]
) -> None:
    recompute_all(db.session, top_n=3)
    partner = population["partner"]
    for region in ("eu", "us"):
        perfect = Opportunity(
            partner=partner, title=f"Perfect {region}", kind="job", region=region
        )
        for skill in population["skills"]:
            perfect.required_skills.append(
                OpportunitySkill(skill_id=skill, min_level=1)
            )
        db_session.add(perfect)
    db_session.commit()

    summary = recompute_all(db.session, top_n=3)

    notified = db_session.execute(
        select(Notification.user_id, func.count())
        .where(Notification.kind == "new_match")
        .group_by(Notification.user_id)
    ).all()
    assert notified and all(count == 1 for _, count in notified)
    assert summary.notified == len(notified)
    consenting = {
        p.user_id
        for p in db_session.scalars(
            select(LearnerProfile).where(
                LearnerProfile.partner_sharing_consent_at.is_not(None)
            )
        )
    }
    events = db_session.scalars(
        select(WebhookEvent.payload).where(WebhookEvent.event_type == "match.created")
    ).all()
    assert {e["learner_id"] for e in events} == {
        uid for uid, _ in notified if uid in consenting
    }


def test_a_second_recompute_is_refused_while_one_runs(
    services: Services, db_session: Session, population: dict[str, Any]
) -> None:
    other = db.engine
    assert other is not None
    with other.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
        try:
            with pytest.raises(RecomputeRunning):
                recompute_all(db.session)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})


def test_candidates_sql_agrees_with_the_stored_scores(
    db_session: Session, population: dict[str, Any]
) -> None:
    recompute_all(db.session, top_n=20)
    opportunities = db_session.scalars(
        select(Opportunity).where(Opportunity.status == "open")
    ).all()

    compared = 0
    for opportunity in opportunities:
        statement = candidates_query(
            opportunity.id, opportunity.region, len(opportunity.required_skills)
        )
        for row in db_session.execute(statement):
            stored_score = db_session.scalar(
                select(LearnerMatch.score).where(
                    LearnerMatch.user_id == row.learner_id,
                    LearnerMatch.opportunity_id == opportunity.id,
                )
            )
            assert stored_score == row.score
            compared += 1

    assert compared > 0


def test_the_command_recomputes_and_says_so(
    services: Services, db_session: Session, population: dict[str, Any]
) -> None:
    result = CliRunner().invoke(
        main, ["matches", "recompute", "--top", "4"], env=env_for(services)
    )

    assert result.exit_code == 0, result.output
    assert f"{LEARNERS} learners" in result.output
    assert "region eu" in result.output and "region us" in result.output
    ranks = db_session.scalar(select(func.max(LearnerMatch.rank)))
    assert ranks is not None and ranks <= 4


def test_the_command_refuses_a_silly_top(services: Services) -> None:
    result = CliRunner().invoke(
        main, ["matches", "recompute", "--top", "0"], env=env_for(services)
    )

    assert result.exit_code == 2
    assert "--top" in result.output
