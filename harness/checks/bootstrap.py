"""Gate: the real entrypoint listens once and starts telemetry once.

It starts ``skillforge serve`` with two workers next to an OTLP receiver, then
reads the kernel's socket table: exactly one listening socket on the port,
held by the master and every worker. Each worker's boot line must say that
telemetry was set up once and where it goes, and the receiver must get spans.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.request
from pathlib import Path

from harness.errors import GateFailed
from harness.gates import GateContext, Outcome
from harness.services import free_port
from harness.stack import spawn, stop_process, wait_http_ok

WORKERS = 2
TELEMETRY_WAIT_SECONDS = 15.0
BIN = Path(sys.executable).parent
METRIC_KINDS = {"sum", "gauge", "histogram", "exponentialHistogram", "summary"}


def listening_inodes(port: int | None = None) -> set[str]:
    """Inodes of TCP sockets listening on ``port`` (any port when None)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A":
                continue
            if port is None or int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        match = re.fullmatch(r"socket:\[(\d+)\]", target)
        if match:
            found.add(match.group(1))
    return found


def children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(entry.name))
    return sorted(kids)


def boot_lines(log: Path) -> list[dict[str, object]]:
    lines = []
    for raw in log.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if record.get("event") == "boot":
                lines.append(record)
    return lines


def received(telemetry_log: Path) -> dict[str, int]:
    """Count the spans, log records and metrics the receiver printed.

    The receiver prints each as one JSON object; they are told apart by the
    fields only that kind has (log records carry an empty spanId too).
    """
    counts = {"spans": 0, "logs": 0, "metrics": 0}
    for raw in telemetry_log.read_text(errors="replace").splitlines():
        if not raw.startswith("{"):
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if "startTimeUnixNano" in record and "spanId" in record:
            counts["spans"] += 1
        elif "observedTimeUnixNano" in record or "severityNumber" in record:
            counts["logs"] += 1
        elif METRIC_KINDS & record.keys():
            counts["metrics"] += 1
    return counts


def run(context: GateContext) -> Outcome:
    stack = context.stack
    evidence_dir = context.evidence_dir
    evidence_dir.mkdir(parents=True, exist_ok=True)
    receiver_port, port = free_port(), free_port()
    env = stack.app_env(
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{receiver_port}",
        OTEL_SERVICE_NAME="skillforge-bootstrap-gate",
    )

    telemetry_log = evidence_dir / "otlp-received.ndjson"
    receiver = spawn(
        "otlp-receiver",
        [sys.executable, "-m", "oteltap", "--port", str(receiver_port)],
        dict(os.environ, PYTHONUNBUFFERED="1"),
        telemetry_log,
        marker="oteltap",
    )
    try:
        boot_log = evidence_dir / "boot.log"
        web = spawn(
            "web",
            [
                str(BIN / "skillforge"),
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
            ],
            env,
            boot_log,
            marker="skillforge",
        )
        try:
            wait_http_ok(f"http://127.0.0.1:{port}/healthz", 40, web)
            deadline = time.monotonic() + 10
            while len(boot_lines(boot_log)) < WORKERS and time.monotonic() < deadline:
                time.sleep(0.2)
            for _ in range(6):
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/readyz", timeout=5
                ):
                    pass

            workers = children(web.pid)
            listening = listening_inodes(port)
            every_listener = listening_inodes()
            held = {
                pid: sorted(socket_inodes(pid) & every_listener)
                for pid in [web.pid, *workers]
            }
        finally:
            stop_process(web.pid, web.marker)

        # Workers flush their telemetry as they exit; give the receiver a moment.
        counts = received(telemetry_log)
        deadline = time.monotonic() + TELEMETRY_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(1.0)
            latest = received(telemetry_log)
            if latest == counts and counts["spans"]:
                break
            counts = latest
    finally:
        stop_process(receiver.pid, receiver.marker)

    boots = boot_lines(boot_log)
    sockets = {
        "port": port,
        "listening_sockets": sorted(listening),
        "master_pid": web.pid,
        "worker_pids": workers,
        "listening_socket_held_by_pid": {str(k): v for k, v in held.items()},
        "boot_lines": boots,
        "telemetry_received": counts,
    }
    evidence = [
        boot_log,
        telemetry_log,
        context.evidence("sockets.json", json.dumps(sockets, indent=2)),
    ]

    problems = []
    if len(listening) != 1:
        problems.append(f"{len(listening)} listening sockets on port {port}, not 1")
    if len(workers) != WORKERS:
        problems.append(f"{len(workers)} workers under the master, not {WORKERS}")
    for pid, inodes in held.items():
        if inodes != sorted(listening):
            problems.append(
                f"pid {pid} holds listening sockets {inodes}, not just the "
                f"one on port {port}"
            )
    if len(boots) != WORKERS:
        problems.append(f"{len(boots)} boot lines, not one per worker ({WORKERS})")
    if {b.get("pid") for b in boots} != set(workers):
        problems.append("the boot lines do not come from the running workers")
    for boot in boots:
        if boot.get("telemetry_inits") != 1:
            problems.append(
                f"pid {boot.get('pid')} set up telemetry "
                f"{boot.get('telemetry_inits')} times"
            )
        if str(receiver_port) not in str(boot.get("telemetry")):
            problems.append(
                f"pid {boot.get('pid')} sends telemetry elsewhere: "
                f"{boot.get('telemetry')}"
            )
    if not counts["spans"]:
        problems.append(
            f"the OTLP receiver got no span in {TELEMETRY_WAIT_SECONDS:.0f} s"
        )
    if problems:
        raise GateFailed("; ".join(problems))

    return Outcome(
        f"1 listening socket shared by master {web.pid} and workers {workers}; "
        f"{len(boots)} boot lines, telemetry set up once each; receiver got "
        f"{counts['spans']} spans, {counts['logs']} logs, {counts['metrics']} metrics",
        evidence,
        {"workers": len(workers), "telemetry": counts},
    )
