"""`harness stack up|status|down` as an SRE runs it, against real processes."""

from __future__ import annotations

import json
import mailbox
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from harness.checks.bootstrap import listening_inodes, socket_inodes
from harness.stack import alive

pytestmark = pytest.mark.integration

HARNESS = str(Path(sys.executable).parent / "harness")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")
    }
    return subprocess.run(
        [HARNESS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


def test_stack_up_status_down_stops_everything_it_started(tmp_path: Path) -> None:
    up = run(["stack", "up", "--web-workers", "1"], tmp_path)
    assert up.returncode == 0, up.stdout + up.stderr
    state = json.loads((tmp_path / ".harness" / "stack.json").read_text())
    processes = {p["name"]: p for p in state["processes"]}
    try:
        assert set(processes) == {"postgres", "redis", "mail", "web", "worker"}
        assert all(alive(p["pid"], p["marker"]) for p in processes.values())
        # A sign-up's verification mail goes through the worker to the catcher.
        signup = urllib.request.Request(
            f"{state['base_url']}/api/v1/auth/signup",
            data=json.dumps(
                {
                    "email": "new.learner@example.com",
                    "password": "a long passphrase",
                    "display_name": "Zoë",
                    "persona": "student",
                    "region": "eu",
                }
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(signup, timeout=10) as response:
            assert response.status == 201
        maildir = mailbox.Maildir(processes["mail"]["extra"]["mail_dir"])
        deadline = time.monotonic() + 30
        while not len(maildir) and time.monotonic() < deadline:
            time.sleep(0.2)
        mails = list(maildir)
        assert [m["To"] for m in mails] == ["new.learner@example.com"]
        link = f"{state['base_url']}/verify-email?token=".encode()
        assert link in mails[0].get_payload(decode=True)

        status = run(["stack", "status"], tmp_path)
        assert status.returncode == 0
        assert '"status":"ready"' in status.stdout.replace(" ", "")

        again = run(["stack", "up"], tmp_path)
        assert again.returncode == 6
        assert "harness stack down" in again.stderr
    finally:
        down = run(["stack", "down"], tmp_path)

    assert down.returncode == 0, down.stdout + down.stderr
    assert not any(alive(p["pid"], p["marker"]) for p in processes.values())
    assert not (tmp_path / ".harness" / "stack.json").exists()
    assert not Path(state["workdir"]).exists()


def test_status_without_a_stack_says_how_to_start_one(tmp_path: Path) -> None:
    result = run(["stack", "status"], tmp_path)

    assert result.returncode == 4
    assert "harness stack up" in result.stderr


def test_listening_socket_is_seen_once_and_held_by_its_process() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        inodes = listening_inodes(port)

        assert len(inodes) == 1
        assert inodes <= socket_inodes(os.getpid())
    assert listening_inodes(port) == set()
