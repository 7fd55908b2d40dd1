"""The email outbox: rows commit with their change, reach Redis, leave by SMTP.

Delivery runs the ``deliver_email`` actor's function against a real aiosmtpd
server on loopback, with real PostgreSQL and Redis. The end-to-end run with a
dramatiq worker process lives in ``test_email_worker.py``.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.notifications import email
from app.notifications.models import EmailOutbox
from app.notifications.service import notify, set_preferences
from harness.services import free_port
from tests.fixtures import Account, Services, sign_up
from tests.mailbox import Inbox, running_inbox, token_in

pytestmark = pytest.mark.integration

Deliver = Callable[[int], None]


@pytest.fixture
def learner(verified_learner: Account) -> Account:
    """Notification mail goes only to verified addresses."""
    return verified_learner


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with running_inbox() as box:
        monkeypatch.setenv("SKILLFORGE_SMTP_HOST", box.host)
        monkeypatch.setenv("SKILLFORGE_SMTP_PORT", str(box.port))
        yield box


@pytest.fixture
def deliver(services: Services) -> Deliver:
    """The actor's function, called directly as a worker would call it."""
    from app.broker import configure_broker

    # Whoever sets dramatiq's global broker first wins: make it the test Redis.
    configure_broker(services.redis_url)
    from app.notifications.tasks import deliver_email

    function: Deliver = deliver_email.fn
    return function


def outbox_for(db_session: Session, user_id: int) -> list[EmailOutbox]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(EmailOutbox)
            .where(EmailOutbox.user_id == user_id)
            .order_by(EmailOutbox.id)
        )
    )


def queued_outbox_ids(client: redis.Redis) -> list[int]:
    raw: dict[bytes, bytes] = client.hgetall(  # type: ignore[assignment]
        f"dramatiq:{email.QUEUE}.msgs"
    )
    messages = [json.loads(value) for value in raw.values()]
    return sorted(m["args"][0] for m in messages if m["actor_name"] == email.ACTOR)


def test_signup_queues_a_verification_mail_and_enqueues_it_after_commit(
    client: FlaskClient, db_session: Session, redis_client: redis.Redis
) -> None:
    account = sign_up(client)

    rows = outbox_for(db_session, account.id)

    assert [(r.kind, r.status, r.attempts) for r in rows] == [
        ("verify_email", "pending", 0)
    ]
    assert rows[0].to_address == account.email
    assert email.SECRET_PLACEHOLDER in rows[0].body
    assert rows[0].secret is not None
    assert queued_outbox_ids(redis_client) == [rows[0].id]


def test_delivery_sends_the_mail_and_wipes_the_token(
    client: FlaskClient, db_session: Session, inbox: Inbox, deliver: Deliver
) -> None:
    account = sign_up(client)
    row = outbox_for(db_session, account.id)[0]

    deliver(row.id)

    [mail] = inbox.to(account.email)
    assert mail["Subject"] == "Confirm your email address for SkillForge"
    assert mail["Message-ID"] == f"<outbox-{row.id}@skillforge.example>"
    token = token_in(mail)
    assert email.SECRET_PLACEHOLDER not in mail.get_content()
    [sent] = outbox_for(db_session, account.id)
    assert (sent.status, sent.attempts, sent.secret) == ("sent", 1, None)
    assert sent.sent_at is not None
    assert token not in sent.body


def test_a_row_marked_sent_is_never_sent_again(
    client: FlaskClient, db_session: Session, inbox: Inbox, deliver: Deliver
) -> None:
    account = sign_up(client)
    row = outbox_for(db_session, account.id)[0]

    deliver(row.id)
    deliver(row.id)

    assert len(inbox.to(account.email)) == 1
    assert outbox_for(db_session, account.id)[0].attempts == 1


