"""``skillforge partners``: add members and API keys to a partner."""

from __future__ import annotations

import click

from app.config import load_settings
from app.errors import ConfigError, SkillForgeError

PASSWORD_ENV = "SKILLFORGE_MEMBER_PASSWORD"


@click.group()
def partners() -> None:
    """Partner organisations: members and API keys."""


def _partner_id(session: object, slug: str) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.partners.models import Partner

    assert isinstance(session, Session)
    partner_id = session.scalar(select(Partner.id).where(Partner.slug == slug))
    if partner_id is None:
        raise click.ClickException(f"no partner with the slug {slug!r}")
    return partner_id


def _configure() -> None:
    from app.db import db

    try:
        db.configure(load_settings().database_url)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@partners.command("add-member")
@click.option("--partner", "slug", required=True, help="The partner's slug.")
@click.option("--email", required=True, help="The member's email address.")
@click.option("--name", "display_name", required=True, help="The member's name.")
@click.password_option(envvar=PASSWORD_ENV, help=f"Password (or {PASSWORD_ENV}).")
def add_member(slug: str, email: str, display_name: str, password: str) -> None:
    """Create a member account that acts for the partner."""
    import app.models  # noqa: F401
    from app.db import db
    from app.partners import service

    _configure()
    with db.session() as session:
        try:
            user = service.add_member(
                session,
                _partner_id(session, slug),
                email=email,
                password=password,
                display_name=display_name,
            )
        except SkillForgeError as exc:
            raise click.ClickException(exc.detail) from exc
        session.commit()
        click.echo(f"member {user.id} added to {slug}")


@partners.command("create-key")
@click.option("--partner", "slug", required=True, help="The partner's slug.")
@click.option("--name", required=True, help="What the key is for.")
@click.option(
    "--scope", "scopes", multiple=True, required=True, help="A scope (repeatable)."
)
def create_key(slug: str, name: str, scopes: tuple[str, ...]) -> None:
    """Make an API key for the partner and print it; it is shown only now."""
    import app.models  # noqa: F401
    from app.db import db
    from app.partners import service

    _configure()
    with db.session() as session:
        try:
            key, raw = service.create_api_key(
                session, _partner_id(session, slug), name, list(scopes)
            )
        except SkillForgeError as exc:
            raise click.ClickException(exc.detail) from exc
        session.commit()
        click.echo(f"key {key.id} ({key.prefix}): {raw}")
