"""Steps of the partner webhook features."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.webhooks.models import EVENT_TYPES
from features.webhooks.conftest import Organisation
from harness.checks.webhooks.receiver import Plan, Receiver
from harness.checks.webhooks.world import World

scenarios(
    "webhooks/delivery.feature",
    "webhooks/retry.feature",
    "webhooks/dead_letter.feature",
    "webhooks/replay.feature",
    "webhooks/secret_rotation.feature",
    "webhooks/endpoint_disable.feature",
    "webhooks/partner_isolation.feature",
)

HOOKS = "/api/v1/partner/webhooks"
SETTLE_SECONDS = 15.0
PLANS = {
    "OK": Plan(),
    "500 twice, then OK": Plan(["500", "500"], per_event=True),
    "a dropped connection, then OK": Plan(["close"], per_event=True),
    "500 every time": Plan(then="500"),
    "410 Gone": Plan(then="410"),
}
ANSWERS = {"not found": 404, "bad query": 400}


def _settle(world: World, receiver: Receiver, org: Organisation) -> None:
    settled = receiver.wait_for(
        lambda: world.settled(org.member.partner_id), SETTLE_SECONDS, interval=0.1
    )
    assert settled, [d.status for d in world.deliveries(org.member.partner_id)]


def _register(
    world: World, receiver: Receiver, org: Organisation, answers: str, types: Any
) -> None:
    org.path = f"/{org.member.partner_id}"
    url = receiver.plan(org.path, PLANS[answers])
    org.endpoint_id, org.secret = world.endpoint(org.member.partner_id, url, types)


# --- set-up -----------------------------------------------------------------


@given(parsers.parse('my organisation has a webhook endpoint that answers "{answers}"'))
def my_endpoint(
    world: World, receiver: Receiver, mine: Organisation, answers: str
) -> None:
    _register(world, receiver, mine, answers, EVENT_TYPES)


@given(
    parsers.parse(
        'my organisation has a webhook endpoint for "{event_type}" '
        'that answers "{answers}"'
    )
)
def my_endpoint_for(
    world: World, receiver: Receiver, mine: Organisation, event_type: str, answers: str
) -> None:
    _register(world, receiver, mine, answers, [event_type])


@given(
    parsers.parse(
        'another organisation has a webhook endpoint that answers "{answers}"'
    )
)
def their_endpoint(
    world: World, receiver: Receiver, theirs: Organisation, answers: str
) -> None:
    _register(world, receiver, theirs, answers, EVENT_TYPES)


@when(parsers.parse("SkillForge reports {count:d} new match to my organisation"))
@when(parsers.parse("SkillForge reports {count:d} new matches to my organisation"))
def report_matches(world: World, mine: Organisation, count: int) -> None:
    mine.event_ids += world.record(mine.member.partner_id, count, "match.created")


@given(
    parsers.parse(
        "SkillForge reported {count:d} new matches that ended as dead letters"
    )
)
@given(
    parsers.parse("SkillForge reported {count:d} new match that disabled my endpoint")
)
def reported_and_failed(
    world: World, receiver: Receiver, mine: Organisation, count: int
) -> None:
    report_matches(world, mine, count)
    _settle(world, receiver, mine)
    assert len(world.dead_letters(mine.member.partner_id)) == count


@given(
    parsers.parse('I fixed my endpoint so that it answers "{answers}" and resumed it')
)
@when(
    parsers.parse('I fixed my endpoint so that it answers "{answers}" and resumed it')
)
def fix_and_resume(
    app: Any, receiver: Receiver, mine: Organisation, answers: str
) -> None:
    receiver.plan(mine.path, PLANS[answers])
    response = app.test_client().post(
        f"{HOOKS}/endpoints/{mine.endpoint_id}/resume", headers=mine.member.headers
    )
    assert response.status_code == 200, response.get_json()


# --- delivery ---------------------------------------------------------------


@then(parsers.parse("my endpoint receives {count:d} event"))
def receives(world: World, receiver: Receiver, mine: Organisation, count: int) -> None:
    _settle(world, receiver, mine)
    accepted = [r for r in receiver.requests(mine.path) if r.answer == "ok"]
    assert len(accepted) == count


@then("every event verifies with my signing secret")
def all_verify(receiver: Receiver, mine: Organisation) -> None:
    for request in receiver.requests(mine.path):
        assert Webhook(mine.secret).verify(request.body, request.headers)
        assert request.webhook_id in mine.event_ids


@then(parsers.parse("the delivery log shows {count:d} attempt answered {status:d}"))
def delivery_log(
    app: Any, mine: Organisation, world: World, count: int, status: int
) -> None:
    client = app.test_client()
    [delivery] = client.get(
        f"{HOOKS}/deliveries", headers=mine.member.headers
    ).get_json()["items"]
    attempts = client.get(
        f"{HOOKS}/deliveries/{delivery['id']}/attempts", headers=mine.member.headers
    ).get_json()["items"]
    assert [a["status_code"] for a in attempts] == [status] * count
    assert attempts[0]["latency_ms"] is not None


@then("no delivery is made to my endpoint")
def no_delivery(world: World, receiver: Receiver, mine: Organisation) -> None:
    assert world.deliveries(mine.member.partner_id) == []
    assert not receiver.wait_for(lambda: bool(receiver.requests(mine.path)), 1.0)


# --- retries and dead letters ----------------------------------------------------


@then(parsers.parse("my endpoint receives the event on attempt {number:d}"))
def received_on_attempt(
    world: World, receiver: Receiver, mine: Organisation, number: int
) -> None:
    _settle(world, receiver, mine)
    requests = receiver.requests(mine.path)
    assert len(requests) == number
    assert requests[-1].answer == "ok"


@then("every attempt carried the same event id")
def same_id(receiver: Receiver, mine: Organisation) -> None:
    assert {r.webhook_id for r in receiver.requests(mine.path)} == set(mine.event_ids)


@then("each wait was longer than the one before")
def waits_grow(world: World, mine: Organisation) -> None:
    [delivery] = world.deliveries(mine.member.partner_id)
    delays = [a.retry_delay_ms or 0 for a in world.attempts(delivery.id)[:-1]]
    # The n-th wait lies between base * 2**(n-1) and twice that, so with the
    # jitter it still never falls below the wait before it.
    assert len(delays) == 2 and all(delays)
    assert all(later >= earlier for earlier, later in itertools.pairwise(delays))


@then(
    parsers.parse("my dead letters list {count:d} event, after {attempts:d} attempts")
)
def dead_letters_listed(
    app: Any,
    world: World,
    receiver: Receiver,
    mine: Organisation,
    count: int,
    attempts: int,
) -> None:
    _settle(world, receiver, mine)
    items = (
        app.test_client()
        .get(f"{HOOKS}/dead-letters", headers=mine.member.headers)
        .get_json()["items"]
    )
    assert [i["event_id"] for i in items] == mine.event_ids[:count]
    assert [i["attempts"] for i in items] == [attempts] * count
    assert len(receiver.requests(mine.path)) == attempts * count


@then("nothing is pending for my endpoint")
def nothing_pending(world: World, mine: Organisation) -> None:
    ledger = world.ledger()
    assert ledger.pending == 0
    assert ledger.balanced, ledger.as_dict()


# --- replay -----------------------------------------------------------------


@when("I replay my oldest dead letter")
def replay_oldest(app: Any, mine: Organisation) -> None:
    client = app.test_client()
    items = client.get(f"{HOOKS}/dead-letters", headers=mine.member.headers)
    oldest = items.get_json()["items"][0]
    mine.last = oldest["event_id"]
    response = client.post(
        f"{HOOKS}/dead-letters/{oldest['id']}/replay", headers=mine.member.headers
    )
    assert response.status_code == 200, response.get_json()


@when("I replay all my dead letters")
def replay_all(app: Any, mine: Organisation) -> None:
    response = app.test_client().post(
        f"{HOOKS}/dead-letters/replay", json={}, headers=mine.member.headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["replayed"] == len(mine.event_ids)


@then("my endpoint receives that event under its original id")
def replayed_one(world: World, receiver: Receiver, mine: Organisation) -> None:
    _settle(world, receiver, mine)
    accepted = [r.webhook_id for r in receiver.requests(mine.path) if r.answer == "ok"]
    assert accepted == [mine.last]


@then("my endpoint receives both events under their original ids")
def replayed_all(world: World, receiver: Receiver, mine: Organisation) -> None:
    _settle(world, receiver, mine)
    accepted = {r.webhook_id for r in receiver.requests(mine.path) if r.answer == "ok"}
    assert accepted == set(mine.event_ids)
    ledger = world.ledger()
    assert ledger.balanced, ledger.as_dict()


@then(parsers.parse("I have {count:d} dead letter left"))
@then(parsers.parse("I have {count:d} dead letters left"))
def dead_letters_left(app: Any, mine: Organisation, count: int) -> None:
    items = (
        app.test_client()
        .get(f"{HOOKS}/dead-letters", headers=mine.member.headers)
        .get_json()["items"]
    )
    assert len(items) == count


# --- rotation ---------------------------------------------------------------


@when(
    parsers.parse(
        "I rotate my signing secret keeping the old one for {seconds:d} seconds"
    )
)
def rotate(app: Any, mine: Organisation, seconds: int) -> None:
    response = app.test_client().post(
        f"{HOOKS}/endpoints/{mine.endpoint_id}/rotate-secret",
        json={"overlap_seconds": seconds},
        headers=mine.member.headers,
    )
    assert response.status_code == 200, response.get_json()
    mine.old_secret, mine.secret = mine.secret, response.get_json()["secret"]


def _the_event(world: World, receiver: Receiver, mine: Organisation) -> Any:
    _settle(world, receiver, mine)
    [request] = receiver.requests(mine.path)
    return request


@then("the event verifies with my new secret")
def verifies_new(world: World, receiver: Receiver, mine: Organisation) -> None:
    request = _the_event(world, receiver, mine)
    assert Webhook(mine.secret).verify(request.body, request.headers)


@then("the event verifies with my old secret")
def verifies_old(world: World, receiver: Receiver, mine: Organisation) -> None:
    request = _the_event(world, receiver, mine)
    assert Webhook(mine.old_secret).verify(request.body, request.headers)


@then("the event does not verify with my old secret")
def old_refused(world: World, receiver: Receiver, mine: Organisation) -> None:
    request = _the_event(world, receiver, mine)
    with pytest.raises(WebhookVerificationError):
        Webhook(mine.old_secret).verify(request.body, request.headers)


# --- disabling --------------------------------------------------------------


@then(parsers.parse('my endpoint is disabled because "{reason}"'))
def disabled_because(
    app: Any, world: World, receiver: Receiver, mine: Organisation, reason: str
) -> None:
    _settle(world, receiver, mine)
    endpoint = (
        app.test_client()
        .get(f"{HOOKS}/endpoints/{mine.endpoint_id}", headers=mine.member.headers)
        .get_json()
    )
    assert endpoint["status"] == "disabled"
    assert endpoint["disabled_reason"] == reason


@then("a later event is not sent to it")
def later_not_sent(world: World, receiver: Receiver, mine: Organisation) -> None:
    before = len(world.deliveries(mine.member.partner_id))
    report_matches(world, mine, 1)
    assert len(world.deliveries(mine.member.partner_id)) == before
    assert len(receiver.requests(mine.path)) == 1


# --- isolation --------------------------------------------------------------


@when("I ask for the other organisation's endpoint")
def ask_theirs(app: Any, mine: Organisation, theirs: Organisation) -> None:
    mine.last = app.test_client().get(
        f"{HOOKS}/endpoints/{theirs.endpoint_id}", headers=mine.member.headers
    )


@when("I try to pause the other organisation's endpoint")
def pause_theirs(app: Any, mine: Organisation, theirs: Organisation) -> None:
    mine.last = app.test_client().post(
        f"{HOOKS}/endpoints/{theirs.endpoint_id}/pause", headers=mine.member.headers
    )


@when("I list deliveries asking for the other organisation's")
def widen(app: Any, mine: Organisation, theirs: Organisation) -> None:
    mine.last = app.test_client().get(
        f"{HOOKS}/deliveries?partner_id={theirs.member.partner_id}",
        headers=mine.member.headers,
    )


@then(parsers.parse('I am answered "{answer}"'))
def answered(mine: Organisation, answer: str) -> None:
    assert mine.last.status_code == ANSWERS[answer]
    assert mine.last.mimetype == "application/problem+json"


@then("the other organisation's endpoint is still active")
def theirs_active(world: World, theirs: Organisation) -> None:
    assert world.endpoint_row(theirs.endpoint_id).status == "active"


@then("my endpoint list shows only my endpoint")
def only_mine(app: Any, mine: Organisation) -> None:
    items = (
        app.test_client()
        .get(f"{HOOKS}/endpoints", headers=mine.member.headers)
        .get_json()["items"]
    )
    assert [i["id"] for i in items] == [mine.endpoint_id]


@given(parsers.parse('I have an API key with only the scope "{scope}"'))
def api_key(app: Any, mine: Organisation, scope: str) -> None:
    response = app.test_client().post(
        "/api/v1/partner/api-keys",
        json={"name": "reader", "scopes": [scope]},
        headers=mine.member.headers,
    )
    assert response.status_code == 201, response.get_json()
    mine.api_key = response.get_json()["key"]


@then("with the key I can list my endpoints")
def key_lists(app: Any, mine: Organisation) -> None:
    response = app.test_client().get(
        f"{HOOKS}/endpoints", headers={"Authorization": f"Bearer {mine.api_key}"}
    )
    assert response.status_code == 200
    assert [i["id"] for i in response.get_json()["items"]] == [mine.endpoint_id]


@then("with the key I cannot register an endpoint")
def key_cannot_write(app: Any, mine: Organisation) -> None:
    response = app.test_client().post(
        f"{HOOKS}/endpoints",
        json={"url": "http://127.0.0.1:9/x", "event_types": ["match.created"]},
        headers={"Authorization": f"Bearer {mine.api_key}"},
    )
    assert response.status_code == 403
