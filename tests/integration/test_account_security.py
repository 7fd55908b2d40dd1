"""Email verification, password reset, log-out everywhere, API tokens and the
failed-log-in throttle, through the JSON API against real PostgreSQL and Redis.

Mails are read from the outbox row (its ``secret`` is the token the mail will
carry); ``test_email_outbox.py`` proves the mail itself goes out over SMTP.
The throttle's clock is moved forward instead of sleeping.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ApiToken, OneTimeToken, User
from app.auth.throttle import (
    LoginLocked,
    LoginThrottle,
    fail_fast_redis,
    throttle_for,
)
from app.db import utcnow
from app.notifications.models import EmailOutbox
from harness.services import free_port
from tests.fixtures import Account, sign_up

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
NEW_PASSWORD = "a brand new passphrase"


class Clock:
    """The throttle's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(app: Any, monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle_for(app), "clock", fake)
    return fake


def latest_secret(db_session: Session, user_id: int, kind: str) -> str | None:
    """The token the newest mail of ``kind`` to the user carries, if any."""
    db_session.expire_all()
    return db_session.scalar(
        select(EmailOutbox.secret)
        .where(EmailOutbox.user_id == user_id, EmailOutbox.kind == kind)
        .order_by(EmailOutbox.id.desc())
        .limit(1)
    )


def count_mails(db_session: Session, kind: str) -> int:
    return len(
        db_session.scalars(select(EmailOutbox.id).where(EmailOutbox.kind == kind)).all()
    )


def login(client: FlaskClient, email: str, password: str) -> Any:
    return client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )


def me(client: FlaskClient, token: str) -> Any:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


# --- email verification -----------------------------------------------------


def test_the_link_from_the_signup_mail_verifies_the_address(
    client: FlaskClient, db_session: Session
) -> None:
    account = sign_up(client)
    assert me(client, account.token).get_json()["email_verified_at"] is None
    token = latest_secret(db_session, account.id, "verify_email")
    assert token

    response = client.post("/api/v1/auth/verify-email/confirm", json={"token": token})

    assert response.status_code == 200
    assert response.get_json()["user_id"] == account.id
    assert me(client, account.token).get_json()["email_verified_at"] is not None


