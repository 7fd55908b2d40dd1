"""The learner side of matching through the JSON API, on real PostgreSQL."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.matching import cache
from app.matching.models import Application, LearnerMatch, SavedOpportunity
from app.notifications.models import Notification
from app.profiles.models import LearnerSkill
from app.webhooks.models import WebhookEvent
from harness.services import free_port
from tests.fixtures import Account, Services, sign_up
from tests.matching_helpers import (
    PartnerAccount,
    consent,
    ensure_skills,
    make_partner,
    match_ids,
    publish,
    rate,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def skills(db_session: Session) -> dict[str, int]:
    return ensure_skills(db_session)


@pytest.fixture
def partner(db_session: Session, skills: dict[str, int]) -> PartnerAccount:
    return make_partner(db_session, regions=("eu", "us"))


def test_matches_are_ranked_and_explained(
    client: FlaskClient,
    db_session: Session,
    skills: dict[str, int],
    partner: PartnerAccount,
    learner: Account,
) -> None:
    rate(client, learner, {"python": 3, "sql": 1})
    db_session.execute(
        LearnerSkill.__table__.update()
        .where(
            LearnerSkill.user_id == learner.id, LearnerSkill.skill_id == skills["sql"]
        )
        .values(assessed_level=2)
    )
    db_session.commit()
    both = publish(client, partner, {"python": 3, "sql": 2}, title="Both met")
    gap = publish(
        client, partner, {"python": 2, "excel-pivot-tables": 2}, title="One gap"
    )
    publish(client, partner, {"customer-onboarding": 2}, title="Nothing shared")
    publish(client, partner, {"python": 1}, title="Other region", region="us")

    response = client.get("/api/v1/matches", headers=learner.headers)

    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [m["opportunity"]["id"] for m in items] == [both["id"], gap["id"]]
    # python met on self-rating (96 of 120), sql met when assessed (120).
    assert items[0]["score"] == 90.0
    assert items[0]["explanation"]["parts"] == {
        "met_assessed": 50.0,
        "met_self_rated": 40.0,
        "partial": 0.0,
    }
    met = {s["skill"]: s for s in items[0]["explanation"]["skills_met"]}
    assert met["sql"]["assessed"] is True and met["python"]["assessed"] is False
    # python met (96 of 120), excel missing: nothing.
    assert items[1]["score"] == 40.0
    gaps = items[1]["explanation"]["gaps"]
    assert [(g["skill"], g["required"], g["has"]) for g in gaps] == [
        ("excel-pivot-tables", 2, 0)
    ]


def test_matches_follow_a_change_of_skills(
    client: FlaskClient, partner: PartnerAccount, learner: Account
) -> None:
    python = publish(client, partner, {"python": 2}, title="Python")
    sql = publish(client, partner, {"sql": 2}, title="SQL")
    rate(client, learner, {"python": 2})
    assert match_ids(client, learner) == [python["id"]]

    rate(client, learner, {"sql": 3})

    assert match_ids(client, learner) == [sql["id"]]


def test_a_closed_opportunity_leaves_the_matches_at_once(
    client: FlaskClient, partner: PartnerAccount, learner: Account
) -> None:
    first = publish(client, partner, {"python": 2}, title="First")
    second = publish(client, partner, {"python": 3}, title="Second")
    rate(client, learner, {"python": 3})
    assert match_ids(client, learner) == [first["id"], second["id"]]

    closed = client.post(
        f"/api/v1/partner/opportunities/{first['id']}/close", headers=partner.headers
    )

    assert closed.status_code == 200
    assert match_ids(client, learner) == [second["id"]]


def test_matches_need_a_learner(client: FlaskClient, partner: PartnerAccount) -> None:
    anonymous = client.get("/api/v1/matches")
    as_partner = client.get("/api/v1/matches", headers=partner.headers)

    assert anonymous.status_code == 401
    assert as_partner.status_code == 403
    assert as_partner.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/matches", "/api/v1/saved", "/api/v1/applications"],
    ids=["matches", "saved", "applications"],
)
@pytest.mark.parametrize(
    ("query", "status"),
    [("page=0", 400), ("per_page=0", 400), ("per_page=101", 400), ("page=x", 400)],
    ids=["page-zero", "size-zero", "size-over-cap", "not-a-number"],
)
def test_lists_refuse_bad_pages(
    client: FlaskClient, learner: Account, path: str, query: str, status: int
) -> None:
    response = client.get(f"{path}?{query}", headers=learner.headers)

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_opportunity_of_another_region_is_404(
    client: FlaskClient, partner: PartnerAccount, learner: Account
) -> None:
    here = publish(client, partner, {"python": 2}, region="eu")
    there = publish(client, partner, {"python": 2}, region="us")

    seen = client.get(f"/api/v1/opportunities/{here['id']}", headers=learner.headers)
    hidden = client.get(f"/api/v1/opportunities/{there['id']}", headers=learner.headers)
    saved = client.post(
        f"/api/v1/opportunities/{there['id']}/save", headers=learner.headers
    )
    huge = client.get("/api/v1/opportunities/99999999999", headers=learner.headers)

    assert seen.status_code == 200
    required = seen.get_json()["skills"]
    assert [(r["skill"], r["min_level"]) for r in required] == [("python", 2)]
    assert [hidden.status_code, saved.status_code, huge.status_code] == [404] * 3


def test_save_list_and_forget(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    learner: Account,
) -> None:
    ids = [
        publish(client, partner, {"python": 1}, title=f"O{i}")["id"] for i in range(3)
    ]
    first = client.post(f"/api/v1/opportunities/{ids[0]}/save", headers=learner.headers)
    again = client.post(f"/api/v1/opportunities/{ids[0]}/save", headers=learner.headers)
    for other in ids[1:]:
        client.post(f"/api/v1/opportunities/{other}/save", headers=learner.headers)

    page_one = client.get("/api/v1/saved?per_page=2", headers=learner.headers)
    page_two = client.get("/api/v1/saved?per_page=2&page=2", headers=learner.headers)
    forgot = client.delete(
        f"/api/v1/opportunities/{ids[1]}/save", headers=learner.headers
    )

    assert [first.status_code, again.status_code] == [201, 200]
    assert page_one.get_json()["has_more"] is True
    listed = page_one.get_json()["items"] + page_two.get_json()["items"]
    assert [s["opportunity"]["id"] for s in listed] == list(reversed(ids))
    assert page_two.get_json()["has_more"] is False
    assert forgot.status_code == 204
    left = db_session.scalars(
        select(SavedOpportunity.opportunity_id).where(
            SavedOpportunity.user_id == learner.id
        )
    ).all()
    assert sorted(left) == [ids[0], ids[2]]


def test_apply_needs_consent_and_happens_once(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    learner: Account,
) -> None:
    opportunity = publish(client, partner, {"python": 1})
    path = f"/api/v1/opportunities/{opportunity['id']}/apply"

    refused = client.post(path, headers=learner.headers, json={})
    consent(client, learner)
    applied = client.post(path, headers=learner.headers, json={"message": "Hi ✨"})
    twice = client.post(path, headers=learner.headers, json={})

    assert refused.status_code == 409
    assert refused.get_json()["type"].endswith("/consent-required")
    assert applied.status_code == 201, applied.get_json()
    assert applied.get_json()["status"] == "submitted"
    assert applied.get_json()["message"] == "Hi ✨"
    assert twice.status_code == 409
    assert twice.get_json()["type"].endswith("/already-applied")
    count = db_session.scalar(
        select(func.count()).where(Application.user_id == learner.id)
    )
    assert count == 1
    kinds = db_session.scalars(
        select(Notification.kind).where(Notification.user_id == learner.id)
    ).all()
    assert kinds == ["application_status_changed"]
    events = db_session.scalars(
        select(WebhookEvent.event_type).where(
            WebhookEvent.partner_id == partner.partner_id
        )
    ).all()
    assert events == ["application.created"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "x" * 2001}, "message"),
        ({"message": "nul \x00 byte"}, "message"),
        ({"message": 5}, "message"),
        ({"status": "hired"}, "status"),
    ],
    ids=["too-long", "nul", "wrong-type", "unknown-field"],
)
def test_bad_application_bodies_are_422_and_store_nothing(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    learner: Account,
    body: dict[str, object],
    field: str,
) -> None:
    opportunity = publish(client, partner, {"python": 1})
    consent(client, learner)

    response = client.post(
        f"/api/v1/opportunities/{opportunity['id']}/apply",
        headers=learner.headers,
        json=body,
    )

    assert response.status_code == 422
    assert field in [e["field"] for e in response.get_json()["errors"]]
    assert db_session.scalar(select(func.count()).select_from(Application)) == 0


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("message=hi", "application/x-www-form-urlencoded", 415),
        ('{"message": "' + "x" * 1_100_000 + '"}', "application/json", 413),
    ],
    ids=["malformed", "not-json", "too-big"],
)
def test_unreadable_application_bodies_store_nothing(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    learner: Account,
    data: str,
    content_type: str,
    status: int,
) -> None:
    opportunity = publish(client, partner, {"python": 1})
    consent(client, learner)

    response = client.post(
        f"/api/v1/opportunities/{opportunity['id']}/apply",
        headers=learner.headers,
        data=data,
        content_type=content_type,
    )

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert db_session.scalar(select(func.count()).select_from(Application)) == 0


def test_withdraw_once_and_only_my_own(
    client: FlaskClient, partner: PartnerAccount, learner: Account
) -> None:
    opportunity = publish(client, partner, {"python": 1})
    consent(client, learner)
    applied = client.post(
        f"/api/v1/opportunities/{opportunity['id']}/apply",
        headers=learner.headers,
        json={},
    ).get_json()
    stranger = sign_up(client)
    path = f"/api/v1/applications/{applied['id']}/withdraw"

    not_mine = client.post(path, headers=stranger.headers)
    withdrawn = client.post(path, headers=learner.headers)
    again = client.post(path, headers=learner.headers)
    listed = client.get("/api/v1/applications", headers=learner.headers)

    assert not_mine.status_code == 404
    assert (
        withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    )
    assert again.status_code == 409
    assert again.get_json()["type"].endswith("/illegal-transition")
    assert [a["status"] for a in listed.get_json()["items"]] == ["withdrawn"]


def test_consent_is_granted_and_revoked(client: FlaskClient, learner: Account) -> None:
    granted = client.post("/api/v1/consent/partner-sharing", headers=learner.headers)
    regranted = client.post("/api/v1/consent/partner-sharing", headers=learner.headers)
    revoked = client.delete("/api/v1/consent/partner-sharing", headers=learner.headers)

    assert granted.get_json()["partner_sharing"] is True
    assert regranted.get_json()["granted_at"] == granted.get_json()["granted_at"]
    assert revoked.get_json() == {"partner_sharing": False, "granted_at": None}


def test_stored_matches_are_rows(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    learner: Account,
) -> None:
    for level in (1, 2, 3):
        publish(client, partner, {"python": level}, title=f"Level {level}")
    rate(client, learner, {"python": 2})

    client.get("/api/v1/matches", headers=learner.headers)

    ranks = db_session.scalars(
        select(LearnerMatch.rank)
        .where(LearnerMatch.user_id == learner.id)
        .order_by(LearnerMatch.rank)
    ).all()
    assert ranks == [1, 2, 3]


def test_a_page_is_cached_until_the_learners_skills_change(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    learner: Account,
) -> None:
    python = publish(client, partner, {"python": 2}, title="Python")
    sql = publish(client, partner, {"sql": 2}, title="SQL")
    rate(client, learner, {"python": 2})
    assert match_ids(client, learner) == [python["id"]]
    db_session.execute(delete(LearnerMatch).where(LearnerMatch.user_id == learner.id))
    db_session.commit()

    cached = match_ids(client, learner)
    rate(client, learner, {"sql": 2})
    rebuilt = match_ids(client, learner)

    assert cached == [python["id"]]
    assert rebuilt == [sql["id"]]


def test_an_unreachable_cache_is_no_error(services: Services) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"

    body, versions = cache.cached_page(nowhere, 1, 1, 20)
    cache.store_page(nowhere, 1, 1, 20, versions, b"{}")
    cache.catalog_changed(nowhere)

    assert (body, versions) == (None, b"")
