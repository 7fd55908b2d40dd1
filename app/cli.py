"""The ``skillforge`` command: serve, worker and database chores."""

from __future__ import annotations

import os
import sys

import click

from app.config import load_settings
from app.errors import ConfigError
from app.matching import cli as matching_cli
from app.partners import cli as partners_cli
from app.webhooks import cli as webhooks_cli


@click.group()
def main() -> None:
    """SkillForge, the learner and career platform."""


@main.command()
@click.option(
    "--bind", default="127.0.0.1:8000", show_default=True, help="Address to listen on."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    help="Worker processes [default: SKILLFORGE_WEB_WORKERS, else 2 per core + 1].",
)
@click.option(
    "--threads",
    default=1,
    type=click.IntRange(min=1),
    show_default=True,
    help="Threads per worker.",
)
def serve(bind: str, workers: int | None, threads: int) -> None:
    """Serve the web app and the JSON API with gunicorn."""
    from app.server import default_workers
    from app.server import serve as run

    try:
        load_settings()
        workers = workers or default_workers()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc

    run(bind, workers, threads)


@main.command()
@click.option("--processes", default=1, show_default=True, help="Worker processes.")
@click.option("--threads", default=4, show_default=True, help="Threads per process.")
def worker(processes: int, threads: int) -> None:
    """Run dramatiq workers for webhooks, notifications and compliance jobs."""
    try:
        load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc

    args = [
        sys.executable,
        "-m",
        "dramatiq",
        "app.tasks",
        "--processes",
        str(processes),
        "--threads",
        str(threads),
    ]
    os.execv(sys.executable, args)


@main.group()
def db() -> None:
    """Migrate and seed the database named by DATABASE_URL."""


def _url() -> str:
    try:
        return load_settings().database_url
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@db.command()
@click.option("--revision", default="heads", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from app import migrate

    migrate.upgrade(_url(), revision)
    click.echo(
        f"database at {', '.join(sorted(migrate.current_heads(_url()))) or 'base'}"
    )


@db.command()
@click.option("--revision", default="base", show_default=True, help="Target revision.")
def downgrade(revision: str) -> None:
    """Undo migrations down to REVISION."""
    from app import migrate

    migrate.downgrade(_url(), revision)
    click.echo(
        f"database at {', '.join(sorted(migrate.current_heads(_url()))) or 'base'}"
    )


@db.command()
@click.option(
    "--seed", "seed_number", default=20261204, show_default=True, help="Random seed."
)
def seed(seed_number: int) -> None:
    """Load the deterministic demo data (refused in production)."""
    from app.db import db as database
    from app.seed import seed_database

    try:
        settings = load_settings()
        database.configure(settings.database_url)
        with database.session() as session:
            counts = seed_database(session, seed_number, settings.profile)
            session.commit()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    for name, count in counts.items():
        click.echo(f"{name:>22} {count:>6}")


@db.command()
def check() -> None:
    """Fail if the models and the migrated database differ."""
    from app import migrate

    drift = migrate.model_drift(_url())
    if drift:
        for line in drift:
            click.echo(line)
        raise click.ClickException(
            f"{len(drift)} differences between models and migrations"
        )
    click.echo("models and migrations agree")


main.add_command(matching_cli.matches)
main.add_command(partners_cli.partners)
main.add_command(webhooks_cli.webhooks)
