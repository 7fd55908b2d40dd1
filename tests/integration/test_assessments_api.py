"""Taking assessments through the JSON API, against the real PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.assessments.models import Assessment, Attempt, AttemptAnswer, Question
from app.assessments.service import GRACE_SECONDS
from app.notifications.models import Notification
from app.profiles.models import LearnerSkill, Skill
from tests.fixtures import Account, sign_up

pytestmark = pytest.mark.integration


def assessment_for(session: Session, skill: str) -> Assessment:
    found = session.scalar(
        select(Assessment).join(Skill).where(Skill.slug == skill).limit(1)
    )
    assert found is not None
    return found


def start(client: FlaskClient, account: Account, assessment_id: int) -> Any:
    return client.post(
        f"/api/v1/assessments/{assessment_id}/attempts", headers=account.headers
    )


def answers_from_key(session: Session, attempt_id: int, right: bool) -> list[dict]:
    """Every answer right (from the key in the database) or every one wrong."""
    attempt = session.get(Attempt, attempt_id)
    assert attempt is not None
    questions = session.scalars(
        select(Question)
        .where(Question.assessment_id == attempt.assessment_id)
        .order_by(Question.position)
    )
    answers = []
    for question in questions:
        key = list(question.answer_key)
        if right:
            choice = key
        elif question.kind == "ordering":
            choice = key[1:] + key[:1]
        else:
            wrong = [i for i in range(len(question.options)) if i not in key]
            choice = wrong[:1]
        answers.append({"question_id": question.id, "choice": choice})
    return answers


def submit(client: FlaskClient, account: Account, attempt_id: int, answers: Any) -> Any:
    return client.post(
        f"/api/v1/attempts/{attempt_id}/answers",
        headers=account.headers,
        json={"answers": answers},
    )


def expire(session: Session, attempt_id: int) -> None:
    attempt = session.get(Attempt, attempt_id)
    assert attempt is not None
    attempt.expires_at -= timedelta(seconds=attempt.assessment.time_limit_seconds)
    attempt.expires_at -= timedelta(seconds=GRACE_SECONDS + 1)
    session.commit()


def stored_attempts(session: Session, user_id: int) -> list[tuple[str, int | None]]:
    rows = session.execute(
        select(Attempt.status, Attempt.score_percent)
        .where(Attempt.user_id == user_id)
        .order_by(Attempt.id)
        .execution_options(populate_existing=True)
    )
    return [(status, score) for status, score in rows]


def test_catalogue_pages_and_filters_by_skill(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    first = client.get("/api/v1/assessments?per_page=10", headers=learner.headers)
    python = client.get("/api/v1/assessments?skill=python", headers=learner.headers)
    none = client.get("/api/v1/assessments?skill=time-travel", headers=learner.headers)

    assert first.status_code == 200
    assert len(first.get_json()["items"]) == 10 and first.get_json()["has_more"]
    items = python.get_json()["items"]
    assert [i["skill"] for i in items] == ["python"]
    assert 8 <= items[0]["question_count"] <= 15
    assert none.get_json() == {
        "items": [],
        "page": 1,
        "per_page": 20,
        "has_more": False,
    }


def test_started_attempt_shows_questions_but_never_the_key(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    assessment = assessment_for(seeded, "python")

    response = start(client, learner, assessment.id)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "active" and body["result"] is None
    assert len(body["questions"]) == len(assessment.questions)
    assert 0 < body["seconds_left"] <= assessment.time_limit_seconds
    raw = json.dumps(body)
    assert "answer_key" not in raw and "credit" not in raw
    fetched = client.get(f"/api/v1/attempts/{body['id']}", headers=learner.headers)
    assert "answer_key" not in json.dumps(fetched.get_json())
    assert all(set(q) == {"id", "position", "kind", "prompt", "options"}
               for q in fetched.get_json()["questions"])  # fmt: skip


def test_second_start_while_one_is_live_is_409_and_stores_nothing(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    assessment = assessment_for(seeded, "sql")
    first = start(client, learner, assessment.id)

    second = start(client, learner, assessment.id)

    assert second.status_code == 409
    assert second.get_json()["type"].endswith("/attempt-in-progress")
    assert second.get_json()["attempt_id"] == first.get_json()["id"]
    assert stored_attempts(seeded, learner.id) == [("active", None)]
    detail = client.get(f"/api/v1/assessments/{assessment.id}", headers=learner.headers)
    assert detail.get_json()["active_attempt_id"] == first.get_json()["id"]


def test_expired_attempt_refuses_answers_and_a_new_one_may_start(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    assessment = assessment_for(seeded, "python")
    attempt_id = start(client, learner, assessment.id).get_json()["id"]
    expire(seeded, attempt_id)

    late = submit(
        client, learner, attempt_id, answers_from_key(seeded, attempt_id, True)
    )
    shown = client.get(f"/api/v1/attempts/{attempt_id}", headers=learner.headers)
    again = start(client, learner, assessment.id)

    assert late.status_code == 409
    assert late.get_json()["type"].endswith("/attempt-expired")
    assert shown.get_json()["status"] == "expired"
    assert shown.get_json()["seconds_left"] == 0
    assert again.status_code == 201
    assert stored_attempts(seeded, learner.id) == [("expired", None), ("active", None)]
    assert seeded.scalar(select(func.count()).select_from(AttemptAnswer)) == 0


def test_all_right_answers_score_100_and_set_the_assessed_level(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    assessment = assessment_for(seeded, "python")
    attempt_id = start(client, learner, assessment.id).get_json()["id"]

    response = submit(
        client, learner, attempt_id, answers_from_key(seeded, attempt_id, True)
    )

    assert response.status_code == 200, response.get_json()
    result = response.get_json()["result"]
    assert result["score_percent"] == 100 and result["level"] == 4
    assert result["level_name"] == "expert"
    assert response.get_json()["status"] == "completed"
    profile = client.get("/api/v1/profile", headers=learner.headers).get_json()
    python = next(s for s in profile["skills"] if s["skill"] == "python")
    # Not listed before: added with the self-rating equal to the assessed level.
    assert python["assessed_level"] == 4 and python["self_level"] == 4


def test_a_retake_replaces_the_level_and_keeps_the_self_rating(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    client.patch(
        "/api/v1/profile",
        headers=learner.headers,
        json={"skills": [{"skill": "python", "self_level": 3}]},
    )
    assessment = assessment_for(seeded, "python")
    first = start(client, learner, assessment.id).get_json()["id"]
    submit(client, learner, first, answers_from_key(seeded, first, True))
    second = start(client, learner, assessment.id).get_json()["id"]

    response = submit(client, learner, second, answers_from_key(seeded, second, False))

    assert response.get_json()["result"]["score_percent"] == 0
    assert response.get_json()["result"]["level"] == 1
    row = seeded.get(LearnerSkill, (learner.id, assessment.skill_id))
    assert row is not None
    seeded.refresh(row)
    assert (row.self_level, row.assessed_level) == (3, 1)


def test_an_attempt_is_scored_once(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    assessment = assessment_for(seeded, "sql")
    attempt_id = start(client, learner, assessment.id).get_json()["id"]
    answers = answers_from_key(seeded, attempt_id, True)
    submit(client, learner, attempt_id, answers)

    again = submit(client, learner, attempt_id, answers)

    assert again.status_code == 409
    assert again.get_json()["type"].endswith("/attempt-already-submitted")
    count = select(func.count()).select_from(AttemptAnswer)
    assert seeded.scalar(count) == len(answers)


def test_completion_notifies_the_learner(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    assessment = assessment_for(seeded, "python")
    attempt_id = start(client, learner, assessment.id).get_json()["id"]

    submit(client, learner, attempt_id, answers_from_key(seeded, attempt_id, True))

    notes = seeded.scalars(
        select(Notification).where(Notification.user_id == learner.id)
    ).all()
    assert [n.kind for n in notes] == ["assessment_completed"]
    assert notes[0].data["attempt_id"] == attempt_id
    assert notes[0].data["score_percent"] == 100


def test_another_learners_attempt_is_404(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    assessment = assessment_for(seeded, "python")
    attempt_id = start(client, learner, assessment.id).get_json()["id"]
    other = sign_up(client)
    answers = answers_from_key(seeded, attempt_id, True)

    shown = client.get(f"/api/v1/attempts/{attempt_id}", headers=other.headers)
    submitted = submit(client, other, attempt_id, answers)

    assert shown.status_code == 404 and submitted.status_code == 404
    assert stored_attempts(seeded, learner.id) == [("active", None)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda a: a[:-1], "answers"),
        (lambda a: [*a, a[0]], "answers.{n}.question_id"),
        (lambda a: [{**a[0], "question_id": 2**31 - 1}, *a[1:]], "answers.0"),
        (lambda a: [{**a[0], "choice": [0, 0]}, *a[1:]], "answers.0.choice"),
        (lambda a: [{**a[0], "choice": [49]}, *a[1:]], "answers.0.choice"),
        (lambda a: [{**a[0], "choice": ["0"]}, *a[1:]], "choice"),
        (lambda a: [{**a[0], "choice": [-1]}, *a[1:]], "choice"),
        (lambda a: [{**a[0], "extra": 1}, *a[1:]], "extra"),
    ],
    ids=[
        "missing",
        "twice",
        "foreign-question",
        "repeated-option",
        "option-out-of-range",
        "string-index",
        "negative-index",
        "unknown-field",
    ],
)
def test_bad_answers_are_422_naming_the_field_and_store_nothing(
    client: FlaskClient, seeded: Session, learner: Account, change: Any, field: str
) -> None:
    assessment = assessment_for(seeded, "python")
    attempt_id = start(client, learner, assessment.id).get_json()["id"]
    answers = answers_from_key(seeded, attempt_id, True)

    response = submit(client, learner, attempt_id, change(answers))

    assert response.status_code == 422, response.get_json()
    named = [e["field"] for e in response.get_json()["errors"]]
    wanted = field.format(n=len(answers))
    assert any(wanted in name for name in named), named
    assert stored_attempts(seeded, learner.id) == [("active", None)]


def test_single_choice_takes_one_option_and_ordering_takes_all(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    assessment = assessment_for(seeded, "python")
    attempt_id = start(client, learner, assessment.id).get_json()["id"]
    answers = answers_from_key(seeded, attempt_id, True)
    kinds = {q.id: q.kind for q in assessment.questions}
    single = next(
        i for i, a in enumerate(answers) if kinds[a["question_id"]] == "single"
    )
    ordering = next(
        i for i, a in enumerate(answers) if kinds[a["question_id"]] == "ordering"
    )
    answers[single]["choice"] = [0, 1]
    answers[ordering]["choice"] = answers[ordering]["choice"][:2]

    response = submit(client, learner, attempt_id, answers)

    assert response.status_code == 422
    named = {e["field"] for e in response.get_json()["errors"]}
    assert named == {f"answers.{single}.choice", f"answers.{ordering}.choice"}


def test_empty_choices_skip_questions_and_score_zero(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    assessment = assessment_for(seeded, "sql")
    attempt_id = start(client, learner, assessment.id).get_json()["id"]
    answers = [{"question_id": q.id, "choice": []} for q in assessment.questions]

    response = submit(client, learner, attempt_id, answers)

    assert response.status_code == 200
    assert response.get_json()["result"]["score_percent"] == 0


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ("{not json", {"Content-Type": "application/json"}, 400),
        ("answers=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ('{"answers": "x\\u0000"}', {"Content-Type": "application/json"}, 422),
    ],
    ids=["malformed", "form-encoded", "wrong-type"],
)
def test_malformed_submissions_are_refused(
    client: FlaskClient,
    seeded: Session,
    learner: Account,
    body: str,
    headers: dict[str, str],
    status: int,
) -> None:
    assessment = assessment_for(seeded, "python")
    attempt_id = start(client, learner, assessment.id).get_json()["id"]

    response = client.post(
        f"/api/v1/attempts/{attempt_id}/answers",
        data=body,
        headers={**learner.headers, **headers},
    )

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert stored_attempts(seeded, learner.id) == [("active", None)]


def test_oversized_submission_is_413(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    assessment = assessment_for(seeded, "python")
    attempt_id = start(client, learner, assessment.id).get_json()["id"]
    body = json.dumps({"answers": [{"question_id": 1, "choice": [0] * 600_000}]})

    response = client.post(
        f"/api/v1/attempts/{attempt_id}/answers",
        data=body,
        headers={**learner.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert stored_attempts(seeded, learner.id) == [("active", None)]


def test_history_lists_newest_first_and_pages(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    python = assessment_for(seeded, "python")
    sql = assessment_for(seeded, "sql")
    first = start(client, learner, python.id).get_json()["id"]
    submit(client, learner, first, answers_from_key(seeded, first, True))
    second = start(client, learner, sql.id).get_json()["id"]

    page = client.get("/api/v1/attempts?per_page=1", headers=learner.headers)
    rest = client.get("/api/v1/attempts?per_page=1&page=2", headers=learner.headers)
    only = client.get(
        f"/api/v1/attempts?assessment_id={python.id}", headers=learner.headers
    )

    assert [i["id"] for i in page.get_json()["items"]] == [second]
    assert page.get_json()["has_more"] is True
    assert [i["id"] for i in rest.get_json()["items"]] == [first]
    assert rest.get_json()["has_more"] is False
    assert rest.get_json()["items"][0]["score_percent"] == 100
    assert [i["id"] for i in only.get_json()["items"]] == [first]


@pytest.mark.parametrize(
    "query", ["page=0", "per_page=101", "page=x"], ids=["page-0", "too-big", "text"]
)
def test_history_refuses_bad_pages(
    client: FlaskClient, learner: Account, query: str
) -> None:
    response = client.get(f"/api/v1/attempts?{query}", headers=learner.headers)

    assert response.status_code == 400


def test_advisors_take_no_assessments(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    from app.auth.models import User

    user = seeded.get(User, learner.id)
    assert user is not None
    user.role = "advisor"
    seeded.commit()
    assessment = assessment_for(seeded, "python")

    response = start(client, learner, assessment.id)
    listing = client.get("/api/v1/assessments", headers=learner.headers)

    assert response.status_code == 403
    assert listing.status_code == 200
    assert stored_attempts(seeded, learner.id) == []


def test_missing_token_is_401(client: FlaskClient) -> None:
    assert client.get("/api/v1/assessments").status_code == 401
    assert client.post("/api/v1/assessments/1/attempts").status_code == 401
    assert client.get("/api/v1/attempts").status_code == 401


@pytest.mark.parametrize("number", [0, 2**31, 2**63], ids=["zero", "int4", "int8"])
def test_ids_no_row_can_have_are_404(
    client: FlaskClient, learner: Account, number: int
) -> None:
    urls = [
        ("GET", f"/api/v1/assessments/{number}"),
        ("POST", f"/api/v1/assessments/{number}/attempts"),
        ("GET", f"/api/v1/attempts/{number}"),
    ]

    statuses = [
        client.open(url, method=method, headers=learner.headers).status_code
        for method, url in urls
    ]
    submitted = client.post(
        f"/api/v1/attempts/{number}/answers",
        headers=learner.headers,
        json={"answers": [{"question_id": 1, "choice": []}]},
    )

    assert statuses == [404, 404, 404]
    assert submitted.status_code == 404


def test_the_database_refuses_two_active_attempts_even_when_starts_race(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    """The check in start_attempt can be raced; the partial unique index cannot."""
    from sqlalchemy.exc import IntegrityError

    assessment = assessment_for(seeded, "python")
    start(client, learner, assessment.id)
    now = seeded.scalar(select(func.now()))
    duplicate = Attempt(
        user_id=learner.id,
        assessment_id=assessment.id,
        status="active",
        started_at=now,
        expires_at=now,
    )

    with pytest.raises(IntegrityError), seeded.begin_nested():
        seeded.add(duplicate)
        seeded.flush()


def test_a_fourth_start_in_a_day_is_429_until_the_oldest_ages_out(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    # Exact scores and unlimited retakes would let a learner read the key
    # off the results, one changed answer at a time.
    assessment = assessment_for(seeded, "sql")
    for _ in range(3):
        attempt_id = start(client, learner, assessment.id).get_json()["id"]
        submit(client, learner, attempt_id, answers_from_key(seeded, attempt_id, False))

    refused = start(client, learner, assessment.id)

    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["type"].endswith("/too-many-attempts")
    assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600
    assert refused.get_json()["retry_after"] == int(refused.headers["Retry-After"])
    oldest = seeded.scalars(
        select(Attempt)
        .where(Attempt.user_id == learner.id, Attempt.assessment_id == assessment.id)
        .order_by(Attempt.started_at)
        .limit(1)
    ).one()
    oldest.started_at -= timedelta(hours=24)
    oldest.expires_at -= timedelta(hours=24)
    seeded.commit()

    assert start(client, learner, assessment.id).status_code == 201
    # Other assessments keep their own allowance.
    assert (
        start(client, learner, assessment_for(seeded, "python").id).status_code == 201
    )