def test_a_verification_link_works_only_once(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    token = latest_secret(db_session, learner.id, "verify_email")
    first = client.post("/api/v1/auth/verify-email/confirm", json={"token": token})

    again = client.post("/api/v1/auth/verify-email/confirm", json={"token": token})

    assert first.status_code == 200
    assert again.status_code == 400
    assert again.mimetype == PROBLEM
    assert again.get_json()["type"].endswith("/invalid-token")


def test_an_expired_verification_link_is_refused(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    token = latest_secret(db_session, learner.id, "verify_email")
    for row in db_session.scalars(
        select(OneTimeToken).where(OneTimeToken.user_id == learner.id)
    ):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()

    response = client.post("/api/v1/auth/verify-email/confirm", json={"token": token})

    assert response.status_code == 400
    assert me(client, learner.token).get_json()["email_verified_at"] is None


def test_asking_for_a_new_link_replaces_the_old_one(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    old = latest_secret(db_session, learner.id, "verify_email")

    response = client.post("/api/v1/auth/verify-email/request", headers=learner.headers)
    new = latest_secret(db_session, learner.id, "verify_email")

    assert response.status_code == 202
    assert new and new != old
    assert (
        client.post(
            "/api/v1/auth/verify-email/confirm", json={"token": old}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/auth/verify-email/confirm", json={"token": new}
        ).status_code
        == 200
    )


def test_a_verified_address_gets_no_new_link(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    token = latest_secret(db_session, learner.id, "verify_email")
    client.post("/api/v1/auth/verify-email/confirm", json={"token": token})
    before = count_mails(db_session, "verify_email")

    response = client.post("/api/v1/auth/verify-email/request", headers=learner.headers)

    assert response.status_code == 409
    assert count_mails(db_session, "verify_email") == before


def test_asking_for_a_link_needs_a_token(client: FlaskClient) -> None:
    assert client.post("/api/v1/auth/verify-email/request").status_code == 401


@pytest.mark.parametrize(
    "body",
    [{}, {"token": ""}, {"token": "x" * 129}, {"token": "nul\x00"}, {"token": 42}],
    ids=["missing", "empty", "too-long", "nul", "wrong-type"],
)
def test_bad_verification_bodies_get_422_naming_the_token(
    client: FlaskClient, body: dict[str, Any]
) -> None:
    response = client.post("/api/v1/auth/verify-email/confirm", json=body)

    assert response.status_code == 422
    assert any("token" in e["field"] for e in response.get_json()["errors"])


def test_an_unknown_token_changes_nothing(
    client: FlaskClient, learner: Account
) -> None:
    response = client.post(
        "/api/v1/auth/verify-email/confirm", json={"token": "not-a-real-token"}
    )

    assert response.status_code == 400
    assert me(client, learner.token).get_json()["email_verified_at"] is None


# --- password reset ---------------------------------------------------------


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    before = count_mails(db_session, "password_reset")

    known = client.post(
        "/api/v1/auth/password-reset/request", json={"email": learner.email.upper()}
    )
    unknown = client.post(
        "/api/v1/auth/password-reset/request",
        json={"email": "nobody-here@learners.example"},
    )

    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    assert count_mails(db_session, "password_reset") == before + 1
    assert latest_secret(db_session, learner.id, "password_reset")


def test_a_second_reset_request_right_away_sends_no_second_mail(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    for _ in range(3):
        response = client.post(
            "/api/v1/auth/password-reset/request", json={"email": learner.email}
        )
        assert response.status_code == 202

    assert (
        len(
            db_session.scalars(
                select(EmailOutbox.id).where(
                    EmailOutbox.user_id == learner.id,
                    EmailOutbox.kind == "password_reset",
                )
            ).all()
        )
        == 1
    )


def request_reset(client: FlaskClient, db_session: Session, account: Account) -> str:
    response = client.post(
        "/api/v1/auth/password-reset/request", json={"email": account.email}
    )
    assert response.status_code == 202
    token = latest_secret(db_session, account.id, "password_reset")
    assert token
    return token


def test_reset_sets_the_password_and_ends_every_session(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    second = login(client, learner.email, learner.password).get_json()["token"]
    token = request_reset(client, db_session, learner)

    response = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": NEW_PASSWORD},
    )

    assert response.status_code == 204
    assert me(client, learner.token).status_code == 401
    assert me(client, second).status_code == 401
    assert login(client, learner.email, learner.password).status_code == 401
    fresh = login(client, learner.email, NEW_PASSWORD)
    assert fresh.status_code == 200
    assert fresh.get_json()["user"]["email_verified_at"] is not None
    revoked = db_session.scalars(
        select(ApiToken.revoked_at).where(ApiToken.user_id == learner.id)
    ).all()
    assert len(revoked) == 3 and revoked.count(None) == 1


def test_reset_ends_page_sessions_too(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    page_login = client.post(
        "/login", data={"email": learner.email, "password": learner.password}
    )
    assert page_login.status_code == 302
    assert client.get("/profile").status_code == 200
    token = request_reset(client, db_session, learner)

    client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": NEW_PASSWORD},
    )

    assert client.get("/profile").status_code == 302


def test_a_reset_link_works_once(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    token = request_reset(client, db_session, learner)
    body = {"token": token, "password": NEW_PASSWORD}
    assert (
        client.post("/api/v1/auth/password-reset/confirm", json=body).status_code == 204
    )

    again = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": "yet another passphrase"},
    )

    assert again.status_code == 400
    assert again.get_json()["type"].endswith("/invalid-token")
    assert login(client, learner.email, NEW_PASSWORD).status_code == 200


def test_an_expired_reset_link_changes_nothing(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    token = request_reset(client, db_session, learner)
    for row in db_session.scalars(
        select(OneTimeToken).where(OneTimeToken.purpose == "password_reset")
    ):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()

    response = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": NEW_PASSWORD},
    )

    assert response.status_code == 400
    assert me(client, learner.token).status_code == 200
    assert login(client, learner.email, learner.password).status_code == 200


def test_a_too_short_password_is_422_and_keeps_the_link_usable(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    token = request_reset(client, db_session, learner)

    short = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": "short"},
    )

    assert short.status_code == 422
    assert any(e["field"] == "password" for e in short.get_json()["errors"])
    assert me(client, learner.token).status_code == 200
    assert (
        client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": token, "password": NEW_PASSWORD},
        ).status_code
        == 204
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "x" * 300 + "@learners.example"}, "email"),
        ({"email": 7}, "email"),
        ({"email": "a@learners.example", "admin": True}, "admin"),
    ],
    ids=["not-an-email", "too-long", "wrong-type", "extra-field"],
)
def test_bad_reset_requests_get_422_and_send_nothing(
    client: FlaskClient, db_session: Session, body: dict[str, Any], field: str
) -> None:
    before = count_mails(db_session, "password_reset")

    response = client.post("/api/v1/auth/password-reset/request", json=body)

    assert response.status_code == 422
    assert any(field in e["field"] for e in response.get_json()["errors"])
    assert count_mails(db_session, "password_reset") == before


def test_a_reset_request_that_is_not_json_is_415(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/auth/password-reset/request",
        data="email=a@b.example",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 415
    assert response.mimetype == PROBLEM


# --- log out everywhere and API tokens --------------------------------------


def test_logging_out_everywhere_ends_every_token_and_page_session(
    client: FlaskClient, learner: Account
) -> None:
    second = login(client, learner.email, learner.password).get_json()["token"]
    client.post("/login", data={"email": learner.email, "password": learner.password})
    assert client.get("/profile").status_code == 200

    response = client.post("/api/v1/auth/logout-everywhere", headers=learner.headers)

    assert response.status_code == 204
    assert me(client, learner.token).status_code == 401
    assert me(client, second).status_code == 401
    assert client.get("/profile").status_code == 302
    assert login(client, learner.email, learner.password).status_code == 200


def test_logging_out_everywhere_needs_a_token(client: FlaskClient) -> None:
    assert client.post("/api/v1/auth/logout-everywhere").status_code == 401


def list_tokens(client: FlaskClient, token: str, query: str = "") -> Any:
    return client.get(
        f"/api/v1/auth/tokens{query}", headers={"Authorization": f"Bearer {token}"}
    )


def test_the_token_list_shows_records_never_tokens(
    client: FlaskClient, learner: Account
) -> None:
    second = login(client, learner.email, learner.password).get_json()["token"]

    response = list_tokens(client, second)

    assert response.status_code == 200
    body = response.get_json()
    assert [t["name"] for t in body["items"]] == ["login", "signup"]
    assert [t["current"] for t in body["items"]] == [True, False]
    assert set(body["items"][0]) == {
        "id",
        "name",
        "created_at",
        "last_used_at",
        "current",
    }
    assert learner.token not in response.get_data(as_text=True)
    assert second not in response.get_data(as_text=True)


def test_revoking_a_token_by_id_ends_only_that_token(
    client: FlaskClient, learner: Account
) -> None:
    second = login(client, learner.email, learner.password).get_json()["token"]
    signup_id = list_tokens(client, second).get_json()["items"][1]["id"]

    response = client.delete(
        f"/api/v1/auth/tokens/{signup_id}",
        headers={"Authorization": f"Bearer {second}"},
    )

    assert response.status_code == 204
    assert me(client, learner.token).status_code == 401
    assert me(client, second).status_code == 200
    assert [t["name"] for t in list_tokens(client, second).get_json()["items"]] == [
        "login"
    ]


def test_someone_elses_token_id_is_404_and_stays_alive(
    client: FlaskClient, learner: Account
) -> None:
    other = sign_up(client)
    other_id = list_tokens(client, other.token).get_json()["items"][0]["id"]

    response = client.delete(f"/api/v1/auth/tokens/{other_id}", headers=learner.headers)

    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    assert me(client, other.token).status_code == 200


@pytest.mark.parametrize(
    "token_id", ["999999", "99999999999", "0"], ids=["unknown", "huge", "zero"]
)
def test_unknown_token_ids_are_404(
    client: FlaskClient, learner: Account, token_id: str
) -> None:
    response = client.delete(f"/api/v1/auth/tokens/{token_id}", headers=learner.headers)

    assert response.status_code == 404
    assert response.mimetype == PROBLEM


def test_the_token_list_paginates_with_an_honest_end(
    client: FlaskClient, learner: Account
) -> None:
    login(client, learner.email, learner.password)

    first = list_tokens(client, learner.token, "?per_page=1").get_json()
    exact = list_tokens(client, learner.token, "?per_page=2").get_json()
    beyond = list_tokens(client, learner.token, "?page=3&per_page=2")

    assert (len(first["items"]), first["has_more"]) == (1, True)
    assert (len(exact["items"]), exact["has_more"]) == (2, False)
    assert beyond.status_code == 200
    assert beyond.get_json()["items"] == []


@pytest.mark.parametrize(
    "query",
    ["?page=0", "?per_page=0", "?per_page=-3", "?per_page=101", "?page=abc"],
    ids=["page-zero", "size-zero", "size-negative", "size-over-cap", "not-a-number"],
)
def test_bad_token_list_pages_are_400(
    client: FlaskClient, learner: Account, query: str
) -> None:
    response = list_tokens(client, learner.token, query)

    assert response.status_code == 400
    assert response.mimetype == PROBLEM


# --- failed log-ins ---------------------------------------------------------


def fail(client: FlaskClient, email: str) -> Any:
    return login(client, email, "not the password")


def test_failures_slow_down_then_lock_and_the_lock_ends(
    client: FlaskClient, learner: Account, clock: Clock
) -> None:
    assert [fail(client, learner.email).status_code for _ in range(3)] == [401] * 3

    delayed = login(client, learner.email, learner.password)
    assert delayed.status_code == 429
    assert delayed.mimetype == PROBLEM
    assert delayed.get_json()["type"].endswith("/login-throttled")
    assert delayed.get_json()["retry_after"] == 2
    # The login delay's own wait, not the rate limiter's window.
    assert delayed.headers["Retry-After"] == "2"

    clock.advance(2)
    assert fail(client, learner.email).status_code == 401
    assert login(client, learner.email, learner.password).status_code == 429
    clock.advance(4)
    assert fail(client, learner.email).status_code == 401

    locked = login(client, learner.email, learner.password)
    assert locked.status_code == 429
    assert locked.get_json()["type"].endswith("/login-locked")
    assert locked.get_json()["retry_after"] == 900
    assert locked.headers["Retry-After"] == "900"
    clock.advance(899)
    assert login(client, learner.email, learner.password).status_code == 429

    clock.advance(1)
    assert login(client, learner.email, learner.password).status_code == 200


def test_an_unknown_address_is_locked_the_same_way(
    client: FlaskClient, learner: Account, clock: Clock
) -> None:
    def statuses(email: str) -> list[int]:
        seen = []
        for _ in range(5):
            seen.append(fail(client, email).status_code)
            clock.advance(60)
        seen.append(fail(client, email).status_code)
        return seen

    assert statuses(learner.email) == statuses("nobody@learners.example")
    assert statuses(learner.email.replace("@", "+x@"))[-1] == 429


def test_a_successful_login_forgets_earlier_failures(
    client: FlaskClient, learner: Account, clock: Clock
) -> None:
    fail(client, learner.email)
    fail(client, learner.email)
    assert login(client, learner.email, learner.password).status_code == 200

    assert [fail(client, learner.email).status_code for _ in range(3)] == [401] * 3


def test_a_password_reset_lifts_the_lock(
    client: FlaskClient, db_session: Session, learner: Account, clock: Clock
) -> None:
    for _ in range(5):
        fail(client, learner.email)
        clock.advance(10)
    assert login(client, learner.email, learner.password).status_code == 429
    token = request_reset(client, db_session, learner)

    client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": NEW_PASSWORD},
    )

    assert login(client, learner.email, NEW_PASSWORD).status_code == 200


def test_the_login_page_shows_the_lock_instead_of_failing(
    client: FlaskClient, learner: Account, clock: Clock
) -> None:
    for _ in range(5):
        fail(client, learner.email)
        clock.advance(10)

    page = client.post(
        "/login", data={"email": learner.email, "password": learner.password}
    )

    assert page.status_code == 401
    assert "locked" in page.get_data(as_text=True)


def test_one_client_failing_on_many_accounts_is_locked_by_address(
    redis_client: redis.Redis,
) -> None:
    throttle = LoginThrottle(redis_client, max_failures=5, ip_max_failures=3)
    for n in range(3):
        throttle.check(f"person{n}@learners.example", "192.0.2.7")
        throttle.record_failure(f"person{n}@learners.example", "192.0.2.7")

    with pytest.raises(LoginLocked):
        throttle.check("someone.else@learners.example", "192.0.2.7")
    throttle.check("someone.else@learners.example", "198.51.100.1")


def test_the_address_count_can_be_turned_off(redis_client: redis.Redis) -> None:
    throttle = LoginThrottle(redis_client, max_failures=5, ip_max_failures=0)
    for n in range(10):
        throttle.record_failure(f"person{n}@learners.example", "192.0.2.7")

    throttle.check("someone.else@learners.example", "192.0.2.7")
    assert redis_client.keys("skillforge:login-failures:ip:*") == []


def test_when_redis_is_down_logins_are_let_through() -> None:
    dead = fail_fast_redis(f"redis://127.0.0.1:{free_port()}/0")
    throttle = LoginThrottle(dead, max_failures=1)
    started = time.monotonic()

    for _ in range(3):
        throttle.record_failure("person@learners.example", "192.0.2.7")
        throttle.check("person@learners.example", "192.0.2.7")
    throttle.reset("person@learners.example")

    assert time.monotonic() - started < 5


def test_redis_keys_name_no_email_or_address(
    client: FlaskClient, learner: Account, redis_client: redis.Redis
) -> None:
    fail(client, learner.email)

    keys = [k.decode() for k in redis_client.keys("skillforge:login-failures:*")]

    assert len(keys) == 2
    assert not any(learner.email.lower() in k or "127.0.0.1" in k for k in keys)


def test_the_user_row_is_untouched_by_failed_logins(
    client: FlaskClient, db_session: Session, learner: Account, clock: Clock
) -> None:
    user = db_session.get(User, learner.id)
    assert user is not None
    version = user.session_version

    for _ in range(6):
        fail(client, learner.email)
        clock.advance(10)

    db_session.refresh(user)
    assert user.session_version == version
