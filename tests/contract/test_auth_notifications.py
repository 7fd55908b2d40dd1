"""Contract tests of the account, advisor and notification routes.

Each test exercises its route against the real database (rolled back after
the test), with a success and the errors a client must handle, and checks
every answer against what /openapi.json documents for it.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.service import hash_password, issue_token
from app.notifications.models import EmailOutbox
from app.notifications.service import notify
from app.profiles.models import AdvisorAssignment
from tests.contract.schema import assert_matches_schema
from tests.fixtures import Account, sign_up

covers = pytest.mark.covers


def mail_token(db_session: Session, user_id: int, kind: str) -> str:
    """The token of the newest mail of ``kind`` queued for the user."""
    db_session.expire_all()
    secret = db_session.scalar(
        select(EmailOutbox.secret)
        .where(EmailOutbox.user_id == user_id, EmailOutbox.kind == kind)
        .order_by(EmailOutbox.id.desc())
        .limit(1)
    )
    assert secret
    return secret


def check(app: Any, method: str, path: str, *responses: Any) -> None:
    for response in responses:
        assert_matches_schema(app, response, method, path)


# --- accounts ---------------------------------------------------------------


@covers("POST", "/api/v1/auth/verify-email/request")
def test_verify_email_request(
    app: Any, client: FlaskClient, db_session: Session, learner: Account
) -> None:
    path = "/api/v1/auth/verify-email/request"
    accepted = client.post(path, headers=learner.headers)
    client.post(
        "/api/v1/auth/verify-email/confirm",
        json={"token": mail_token(db_session, learner.id, "verify_email")},
    )
    verified = client.post(path, headers=learner.headers)
    anonymous = client.post(path)

    assert [accepted.status_code, verified.status_code, anonymous.status_code] == [
        202,
        409,
        401,
    ]
    check(app, "POST", path, accepted, verified, anonymous)


@covers("POST", "/api/v1/auth/verify-email/confirm")
def test_verify_email_confirm(
    app: Any, client: FlaskClient, db_session: Session, learner: Account
) -> None:
    path = "/api/v1/auth/verify-email/confirm"
    token = mail_token(db_session, learner.id, "verify_email")

    confirmed = client.post(path, json={"token": token})
    spent = client.post(path, json={"token": token})
    invalid = client.post(path, json={"token": 5})
    not_json = client.post(path, data="token=x", content_type="text/plain")

    assert [r.status_code for r in (confirmed, spent, invalid, not_json)] == [
        200,
        400,
        422,
        415,
    ]
    check(app, "POST", path, confirmed, spent, invalid, not_json)


@covers("POST", "/api/v1/auth/password-reset/request")
def test_password_reset_request(
    app: Any, client: FlaskClient, learner: Account
) -> None:
    path = "/api/v1/auth/password-reset/request"

    known = client.post(path, json={"email": learner.email})
    unknown = client.post(path, json={"email": "nobody@learners.example"})
    invalid = client.post(path, json={"email": "nope"})
    broken = client.post(path, data='{"email": ', content_type="application/json")

    assert [r.status_code for r in (known, unknown, invalid, broken)] == [
        202,
        202,
        422,
        400,
    ]
    check(app, "POST", path, known, unknown, invalid, broken)


@covers("POST", "/api/v1/auth/password-reset/confirm")
def test_password_reset_confirm(
    app: Any, client: FlaskClient, db_session: Session, learner: Account
) -> None:
    path = "/api/v1/auth/password-reset/confirm"
    client.post("/api/v1/auth/password-reset/request", json={"email": learner.email})
    token = mail_token(db_session, learner.id, "password_reset")

    too_short = client.post(path, json={"token": token, "password": "short"})
    reset = client.post(path, json={"token": token, "password": "a new passphrase"})
    spent = client.post(path, json={"token": token, "password": "another passphrase"})

    assert [r.status_code for r in (too_short, reset, spent)] == [422, 204, 400]
    check(app, "POST", path, too_short, reset, spent)


@covers("POST", "/api/v1/auth/logout-everywhere")
def test_logout_everywhere(app: Any, client: FlaskClient, learner: Account) -> None:
    path = "/api/v1/auth/logout-everywhere"

    done = client.post(path, headers=learner.headers)
    after = client.post(path, headers=learner.headers)

    assert [done.status_code, after.status_code] == [204, 401]
    check(app, "POST", path, done, after)


@covers("GET", "/api/v1/auth/tokens")
def test_list_tokens(app: Any, client: FlaskClient, learner: Account) -> None:
    path = "/api/v1/auth/tokens"

    listed = client.get(path, headers=learner.headers)
    bad_page = client.get(f"{path}?per_page=0", headers=learner.headers)
    anonymous = client.get(path)

    assert [r.status_code for r in (listed, bad_page, anonymous)] == [200, 400, 401]
    assert listed.get_json()["items"][0]["current"] is True
    check(app, "GET", path, listed, bad_page, anonymous)


@covers("DELETE", "/api/v1/auth/tokens/{token_id}")
def test_revoke_token(app: Any, client: FlaskClient, learner: Account) -> None:
    other = sign_up(client)
    theirs = client.get("/api/v1/auth/tokens", headers=other.headers)
    their_id = theirs.get_json()["items"][0]["id"]
    login = client.post(
        "/api/v1/auth/login",
        json={"email": learner.email, "password": learner.password},
    )
    second = {"Authorization": f"Bearer {login.get_json()['token']}"}
    mine = client.get("/api/v1/auth/tokens", headers=second).get_json()["items"]

    revoked = client.delete(f"/api/v1/auth/tokens/{mine[1]['id']}", headers=second)
    not_mine = client.delete(f"/api/v1/auth/tokens/{their_id}", headers=second)
    anonymous = client.delete(f"/api/v1/auth/tokens/{their_id}")

    assert [r.status_code for r in (revoked, not_mine, anonymous)] == [204, 404, 401]
    check(app, "DELETE", "/api/v1/auth/tokens/{token_id}", revoked, not_mine, anonymous)


@covers("POST", "/api/v1/auth/login")
def test_login_throttled(app: Any, client: FlaskClient, learner: Account) -> None:
    path = "/api/v1/auth/login"
    wrong = {"email": learner.email, "password": "not the password"}

    failures = [client.post(path, json=wrong) for _ in range(3)]
    throttled = client.post(path, json=wrong)

    assert [r.status_code for r in failures] == [401] * 3
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers
    check(app, "POST", path, *failures, throttled)


# --- advisors ---------------------------------------------------------------


@covers("GET", "/api/v1/advisor/learners")
def test_advisor_learners(
    app: Any, client: FlaskClient, db_session: Session, learner: Account
) -> None:
    path = "/api/v1/advisor/learners"
    advisor = User(
        email=f"advisor-{uuid.uuid4().hex[:8]}@advisors.example",
        email_key=f"advisor-{uuid.uuid4().hex[:8]}@advisors.example",
        password_hash=hash_password("advisor passphrase"),
        display_name="Ada Advisor",
        role="advisor",
        session_version=1,
    )
    db_session.add(advisor)
    db_session.flush()
    db_session.add(AdvisorAssignment(advisor_id=advisor.id, learner_id=learner.id))
    headers = {"Authorization": f"Bearer {issue_token(db_session, advisor)}"}
    db_session.commit()

    listed = client.get(path, headers=headers)
    bad_page = client.get(f"{path}?page=0", headers=headers)
    not_advisor = client.get(path, headers=learner.headers)
    anonymous = client.get(path)

    assert [r.status_code for r in (listed, bad_page, not_advisor, anonymous)] == [
        200,
        400,
        403,
        401,
    ]
    assert listed.get_json()["items"][0]["learner_id"] == learner.id
    check(app, "GET", path, listed, bad_page, not_advisor, anonymous)


# --- notifications ----------------------------------------------------------


def add_notification(db_session: Session, user_id: int) -> int:
    notification = notify(
        db_session, user_id, "new_match", "New match", "Data analyst", {"match": 1}
    )
    db_session.commit()
    return notification.id


@covers("GET", "/api/v1/notifications")
def test_list_notifications(
    app: Any, client: FlaskClient, db_session: Session, learner: Account
) -> None:
    path = "/api/v1/notifications"
    add_notification(db_session, learner.id)

    listed = client.get(path, headers=learner.headers)
    unread = client.get(f"{path}?unread_only=true&per_page=1", headers=learner.headers)
    bad_page = client.get(f"{path}?per_page=101", headers=learner.headers)
    anonymous = client.get(path)

    assert [r.status_code for r in (listed, unread, bad_page, anonymous)] == [
        200,
        200,
        400,
        401,
    ]
    assert len(listed.get_json()["items"]) == 1
    check(app, "GET", path, listed, unread, bad_page, anonymous)


@covers("GET", "/api/v1/notifications/unread-count")
def test_unread_count(
    app: Any, client: FlaskClient, db_session: Session, learner: Account
) -> None:
    path = "/api/v1/notifications/unread-count"
    add_notification(db_session, learner.id)

    counted = client.get(path, headers=learner.headers)
    anonymous = client.get(path)

    assert [counted.status_code, anonymous.status_code] == [200, 401]
    assert counted.get_json() == {"unread": 1}
    check(app, "GET", path, counted, anonymous)


@covers("POST", "/api/v1/notifications/{notification_id}/read")
def test_mark_read(
    app: Any, client: FlaskClient, db_session: Session, learner: Account
) -> None:
    other = sign_up(client)
    mine = add_notification(db_session, learner.id)
    theirs = add_notification(db_session, other.id)

    marked = client.post(f"/api/v1/notifications/{mine}/read", headers=learner.headers)
    not_mine = client.post(
        f"/api/v1/notifications/{theirs}/read", headers=learner.headers
    )
    anonymous = client.post(f"/api/v1/notifications/{mine}/read")

    assert [r.status_code for r in (marked, not_mine, anonymous)] == [200, 404, 401]
    assert marked.get_json()["read_at"] is not None
    check(
        app,
        "POST",
        "/api/v1/notifications/{notification_id}/read",
        marked,
        not_mine,
        anonymous,
    )


@covers("POST", "/api/v1/notifications/read-all")
def test_mark_all_read(
    app: Any, client: FlaskClient, db_session: Session, learner: Account
) -> None:
    path = "/api/v1/notifications/read-all"
    add_notification(db_session, learner.id)

    marked = client.post(path, headers=learner.headers)
    anonymous = client.post(path)

    assert [marked.status_code, anonymous.status_code] == [200, 401]
    assert marked.get_json() == {"marked": 1}
    check(app, "POST", path, marked, anonymous)


@covers("GET", "/api/v1/notifications/preferences")
def test_get_preferences(app: Any, client: FlaskClient, learner: Account) -> None:
    path = "/api/v1/notifications/preferences"

    shown = client.get(path, headers=learner.headers)
    anonymous = client.get(path)

    assert [shown.status_code, anonymous.status_code] == [200, 401]
    check(app, "GET", path, shown, anonymous)


@covers("PUT", "/api/v1/notifications/preferences")
def test_put_preferences(app: Any, client: FlaskClient, learner: Account) -> None:
    path = "/api/v1/notifications/preferences"
    headers = learner.headers

    changed = client.put(
        path, json={"new_match": {"in_app": True, "email": False}}, headers=headers
    )
    invalid = client.put(path, json={"new_match": {"in_app": 1}}, headers=headers)
    broken = client.put(
        path, data="{", content_type="application/json", headers=headers
    )
    not_json = client.put(path, data="x", content_type="text/plain", headers=headers)
    anonymous = client.put(path, json={})

    assert [r.status_code for r in (changed, invalid, broken, not_json, anonymous)] == [
        200,
        422,
        400,
        415,
        401,
    ]
    assert changed.get_json()["new_match"] == {"in_app": True, "email": False}
    check(app, "PUT", path, changed, invalid, broken, not_json, anonymous)
