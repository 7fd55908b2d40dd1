"""A real SMTP server on loopback for tests: aiosmtpd on a free port.

``running_inbox()`` starts one and yields an ``Inbox`` that keeps every mail
it accepted. Setting ``Inbox.reply`` makes it answer the next DATA commands
with that SMTP reply instead (a 4xx to test retries, a 5xx to test giving up).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from harness.services import free_port

LINK_TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")
WAIT_SECONDS = 10.0


class Inbox:
    """What the SMTP server received, and how it should answer next."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.messages: list[EmailMessage] = []
        self.reply: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply is not None:
            return self.reply

        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The mails received for ``address``, oldest first."""
        return [m for m in self.messages if m["To"] == address]

    def wait_for(
        self, address: str, count: int = 1, timeout: float = WAIT_SECONDS
    ) -> list[EmailMessage]:
        """Wait at most ``timeout`` seconds for ``count`` mails to ``address``."""
        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.05)

        return self.to(address)


def token_in(message: EmailMessage) -> str:
    """The one-time token of the link in a verification or reset mail."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK_TOKEN.search(body.get_content())
    assert found, "the mail carries no link with a token"
    return found.group(1)


@contextmanager
def running_inbox() -> Iterator[Inbox]:
    """An SMTP server on a free loopback port, stopped afterwards."""
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
