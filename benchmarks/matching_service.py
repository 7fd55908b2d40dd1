"""Benchmark: the matching engine with 100,000 learners and 10,000 opportunities.

Targets (issue 3, matching):

- the top 20 opportunities for one learner: median service call at most
  20 ms (``matches.rank_for_learner``: its database reads, the ranking and
  the explanations, the opportunity catalog already cached);
- a full recompute of every learner's top 20, stored: at most 180 s, with
  peak memory (resident set of the process) under 1.5 GiB.

It starts a disposable PostgreSQL (fsync off, as every disposable cluster of
the harness), migrates a scratch database, loads deterministic data
(``matching_data``) and measures each part in a fresh child process, so
that no figure carries another's warm caches or memory: the first
recompute (an empty table), a second one (replacing every stored row: the
steady state), then the single-learner calls. Figures go to
``benchmarks/results/matching_service.{json,md}`` and to stdout.

    .venv/bin/python benchmarks/matching_service.py
    .venv/bin/python benchmarks/matching_service.py --learners 20000 \
        --opportunities 2000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from matching_data import Scale, generate

RESULTS = Path(__file__).resolve().parent / "results"
SERVICE_TARGET_MS = 20.0
RECOMPUTE_TARGET_S = 180.0
MEMORY_TARGET_BYTES = int(1.5 * 2**30)
CHILD_TIMEOUT_S = 900


# --- Child processes: one measurement each ------------------------------------


def _database(url: str) -> Any:
    import app.models  # noqa: F401  (every mapper, before the first query)
    from app.db import db

    db.configure(url)
    return db


def child_recompute(url: str) -> dict[str, Any]:
    """Time one full recompute; report the process's peak resident memory."""
    from app.matching.recompute import recompute_all

    db = _database(url)
    started = time.perf_counter()
    summary = recompute_all(db.session)
    seconds = time.perf_counter() - started

    return {
        "seconds": seconds,
        "phases": summary.seconds,
        "learners": summary.learners,
        "matches": summary.matches,
        "notified": summary.notified,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def child_single(url: str, learners: int, samples: int, seed: int) -> dict[str, Any]:
    """Time ``rank_for_learner`` and the stored read for sampled learners."""
    from app.auth.models import User
    from app.matching import matches

    db = _database(url)
    users = random.Random(seed).sample(range(1, learners + 1), samples)

    with db.session() as session:
        started = time.perf_counter()
        matches.rank_for_learner(session, users[0])
        cold_ms = (time.perf_counter() - started) * 1000

        live = []
        for user_id in users:
            started = time.perf_counter()
            found, _ = matches.rank_for_learner(session, user_id)
            live.append((time.perf_counter() - started) * 1000)
            assert len(found) <= matches.TOP_N

        stored = []
        for user_id in users:
            user = session.get(User, user_id)
            started = time.perf_counter()
            page = matches.matches_page(session, user, 1, matches.TOP_N)
            stored.append((time.perf_counter() - started) * 1000)
            assert len(page["items"]) <= matches.TOP_N
        session.rollback()

    return {
        "samples": samples,
        "cold_first_call_ms": cold_ms,
        "rank_for_learner_ms": _spread(live),
        "stored_read_ms": _spread(stored),
    }


def _spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "max": ordered[-1],
    }


# --- The parent: set up, run the children, record ----------------------------------


