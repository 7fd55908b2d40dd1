"""The stack the gates run against: PostgreSQL, Redis, migrations, seed, web, worker.

``DATABASE_URL`` and ``REDIS_URL`` name existing servers when set; otherwise
disposable ones start in a temporary folder. The app processes get their
settings from a secrets folder, the way production gets them from a secrets
manager. ``harness stack up`` leaves the stack running and records it in
``.harness/stack.json`` so that ``status`` and ``down`` can find it; only what
the harness started is ever stopped.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ServiceUnavailable, StackAlreadyRunning, StackNotRunning
from harness.services import (
    DisposablePostgres,
    DisposableRedis,
    create_database,
    drop_database,
    free_port,
)

logger = logging.getLogger(__name__)

BIN = Path(sys.executable).parent
HEALTH_TIMEOUT_SECONDS = 40.0
STOP_TIMEOUT_SECONDS = 15.0
# What dramatiq logs once a worker process consumes its queues.
WORKER_READY = "is ready for action"


@dataclass
class ManagedProcess:
    """A process the harness started: its pid, what it runs and its log."""

    name: str
    pid: int
    marker: str
    log: str
    owned: bool = True
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class StackInfo:
    workdir: str
    server_url: str
    database_name: str
    database_url: str
    redis_url: str
    base_url: str
    secrets_dir: str
    processes: list[ManagedProcess] = field(default_factory=list)
    # The mail catcher's SMTP port (0 in records of stacks without one).
    smtp_port: int = 0

    @classmethod
    def load(cls, path: Path) -> StackInfo:
        if not path.is_file():
            raise StackNotRunning(
                f"no stack recorded in {path}; run `harness stack up`"
            )
        data = json.loads(path.read_text())
        data["processes"] = [ManagedProcess(**p) for p in data["processes"]]
        return cls(**data)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2))

    def app_env(self, **extra: str) -> dict[str, str]:
        """Environment for an app process: settings come from the secrets folder."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "SKILLFORGE_SECRETS_DIR")
        }
        env.update(
            SKILLFORGE_PROFILE="drill",
            SKILLFORGE_SECRETS_DIR=self.secrets_dir,
            PYTHONUNBUFFERED="1",
        )
        if self.base_url:
            # Links in the app's mails point at this stack's web.
            env["SKILLFORGE_PUBLIC_URL"] = self.base_url
        if self.smtp_port:
            env.update(
                SKILLFORGE_SMTP_HOST="127.0.0.1",
                SKILLFORGE_SMTP_PORT=str(self.smtp_port),
            )
        env.update(extra)
        return env

    def process(self, name: str) -> ManagedProcess | None:
        return next((p for p in self.processes if p.name == name), None)


def state_path(root: Path) -> Path:
    return root / ".harness" / "stack.json"


def refuse_if_running(root: Path) -> None:
    """Refuse a second ``stack up`` while the recorded stack still runs.

    A second stack would overwrite the record, and ``down`` could then no
    longer find the first one's processes.
    """
    path = state_path(root)
    if not path.is_file():
        return

    info = StackInfo.load(path)
    running = [p.name for p in info.processes if alive(p.pid, p.marker)]
    if running:
        raise StackAlreadyRunning(
            f"a stack is already up ({', '.join(running)} running, web at "
            f"{info.base_url}); run `harness stack down` first"
        )


def alive(pid: int, marker: str) -> bool:
    """True when ``pid`` runs and its command line contains one of ``marker``.

    ``marker`` lists words separated by ``|``; checking it guards against a
    recorded pid that the kernel has since given to another program.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    if stat.rsplit(")", 1)[1].split()[0] == "Z":
        return False

    return any(word.encode() in cmdline for word in marker.split("|"))


def stop_process(pid: int, marker: str, group: bool = True) -> None:
    """SIGTERM, then SIGKILL after a grace period; only if it is still ours."""
    if not alive(pid, marker):
        return

    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            if group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            if not alive(pid, marker):
                return
            time.sleep(0.1)


def spawn(
    name: str, argv: list[str], env: dict[str, str], log: Path, marker: str
) -> ManagedProcess:
    """Start a long-running process in its own session, logging to ``log``.

    Returns once the kernel shows the new program's command line, so that
    ``alive`` can be trusted from the first check on.
    """
    handle = log.open("ab")
    process = subprocess.Popen(
        argv,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    handle.close()
    deadline = time.monotonic() + 5
    while not alive(process.pid, marker) and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.01)
    return ManagedProcess(name=name, pid=process.pid, marker=marker, log=str(log))


def wait_http_ok(
    url: str, timeout: float, process: ManagedProcess | None = None
) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process is not None and not alive(process.pid, process.marker):
            raise ServiceUnavailable(
                f"{process.name} exited during start-up; see {process.log}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.25)
    raise ServiceUnavailable(f"{url} did not answer 200 within {timeout:.0f} s: {last}")


def wait_log_line(process: ManagedProcess, text: str, timeout: float) -> None:
    """Wait until ``text`` appears in the process's log, or it exits."""
    deadline = time.monotonic() + timeout
    log = Path(process.log)
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        # Only whether it runs: while `skillforge worker` execs dramatiq its
        # command line can read empty, so the marker is not checked here.
        if not alive(process.pid, ""):
            raise ServiceUnavailable(f"{process.name} exited; see {process.log}")
        time.sleep(0.25)
    raise ServiceUnavailable(
        f"{process.name} did not log {text!r} within {timeout:.0f} s; see {log}"
    )


