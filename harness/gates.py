"""The gate list and the running of gates.

Gates come from ``ci/gates.toml``. A gate whose check is empty has not been
automated and fails with that reason: nothing passes by default.
"""

from __future__ import annotations

import importlib
import time
import tomllib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import GateFailed, GateNotAutomated, HarnessError

PASSED = "passed"
FAILED = "failed"
NOT_AUTOMATED = "not automated"
ERROR = "error"


@dataclass(frozen=True)
class Gate:
    """One readiness item and the check that proves it."""

    id: str
    section: str
    item: str
    verifies: str
    check: str
    blocking: bool


@dataclass
class GateContext:
    """What a check gets: the stack it runs against and where evidence goes."""

    root: Path
    evidence_dir: Path
    stack: Any
    progress: Callable[[str], None] = print

    def evidence(self, name: str, text: str) -> Path:
        """Write one evidence file and return its path."""
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        path = self.evidence_dir / name
        path.write_text(text, encoding="utf-8")
        return path


@dataclass
class Outcome:
    """What a check found: a one-line summary, figures and evidence files."""

    summary: str
    evidence: list[Path] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class GateResult:
    gate: Gate
    status: str
    summary: str
    seconds: float
    evidence: list[Path] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks_deploy(self) -> bool:
        return self.gate.blocking and self.status != PASSED


def load_gates(path: Path) -> list[Gate]:
    """Read and check the gate list; raise HarnessError on a malformed file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    gates = []
    for entry in data.get("gate", []):
        try:
            gates.append(
                Gate(
                    id=entry["id"],
                    section=entry["section"],
                    item=entry["item"],
                    verifies=entry["verifies"],
                    check=entry.get("check", ""),
                    blocking=bool(entry.get("blocking", True)),
                )
            )
        except KeyError as exc:
            raise HarnessError(f"{path}: a gate lacks the key {exc}") from exc

    ids = [gate.id for gate in gates]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise HarnessError(f"{path}: duplicate gate ids {sorted(duplicates)}")
    return gates


def resolve_check(spec: str) -> Callable[[GateContext], Outcome]:
    if not spec:
        raise GateNotAutomated("no check is written for this gate yet")

    module_name, _, function_name = spec.partition(":")
    module = importlib.import_module(module_name)
    check: Callable[[GateContext], Outcome] = getattr(module, function_name)
    return check


def run_gate(gate: Gate, context: GateContext) -> GateResult:
    """Run one gate's check and turn whatever happens into a result."""
    started = time.monotonic()
    try:
        outcome = resolve_check(gate.check)(context)
    except GateNotAutomated as exc:
        return GateResult(gate, NOT_AUTOMATED, str(exc), time.monotonic() - started)
    except GateFailed as exc:
        evidence = sorted(context.evidence_dir.glob("*"))
        return GateResult(gate, FAILED, str(exc), time.monotonic() - started, evidence)
    except Exception as exc:
        trace = traceback.format_exc()
        path = context.evidence("error.txt", trace)
        summary = f"check crashed: {type(exc).__name__}: {exc}"
        return GateResult(gate, ERROR, summary, time.monotonic() - started, [path])

    return GateResult(
        gate,
        PASSED,
        outcome.summary,
        time.monotonic() - started,
        outcome.evidence,
        outcome.figures,
    )
