"""The webhook gate catches the faults planted in the worker.

Each fault flag (``SKILLFORGE_FAULTS``, refused in production) breaks one
promise on purpose; the gate's drill, run small, must report that promise
broken. A drill that passed with a fault on would prove nothing. (The same
drill without faults, at full size, is the gate itself.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.webhooks.delivery import FAULT_DROP_DEAD_LETTER, FAULT_SKIP_RETRY
from harness.checks.webhooks.drill import Scale, drill_env, run_drill
from tests.fixtures import Services

pytestmark = pytest.mark.integration

SMALL = Scale(steady=2, flaky=1, down=2, gone=1, killed=0, replay=False)


@pytest.mark.parametrize(
    ("fault", "caught"),
    [
        (FAULT_SKIP_RETRY, "before the last"),
        (FAULT_DROP_DEAD_LETTER, "without exactly one open dead letter"),
    ],
    ids=["retry-skipped", "dead-letter-dropped"],
)
def test_the_drill_reports_a_planted_fault(
    services: Services, tmp_path: Path, fault: str, caught: str
) -> None:
    env = drill_env(
        dict(os.environ),
        services.database_url,
        services.redis_url,
        SKILLFORGE_FAULTS=fault,
    )

    findings = run_drill(env, tmp_path, SMALL)

    assert findings.ledger is not None
    assert not findings.ledger.balanced
    assert any(caught in problem for problem in findings.problems), findings.problems
    assert (tmp_path / "ledger.json").is_file()