def run_cli(
    argv: list[str], env: dict[str, str], log: Path, timeout: float = 300
) -> str:
    """Run a short command to completion; raise with its output if it fails."""
    result = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = result.stdout + result.stderr
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(argv)}\n{output}\n[exit {result.returncode}]\n")
    if result.returncode != 0:
        raise ServiceUnavailable(
            f"`{' '.join(Path(a).name for a in argv[:4])}` failed "
            f"(exit {result.returncode}): {output.strip()[-400:]}"
        )
    return output


def write_secrets(folder: Path, database_url: str, redis_url: str) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, value in (
        ("secret_key", secrets.token_urlsafe(48)),
        ("database_url", database_url),
        ("redis_url", redis_url),
    ):
        path = folder / name
        path.write_text(value + "\n", encoding="utf-8")
        path.chmod(0o600)


def up(
    root: Path,
    web_workers: int = 2,
    progress: Any = print,
) -> StackInfo:
    """Bring the whole stack up and record it; it runs until ``down``."""
    workdir = Path(tempfile.mkdtemp(prefix="skillforge-stack-"))
    workdir.chmod(0o755)
    processes: list[ManagedProcess] = []
    info: StackInfo | None = None
    try:
        server_url, postgres = _postgres(workdir, progress)
        if postgres is not None:
            processes.append(postgres)
        redis_url, redis_proc = _redis(workdir, progress)
        if redis_proc is not None:
            processes.append(redis_proc)

        mail = _mail_catcher(workdir, progress)
        processes.append(mail)

        name = f"skillforge_{uuid.uuid4().hex[:8]}"
        database_url = create_database(server_url, name)
        port = free_port()
        info = StackInfo(
            workdir=str(workdir),
            server_url=server_url,
            database_name=name,
            database_url=database_url,
            redis_url=redis_url,
            base_url=f"http://127.0.0.1:{port}",
            secrets_dir=str(workdir / "secrets"),
            processes=processes,
            smtp_port=int(mail.extra["port"]),
        )
        write_secrets(Path(info.secrets_dir), database_url, redis_url)
        env = info.app_env()

        progress(f"  migrating and seeding database {name}")
        log = workdir / "setup.log"
        run_cli([str(BIN / "skillforge"), "db", "upgrade"], env, log)
        run_cli([str(BIN / "skillforge"), "db", "seed"], env, log)

        progress(f"  starting web ({web_workers} workers) on {info.base_url}")
        web = spawn(
            "web",
            [
                str(BIN / "skillforge"),
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(web_workers),
            ],
            env,
            workdir / "web.log",
            marker="skillforge",
        )
        web.url = info.base_url
        processes.append(web)
        wait_http_ok(f"{info.base_url}/healthz", HEALTH_TIMEOUT_SECONDS, web)

        progress("  starting worker")
        worker = spawn(
            "worker",
            [
                str(BIN / "skillforge"),
                "worker",
                "--processes",
                "1",
                "--threads",
                "2",
            ],
            env,
            workdir / "worker.log",
            marker="skillforge|dramatiq",
        )
        processes.append(worker)
        wait_log_line(worker, WORKER_READY, HEALTH_TIMEOUT_SECONDS)
        info.save(state_path(root))
        return info
    except BaseException:
        if info is not None:
            down(info, progress=lambda _m: None)
        else:
            for process in reversed(processes):
                _stop(process)
            shutil.rmtree(workdir, ignore_errors=True)
        raise


