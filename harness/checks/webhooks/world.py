"""Partners, endpoints and events made through the app's own services.

Drills, integration tests and the benchmark need committed rows that a real
worker process can see; ``World`` makes them with the app's service functions
(the only app code the harness uses, to build fixtures) and removes every
partner it made, with all that hangs off it, when it is cleaned up.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

import app.models  # noqa: F401  (every mapper)
from app.auth.models import User
from app.auth.service import hash_password, issue_token
from app.config import Settings
from app.partners import service as partners
from app.partners.models import Partner
from app.webhooks import service as webhooks
from app.webhooks.dispatcher import REDIS_URL_KEY
from app.webhooks.models import (
    EVENT_TYPES,
    DeadLetter,
    Delivery,
    DeliveryAttempt,
    WebhookEndpoint,
)
from app.webhooks.outbox import record_event
from harness.checks.webhooks.ledger import Ledger, read_ledger

# A password for made-up members: they sign in with tokens, never with it.
MEMBER_PASSWORD = "drill member passphrase"
CLEANUP_TRIES = 5


@dataclass(frozen=True)
class Member:
    partner_id: int
    user_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class World:
    """Committed partners and endpoints on a database, and their clean-up."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_engine(settings.database_url, pool_size=2)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.partner_ids: list[int] = []
        self._password_hash: str | None = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose deliveries go to this world's Redis after commit."""
        with self._sessions() as session:
            session.info[REDIS_URL_KEY] = self.settings.redis_url
            yield session

    def member(self, name: str = "drill") -> Member:
        """A new partner with one member, and that member's API token."""
        tag = uuid.uuid4().hex[:10]
        if self._password_hash is None:
            self._password_hash = hash_password(MEMBER_PASSWORD)
        with self.session() as session:
            partner = partners.create_partner(
                session,
                slug=f"{name}-{tag}",
                name=f"{name.title()} {tag}",
                regions=["eu", "us"],
                contact_email=f"contact-{tag}@partners.example",
            )
            user = partners.add_member(
                session,
                partner.id,
                email=f"member-{tag}@partners.example",
                password=MEMBER_PASSWORD,
                display_name=f"Member {tag}",
                password_hash=self._password_hash,
            )
            token = issue_token(session, user, name="drill")
            session.commit()
            self.partner_ids.append(partner.id)
            return Member(partner.id, user.id, token)

    def endpoint(
        self,
        partner_id: int,
        url: str,
        event_types: Sequence[str] = EVENT_TYPES,
    ) -> tuple[int, str]:
        """Register an endpoint; return its id and signing secret."""
        with self.session() as session:
            endpoint, secret = webhooks.create_endpoint(
                session, self.settings, partner_id, url, list(event_types)
            )
            session.commit()
            return endpoint.id, secret

    def record(
        self,
        partner_id: int,
        count: int = 1,
        event_type: str = "match.created",
        payload: dict[str, Any] | None = None,
    ) -> list[str]:
        """Record ``count`` events, each in its own committed transaction."""
        ids = []
        with self.session() as session:
            for number in range(count):
                body = dict(payload or {}, sequence=number)
                ids.append(record_event(session, partner_id, event_type, body))
                session.commit()
        return ids

    def deliveries(self, partner_id: int) -> list[Delivery]:
        with self.session() as session:
            return list(
                session.scalars(
                    select(Delivery)
                    .join(WebhookEndpoint)
                    .where(WebhookEndpoint.partner_id == partner_id)
                    .order_by(Delivery.id)
                )
            )

    def attempts(self, delivery_id: int) -> list[DeliveryAttempt]:
        with self.session() as session:
            return list(
                session.scalars(
                    select(DeliveryAttempt)
                    .where(DeliveryAttempt.delivery_id == delivery_id)
                    .order_by(DeliveryAttempt.id)
                )
            )

    def dead_letters(self, partner_id: int) -> list[DeadLetter]:
        with self.session() as session:
            return list(
                session.scalars(
                    select(DeadLetter)
                    .where(DeadLetter.partner_id == partner_id)
                    .order_by(DeadLetter.id)
                )
            )

    def endpoint_row(self, endpoint_id: int) -> WebhookEndpoint:
        with self.session() as session:
            endpoint = session.get(WebhookEndpoint, endpoint_id)
            assert endpoint is not None
            return endpoint

    def settled(self, partner_id: int) -> bool:
        """True when no delivery of the partner is pending any more."""
        return all(d.status != "pending" for d in self.deliveries(partner_id))

    def ledger(self, pending_bound: float = 30.0) -> Ledger:
        return read_ledger(
            self.settings.database_url,
            pending_bound,
            self.settings.webhooks.max_attempts,
            self.partner_ids,
        )

    def cleanup(self) -> None:
        """Delete every partner made here, its members and all their rows.

        A worker may still be recording an attempt of these partners; when a
        deadlock with it aborts the delete, the delete is tried again.
        """
        for _ in range(CLEANUP_TRIES):
            if not self.partner_ids:
                break
            try:
                with self.session() as session:
                    session.execute(
                        delete(User).where(User.partner_id.in_(self.partner_ids))
                    )
                    session.execute(
                        delete(Partner).where(Partner.id.in_(self.partner_ids))
                    )
                    session.commit()
                self.partner_ids.clear()
            except OperationalError:
                time.sleep(0.5)
        self.engine.dispose()


# The compressed settings drills and tests run workers with: the retry
# schedule at 1/200 (30 s becomes 0.15 s), four attempts, short timeouts, a
# quick sweep. Values are strings, as environment variables are.
DRILL_SETTINGS = {
    "SKILLFORGE_WEBHOOK_TIME_SCALE": "0.005",
    "SKILLFORGE_WEBHOOK_MAX_ATTEMPTS": "4",
    "SKILLFORGE_WEBHOOK_CONNECT_TIMEOUT": "1",
    "SKILLFORGE_WEBHOOK_READ_TIMEOUT": "1",
    "SKILLFORGE_WEBHOOK_TOTAL_TIMEOUT": "1.5",
    "SKILLFORGE_WEBHOOK_SWEEP_INTERVAL": "0.5",
    "SKILLFORGE_WEBHOOK_SWEEP_GRACE": "2",
    "SKILLFORGE_WEBHOOK_DISABLE_AFTER": "2",
    "SKILLFORGE_WEBHOOK_ENDPOINT_CONCURRENCY": "2",
    "SKILLFORGE_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
    # dramatiq's own setting: an idle consumer looks for messages every 0.1 s
    # at most (default 1 s), so compressed waits are not lost in polling.
    "dramatiq_worker_timeout": "100",
}
