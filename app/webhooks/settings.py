"""The webhook settings: timeouts, the retry schedule and the URL allow-list.

They are read from ``SKILLFORGE_WEBHOOK_*`` variables together with the rest
of the settings. Durations are in seconds. ``time_scale`` shrinks the retry
schedule for tests and drills (0.005 turns a 30 s wait into 0.15 s); the
production profile refuses any value but 1.

The default schedule: the first attempt at once, then waits of 30-60 s,
1-2 min, 2-4 min, 4-8 min, 8-16 min, 16-32 min and 32-64 min (each doubles,
plus 0 to 100 % jitter; none over 6 h): eight attempts over 1 to 2 hours,
then the dead-letter store. Five dead letters in a row disable the endpoint.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from app.errors import ConfigError

PREFIX = "SKILLFORGE_WEBHOOK_"

# Profiles in which a receiver may listen on plain http.
HTTP_PROFILES = ("development", "test", "drill")


@dataclass(frozen=True)
class WebhookSettings:
    """How the worker delivers webhooks; every duration is in seconds."""

    connect_timeout: float = 3.0
    # Longest wait for any one read from the receiver's socket.
    read_timeout: float = 10.0
    # Hard limit on a whole attempt: connect, send, and read the answer.
    total_timeout: float = 15.0
    max_attempts: int = 8
    # The wait after the first failed attempt; it doubles after each failure,
    # grows by a random 0 to 100 % (jitter) and never passes backoff_cap.
    backoff_base: float = 30.0
    backoff_cap: float = 6 * 3600.0
    time_scale: float = 1.0
    # Requests in flight to one endpoint at once, across all workers.
    endpoint_concurrency: int = 2
    # Hosts, addresses or networks (CIDR) that may be loopback or private.
    allow_hosts: frozenset[str] = frozenset()
    # Deliveries dead-lettered in a row, with no success between, that
    # disable an endpoint.
    disable_after: int = 5
    sweep_interval: float = 5.0
    # How long past its due time a pending delivery may wait before the sweep
    # assumes its message was lost and enqueues it again.
    sweep_grace: float = 30.0
    allow_http: bool = False

    def scaled(self, seconds: float) -> float:
        """A retry-schedule duration after time compression, in seconds."""
        return seconds * self.time_scale

    @property
    def lease_seconds(self) -> float:
        """How long a claimed delivery stays claimed: twice an attempt, and 1 s."""
        return 2 * self.total_timeout + 1.0


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(PREFIX + name, "").strip()
    if not raw:
        return default

    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not a number") from None
    if value < 0:
        raise ConfigError(f"{PREFIX}{name} must not be negative")

    return value


def _check_allow_list(entries: frozenset[str]) -> None:
    for entry in entries:
        if "/" in entry:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ConfigError(
                    f"{PREFIX}ALLOW_HOSTS: {entry!r} is not a network"
                ) from None


def load_webhook_settings(env: Mapping[str, str], profile: str) -> WebhookSettings:
    """Read the webhook settings; raise ConfigError naming a bad one."""
    allow = frozenset(
        h.strip().lower() for h in env.get(PREFIX + "ALLOW_HOSTS", "").split(",")
    ) - {""}
    _check_allow_list(allow)

    settings = WebhookSettings(
        connect_timeout=_number(env, "CONNECT_TIMEOUT", 3.0),
        read_timeout=_number(env, "READ_TIMEOUT", 10.0),
        total_timeout=_number(env, "TOTAL_TIMEOUT", 15.0),
        max_attempts=int(_number(env, "MAX_ATTEMPTS", 8)),
        backoff_base=_number(env, "BACKOFF_BASE", 30.0),
        backoff_cap=_number(env, "BACKOFF_CAP", 6 * 3600.0),
        time_scale=_number(env, "TIME_SCALE", 1.0),
        endpoint_concurrency=int(_number(env, "ENDPOINT_CONCURRENCY", 2)),
        allow_hosts=allow,
        disable_after=int(_number(env, "DISABLE_AFTER", 5)),
        sweep_interval=_number(env, "SWEEP_INTERVAL", 5.0),
        sweep_grace=_number(env, "SWEEP_GRACE", 30.0),
        allow_http=profile in HTTP_PROFILES,
    )
    if settings.max_attempts < 1 or settings.endpoint_concurrency < 1:
        raise ConfigError(
            f"{PREFIX}MAX_ATTEMPTS and {PREFIX}ENDPOINT_CONCURRENCY must be 1 or more"
        )
    if settings.total_timeout <= 0 or settings.connect_timeout <= 0:
        raise ConfigError(f"{PREFIX}*_TIMEOUT must be more than 0 seconds")
    if profile == "production" and settings.time_scale != 1.0:
        raise ConfigError(f"production refuses {PREFIX}TIME_SCALE other than 1")

    return settings
