"""An advisor's own learners, and only theirs, against real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.service import hash_password, issue_token, normalise_email
from app.db import utcnow
from app.profiles.models import AdvisorAssignment
from tests.fixtures import Account, sign_up

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
_HASH: list[str] = []


def make_advisor(db_session: Session, name: str = "Ada Advisor") -> Account:
    """An advisor account with a token; advisors are created by operators."""
    if not _HASH:
        _HASH.append(hash_password("advisor passphrase"))
    shown, key = normalise_email(f"advisor-{uuid.uuid4().hex[:8]}@advisors.example")
    advisor = User(
        email=shown,
        email_key=key,
        password_hash=_HASH[0],
        display_name=name,
        role="advisor",
        session_version=1,
    )
    db_session.add(advisor)
    db_session.flush()
    token = issue_token(db_session, advisor)
    db_session.commit()
    return Account(advisor.id, shown, "advisor passphrase", token)


def follow(db_session: Session, advisor: Account, *learners: Account) -> None:
    start = utcnow() - timedelta(days=len(learners))
    for n, learner in enumerate(learners):
        db_session.add(
            AdvisorAssignment(
                advisor_id=advisor.id,
                learner_id=learner.id,
                created_at=start + timedelta(days=n),
            )
        )
    db_session.commit()


def my_learners(client: FlaskClient, account: Account, query: str = "") -> Any:
    return client.get(f"/api/v1/advisor/learners{query}", headers=account.headers)


def test_an_advisor_lists_only_their_own_learners_in_follow_order(
    client: FlaskClient, db_session: Session
) -> None:
    ann = sign_up(client, display_name="Ann", persona="career_changer", region="us")
    ben = sign_up(client, display_name="Ben")
    stranger = sign_up(client, display_name="Stranger")
    advisor, other_advisor = make_advisor(db_session), make_advisor(db_session)
    follow(db_session, advisor, ann, ben)
    follow(db_session, other_advisor, stranger)

    body = my_learners(client, advisor).get_json()

    assert [item["learner_id"] for item in body["items"]] == [ann.id, ben.id]
    assert body["items"][0] | {"followed_since": None} == {
        "learner_id": ann.id,
        "display_name": "Ann",
        "persona": "career_changer",
        "region": "us",
        "headline": "",
        "followed_since": None,
    }
    assert body["has_more"] is False
    others = my_learners(client, other_advisor).get_json()["items"]
    assert [item["learner_id"] for item in others] == [stranger.id]


def test_an_advisor_sees_a_followed_profile_but_not_anyone_elses(
    client: FlaskClient, db_session: Session
) -> None:
    mine, theirs = sign_up(client), sign_up(client)
    advisor = make_advisor(db_session)
    follow(db_session, advisor, mine)

    allowed = client.get(f"/api/v1/learners/{mine.id}/profile", headers=advisor.headers)
    refused = client.get(
        f"/api/v1/learners/{theirs.id}/profile", headers=advisor.headers
    )

    assert allowed.status_code == 200
    assert refused.status_code == 404


def test_an_advisor_without_learners_gets_an_empty_page(
    client: FlaskClient, db_session: Session
) -> None:
    response = my_learners(client, make_advisor(db_session))

    assert response.status_code == 200
    assert response.get_json() == {
        "items": [],
        "page": 1,
        "per_page": 20,
        "has_more": False,
    }


def test_the_list_paginates_with_an_honest_end(
    client: FlaskClient, db_session: Session
) -> None:
    learners = [sign_up(client) for _ in range(3)]
    advisor = make_advisor(db_session)
    follow(db_session, advisor, *learners)

    first = my_learners(client, advisor, "?per_page=2").get_json()
    exact = my_learners(client, advisor, "?per_page=3").get_json()
    beyond = my_learners(client, advisor, "?page=2&per_page=3")

    assert [i["learner_id"] for i in first["items"]] == [a.id for a in learners[:2]]
    assert first["has_more"] is True
    assert (len(exact["items"]), exact["has_more"]) == (3, False)
    assert beyond.status_code == 200
    assert beyond.get_json()["items"] == []


@pytest.mark.parametrize(
    "query",
    ["?page=0", "?per_page=0", "?per_page=-5", "?per_page=1000", "?page=one"],
    ids=["page-zero", "size-zero", "size-negative", "size-over-cap", "nan"],
)
def test_bad_pages_are_400(
    client: FlaskClient, db_session: Session, query: str
) -> None:
    response = my_learners(client, make_advisor(db_session), query)

    assert response.status_code == 400
    assert response.mimetype == PROBLEM


def test_a_learner_is_not_an_advisor(client: FlaskClient, learner: Account) -> None:
    response = my_learners(client, learner)

    assert response.status_code == 403
    assert response.mimetype == PROBLEM


def test_the_list_needs_a_token(client: FlaskClient) -> None:
    assert client.get("/api/v1/advisor/learners").status_code == 401
