"""Partner webhooks: an outbox, a dispatcher and a worker that delivers.

A domain change and its event row commit in one transaction (``outbox``); the
dispatcher hands the event's deliveries to dramatiq right after the commit and
again from a periodic sweep; the worker signs each request the Standard
Webhooks way, retries on an exponential schedule with jitter and moves what
never got through to a dead-letter store that can be replayed.
"""
