"""One HTTP attempt at a webhook: pinned address, strict timeouts, no redirects.

The request goes to the address the URL policy checked (``Target.address``)
with the URL's host in the Host header and, for https, in SNI and the
certificate check. Three limits apply, all in seconds: ``connect_timeout`` to
open the connection, ``read_timeout`` for any one read, and ``total_timeout``
for the whole attempt, enforced by a watchdog thread that shuts the socket
down, so a receiver that trickles one byte at a time cannot hold a worker
thread. Connections are kept alive per worker thread between deliveries to
the same receiver; redirects are never followed.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from app.webhooks.settings import WebhookSettings
from app.webhooks.urls import Target

EXCERPT_BYTES = 1024
USER_AGENT = "SkillForge-Webhooks/1.0"
# Idle connections kept per worker thread, and for how long (seconds).
MAX_IDLE = 32
IDLE_SECONDS = 30.0


@dataclass(frozen=True)
class Answer:
    """What one attempt got: an outcome, and the status when there was one."""

    outcome: str
    status_code: int | None
    latency_ms: int
    excerpt: str = ""
    error: str | None = None


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP connection to a fixed address, whatever the host name says."""

    def __init__(
        self, target: Target, connect_timeout: float, read_timeout: float
    ) -> None:
        super().__init__(target.host, target.port, timeout=connect_timeout)
        self._target = target
        self._read_timeout = read_timeout
        self._tls = _tls_context() if target.scheme == "https" else None
        self.idle_since = 0.0

    def connect(self) -> None:
        sock = socket.create_connection(
            (self._target.address, self._target.port), self.timeout
        )
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._tls is not None:
            sock = self._tls.wrap_socket(sock, server_hostname=self._target.host)
        sock.settimeout(self._read_timeout)
        self.sock = sock

    def abort(self) -> None:
        """Cut the connection from another thread; the blocked call then fails."""
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


_tls_lock = threading.Lock()
_tls: ssl.SSLContext | None = None


def _tls_context() -> ssl.SSLContext:
    """The process's TLS client context: certificates verified, made once."""
    global _tls
    with _tls_lock:
        if _tls is None:
            _tls = ssl.create_default_context()
    return _tls


class _KeepAlive(threading.local):
    """Each thread's idle connections, by where they go.

    A connection is reused only for the same scheme, host, port and checked
    address, and only if the receiver has not closed it meanwhile (its socket
    is not readable) and it idled less than ``IDLE_SECONDS``. With https this
    spares a TLS handshake per delivery.
    """

    def __init__(self) -> None:
        self.idle: dict[tuple[str, str, int, str], _PinnedConnection] = {}

    def take(self, target: Target) -> _PinnedConnection | None:
        connection = self.idle.pop(_key(target), None)
        if connection is None:
            return None
        fresh = time.monotonic() - connection.idle_since < IDLE_SECONDS
        if fresh and connection.sock is not None and not _readable(connection.sock):
            return connection

        connection.close()
        return None

    def give_back(self, target: Target, connection: _PinnedConnection) -> None:
        connection.idle_since = time.monotonic()
        old = self.idle.pop(_key(target), None)
        if old is not None:
            old.close()
        if len(self.idle) >= MAX_IDLE:
            oldest = min(self.idle, key=lambda k: self.idle[k].idle_since)
            self.idle.pop(oldest).close()
        self.idle[_key(target)] = connection


def _key(target: Target) -> tuple[str, str, int, str]:
    return (target.scheme, target.host, target.port, target.address)


def _readable(sock: socket.socket) -> bool:
    """True when an idle socket has something to read: the peer closed it."""
    try:
        ready, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(ready)


_pool = _KeepAlive()


class _Watchdog:
    """One thread per process that cuts connections past their deadline.

    Cheaper than a timer thread per request: an attempt registers its
    connection with a deadline (``time.monotonic()`` seconds) and unregisters
    it when done; the thread sleeps until the earliest deadline.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int, _PinnedConnection, threading.Event]] = []
        self._serial = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, connection: _PinnedConnection) -> threading.Event:
        """Cut ``connection`` at ``deadline``; the event tells whether it was."""
        expired = threading.Event()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="webhook-watchdog", daemon=True
                )
                self._thread.start()
            heapq.heappush(
                self._heap, (deadline, next(self._serial), connection, expired)
            )
            self._lock.notify()
        return expired

    def forget(self, connection: _PinnedConnection) -> None:
        with self._lock:
            self._heap = [item for item in self._heap if item[2] is not connection]
            heapq.heapify(self._heap)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._heap:
                    self._lock.wait()
                deadline, _, connection, expired = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._lock.wait(wait)
                    continue
                heapq.heappop(self._heap)
            expired.set()
            connection.abort()


_watchdog = _Watchdog()


def post(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    settings: WebhookSettings,
) -> Answer:
    """POST ``body`` to ``target`` once and say how it went."""
    started = time.monotonic()
    connection = _pool.take(target) or _PinnedConnection(
        target,
        min(settings.connect_timeout, settings.total_timeout),
        settings.read_timeout,
    )
    expired = _watchdog.watch(started + settings.total_timeout, connection)
    reusable = False
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_BYTES)
        status = response.status
        # Reusable once the whole answer is read and the receiver keeps it open.
        reusable = not response.will_close and not response.read(1)
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            return _failure(
                "timeout", started, f"over {settings.total_timeout:g} s in total"
            )
        if isinstance(exc, TimeoutError):
            return _failure("timeout", started, "no answer in time")
        return _failure("connection", started, _describe(exc))
    finally:
        _watchdog.forget(connection)
        if reusable and not expired.is_set():
            _pool.give_back(target, connection)
        else:
            connection.close()

    latency = _elapsed_ms(started)
    text = excerpt.decode("utf-8", errors="replace").replace("\x00", "")
    if 200 <= status < 300:
        return Answer("delivered", status, latency, text)
    if status == 410:
        return Answer("gone", status, latency, text, "the endpoint answered 410 Gone")

    return Answer("failed", status, latency, text, f"HTTP {status}")


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _failure(outcome: str, started: float, error: str) -> Answer:
    return Answer(outcome, None, _elapsed_ms(started), "", error[:200])


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]
