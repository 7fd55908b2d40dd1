"""Rate limits through the real flask-limiter and Redis: one budget per
client address over the whole app, the limit headers on the 429, and the
client address behind trusted proxies. Each case runs in a process of its
own: the limiter is one object per process.
"""

from __future__ import annotations

import pytest
import redis

from tests.fixtures import Services, run_probe

pytestmark = pytest.mark.integration


LIMIT_PROBE = """
import json
from app import create_app
from app.config import load_settings
client = create_app(load_settings()).test_client()
paths = ["/api/v1/skills", "/api/v1/assessments", "/api/v1/skills", "/healthz"]
answers = [client.get(path) for path in paths]
print(json.dumps([[r.status_code, dict(r.headers), r.mimetype] for r in answers]))
"""


def test_the_rate_limit_headers_come_with_the_429(
    services: Services, redis_client: redis.Redis
) -> None:
    # In a process of its own: the limiter is one object per process.
    answers = run_probe(services, LIMIT_PROBE, SKILLFORGE_RATE_LIMIT="2 per minute")
    # One budget for the address over every route; the probes are exempt.
    assert [status for status, _, _ in answers] == [200, 401, 429, 200]
    assert not any(h.startswith("X-RateLimit") for h in answers[0][1])
    _, headers, mimetype = answers[2]
    assert mimetype == "application/problem+json"
    assert headers["X-RateLimit-Limit"] == "2"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(headers["Retry-After"]) <= 61


PROXY_PROBE = """
import json
from app import create_app
from app.config import load_settings
client = create_app(load_settings()).test_client()
senders = ["192.0.2.10", "192.0.2.10", "192.0.2.20", "192.0.2.10"]
answers = [
    client.get("/api/v1/skills", headers={"X-Forwarded-For": sender}).status_code
    for sender in senders
]
print(json.dumps(answers))
"""


@pytest.mark.parametrize(
    ("proxies", "expected"), [("1", [200, 200, 200, 429]), ("0", [200, 200, 429, 429])]
)
def test_behind_a_trusted_proxy_each_client_has_its_own_budget(
    services: Services, redis_client: redis.Redis, proxies: str, expected: list[int]
) -> None:
    # Only header values: no traffic goes to those documentation addresses.
    answers = run_probe(
        services,
        PROXY_PROBE,
        SKILLFORGE_RATE_LIMIT="2 per minute",
        SKILLFORGE_TRUSTED_PROXIES=proxies,
    )

    assert answers == expected
