"""Failed log-ins: a growing delay, then a temporary lock, counted in Redis.

The rule, per account (the email as typed, folded to lower case, whether or
not an account uses it, so the answer never tells which addresses exist):

- the first ``FREE_FAILURES`` failures cost nothing;
- each further failure makes the next attempt wait ``BASE_DELAY_SECONDS``
  doubled per failure (2 s, 4 s, ...), answered with 429 and Retry-After;
- failure number ``max_failures`` (5 by default) locks the account for
  ``lock_seconds`` (15 minutes by default). During a delay or a lock even the
  right password is refused, without being checked;
- failures are forgotten ``lock_seconds`` after the last one, when the lock
  ends, or at the first successful log-in.

Per client address the same count runs with a higher threshold
(``ip_max_failures``, no delays; 0 turns it off), which stops one client from
trying one password on many accounts. The address is the request's remote
address: behind a reverse proxy, configure werkzeug's ProxyFix, or every
client shares the proxy's address and one attacker locks everyone out.

Keys hold SHA-256 digests, never an email or an address. When Redis does not
answer, log-ins are let through (argon2 and the route's rate limit still
bound guessing) and a warning is logged: locking every user out because
Redis is down would be the worse failure.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import redis
from flask import Flask, current_app, has_app_context, has_request_context, request
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.errors import TooManyRequests, Unauthorized

logger = logging.getLogger(__name__)

FREE_FAILURES = 2
BASE_DELAY_SECONDS = 2.0
KEY = "skillforge:login-failures:{scope}:{digest}"
EXTENSION = "skillforge_login_throttle"
REDIS_TIMEOUT_SECONDS = 0.5


class LoginThrottled(TooManyRequests, Unauthorized):
    """Log-ins for this account or client are paused after failed attempts.

    A kind of Unauthorized, so the log-in page shows it like a wrong password;
    the JSON API answers 429 with Retry-After.
    """

    slug = "login-throttled"
    title = "Too many failed log-ins"


class LoginLocked(LoginThrottled):
    """The account is locked for a while after too many failed log-ins."""

    slug = "login-locked"
    title = "Log-ins are locked for a while"


@dataclass
class LoginThrottle:
    """Counts failed log-ins per account and per client address in Redis."""

    client: redis.Redis
    max_failures: int = 5
    lock_seconds: int = 900
    ip_max_failures: int = 50
    # Seconds since the epoch; tests move it forward instead of sleeping.
    clock: Callable[[], float] = field(default=time.time)

    def check(self, email_key: str, client_ip: str | None) -> None:
        """Raise LoginThrottled while a delay or a lock is running."""
        for scope, value in self._scopes(email_key, client_ip):
            state = self._read(self._key(scope, value))
            if state is None:
                continue

            blocked_until, locked = state
            wait = math.ceil(blocked_until - self.clock())
            if wait <= 0:
                continue
            if locked:
                minutes = math.ceil(wait / 60)
                raise LoginLocked(
                    "Log-ins are locked after too many failed attempts. "
                    f"Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
                    retry_after=wait,
                )
            raise LoginThrottled(
                f"Too many failed log-ins. Try again in {wait} seconds.",
                retry_after=wait,
            )

    def record_failure(self, email_key: str, client_ip: str | None) -> None:
        """Count one failure and start the delay or lock it has earned."""
        for scope, value in self._scopes(email_key, client_ip):
            key = self._key(scope, value)
            limit = self.max_failures if scope == "account" else self.ip_max_failures
            try:
                self._count(key, limit, delays=scope == "account")
            except redis.RedisError:
                logger.warning("Could not count a failed log-in.", exc_info=True)

    def reset(self, email_key: str) -> None:
        """Forget the account's failures, after a log-in or a password reset."""
        try:
            self.client.delete(self._key("account", email_key))
        except redis.RedisError:
            logger.warning("Could not reset failed log-ins.", exc_info=True)

    def _count(self, key: str, limit: int, delays: bool) -> None:
        now = self.clock()
        failures = cast(int, self.client.hincrby(key, "failures", 1))
        blocked_until, locked = 0.0, False
        if failures >= limit:
            blocked_until, locked = now + self.lock_seconds, True
        elif delays and failures > FREE_FAILURES:
            blocked_until = now + BASE_DELAY_SECONDS * 2 ** (
                failures - FREE_FAILURES - 1
            )

        pipe = self.client.pipeline(transaction=False)
        pipe.hset(key, mapping={"blocked_until": blocked_until, "locked": int(locked)})
        pipe.expire(key, self.lock_seconds)
        pipe.execute()
        if locked:
            logger.warning("Log-ins locked for %s after %d failures.", key, failures)

    def _read(self, key: str) -> tuple[float, bool] | None:
        try:
            raw = cast(list[Any], self.client.hmget(key, ["blocked_until", "locked"]))
            if raw[0] is None:
                return None

            blocked_until, locked = float(raw[0]), raw[1] == b"1"
            if locked and blocked_until <= self.clock():
                # The lock is over: the count starts again from nothing.
                self.client.delete(key)
                return None
        except redis.RedisError:
            logger.warning("Could not read failed log-ins; letting it through.")
            return None

        return blocked_until, locked

    def _scopes(self, email_key: str, client_ip: str | None) -> list[tuple[str, str]]:
        scopes = [("account", email_key)]
        if client_ip and self.ip_max_failures > 0:
            scopes.append(("ip", client_ip))
        return scopes

    @staticmethod
    def _key(scope: str, value: str) -> str:
        digest = hashlib.sha256(value.encode()).hexdigest()
        return KEY.format(scope=scope, digest=digest)


def fail_fast_redis(url: str) -> redis.Redis:
    """A Redis client that gives up within ``REDIS_TIMEOUT_SECONDS``, no retries.

    redis-py retries a failed command three times with backoff by default,
    which would hold every log-in for seconds while Redis is down.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )


def throttle_for(app: Flask) -> LoginThrottle:
    """The app's throttle, built from its settings on first use."""
    throttle = app.extensions.get(EXTENSION)
    if throttle is None:
        settings = app.config["SKILLFORGE"]
        throttle = LoginThrottle(
            fail_fast_redis(settings.redis_url),
            max_failures=settings.login_max_failures,
            lock_seconds=settings.login_lock_seconds,
            ip_max_failures=settings.login_ip_max_failures,
        )
        app.extensions[EXTENSION] = throttle

    assert isinstance(throttle, LoginThrottle)
    return throttle


def current_throttle() -> LoginThrottle | None:
    """The throttle of the current app, or None outside an app (scripts)."""
    if not has_app_context():
        return None

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return throttle_for(app)


def client_address() -> str | None:
    """The address of the client of the current request, if there is one."""
    if not has_request_context():
        return None

    return request.remote_addr
