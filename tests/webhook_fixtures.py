"""Fixtures of the webhook tests and features: a drill worker, receivers, a world.

Registered in the root conftest, so tests/integration and features/webhooks
share one definition; the module-scoped worker starts only where asked for.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from app.config import Settings, load_settings
from harness.checks.webhooks.processes import WorkerProcess
from harness.checks.webhooks.receiver import Receiver
from harness.checks.webhooks.world import DRILL_SETTINGS, World
from tests.fixtures import Services, env_for


@pytest.fixture(scope="module")
def drill_env(services: Services) -> dict[str, str]:
    return dict(os.environ, **env_for(services, **DRILL_SETTINGS))


@pytest.fixture(scope="module")
def drill_settings(drill_env: dict[str, str]) -> Settings:
    return load_settings(drill_env)


@pytest.fixture(scope="module")
def worker(
    drill_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with WorkerProcess(drill_env, log) as process:
        yield process


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


@pytest.fixture
def world(drill_settings: Settings, worker: WorkerProcess) -> Iterator[World]:
    made = World(drill_settings)
    try:
        yield made
    finally:
        made.cleanup()
