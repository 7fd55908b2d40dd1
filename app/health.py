"""Liveness and readiness probes."""

from __future__ import annotations

import time
from typing import Any

import redis
from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import text

from app.db import db
from app.errors import problem_response
from app.limiter import limiter
from app.schemas import HealthOut, ReadyOut

bp = APIBlueprint("health", __name__, tag="health")


@bp.get("/healthz")
@bp.output(HealthOut)
@bp.doc(summary="The process is alive")
@limiter.exempt
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _check_database() -> None:
    assert db.engine is not None
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _check_redis() -> None:
    client = redis.Redis.from_url(
        current_app.config["SKILLFORGE"].redis_url, socket_timeout=2
    )
    client.ping()


def _check_broker() -> None:
    from app.broker import configure_broker

    broker = configure_broker(current_app.config["SKILLFORGE"].redis_url)
    broker.client.ping()


@bp.get("/readyz")
@bp.output(ReadyOut)
@bp.doc(
    summary="Database, Redis and broker answer",
    responses={
        200: "Everything answers",
        503: "A problem whose `down` lists what does not answer, with `checks`",
    },
)
@limiter.exempt
def readyz() -> Any:
    checks: dict[str, str] = {}
    for name, check in (
        ("database", _check_database),
        ("redis", _check_redis),
        ("broker", _check_broker),
    ):
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            checks[name] = f"down: {type(exc).__name__}"
        else:
            checks[name] = f"ok ({(time.perf_counter() - started) * 1000:.1f} ms)"

    down = [name for name, state in checks.items() if not state.startswith("ok")]
    if down:
        # Like every error, a 503 is problem+json; it names what is down.
        return problem_response(
            503,
            "not-ready",
            "Not ready",
            f"Not answering: {', '.join(down)}.",
            down=down,
            checks=checks,
        )
    return {"status": "ready", "down": down, "checks": checks}
