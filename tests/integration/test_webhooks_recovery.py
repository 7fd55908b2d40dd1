"""Nothing is lost when a worker dies mid-delivery or Redis restarts empty.

Each test runs its own ``skillforge worker``; the Redis test also its own
Redis, which it stops and starts again on the same port (nothing is saved to
disk, so every queued message is lost). Duplicates are allowed; they must
carry the event's one id.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.config import load_settings
from harness.checks.webhooks.ledger import check_received
from harness.checks.webhooks.processes import RestartableRedis, WorkerProcess
from harness.checks.webhooks.receiver import Plan, Receiver
from harness.checks.webhooks.world import DRILL_SETTINGS, World
from tests.fixtures import Services, env_for

pytestmark = pytest.mark.integration

# A delivery whose worker died is retried once its claim lapses (the total
# timeout plus 5 s) and the sweep (every 0.5 s, 2 s grace) sees it.
RECOVERY_SECONDS = 20.0


def _env(services: Services, redis_url: str | None = None) -> dict[str, str]:
    extra = dict(DRILL_SETTINGS)
    if redis_url is not None:
        extra["REDIS_URL"] = redis_url
    return dict(os.environ, **env_for(services, **extra))


def test_a_worker_killed_mid_delivery_loses_nothing(
    services: Services, receiver: Receiver, tmp_path: Path
) -> None:
    env = _env(services)
    world = World(load_settings(env))
    log = tmp_path / "worker.log"
    worker = WorkerProcess(env, log).start()
    try:
        member = world.member()
        url = receiver.plan("/slow", Plan(["hang"], hang_seconds=5.0))
        world.endpoint(member.partner_id, url)

        [event_id] = world.record(member.partner_id)
        assert receiver.wait_for(lambda: bool(receiver.requests("/slow")), 10.0)
        worker.kill()
        worker = WorkerProcess(env, log).start()

        assert receiver.wait_for(
            lambda: world.settled(member.partner_id), RECOVERY_SECONDS, interval=0.2
        )
        [delivery] = world.deliveries(member.partner_id)
        assert delivery.status == "delivered"
        outcomes = [a.outcome for a in world.attempts(delivery.id)]
        assert outcomes == ["interrupted", "delivered"]
        requests = receiver.requests("/slow")
        assert len(requests) == 2
        assert {r.webhook_id for r in requests} == {event_id}
        ledger = world.ledger()
        assert ledger.balanced, ledger.as_dict()
    finally:
        worker.stop()
        world.cleanup()


def test_a_redis_restart_loses_nothing(
    services: Services, receiver: Receiver, tmp_path: Path
) -> None:
    redis_server = RestartableRedis(tmp_path / "redis")
    redis_server.start()
    env = _env(services, redis_server.url)
    world = World(load_settings(env))
    worker = WorkerProcess(env, tmp_path / "worker.log").start()
    try:
        member = world.member()
        # Slow enough (0.05 s each, two at a time) that a queue builds up.
        url = receiver.plan("/steady", Plan(delay=0.05))
        world.endpoint(member.partner_id, url)

        first = world.record(member.partner_id, count=40)
        assert receiver.wait_for(lambda: len(receiver.requests("/steady")) >= 5, 10.0)
        # Events committed while Redis is down cannot be enqueued at once.
        second: list[str] = []
        redis_server.restart(
            down_seconds=1.0,
            while_down=lambda: second.extend(world.record(member.partner_id, 10)),
        )
        assert len(second) == 10

        assert receiver.wait_for(
            lambda: world.settled(member.partner_id), RECOVERY_SECONDS, interval=0.2
        )
        statuses = {d.status for d in world.deliveries(member.partner_id)}
        assert statuses == {"delivered"}
        received = {r.webhook_id for r in receiver.requests("/steady")}
        assert received == set(first + second)
        assert check_received(receiver.received, set(first + second)) == []
        ledger = world.ledger()
        assert ledger.balanced, ledger.as_dict()
    finally:
        worker.stop()
        world.cleanup()
        redis_server.stop()
