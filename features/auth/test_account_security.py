"""Steps of the email verification, password reset and lock-out features.

Mails really leave through the outbox: the ``deliver_email`` actor's function
sends them to an aiosmtpd server on loopback, and the steps read the links
from what that server received. The log-in throttle's clock is moved forward
instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.models import OneTimeToken
from app.auth.throttle import throttle_for
from app.notifications.models import EmailOutbox
from features.conftest import Visitor
from tests.fixtures import Services, sign_up
from tests.mailbox import Inbox, running_inbox, token_in

scenarios("auth/verify_email.feature", "auth/password_reset.feature")
scenarios("auth/lockout.feature")

CONFIRM = "/api/v1/auth/verify-email/confirm"
RESET = "/api/v1/auth/password-reset/confirm"
WRONG_PASSWORD = "surely not the password"
# Bounds the "waiting as asked" loops: each wrong password takes at most two
# attempts (one refused with a delay, one after waiting).
MAX_ATTEMPTS_PER_FAILURE = 2


@dataclass
class Mailroom:
    """The person's inbox and what they did with the links in it."""

    inbox: Inbox
    deliver: Callable[[int], None]
    links: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    answer: Any = None


class Clock:
    """The log-in throttle's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def mailroom(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailroom]:
    from app.broker import configure_broker

    # Whoever sets dramatiq's global broker first wins: make it the test Redis.
    configure_broker(services.redis_url)
    from app.notifications.tasks import deliver_email

    with running_inbox() as inbox:
        monkeypatch.setenv("SKILLFORGE_SMTP_HOST", inbox.host)
        monkeypatch.setenv("SKILLFORGE_SMTP_PORT", str(inbox.port))
        yield Mailroom(inbox, deliver_email.fn)


@pytest.fixture
def clock(app: Any, monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle_for(app), "clock", fake)
    return fake


def deliver_pending(db_session: Session, mailroom: Mailroom) -> None:
    """What a worker does: send every pending mail in the outbox."""
    db_session.expire_all()
    pending = db_session.scalars(
        select(EmailOutbox.id)
        .where(EmailOutbox.status == "pending")
        .order_by(EmailOutbox.id)
    ).all()
    for outbox_id in pending:
        mailroom.deliver(outbox_id)


def read_links(visitor: Visitor, mailroom: Mailroom, count: int) -> None:
    mails = mailroom.inbox.wait_for(visitor.email, count)
    assert len(mails) == count, [m["Subject"] for m in mails]
    mailroom.links = [token_in(mail) for mail in mails]


def log_in(visitor: Visitor, email: str, password: str) -> Any:
    return visitor.client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )


# --- shared -----------------------------------------------------------------


@given(
    parsers.parse(
        'I have an account with the email "{email}" and the password "{password}"'
    )
)
def have_account(visitor: Visitor, email: str, password: str) -> None:
    account = sign_up(visitor.client, email=email, password=password)
    visitor.email, visitor.password = email, password
    visitor.token, visitor.user_id = account.token, account.id


@given(parsers.parse('I have signed up with the email "{email}"'))
def have_signed_up(visitor: Visitor, email: str) -> None:
    have_account(visitor, email, visitor.password)


@then("I am told the link is invalid or has expired")
def link_refused(visitor: Visitor) -> None:
    assert visitor.last.status_code == 400
    assert visitor.last.get_json()["title"] == "The link is invalid or has expired"


# --- verification -----------------------------------------------------------


@when("the confirmation email reaches my inbox")
def confirmation_arrives(
    visitor: Visitor, db_session: Session, mailroom: Mailroom
) -> None:
    deliver_pending(db_session, mailroom)
    read_links(visitor, mailroom, 1)


@then(parsers.parse("{count:d} confirmation emails reach my inbox"))
def confirmations_arrive(
    visitor: Visitor, db_session: Session, mailroom: Mailroom, count: int
) -> None:
    deliver_pending(db_session, mailroom)
    read_links(visitor, mailroom, count)


@when("I open the link in it")
@when("I open the same link again")
def open_link(visitor: Visitor, mailroom: Mailroom) -> None:
    visitor.last = visitor.client.post(CONFIRM, json={"token": mailroom.links[-1]})


@given("I have confirmed my address with the link from my email")
def confirmed(visitor: Visitor, db_session: Session, mailroom: Mailroom) -> None:
    confirmation_arrives(visitor, db_session, mailroom)
    open_link(visitor, mailroom)
    address_confirmed(visitor)


@then("my address is confirmed")
def address_confirmed(visitor: Visitor) -> None:
    assert visitor.last.status_code == 200
    me = visitor.client.get("/api/v1/me", headers=visitor.headers).get_json()
    assert me["email_verified_at"] is not None


@when("I ask for a new confirmation link")
def ask_again(visitor: Visitor) -> None:
    response = visitor.client.post(
        "/api/v1/auth/verify-email/request", headers=visitor.headers
    )
    assert response.status_code == 202


@then("the link in the first one is refused")
def first_link_refused(visitor: Visitor, mailroom: Mailroom) -> None:
    visitor.last = visitor.client.post(CONFIRM, json={"token": mailroom.links[0]})
    link_refused(visitor)


@then("the link in the second one confirms my address")
def second_link_works(visitor: Visitor, mailroom: Mailroom) -> None:
    visitor.last = visitor.client.post(CONFIRM, json={"token": mailroom.links[1]})
    address_confirmed(visitor)


# --- password reset ---------------------------------------------------------


@given(parsers.parse("I am logged in on {count:d} devices"))
def logged_in_on_devices(visitor: Visitor, mailroom: Mailroom, count: int) -> None:
    for _ in range(count):
        response = log_in(visitor, visitor.email, visitor.password)
        assert response.status_code == 200
        mailroom.devices.append(response.get_json()["token"])


@when(parsers.parse('I ask to reset the password of "{email}"'))
def ask_reset(visitor: Visitor, mailroom: Mailroom, email: str) -> None:
    mailroom.answer = visitor.client.post(
        "/api/v1/auth/password-reset/request", json={"email": email}
    )


@when(
    parsers.parse(
        'I choose the new password "{password}" with the link from the reset email'
    )
)
def choose_password(
    visitor: Visitor, db_session: Session, mailroom: Mailroom, password: str
) -> None:
    deliver_pending(db_session, mailroom)
    mails = [
        m
        for m in mailroom.inbox.wait_for(visitor.email)
        if "Reset your" in m["Subject"]
    ]
    assert mails, "no reset email arrived"
    mailroom.links = [token_in(mails[-1])]
    use_link(visitor, mailroom, password)


@given(
    parsers.parse(
        'I have reset my password to "{password}" with the link from the reset email'
    )
)
def have_reset(
    visitor: Visitor, db_session: Session, mailroom: Mailroom, password: str
) -> None:
    ask_reset(visitor, mailroom, visitor.email)
    choose_password(visitor, db_session, mailroom, password)
    assert visitor.last.status_code == 204


@when(parsers.parse('I use the same link to choose "{password}"'))
def use_link(visitor: Visitor, mailroom: Mailroom, password: str) -> None:
    visitor.last = visitor.client.post(
        RESET, json={"token": mailroom.links[-1], "password": password}
    )


@given("I asked to reset my password more than an hour ago")
def asked_long_ago(visitor: Visitor, db_session: Session, mailroom: Mailroom) -> None:
    ask_reset(visitor, mailroom, visitor.email)
    assert mailroom.answer.status_code == 202
    long_ago = timedelta(minutes=61)
    db_session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == visitor.user_id)
        .values(
            created_at=OneTimeToken.created_at - long_ago,
            expires_at=OneTimeToken.expires_at - long_ago,
        )
    )
    db_session.commit()


@then(parsers.parse('I can log in with "{password}"'))
def can_log_in(visitor: Visitor, password: str) -> None:
    assert log_in(visitor, visitor.email, password).status_code == 200


@then(parsers.parse('I cannot log in with "{password}"'))
def cannot_log_in(visitor: Visitor, password: str) -> None:
    assert log_in(visitor, visitor.email, password).status_code == 401


@then("I am logged out on both devices")
def logged_out_on_devices(visitor: Visitor, mailroom: Mailroom) -> None:
    assert len(mailroom.devices) == 2
    for token in mailroom.devices:
        me = visitor.client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.status_code == 401


@then("I get the same answer as for my own address")
def same_answer(visitor: Visitor, mailroom: Mailroom) -> None:
    own = visitor.client.post(
        "/api/v1/auth/password-reset/request", json={"email": visitor.email}
    )
    assert mailroom.answer.status_code == own.status_code == 202
    assert mailroom.answer.get_json() == own.get_json()


@then(parsers.parse('no email is sent to "{email}"'))
def no_email_to(db_session: Session, mailroom: Mailroom, email: str) -> None:
    deliver_pending(db_session, mailroom)
    assert mailroom.inbox.to(email) == []


# --- lock-out ---------------------------------------------------------------


def fail_times(visitor: Visitor, clock: Clock, email: str, times: int) -> None:
    """Log in with a wrong password ``times`` times, waiting whenever asked."""
    failures = 0
    for _ in range(times * MAX_ATTEMPTS_PER_FAILURE):
        response = log_in(visitor, email, WRONG_PASSWORD)
        if response.status_code == 429:
            clock.now += response.get_json()["retry_after"]
            continue

        assert response.status_code == 401
        failures += 1
        if failures == times:
            return

    raise AssertionError(f"only {failures} of {times} wrong passwords were taken")


@when(parsers.parse("I log in with a wrong password {times:d} times"))
def wrong_password_times(visitor: Visitor, clock: Clock, times: int) -> None:
    for _ in range(times):
        assert log_in(visitor, visitor.email, WRONG_PASSWORD).status_code == 401


@when(parsers.parse("I log in with a wrong password {times:d} times, waiting as asked"))
@given(parsers.parse("my account was locked after {times:d} wrong passwords"))
def wrong_password_waiting(visitor: Visitor, clock: Clock, times: int) -> None:
    fail_times(visitor, clock, visitor.email, times)


@when(
    parsers.parse(
        'someone logs in to "{email}" with a wrong password {times:d} times, '
        "waiting as asked"
    )
)
def someone_fails(visitor: Visitor, clock: Clock, email: str, times: int) -> None:
    fail_times(visitor, clock, email, times)


@then(
    parsers.parse(
        "my next attempt is refused and I am asked to wait {seconds:d} seconds"
    )
)
def asked_to_wait(visitor: Visitor, seconds: int) -> None:
    response = log_in(visitor, visitor.email, visitor.password)
    assert response.status_code == 429
    assert response.get_json()["retry_after"] == seconds
    assert f"Try again in {seconds} seconds" in response.get_json()["detail"]


def assert_locked(response: Any) -> None:
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("/login-locked")


@then("logging in with the right password is refused because the account is locked")
def locked_against_right_password(visitor: Visitor) -> None:
    visitor.last = log_in(visitor, visitor.email, visitor.password)
    assert_locked(visitor.last)


@then(
    parsers.parse(
        'the next attempt for "{email}" is refused because the account is locked'
    )
)
def locked_for(visitor: Visitor, email: str) -> None:
    assert_locked(log_in(visitor, email, WRONG_PASSWORD))


@then(parsers.parse("I am asked to try again in {minutes:d} minutes"))
def try_again_in(visitor: Visitor, minutes: int) -> None:
    assert f"Try again in {minutes} minutes" in visitor.last.get_json()["detail"]


@when(parsers.parse("{minutes:d} minutes pass"))
def minutes_pass(clock: Clock, minutes: int) -> None:
    clock.now += minutes * 60


@then("I can log in with the right password")
def right_password_works(visitor: Visitor) -> None:
    assert log_in(visitor, visitor.email, visitor.password).status_code == 200
