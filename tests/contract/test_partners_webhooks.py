"""Contract tests of the partner account and partner webhook routes.

Each test calls its route as a partner member (in a transaction rolled back
afterwards), with at least one refusal, and checks every answer against the
operation /openapi.json documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import hash_password, issue_token
from app.config import Settings
from app.partners import service as partners
from app.webhooks.delivery import dead_letter
from app.webhooks.models import DeadLetter, Delivery
from app.webhooks.outbox import record_event
from tests.contract.schema import assert_matches_schema

covers = pytest.mark.covers

HOOKS = "/api/v1/partner/webhooks"
RECEIVER = "http://127.0.0.1:9/hook"
_HASH: list[str] = []


@dataclass
class Member:
    partner_id: int
    headers: dict[str, str]


@pytest.fixture
def member(db_session: Session) -> Member:
    if not _HASH:
        _HASH.append(hash_password("a partner passphrase"))
    partner = partners.create_partner(
        db_session,
        slug="contract-partner",
        name="Contract Partner",
        regions=["eu"],
        contact_email="contact@partners.example",
    )
    user = partners.add_member(
        db_session,
        partner.id,
        email="member@partners.example",
        password="a partner passphrase",
        display_name="Contract Member",
        password_hash=_HASH[0],
    )
    token = issue_token(db_session, user)
    db_session.commit()
    return Member(partner.id, {"Authorization": f"Bearer {token}"})


@pytest.fixture
def endpoint(client: FlaskClient, member: Member) -> dict[str, Any]:
    response = client.post(
        f"{HOOKS}/endpoints",
        json={"url": RECEIVER, "event_types": ["match.created"]},
        headers=member.headers,
    )
    assert response.status_code == 201, response.get_json()
    created: dict[str, Any] = response.get_json()
    return created


@pytest.fixture
def delivery_id(db_session: Session, member: Member, endpoint: dict[str, Any]) -> int:
    record_event(db_session, member.partner_id, "match.created", {"match_id": 1})
    db_session.commit()
    found = db_session.scalar(select(Delivery.id))
    assert found is not None
    return found


@pytest.fixture
def dead_letter_id(db_session: Session, settings: Settings, delivery_id: int) -> int:
    dead_letter(db_session, settings, delivery_id, "no success in 8 attempts")
    db_session.commit()
    found = db_session.scalar(select(DeadLetter.id))
    assert found is not None
    return found


Check = Callable[..., None]


@pytest.fixture
def check(app: Any) -> Check:
    def matches(method: str, path: str, *responses: Any) -> None:
        for response in responses:
            assert_matches_schema(app, response, method, path)

    return matches


# --- the partner account -------------------------------------------------------


@covers("GET", "/api/v1/partner")
def test_own_partner(client: FlaskClient, member: Member, check: Check) -> None:
    found = client.get("/api/v1/partner", headers=member.headers)
    anonymous = client.get("/api/v1/partner")

    assert (found.status_code, anonymous.status_code) == (200, 401)
    check("GET", "/api/v1/partner", found, anonymous)


@covers("GET", "/api/v1/partner/members")
def test_members(client: FlaskClient, member: Member, check: Check) -> None:
    path = "/api/v1/partner/members"
    page = client.get(path, headers=member.headers)
    bad = client.get(f"{path}?page=0", headers=member.headers)

    assert (page.status_code, bad.status_code) == (200, 400)
    check("GET", path, page, bad)


@covers("GET", "/api/v1/partner/api-keys")
@covers("POST", "/api/v1/partner/api-keys")
def test_api_keys(client: FlaskClient, member: Member, check: Check) -> None:
    path = "/api/v1/partner/api-keys"
    made = client.post(
        path, json={"name": "sync", "scopes": ["webhooks:read"]}, headers=member.headers
    )
    refused = client.post(path, json={"name": "", "scopes": []}, headers=member.headers)
    listed = client.get(path, headers=member.headers)

    assert (made.status_code, refused.status_code, listed.status_code) == (
        201,
        422,
        200,
    )
    check("POST", path, made, refused)
    check("GET", path, listed)


@covers("DELETE", "/api/v1/partner/api-keys/{key_id}")
def test_revoke_api_key(client: FlaskClient, member: Member, check: Check) -> None:
    made = client.post(
        "/api/v1/partner/api-keys",
        json={"name": "old", "scopes": ["webhooks:read"]},
        headers=member.headers,
    ).get_json()
    revoked = client.delete(
        f"/api/v1/partner/api-keys/{made['id']}", headers=member.headers
    )
    missing = client.delete("/api/v1/partner/api-keys/999999", headers=member.headers)

    assert (revoked.status_code, missing.status_code) == (204, 404)
    check("DELETE", "/api/v1/partner/api-keys/{key_id}", revoked, missing)


# --- endpoints --------------------------------------------------------------


@covers("GET", "/api/v1/partner/webhooks/endpoints")
@covers("POST", "/api/v1/partner/webhooks/endpoints")
def test_endpoints(client: FlaskClient, member: Member, check: Check) -> None:
    path = f"{HOOKS}/endpoints"
    made = client.post(
        path,
        json={"url": RECEIVER, "event_types": ["match.created"]},
        headers=member.headers,
    )
    refused = client.post(
        path,
        json={"url": "http://10.0.0.1/", "event_types": ["match.created"]},
        headers=member.headers,
    )
    listed = client.get(f"{path}?status=active", headers=member.headers)
    widened = client.get(f"{path}?partner_id=1", headers=member.headers)

    assert [r.status_code for r in (made, refused, listed, widened)] == [
        201,
        422,
        200,
        400,
    ]
    check("POST", "/api/v1/partner/webhooks/endpoints", made, refused)
    check("GET", "/api/v1/partner/webhooks/endpoints", listed, widened)


@covers("GET", "/api/v1/partner/webhooks/endpoints/{endpoint_id}")
@covers("PATCH", "/api/v1/partner/webhooks/endpoints/{endpoint_id}")
@covers("DELETE", "/api/v1/partner/webhooks/endpoints/{endpoint_id}")
def test_one_endpoint(
    client: FlaskClient, member: Member, endpoint: dict[str, Any], check: Check
) -> None:
    path = "/api/v1/partner/webhooks/endpoints/{endpoint_id}"
    url = f"{HOOKS}/endpoints/{endpoint['id']}"
    found = client.get(url, headers=member.headers)
    changed = client.patch(url, json={"description": "ATS"}, headers=member.headers)
    refused = client.patch(url, json={"event_types": ["x"]}, headers=member.headers)
    deleted = client.delete(url, headers=member.headers)
    gone = client.get(url, headers=member.headers)

    assert [r.status_code for r in (found, changed, refused, deleted, gone)] == [
        200,
        200,
        422,
        204,
        404,
    ]
    check("GET", path, found, gone)
    check("PATCH", path, changed, refused)
    check("DELETE", path, deleted)


@covers("POST", "/api/v1/partner/webhooks/endpoints/{endpoint_id}/pause")
@covers("POST", "/api/v1/partner/webhooks/endpoints/{endpoint_id}/resume")
def test_pause_and_resume(
    client: FlaskClient, member: Member, endpoint: dict[str, Any], check: Check
) -> None:
    url = f"{HOOKS}/endpoints/{endpoint['id']}"
    paused = client.post(f"{url}/pause", headers=member.headers)
    resumed = client.post(f"{url}/resume", headers=member.headers)
    missing = client.post(f"{HOOKS}/endpoints/999999/pause", headers=member.headers)

    assert (paused.status_code, resumed.status_code, missing.status_code) == (
        200,
        200,
        404,
    )
    path = "/api/v1/partner/webhooks/endpoints/{endpoint_id}"
    check("POST", f"{path}/pause", paused, missing)
    check("POST", f"{path}/resume", resumed)


@covers("POST", "/api/v1/partner/webhooks/endpoints/{endpoint_id}/rotate-secret")
def test_rotate_secret(
    client: FlaskClient, member: Member, endpoint: dict[str, Any], check: Check
) -> None:
    url = f"{HOOKS}/endpoints/{endpoint['id']}/rotate-secret"
    rotated = client.post(url, json={"overlap_seconds": 60}, headers=member.headers)
    refused = client.post(url, json={"overlap_seconds": -1}, headers=member.headers)

    assert (rotated.status_code, refused.status_code) == (200, 422)
    path = "/api/v1/partner/webhooks/endpoints/{endpoint_id}/rotate-secret"
    check("POST", path, rotated, refused)


# --- deliveries and dead letters ----------------------------------------------


@covers("GET", "/api/v1/partner/webhooks/deliveries")
@covers("GET", "/api/v1/partner/webhooks/deliveries/{delivery_id}")
@covers("GET", "/api/v1/partner/webhooks/deliveries/{delivery_id}/attempts")
def test_deliveries(
    client: FlaskClient, member: Member, delivery_id: int, check: Check
) -> None:
    listed = client.get(f"{HOOKS}/deliveries?status=pending", headers=member.headers)
    bad = client.get(f"{HOOKS}/deliveries?status=lost", headers=member.headers)
    found = client.get(f"{HOOKS}/deliveries/{delivery_id}", headers=member.headers)
    attempts = client.get(
        f"{HOOKS}/deliveries/{delivery_id}/attempts", headers=member.headers
    )
    missing = client.get(f"{HOOKS}/deliveries/999999/attempts", headers=member.headers)

    assert [r.status_code for r in (listed, bad, found, attempts, missing)] == [
        200,
        400,
        200,
        200,
        404,
    ]
    check("GET", "/api/v1/partner/webhooks/deliveries", listed, bad)
    check("GET", "/api/v1/partner/webhooks/deliveries/{delivery_id}", found)
    check(
        "GET",
        "/api/v1/partner/webhooks/deliveries/{delivery_id}/attempts",
        attempts,
        missing,
    )


@covers("GET", "/api/v1/partner/webhooks/dead-letters")
@covers("POST", "/api/v1/partner/webhooks/dead-letters/{dead_letter_id}/replay")
def test_dead_letters(
    client: FlaskClient, member: Member, dead_letter_id: int, check: Check
) -> None:
    listed = client.get(f"{HOOKS}/dead-letters", headers=member.headers)
    replayed = client.post(
        f"{HOOKS}/dead-letters/{dead_letter_id}/replay", headers=member.headers
    )
    again = client.post(
        f"{HOOKS}/dead-letters/{dead_letter_id}/replay", headers=member.headers
    )

    assert [r.status_code for r in (listed, replayed, again)] == [200, 200, 404]
    assert listed.get_json()["items"][0]["id"] == dead_letter_id
    check("GET", "/api/v1/partner/webhooks/dead-letters", listed)
    path = "/api/v1/partner/webhooks/dead-letters/{dead_letter_id}/replay"
    check("POST", path, replayed, again)


@covers("POST", "/api/v1/partner/webhooks/dead-letters/replay")
def test_bulk_replay(
    client: FlaskClient, member: Member, dead_letter_id: int, check: Check
) -> None:
    path = f"{HOOKS}/dead-letters/replay"
    replayed = client.post(path, json={"limit": 10}, headers=member.headers)
    refused = client.post(path, json={"limit": 0}, headers=member.headers)

    assert (replayed.status_code, refused.status_code) == (200, 422)
    assert replayed.get_json() == {"replayed": 1}
    check("POST", path, replayed, refused)
