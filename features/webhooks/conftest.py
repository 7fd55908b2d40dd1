"""The webhook features' tag, a real worker and the partners' state.

The features run like the integration tests: one ``skillforge worker`` with
the compressed drill settings for the module, loopback receivers, and rows
committed through ``World`` (a worker is another process) and deleted after
each scenario.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.config import Settings, load_settings
from harness.checks.webhooks.processes import WorkerProcess
from harness.checks.webhooks.receiver import Receiver
from harness.checks.webhooks.world import DRILL_SETTINGS, Member, World
from tests.fixtures import Services, env_for


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "webhooks: the partner webhook flows")


@dataclass
class Organisation:
    """A partner in a scenario: its member, endpoint and what happened."""

    member: Member
    path: str = ""
    endpoint_id: int = 0
    secret: str = ""
    old_secret: str = ""
    event_ids: list[str] = field(default_factory=list)
    api_key: str = ""
    last: Any = None


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
    log = tmp_path_factory.mktemp("features-worker") / "worker.log"
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


@pytest.fixture
def mine(world: World) -> Organisation:
    return Organisation(world.member("mine"))


@pytest.fixture
def theirs(world: World) -> Organisation:
    return Organisation(world.member("theirs"))
