"""Steps of the assessment feature.

The learner answers "correctly" with the key read from the database: the
test knows what a well-prepared learner would know, the API never says it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessments.models import Assessment, Attempt, Question
from app.assessments.service import GRACE_SECONDS
from app.profiles.models import Skill
from features.conftest import Visitor

scenarios("assessments/take_assessment.feature")


@dataclass
class Taking:
    """The attempts of this scenario, by skill, and the last answer."""

    attempts: dict[str, int] = field(default_factory=dict)
    current: str = ""
    last: Any = None


@pytest.fixture
def taking() -> Taking:
    return Taking()


def _assessment_id(session: Session, skill: str) -> int:
    found = session.scalar(
        select(Assessment.id).join(Skill).where(Skill.slug == skill).limit(1)
    )
    assert found is not None, f"no assessment of {skill}"
    return found


@given("the assessment catalogue is loaded")
def catalogue(seeded: Session) -> None:
    assert seeded.scalar(select(Assessment.id).limit(1)) is not None


@given(parsers.parse('I started the "{skill}" assessment'))
@when(parsers.parse('I start the "{skill}" assessment'))
def start(visitor: Visitor, taking: Taking, seeded: Session, skill: str) -> None:
    assessment_id = _assessment_id(seeded, skill)
    response = visitor.client.post(
        f"/api/v1/assessments/{assessment_id}/attempts", headers=visitor.headers
    )
    assert response.status_code == 201, response.get_json()
    taking.attempts[skill] = response.get_json()["id"]
    taking.current = skill
    taking.last = response


@when(parsers.parse('I start the "{skill}" assessment again'))
def start_again(visitor: Visitor, taking: Taking, seeded: Session, skill: str) -> None:
    assessment_id = _assessment_id(seeded, skill)
    taking.last = visitor.client.post(
        f"/api/v1/assessments/{assessment_id}/attempts", headers=visitor.headers
    )


@given("the time limit has passed")
def time_is_up(taking: Taking, seeded: Session) -> None:
    attempt = seeded.get(Attempt, taking.attempts[taking.current])
    assert attempt is not None
    attempt.started_at -= timedelta(hours=2)
    attempt.expires_at = attempt.started_at + timedelta(
        seconds=attempt.assessment.time_limit_seconds - GRACE_SECONDS
    )
    seeded.commit()


@when("I answer every question correctly")
def answer_correctly(visitor: Visitor, taking: Taking, seeded: Session) -> None:
    attempt_id = taking.attempts[taking.current]
    shown = visitor.client.get(
        f"/api/v1/attempts/{attempt_id}", headers=visitor.headers
    )
    answers = []
    for question in shown.get_json()["questions"]:
        key = seeded.get(Question, question["id"])
        assert key is not None
        answers.append({"question_id": key.id, "choice": list(key.answer_key)})

    taking.last = visitor.client.post(
        f"/api/v1/attempts/{attempt_id}/answers",
        headers=visitor.headers,
        json={"answers": answers},
    )


@given(
    parsers.parse(
        'I took the "{skill}" assessment and answered every question correctly'
    )
)
def took(visitor: Visitor, taking: Taking, seeded: Session, skill: str) -> None:
    start(visitor, taking, seeded, skill)
    answer_correctly(visitor, taking, seeded)
    assert taking.last.status_code == 200, taking.last.get_json()


@when("I look at my history")
def look_at_history(visitor: Visitor, taking: Taking) -> None:
    taking.last = visitor.client.get("/api/v1/attempts", headers=visitor.headers)


@then("I see its questions but none of their answers")
def questions_without_answers(taking: Taking) -> None:
    body = taking.last.get_json()
    assert body["questions"]
    assert all(q["options"] for q in body["questions"])
    assert "answer_key" not in json.dumps(body)


@then(parsers.parse('my result is {percent:d}% at the "{level}" level'))
def result_is(taking: Taking, percent: int, level: str) -> None:
    assert taking.last.status_code == 200, taking.last.get_json()
    result = taking.last.get_json()["result"]
    assert (result["score_percent"], result["level_name"]) == (percent, level)


def _assessed(visitor: Visitor, skill: str) -> int | None:
    profile = visitor.client.get("/api/v1/profile", headers=visitor.headers)
    levels = {s["skill"]: s["assessed_level"] for s in profile.get_json()["skills"]}
    return levels.get(skill)


@then(parsers.parse('my profile shows level {level:d} assessed in "{skill}"'))
def profile_shows_level(visitor: Visitor, level: int, skill: str) -> None:
    assert _assessed(visitor, skill) == level


@then(parsers.parse('my profile has no assessed level in "{skill}"'))
def profile_has_no_level(visitor: Visitor, skill: str) -> None:
    assert _assessed(visitor, skill) is None


@then("I am told that the assessment is completed")
def notified(visitor: Visitor) -> None:
    response = visitor.client.get("/api/v1/notifications", headers=visitor.headers)
    assert response.status_code == 200, response.get_json()
    kinds = [n["kind"] for n in response.get_json()["items"]]
    assert kinds == ["assessment_completed"]


@then("I am told an attempt is already in progress")
def in_progress(taking: Taking) -> None:
    assert taking.last.status_code == 409
    assert taking.last.get_json()["type"].endswith("/attempt-in-progress")


@then("I am told the attempt has expired")
def expired(taking: Taking) -> None:
    assert taking.last.status_code == 409
    assert taking.last.get_json()["type"].endswith("/attempt-expired")


@then(parsers.parse("my history lists {count:d} attempt"))
def history_count(visitor: Visitor, count: int) -> None:
    response = visitor.client.get("/api/v1/attempts", headers=visitor.headers)
    assert len(response.get_json()["items"]) == count


@then(
    parsers.parse(
        'I see the "{first}" attempt first and the "{second}" attempt after it'
    )
)
def history_order(taking: Taking, first: str, second: str) -> None:
    ids = [item["id"] for item in taking.last.get_json()["items"]]
    assert ids == [taking.attempts[first], taking.attempts[second]]
