"""Real worker processes and a Redis that restarts on its port, for drills.

``WorkerProcess`` runs ``skillforge worker`` (dramatiq) in its own process
group, so that a drill can SIGKILL the whole worker at once and start a new
one. ``RestartableRedis`` is a ``DisposableRedis`` that can stop and start
again on the same port, as a managed Redis does after a failover, losing
what it held in memory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from harness.errors import ServiceUnavailable
from harness.services import DisposableRedis
from harness.stack import alive, spawn, stop_process

SKILLFORGE = str(Path(sys.executable).parent / "skillforge")
READY = b"is ready for action"
MARKER = "dramatiq|skillforge"
START_TIMEOUT_SECONDS = 30.0


class WorkerProcess:
    """``skillforge worker`` (or ``argv``) with its environment and a log file."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        processes: int = 1,
        threads: int = 4,
        argv: list[str] | None = None,
    ) -> None:
        self.env = env
        self.log = log
        self.processes = processes
        self.threads = threads
        self.argv = argv or [
            SKILLFORGE,
            "worker",
            "--processes",
            str(processes),
            "--threads",
            str(threads),
        ]
        self.pid: int | None = None

    def start(self) -> WorkerProcess:
        """Start and return once every worker process says it is ready."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        offset = self.log.stat().st_size if self.log.exists() else 0
        process = spawn("worker", self.argv, self.env, self.log, MARKER)
        self.pid = process.pid

        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            with self.log.open("rb") as handle:
                handle.seek(offset)
                if handle.read().count(READY) >= self.processes:
                    return self
            if _exited(self.pid):
                break
            time.sleep(0.1)

        self.stop()
        raise ServiceUnavailable(f"the worker did not get ready; see {self.log}")

    def kill(self) -> None:
        """SIGKILL the whole worker, its children too, with no warning."""
        if self.pid is None:
            return

        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not _exited(self.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.pid = None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period."""
        if self.pid is None:
            return

        stop_process(self.pid, MARKER)
        # Not reaped yet, the pid is still ours: make sure nothing survives.
        if not _exited(self.pid):
            self.kill()
        self.pid = None

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _exited(pid: int) -> bool:
    """True once our child ``pid`` has exited (and reap it).

    Asked of the kernel rather than read from /proc: while ``skillforge
    worker`` replaces itself with dramatiq its command line is briefly empty.
    """
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not alive(pid, MARKER)

    return done == pid


class RestartableRedis(DisposableRedis):
    """A disposable Redis whose ``restart`` comes back on the same port."""

    _keep_port = 0

    def restart(
        self,
        down_seconds: float = 0.0,
        while_down: Callable[[], object] | None = None,
    ) -> None:
        """Stop, run ``while_down``, wait out ``down_seconds``, start again.

        The server comes back on the same port. Nothing is saved to disk, so
        every queued message is lost, as when a cache-only Redis fails over.
        """
        port = self.port
        self.stop()
        began = time.monotonic()
        if while_down is not None:
            while_down()
        time.sleep(max(0.0, down_seconds - (time.monotonic() - began)))
        self._keep_port = port
        try:
            self.start()
        finally:
            self._keep_port = 0
        if self.port != port:
            raise ServiceUnavailable(f"Redis came back on {self.port}, not {port}")

    def _launch(self, executable: Path, home: Path, deadline: float) -> None:
        if not self._keep_port:
            super()._launch(executable, home, deadline)
            return

        # The port was just freed by stop(); only this server asks for it.
        self.port = self._keep_port
        self._spawn(executable, home)
        if not self._wait_until_ready(deadline):
            raise ServiceUnavailable(f"Redis did not come back on port {self.port}")
