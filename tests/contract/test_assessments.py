"""Contract tests of the assessments routes, with the seeded catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessments.models import Assessment, Question
from tests.contract.schema import assert_matches_schema
from tests.fixtures import Account, sign_up

covers = pytest.mark.covers


def _assessment_id(session: Session) -> int:
    found = session.scalar(select(Assessment.id).order_by(Assessment.id).limit(1))
    assert found is not None
    return found


def _start(client: FlaskClient, account: Account, assessment_id: int) -> Any:
    return client.post(
        f"/api/v1/assessments/{assessment_id}/attempts", headers=account.headers
    )


def _right_answers(session: Session, assessment_id: int) -> list[dict[str, Any]]:
    questions = session.scalars(
        select(Question).where(Question.assessment_id == assessment_id)
    )
    return [{"question_id": q.id, "choice": list(q.answer_key)} for q in questions]


@covers("GET", "/api/v1/assessments")
def test_catalogue(
    app: Any, client: FlaskClient, seeded: Session, learner: Account
) -> None:
    path = "/api/v1/assessments"
    page = client.get(f"{path}?skill=python", headers=learner.headers)
    bad_page = client.get(f"{path}?per_page=0", headers=learner.headers)
    anonymous = client.get(path)

    assert page.status_code == 200 and page.get_json()["items"]
    assert bad_page.status_code == 400
    assert anonymous.status_code == 401
    for response in (page, bad_page, anonymous):
        assert_matches_schema(app, response, "GET", path)


@covers("GET", "/api/v1/assessments/{assessment_id}")
def test_one_assessment(
    app: Any, client: FlaskClient, seeded: Session, learner: Account
) -> None:
    path = "/api/v1/assessments/{assessment_id}"
    assessment_id = _assessment_id(seeded)
    found = client.get(f"/api/v1/assessments/{assessment_id}", headers=learner.headers)
    missing = client.get("/api/v1/assessments/2147483647", headers=learner.headers)

    assert found.status_code == 200
    assert found.get_json()["active_attempt_id"] is None
    assert missing.status_code == 404
    for response in (found, missing):
        assert_matches_schema(app, response, "GET", path)


@covers("POST", "/api/v1/assessments/{assessment_id}/attempts")
def test_start_attempt(
    app: Any, client: FlaskClient, seeded: Session, learner: Account
) -> None:
    path = "/api/v1/assessments/{assessment_id}/attempts"
    assessment_id = _assessment_id(seeded)
    started = _start(client, learner, assessment_id)
    clash = _start(client, learner, assessment_id)
    missing = _start(client, learner, 2147483647)

    assert started.status_code == 201
    assert clash.status_code == 409
    assert missing.status_code == 404
    for response in (started, clash, missing):
        assert_matches_schema(app, response, "POST", path)


@covers("GET", "/api/v1/attempts/{attempt_id}")
def test_one_attempt(
    app: Any, client: FlaskClient, seeded: Session, learner: Account
) -> None:
    path = "/api/v1/attempts/{attempt_id}"
    attempt_id = _start(client, learner, _assessment_id(seeded)).get_json()["id"]
    other = sign_up(client)

    mine = client.get(f"/api/v1/attempts/{attempt_id}", headers=learner.headers)
    theirs = client.get(f"/api/v1/attempts/{attempt_id}", headers=other.headers)

    assert mine.status_code == 200
    assert theirs.status_code == 404
    for response in (mine, theirs):
        assert_matches_schema(app, response, "GET", path)


@covers("POST", "/api/v1/attempts/{attempt_id}/answers")
def test_submit_answers(
    app: Any, client: FlaskClient, seeded: Session, learner: Account
) -> None:
    path = "/api/v1/attempts/{attempt_id}/answers"
    assessment_id = _assessment_id(seeded)
    attempt_id = _start(client, learner, assessment_id).get_json()["id"]
    url = f"/api/v1/attempts/{attempt_id}/answers"
    answers = _right_answers(seeded, assessment_id)

    invalid = client.post(url, headers=learner.headers, json={"answers": answers[1:]})
    scored = client.post(url, headers=learner.headers, json={"answers": answers})
    again = client.post(url, headers=learner.headers, json={"answers": answers})
    malformed = client.post(
        url,
        headers={**learner.headers, "Content-Type": "application/json"},
        data="{",
    )

    assert invalid.status_code == 422
    assert scored.status_code == 200
    assert scored.get_json()["result"]["score_percent"] == 100
    assert again.status_code == 409
    assert malformed.status_code == 400
    for response in (invalid, scored, again, malformed):
        assert_matches_schema(app, response, "POST", path)


@covers("GET", "/api/v1/attempts")
def test_history(
    app: Any, client: FlaskClient, seeded: Session, learner: Account
) -> None:
    path = "/api/v1/attempts"
    _start(client, learner, _assessment_id(seeded))

    page = client.get(path, headers=learner.headers)
    bad_query = client.get(f"{path}?assessment_id=x", headers=learner.headers)

    assert page.status_code == 200 and len(page.get_json()["items"]) == 1
    assert bad_query.status_code == 400
    for response in (page, bad_query):
        assert_matches_schema(app, response, "GET", path)
