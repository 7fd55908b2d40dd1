"""Steps of the matching features: onboarding into matches, and applications.

A partner publishes through the partner API and the learner works through
the learner API, both on the test client; what the partner was told is read
from the webhook outbox the app wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.notifications.models import Notification
from app.webhooks.models import WebhookEvent
from features.conftest import Visitor
from tests.matching_helpers import PartnerAccount, ensure_skills, make_partner

scenarios(
    "matching/student_onboarding.feature",
    "matching/career_changer_onboarding.feature",
    "matching/application_statuses.feature",
)


@dataclass
class Market:
    """The partner of the scenario, what it published, and the application."""

    session: Session
    partner: PartnerAccount | None = None
    published: dict[str, int] = field(default_factory=dict)
    application_id: int | None = None
    last: Any = None

    def the_partner(self) -> PartnerAccount:
        if self.partner is None:
            self.partner = make_partner(self.session, regions=("eu", "us"))

        return self.partner


@pytest.fixture
def market(db_session: Session) -> Market:
    return Market(db_session)


def _requirements(text: str) -> list[dict[str, Any]]:
    pairs = [item.strip().rsplit(" ", 1) for item in text.split(",")]
    return [{"skill": skill, "min_level": int(level)} for skill, level in pairs]


def _matches(visitor: Visitor) -> list[dict[str, Any]]:
    response = visitor.client.get("/api/v1/matches", headers=visitor.headers)
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def _match(visitor: Visitor, title: str) -> dict[str, Any]:
    found = [m for m in _matches(visitor) if m["opportunity"]["title"] == title]
    assert found, f"{title} is not among my matches"
    return found[0]


# --- Given --------------------------------------------------------------------


@given("the skills catalogue is loaded")
def catalogue(db_session: Session) -> None:
    assert ensure_skills(db_session)


@given(
    parsers.parse(
        'a partner publishes a "{title}" {kind} in region "{region}" needing "{skills}"'
    )
)
def publishes(
    client: FlaskClient, market: Market, title: str, kind: str, region: str, skills: str
) -> None:
    response = client.post(
        "/api/v1/partner/opportunities",
        headers=market.the_partner().headers,
        json={
            "title": title,
            "kind": kind,
            "region": region,
            "skills": _requirements(skills),
        },
    )
    assert response.status_code == 201, response.get_json()
    market.published[title] = response.get_json()["id"]


@given(parsers.parse('I rate myself {a:d} in "{first}" and {b:d} in "{second}"'))
@when(parsers.parse('I rate myself {a:d} in "{first}" and {b:d} in "{second}"'))
def rate_two(visitor: Visitor, a: int, first: str, b: int, second: str) -> None:
    response = visitor.client.patch(
        "/api/v1/profile",
        headers=visitor.headers,
        json={
            "skills": [
                {"skill": first, "self_level": a},
                {"skill": second, "self_level": b},
            ]
        },
    )
    assert response.status_code == 200, response.get_json()


@given("I allow partners to see my profile")
def allow(visitor: Visitor) -> None:
    response = visitor.client.post(
        "/api/v1/consent/partner-sharing", headers=visitor.headers
    )
    assert response.get_json()["partner_sharing"] is True


@given(parsers.parse('I applied to "{title}"'))
@when(parsers.parse('I apply to "{title}"'))
def apply(visitor: Visitor, market: Market, title: str) -> None:
    market.last = visitor.client.post(
        f"/api/v1/opportunities/{market.published[title]}/apply",
        headers=visitor.headers,
        json={"message": "I would love to join."},
    )
    if market.last.status_code == 201:
        market.application_id = market.last.get_json()["id"]


@given(parsers.parse('the partner moves my application to "{status}"'))
@when(parsers.parse('the partner moves my application to "{status}"'))
def partner_moves(client: FlaskClient, market: Market, status: str) -> None:
    market.last = client.post(
        f"/api/v1/partner/applications/{market.application_id}/status",
        headers=market.the_partner().headers,
        json={"status": status},
    )
    assert market.last.status_code == 200, market.last.get_json()


# --- When ---------------------------------------------------------------------


@when(parsers.parse('I open "{title}"'))
def open_opportunity(visitor: Visitor, market: Market, title: str) -> None:
    market.last = visitor.client.get(
        f"/api/v1/opportunities/{market.published[title]}", headers=visitor.headers
    )


@when(parsers.parse('I save "{title}"'))
def save(visitor: Visitor, market: Market, title: str) -> None:
    response = visitor.client.post(
        f"/api/v1/opportunities/{market.published[title]}/save",
        headers=visitor.headers,
    )
    assert response.status_code == 201, response.get_json()


@when("I withdraw my application")
def withdraw(visitor: Visitor, market: Market) -> None:
    market.last = visitor.client.post(
        f"/api/v1/applications/{market.application_id}/withdraw",
        headers=visitor.headers,
    )


# --- Then ---------------------------------------------------------------------


@then(parsers.parse('my best match is "{title}" with a score of {score:g}'))
def best_match(visitor: Visitor, title: str, score: float) -> None:
    best = _matches(visitor)[0]
    assert best["opportunity"]["title"] == title
    assert best["score"] == score


@then(parsers.parse('my match "{title}" has a score of {score:g}'))
def match_score(visitor: Visitor, title: str, score: float) -> None:
    assert _match(visitor, title)["score"] == score


@then(
    parsers.parse(
        'its explanation says I meet "{met}" and lack "{gap}" at level '
        "{required:d} with {has:d}"
    )
)
def explained(visitor: Visitor, met: str, gap: str, required: int, has: int) -> None:
    explanation = _matches(visitor)[0]["explanation"]
    assert [s["skill"] for s in explanation["skills_met"]] == [met]
    assert [(g["skill"], g["required"], g["has"]) for g in explanation["gaps"]] == [
        (gap, required, has)
    ]


@then(
    parsers.parse(
        'its gaps are "{first}" at level {r1:d} with {h1:d} and "{second}" at '
        "level {r2:d} with {h2:d}"
    )
)
def gaps(
    visitor: Visitor, first: str, r1: int, h1: int, second: str, r2: int, h2: int
) -> None:
    found = _match(visitor, "Customer insights analyst")["explanation"]["gaps"]
    assert sorted((g["skill"], g["required"], g["has"]) for g in found) == sorted(
        [(first, r1, h1), (second, r2, h2)]
    )


@then(parsers.parse('"{title}" is not among my matches'))
def not_matched(visitor: Visitor, title: str) -> None:
    assert title not in [m["opportunity"]["title"] for m in _matches(visitor)]


@then("I am told it does not exist")
def does_not_exist(market: Market) -> None:
    assert market.last.status_code == 404
    assert market.last.mimetype == "application/problem+json"


@then(parsers.parse('my saved opportunities are "{title}"'))
def saved_list(visitor: Visitor, title: str) -> None:
    response = visitor.client.get("/api/v1/saved", headers=visitor.headers)
    titles = [s["opportunity"]["title"] for s in response.get_json()["items"]]
    assert titles == [title]


@then("I am told to allow sharing with partners first")
def told_consent(market: Market) -> None:
    assert market.last.status_code == 409
    assert market.last.get_json()["type"].endswith("/consent-required")


@then("I have no applications")
def no_applications(visitor: Visitor) -> None:
    response = visitor.client.get("/api/v1/applications", headers=visitor.headers)
    assert response.get_json()["items"] == []


@then(parsers.parse('my application is "{status}"'))
def application_is(visitor: Visitor, status: str) -> None:
    response = visitor.client.get("/api/v1/applications", headers=visitor.headers)
    assert [a["status"] for a in response.get_json()["items"]] == [status]


@then(parsers.parse('I was notified that it was "{statuses}"'))
def notified(visitor: Visitor, db_session: Session, statuses: str) -> None:
    told = db_session.scalars(
        select(Notification.data["status"].astext)
        .where(
            Notification.user_id == visitor.user_id,
            Notification.kind == "application_status_changed",
        )
        .order_by(Notification.id)
    ).all()
    assert told == [s.strip() for s in statuses.split(",")]


@then(parsers.parse("the partner received {count:d} webhook events about it"))
def partner_told(market: Market, db_session: Session, count: int) -> None:
    events = db_session.scalars(
        select(WebhookEvent.payload).where(
            WebhookEvent.partner_id == market.the_partner().partner_id
        )
    ).all()
    assert [e["application_id"] for e in events] == [market.application_id] * count


@then("I am told the application cannot move to that status")
def told_illegal(market: Market) -> None:
    assert market.last.status_code == 409
    assert market.last.get_json()["type"].endswith("/illegal-transition")


@then(parsers.parse('the partner cannot move it to "{status}"'))
def partner_refused(client: FlaskClient, market: Market, status: str) -> None:
    response = client.post(
        f"/api/v1/partner/applications/{market.application_id}/status",
        headers=market.the_partner().headers,
        json={"status": status},
    )
    assert response.status_code == 409, response.get_json()
