"""``skillforge matches``: chores on the stored matches."""

from __future__ import annotations

import click

from app.config import load_settings
from app.errors import ConfigError
from app.matching.errors import RecomputeRunning


@click.group()
def matches() -> None:
    """The stored top matches of every learner."""


@matches.command()
@click.option(
    "--top", default=20, show_default=True, help="Matches stored per learner."
)
def recompute(top: int) -> None:
    """Recompute and store every learner's top matches now.

    Runs in this process, chunk by chunk; learners who gain a new top match
    are notified. Fails at once if another recompute is running.
    """
    import app.models  # noqa: F401  (every mapper, before the first query)
    from app.db import db
    from app.matching.recompute import recompute_all

    if not 1 <= top <= 100:
        raise click.BadParameter("must be from 1 to 100", param_hint="--top")
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc

    db.configure(settings.database_url)
    try:
        summary = recompute_all(
            db.session, top_n=top, redis_url=settings.redis_url, progress=click.echo
        )
    except RecomputeRunning as exc:
        raise click.ClickException(str(exc)) from exc

    timings = ", ".join(f"{k} {v:.1f} s" for k, v in summary.seconds.items())
    click.echo(
        f"{summary.learners} learners, {summary.matches} matches stored, "
        f"{summary.notified} notified, {summary.events} webhook events ({timings})"
    )
