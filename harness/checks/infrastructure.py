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


def _call(
    base_url: str, method: str, path: str, body: object = None, token: str = ""
) -> tuple[int, dict[str, object]]:
    """One JSON request to the stack's web; returns the status and the body."""
    request = urllib.request.Request(
        base_url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    return status, json.loads(raw) if raw else {}


def smoke_journey(base_url: str) -> list[str]:
    """Sign up, read /me, log in, log out through the running web.

    The probes above only prove the servers answer; this proves the app can
    write and read through them. Returns one line per step that went wrong.
    """
    email = f"gate-{uuid.uuid4().hex[:10]}@learners.example"
    password = "gate journey passphrase"
    problems = []

    status, body = _call(
        base_url,
        "POST",
        "/api/v1/auth/signup",
        {
            "email": email,
            "password": password,
            "display_name": "Gate Journey",
            "persona": "student",
            "region": "eu",
        },
    )
    if status != 201:
        return [f"sign-up answered {status}: {body}"]
    token = str(body["token"])

    steps = [
        ("GET", "/api/v1/me", None, token, 200),
        ("POST", "/api/v1/auth/login", {"email": email, "password": password}, "", 200),
        ("POST", "/api/v1/auth/logout", None, token, 204),
        ("GET", "/api/v1/me", None, token, 401),
    ]
    for method, path, payload, bearer, expected in steps:
        status, body = _call(base_url, method, path, payload, bearer)
        if status != expected:
            problems.append(f"{method} {path} answered {status}, not {expected}")
    return problems


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

    journey = smoke_journey(stack.base_url)
    figures["journey_problems"] = journey

    evidence = [context.evidence("infrastructure.json", json.dumps(figures, indent=2))]
    if journey:
        raise GateFailed(
            "the app does not serve a sign-up journey: " + "; ".join(journey)
        )
    if not consumed_by:
        raise GateFailed(
            f"no worker consumed the probe job within {PROBE_BOUND_SECONDS:.0f} s"
        )

    return Outcome(
        f"PostgreSQL {version}, Redis {figures['redis_version']} and the broker "
        f"answer; worker pid {consumed_by.decode()} consumed the probe in "
        f"{probe_seconds * 1000:.0f} ms (bound {PROBE_BOUND_SECONDS:.0f} s); "
        "sign-up, /me, log-in and log-out work through the web",
        evidence,
        figures,
    )
