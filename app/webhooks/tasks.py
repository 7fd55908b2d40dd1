"""The webhook actors that ``skillforge worker`` runs, and its sweep thread.

``deliver_webhook`` makes one attempt; failures come back through dramatiq's
Retries middleware with the delay ``app.webhooks.delivery`` picked (and for
unexpected errors, such as the database being away, with the middleware's own
backoff between ``min_backoff`` and ``max_backoff``). Each worker process also
runs the dispatcher's sweep every ``sweep_interval`` seconds in a thread, so a
plain ``skillforge worker`` recovers messages lost to a Redis restart or a
killed worker without any other process; the same thread sends the email
outbox's stale rows (``dispatch_stale_emails``).
"""

from __future__ import annotations

import logging
import random
import threading
from typing import Any

import dramatiq
import redis
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

import app.models  # noqa: F401  (every mapper, before the first query)
from app.broker import configure_broker
from app.config import load_settings
from app.notifications.email import dispatch_stale_emails
from app.webhooks import dispatcher
from app.webhooks.delivery import attempt_delivery

logger = logging.getLogger(__name__)
broker = configure_broker()
settings = load_settings()
hooks = settings.webhooks

# Unexpected errors (not a failed delivery) are retried this many times;
# after that the sweep picks the delivery up again.
UNEXPECTED_RETRIES = 10
# When the endpoint's slots are all taken, look again after this long plus up
# to as much again at random (milliseconds). Not compressed: it is no retry.
BUSY_DELAY_MS = 200
# Connections per worker process: its threads, the sweep, and room to spare.
POOL_SIZE = 8
POOL_RECYCLE_SECONDS = 1800


class _Runtime:
    """The database and Redis of this worker process, opened on first use.

    Its engine skips the app's ping before each checkout (one round trip per
    delivery): a connection that died with its server fails the attempt's
    first statement instead, and dramatiq's Retries middleware runs the
    message again on a fresh one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._redis: redis.Redis | None = None
        self._sessions: sessionmaker[Session] | None = None

    def _open(self) -> None:
        with self._lock:
            if self._redis is None:
                engine = create_engine(
                    settings.database_url,
                    pool_size=POOL_SIZE,
                    max_overflow=POOL_SIZE,
                    pool_timeout=5,
                    pool_recycle=POOL_RECYCLE_SECONDS,
                    connect_args={"connect_timeout": 5},
                )
                self._sessions = sessionmaker(engine, expire_on_commit=False)
                self._redis = redis.Redis.from_url(
                    settings.redis_url, socket_timeout=5, socket_connect_timeout=5
                )

    def redis(self) -> redis.Redis:
        self._open()
        assert self._redis is not None
        return self._redis

    def session(self) -> Session:
        self._open()
        assert self._sessions is not None
        return self._sessions()


runtime = _Runtime()


def _retry_when(retries: int, exception: BaseException) -> bool:
    """Failed deliveries always come back (the database bounds them)."""
    return isinstance(exception, dramatiq.Retry) or retries < UNEXPECTED_RETRIES


@dramatiq.actor(
    actor_name=dispatcher.DELIVER_ACTOR,
    queue_name=dispatcher.QUEUE,
    retry_when=_retry_when,
    min_backoff=max(1, int(hooks.scaled(hooks.backoff_base) * 1000)),
    max_backoff=max(1, int(hooks.scaled(hooks.backoff_cap) * 1000)),
    time_limit=int((hooks.lease_seconds + 60) * 1000),
)
def deliver_webhook(delivery_id: int, endpoint_id: int) -> None:
    """Make one attempt at a delivery, if it is due and no one else is on it."""
    client = runtime.redis()
    with runtime.session() as session:
        result = attempt_delivery(session, client, settings, delivery_id, endpoint_id)

    if result.busy:
        delay = BUSY_DELAY_MS + random.randint(0, BUSY_DELAY_MS)
        dispatcher.enqueue(settings.redis_url, [(delivery_id, endpoint_id)], delay)
    elif result.retry_ms is not None:
        raise dramatiq.Retry(delay=result.retry_ms)


@dramatiq.actor(actor_name="dispatch_webhooks", queue_name=dispatcher.QUEUE)
def dispatch_webhooks() -> None:
    """Sweep once: enqueue pending deliveries whose messages look lost."""
    with runtime.session() as session:
        dispatcher.sweep(session, settings)


class SweepThread(dramatiq.Middleware):
    """Runs the dispatcher's sweep every ``sweep_interval`` seconds in a worker.

    It also watches the worker's consumer threads. dramatiq 2.2.1 can lose
    one for good when Redis goes away while it moves a delayed message (seen
    on ``webhooks.DQ`` after a Redis restart); retries then reach this worker
    only through the sweep, late by up to ``sweep_grace``, until it restarts.
    The thread says so once, as an error, for an operator to act on.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker: Any = None
        self._reported: set[str] = set()

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        if hooks.sweep_interval <= 0:
            return

        self._worker = worker
        self._thread = threading.Thread(
            target=self._run, name="webhook-sweep", daemon=True
        )
        self._thread.start()

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        self._stop.set()

    def _run(self) -> None:
        logger.debug("Webhook sweep every %.1f s.", hooks.sweep_interval)
        while not self._stop.wait(hooks.sweep_interval):
            try:
                with runtime.session() as session:
                    dispatcher.sweep(session, settings)
            except Exception:
                logger.warning("The webhook sweep failed; trying again.", exc_info=True)
            try:
                # The email outbox has the same gap (a message lost between
                # commit and worker); its stale rows go out from here too.
                with runtime.session() as session:
                    dispatch_stale_emails(session, settings.redis_url)
            except Exception:
                logger.warning("The email sweep failed; trying again.", exc_info=True)
            self._check_consumers()

    def _check_consumers(self) -> None:
        consumers = getattr(self._worker, "consumers", {}) or {}
        for name, consumer in list(consumers.items()):
            if name in self._reported or consumer.is_alive() or self._stop.is_set():
                continue
            self._reported.add(name)
            logger.error(
                "The consumer of queue %s died; restart this worker. Until then "
                "its webhook retries arrive through the sweep.",
                name,
            )


broker.add_middleware(SweepThread())
