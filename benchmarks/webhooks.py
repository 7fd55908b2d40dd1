"""Benchmark: webhook deliveries per second, and commit-to-attempt latency.

Run ``.venv/bin/python -m benchmarks.webhooks``. It starts a disposable
PostgreSQL and Redis (or uses the servers of ``DATABASE_URL`` and
``REDIS_URL``, in a database of its own) and one worker process, exactly
``skillforge worker``'s (``dramatiq app.tasks``, 1 process, 4 threads, the
default settings), with a no-op actor loaded beside the app's.

* Throughput: the queue is filled first (``NOOP_MESSAGES`` no-op messages, or
  ``DELIVERIES`` webhook events spread over ``ENDPOINTS`` partners' endpoints
  on a loopback receiver), then the worker starts; the rate is messages over
  the time from the worker's ready line to the last one done. Each is run
  ``ROUNDS`` times, alternating; medians are compared. The bar: deliveries
  at least half the no-op rate.
* Latency: with the worker running, events are committed at ``RATE`` per
  second for ``LATENCY_SECONDS``; the latency of each is from the return of
  its commit to the start of its first attempt. The bar: p99 at most 1 s.

It writes ``benchmarks/results/webhooks.json`` and a Markdown table beside
it. Times are milliseconds unless named; rates are per second.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import create_engine, pool, text

from app.config import load_settings
from app.migrate import upgrade
from app.webhooks.outbox import record_event
from benchmarks.webhooks_noop import COUNTER, QUEUE
from harness.checks.webhooks.processes import WorkerProcess
from harness.checks.webhooks.receiver import Plan, Receiver
from harness.checks.webhooks.world import World
from harness.services import (
    DisposablePostgres,
    DisposableRedis,
    create_database,
    drop_database,
)

NOOP_MESSAGES = 5_000
DELIVERIES = 2_000
ENDPOINTS = 8
ROUNDS = 3
RATE = 100
LATENCY_SECONDS = 20
THREADS = 4
DRAIN_SECONDS = 180.0
RESULTS = Path(__file__).parent / "results"


class Bench:
    """The servers, the worker's environment and the partners' endpoints."""

    def __init__(self, database_url: str, redis_url: str, workdir: Path) -> None:
        self.env = dict(
            os.environ,
            SKILLFORGE_PROFILE="test",
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            SKILLFORGE_WEBHOOK_ALLOW_HOSTS="127.0.0.1",
            PYTHONUNBUFFERED="1",
        )
        self.env.pop("SKILLFORGE_SECRETS_DIR", None)
        self.workdir = workdir
        self.redis = redis.Redis.from_url(redis_url)
        self.world = World(load_settings(self.env))
        self.receiver = Receiver().start()
        self.partners: list[int] = []
        for number in range(ENDPOINTS):
            member = self.world.member(f"bench{number}")
            self.world.endpoint(
                member.partner_id, self.receiver.plan(f"/p{number}", Plan())
            )
            self.partners.append(member.partner_id)

    def worker(self) -> WorkerProcess:
        """The worker, as ``skillforge worker`` runs it, with the no-op actor."""
        argv = [
            sys.executable,
            "-m",
            "dramatiq",
            "app.tasks",
            "benchmarks.webhooks_noop",
            "--processes",
            "1",
            "--threads",
            str(THREADS),
        ]
        return WorkerProcess(self.env, self.workdir / "worker.log", 1, THREADS, argv)

    def close(self) -> None:
        self.receiver.stop()
        self.world.cleanup()


def _wait(check: Any, seconds: float, interval: float = 0.005) -> float:
    """Poll until ``check()`` holds; return when it did (perf_counter)."""
    deadline = time.perf_counter() + seconds
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the benchmark did not drain in time")
        time.sleep(interval)
    return time.perf_counter()


def noop_rate(bench: Bench) -> float:
    """No-op messages per second through one worker process."""
    bench.redis.delete(COUNTER)
    broker = RedisBroker(url=bench.env["REDIS_URL"])
    broker.declare_queue(QUEUE)
    for _ in range(NOOP_MESSAGES):
        broker.enqueue(
            dramatiq.Message(
                queue_name=QUEUE, actor_name="noop", args=(), kwargs={}, options={}
            )
        )
    broker.close()

    worker = bench.worker().start()
    try:
        began = time.perf_counter()
        ended = _wait(
            lambda: int(bench.redis.get(COUNTER) or 0) >= NOOP_MESSAGES, DRAIN_SECONDS
        )
    finally:
        worker.stop()
    return NOOP_MESSAGES / (ended - began)


def delivery_rate(bench: Bench) -> float:
    """Webhook deliveries per second through one worker process."""
    before = len(bench.receiver.received)
    per_partner = DELIVERIES // ENDPOINTS
    with bench.world.session() as session:
        for number in range(per_partner):
            for partner_id in bench.partners:
                record_event(session, partner_id, "match.created", {"n": number})
            session.commit()
    total = per_partner * ENDPOINTS

    worker = bench.worker().start()
    try:
        began = time.perf_counter()
        ended = _wait(
            lambda: len(bench.receiver.received) - before >= total, DRAIN_SECONDS
        )
    finally:
        worker.stop()
    return total / (ended - began)


def latency(bench: Bench) -> dict[str, Any]:
    """Commit-to-first-attempt latency at ``RATE`` events per second."""
    committed: dict[str, float] = {}
    worker = bench.worker().start()
    try:
        began = time.time()
        with bench.world.session() as session:
            for number in range(RATE * LATENCY_SECONDS):
                due = began + number / RATE
                time.sleep(max(0.0, due - time.time()))
                partner_id = bench.partners[number % ENDPOINTS]
                event_id = record_event(session, partner_id, "match.created", {})
                session.commit()
                committed[event_id] = time.time()
        produced = time.time() - began
        _wait(lambda: _first_attempts(bench, committed) is not None, DRAIN_SECONDS, 0.2)
        firsts = _first_attempts(bench, committed) or {}
    finally:
        worker.stop()

    waits = sorted((firsts[e] - committed[e]) * 1000 for e in committed)
    return {
        "events": len(committed),
        "achieved_rate": round(len(committed) / produced, 1),
        "p50_ms": round(statistics.median(waits), 1),
        "p95_ms": round(waits[int(len(waits) * 0.95) - 1], 1),
        "p99_ms": round(waits[int(len(waits) * 0.99) - 1], 1),
        "max_ms": round(waits[-1], 1),
    }


def _first_attempts(bench: Bench, events: dict[str, float]) -> dict[str, float] | None:
    """When each event's first attempt started (epoch seconds), once all have."""
    engine = create_engine(bench.world.settings.database_url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT d.event_id, min(a.started_at) FROM webhook_attempts a "
                "JOIN webhook_deliveries d ON d.id = a.delivery_id "
                "WHERE d.event_id = ANY(:ids) GROUP BY d.event_id"
            ),
            {"ids": list(events)},
        ).all()
    engine.dispose()
    if len(rows) < len(events):
        return None
    return {event_id: started.timestamp() for event_id, started in rows}


