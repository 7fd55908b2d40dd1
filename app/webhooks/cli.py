"""``skillforge webhooks``: replay dead letters and run the dispatcher's sweep."""

from __future__ import annotations

import time

import click

from app.config import load_settings
from app.errors import ConfigError, SkillForgeError

# Bulk replay goes in batches of this many, each its own transaction, and
# stops after MAX_BATCHES however many remain.
BATCH = 500
MAX_BATCHES = 1000


@click.group()
def webhooks() -> None:
    """Partner webhooks: replay dead letters, sweep the outbox."""


def _configure() -> None:
    from app.db import db

    try:
        db.configure(load_settings().database_url)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@webhooks.command()
@click.option("--id", "dead_letter_id", type=int, help="Replay this dead letter.")
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
@click.option("--endpoint", "endpoint_id", type=int, help="Only this endpoint's.")
def replay(
    dead_letter_id: int | None, replay_all: bool, endpoint_id: int | None
) -> None:
    """Send dead letters again, under their events' ids.

    Endpoints that are disabled or deleted are skipped; resume them first.
    """
    if (dead_letter_id is None) == (not replay_all):
        raise click.UsageError("give either --id ID or --all")

    import app.models  # noqa: F401
    from app.db import db
    from app.webhooks import service

    _configure()
    if dead_letter_id is not None:
        with db.session() as session:
            try:
                delivery_id = service.replay_dead_letter(session, dead_letter_id)
            except SkillForgeError as exc:
                raise click.ClickException(exc.detail) from exc
            session.commit()
        click.echo(f"dead letter {dead_letter_id} replayed as delivery {delivery_id}")
        return

    total = 0
    for batch in range(1, MAX_BATCHES + 1):
        with db.session() as session:
            count = service.replay_dead_letters(
                session, endpoint_id=endpoint_id, limit=BATCH
            )
            session.commit()
        total += count
        if count < BATCH:
            break
        click.echo(f"  batch {batch}: {count} replayed")
    click.echo(f"{total} dead letters replayed")


@webhooks.command()
@click.option("--loop", is_flag=True, help="Keep sweeping until stopped.")
@click.option(
    "--interval", default=5.0, show_default=True, help="Seconds between sweeps."
)
@click.option(
    "--for",
    "duration",
    default=0.0,
    show_default=True,
    help="With --loop, stop after this many seconds (0: never).",
)
def dispatch(loop: bool, interval: float, duration: float) -> None:
    """Enqueue pending deliveries whose messages look lost (the sweep).

    Workers already sweep on their own; this is for operators and schedulers.
    """
    import app.models  # noqa: F401
    from app.db import db
    from app.webhooks.dispatcher import sweep

    _configure()
    settings = load_settings()
    began = time.monotonic()
    total = 0
    while True:
        with db.session() as session:
            sent = sweep(session, settings)
        total += sent
        if sent:
            click.echo(f"  enqueued {sent} deliveries")
        if not loop or (duration and time.monotonic() - began >= duration):
            break
        time.sleep(interval)
    click.echo(f"{total} deliveries enqueued")
