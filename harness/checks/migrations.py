"""Gate: migrations go up from empty, seed, go down to base and up again.

It runs the real ``skillforge db`` commands against a scratch database on the
stack's PostgreSQL server, and records the tables and row counts after every
step. The models and the migrations must agree (no autogenerate drift).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, pool, text

from harness.errors import GateFailed
from harness.gates import GateContext, Outcome
from harness.services import create_database, drop_database
from harness.stack import run_cli

SKILLFORGE = str(Path(sys.executable).parent / "skillforge")


def _tables(url: str) -> list[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        names = connection.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY table_name"
            )
        ).scalars()
        found = list(names)
    engine.dispose()
    return found


def _seed_counts(output: str) -> dict[str, int]:
    counts = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


def run(context: GateContext) -> Outcome:
    stack = context.stack
    name = f"gate_migrations_{uuid.uuid4().hex[:8]}"
    url = create_database(stack.server_url, name)
    env = stack.app_env()
    env.pop("SKILLFORGE_SECRETS_DIR")
    env["DATABASE_URL"] = url
    env["REDIS_URL"] = stack.redis_url
    log = context.evidence_dir / "migrations.log"
    context.evidence_dir.mkdir(parents=True, exist_ok=True)
    steps: dict[str, object] = {}

    try:
        steps["empty"] = _tables(url)
        run_cli([SKILLFORGE, "db", "upgrade"], env, log)
        steps["after_upgrade"] = _tables(url)
        first = _seed_counts(run_cli([SKILLFORGE, "db", "seed"], env, log))
        steps["seed_counts"] = first

        run_cli([SKILLFORGE, "db", "downgrade", "--revision", "base"], env, log)
        left = [t for t in _tables(url) if t != "alembic_version"]
        steps["after_downgrade"] = left

        run_cli([SKILLFORGE, "db", "upgrade"], env, log)
        second = _seed_counts(run_cli([SKILLFORGE, "db", "seed"], env, log))
        steps["seed_counts_again"] = second
        drift = run_cli([SKILLFORGE, "db", "check"], env, log)
        steps["drift"] = drift.strip()
    finally:
        drop_database(stack.server_url, name)

    evidence = [log, context.evidence("steps.json", json.dumps(steps, indent=2))]
    if steps["empty"]:
        raise GateFailed(f"the scratch database was not empty: {steps['empty']}")
    if left:
        raise GateFailed(f"downgrade to base left tables behind: {left}")
    if not first or first != second:
        raise GateFailed(f"the seed is not repeatable: {first} then {second}")
    too_few = {k: v for k, v in first.items() if v == 0}
    if too_few:
        raise GateFailed(f"the seed left tables empty: {sorted(too_few)}")

    return Outcome(
        f"upgrade from empty to {len(steps['after_upgrade'])} tables, seed "  # type: ignore[arg-type]
        f"({first['users']} users, {first['skills']} skills), downgrade to base, "
        "upgrade and seed again with identical counts; models and migrations agree",
        evidence,
        {"seed_counts": first},
    )
