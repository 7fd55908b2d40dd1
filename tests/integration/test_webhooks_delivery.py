"""Webhook delivery end to end: a real worker, real Redis, real HTTP receivers.

One ``skillforge worker`` process serves the module, with the retry schedule
compressed a hundredfold (``DRILL_SETTINGS``). Receivers on loopback fail as
each test plans. Rows are committed (the worker is another process), so every
test makes its own partner and the ``world`` fixture deletes them afterwards.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from app.config import Settings
from app.notifications.models import Notification
from harness.checks.webhooks.ledger import check_received
from harness.checks.webhooks.receiver import Plan, Receiver
from harness.checks.webhooks.world import DRILL_SETTINGS, World

pytestmark = pytest.mark.integration

# Generous bounds (seconds) for things that take well under a second here.
SETTLE_SECONDS = 15.0
SKILLFORGE = str(Path(sys.executable).parent / "skillforge")


def _settle(world: World, receiver: Receiver, partner_id: int) -> None:
    assert receiver.wait_for(lambda: world.settled(partner_id), SETTLE_SECONDS), [
        (d.id, d.status, d.attempt_count) for d in world.deliveries(partner_id)
    ]


def _balanced(world: World, receiver: Receiver) -> None:
    ledger = world.ledger()
    assert ledger.balanced, ledger.as_dict()
    assert check_received(receiver.received) == []


def test_delivery_is_signed_the_standard_webhooks_way(
    world: World, receiver: Receiver
) -> None:
    member = world.member()
    _endpoint, secret = world.endpoint(member.partner_id, receiver.plan("/ok", Plan()))

    [event_id] = world.record(member.partner_id, payload={"match_id": 7})
    _settle(world, receiver, member.partner_id)

    [request] = receiver.requests("/ok")
    assert request.webhook_id == event_id
    body = Webhook(secret).verify(request.body, request.headers)
    assert body["type"] == "match.created"
    assert body["data"] == {"match_id": 7, "sequence": 0}
    assert request.headers["content-type"] == "application/json"

    [delivery] = world.deliveries(member.partner_id)
    [attempt] = world.attempts(delivery.id)
    assert (delivery.status, attempt.outcome, attempt.status_code) == (
        "delivered",
        "delivered",
        200,
    )
    assert attempt.latency_ms is not None and attempt.latency_ms >= 0
    assert '"received": true' in attempt.response_excerpt
    _balanced(world, receiver)


def test_retries_follow_the_backoff_schedule_under_one_event_id(
    world: World, receiver: Receiver
) -> None:
    member = world.member()
    url = receiver.plan("/flaky", Plan(["500", "close"], per_event=True))
    world.endpoint(member.partner_id, url)

    [event_id] = world.record(member.partner_id)
    _settle(world, receiver, member.partner_id)

    [delivery] = world.deliveries(member.partner_id)
    attempts = world.attempts(delivery.id)
    assert [a.outcome for a in attempts] == ["failed", "connection", "delivered"]
    assert {r.webhook_id for r in receiver.requests("/flaky")} == {event_id}

    # The n-th wait is base * 2**(n-1) stretched by 0-100 % jitter; base is
    # 30 s compressed to 0.15 s. The next attempt never starts early, and late
    # only by dramatiq's polling (0.1 s per hop here, two hops) and the work.
    base = 30.0 * float(DRILL_SETTINGS["SKILLFORGE_WEBHOOK_TIME_SCALE"])
    for n, (before, after) in enumerate(itertools.pairwise(attempts), 1):
        low = base * 2 ** (n - 1) * 1000
        delay = before.retry_delay_ms or 0
        assert low <= delay <= 2 * low, (n, delay)
        ended = before.started_at.timestamp() + (before.latency_ms or 0) / 1000
        waited = after.started_at.timestamp() - ended
        assert delay / 1000 <= waited + 0.01 <= delay / 1000 + 0.5, (n, delay, waited)
    assert attempts[-1].retry_delay_ms is None
    _balanced(world, receiver)


def test_a_receiver_that_keeps_failing_fills_the_dead_letter_store(
    world: World, receiver: Receiver, drill_settings: Settings
) -> None:
    member = world.member()
    world.endpoint(member.partner_id, receiver.plan("/down", Plan(then="500")))

    [event_id] = world.record(member.partner_id)
    _settle(world, receiver, member.partner_id)

    [delivery] = world.deliveries(member.partner_id)
    [letter] = world.dead_letters(member.partner_id)
    max_attempts = drill_settings.webhooks.max_attempts
    assert delivery.status == "dead"
    assert (letter.event_id, letter.attempts, letter.last_status_code) == (
        event_id,
        max_attempts,
        500,
    )
    assert len(receiver.requests("/down")) == max_attempts
    _balanced(world, receiver)


def test_replay_by_api_delivers_the_dead_letter_under_its_first_id(
    app: Any, world: World, receiver: Receiver
) -> None:
    member = world.member()
    world.endpoint(member.partner_id, receiver.plan("/later", Plan(then="500")))
    [event_id] = world.record(member.partner_id)
    _settle(world, receiver, member.partner_id)
    [letter] = world.dead_letters(member.partner_id)

    receiver.plan("/later", Plan())
    response = app.test_client().post(
        f"/api/v1/partner/webhooks/dead-letters/{letter.id}/replay",
        headers=member.headers,
    )

    assert response.status_code == 200, response.get_json()
    _settle(world, receiver, member.partner_id)
    [delivery] = world.deliveries(member.partner_id)
    assert delivery.status == "delivered"
    assert receiver.requests("/later")[-1].webhook_id == event_id
    [replayed] = world.dead_letters(member.partner_id)
    assert replayed.replayed_at is not None
    _balanced(world, receiver)


def test_after_a_fix_the_partner_resumes_and_replays_in_bulk_from_the_cli(
    app: Any, world: World, receiver: Receiver, drill_env: dict[str, str]
) -> None:
    member = world.member()
    endpoint_id, _ = world.endpoint(
        member.partner_id, receiver.plan("/bulk", Plan(then="500"))
    )
    event_ids = world.record(member.partner_id, count=3)
    _settle(world, receiver, member.partner_id)
    assert len(world.dead_letters(member.partner_id)) == 3
    assert world.endpoint_row(endpoint_id).status == "disabled"

    receiver.plan("/bulk", Plan())
    resumed = app.test_client().post(
        f"/api/v1/partner/webhooks/endpoints/{endpoint_id}/resume",
        headers=member.headers,
    )
    assert resumed.status_code == 200
    result = subprocess.run(
        [SKILLFORGE, "webhooks", "replay", "--all", "--endpoint", str(endpoint_id)],
        env=drill_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "3 dead letters replayed" in result.stdout
    _settle(world, receiver, member.partner_id)
    assert {d.status for d in world.deliveries(member.partner_id)} == {"delivered"}
    delivered = {r.webhook_id for r in receiver.requests("/bulk") if r.answer == "ok"}
    assert delivered == set(event_ids)
    _balanced(world, receiver)


def test_a_hanging_receiver_times_out_and_does_not_starve_another_partner(
    world: World, receiver: Receiver, drill_settings: Settings
) -> None:
    slow, healthy = world.member("slow"), world.member("healthy")
    world.endpoint(slow.partner_id, receiver.plan("/hang", Plan(then="hang")))
    world.endpoint(healthy.partner_id, receiver.plan("/fine", Plan()))

    world.record(slow.partner_id, count=6)
    world.record(healthy.partner_id, count=6)

    # Healthy deliveries arrive while the slow partner's attempts still hang.
    assert receiver.wait_for(lambda: len(receiver.requests("/fine")) == 6, 5.0)
    assert not world.settled(slow.partner_id)
    cap = drill_settings.webhooks.endpoint_concurrency
    assert receiver.max_in_flight["/hang"] <= cap

    def timed_out() -> list[Any]:
        attempts = (world.attempts(d.id) for d in world.deliveries(slow.partner_id))
        return [a for each in attempts for a in each if a.outcome == "timeout"]

    assert receiver.wait_for(lambda: len(timed_out()) >= 2, 5.0, interval=0.2)
    # No answer at all: the read timeout (1 s) ends the attempt.
    hooks = drill_settings.webhooks
    low, high = hooks.read_timeout * 1000 - 50, hooks.total_timeout * 1000 + 500
    assert all(low <= (a.latency_ms or 0) < high for a in timed_out())


def test_a_receiver_that_trickles_is_cut_off_by_the_total_timeout(
    world: World, receiver: Receiver, drill_settings: Settings
) -> None:
    member = world.member()
    world.endpoint(member.partner_id, receiver.plan("/drip", Plan(then="trickle")))

    world.record(member.partner_id)
    assert receiver.wait_for(
        lambda: any(
            a.outcome == "timeout"
            for d in world.deliveries(member.partner_id)
            for a in world.attempts(d.id)
        ),
        5.0,
        interval=0.2,
    )

    [delivery] = world.deliveries(member.partner_id)
    first = world.attempts(delivery.id)[0]
    limit_ms = drill_settings.webhooks.total_timeout * 1000
    assert limit_ms - 50 <= (first.latency_ms or 0) < limit_ms + 500
    assert "in total" in (first.error or "")


def test_410_gone_disables_the_endpoint_at_once(
    world: World, receiver: Receiver
) -> None:
    member = world.member()
    endpoint_id, _ = world.endpoint(
        member.partner_id, receiver.plan("/gone", Plan(then="410"))
    )

    world.record(member.partner_id)
    _settle(world, receiver, member.partner_id)

    assert len(receiver.requests("/gone")) == 1
    endpoint = world.endpoint_row(endpoint_id)
    assert endpoint.status == "disabled"
    assert "410" in (endpoint.disabled_reason or "")
    [letter] = world.dead_letters(member.partner_id)
    assert letter.last_status_code == 410

    world.record(member.partner_id)
    assert len(world.deliveries(member.partner_id)) == 1
    _balanced(world, receiver)


def test_an_endpoint_that_keeps_failing_is_disabled(
    world: World, receiver: Receiver, drill_settings: Settings
) -> None:
    member = world.member()
    endpoint_id, _ = world.endpoint(
        member.partner_id, receiver.plan("/broken", Plan(then="500"))
    )

    world.record(member.partner_id, count=drill_settings.webhooks.disable_after)
    _settle(world, receiver, member.partner_id)

    endpoint = world.endpoint_row(endpoint_id)
    assert endpoint.status == "disabled"
    assert "in a row" in (endpoint.disabled_reason or "")
    _balanced(world, receiver)


def test_the_owner_is_notified_when_an_endpoint_is_disabled(
    world: World, receiver: Receiver
) -> None:
    member = world.member()
    world.endpoint(member.partner_id, receiver.plan("/bye", Plan(then="410")))

    world.record(member.partner_id)
    _settle(world, receiver, member.partner_id)

    with world.session() as session:
        kinds = session.scalars(
            select(Notification.kind).where(Notification.user_id == member.user_id)
        ).all()
    assert "webhook_endpoint_disabled" in kinds


def test_after_rotation_both_secrets_sign_during_the_overlap(
    app: Any, world: World, receiver: Receiver
) -> None:
    member = world.member()
    endpoint_id, old_secret = world.endpoint(
        member.partner_id, receiver.plan("/rotate", Plan())
    )

    response = app.test_client().post(
        f"/api/v1/partner/webhooks/endpoints/{endpoint_id}/rotate-secret",
        json={"overlap_seconds": 3600},
        headers=member.headers,
    )
    assert response.status_code == 200, response.get_json()
    new_secret = response.get_json()["secret"]
    world.record(member.partner_id)
    _settle(world, receiver, member.partner_id)

    [request] = receiver.requests("/rotate")
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old_secret, new_secret):
        Webhook(secret).verify(request.body, request.headers)


def test_a_paused_endpoint_holds_its_deliveries_until_resumed(
    app: Any, world: World, receiver: Receiver
) -> None:
    member = world.member()
    endpoint_id, _ = world.endpoint(member.partner_id, receiver.plan("/held", Plan()))
    client = app.test_client()
    base = f"/api/v1/partner/webhooks/endpoints/{endpoint_id}"
    assert client.post(f"{base}/pause", headers=member.headers).status_code == 200

    event_ids = world.record(member.partner_id, count=2)
    held = receiver.wait_for(lambda: bool(receiver.requests("/held")), 1.5)
    assert not held
    assert world.ledger().held == 2

    assert client.post(f"{base}/resume", headers=member.headers).status_code == 200
    _settle(world, receiver, member.partner_id)
    assert {r.webhook_id for r in receiver.requests("/held")} == set(event_ids)
    _balanced(world, receiver)


def test_a_redirect_is_not_followed_but_counts_as_a_failure(
    world: World, receiver: Receiver
) -> None:
    member = world.member()
    url = receiver.plan("/moved", Plan(["redirect"], per_event=True))
    world.endpoint(member.partner_id, url)

    world.record(member.partner_id)
    _settle(world, receiver, member.partner_id)

    [delivery] = world.deliveries(member.partner_id)
    attempts = world.attempts(delivery.id)
    assert [(a.outcome, a.status_code) for a in attempts] == [
        ("failed", 307),
        ("delivered", 200),
    ]
    assert {r.path for r in receiver.received} == {"/moved"}
