"""Placeholder, replaced below."""

from __future__ import annotations

from harness.gates import GateContext, Outcome


def run(context: GateContext) -> Outcome:
    raise NotImplementedError
