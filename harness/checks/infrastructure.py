"""Gate: database, Redis and broker answer, and a worker consumes a probe job.

The app processes of the stack read their settings from the secrets folder
only (no DATABASE_URL or REDIS_URL in their environment), so a ready
``/readyz`` also proves the settings came from the secrets provider.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

import redis
from sqlalchemy import create_engine, pool, text

from harness.errors import GateFailed
from harness.gates import GateContext, Outcome

PROBE_BOUND_SECONDS = 10.0
PROBE_KEY = "skillforge:probe:{nonce}"


def _enqueue_probe(redis_url: str, nonce: str) -> None:
    """Send the ``probe`` actor a message through dramatiq's own broker."""
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=redis_url)
    message: dramatiq.Message[None] = dramatiq.Message(
        queue_name="probe",
        actor_name="probe",
        args=(nonce,),
        kwargs={},
        options={},
    )
    broker.declare_queue("probe")
    broker.enqueue(message)
    broker.close()


def run(context: GateContext) -> Outcome:
    stack = context.stack
    figures: dict[str, object] = {}

    started = time.perf_counter()
    engine = create_engine(stack.database_url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    figures["postgres_ms"] = round((time.perf_counter() - started) * 1000, 1)
    figures["postgres_version"] = version

    started = time.perf_counter()
    client = redis.Redis.from_url(stack.redis_url, socket_timeout=3)
    client.ping()
    figures["redis_ms"] = round((time.perf_counter() - started) * 1000, 1)
    server_info: dict[str, object] = client.info("server")  # type: ignore[assignment]
    figures["redis_version"] = server_info["redis_version"]

    try:
        with urllib.request.urlopen(f"{stack.base_url}/readyz", timeout=5) as response:
            ready = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        ready = json.loads(exc.read() or b"{}")
    figures["readyz"] = ready
    if ready.get("status") != "ready":
        raise GateFailed(f"/readyz says down: {ready.get('down')}")

    nonce = uuid.uuid4().hex
    started = time.perf_counter()
    _enqueue_probe(stack.redis_url, nonce)
    while time.perf_counter() - started < PROBE_BOUND_SECONDS:
        consumed_by: bytes | None = client.get(  # type: ignore[assignment]
            PROBE_KEY.format(nonce=nonce)
        )
        if consumed_by:
            break
        time.sleep(0.05)
    probe_seconds = time.perf_counter() - started
    figures["probe_seconds"] = round(probe_seconds, 3)
    figures["probe_bound_seconds"] = PROBE_BOUND_SECONDS

    evidence = [context.evidence("infrastructure.json", json.dumps(figures, indent=2))]
    if not consumed_by:
        raise GateFailed(
            f"no worker consumed the probe job within {PROBE_BOUND_SECONDS:.0f} s"
        )

    return Outcome(
        f"PostgreSQL {version}, Redis {figures['redis_version']} and the broker "
        f"answer; worker pid {consumed_by.decode()} consumed the probe in "
        f"{probe_seconds * 1000:.0f} ms (bound {PROBE_BOUND_SECONDS:.0f} s)",
        evidence,
        figures,
    )
