"""Benchmark: a learner's matches over HTTP, against a bare Flask route.

Targets (issue 3, matching):

- ``GET /api/v1/matches`` reaches at least 40 % of the requests per second
  of a bare Flask route returning a small JSON body, both served by
  gunicorn with the same settings, measured in the same run;
- at half of its own saturation rate, the matches route answers with a
  99th percentile of at most 50 ms.

It starts a disposable PostgreSQL and Redis, loads deterministic data
(``matching_data``), stores every learner's matches with
``skillforge matches recompute`` and issues tokens. Then it serves the app
with ``skillforge serve`` in the production profile (secrets from a secrets
folder, as production reads them) and the bare app with ``bare_server.py``
(the same ``app.server.serve`` call), and drives each with locust as a
subprocess (``load/matching_http.py``, FastHttpUser): saturation of the bare
route, of the matches route, and, for reading the result, of
``GET /api/v1/me`` (token authentication alone) and ``GET /healthz`` (the
app's framework alone); then the matches route paced at half its
saturation, and the bare route paced at half of its own, which shows the
latency tail the shared machine adds to any route. Load generator and
servers share this machine's cores, as the baseline notes of PLATFORM-NOTES
do.

One production default is changed, and recorded: the rate limit. Every
request comes from 127.0.0.1, so the default 600 per minute per address
would answer 429 after the first second; the limiter stays on (one Redis
round trip per request, as in production) with a limit no run reaches.

    .venv/bin/python benchmarks/matching_http.py
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
from matching_data import Scale, generate, plain_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
LOCUSTFILE = ROOT / "load" / "matching_http.py"
BIN = Path(sys.executable).parent
RATIO_TARGET = 0.40
P99_TARGET_MS = 50.0
RATE_LIMIT = "100000000 per minute"
BOOT_TIMEOUT_S = 40.0


def _wait_until_up(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)

    raise SystemExit(f"{url} did not come up in time")


class Server:
    """A server process this benchmark started, in its own process group."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path):
        self.name = name
        self.log = log.open("w")
        self.process = subprocess.Popen(
            argv,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def _locust(
    name: str,
    host: str,
    path: str,
    tokens: Path | None,
    users: int,
    seconds: int,
    folder: Path,
    rate: float = 0.0,
) -> dict[str, Any]:
    """Run locust headless for ``seconds``; return the aggregated figures."""
    prefix = folder / name
    env = dict(
        os.environ,
        MATCHING_PATH=path,
        MATCHING_TOKENS=str(tokens or ""),
        MATCHING_RATE=str(rate),
    )
    argv = [
        str(BIN / "locust"),
        "--headless",
        "-f", str(LOCUSTFILE),
        "--host", host,
        "-u", str(users),
        "-r", str(users),
        "-t", f"{seconds}s",
        "--csv", str(prefix),
        "--only-summary",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    subprocess.run(
        argv,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=seconds + 60,
        check=False,
    )

    with open(f"{prefix}_stats.csv", newline="") as stats:
        row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    figures = {
        "users": users,
        "seconds": seconds,
        "paced_rps_per_user": rate,
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p99_ms": float(row["99%"]),
    }
    print(
        f"{name}: {figures['rps']:.0f} requests/s, p50 {figures['p50_ms']:.0f} ms, "
        f"p99 {figures['p99_ms']:.0f} ms, {figures['failures']} failures",
        flush=True,
    )
    return figures


def _prepare(url: str, scale: Scale, tokens: int, env: dict[str, str]) -> list[str]:
    """Load the data, store every learner's matches, issue tokens."""
    data = generate(url, scale)
    print(f"loaded {data} ", flush=True)
    subprocess.run(
        [str(BIN / "skillforge"), "matches", "recompute"],
        env=env,
        check=True,
        timeout=900,
        stdout=subprocess.DEVNULL,
    )
    # As after any bulk load: fresh statistics now, so autovacuum does not
    # start analysing 400,000 new rows in the middle of a measured run.
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")

    import app.models  # noqa: F401  (every mapper, before the first query)
    from app.auth.models import User
    from app.auth.service import issue_token
    from app.db import db

    db.configure(url)
    issued = []
    with db.session() as session:
        for user_id in range(1, tokens + 1):
            user = session.get(User, user_id)
            assert user is not None
            issued.append(issue_token(session, user, name="benchmark"))
        session.commit()

    return issued


def _markdown(result: dict[str, Any]) -> str:
    runs = result["runs"]
    rows = [
        (
            "bare Flask route, saturation",
            f"{runs['bare']['rps']:.0f} req/s (p99 {runs['bare']['p99_ms']:.0f} ms)",
            "",
            "",
        ),
        (
            "GET /api/v1/matches, saturation",
            f"{runs['matches']['rps']:.0f} req/s (p99 "
            f"{runs['matches']['p99_ms']:.0f} ms)",
            "",
            "",
        ),
        (
            "matches / bare",
            f"{result['ratio']:.1%}",
            f">= {RATIO_TARGET:.0%}",
            result["verdicts"]["ratio"],
        ),
        (
            "GET /api/v1/me (token auth alone), saturation",
            f"{runs['me']['rps']:.0f} req/s; me / bare {result['me_ratio']:.1%}, "
            f"matches / me {result['matches_over_me']:.1%}",
            "(reference)",
            "",
        ),
        (
            "GET /healthz of the app (no auth, no database, no limiter)",
            f"{runs['healthz']['rps']:.0f} req/s; healthz / bare "
            f"{runs['healthz']['rps'] / runs['bare']['rps']:.1%}",
            "(reference)",
            "",
        ),
        (
            "matches at half saturation, p99",
            f"{runs['matches_half']['p99_ms']:.0f} ms at "
            f"{runs['matches_half']['rps']:.0f} req/s "
            f"(p50 {runs['matches_half']['p50_ms']:.0f} ms)",
            f"<= {P99_TARGET_MS:.0f} ms",
            result["verdicts"]["p99_at_half"],
        ),
        (
            "bare route at half its saturation, p99 (the machine's tail)",
            f"{runs['bare_half']['p99_ms']:.0f} ms at "
            f"{runs['bare_half']['rps']:.0f} req/s "
            f"(p50 {runs['bare_half']['p50_ms']:.0f} ms)",
            "(reference)",
            "",
        ),
    ]
    failures = sum(r["failures"] for r in runs.values())
    return "\n".join(
        [
            "# Matching HTTP benchmark",
            "",
            f"Run {result['run_at']} on {result['machine']['cpus']} cores shared by "
            "locust and both servers (load average before "
            f"{result['machine']['load_before']}, after "
            f"{result['machine']['load_after']}). gunicorn: "
            f"{result['gunicorn']}; profile production, rate limit "
            f"{RATE_LIMIT!r}. Data: {result['data']['learners']:,} learners, "
            f"{result['data']['opportunities']:,} opportunities, matches stored. "
            f"locust: {result['users']} FastHttpUsers, {result['seconds']} s per run. "
            f"Failed requests over all runs: {failures}. "
            f"Command: `{result['command']}`.",
            "",
            "| measure | measured | target | verdict |",
            "| --- | --- | --- | --- |",
            *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--learners", type=int, default=20_000, help="learners")
    parser.add_argument(
        "--opportunities", type=int, default=2_000, help="opportunities"
    )
    parser.add_argument("--tokens", type=int, default=500, help="learners logged in")
    parser.add_argument("--users", type=int, default=32, help="locust users")
    parser.add_argument("--seconds", type=int, default=20, help="seconds per run")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers (default: as skillforge serve, 2 per core + 1)",
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    args = parser.parse_args()
    from app.server import default_workers

    args.workers = args.workers or default_workers()

    from harness.services import DisposablePostgres, DisposableRedis, free_port

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-matching-http-") as name:
        folder = Path(name)
        postgres, redis_server = DisposablePostgres(folder), DisposableRedis(folder)
        servers: list[Server] = []
        try:
            postgres.start()
            redis_server.start()
            url = postgres.create_database("bench_matching_http")
            from app.migrate import upgrade

            upgrade(url)

            secrets_dir = folder / "secrets"
            secrets_dir.mkdir()
            (secrets_dir / "secret_key").write_text(secrets.token_hex(32))
            (secrets_dir / "database_url").write_text(url)
            (secrets_dir / "redis_url").write_text(redis_server.url)
            env = dict(
                os.environ,
                SKILLFORGE_PROFILE="production",
                SKILLFORGE_SECRETS_DIR=str(secrets_dir),
                SKILLFORGE_RATE_LIMIT=RATE_LIMIT,
            )
            for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
                env.pop(variable, None)

            scale = Scale(args.learners, args.opportunities)
            tokens = _prepare(url, scale, args.tokens, env)
            tokens_file = folder / "tokens.txt"
            tokens_file.write_text("\n".join(tokens) + "\n")

            app_port, bare_port = free_port(), free_port()
            shape = ["--workers", str(args.workers), "--threads", str(args.threads)]
            servers.append(
                Server(
                    "skillforge",
                    [str(BIN / "skillforge"), "serve", "--bind",
                     f"127.0.0.1:{app_port}", *shape],
                    env,
                    folder / "serve.log",
                )
            )  # fmt: skip
            servers.append(
                Server(
                    "bare",
                    [sys.executable, str(ROOT / "benchmarks" / "bare_server.py"),
                     "--bind", f"127.0.0.1:{bare_port}", *shape],
                    env,
                    folder / "bare.log",
                )
            )  # fmt: skip
            deadline = time.monotonic() + BOOT_TIMEOUT_S
            app_host = f"http://127.0.0.1:{app_port}"
            bare_host = f"http://127.0.0.1:{bare_port}"
            _wait_until_up(f"{app_host}/healthz", deadline)
            _wait_until_up(f"{bare_host}/bare", deadline)

            run = {"users": args.users, "seconds": args.seconds, "folder": folder}
            # A short warm-up: imports, connection pools, per-process caches.
            _locust("warmup", app_host, "/api/v1/matches", tokens_file, 8, 5, folder)
            runs = {
                "bare": _locust("bare", bare_host, "/bare", None, **run),
                "matches": _locust(
                    "matches", app_host, "/api/v1/matches", tokens_file, **run
                ),
                "me": _locust("me", app_host, "/api/v1/me", tokens_file, **run),
                "healthz": _locust("healthz", app_host, "/healthz", None, **run),
            }
            half = runs["matches"]["rps"] / 2
            runs["matches_half"] = _locust(
                "matches_half",
                app_host,
                "/api/v1/matches",
                tokens_file,
                rate=half / args.users,
                **run,
            )
            # The same pacing on the bare route: what tail the machine adds.
            runs["bare_half"] = _locust(
                "bare_half",
                bare_host,
                "/bare",
                None,
                rate=runs["bare"]["rps"] / 2 / args.users,
                **run,
            )
        finally:
            for server in servers:
                server.stop()
            redis_server.stop()
            postgres.stop()

    ratio = runs["matches"]["rps"] / runs["bare"]["rps"]
    result = {
        "benchmark": "matching_http",
        "run_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": "python benchmarks/matching_http.py " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
        "gunicorn": f"{args.workers} workers x {args.threads} threads "
        f"({'gthread' if args.threads > 1 else 'sync'})",
        "rate_limit": RATE_LIMIT,
        "data": {"learners": args.learners, "opportunities": args.opportunities},
        "users": args.users,
        "seconds": args.seconds,
        "runs": runs,
        "ratio": ratio,
        "me_ratio": runs["me"]["rps"] / runs["bare"]["rps"],
        "matches_over_me": runs["matches"]["rps"] / runs["me"]["rps"],
        "targets": {"ratio": RATIO_TARGET, "p99_at_half_ms": P99_TARGET_MS},
        "verdicts": {
            "ratio": "met" if ratio >= RATIO_TARGET else "MISSED",
            "p99_at_half": "met"
            if runs["matches_half"]["p99_ms"] <= P99_TARGET_MS
            else "MISSED",
        },
    }

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "matching_http.json").write_text(json.dumps(result, indent=2) + "\n")
    markdown = _markdown(result)
    (RESULTS / "matching_http.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
