"""Standard Webhooks signatures, made with the ``standardwebhooks`` package.

Each request carries ``webhook-id`` (the event id, the same on every retry
and replay), ``webhook-timestamp`` (seconds since the epoch, when this attempt
was signed) and ``webhook-signature``: one ``v1,<base64 HMAC-SHA256>`` per
secret that signs right now, separated by spaces. During a rotation overlap
the new and the old secret both sign, so a receiver holding either verifies.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def body_of(event_type: str, created_at: datetime, payload: dict[str, Any]) -> bytes:
    """The request body of an event; the same bytes on every attempt."""
    envelope = {
        "type": event_type,
        "timestamp": created_at.isoformat(),
        "data": payload,
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def headers_for(
    event_id: str, body: bytes, signing_secrets: list[str], at: datetime
) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt signed at ``at``."""
    text = body.decode()
    signatures = [
        Webhook(secret).sign(msg_id=event_id, timestamp=at, data=text)
        for secret in signing_secrets
    ]

    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
