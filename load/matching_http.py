"""Load for the matching HTTP benchmark: learners reading one route, hard.

``benchmarks/matching_http.py`` runs this with locust as a subprocess (never
from pytest). Settings come from the environment:

- ``MATCHING_PATH``: the path every request asks for (``/api/v1/matches``);
- ``MATCHING_TOKENS``: a file of bearer tokens, one a line, dealt to users
  in turn (empty: no Authorization header);
- ``MATCHING_RATE``: requests per second per user, 0 for no pause at all.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from locust import FastHttpUser, constant, constant_throughput, task

PATH = os.environ.get("MATCHING_PATH", "/api/v1/matches")
RATE = float(os.environ.get("MATCHING_RATE", "0"))
_tokens_file = os.environ.get("MATCHING_TOKENS", "")
TOKENS = Path(_tokens_file).read_text().split() if _tokens_file else []
_deal = itertools.count()


class Learner(FastHttpUser):
    """A learner who keeps reading the same route."""

    wait_time = constant_throughput(RATE) if RATE > 0 else constant(0)

    def on_start(self) -> None:
        self.headers = {}
        if TOKENS:
            token = TOKENS[next(_deal) % len(TOKENS)]
            self.headers = {"Authorization": f"Bearer {token}"}

    @task
    def read(self) -> None:
        self.client.get(PATH, headers=self.headers, name=PATH)
