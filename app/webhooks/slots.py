"""A per-endpoint cap on requests in flight, shared by every worker via Redis.

Each endpoint has ``endpoint_concurrency`` slots, one Redis key each. A worker
takes a slot with ``SET key token NX PX ttl`` and gives it back with a DEL
while the TTL still runs, else with a check-and-delete under ``WATCH``, so it
never frees a slot someone else holds (no Lua needed). The TTL (milliseconds)
is one attempt's lease, so a worker killed mid-request frees its slot when the
lease ends. When every slot is taken the delivery waits for a later turn
instead of blocking a worker thread: a receiver that hangs then holds at most
its own slots, never the whole pool.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from typing import cast

import redis

logger = logging.getLogger(__name__)

KEY = "skillforge:webhooks:endpoint:{endpoint_id}:slot:{slot}"
# How long a worker looks again for a free slot (milliseconds), and how often.
WAIT_MS = 100
POLL_SECONDS = 0.01
# Seconds before a slot's TTL may run out from which its release checks first.
RELEASE_MARGIN = 1.0


@dataclass(frozen=True)
class Slot:
    """A slot held by this worker: release it with ``release_slot``.

    ``safe_until`` (``time.monotonic()`` seconds) is when its TTL could first
    run out, measured from before the SET was sent, so it errs early.
    """

    key: str
    token: str
    safe_until: float


def take_slot(
    client: redis.Redis,
    endpoint_id: int,
    capacity: int,
    ttl_ms: int,
    wait_ms: int = WAIT_MS,
) -> Slot | None:
    """Take a free slot of the endpoint, or None when all stay in use.

    A slot held by a fast request frees within milliseconds, so the worker
    looks again for up to ``wait_ms`` before giving up; handing the message
    back costs a round through dramatiq's delay queue, which is slower.
    """
    token = secrets.token_hex(8)
    deadline = time.monotonic() + wait_ms / 1000
    while True:
        for slot in range(capacity):
            key = KEY.format(endpoint_id=endpoint_id, slot=slot)
            asked = time.monotonic()
            if client.set(key, token, nx=True, px=ttl_ms):
                return Slot(key, token, asked + ttl_ms / 1000 - RELEASE_MARGIN)
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL_SECONDS)


def release_slot(client: redis.Redis, slot: Slot) -> None:
    """Give the slot back, unless its lease ran out and someone else took it.

    While the TTL still runs the key is ours (only its holder deletes it), so
    a plain DEL does; past that, a check-and-delete under WATCH.
    """
    if time.monotonic() < slot.safe_until:
        client.delete(slot.key)
        return

    with client.pipeline() as pipe:
        try:
            pipe.watch(slot.key)
            held = cast(bytes | None, pipe.get(slot.key))
            if held is None or held.decode() != slot.token:
                return
            pipe.multi()
            pipe.delete(slot.key)
            pipe.execute()
        except redis.WatchError:
            logger.debug("Slot %s changed hands while being released.", slot.key)
