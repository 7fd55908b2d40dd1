"""The token cache of the hot read routes: fast, and never outliving a token.

``GET /api/v1/matches`` authenticates through ``app.auth.token_cache``. These
tests warm the cache with a real request, end the token through the real
API, and read the very next request's answer and the Redis entry.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from app.auth import service, token_cache
from app.auth.models import User
from harness.services import free_port
from tests.fixtures import Account, sign_up

pytestmark = pytest.mark.integration

MATCHES = "/api/v1/matches"


def key_of(token: str) -> str:
    return token_cache.KEY.format(digest=service.token_digest(token))


def matches(client: FlaskClient, token: str) -> Any:
    return client.get(MATCHES, headers={"Authorization": f"Bearer {token}"})


def test_first_use_caches_id_and_role_briefly_and_nothing_secret(
    client: FlaskClient, redis_client: redis.Redis, learner: Account
) -> None:
    assert redis_client.get(key_of(learner.token)) is None

    assert matches(client, learner.token).status_code == 200

    assert redis_client.get(key_of(learner.token)) == f"{learner.id} learner".encode()
    assert 0 < redis_client.ttl(key_of(learner.token)) <= token_cache.TTL_SECONDS
    assert not any(learner.token.encode() in k for k in redis_client.keys("*"))


def test_a_cached_token_is_served_without_the_database(
    client: FlaskClient,
    db_session: Session,
    learner: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert matches(client, learner.token).status_code == 200
    calls: list[str] = []
    monkeypatch.setattr(service, "user_for_token", lambda *a: calls.append("db"))

    assert matches(client, learner.token).status_code == 200
    assert calls == []


def test_logging_out_ends_a_cached_token_at_once(
    client: FlaskClient, redis_client: redis.Redis, learner: Account
) -> None:
    assert matches(client, learner.token).status_code == 200

    assert (
        client.post("/api/v1/auth/logout", headers=learner.headers).status_code == 204
    )

    assert matches(client, learner.token).status_code == 401
    assert redis_client.get(key_of(learner.token)) == token_cache.TOMBSTONE
    assert redis_client.ttl(key_of(learner.token)) > token_cache.TTL_SECONDS


def second_token(client: FlaskClient, learner: Account) -> str:
    login = client.post(
        "/api/v1/auth/login",
        json={"email": learner.email, "password": learner.password},
    )
    token: str = login.get_json()["token"]
    return token


def test_revoking_by_id_ends_only_that_cached_token(
    client: FlaskClient, learner: Account
) -> None:
    second = second_token(client, learner)
    assert matches(client, learner.token).status_code == 200
    assert matches(client, second).status_code == 200
    listed = client.get("/api/v1/auth/tokens", headers=learner.headers).get_json()
    second_id = next(t["id"] for t in listed["items"] if t["name"] == "login")

    deleted = client.delete(f"/api/v1/auth/tokens/{second_id}", headers=learner.headers)

    assert deleted.status_code == 204
    assert matches(client, second).status_code == 401
    assert matches(client, learner.token).status_code == 200


def test_logging_out_everywhere_ends_every_cached_token(
    client: FlaskClient, learner: Account
) -> None:
    second = second_token(client, learner)
    assert matches(client, learner.token).status_code == 200
    assert matches(client, second).status_code == 200

    response = client.post("/api/v1/auth/logout-everywhere", headers=learner.headers)

    assert response.status_code == 204
    assert matches(client, learner.token).status_code == 401
    assert matches(client, second).status_code == 401


def test_a_role_change_reaches_a_cached_token(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    assert matches(client, learner.token).status_code == 200
    user = db_session.get(User, learner.id)
    assert user is not None

    user.role = "advisor"
    db_session.commit()

    response = matches(client, learner.token)
    assert response.status_code == 403
    assert response.get_json()["type"].endswith("/forbidden")


def test_a_bulk_update_that_skips_the_orm_is_seen_within_the_ttl(
    client: FlaskClient,
    db_session: Session,
    redis_client: redis.Redis,
    learner: Account,
) -> None:
    # The documented limit: SQL that bypasses the ORM events is only seen
    # when the entry expires. Expiring it here stands in for the wait.
    assert matches(client, learner.token).status_code == 200
    db_session.execute(
        update(User).where(User.id == learner.id).values(session_version=99)
    )
    db_session.commit()
    assert matches(client, learner.token).status_code == 200

    redis_client.delete(key_of(learner.token))

    assert matches(client, learner.token).status_code == 401


def test_a_request_that_read_the_token_before_its_revocation_cannot_recache_it(
    client: FlaskClient,
    db_session: Session,
    redis_client: redis.Redis,
    learner: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = db_session.get(User, learner.id)
    assert client.post("/api/v1/auth/logout", headers=learner.headers).status_code
    # A request in flight read the token as live just before the logout
    # committed; it finishes now, after the tombstone went in.
    monkeypatch.setattr(service, "user_for_token", lambda *a: user)
    assert matches(client, learner.token).status_code == 200
    monkeypatch.undo()

    assert redis_client.get(key_of(learner.token)) == token_cache.TOMBSTONE
    assert matches(client, learner.token).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer ", "Bearer sf_not-a-token", "Bearer " + "sf_" + "x" * 200, "Basic abc"],
)
def test_bad_tokens_are_401_and_cache_nothing(
    client: FlaskClient, redis_client: redis.Redis, header: str
) -> None:
    response = client.get(MATCHES, headers={"Authorization": header})

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert redis_client.keys("skillforge:auth:*") == []


def test_advisors_get_403_from_the_cached_route(
    client: FlaskClient, db_session: Session
) -> None:
    from tests.integration.test_advisors_api import make_advisor

    advisor = make_advisor(db_session)

    assert matches(client, advisor.token).status_code == 403
    assert matches(client, advisor.token).status_code == 403


def test_with_redis_down_tokens_are_checked_in_the_database(
    app: Any, client: FlaskClient, db_session: Session
) -> None:
    learner = sign_up(client)
    closed = f"redis://127.0.0.1:{free_port()}/0"

    with app.test_request_context():
        found = token_cache.identity_for_token(closed, learner.token)
        assert found == token_cache.Identity(learner.id, "learner")
        service.log_out_everywhere(db_session, db_session.get(User, learner.id))
        db_session.commit()
        assert token_cache.identity_for_token(closed, learner.token) is None


def test_a_savepoint_rolled_back_after_a_revocation_keeps_its_tombstone(
    client: FlaskClient,
    db_session: Session,
    redis_client: redis.Redis,
    learner: Account,
) -> None:
    assert matches(client, learner.token).status_code == 200
    service.revoke_token(db_session, learner.token)
    with pytest.raises(ZeroDivisionError), db_session.begin_nested():
        db_session.flush()
        raise ZeroDivisionError

    db_session.commit()

    assert redis_client.get(key_of(learner.token)) == token_cache.TOMBSTONE
    assert matches(client, learner.token).status_code == 401


def test_a_user_deleted_outside_the_app_gets_401_not_500(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    assert matches(client, learner.token).status_code == 200
    db_session.execute(delete(User).where(User.id == learner.id))
    db_session.commit()

    # The token entry lags up to its lifetime; an uncached page needs the user.
    response = client.get(f"{MATCHES}?per_page=7", headers=learner.headers)

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