def _postgres(workdir: Path, progress: Any) -> tuple[str, ManagedProcess | None]:
    if os.environ.get("DATABASE_URL"):
        progress("  PostgreSQL: using DATABASE_URL")
        return os.environ["DATABASE_URL"], None

    server = DisposablePostgres(workdir / "postgres")
    server.start()
    atexit.unregister(server.stop)
    progress(f"  PostgreSQL: disposable on port {server.port} ({server.source})")
    assert server.pid is not None
    return server.url, ManagedProcess(
        name="postgres",
        pid=server.pid,
        marker="postgres",
        log=str(workdir / "postgres"),
        url=server.url,
        extra={"source": server.source, "data_dir": str(server.data_dir)},
    )


def _redis(workdir: Path, progress: Any) -> tuple[str, ManagedProcess | None]:
    if os.environ.get("REDIS_URL"):
        progress("  Redis: using REDIS_URL")
        return os.environ["REDIS_URL"], None

    server = DisposableRedis(workdir / "redis")
    server.start()
    atexit.unregister(server.stop)
    progress(f"  Redis: disposable on port {server.port} ({server.source})")
    assert server.pid is not None
    return server.url, ManagedProcess(
        name="redis",
        pid=server.pid,
        marker="redis-server",
        log=str(workdir / "redis"),
        url=server.url,
        extra={"source": server.source},
    )


def _mail_catcher(workdir: Path, progress: Any) -> ManagedProcess:
    """aiosmtpd on a free loopback port, keeping every mail in a Maildir.

    The app's emails (verification and reset links, notifications) land
    there instead of in the worker's retry loop; ``stack status`` names it.
    """
    port = free_port()
    mail_dir = workdir / "mail"
    mail = spawn(
        "mail",
        [
            str(BIN / "python"),
            "-m",
            "aiosmtpd",
            "--nosetuid",
            "--smtputf8",
            "--listen",
            f"127.0.0.1:{port}",
            "--class",
            "aiosmtpd.handlers.Mailbox",
            str(mail_dir),
        ],
        dict(os.environ),
        workdir / "mail.log",
        marker="aiosmtpd",
    )
    mail.url = f"smtp://127.0.0.1:{port} (Maildir {mail_dir})"
    mail.extra = {"port": port, "mail_dir": str(mail_dir)}
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=1),
        ):
            progress(f"  mail: SMTP catcher on 127.0.0.1:{port}, mails in {mail_dir}")
            return mail
        if not alive(mail.pid, mail.marker):
            break
        time.sleep(0.1)

    _stop(mail)
    raise ServiceUnavailable(
        f"the mail catcher did not listen; see {workdir / 'mail.log'}"
    )


def _stop(process: ManagedProcess) -> None:
    if not process.owned:
        return
    if process.name == "postgres":
        # SIGINT is PostgreSQL's fast shutdown; the postmaster stops its children.
        _signal_postmaster(process.pid)
        data_dir = process.extra.get("data_dir")
        workdir = Path(process.log).parent
        if data_dir and not Path(data_dir).is_relative_to(workdir):
            shutil.rmtree(Path(data_dir).parent, ignore_errors=True)
        return

    stop_process(process.pid, process.marker, group=process.name != "redis")
    if process.name == "redis":
        stop_process(process.pid, process.marker, group=False)


def _signal_postmaster(pid: int) -> None:
    if not alive(pid, "postgres"):
        return
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline and alive(pid, "postgres"):
        time.sleep(0.1)
    if alive(pid, "postgres"):
        os.kill(pid, signal.SIGQUIT)


def down(info: StackInfo, progress: Any = print, root: Path | None = None) -> None:
    """Stop the app processes, drop the database, stop owned servers."""
    for name in ("worker", "web", "mail"):
        process = info.process(name)
        if process is not None:
            progress(f"  stopping {name} (pid {process.pid})")
            _stop(process)

    if info.process("postgres") is None:
        try:
            drop_database(info.server_url, info.database_name)
        except Exception as exc:
            progress(f"  could not drop {info.database_name}: {exc}")

    for name in ("redis", "postgres"):
        process = info.process(name)
        if process is not None:
            progress(f"  stopping {name} (pid {process.pid})")
            _stop(process)

    shutil.rmtree(info.workdir, ignore_errors=True)
    if root is not None:
        state_path(root).unlink(missing_ok=True)


def status(info: StackInfo) -> list[tuple[str, str]]:
    """One row per process: its name and whether it runs."""
    rows = []
    for process in info.processes:
        state = "running" if alive(process.pid, process.marker) else "gone"
        rows.append((process.name, f"{state} (pid {process.pid}) {process.url}"))
    try:
        with urllib.request.urlopen(f"{info.base_url}/readyz", timeout=3) as response:
            rows.append(
                ("readyz", f"HTTP {response.status} {response.read().decode()}")
            )
    except OSError as exc:
        rows.append(("readyz", f"no answer: {exc}"))
    return rows
