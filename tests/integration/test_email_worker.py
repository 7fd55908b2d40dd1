"""End to end: a committed sign-up's mail goes through Redis to a real dramatiq
worker process, which sends it to a real SMTP server.

The worker reads committed rows, so this test uses a database of its own on
the test server (created, migrated and dropped here) instead of the rolled
back session the other tests share.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, pool, select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.notifications.email import STALE_AFTER
from app.notifications.models import EmailOutbox
from tests.fixtures import Services, sign_up_committed
from tests.mailbox import Inbox, running_inbox, token_in

pytestmark = pytest.mark.integration

WORKER_START_SECONDS = 30.0
STOP_SECONDS = 10.0


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "dramatiq", "app.tasks"]
    argv += ["--processes", "1", "--threads", "1"]
    with log.open("wb") as out:
        return subprocess.Popen(
            argv,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=Path(__file__).resolve().parents[2],
        )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=STOP_SECONDS)


def worker_env(
    services: Services, database_url: str, inbox: Inbox, **extra: str
) -> dict[str, str]:
    """Settings of a worker on this database that mails the test's inbox."""
    return {
        "SKILLFORGE_PROFILE": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": services.redis_url,
        "SKILLFORGE_SMTP_HOST": inbox.host,
        "SKILLFORGE_SMTP_PORT": str(inbox.port),
        **extra,
    }


def test_a_worker_process_delivers_the_signup_mail_over_smtp(
    services: Services,
    own_database: str,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    with running_inbox() as inbox:
        env = worker_env(services, own_database, inbox)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        worker = start_worker({**os.environ, **env}, tmp_path / "worker.log")
        engine = create_engine(own_database, poolclass=pool.NullPool)
        try:
            user_id = sign_up_committed(engine, "worker.test@learners.example")

            mails = inbox.wait_for(
                "worker.test@learners.example", timeout=WORKER_START_SECONDS
            )
            # The worker marks the row sent just after the SMTP server took
            # the mail; stopping it in between would leave the row pending.
            deadline = time.monotonic() + 10
            while True:
                with Session(engine) as session:
                    row = session.scalars(
                        select(EmailOutbox).where(EmailOutbox.user_id == user_id)
                    ).one()
                if row.status != "pending" or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
        finally:
            stop_worker(worker)
        engine.dispose()

    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert len(mails) == 1, log[-3000:]
    assert token_in(mails[0])
    assert (row.status, row.attempts, row.secret) == ("sent", 1, None)


def test_the_worker_sends_a_mail_whose_message_was_lost(
    services: Services,
    own_database: str,
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    # A row committed while its message never reached Redis (Redis away at
    # commit, or flushed): only the worker's sweep can send it.
    engine = create_engine(own_database, poolclass=pool.NullPool)
    user_id = sign_up_committed(engine, "lost.mail@learners.example")
    with Session(engine) as session:
        session.execute(
            update(EmailOutbox)
            .where(EmailOutbox.user_id == user_id)
            .values(created_at=utcnow() - STALE_AFTER - timedelta(seconds=1))
        )
        session.commit()
    redis_client.flushdb()

    with running_inbox() as inbox:
        env = worker_env(
            services, own_database, inbox, SKILLFORGE_WEBHOOK_SWEEP_INTERVAL="0.5"
        )
        worker = start_worker({**os.environ, **env}, tmp_path / "worker.log")
        try:
            mails = inbox.wait_for(
                "lost.mail@learners.example", timeout=WORKER_START_SECONDS
            )
        finally:
            stop_worker(worker)
    engine.dispose()

    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert len(mails) == 1, log[-3000:]
