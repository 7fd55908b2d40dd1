"""Two writers of one learner's skills at once: a profile edit and a scored
attempt, or two profile edits. Each locks the profile row first, so the
second waits for the first to commit instead of failing with a 500.

Real concurrent sessions on a database of the test's own (the rolled back
test session cannot show a second transaction waiting).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, pool, select
from sqlalchemy.orm import Session

from app.assessments.service import _record_level
from app.auth.models import User
from app.profiles.models import LearnerSkill
from app.profiles.service import update_profile
from tests.fixtures import sign_up_committed
from tests.matching_helpers import ensure_skills

pytestmark = pytest.mark.integration

WAIT_SECONDS = 10.0


@pytest.fixture
def engine(own_database: str) -> Iterator[Engine]:
    found = create_engine(own_database, poolclass=pool.NullPool)
    yield found
    found.dispose()


@pytest.fixture
def learner_id(engine: Engine) -> int:
    user_id = sign_up_committed(engine, "two.writers@learners.example")
    with Session(engine) as session:
        ensure_skills(session)
        user = session.get(User, user_id)
        assert user is not None
        update_profile(
            session, user, {"skills": [{"skill": "python", "self_level": 2}]}
        )
        session.commit()
    return user_id


def while_holding(
    engine: Engine, learner_id: int, second: Callable[[Session, User], None]
) -> tuple[float, float]:
    """Edit the profile without committing, run ``second`` in another thread,
    commit after a pause; return when the first committed and the second ended.
    """
    ended: list[float] = []
    failures: list[BaseException] = []

    def run_second() -> None:
        try:
            with Session(engine) as other:
                user = other.get(User, learner_id)
                assert user is not None
                second(other, user)
                other.commit()
            ended.append(time.monotonic())
        except BaseException as exc:  # reported to the test below
            failures.append(exc)

    with Session(engine) as first:
        user = first.get(User, learner_id)
        assert user is not None
        update_profile(first, user, {"skills": [{"skill": "sql", "self_level": 3}]})
        thread = threading.Thread(target=run_second)
        thread.start()
        time.sleep(0.5)
        assert not ended, "the second writer did not wait for the first"
        first.commit()
        committed = time.monotonic()
    thread.join(WAIT_SECONDS)

    assert not failures, failures
    assert ended, "the second writer never finished"
    return committed, ended[0]


def skills_of(engine: Engine, learner_id: int) -> dict[int, tuple[int, int | None]]:
    with Session(engine) as session:
        rows = session.scalars(
            select(LearnerSkill).where(LearnerSkill.user_id == learner_id)
        )
        return {r.skill_id: (r.self_level, r.assessed_level) for r in rows}


def test_a_second_profile_edit_waits_and_wins(engine: Engine, learner_id: int) -> None:
    def edit(session: Session, user: User) -> None:
        update_profile(
            session,
            user,
            {"skills": [{"skill": "excel-pivot-tables", "self_level": 1}]},
        )

    committed, ended = while_holding(engine, learner_id, edit)

    assert ended >= committed
    with Session(engine) as session:
        known = ensure_skills(session)
    assert skills_of(engine, learner_id) == {known["excel-pivot-tables"]: (1, None)}


def test_a_scored_attempt_waits_for_an_edit_and_keeps_its_level(
    engine: Engine, learner_id: int
) -> None:
    with Session(engine) as session:
        known = ensure_skills(session)

    def score(session: Session, user: User) -> None:
        _record_level(session, user, known["python"], 4)

    committed, ended = while_holding(engine, learner_id, score)

    assert ended >= committed
    # The edit dropped python; the attempt then added it back, assessed.
    assert skills_of(engine, learner_id) == {
        known["sql"]: (3, None),
        known["python"]: (4, 4),
    }
