"""Reading and changing profiles through the JSON API."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.profiles.models import AdvisorAssignment, LearnerProfile, LearnerSkill, Skill
from tests.fixtures import Account, sign_up
from tests.matching_helpers import rate

pytestmark = pytest.mark.integration


def test_learner_updates_headline_goals_and_skills(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    response = client.patch(
        "/api/v1/profile",
        headers=learner.headers,
        json={
            "headline": "Aspiring data analyst ✨",
            "goals": "Land an internship",
            "skills": [{"skill": "python", "self_level": 2}],
        },
    )

    assert response.status_code == 200, response.get_json()
    body = client.get("/api/v1/profile", headers=learner.headers).get_json()
    assert body["headline"] == "Aspiring data analyst ✨"
    assert [s["skill"] for s in body["skills"]] == ["python"]
    assert body["skills"][0]["assessed_level"] is None


@pytest.mark.parametrize(
    "field",
    [
        {"role": "operator"},
        {"region": "us"},
        {"email_verified": True},
        {"partner_id": 1},
    ],
    ids=["role", "region", "verified", "partner"],
)
def test_privileged_fields_are_refused_and_unchanged(
    client: FlaskClient, db_session: Session, learner: Account, field: dict[str, object]
) -> None:
    response = client.patch("/api/v1/profile", headers=learner.headers, json=field)

    assert response.status_code == 422
    user = db_session.get(User, learner.id)
    profile = db_session.get(LearnerProfile, learner.id)
    assert user is not None and profile is not None
    db_session.refresh(user)
    db_session.refresh(profile)
    assert user.role == "learner"
    assert profile.region == "eu"


def test_unknown_skill_is_422_and_keeps_the_old_skills(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    client.patch(
        "/api/v1/profile",
        headers=learner.headers,
        json={"skills": [{"skill": "python", "self_level": 3}]},
    )

    response = client.patch(
        "/api/v1/profile",
        headers=learner.headers,
        json={"skills": [{"skill": "no-such-skill", "self_level": 3}]},
    )

    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {
            "location": "json",
            "field": "skills",
            "message": "unknown skill: no-such-skill",
        }
    ]
    body = client.get("/api/v1/profile", headers=learner.headers).get_json()
    assert [s["skill"] for s in body["skills"]] == ["python"]


def test_another_learners_profile_is_404(client: FlaskClient, learner: Account) -> None:
    other = sign_up(client)

    response = client.get(
        f"/api/v1/learners/{other.id}/profile", headers=learner.headers
    )

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_advisor_sees_only_learners_they_follow(
    client: FlaskClient, seeded: Session
) -> None:
    assignment = seeded.scalars(select(AdvisorAssignment)).first()
    assert assignment is not None
    advisor = seeded.get(User, assignment.advisor_id)
    assert advisor is not None
    login = client.post(
        "/api/v1/auth/login",
        json={"email": advisor.email, "password": "skillforge-demo-password"},
    )
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
    stranger = sign_up(client)

    followed = client.get(
        f"/api/v1/learners/{assignment.learner_id}/profile", headers=headers
    )
    unfollowed = client.get(f"/api/v1/learners/{stranger.id}/profile", headers=headers)

    assert followed.status_code == 200
    assert unfollowed.status_code == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=0", 400),
        ("per_page=0", 400),
        ("per_page=-5", 400),
        ("per_page=101", 400),
        ("page=abc", 400),
        ("page=1000", 200),
    ],
    ids=[
        "page-zero",
        "size-zero",
        "size-negative",
        "size-over-cap",
        "not-a-number",
        "empty-later-page",
    ],
)
def test_skill_list_paging_bounds(
    client: FlaskClient, seeded: Session, query: str, status: int
) -> None:
    response = client.get(f"/api/v1/skills?{query}")

    assert response.status_code == status
    if status == 200:
        assert response.get_json()["items"] == []
        assert response.get_json()["has_more"] is False


def test_a_page_exactly_full_at_the_end_says_no_more(
    client: FlaskClient, seeded: Session
) -> None:
    total, page = 0, 1
    while True:
        body = client.get(f"/api/v1/skills?per_page=100&page={page}").get_json()
        total += len(body["items"])
        if not body["has_more"]:
            break
        page += 1
    size = max(d for d in range(1, 101) if total % d == 0)

    last = client.get(f"/api/v1/skills?per_page={size}&page={total // size}")

    assert len(last.get_json()["items"]) == size
    assert last.get_json()["has_more"] is False


def test_leaving_out_an_assessed_skill_keeps_it_and_its_level(
    client: FlaskClient, seeded: Session, learner: Account
) -> None:
    rate(client, learner, {"python": 3})
    python = seeded.scalar(select(Skill.id).where(Skill.slug == "python"))
    seeded.execute(
        LearnerSkill.__table__.update()
        .where(LearnerSkill.user_id == learner.id, LearnerSkill.skill_id == python)
        .values(assessed_level=4)
    )
    seeded.commit()
    before = client.get("/api/v1/profile", headers=learner.headers).get_json()

    response = client.patch(
        "/api/v1/profile",
        headers=learner.headers,
        json={"skills": [{"skill": "sql", "self_level": 1}]},
    )

    assert response.status_code == 200
    skills = {s["skill"]: s for s in response.get_json()["skills"]}
    assert set(skills) == {"python", "sql"}
    assert (skills["python"]["self_level"], skills["python"]["assessed_level"]) == (
        3,
        4,
    )
    assert response.get_json()["updated_at"] > before["updated_at"]
    # Listing it again changes the self-rating only.
    again = client.patch(
        "/api/v1/profile",
        headers=learner.headers,
        json={"skills": [{"skill": "python", "self_level": 1}]},
    ).get_json()
    assert [
        (s["skill"], s["self_level"], s["assessed_level"]) for s in again["skills"]
    ] == [("python", 1, 4)]
