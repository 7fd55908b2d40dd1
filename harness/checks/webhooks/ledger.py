"""The webhook ledger: SQL over events, deliveries, attempts and dead letters.

It reads the database the way an auditor would, without the app's code, and
holds the app to four promises:

* every accepted event's delivery is delivered, dead-lettered, pending or
  cancelled, and each state is backed by its record (a delivered delivery
  has a successful attempt; a dead one has exactly one open dead letter);
* a dead letter for running out of attempts comes after the last attempt,
  never earlier;
* once the queues have drained, nothing of an active endpoint is pending
  past ``pending_bound`` seconds after it was due;
* no event went out under two ids: every attempt carried its event's id.

``partner_ids`` limits the count to some partners (a test's own).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import create_engine, pool, text

EXHAUSTED = re.compile(r"^no success in (\d+) attempts")


@dataclass
class Ledger:
    """The counts and every broken promise found."""

    events: int = 0
    deliveries: int = 0
    delivered: int = 0
    dead: int = 0
    pending: int = 0
    held: int = 0
    cancelled: int = 0
    attempts: int = 0
    dead_letters_open: int = 0
    dead_letters_replayed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        """True when every delivery is accounted for and nothing is broken."""
        accounted = self.delivered + self.dead + self.pending + self.cancelled
        return accounted == self.deliveries and not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "balanced": self.balanced}


def _scope(column: str, partner_ids: Sequence[int] | None) -> str:
    if partner_ids is None:
        return "TRUE"
    return f"{column} = ANY(:partners)"


def read_ledger(
    database_url: str,
    pending_bound: float,
    max_attempts: int,
    partner_ids: Sequence[int] | None = None,
) -> Ledger:
    """Count and check the ledger; ``pending_bound`` is in seconds."""
    params: dict[str, Any] = {
        "partners": list(partner_ids or []),
        "bound": pending_bound,
    }
    events = _scope("e.partner_id", partner_ids)
    ledger = Ledger()
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with engine.connect() as connection:

        def scalar(sql: str) -> int:
            return int(connection.execute(text(sql), params).scalar() or 0)

        def ids(sql: str) -> list[Any]:
            return list(connection.execute(text(sql), params).scalars())

        deliveries = f"""
            webhook_deliveries d
            JOIN webhook_events e ON e.id = d.event_id
            JOIN webhook_endpoints p ON p.id = d.endpoint_id
            WHERE {events}"""
        ledger.events = scalar(f"SELECT count(*) FROM webhook_events e WHERE {events}")
        counts = connection.execute(
            text(f"SELECT d.status, count(*) FROM {deliveries} GROUP BY d.status"),
            params,
        ).all()
        for status, count in counts:
            setattr(ledger, status, int(count))
        ledger.deliveries = sum(int(count) for _, count in counts)
        ledger.held = scalar(
            f"SELECT count(*) FROM {deliveries} "
            "AND d.status = 'pending' AND p.status <> 'active'"
        )
        ledger.attempts = scalar(
            f"SELECT count(*) FROM webhook_attempts a "
            f"JOIN webhook_deliveries d ON d.id = a.delivery_id "
            f"JOIN webhook_events e ON e.id = d.event_id WHERE {events}"
        )
        ledger.dead_letters_open = scalar(
            f"SELECT count(*) FROM webhook_dead_letters l "
            f"JOIN webhook_events e ON e.id = l.event_id "
            f"WHERE {events} AND l.replayed_at IS NULL"
        )
        ledger.dead_letters_replayed = scalar(
            f"SELECT count(*) FROM webhook_dead_letters l "
            f"JOIN webhook_events e ON e.id = l.event_id "
            f"WHERE {events} AND l.replayed_at IS NOT NULL"
        )

        problems = ledger.problems
        for delivery_id in ids(
            f"SELECT d.id FROM {deliveries} AND d.status = 'delivered' "
            "AND NOT EXISTS (SELECT 1 FROM webhook_attempts a "
            "WHERE a.delivery_id = d.id AND a.outcome = 'delivered')"
        ):
            problems.append(f"delivery {delivery_id} is delivered with no 2xx attempt")
        for delivery_id in ids(
            f"SELECT d.id FROM {deliveries} AND d.status = 'dead' "
            "AND (SELECT count(*) FROM webhook_dead_letters l "
            "WHERE l.delivery_id = d.id AND l.replayed_at IS NULL) <> 1"
        ):
            problems.append(
                f"delivery {delivery_id} is dead without exactly one open dead letter"
            )
        for delivery_id in ids(
            f"SELECT d.id FROM {deliveries} AND d.status <> 'dead' "
            "AND EXISTS (SELECT 1 FROM webhook_dead_letters l "
            "WHERE l.delivery_id = d.id AND l.replayed_at IS NULL)"
        ):
            problems.append(
                f"delivery {delivery_id} has an open dead letter but is not dead"
            )
        for dead_letter_id, reason in connection.execute(
            text(
                "SELECT l.id, l.reason FROM webhook_dead_letters l "
                f"JOIN webhook_events e ON e.id = l.event_id WHERE {events}"
            ),
            params,
        ).all():
            found = EXHAUSTED.match(reason)
            if found and int(found.group(1)) < max_attempts:
                problems.append(
                    f"dead letter {dead_letter_id} came after {found.group(1)} "
                    f"attempts, before the last ({max_attempts})"
                )
        for delivery_id in ids(
            f"SELECT d.id FROM {deliveries} AND d.status = 'pending' "
            "AND p.status = 'active' "
            "AND d.due_at < now() - make_interval(secs => :bound)"
        ):
            problems.append(
                f"delivery {delivery_id} is pending more than {pending_bound:g} s "
                "past due"
            )
        for attempt_id in ids(
            "SELECT a.id FROM webhook_attempts a "
            "JOIN webhook_deliveries d ON d.id = a.delivery_id "
            f"JOIN webhook_events e ON e.id = d.event_id WHERE {events} "
            "AND a.message_id <> d.event_id"
        ):
            problems.append(f"attempt {attempt_id} went out under another id")
    engine.dispose()

    return ledger


def check_received(
    received: Sequence[Any], event_ids: set[str] | None = None
) -> list[str]:
    """Problems seen from the receiving side: unknown ids, one body two ids.

    ``received`` holds ``Received`` records; ``event_ids`` the ids the
    database accepted, when known.
    """
    problems: list[str] = []
    ids_by_body: dict[bytes, set[str]] = {}
    for request in received:
        ids_by_body.setdefault(request.body, set()).add(request.webhook_id)
        if event_ids is not None and request.webhook_id not in event_ids:
            problems.append(f"received unknown id {request.webhook_id!r}")
    for ids in ids_by_body.values():
        if len(ids) > 1:
            problems.append(f"one event went out under several ids: {sorted(ids)}")

    return problems