def run(database_url: str, redis_url: str, workdir: Path) -> dict[str, Any]:
    bench = Bench(database_url, redis_url, workdir)
    try:
        noop, deliveries = [], []
        for round_number in range(1, ROUNDS + 1):
            noop.append(noop_rate(bench))
            deliveries.append(delivery_rate(bench))
            print(
                f"  round {round_number}: no-op {noop[-1]:.0f}/s, "
                f"deliveries {deliveries[-1]:.0f}/s"
            )
        timing = latency(bench)
        print(f"  latency at {RATE}/s: p99 {timing['p99_ms']} ms")
    finally:
        bench.close()

    noop_median = statistics.median(noop)
    delivery_median = statistics.median(deliveries)
    ratio = delivery_median / noop_median
    return {
        "worker": f"dramatiq app.tasks, 1 process, {THREADS} threads, defaults",
        "endpoints": ENDPOINTS,
        "noop_messages": NOOP_MESSAGES,
        "deliveries": DELIVERIES,
        "noop_per_second": [round(r, 1) for r in noop],
        "deliveries_per_second": [round(r, 1) for r in deliveries],
        "noop_median_per_second": round(noop_median, 1),
        "deliveries_median_per_second": round(delivery_median, 1),
        "ratio": round(ratio, 3),
        "ratio_bar": 0.5,
        "ratio_met": ratio >= 0.5,
        "latency": timing,
        "latency_p99_bar_ms": 1000,
        "latency_met": timing["p99_ms"] <= 1000,
    }


def markdown(results: dict[str, Any]) -> str:
    timing = results["latency"]
    rounds = ", ".join(
        f"{n:.0f}/{d:.0f}"
        for n, d in zip(
            results["noop_per_second"], results["deliveries_per_second"], strict=True
        )
    )
    lines = [
        "# Webhook delivery benchmark",
        "",
        f"One worker process ({results['worker']}); {results['deliveries']:,} "
        f"deliveries to {results['endpoints']} endpoints on a loopback receiver, "
        f"{results['noop_messages']:,} no-op messages. Recorded "
        f"{results['recorded_at']} on {results['machine']}.",
        "",
        "| measure | median | bar | met |",
        "| --- | ---: | ---: | --- |",
        f"| dramatiq no-op messages per second | "
        f"{results['noop_median_per_second']:,} | | |",
        f"| webhook deliveries per second | "
        f"{results['deliveries_median_per_second']:,} | | |",
        f"| deliveries / no-op | {results['ratio']} | at least 0.5 | "
        f"{'yes' if results['ratio_met'] else 'NO'} |",
        f"| commit to first attempt at {timing['achieved_rate']} events/s, p99 ms | "
        f"{timing['p99_ms']} | at most 1000 | "
        f"{'yes' if results['latency_met'] else 'NO'} |",
        "",
        f"Rounds (no-op/deliveries per second): {rounds}. Latency of "
        f"{timing['events']:,} events: p50 {timing['p50_ms']} ms, p95 "
        f"{timing['p95_ms']} ms, p99 {timing['p99_ms']} ms, max "
        f"{timing['max_ms']} ms.",
        "",
        "Reproduce: `.venv/bin/python -m benchmarks.webhooks`.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    started: list[DisposablePostgres | DisposableRedis] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        postgres = DisposablePostgres(workdir / "postgres")
        postgres.start()
        started.append(postgres)
        server_url = postgres.url
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        # A database of its own on a shared server, away from anyone's queues.
        redis_url = redis_url.rsplit("/", 1)[0] + "/11"
    else:
        redis_server = DisposableRedis(workdir / "redis")
        redis_server.start()
        started.append(redis_server)
        redis_url = redis_server.url

    name = f"bench_webhooks_{uuid.uuid4().hex[:8]}"
    try:
        database_url = create_database(server_url, name)
        upgrade(database_url)
        results = run(database_url, redis_url, workdir)
    finally:
        drop_database(server_url, name)
        for service in reversed(started):
            service.stop()

    results["recorded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "webhooks.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "webhooks.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
