"""Sign-up, log-in and log-out through the JSON API, against real PostgreSQL."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from tests.fixtures import Account, sign_up

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


def count_users(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(User)) or 0


def test_signup_returns_a_token_that_works(client: FlaskClient) -> None:
    account = sign_up(client, display_name="Grace")

    response = client.get("/api/v1/me", headers=account.headers)

    assert response.status_code == 200
    assert response.get_json()["display_name"] == "Grace"
    assert response.get_json()["role"] == "learner"


def test_signup_stores_an_argon2_hash_not_the_password(
    client: FlaskClient, db_session: Session
) -> None:
    account = sign_up(client)

    stored = db_session.get(User, account.id)

    assert stored is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert account.password not in stored.password_hash


def test_duplicate_email_in_another_case_is_a_conflict(
    client: FlaskClient, db_session: Session
) -> None:
    sign_up(client, email="Mixed.Case@learners.example")
    before = count_users(db_session)

    response = client.post(
        "/api/v1/auth/signup",
        json={
            "email": "mixed.case@LEARNERS.example",
            "password": "another password 1",
            "display_name": "Twin",
            "persona": "student",
            "region": "us",
        },
    )

    assert response.status_code == 409
    assert response.mimetype == PROBLEM
    assert response.get_json()["type"].endswith("/conflict")
    assert count_users(db_session) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "x" * 81}, "display_name"),
        ({"display_name": "nul\x00byte"}, "display_name"),
        ({"display_name": 42}, "display_name"),
        ({"persona": "wizard"}, "persona"),
        ({"region": "mars"}, "region"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"role": "operator"}, "role"),
    ],
    ids=[
        "long-name",
        "nul",
        "wrong-type",
        "persona",
        "region",
        "email",
        "password",
        "privileged-field",
    ],
)
def test_bad_signup_fields_get_422_with_the_field_named(
    client: FlaskClient, db_session: Session, body: dict[str, object], field: str
) -> None:
    payload: dict[str, object] = {
        "email": "valid@learners.example",
        "password": "long enough password",
        "display_name": "Valid",
        "persona": "student",
        "region": "eu",
    }
    payload.update(body)
    before = count_users(db_session)

    response = client.post("/api/v1/auth/signup", json=payload)

    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["type"].endswith("/validation-error")
    assert any(field in e["field"] for e in problem["errors"]), problem
    assert count_users(db_session) == before


def test_malformed_json_is_400(client: FlaskClient, db_session: Session) -> None:
    before = count_users(db_session)

    response = client.post(
        "/api/v1/auth/signup", data='{"email": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.get_json()["type"].endswith("/malformed-json")
    assert count_users(db_session) == before


def test_wrong_content_type_is_415(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/auth/signup", data="email=a@b.example", content_type="text/plain"
    )

    assert response.status_code == 415
    assert response.mimetype == PROBLEM


def test_json_array_body_is_422_not_500(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/signup", json=[1, 2, 3])

    assert response.status_code == 422


def test_huge_body_is_413(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/auth/signup",
        data='{"pad": "' + "x" * 2_000_000 + '"}',
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.mimetype == PROBLEM


def test_emoji_and_accents_round_trip_unchanged(client: FlaskClient) -> None:
    name = "Zoë 🚀 O'Neill-Łukasz 山田"
    account = sign_up(client, display_name=name)

    assert (
        client.get("/api/v1/me", headers=account.headers).get_json()["display_name"]
        == name
    )


def test_login_with_wrong_password_is_401_problem(
    client: FlaskClient, learner: Account
) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"email": learner.email, "password": "wrong wrong"}
    )

    assert response.status_code == 401
    assert response.mimetype == PROBLEM


def test_login_ignores_email_case(client: FlaskClient, learner: Account) -> None:
    response = client.post(
        "/api/v1/auth/login",
        json={"email": learner.email.upper(), "password": learner.password},
    )

    assert response.status_code == 200
    assert response.get_json()["user"]["id"] == learner.id


def test_missing_or_bad_token_is_401(client: FlaskClient) -> None:
    assert client.get("/api/v1/me").status_code == 401
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer sf_nope"})
    assert response.status_code == 401
    assert response.mimetype == PROBLEM


def test_logout_revokes_the_token(client: FlaskClient, learner: Account) -> None:
    response = client.post("/api/v1/auth/logout", headers=learner.headers)

    assert response.status_code == 204
    assert response.data == b"" and "Content-Type" not in response.headers

    assert client.get("/api/v1/me", headers=learner.headers).status_code == 401


def test_unknown_route_is_a_404_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/nowhere")

    assert response.status_code == 404
    assert response.mimetype == PROBLEM
