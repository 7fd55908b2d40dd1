"""Webhook receivers on loopback that answer as a test or drill tells them.

Each path of a ``Receiver`` follows a ``Plan``: a script of first answers,
then one answer for every request after. Answers are ``ok`` (200), a status
code such as ``500`` or ``410``, ``redirect`` (a 307 that must not be
followed), ``hang`` (no answer until ``hang_seconds`` pass or the receiver
stops), ``trickle`` (the status line one byte every half second, so no single
read waits long but the answer never ends) and ``close`` (the connection is
dropped without a word). Every request
is recorded as it arrives, with its headers and body, so tests can check
signatures, ids and timing.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY_BYTES = 1_048_576


@dataclass
class Plan:
    """How one path answers: ``script`` first, in order, then ``then``."""

    script: list[str] = field(default_factory=list)
    then: str = "ok"
    hang_seconds: float = 30.0
    # Seconds to wait before answering ``ok``: a slow but healthy receiver.
    delay: float = 0.0
    # Follow the script once per event (webhook-id) rather than once per path.
    per_event: bool = False


@dataclass(frozen=True)
class Received:
    """One request as it arrived: wall-clock time (seconds), path and content."""

    at: float
    path: str
    headers: dict[str, str]
    body: bytes
    answer: str

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")


class Receiver:
    """A threaded HTTP server on 127.0.0.1 recording and answering webhooks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._plans: dict[str, Plan] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self.received: list[Received] = []
        self._connections: set[socket.socket] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="webhook-receiver",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def plan(self, path: str, plan: Plan) -> str:
        """Make ``path`` answer by ``plan`` from now on; return its URL."""
        with self._lock:
            self._plans[path] = plan
            for key in [k for k in self._counts if k[0] == path]:
                del self._counts[key]
        return self.url(path)

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests still hanging are let go at once."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            open_connections = list(self._connections)
        for connection in open_connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def requests(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if path is None or r.path == path]

    def wait_for(
        self,
        check: Callable[[], bool],
        timeout: float,
        interval: float = 0.05,
    ) -> bool:
        """Poll ``check`` until it holds or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(interval)

        return check()

    def _next_answer(self, path: str, webhook_id: str) -> tuple[str, Plan]:
        with self._lock:
            plan = self._plans.get(path, Plan())
            key = (path, webhook_id if plan.per_event else "")
            count = self._counts.get(key, 0)
            self._counts[key] = count + 1
            answer = plan.script[count] if count < len(plan.script) else plan.then
            self._in_flight[path] = self._in_flight.get(path, 0) + 1
            self.max_in_flight[path] = max(
                self.max_in_flight.get(path, 0), self._in_flight[path]
            )
        return answer, plan

    def _done(self, path: str) -> None:
        with self._lock:
            self._in_flight[path] -= 1

    def _record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without this, Nagle
            # and the client's delayed ACK add 40 ms to every kept-alive answer.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def setup(self) -> None:
                super().setup()
                with receiver._lock:
                    receiver._connections.add(self.connection)

            def finish(self) -> None:
                with receiver._lock:
                    receiver._connections.discard(self.connection)
                with contextlib.suppress(OSError):
                    super().finish()

            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length", 0)), MAX_BODY_BYTES)
                body = self.rfile.read(length)
                path = self.path
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer, plan = receiver._next_answer(
                    path, headers.get("webhook-id", "")
                )
                receiver._record(Received(time.time(), path, headers, body, answer))
                try:
                    self._answer(answer, plan)
                finally:
                    receiver._done(path)

            def _answer(self, answer: str, plan: Plan) -> None:
                if answer in ("hang", "close", "trickle"):
                    self.close_connection = True
                if answer == "hang":
                    receiver._stopping.wait(plan.hang_seconds)
                    return
                if answer == "close":
                    return
                if answer == "trickle":
                    self._trickle(plan.hang_seconds)
                    return
                if answer == "ok" and plan.delay:
                    receiver._stopping.wait(plan.delay)

                status = 200 if answer == "ok" else 307 if answer == "redirect" else 0
                status = status or int(answer)
                reply = (
                    b'{"received": true}' if status < 300 else b'{"error": "planned"}'
                )
                self.send_response(status)
                if status == 307:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def _trickle(self, seconds: float) -> None:
                deadline = time.monotonic() + seconds
                line = b"HTTP/1.1 200 OK\r\n" * 100
                for byte in line:
                    if time.monotonic() > deadline or receiver._stopping.wait(0.5):
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:
                        return

        return Handler
