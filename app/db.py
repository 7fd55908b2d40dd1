"""The database: one engine per process and one session per request.

Service functions take a ``Session`` argument so tests can call them directly;
views get the request's session from ``request_session()``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, g
from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model, with stable constraint names."""

    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Database:
    """Holds the engine and the session factory of this process."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None

    def configure(self, url: str) -> None:
        """Create the engine for ``url``; calling again with the same URL is a no-op."""
        if self.engine is not None and str(self.engine.url) == url:
            return

        self.engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            pool_timeout=5,
            connect_args={"connect_timeout": 5},
        )
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)

    def bind_to(self, connection: Connection) -> None:
        """Make every new session join ``connection`` (tests roll it back)."""
        self.session_factory = sessionmaker(
            bind=connection,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )

    def session(self) -> Session:
        if self.session_factory is None:
            raise RuntimeError("the database is not configured")

        return self.session_factory()


db = Database()


def committed_for_good(session: Session) -> bool:
    """In an ``after_commit`` hook: True for the outermost commit, False when
    only a savepoint was released (its changes may still be rolled back)."""
    return session.get_nested_transaction() is None


def request_session() -> Session:
    """The session of the current request, opened on first use."""
    if "db_session" not in g:
        g.db_session = db.session()

    session: Session = g.db_session
    return session


def init_app(app: Flask, url: str) -> None:
    db.configure(url)

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