def test_a_temporary_refusal_is_recorded_and_raised_for_a_retry(
    client: FlaskClient, db_session: Session, inbox: Inbox, deliver: Deliver
) -> None:
    account = sign_up(client)
    row = outbox_for(db_session, account.id)[0]
    inbox.reply = "451 4.3.0 Try again later"

    with pytest.raises(email.EmailDeliveryFailed):
        deliver(row.id)

    [failed] = outbox_for(db_session, account.id)
    assert (failed.status, failed.attempts) == ("pending", 1)
    assert failed.last_error is not None and "451" in failed.last_error
    assert failed.secret is not None

    inbox.reply = None
    deliver(row.id)

    [sent] = outbox_for(db_session, account.id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert len(inbox.to(account.email)) == 1


def test_a_permanent_refusal_fails_the_row_without_a_retry(
    client: FlaskClient, db_session: Session, inbox: Inbox, deliver: Deliver
) -> None:
    account = sign_up(client)
    row = outbox_for(db_session, account.id)[0]
    inbox.reply = "550 5.1.1 No such mailbox"

    deliver(row.id)

    [failed] = outbox_for(db_session, account.id)
    assert (failed.status, failed.attempts, failed.secret) == ("failed", 1, None)
    assert failed.last_error is not None and "550" in failed.last_error


def test_the_last_attempt_gives_up_instead_of_raising(
    client: FlaskClient, db_session: Session, inbox: Inbox, deliver: Deliver
) -> None:
    account = sign_up(client)
    row = outbox_for(db_session, account.id)[0]
    row.attempts = email.MAX_ATTEMPTS - 1
    db_session.commit()
    inbox.reply = "421 4.7.0 Too busy"

    deliver(row.id)

    [failed] = outbox_for(db_session, account.id)
    assert (failed.status, failed.attempts) == ("failed", email.MAX_ATTEMPTS)
    assert inbox.messages == []


def test_a_server_that_never_answers_times_out(
    client: FlaskClient,
    db_session: Session,
    deliver: Deliver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = sign_up(client)
    row = outbox_for(db_session, account.id)[0]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        # Listens but never accepts: the connection opens, no greeting comes.
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        monkeypatch.setenv("SKILLFORGE_SMTP_PORT", str(silent.getsockname()[1]))
        monkeypatch.setenv("SKILLFORGE_SMTP_TIMEOUT_SECONDS", "0.3")

        with pytest.raises(email.EmailDeliveryFailed):
            deliver(row.id)

    [failed] = outbox_for(db_session, account.id)
    assert failed.status == "pending"
    assert failed.last_error is not None and "timed out" in failed.last_error


def test_no_server_at_all_is_a_temporary_failure(
    client: FlaskClient,
    db_session: Session,
    deliver: Deliver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = sign_up(client)
    row = outbox_for(db_session, account.id)[0]
    monkeypatch.setenv("SKILLFORGE_SMTP_PORT", str(free_port()))

    with pytest.raises(email.EmailDeliveryFailed):
        deliver(row.id)

    assert outbox_for(db_session, account.id)[0].last_error is not None


def test_the_actor_is_retried_by_dramatiq_with_backoff(deliver: Deliver) -> None:
    from dramatiq.middleware import Retries

    from app.notifications.tasks import MIN_BACKOFF_MS, deliver_email

    assert deliver_email.options["max_retries"] == email.MAX_ATTEMPTS - 1
    assert deliver_email.options["min_backoff"] == MIN_BACKOFF_MS > 0
    assert any(isinstance(m, Retries) for m in deliver_email.broker.middleware)


def test_a_rolled_back_notification_enqueues_nothing(
    db_session: Session, learner: Account, redis_client: redis.Redis
) -> None:
    redis_client.flushdb()
    set_preferences(
        db_session, learner.id, {"new_match": {"in_app": True, "email": True}}
    )

    notify(db_session, learner.id, "new_match", "A match", "Data analyst at Acme")
    db_session.rollback()

    assert queued_outbox_ids(redis_client) == []
    assert outbox_for(db_session, learner.id)[1:] == []


def test_a_released_savepoint_enqueues_nothing_before_the_real_commit(
    db_session: Session, learner: Account, redis_client: redis.Redis
) -> None:
    redis_client.flushdb()
    set_preferences(
        db_session, learner.id, {"new_match": {"in_app": True, "email": True}}
    )

    with db_session.begin_nested():
        notify(db_session, learner.id, "new_match", "A match", "Inside a savepoint")
    queued_early = queued_outbox_ids(redis_client)
    db_session.commit()

    assert queued_early == []
    assert len(queued_outbox_ids(redis_client)) == 1


def test_a_rolled_back_savepoint_keeps_the_mail_queued_before_it(
    db_session: Session, learner: Account, redis_client: redis.Redis
) -> None:
    redis_client.flushdb()
    set_preferences(
        db_session, learner.id, {"new_match": {"in_app": True, "email": True}}
    )
    kept = notify(db_session, learner.id, "new_match", "Kept", "Before the savepoint")

    with pytest.raises(RuntimeError), db_session.begin_nested():
        notify(db_session, learner.id, "new_match", "Undone", "Inside it")
        raise RuntimeError("undo the savepoint")
    db_session.commit()

    [row] = [
        r for r in outbox_for(db_session, learner.id) if r.notification_id == kept.id
    ]
    assert row.id in queued_outbox_ids(redis_client)


def test_mail_queued_while_redis_is_down_is_dispatched_later(
    db_session: Session,
    learner: Account,
    redis_client: redis.Redis,
    services: Services,
) -> None:
    user = db_session.get(User, learner.id)
    assert user is not None
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    row = email.queue_email(db_session, user, "new_match", "Subject", "Body")
    db_session.commit()
    redis_client.flushdb()

    assert email.enqueue_deliveries([row.id], dead_redis) == 0
    assert row.status == "pending"

    assert email.dispatch_stale_emails(db_session, services.redis_url) == 0
    row.created_at -= email.STALE_AFTER + timedelta(seconds=1)
    db_session.commit()
    redis_client.flushdb()
    assert email.dispatch_stale_emails(db_session, services.redis_url) >= 1
    assert row.id in queued_outbox_ids(redis_client)


def test_notification_mails_follow_the_preferences(
    db_session: Session, learner: Account, inbox: Inbox, deliver: Deliver
) -> None:
    set_preferences(
        db_session,
        learner.id,
        {
            "new_match": {"in_app": True, "email": True},
            "assessment_completed": {"in_app": True, "email": False},
        },
    )

    match = notify(db_session, learner.id, "new_match", "New match", "Acme wants you")
    notify(db_session, learner.id, "assessment_completed", "Done", "You passed")
    db_session.commit()
    rows = [r for r in outbox_for(db_session, learner.id) if r.kind != "verify_email"]

    assert [(r.kind, r.notification_id) for r in rows] == [("new_match", match.id)]
    deliver(rows[0].id)
    [mail] = inbox.to(learner.email)
    assert mail["Subject"] == "New match"
    assert "Acme wants you" in mail.get_content()
