"""Fixtures in layers: services, then the app, then a database session per
test (rolled back afterwards), then a client, then a signed-up learner.

The tests run against real PostgreSQL and Redis: those named by
``DATABASE_URL`` and ``REDIS_URL`` when set (a fresh database is created on
that server), else disposable servers that the harness starts for the session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import create_app
from app.config import Settings, load_settings
from app.db import db
from app.migrate import upgrade
from harness.services import (
    DisposablePostgres,
    DisposableRedis,
    create_database,
    drop_database,
)

TEST_REDIS_DB = 15


@dataclass
class Services:
    database_url: str
    redis_url: str
    server_url: str


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    name = f"skillforge_test_{uuid.uuid4().hex[:8]}"
    started: list[DisposablePostgres | DisposableRedis] = []

    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        postgres = DisposablePostgres(tmp_path_factory.mktemp("postgres"))
        postgres.start()
        started.append(postgres)
        server_url = postgres.url
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        redis_server = DisposableRedis(tmp_path_factory.mktemp("redis"))
        redis_server.start()
        started.append(redis_server)
        redis_url = redis_server.url
    redis_url = redis_url.rsplit("/", 1)[0] + f"/{TEST_REDIS_DB}"

    database_url = create_database(server_url, name)
    upgrade(database_url)
    try:
        yield Services(database_url, redis_url, server_url)
    finally:
        db.engine and db.engine.dispose()
        drop_database(server_url, name)
        for service in reversed(started):
            service.stop()


def env_for(services: Services, **extra: str) -> dict[str, str]:
    env = {
        "SKILLFORGE_PROFILE": "test",
        "DATABASE_URL": services.database_url,
        "REDIS_URL": services.redis_url,
        "SKILLFORGE_RATE_LIMIT": "10000 per minute",
        "SKILLFORGE_RATE_LIMIT_AUTH": "10000 per minute",
        # The tests' webhook receivers listen on loopback.
        "SKILLFORGE_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
    }
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def settings(services: Services) -> Settings:
    return load_settings(env_for(services))


@pytest.fixture(scope="session")
def app(settings: Settings) -> Any:
    return create_app(settings)


@pytest.fixture
def db_session(
    app: Any, services: Services, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Code that runs outside a request reads REDIS_URL from the environment
    (a commit enqueues outbox mail there), so it names the test Redis too.
    """
    monkeypatch.setenv("REDIS_URL", services.redis_url)
    assert db.engine is not None
    connection = db.engine.connect()
    transaction = connection.begin()
    saved = db.session_factory
    db.bind_to(connection)
    session = db.session()
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()
        db.session_factory = saved


@pytest.fixture
def redis_client(services: Services) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(services.redis_url)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def client(app: Any, db_session: Session, redis_client: redis.Redis) -> FlaskClient:
    return app.test_client()


@dataclass
class Account:
    id: int
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_up(client: FlaskClient, **fields: Any) -> Account:
    body = {
        "email": f"learner-{uuid.uuid4().hex[:10]}@learners.example",
        "password": "correct horse battery",
        "display_name": "Ada Learner",
        "persona": "student",
        "region": "eu",
    }
    body.update(fields)
    response = client.post("/api/v1/auth/signup", json=body)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    return Account(data["user"]["id"], body["email"], body["password"], data["token"])


@pytest.fixture
def learner(client: FlaskClient) -> Account:
    return sign_up(client)


def verify_address(session: Session, account: Account) -> None:
    """Mark the account's address verified, as the emailed link would."""
    from app.auth.models import User
    from app.db import utcnow

    user = session.get(User, account.id)
    assert user is not None
    user.email_verified_at = utcnow()
    session.commit()


@pytest.fixture
def verified_learner(client: FlaskClient, db_session: Session) -> Account:
    """A learner who followed the verification link: notification mail goes out."""
    account = sign_up(client)
    verify_address(db_session, account)
    return account


@pytest.fixture
def seeded(db_session: Session) -> Session:
    """The session with the demo data loaded (rolled back like the rest)."""
    from app.seed import seed_database

    seed_database(db_session)
    db_session.commit()
    return db_session


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def run_probe(services: Services, script: str, **settings: str) -> Any:
    """Run ``script`` in a fresh interpreter with the test settings; its last
    line of output, as JSON. For what needs a process of its own (the limiter
    is one object per process; a dead service must not leak into this one).
    """
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **env_for(services, **settings)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def own_database(services: Services) -> Iterator[str]:
    """A migrated database of the test's own, for work that must commit
    (worker processes, concurrent sessions); dropped afterwards."""
    name = f"skillforge_own_{uuid.uuid4().hex[:8]}"
    url = create_database(services.server_url, name)
    try:
        upgrade(url)
        yield url
    finally:
        drop_database(services.server_url, name)


def sign_up_committed(engine: Engine, email: str) -> int:
    """A learner signed up and committed on ``engine`` (an own database);
    the sign-up's verification mail is queued like any other."""
    from app.auth.service import sign_up_learner

    with Session(engine) as session:
        user = sign_up_learner(
            session,
            email=email,
            password="a long passphrase",
            display_name="Committed Learner",
            persona="student",
            region="eu",
        )
        session.commit()
        return user.id
