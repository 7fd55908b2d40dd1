"""The gate list, gate running and the Launch Readiness Log."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from harness.errors import GateFailed, HarnessError
from harness.gates import (
    ERROR,
    FAILED,
    NOT_AUTOMATED,
    PASSED,
    Gate,
    GateContext,
    Outcome,
    load_gates,
    run_gate,
)
from harness.report import verdict, write_reports

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = {
    "Platform & Infrastructure",
    "Backend Services",
    "Frontend & UX",
    "Data & Compliance",
    "Security & Observability",
    "Quality Engineering",
    "Operational Readiness",
}


def passing_check(context: GateContext) -> Outcome:
    return Outcome("all good", [context.evidence("proof.txt", "seen")])


def failing_check(context: GateContext) -> Outcome:
    context.evidence("why.txt", "measured 3, wanted 1")
    raise GateFailed("3 listening sockets, not 1")


def crashing_check(context: GateContext) -> Outcome:
    raise ZeroDivisionError("boom")


def gate(check: str, blocking: bool = True) -> Gate:
    return Gate("g", "Backend Services", "an item", "it verifies", check, blocking)


def test_every_readiness_item_has_exactly_one_gate() -> None:
    gates = load_gates(ROOT / "ci" / "gates.toml")

    assert len(gates) == 21
    assert len({g.id for g in gates}) == 21
    assert {g.section for g in gates} == SECTIONS
    assert all(g.item and g.verifies for g in gates)


def test_the_three_automated_gates_name_real_checks() -> None:
    checks = {g.id: g.check for g in load_gates(ROOT / "ci" / "gates.toml")}

    for gate_id in ("infrastructure", "single-bootstrap", "migrations"):
        module, _, function = checks[gate_id].partition(":")
        assert callable(getattr(__import__(module, fromlist=[function]), function))


def test_duplicate_gate_ids_are_refused(tmp_path: Path) -> None:
    entry = '[[gate]]\nid="a"\nsection="s"\nitem="i"\nverifies="v"\n'
    (tmp_path / "gates.toml").write_text(entry * 2)

    with pytest.raises(HarnessError, match="duplicate"):
        load_gates(tmp_path / "gates.toml")


@pytest.mark.parametrize(
    ("check", "status"),
    [
        ("", NOT_AUTOMATED),
        (f"{__name__}:passing_check", PASSED),
        (f"{__name__}:failing_check", FAILED),
        (f"{__name__}:crashing_check", ERROR),
    ],
    ids=["empty-check", "passes", "fails", "crashes"],
)
def test_only_a_check_that_ran_and_passed_passes(
    tmp_path: Path, check: str, status: str
) -> None:
    result = run_gate(gate(check), GateContext(tmp_path, tmp_path / "ev", None))

    assert result.status == status
    assert result.blocks_deploy == (status != PASSED)


def test_failed_and_crashed_gates_keep_their_evidence(tmp_path: Path) -> None:
    context = GateContext(tmp_path, tmp_path / "ev", None)

    failed = run_gate(gate(f"{__name__}:failing_check"), context)
    crashed = run_gate(gate(f"{__name__}:crashing_check"), context)

    assert [p.name for p in failed.evidence] == ["why.txt"]
    assert "ZeroDivisionError" in crashed.evidence[0].read_text()


def test_reports_link_evidence_and_refuse_the_deploy(tmp_path: Path) -> None:
    context = GateContext(tmp_path, tmp_path / "reports" / "evidence" / "g", None)
    results = [
        run_gate(gate(f"{__name__}:passing_check"), context),
        run_gate(gate(""), context),
    ]

    paths = write_reports(results, tmp_path / "reports", {"stack": "test"})

    assert verdict(results).startswith("DEPLOY REFUSED: 1 blocking")
    body = json.loads((tmp_path / "reports" / "launch-readiness.json").read_text())
    assert body["deploy_allowed"] is False
    assert body["gates"][0]["evidence"] == ["evidence/g/proof.txt"]
    markdown = (tmp_path / "reports" / "launch-readiness.md").read_text()
    assert "[proof.txt](evidence/g/proof.txt)" in markdown
    assert "NOT AUTOMATED" in markdown
    suite = ET.parse(tmp_path / "reports" / "junit" / "gates.xml").getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    assert len(paths) == 4


def test_a_non_blocking_failure_does_not_refuse_the_deploy(tmp_path: Path) -> None:
    context = GateContext(tmp_path, tmp_path / "ev", None)

    results = [run_gate(gate("", blocking=False), context)]

    assert verdict(results).startswith("READY")


def test_a_partial_run_is_never_a_deploy_verdict(tmp_path: Path) -> None:
    context = GateContext(tmp_path, tmp_path / "ev", None)
    results = [run_gate(gate(f"{__name__}:passing_check"), context)]

    write_reports(results, tmp_path / "r", {"stack": "test", "partial": True})

    assert verdict(results, partial=True).startswith("PARTIAL RUN")
    body = json.loads((tmp_path / "r" / "launch-readiness.json").read_text())
    assert body["deploy_allowed"] is False
    assert "READY" not in (tmp_path / "r" / "launch-readiness.md").read_text()
