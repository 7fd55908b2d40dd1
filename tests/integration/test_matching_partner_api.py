"""The partner side of matching through the JSON API, on real PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.matching import jobs, scoring
from app.matching.models import Application, Opportunity
from app.notifications.models import Notification
from app.partners.service import create_api_key
from app.webhooks.models import WebhookEvent
from tests.fixtures import Account, sign_up
from tests.matching_helpers import (
    PartnerAccount,
    consent,
    ensure_skills,
    make_partner,
    publish,
    rate,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def skills(db_session: Session) -> dict[str, int]:
    return ensure_skills(db_session)


@pytest.fixture
def partner(db_session: Session, skills: dict[str, int]) -> PartnerAccount:
    return make_partner(db_session, regions=("eu",))


@pytest.fixture
def rival(db_session: Session, skills: dict[str, int]) -> PartnerAccount:
    return make_partner(db_session, regions=("eu", "us"))


def _apply(client: FlaskClient, account: Account, opportunity_id: int) -> Any:
    response = client.post(
        f"/api/v1/opportunities/{opportunity_id}/apply",
        headers=account.headers,
        json={"message": "Keen"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_publish_then_list_my_own_only(
    client: FlaskClient, partner: PartnerAccount, rival: PartnerAccount
) -> None:
    mine = [publish(client, partner, {"python": 2}, title=f"M{i}") for i in range(3)]
    publish(client, rival, {"python": 2}, title="Theirs")
    client.post(
        f"/api/v1/partner/opportunities/{mine[0]['id']}/close", headers=partner.headers
    )

    everything = client.get("/api/v1/partner/opportunities", headers=partner.headers)
    first = client.get(
        "/api/v1/partner/opportunities?per_page=2", headers=partner.headers
    )
    open_only = client.get(
        "/api/v1/partner/opportunities?status=open", headers=partner.headers
    )

    ids = [o["id"] for o in everything.get_json()["items"]]
    assert ids == [o["id"] for o in reversed(mine)]
    assert first.get_json()["has_more"] is True
    assert [o["id"] for o in open_only.get_json()["items"]] == ids[:2]
    assert everything.get_json()["items"][0]["skills"][0]["skill"] == "python"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"region": "us"}, "region"),
        ({"skills": []}, "skills"),
        ({"skills": [{"skill": "time-travel", "min_level": 2}]}, "skills"),
        (
            {
                "skills": [
                    {"skill": "sql", "min_level": 2},
                    {"skill": "sql", "min_level": 3},
                ]
            },
            "skills",
        ),
        ({"skills": [{"skill": "sql", "min_level": 5}]}, "skills.0.min_level"),
        ({"title": ""}, "title"),
        ({"title": "x" * 161}, "title"),
        ({"title": "tab\x00"}, "title"),
        ({"kind": "gig"}, "kind"),
        ({"partner_id": 1}, "partner_id"),
    ],
    ids=[
        "region-not-served",
        "no-skills",
        "unknown-skill",
        "skill-twice",
        "level-too-high",
        "empty-title",
        "title-too-long",
        "nul-in-title",
        "unknown-kind",
        "privileged-field",
    ],
)
def test_bad_opportunities_are_422_and_store_nothing(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    change: dict[str, Any],
    field: str,
) -> None:
    body = {
        "title": "Analyst",
        "kind": "job",
        "region": "eu",
        "skills": [{"skill": "sql", "min_level": 2}],
        **change,
    }

    response = client.post(
        "/api/v1/partner/opportunities", headers=partner.headers, json=body
    )

    assert response.status_code == 422, response.get_json()
    fields = [e["field"] for e in response.get_json()["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert db_session.scalar(select(func.count()).select_from(Opportunity)) == 0


def test_edit_replaces_requirements_and_another_partners_ids_are_404(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    rival: PartnerAccount,
) -> None:
    created = publish(client, partner, {"python": 2, "sql": 1})
    path = f"/api/v1/partner/opportunities/{created['id']}"

    changed = client.patch(
        path,
        headers=partner.headers,
        json={
            "title": "Senior analyst",
            "skills": [{"skill": "excel-pivot-tables", "min_level": 3}],
        },
    )
    region_move = client.patch(path, headers=partner.headers, json={"region": "us"})
    theirs = [
        client.get(path, headers=rival.headers).status_code,
        client.patch(path, headers=rival.headers, json={"title": "Mine"}).status_code,
        client.post(f"{path}/close", headers=rival.headers).status_code,
        client.get(f"{path}/candidates", headers=rival.headers).status_code,
    ]

    assert changed.status_code == 200
    assert changed.get_json()["title"] == "Senior analyst"
    assert [(s["skill"], s["min_level"]) for s in changed.get_json()["skills"]] == [
        ("excel-pivot-tables", 3)
    ]
    assert changed.get_json()["updated_at"] > created["updated_at"]
    assert region_move.status_code == 422
    assert theirs == [404, 404, 404, 404]
    stored = db_session.get(Opportunity, created["id"])
    assert stored is not None and stored.title == "Senior analyst"


def test_close_is_idempotent_and_refuses_new_applications(
    client: FlaskClient, partner: PartnerAccount, learner: Account
) -> None:
    created = publish(client, partner, {"python": 2})
    path = f"/api/v1/partner/opportunities/{created['id']}/close"
    consent(client, learner)

    closed = client.post(path, headers=partner.headers)
    again = client.post(path, headers=partner.headers)
    applied = client.post(
        f"/api/v1/opportunities/{created['id']}/apply",
        headers=learner.headers,
        json={},
    )

    assert closed.get_json()["status"] == "closed"
    assert again.get_json()["closed_at"] == closed.get_json()["closed_at"]
    assert applied.status_code == 409
    assert applied.get_json()["type"].endswith("/opportunity-closed")


def test_candidates_are_consenting_learners_of_the_region_ranked(
    client: FlaskClient, db_session: Session, partner: PartnerAccount
) -> None:
    created = publish(client, partner, {"python": 3, "sql": 2})
    strong, weak, shy = (sign_up(client) for _ in range(3))
    abroad = sign_up(client, region="us")
    rate(client, strong, {"python": 3, "sql": 2})
    rate(client, weak, {"python": 1})
    rate(client, shy, {"python": 4, "sql": 4})
    rate(client, abroad, {"python": 4, "sql": 4})
    for account in (strong, weak, abroad):
        consent(client, account)

    response = client.get(
        f"/api/v1/partner/opportunities/{created['id']}/candidates",
        headers=partner.headers,
    )

    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [c["learner"]["id"] for c in items] == [strong.id, weak.id]
    # The SQL ranking and the Python reference agree on the score.
    reference = scoring.score_learner(
        {1: (1, 0)}, [(1, 3), (2, 2)]
    )  # weak: python 1 of 3, sql missing
    assert items[1]["score"] == scoring.points(reference.total)
    assert items[0]["score"] == 80.0
    assert items[1]["explanation"]["gaps"][0]["has"] in (0, 1)


def test_application_moves_through_its_statuses(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    learner: Account,
) -> None:
    created = publish(client, partner, {"python": 2})
    consent(client, learner)
    application = _apply(client, learner, created["id"])
    path = f"/api/v1/partner/applications/{application['id']}/status"

    moves = [
        client.post(path, headers=partner.headers, json={"status": s})
        for s in ("reviewing", "interview", "offered", "hired")
    ]
    after_end = client.post(path, headers=partner.headers, json={"status": "rejected"})
    withdraw = client.post(
        f"/api/v1/applications/{application['id']}/withdraw", headers=learner.headers
    )

    assert [m.status_code for m in moves] == [200] * 4
    assert moves[-1].get_json()["status"] == "hired"
    assert moves[-1].get_json()["learner"]["id"] == learner.id
    assert after_end.status_code == 409
    assert after_end.get_json()["current_status"] == "hired"
    assert withdraw.status_code == 409
    statuses = db_session.scalars(
        select(Notification.data["status"].astext)
        .where(Notification.user_id == learner.id)
        .order_by(Notification.id)
    ).all()
    assert statuses == ["submitted", "reviewing", "interview", "offered", "hired"]
    events = db_session.scalars(
        select(WebhookEvent.event_type)
        .where(WebhookEvent.partner_id == partner.partner_id)
        .order_by(WebhookEvent.created_at)
    ).all()
    assert events == ["application.created"] + ["application.status_changed"] * 4


@pytest.mark.parametrize(
    ("first", "then", "status"),
    [
        ("reviewing", "submitted", 422),
        ("interview", None, 409),
        ("hired", None, 409),
        ("rejected", "reviewing", 409),
    ],
    ids=["back-to-submitted", "skip-review", "straight-to-hired", "after-rejection"],
)
def test_illegal_moves_are_refused(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    learner: Account,
    first: str,
    then: str | None,
    status: int,
) -> None:
    created = publish(client, partner, {"python": 2})
    consent(client, learner)
    application = _apply(client, learner, created["id"])
    path = f"/api/v1/partner/applications/{application['id']}/status"

    responses = [client.post(path, headers=partner.headers, json={"status": first})]
    if then is not None:
        responses.append(
            client.post(path, headers=partner.headers, json={"status": then})
        )

    assert responses[-1].status_code == status
    stored = db_session.get(Application, application["id"])
    assert stored is not None
    db_session.refresh(stored)
    expected = first if then is not None else "submitted"
    assert stored.status == expected


def test_partners_see_only_their_consenting_applicants(
    client: FlaskClient,
    partner: PartnerAccount,
    rival: PartnerAccount,
    learner: Account,
) -> None:
    mine = publish(client, partner, {"python": 2}, title="Mine")
    theirs = publish(client, rival, {"python": 2}, title="Theirs")
    consent(client, learner)
    applied = _apply(client, learner, mine["id"])
    _apply(client, learner, theirs["id"])

    listed = client.get("/api/v1/partner/applications", headers=partner.headers)
    filtered = client.get(
        f"/api/v1/partner/applications?opportunity_id={theirs['id']}",
        headers=partner.headers,
    )
    foreign = client.post(
        f"/api/v1/partner/applications/{applied['id']}/status",
        headers=rival.headers,
        json={"status": "reviewing"},
    )
    client.delete("/api/v1/consent/partner-sharing", headers=learner.headers)
    after_revoke = client.get("/api/v1/partner/applications", headers=partner.headers)
    move_after_revoke = client.post(
        f"/api/v1/partner/applications/{applied['id']}/status",
        headers=partner.headers,
        json={"status": "reviewing"},
    )

    assert [a["id"] for a in listed.get_json()["items"]] == [applied["id"]]
    assert filtered.get_json()["items"] == []
    assert foreign.status_code == 404
    assert after_revoke.get_json()["items"] == []
    assert move_after_revoke.status_code == 404


@pytest.mark.parametrize(
    "query",
    ["page=0", "per_page=101", "status=lost", "opportunity_id=99999999999", "x=1"],
    ids=["page-zero", "size-over-cap", "unknown-status", "huge-id", "unknown-param"],
)
def test_partner_lists_refuse_bad_queries(
    client: FlaskClient, partner: PartnerAccount, query: str
) -> None:
    response = client.get(
        f"/api/v1/partner/applications?{query}", headers=partner.headers
    )

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_learners_and_read_only_keys_cannot_publish(
    client: FlaskClient,
    db_session: Session,
    partner: PartnerAccount,
    learner: Account,
) -> None:
    _key, raw = create_api_key(
        db_session, partner.partner_id, name="reader", scopes=["opportunities:read"]
    )
    db_session.commit()
    body = {
        "title": "Analyst",
        "kind": "job",
        "region": "eu",
        "skills": [{"skill": "sql", "min_level": 2}],
    }

    as_learner = client.post(
        "/api/v1/partner/opportunities", headers=learner.headers, json=body
    )
    as_reader = client.post(
        "/api/v1/partner/opportunities",
        headers={"Authorization": f"Bearer {raw}"},
        json=body,
    )
    reader_lists = client.get(
        "/api/v1/partner/opportunities", headers={"Authorization": f"Bearer {raw}"}
    )

    assert as_learner.status_code == 403
    assert as_reader.status_code == 403
    assert reader_lists.status_code == 200


def test_publishing_asks_for_one_recompute(
    client: FlaskClient, partner: PartnerAccount, redis_client: redis.Redis
) -> None:
    publish(client, partner, {"python": 2}, title="First")
    publish(client, partner, {"sql": 2}, title="Second")

    queued = redis_client.hlen(f"dramatiq:{jobs.QUEUE}.DQ.msgs")

    assert redis_client.exists(jobs.PENDING_KEY) == 1
    assert queued == 1
