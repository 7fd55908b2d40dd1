"""Steps of the sign-up and log-in features."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from features.conftest import Visitor
from tests.fixtures import sign_up

scenarios("auth/signup.feature", "auth/login.feature")

SPECIAL_VALUES = {"<81 letters>": "x" * 81, "<NUL byte>": "nul\x00byte"}


def _signup_body(visitor: Visitor, **fields: Any) -> dict[str, Any]:
    body = {
        "email": visitor.email,
        "password": visitor.password,
        "display_name": "New Learner",
        "persona": "student",
        "region": "eu",
    }
    body.update(fields)
    return body


def _count_users(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(User)) or 0


@given("no account exists yet", target_fixture="users_before")
def users_before(db_session: Session) -> int:
    return _count_users(db_session)


@when(
    parsers.parse(
        'I sign up as a "{persona}" in region "{region}" with the name "{name}"'
    )
)
def sign_up_as(visitor: Visitor, persona: str, region: str, name: str) -> None:
    response = visitor.client.post(
        "/api/v1/auth/signup",
        json=_signup_body(visitor, persona=persona, region=region, display_name=name),
    )
    assert response.status_code == 201, response.get_json()
    visitor.token = response.get_json()["token"]


@then(parsers.parse('I am signed in as "{name}"'))
def signed_in_as(visitor: Visitor, name: str) -> None:
    me = visitor.client.get("/api/v1/me", headers=visitor.headers)
    assert me.status_code == 200
    assert me.get_json()["display_name"] == name


@given(parsers.parse('someone has signed up with the email "{email}"'))
def someone_signed_up(visitor: Visitor, email: str) -> None:
    sign_up(visitor.client, email=email)


@when(parsers.parse('I sign up with the email "{email}"'))
def sign_up_with_email(visitor: Visitor, email: str) -> None:
    visitor.last = visitor.client.post(
        "/api/v1/auth/signup", json=_signup_body(visitor, email=email)
    )


@then(parsers.parse('I am told "{message}"'))
def told(visitor: Visitor, message: str) -> None:
    assert visitor.last.status_code == 409
    assert visitor.last.get_json()["detail"] == message


@then(parsers.parse('exactly one account uses "{email}"'))
def one_account(db_session: Session, email: str) -> None:
    count = db_session.scalar(
        select(func.count()).select_from(User).where(User.email_key == email.lower())
    )
    assert count == 1


@when(parsers.parse('I sign up with the {field} "{value}"'), target_fixture="before")
def sign_up_with_field(
    visitor: Visitor, db_session: Session, field: str, value: str
) -> int:
    before = _count_users(db_session)
    body = _signup_body(visitor, **{field: SPECIAL_VALUES.get(value, value)})
    visitor.last = visitor.client.post("/api/v1/auth/signup", json=body)
    return before


@when("I send a sign-up whose body is broken JSON", target_fixture="before")
def broken_json(visitor: Visitor, db_session: Session) -> int:
    before = _count_users(db_session)
    visitor.last = visitor.client.post(
        "/api/v1/auth/signup",
        data='{"email": "x@y.example", ',
        content_type="application/json",
    )
    return before


@then(parsers.parse("the sign-up is refused with status {status:d} about the {field}"))
def refused_about(visitor: Visitor, status: int, field: str) -> None:
    assert visitor.last.status_code == status
    assert visitor.last.mimetype == "application/problem+json"
    fields = [e["field"] for e in visitor.last.get_json()["errors"]]
    assert any(field in f for f in fields), fields


@then(parsers.parse('the sign-up is refused with status {status:d} as "{kind}"'))
def refused_as(visitor: Visitor, status: int, kind: str) -> None:
    assert visitor.last.status_code == status
    assert visitor.last.get_json()["type"].endswith("/" + kind)


@then("no account was created")
def no_account(db_session: Session, before: int) -> None:
    assert _count_users(db_session) == before


@given(
    parsers.parse(
        'I have an account with the email "{email}" and the password "{password}"'
    )
)
def have_account(visitor: Visitor, email: str, password: str) -> None:
    sign_up(visitor.client, email=email, password=password)
    visitor.email, visitor.password = email, password


@when(parsers.parse('I log in with "{email}" and "{password}"'))
def log_in_with(visitor: Visitor, email: str, password: str) -> None:
    visitor.last = visitor.client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    if visitor.last.status_code == 200:
        visitor.token = visitor.last.get_json()["token"]


@given("I am logged in")
def logged_in(visitor: Visitor) -> None:
    log_in_with(visitor, visitor.email, visitor.password)
    assert visitor.token


@then("I am signed in")
def am_signed_in(visitor: Visitor) -> None:
    assert visitor.client.get("/api/v1/me", headers=visitor.headers).status_code == 200


@then(parsers.parse('I am refused with "{message}"'))
def refused_with(visitor: Visitor, message: str) -> None:
    assert visitor.last.status_code == 401
    assert visitor.last.get_json()["detail"] == message
    assert visitor.token is None


@when("I log out")
def log_out(visitor: Visitor) -> None:
    response = visitor.client.post("/api/v1/auth/logout", headers=visitor.headers)
    assert response.status_code == 204


@then("my token is refused")
def token_refused(visitor: Visitor) -> None:
    assert visitor.client.get("/api/v1/me", headers=visitor.headers).status_code == 401
