"""The webhook features' tag, a real worker and the partners' state.

The features run like the integration tests: one ``skillforge worker`` with
the compressed drill settings for the module, loopback receivers, and rows
committed through ``World`` (a worker is another process) and deleted after
each scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.checks.webhooks.world import Member, World


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


@pytest.fixture
def mine(world: World) -> Organisation:
    return Organisation(world.member("mine"))


@pytest.fixture
def theirs(world: World) -> Organisation:
    return Organisation(world.member("theirs"))
