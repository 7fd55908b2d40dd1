"""Gate: migrations go up from empty, seed, go down to base and up again.

It runs the real ``skillforge db`` commands against a scratch database on the
stack's PostgreSQL server, and records the tables and row counts after every
step. The models and the migrations must agree (no autogenerate drift).
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, pool, text

from harness.errors import GateFailed, ServiceUnavailable
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


# What the seed must at least hold (the readiness item's data bar).
MINIMUMS = {"skills": 300, "learner_profiles": 200, "partners": 10}

# Seeded content without ids and timestamps, which differ between runs.
FINGERPRINT_QUERIES = (
    "SELECT email_key, display_name, role FROM users",
    "SELECT c.slug, s.slug, s.name FROM skills s JOIN skill_categories c"
    " ON c.id = s.category_id",
    "SELECT u.email_key, p.persona, p.region, p.headline, p.goals"
    " FROM learner_profiles p JOIN users u ON u.id = p.user_id",
    "SELECT u.email_key, s.slug, ls.self_level FROM learner_skills ls"
    " JOIN users u ON u.id = ls.user_id JOIN skills s ON s.id = ls.skill_id",
    "SELECT slug, name, regions::text FROM partners",
    "SELECT p.slug, o.title, o.kind, o.region FROM opportunities o"
    " JOIN partners p ON p.id = o.partner_id",
)


def fingerprint(url: str) -> str:
    """A digest of the seeded content, the same whenever the seed is."""
    digest = hashlib.sha256()
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        for query in FINGERPRINT_QUERIES:
            rows = sorted(repr(tuple(r)) for r in connection.execute(text(query)))
            digest.update("\n".join(rows).encode())
    engine.dispose()
    return digest.hexdigest()


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
        steps["fingerprint"] = fingerprint(url)

        run_cli([SKILLFORGE, "db", "downgrade", "--revision", "base"], env, log)
        left = [t for t in _tables(url) if t != "alembic_version"]
        steps["after_downgrade"] = left

        run_cli([SKILLFORGE, "db", "upgrade"], env, log)
        second = _seed_counts(run_cli([SKILLFORGE, "db", "seed"], env, log))
        steps["seed_counts_again"] = second
        steps["fingerprint_again"] = fingerprint(url)
        drift = run_cli([SKILLFORGE, "db", "check"], env, log)
        steps["drift"] = drift.strip()
    except ServiceUnavailable as exc:
        context.evidence("steps.json", json.dumps(steps, indent=2))
        raise GateFailed(f"a migration step failed: {exc}") from exc
    finally:
        drop_database(stack.server_url, name)

    evidence = [log, context.evidence("steps.json", json.dumps(steps, indent=2))]
    if steps["empty"]:
        raise GateFailed(f"the scratch database was not empty: {steps['empty']}")
    if left:
        raise GateFailed(f"downgrade to base left tables behind: {left}")
    if not first or first != second:
        raise GateFailed(f"the seed is not repeatable: {first} then {second}")
    if steps["fingerprint"] != steps["fingerprint_again"]:
        raise GateFailed("the seed's content differs between two runs")
    short = {k: first.get(k, 0) for k, n in MINIMUMS.items() if first.get(k, 0) < n}
    if short:
        raise GateFailed(f"the seed holds less than required: {short} vs {MINIMUMS}")
    too_few = {k: v for k, v in first.items() if v == 0}
    if too_few:
        raise GateFailed(f"the seed left tables empty: {sorted(too_few)}")

    return Outcome(
        f"upgrade from empty to {len(steps['after_upgrade'])} tables, seed "  # type: ignore[arg-type]
        f"({first['users']} users, {first['skills']} skills), downgrade to base, "
        "upgrade and seed again with identical content; models and migrations "
        "agree",
        evidence,
        {"seed_counts": first},
    )
