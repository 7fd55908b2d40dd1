"""Exceptions of the readiness harness.

Every failure class has its own exit code, so that CI and the shell can tell a
gate that failed from a stack that could not start.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""

    exit_code = 2


class ServiceUnavailable(HarnessError):
    """A service the stack needs could not be started or reached."""

    exit_code = 3


class StackNotRunning(HarnessError):
    """A command needs a running stack and there is none."""

    exit_code = 4


class StackAlreadyRunning(HarnessError):
    """``stack up`` was asked for while the recorded stack still runs."""

    exit_code = 6


class GateNotAutomated(HarnessError):
    """A gate's check has not been written yet, so the gate fails."""

    exit_code = 5


class GateFailed(HarnessError):
    """A gate's check ran and found the readiness item not met."""

    exit_code = 1
