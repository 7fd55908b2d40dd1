"""The ``harness`` command: bring the stack up, run the gates, write the log."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click

from harness import stack as stacks
from harness.errors import HarnessError
from harness.gates import GateContext, load_gates, run_gate
from harness.report import verdict, write_reports

ROOT = Path.cwd()


def _fail(exc: HarnessError) -> None:
    click.secho(f"error: {exc}", fg="red", err=True)
    sys.exit(exc.exit_code)


@click.group()
def main() -> None:
    """SkillForge readiness harness: stack, gates and the Launch Readiness Log."""


@main.group()
def stack() -> None:
    """Bring up, inspect and stop the stack the gates run against."""


@stack.command("up")
@click.option("--web-workers", default=2, show_default=True, help="gunicorn workers.")
def stack_up(web_workers: int) -> None:
    """Start PostgreSQL, Redis, migrations, seed, web and worker; leave them running."""
    try:
        stacks.refuse_if_running(ROOT)
        info = stacks.up(ROOT, web_workers=web_workers)
    except HarnessError as exc:
        _fail(exc)
    click.echo(f"stack up: web {info.base_url}, state in {stacks.state_path(ROOT)}")


@stack.command("down")
def stack_down() -> None:
    """Stop everything `stack up` started, and nothing else."""
    try:
        info = stacks.StackInfo.load(stacks.state_path(ROOT))
    except HarnessError as exc:
        _fail(exc)
    stacks.down(info, root=ROOT)
    click.echo("stack down")


@stack.command("status")
def stack_status() -> None:
    """Show each process of the recorded stack and what /readyz says."""
    try:
        info = stacks.StackInfo.load(stacks.state_path(ROOT))
    except HarnessError as exc:
        _fail(exc)
    for name, state in stacks.status(info):
        click.echo(f"{name:>10}  {state}")


@main.command()
@click.option("--only", multiple=True, help="Run only this gate id (repeatable).")
@click.option(
    "--gates-file", default="ci/gates.toml", show_default=True, help="The gate list."
)
@click.option(
    "--reports",
    default=None,
    help="Where the log is written [default: reports, or reports/partial with --only].",
)
def gate(only: tuple[str, ...], gates_file: str, reports: str | None) -> None:
    """Boot a fresh stack, run every gate, write the Launch Readiness Log.

    Exits 1 when a blocking gate did not pass, so CI refuses the deploy. With
    --only the run is partial: its log says so, never READY, and goes to
    reports/partial so the full log is not overwritten.
    """
    reports_dir = ROOT / (reports or ("reports/partial" if only else "reports"))
    try:
        gates = load_gates(ROOT / gates_file)
    except HarnessError as exc:
        _fail(exc)
    unknown = set(only) - {g.id for g in gates}
    if unknown:
        raise click.BadParameter(
            f"unknown gate ids: {sorted(unknown)}", param_hint="--only"
        )
    if only:
        gates = [g for g in gates if g.id in only]

    click.echo(f"booting a fresh stack for {len(gates)} gates")
    began = time.monotonic()
    try:
        info = stacks.up(ROOT)
    except HarnessError as exc:
        _fail(exc)

    results = []
    try:
        for number, g in enumerate(gates, 1):
            evidence_dir = reports_dir / "evidence" / g.id
            shutil.rmtree(evidence_dir, ignore_errors=True)
            context = GateContext(ROOT, evidence_dir, info)
            click.echo(f"[{number:>2}/{len(gates)}] {g.id:<30} running...")
            result = run_gate(g, context)
            results.append(result)
            colour = "green" if result.status == "passed" else "red"
            click.echo(
                f"[{number:>2}/{len(gates)}] {g.id:<30} "
                + click.style(f"{result.status.upper():<14}", fg=colour)
                + f"{result.seconds:6.1f} s  {result.summary}"
            )
    finally:
        click.echo("stopping the stack")
        stacks.down(info, progress=lambda _m: None, root=ROOT)

    meta = {
        "stack": info.base_url,
        "seconds": round(time.monotonic() - began, 1),
        "partial": bool(only),
    }
    written = write_reports(results, reports_dir, meta)
    failed = any(r.blocks_deploy for r in results)
    click.echo("")
    click.secho(
        verdict(results, bool(only)), bold=True, fg="red" if failed else "green"
    )
    for path in written:
        click.echo(f"  {os.path.relpath(path, ROOT)}")
    sys.exit(1 if failed else 0)


@main.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "-m", "--tags", default="", help="pytest marker expression, e.g. 'student'."
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def bdd(tags: str, pytest_args: tuple[str, ...]) -> None:
    """Run the Gherkin acceptance features with pytest-bdd."""
    argv = [sys.executable, "-m", "pytest", "features", *pytest_args]
    if tags:
        argv += ["-m", tags]
    sys.exit(subprocess.call(argv))