def _run_child(*args: str) -> dict[str, Any]:
    process = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if process.returncode != 0:
        sys.stderr.write(process.stderr[-4000:])
        raise SystemExit(f"child {args[0]} failed with exit code {process.returncode}")

    result: dict[str, Any] = json.loads(process.stdout.strip().splitlines()[-1])
    return result


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _markdown(result: dict[str, Any]) -> str:
    single = result["single"]
    first, second = result["recompute_first"], result["recompute_again"]
    gib = 2**30
    rows = [
        (
            "top 20 for one learner, median service call",
            f"{single['rank_for_learner_ms']['median']:.2f} ms "
            f"(p95 {single['rank_for_learner_ms']['p95']:.2f}, "
            f"max {single['rank_for_learner_ms']['max']:.2f})",
            f"<= {SERVICE_TARGET_MS:.0f} ms",
            result["verdicts"]["service_call"],
        ),
        (
            "stored matches read (GET /matches service), median",
            f"{single['stored_read_ms']['median']:.2f} ms "
            f"(p95 {single['stored_read_ms']['p95']:.2f})",
            "(no target)",
            "",
        ),
        (
            "first call, catalog built cold",
            f"{single['cold_first_call_ms']:.0f} ms",
            "(no target)",
            "",
        ),
        (
            "full recompute, first (empty table)",
            f"{first['seconds']:.1f} s, peak {first['peak_rss_bytes'] / gib:.2f} GiB",
            f"<= {RECOMPUTE_TARGET_S:.0f} s, < 1.5 GiB",
            result["verdicts"]["recompute_first"],
        ),
        (
            "full recompute, again (replacing every row)",
            f"{second['seconds']:.1f} s, peak {second['peak_rss_bytes'] / gib:.2f} GiB",
            f"<= {RECOMPUTE_TARGET_S:.0f} s, < 1.5 GiB",
            result["verdicts"]["recompute_again"],
        ),
    ]
    lines = [
        "# Matching service benchmark",
        "",
        f"Run {result['run_at']} on {result['machine']['cpus']} cores "
        f"(load average before {result['machine']['load_before']}, after "
        f"{result['machine']['load_after']}); "
        f"{result['data']['learners']:,} learners with "
        f"{result['data']['learner_skills']:,} skills, "
        f"{result['data']['opportunities']:,} opportunities with "
        f"{result['data']['opportunity_skills']:,} requirements. "
        f"Command: `{result['command']}`.",
        "",
        "| measure | measured | target | verdict |",
        "| --- | --- | --- | --- |",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows),
        "",
        "Recompute phases (s): first "
        + ", ".join(f"{k} {v:.1f}" for k, v in first["phases"].items())
        + "; again "
        + ", ".join(f"{k} {v:.1f}" for k, v in second["phases"].items())
        + f". Matches stored: {second['matches']:,}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--learners", type=int, default=100_000, help="learners")
    parser.add_argument(
        "--opportunities", type=int, default=10_000, help="open opportunities"
    )
    parser.add_argument(
        "--samples", type=int, default=200, help="learners timed one by one"
    )
    parser.add_argument("--seed", type=int, default=20261204, help="random seed")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        mode, url, *rest = args.child
        if mode == "recompute":
            print(json.dumps(child_recompute(url)))
        else:
            print(json.dumps(child_single(url, *(int(x) for x in rest))))
        return

    from app.migrate import upgrade
    from harness.services import DisposablePostgres

    load_before = os.getloadavg()
    scale = Scale(args.learners, args.opportunities, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as folder:
        postgres = DisposablePostgres(Path(folder))
        postgres.start()
        try:
            url = postgres.create_database("bench_matching")
            upgrade(url)
            print(
                f"generating {scale.learners} learners, {scale.opportunities} "
                "opportunities",
                flush=True,
            )
            data = generate(url, scale)
            print(f"loaded in {data['seconds']} s; first recompute", flush=True)
            first = _run_child("recompute", url)
            print(f"first recompute {first['seconds']:.1f} s; again", flush=True)
            again = _run_child("recompute", url)
            print(
                f"second recompute {again['seconds']:.1f} s; single calls", flush=True
            )
            single = _run_child(
                "single", url, str(scale.learners), str(args.samples), str(args.seed)
            )
        finally:
            postgres.stop()

    service_ok = single["rank_for_learner_ms"]["median"] <= SERVICE_TARGET_MS
    result = {
        "benchmark": "matching_service",
        "run_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": "python benchmarks/matching_service.py " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "postgres": postgres.source,
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
        "data": data,
        "single": single,
        "recompute_first": first,
        "recompute_again": again,
        "targets": {
            "service_call_median_ms": SERVICE_TARGET_MS,
            "recompute_seconds": RECOMPUTE_TARGET_S,
            "peak_memory_bytes": MEMORY_TARGET_BYTES,
        },
        "verdicts": {
            "service_call": _verdict(service_ok),
            "recompute_first": _verdict(
                first["seconds"] <= RECOMPUTE_TARGET_S
                and first["peak_rss_bytes"] < MEMORY_TARGET_BYTES
            ),
            "recompute_again": _verdict(
                again["seconds"] <= RECOMPUTE_TARGET_S
                and again["peak_rss_bytes"] < MEMORY_TARGET_BYTES
            ),
        },
    }

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "matching_service.json").write_text(json.dumps(result, indent=2) + "\n")
    markdown = _markdown(result)
    (RESULTS / "matching_service.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
