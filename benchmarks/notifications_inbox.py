"""Benchmark: the notification inbox queries and ``notify`` at volume.

Run ``.venv/bin/python -m benchmarks.notifications_inbox``. It starts a
disposable PostgreSQL and Redis (or uses the servers of ``DATABASE_URL`` and
``REDIS_URL``, in a database of its own), loads ``USERS`` users with
``PER_USER`` notifications each plus one heavy user with ``HEAVY_USER``, and
times the inbox queries of that heavy user, with the partial unread index and
then without it. It writes ``benchmarks/results/notifications_inbox.json``
and a Markdown table beside it. Times are milliseconds unless named.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, pool, text
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.migrate import upgrade
from app.notifications import service
from app.notifications.models import Notification
from harness.services import (
    DisposablePostgres,
    DisposableRedis,
    create_database,
    drop_database,
)

SEED = 20261204
USERS = 300
PER_USER = 100
HEAVY_USER = 5_000
QUERY_RUNS = 200
WRITE_RUNS = 30
NOTIFY_CALLS = 2_000
RESULTS = Path(__file__).parent / "results"


def timed(runs: int, action: Callable[[], Any]) -> dict[str, float]:
    """Median and 95th percentile of ``runs`` calls, in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)

    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3),
        "runs": runs,
    }


def load(session: Session) -> int:
    """Insert the users and their notifications; return the heavy user's id."""
    rng = random.Random(SEED)
    now = utcnow()
    users = [
        {
            "email": f"bench-{n}@learners.example",
            "email_key": f"bench-{n}@learners.example",
            "password_hash": "not-a-hash",
            "display_name": f"Bench {n}",
            "role": "learner",
            "session_version": 1,
            "created_at": now,
        }
        for n in range(USERS + 1)
    ]
    ids = session.scalars(insert(User).returning(User.id), users).all()
    heavy = ids[0]

    rows = []
    for user_id in ids:
        count = HEAVY_USER if user_id == heavy else PER_USER
        for n in range(count):
            rows.append(
                {
                    "user_id": user_id,
                    "kind": rng.choice(service.KINDS),
                    "title": f"Notification {n}",
                    "body": "Something happened that you should know about.",
                    "data": {"n": n},
                    "in_app": rng.random() > 0.05,
                    "created_at": now - timedelta(minutes=count - n),
                    "read_at": now if rng.random() < 0.5 else None,
                }
            )
    for start in range(0, len(rows), 5_000):
        session.execute(insert(Notification), rows[start : start + 5_000])
    session.commit()
    session.execute(text("ANALYZE notifications"))
    session.commit()
    return heavy


def inbox_timings(session: Session, heavy: int) -> dict[str, dict[str, float]]:
    deep_page = HEAVY_USER // 20 // 2

    def mark_all_then_undo() -> None:
        service.mark_all_read(session, heavy)
        session.rollback()

    return {
        "unread_count": timed(QUERY_RUNS, lambda: service.unread_count(session, heavy)),
        "page_1": timed(
            QUERY_RUNS,
            lambda: service.notifications_page(session, heavy, 1, 20, False),
        ),
        f"page_{deep_page}": timed(
            QUERY_RUNS,
            lambda: service.notifications_page(session, heavy, deep_page, 20, False),
        ),
        "unread_page_1": timed(
            QUERY_RUNS,
            lambda: service.notifications_page(session, heavy, 1, 20, True),
        ),
        "mark_all_read": timed(WRITE_RUNS, mark_all_then_undo),
    }


def notify_timings(session: Session, heavy: int) -> dict[str, Any]:
    """Per-call cost of ``notify`` (flush included), with and without email."""
    service.set_preferences(
        session,
        heavy,
        {
            "new_match": {"in_app": True, "email": True},
            "assessment_completed": {"in_app": True, "email": False},
        },
    )
    session.commit()

    figures: dict[str, Any] = {}
    for kind, label in (
        ("assessment_completed", "notify_in_app_only"),
        ("new_match", "notify_with_email"),
    ):
        figures[label] = timed(
            NOTIFY_CALLS // 2,
            lambda kind=kind: service.notify(session, heavy, kind, "Title", "Body"),
        )
        started = time.perf_counter()
        session.commit()
        figures[f"{label}_commit_ms"] = round((time.perf_counter() - started) * 1000, 1)

    return figures


def run(database_url: str) -> dict[str, Any]:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with Session(engine) as session:
        heavy = load(session)
        with_index = inbox_timings(session, heavy)

        session.execute(text("DROP INDEX ix_notifications_unread"))
        session.commit()
        without_index = inbox_timings(session, heavy)
        session.execute(
            text(
                "CREATE INDEX ix_notifications_unread ON notifications (user_id) "
                "WHERE read_at IS NULL AND in_app"
            )
        )
        session.commit()

        writes = notify_timings(session, heavy)
    engine.dispose()

    ratios = {
        name: round(without_index[name]["median_ms"] / with_index[name]["median_ms"], 2)
        for name in with_index
    }
    return {
        "rows": {
            "users": USERS + 1,
            "notifications": USERS * PER_USER + HEAVY_USER,
            "heavy_user": HEAVY_USER,
        },
        "with_unread_index": with_index,
        "without_unread_index": without_index,
        "median_ratio_without_to_with": ratios,
        "notify": writes,
    }


def markdown(results: dict[str, Any]) -> str:
    rows = results["rows"]
    lines = [
        "# Notification inbox benchmark",
        "",
        f"{rows['notifications']:,} notifications of {rows['users']} users; "
        f"the timed user has {rows['heavy_user']:,}. Recorded "
        f"{results['recorded_at']} on {results['machine']} against "
        f"{results['postgres']}.",
        "",
        "| query (heavy user) | median ms | p95 ms | median without unread "
        "index | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    ratios = results["median_ratio_without_to_with"]
    for name, figures in results["with_unread_index"].items():
        without = results["without_unread_index"][name]
        lines.append(
            f"| {name} | {figures['median_ms']} | {figures['p95_ms']} | "
            f"{without['median_ms']} | {ratios[name]} |"
        )

    notify = results["notify"]
    lines += [
        "",
        "| notify (per call, flush included) | median ms | p95 ms "
        "| commit of all, ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label in ("notify_in_app_only", "notify_with_email"):
        lines.append(
            f"| {label} | {notify[label]['median_ms']} | {notify[label]['p95_ms']} | "
            f"{notify[label + '_commit_ms']} |"
        )
    lines += [
        "",
        "Reproduce: `.venv/bin/python -m benchmarks.notifications_inbox`.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    started: list[DisposablePostgres | DisposableRedis] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        postgres = DisposablePostgres(workdir / "postgres")
        postgres.start()
        started.append(postgres)
        server_url = postgres.url
    if not os.environ.get("REDIS_URL"):
        redis_server = DisposableRedis(workdir / "redis")
        redis_server.start()
        started.append(redis_server)
        # Commits enqueue the queued emails on this Redis.
        os.environ["REDIS_URL"] = redis_server.url

    name = f"bench_notifications_{uuid.uuid4().hex[:8]}"
    try:
        url = create_database(server_url, name)
        upgrade(url)
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()

        results = run(url)
        results["recorded_at"] = utcnow().isoformat(timespec="seconds")
        results["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
        results["postgres"] = f"PostgreSQL {version} " + (
            "(disposable, fsync off)" if started else "(DATABASE_URL)"
        )
    finally:
        drop_database(server_url, name)
        for server in reversed(started):
            server.stop()

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "notifications_inbox.json").write_text(
        json.dumps(results, indent=2) + "\n"
    )
    (RESULTS / "notifications_inbox.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
