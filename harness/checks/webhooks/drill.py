"""The webhook drill: real worker, real Redis, receivers that fail on purpose.

On a scratch database it makes partners whose endpoints answer steadily,
fail twice and recover, fail for good, answer 410 Gone, or hang on the first
request while the worker is SIGKILLed. It waits for the queues to drain,
replays the dead letters with ``skillforge webhooks replay``, and then holds
the database and the receivers to their promises: the schedule was kept,
dead letters appeared and replay delivered them, the gone endpoint was
disabled, and the ledger balances with nothing sent under two ids.

The drill writes its evidence as it goes and returns its findings; the gate
and the fault-flag tests decide what they mean.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, pool, text

from app.config import load_settings
from harness.checks.webhooks.ledger import Ledger, check_received, read_ledger
from harness.checks.webhooks.processes import SKILLFORGE, WorkerProcess
from harness.checks.webhooks.receiver import Plan, Receiver
from harness.checks.webhooks.world import DRILL_SETTINGS, World
from harness.stack import run_cli

logger = logging.getLogger(__name__)

# How long the queues get to drain (seconds); far above what they need.
DRAIN_SECONDS = 60.0
# How far past due a pending delivery may be once the queues drained (seconds).
PENDING_BOUND_SECONDS = 10.0
# Lateness allowed on top of the scheduled wait (seconds): dramatiq's polling
# (0.1 s per hop, two hops under DRILL_SETTINGS) and the attempt's own work.
SCHEDULE_SLACK_SECONDS = 1.0


@dataclass
class Findings:
    """What the drill saw: counts, figures and every broken promise."""

    counts: dict[str, int] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    ledger: Ledger | None = None

    def expect(self, holds: bool, problem: str) -> None:
        if not holds:
            self.problems.append(problem)


@dataclass
class Scale:
    """How many events each partner of the drill gets."""

    steady: int = 20
    flaky: int = 5
    down: int = 5
    gone: int = 1
    killed: int = 1
    # Replay the dead letters with the command line (a process start).
    replay: bool = True


def drill_env(
    base: dict[str, str], database_url: str, redis_url: str, **extra: str
) -> dict[str, str]:
    """An app environment for the drill's processes: explicit URLs, drill settings."""
    env = {k: v for k, v in base.items() if k != "SKILLFORGE_SECRETS_DIR"}
    env.update(DRILL_SETTINGS)
    env.update(
        SKILLFORGE_PROFILE="drill",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        # Enough dead letters in a row for the drill's down endpoint never to
        # be disabled: disabling after failures is shown by the tests.
        SKILLFORGE_WEBHOOK_DISABLE_AFTER="100",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _wait(check: Callable[[], bool], seconds: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


def run_drill(
    env: dict[str, str], evidence_dir: Path, scale: Scale | None = None
) -> Findings:
    """Run the whole drill against the database and Redis ``env`` names."""
    scale = scale or Scale()
    evidence_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(env)
    max_attempts = settings.webhooks.max_attempts
    findings = Findings()
    world = World(settings)
    receiver = Receiver().start()
    worker = WorkerProcess(env, evidence_dir / "worker.log").start()
    try:
        steady, flaky, down, gone, killed = (
            world.member(name) for name in ("steady", "flaky", "down", "gone", "killed")
        )
        world.endpoint(steady.partner_id, receiver.plan("/steady", Plan()))
        world.endpoint(
            flaky.partner_id,
            receiver.plan("/flaky", Plan(["500", "close"], per_event=True)),
        )
        down_endpoint, _ = world.endpoint(
            down.partner_id, receiver.plan("/down", Plan(then="500"))
        )
        gone_endpoint, _ = world.endpoint(
            gone.partner_id, receiver.plan("/gone", Plan(then="410"))
        )
        world.endpoint(
            killed.partner_id,
            receiver.plan("/killed", Plan(["hang"], hang_seconds=5.0)),
        )

        events = {
            "steady": world.record(steady.partner_id, scale.steady),
            "flaky": world.record(flaky.partner_id, scale.flaky),
            "down": world.record(down.partner_id, scale.down),
            "gone": world.record(gone.partner_id, scale.gone),
        }
        first = [p.partner_id for p in (steady, flaky, down, gone)]
        drained = _wait(lambda: all(world.settled(p) for p in first), DRAIN_SECONDS)
        findings.expect(drained, f"deliveries still pending after {DRAIN_SECONDS} s")

        _check_schedule(world, flaky.partner_id, max_attempts, findings)
        letters = world.dead_letters(down.partner_id)
        findings.counts["dead_letters"] = len(letters)
        findings.expect(
            len(letters) == scale.down
            and all(letter.attempts == max_attempts for letter in letters),
            f"expected {scale.down} dead letters after {max_attempts} attempts, got "
            f"{[(letter.id, letter.attempts) for letter in letters]}",
        )
        findings.expect(
            len(receiver.requests("/down")) == scale.down * max_attempts,
            f"the failing receiver got {len(receiver.requests('/down'))} requests, "
            f"not {scale.down * max_attempts}",
        )
        findings.expect(
            world.endpoint_row(gone_endpoint).status == "disabled",
            "the endpoint that answered 410 Gone was not disabled",
        )
        findings.expect(
            len(receiver.requests("/gone")) == 1,
            "the endpoint that answered 410 Gone was tried again",
        )

        # SIGKILL the worker while it waits on the hanging receiver; a new
        # worker must deliver what the dead one held, under the same id.
        if scale.killed:
            worker = _kill_mid_delivery(
                world, receiver, worker, killed.partner_id, scale, events, findings
            )

        # Replay every dead letter from the command line, receiver fixed.
        if scale.replay:
            receiver.plan("/down", Plan())
            replay_log = evidence_dir / "replay.log"
            output = run_cli(
                [
                    SKILLFORGE,
                    "webhooks",
                    "replay",
                    "--all",
                    "--endpoint",
                    str(down_endpoint),
                ],
                env,
                replay_log,
                timeout=120,
            )
            findings.figures["replay_output"] = output.strip()
            replayed = _wait(lambda: world.settled(down.partner_id), DRAIN_SECONDS)
            delivered = {
                r.webhook_id for r in receiver.requests("/down") if r.answer == "ok"
            }
            findings.expect(
                replayed and delivered == set(events["down"]),
                f"replay delivered {len(delivered)} of {scale.down} dead letters",
            )

        everyone = [*first, killed.partner_id]
        ledger = read_ledger(
            settings.database_url, PENDING_BOUND_SECONDS, max_attempts, everyone
        )
        findings.ledger = ledger
        findings.problems += ledger.problems
        accepted = set(itertools.chain.from_iterable(events.values()))
        findings.problems += check_received(receiver.received, accepted)
        findings.expect(
            ledger.events == len(accepted),
            f"the ledger holds {ledger.events} events, {len(accepted)} were recorded",
        )
        accepted_requests = [r for r in receiver.received if r.answer == "ok"]
        findings.counts.update(
            events_recorded=len(accepted),
            requests_received=len(receiver.received),
            duplicates_received=len(accepted_requests)
            - len({(r.path, r.webhook_id) for r in accepted_requests}),
        )
    finally:
        worker.stop()
        receiver.stop()
        _write_evidence(world, receiver, evidence_dir, findings)
        world.cleanup()

    return findings


def _kill_mid_delivery(
    world: World,
    receiver: Receiver,
    worker: WorkerProcess,
    partner_id: int,
    scale: Scale,
    events: dict[str, list[str]],
    findings: Findings,
) -> WorkerProcess:
    """SIGKILL the worker mid-request; return the worker started after it."""
    events["killed"] = world.record(partner_id, scale.killed)
    if _wait(lambda: bool(receiver.requests("/killed")), 15.0, 0.05):
        worker.kill()
        findings.counts["workers_killed"] = 1
        worker = WorkerProcess(worker.env, worker.log).start()
    else:
        findings.problems.append("the hanging receiver got no request to kill")

    recovered = _wait(lambda: world.settled(partner_id), DRAIN_SECONDS)
    killed_ids = {r.webhook_id for r in receiver.requests("/killed")}
    findings.expect(
        recovered
        and killed_ids == set(events["killed"])
        and {d.status for d in world.deliveries(partner_id)} == {"delivered"},
        "the delivery cut short by SIGKILL was not delivered under its id",
    )
    return worker


def _check_schedule(
    world: World, partner_id: int, max_attempts: int, findings: Findings
) -> None:
    """Each wait lies within its jittered band and was kept, never cut short."""
    hooks = world.settings.webhooks
    base_ms = hooks.backoff_base * 1000 * hooks.time_scale
    gaps = []
    for delivery in world.deliveries(partner_id):
        attempts = world.attempts(delivery.id)
        findings.expect(
            [a.outcome for a in attempts] == ["failed", "connection", "delivered"],
            f"delivery {delivery.id} went {[a.outcome for a in attempts]}",
        )
        for n, (before, after) in enumerate(itertools.pairwise(attempts), 1):
            low = base_ms * 2 ** (n - 1)
            delay = before.retry_delay_ms or 0
            ended = before.started_at.timestamp() + (before.latency_ms or 0) / 1000
            waited = after.started_at.timestamp() - ended
            gaps.append({"delivery": delivery.id, "n": n, "delay_ms": delay,
                         "waited_ms": round(waited * 1000)})  # fmt: skip
            findings.expect(
                low <= delay <= 2 * low,
                f"delivery {delivery.id}: wait {n} was {delay} ms, outside "
                f"{low:.0f} to {2 * low:.0f} ms",
            )
            findings.expect(
                delay / 1000 - 0.01 <= waited <= delay / 1000 + SCHEDULE_SLACK_SECONDS,
                f"delivery {delivery.id}: attempt {n + 1} came {waited:.3f} s after "
                f"attempt {n}, the schedule said {delay / 1000:.3f} s",
            )
    findings.figures["schedule"] = gaps


def _write_evidence(
    world: World, receiver: Receiver, evidence_dir: Path, findings: Findings
) -> None:
    """The delivery log (every attempt), what the receivers got, the ledger."""
    engine = create_engine(world.settings.database_url, poolclass=pool.NullPool)
    with (
        engine.connect() as connection,
        (evidence_dir / "deliveries.ndjson").open("w") as out,
    ):
        rows = connection.execute(
            text(
                "SELECT e.partner_id, d.endpoint_id, d.id AS delivery_id, e.id AS "
                "event_id, e.event_type, d.status AS delivery_status, a.number, "
                "a.message_id, a.started_at, a.latency_ms, a.status_code, a.outcome, "
                "a.error, a.retry_delay_ms, left(a.response_excerpt, 120) AS excerpt "
                "FROM webhook_attempts a "
                "JOIN webhook_deliveries d ON d.id = a.delivery_id "
                "JOIN webhook_events e ON e.id = d.event_id "
                "WHERE e.partner_id = ANY(:partners) ORDER BY a.id"
            ),
            {"partners": world.partner_ids},
        ).mappings()
        for row in rows:
            out.write(json.dumps(dict(row), default=str) + "\n")
    engine.dispose()

    with (evidence_dir / "received.ndjson").open("w") as out:
        for request in receiver.received:
            out.write(
                json.dumps(
                    {
                        "at": request.at,
                        "path": request.path,
                        "webhook_id": request.webhook_id,
                        "answer": request.answer,
                        "signature_count": len(
                            request.headers.get("webhook-signature", "").split()
                        ),
                    }
                )
                + "\n"
            )
    ledger = findings.ledger.as_dict() if findings.ledger else None
    summary = {
        "ledger": ledger,
        "counts": findings.counts,
        "figures": findings.figures,
        "problems": findings.problems,
        "settings": {k: v for k, v in DRILL_SETTINGS.items()},
    }
    (evidence_dir / "ledger.json").write_text(
        json.dumps(summary, indent=2, default=str)
    )
