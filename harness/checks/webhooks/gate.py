"""Gate: partner webhook delivery with retry and dead letters, nothing lost.

Against the stack's PostgreSQL and Redis it runs the webhook drill (see
``drill``) on a scratch database with a real ``skillforge worker``, then the
webhook integration tests and Gherkin features, which make their own
database on the same server and use Redis database 15. The evidence is the
drill's ledger, its delivery log (every attempt) and what the receivers got,
the worker's log, and the tests' JUnit report.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from harness.checks.webhooks.drill import drill_env, run_drill
from harness.checks.webhooks.processes import SKILLFORGE
from harness.errors import GateFailed
from harness.gates import GateContext, Outcome
from harness.services import create_database, drop_database
from harness.stack import run_cli

# The drill's queue lives in its own Redis database, away from the stack's
# worker (database 0) and the tests (database 15).
DRILL_REDIS_DB = 13
TESTS_TIMEOUT_SECONDS = 900
SUITES = ("tests/integration/test_webhooks_*.py", "features/webhooks")


def _redis_db(url: str, number: int) -> str:
    return make_url(url).set(database=str(number)).render_as_string(hide_password=False)


def _run_tests(context: GateContext, env: dict[str, str]) -> tuple[int, Path, Path]:
    junit = context.evidence_dir / "junit.xml"
    log = context.evidence_dir / "pytest.log"
    paths = sorted(
        str(p.relative_to(context.root))
        for pattern in SUITES
        for p in context.root.glob(pattern)
    )
    argv = [
        sys.executable,
        "-m",
        "pytest",
        *paths,
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
    ]
    with log.open("w") as handle:
        result = subprocess.run(
            argv,
            cwd=context.root,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            timeout=TESTS_TIMEOUT_SECONDS,
            check=False,
        )
    return result.returncode, junit, log


def run(context: GateContext) -> Outcome:
    stack = context.stack
    evidence_dir = context.evidence_dir
    evidence_dir.mkdir(parents=True, exist_ok=True)

    name = f"gate_webhooks_{uuid.uuid4().hex[:8]}"
    database_url = create_database(stack.server_url, name)
    env = drill_env(
        stack.app_env(), database_url, _redis_db(stack.redis_url, DRILL_REDIS_DB)
    )
    try:
        context.progress("  webhooks: migrating the drill database")
        run_cli([SKILLFORGE, "db", "upgrade"], env, evidence_dir / "setup.log")
        context.progress("  webhooks: drill with failing receivers and a SIGKILL")
        findings = run_drill(env, evidence_dir / "drill")
    finally:
        drop_database(stack.server_url, name)

    context.progress("  webhooks: integration tests and features against the stack")
    test_env = {
        k: v for k, v in stack.app_env().items() if k != "SKILLFORGE_SECRETS_DIR"
    }
    test_env.update(DATABASE_URL=stack.server_url, REDIS_URL=stack.redis_url)
    code, junit, log = _run_tests(context, test_env)

    ledger = findings.ledger.as_dict() if findings.ledger else {}
    figures = {"drill": findings.counts, "ledger": ledger, "tests_exit_code": code}
    evidence = [
        *sorted((evidence_dir / "drill").glob("*")),
        junit,
        log,
        context.evidence("gate.json", json.dumps(figures, indent=2)),
    ]
    problems = list(findings.problems)
    if code != 0:
        problems.append(f"the webhook tests failed (exit {code}); see {log.name}")
    if problems:
        raise GateFailed("; ".join(problems[:5]))

    return Outcome(
        f"{ledger.get('events')} events, {ledger.get('deliveries')} deliveries: "
        f"{ledger.get('delivered')} delivered, {ledger.get('dead')} dead-lettered "
        f"(410 Gone), {ledger.get('pending')} pending; retries kept the schedule; "
        f"{findings.counts.get('dead_letters')} dead letters replayed and "
        "delivered; a worker SIGKILLed mid-delivery lost nothing; ledger "
        "balanced; webhook tests and features passed",
        evidence,
        figures,
    )
