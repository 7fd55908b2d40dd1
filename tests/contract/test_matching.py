"""Contract tests of the matching routes, learner and partner side.

Each test drives its route against the real database (rolled back after the
test) through success and refusal, and checks every answer against the
operation that /openapi.json documents.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.contract.schema import assert_matches_schema
from tests.fixtures import Account, sign_up
from tests.matching_helpers import (
    PartnerAccount,
    consent,
    ensure_skills,
    make_partner,
    publish,
    rate,
)

covers = pytest.mark.covers

OPPORTUNITY = "/api/v1/opportunities/{opportunity_id}"
PARTNER_OPPORTUNITY = "/api/v1/partner/opportunities/{opportunity_id}"


@pytest.fixture
def partner(db_session: Session) -> PartnerAccount:
    ensure_skills(db_session)
    return make_partner(db_session, regions=("eu",))


@pytest.fixture
def offer(client: FlaskClient, partner: PartnerAccount) -> dict[str, Any]:
    return publish(client, partner, {"python": 2, "sql": 1})


@pytest.fixture
def applicant(
    client: FlaskClient, learner: Account, partner: PartnerAccount
) -> Account:
    rate(client, learner, {"python": 3})
    consent(client, learner)
    return learner


def _apply(client: FlaskClient, account: Account, offer: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/opportunities/{offer['id']}/apply", headers=account.headers, json={}
    )


def _check(app: Any, method: str, path: str, *responses: Any) -> None:
    for response in responses:
        assert_matches_schema(app, response, method, path)


# --- learner side -------------------------------------------------------------


@covers("GET", "/api/v1/matches")
def test_matches(
    app: Any, client: FlaskClient, applicant: Account, offer: dict[str, Any]
) -> None:
    found = client.get("/api/v1/matches", headers=applicant.headers)
    bad_page = client.get("/api/v1/matches?page=0", headers=applicant.headers)
    anonymous = client.get("/api/v1/matches")

    assert found.status_code == 200 and found.get_json()["items"]
    assert [bad_page.status_code, anonymous.status_code] == [400, 401]
    _check(app, "GET", "/api/v1/matches", found, bad_page, anonymous)


@covers("GET", OPPORTUNITY)
def test_one_opportunity(
    app: Any, client: FlaskClient, learner: Account, offer: dict[str, Any]
) -> None:
    found = client.get(f"/api/v1/opportunities/{offer['id']}", headers=learner.headers)
    missing = client.get("/api/v1/opportunities/2147483647", headers=learner.headers)

    assert [found.status_code, missing.status_code] == [200, 404]
    assert found.get_json()["saved"] is False
    _check(app, "GET", OPPORTUNITY, found, missing)


@covers("POST", OPPORTUNITY + "/save")
def test_save(
    app: Any,
    client: FlaskClient,
    partner: PartnerAccount,
    learner: Account,
    offer: dict[str, Any],
) -> None:
    path = f"/api/v1/opportunities/{offer['id']}/save"
    created = client.post(path, headers=learner.headers)
    again = client.post(path, headers=learner.headers)
    closed = publish(client, partner, {"sql": 1}, title="Closed")
    client.post(
        f"/api/v1/partner/opportunities/{closed['id']}/close", headers=partner.headers
    )
    refused = client.post(
        f"/api/v1/opportunities/{closed['id']}/save", headers=learner.headers
    )

    assert [created.status_code, again.status_code, refused.status_code] == [
        201,
        200,
        409,
    ]
    _check(app, "POST", OPPORTUNITY + "/save", created, again, refused)


@covers("DELETE", OPPORTUNITY + "/save")
def test_unsave(
    app: Any, client: FlaskClient, learner: Account, offer: dict[str, Any]
) -> None:
    path = f"/api/v1/opportunities/{offer['id']}/save"
    client.post(path, headers=learner.headers)

    forgotten = client.delete(path, headers=learner.headers)
    missing = client.delete(
        "/api/v1/opportunities/2147483647/save", headers=learner.headers
    )

    assert [forgotten.status_code, missing.status_code] == [204, 404]
    _check(app, "DELETE", OPPORTUNITY + "/save", forgotten, missing)


@covers("GET", "/api/v1/saved")
def test_saved(
    app: Any, client: FlaskClient, learner: Account, offer: dict[str, Any]
) -> None:
    client.post(f"/api/v1/opportunities/{offer['id']}/save", headers=learner.headers)

    listed = client.get("/api/v1/saved", headers=learner.headers)
    bad_page = client.get("/api/v1/saved?per_page=1000", headers=learner.headers)

    assert listed.status_code == 200 and len(listed.get_json()["items"]) == 1
    assert bad_page.status_code == 400
    _check(app, "GET", "/api/v1/saved", listed, bad_page)


@covers("POST", OPPORTUNITY + "/apply")
def test_apply(
    app: Any,
    client: FlaskClient,
    learner: Account,
    applicant: Account,
    offer: dict[str, Any],
) -> None:
    path = f"/api/v1/opportunities/{offer['id']}/apply"
    shy = sign_up(client)

    applied = _apply(client, applicant, offer)
    twice = _apply(client, applicant, offer)
    no_consent = _apply(client, shy, offer)
    invalid = client.post(path, headers=applicant.headers, json={"message": 3})
    not_json = client.post(
        path, headers=applicant.headers, data="x", content_type="text/plain"
    )

    statuses = [r.status_code for r in (applied, twice, no_consent, invalid, not_json)]
    assert statuses == [201, 409, 409, 422, 415]
    _check(
        app,
        "POST",
        OPPORTUNITY + "/apply",
        applied,
        twice,
        no_consent,
        invalid,
        not_json,
    )


@covers("GET", "/api/v1/applications")
def test_applications(
    app: Any, client: FlaskClient, applicant: Account, offer: dict[str, Any]
) -> None:
    _apply(client, applicant, offer)

    listed = client.get("/api/v1/applications", headers=applicant.headers)
    bad_page = client.get("/api/v1/applications?page=-1", headers=applicant.headers)

    assert listed.status_code == 200 and len(listed.get_json()["items"]) == 1
    assert bad_page.status_code == 400
    _check(app, "GET", "/api/v1/applications", listed, bad_page)


@covers("POST", "/api/v1/applications/{application_id}/withdraw")
def test_withdraw(
    app: Any, client: FlaskClient, applicant: Account, offer: dict[str, Any]
) -> None:
    application = _apply(client, applicant, offer).get_json()
    path = f"/api/v1/applications/{application['id']}/withdraw"

    withdrawn = client.post(path, headers=applicant.headers)
    again = client.post(path, headers=applicant.headers)
    missing = client.post(
        "/api/v1/applications/2147483647/withdraw", headers=applicant.headers
    )

    assert [withdrawn.status_code, again.status_code, missing.status_code] == [
        200,
        409,
        404,
    ]
    _check(
        app,
        "POST",
        "/api/v1/applications/{application_id}/withdraw",
        withdrawn,
        again,
        missing,
    )


@covers("POST", "/api/v1/consent/partner-sharing")
def test_grant_consent(
    app: Any, client: FlaskClient, learner: Account, partner: PartnerAccount
) -> None:
    granted = client.post("/api/v1/consent/partner-sharing", headers=learner.headers)
    as_partner = client.post("/api/v1/consent/partner-sharing", headers=partner.headers)

    assert [granted.status_code, as_partner.status_code] == [200, 403]
    _check(app, "POST", "/api/v1/consent/partner-sharing", granted, as_partner)


@covers("DELETE", "/api/v1/consent/partner-sharing")
def test_revoke_consent(app: Any, client: FlaskClient, applicant: Account) -> None:
    revoked = client.delete(
        "/api/v1/consent/partner-sharing", headers=applicant.headers
    )
    anonymous = client.delete("/api/v1/consent/partner-sharing")

    assert [revoked.status_code, anonymous.status_code] == [200, 401]
    _check(app, "DELETE", "/api/v1/consent/partner-sharing", revoked, anonymous)


# --- partner side -------------------------------------------------------------


@covers("GET", "/api/v1/partner/opportunities")
def test_partner_opportunities(
    app: Any, client: FlaskClient, partner: PartnerAccount, offer: dict[str, Any]
) -> None:
    path = "/api/v1/partner/opportunities"
    listed = client.get(path, headers=partner.headers)
    bad = client.get(f"{path}?status=lost", headers=partner.headers)

    assert listed.status_code == 200 and len(listed.get_json()["items"]) == 1
    assert bad.status_code == 400
    _check(app, "GET", path, listed, bad)


@covers("POST", "/api/v1/partner/opportunities")
def test_publish(
    app: Any, client: FlaskClient, partner: PartnerAccount, learner: Account
) -> None:
    path = "/api/v1/partner/opportunities"
    body = {
        "title": "Data intern",
        "kind": "internship",
        "region": "eu",
        "skills": [{"skill": "sql", "min_level": 1}],
    }
    created = client.post(path, headers=partner.headers, json=body)
    wrong_region = client.post(
        path, headers=partner.headers, json={**body, "region": "us"}
    )
    as_learner = client.post(path, headers=learner.headers, json=body)

    statuses = [created.status_code, wrong_region.status_code, as_learner.status_code]
    assert statuses == [201, 422, 403]
    _check(app, "POST", path, created, wrong_region, as_learner)


@covers("GET", PARTNER_OPPORTUNITY)
def test_partner_opportunity(
    app: Any, client: FlaskClient, partner: PartnerAccount, offer: dict[str, Any]
) -> None:
    found = client.get(
        f"/api/v1/partner/opportunities/{offer['id']}", headers=partner.headers
    )
    missing = client.get(
        "/api/v1/partner/opportunities/2147483647", headers=partner.headers
    )

    assert [found.status_code, missing.status_code] == [200, 404]
    _check(app, "GET", PARTNER_OPPORTUNITY, found, missing)


@covers("PATCH", PARTNER_OPPORTUNITY)
def test_edit(
    app: Any, client: FlaskClient, partner: PartnerAccount, offer: dict[str, Any]
) -> None:
    path = f"/api/v1/partner/opportunities/{offer['id']}"
    changed = client.patch(path, headers=partner.headers, json={"title": "Renamed"})
    invalid = client.patch(path, headers=partner.headers, json={"kind": "gig"})

    assert [changed.status_code, invalid.status_code] == [200, 422]
    _check(app, "PATCH", PARTNER_OPPORTUNITY, changed, invalid)


@covers("POST", PARTNER_OPPORTUNITY + "/close")
def test_close(
    app: Any, client: FlaskClient, partner: PartnerAccount, offer: dict[str, Any]
) -> None:
    closed = client.post(
        f"/api/v1/partner/opportunities/{offer['id']}/close", headers=partner.headers
    )
    missing = client.post(
        "/api/v1/partner/opportunities/2147483647/close", headers=partner.headers
    )

    assert [closed.status_code, missing.status_code] == [200, 404]
    _check(app, "POST", PARTNER_OPPORTUNITY + "/close", closed, missing)


@covers("GET", PARTNER_OPPORTUNITY + "/candidates")
def test_candidates(
    app: Any,
    client: FlaskClient,
    partner: PartnerAccount,
    applicant: Account,
    offer: dict[str, Any],
) -> None:
    path = f"/api/v1/partner/opportunities/{offer['id']}/candidates"
    ranked = client.get(path, headers=partner.headers)
    bad_page = client.get(f"{path}?per_page=0", headers=partner.headers)

    assert ranked.status_code == 200 and ranked.get_json()["items"]
    assert bad_page.status_code == 400
    _check(app, "GET", PARTNER_OPPORTUNITY + "/candidates", ranked, bad_page)


@covers("GET", "/api/v1/partner/applications")
def test_partner_applications(
    app: Any,
    client: FlaskClient,
    partner: PartnerAccount,
    applicant: Account,
    offer: dict[str, Any],
) -> None:
    _apply(client, applicant, offer)
    path = "/api/v1/partner/applications"

    listed = client.get(f"{path}?status=submitted", headers=partner.headers)
    anonymous = client.get(path)

    assert listed.status_code == 200 and len(listed.get_json()["items"]) == 1
    assert anonymous.status_code == 401
    _check(app, "GET", path, listed, anonymous)


@covers("POST", "/api/v1/partner/applications/{application_id}/status")
def test_move_application(
    app: Any,
    client: FlaskClient,
    partner: PartnerAccount,
    applicant: Account,
    offer: dict[str, Any],
) -> None:
    application = _apply(client, applicant, offer).get_json()
    path = f"/api/v1/partner/applications/{application['id']}/status"

    moved = client.post(path, headers=partner.headers, json={"status": "reviewing"})
    illegal = client.post(path, headers=partner.headers, json={"status": "hired"})
    unknown = client.post(path, headers=partner.headers, json={"status": "lost"})
    missing = client.post(
        "/api/v1/partner/applications/2147483647/status",
        headers=partner.headers,
        json={"status": "reviewing"},
    )

    statuses = [r.status_code for r in (moved, illegal, unknown, missing)]
    assert statuses == [200, 409, 422, 404]
    _check(
        app,
        "POST",
        "/api/v1/partner/applications/{application_id}/status",
        moved,
        illegal,
        unknown,
        missing,
    )
