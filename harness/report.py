"""The Launch Readiness Log: one table of gates, as Markdown, HTML, JSON and JUnit.

Each gate's row links to its evidence files, relative to the reports folder,
so the folder can be archived or published as it is.
"""

from __future__ import annotations

import html
import json
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from harness.gates import PASSED, GateResult

BADGE = {
    "passed": "PASS",
    "failed": "FAIL",
    "not automated": "NOT AUTOMATED",
    "error": "ERROR",
}


def _link(path: Path, reports: Path) -> str:
    return os.path.relpath(path, reports)


def verdict(results: list[GateResult], partial: bool = False) -> str:
    blocking = [r for r in results if r.blocks_deploy]
    if partial:
        return (
            f"PARTIAL RUN of {len(results)} gate(s), not a deploy verdict: "
            f"{len(results) - len(blocking)} passed, {len(blocking)} not"
        )
    if blocking:
        return f"DEPLOY REFUSED: {len(blocking)} blocking gate(s) not passed"

    return "READY: every blocking gate passed"


def as_json(results: list[GateResult], reports: Path, meta: dict[str, Any]) -> str:
    body = {
        "generated_at": datetime.now(UTC).isoformat(),
        "verdict": verdict(results, meta.get("partial", False)),
        "deploy_allowed": not meta.get("partial")
        and not any(r.blocks_deploy for r in results),
        "counts": dict(Counter(r.status for r in results)),
        "meta": meta,
        "gates": [
            {
                "id": r.gate.id,
                "section": r.gate.section,
                "item": r.gate.item,
                "verifies": r.gate.verifies,
                "blocking": r.gate.blocking,
                "status": r.status,
                "summary": r.summary,
                "seconds": round(r.seconds, 2),
                "figures": r.figures,
                "evidence": [_link(p, reports) for p in r.evidence],
            }
            for r in results
        ],
    }
    return json.dumps(body, indent=2, default=str)


def as_markdown(results: list[GateResult], reports: Path, meta: dict[str, Any]) -> str:
    counts = Counter(r.status for r in results)
    lines = [
        "# Launch Readiness Log",
        "",
        f"**{verdict(results, meta.get('partial', False))}**",
        "",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC} against "
        f"{meta.get('stack', 'the stack')}. "
        + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
        "",
        "| # | gate | status | blocking | time | summary | evidence |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, r in enumerate(results, 1):
        evidence = (
            " ".join(f"[{p.name}]({_link(p, reports)})" for p in r.evidence) or "none"
        )
        summary = r.summary.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {number} | `{r.gate.id}` | {BADGE[r.status]} | "
            f"{'yes' if r.gate.blocking else 'no'} | {r.seconds:.1f} s | "
            f"{summary} | {evidence} |"
        )

    lines += ["", "## What each gate verifies", ""]
    for r in results:
        lines.append(f"- `{r.gate.id}` ({r.gate.section}): {r.gate.verifies}")
    return "\n".join(lines) + "\n"


def as_html(results: list[GateResult], reports: Path, meta: dict[str, Any]) -> str:
    rows = []
    for number, r in enumerate(results, 1):
        evidence = (
            " ".join(
                f'<a href="{html.escape(_link(p, reports))}">{html.escape(p.name)}</a>'
                for p in r.evidence
            )
            or "none"
        )
        css = r.status.replace(" ", "-")
        rows.append(
            f"<tr class='{css}'><td>{number}</td><td><code>{r.gate.id}</code>"
            f"<div class='item'>{html.escape(r.gate.item)}</div></td>"
            f"<td class='status'>{BADGE[r.status]}</td>"
            f"<td>{'yes' if r.gate.blocking else 'no'}</td>"
            f"<td>{r.seconds:.1f}&nbsp;s</td><td>{html.escape(r.summary)}</td>"
            f"<td>{evidence}</td></tr>"
        )
    ready = not meta.get("partial") and not any(r.blocks_deploy for r in results)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Launch Readiness Log</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2rem; color: #1b1f24; }}
.verdict {{ padding: .6rem 1rem; border-radius: 6px; font-weight: 700;
  background: {"#dafbe1" if ready else "#ffebe9"}; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 1rem; }}
th, td {{ border-bottom: 1px solid #d0d7de; padding: .4rem .5rem; text-align: left;
  vertical-align: top; }}
.item {{ color: #57606a; font-size: .85rem; max-width: 28rem; }}
.passed .status {{ color: #116329; font-weight: 700; }}
.failed .status, .error .status {{ color: #a40e26; font-weight: 700; }}
.not-automated .status {{ color: #7d4e00; font-weight: 700; }}
</style></head><body>
<h1>Launch Readiness Log</h1>
<p class="verdict">{html.escape(verdict(results, meta.get("partial", False)))}</p>
<p>Generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC} against
{html.escape(str(meta.get("stack", "the stack")))}.</p>
<table><thead><tr><th>#</th><th>gate</th><th>status</th><th>blocking</th>
<th>time</th><th>summary</th><th>evidence</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""


def as_junit(results: list[GateResult]) -> str:
    suite = ET.Element(
        "testsuite",
        name="launch-readiness",
        tests=str(len(results)),
        failures=str(sum(r.status != PASSED for r in results)),
        time=f"{sum(r.seconds for r in results):.2f}",
    )
    for r in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"gates.{r.gate.section}",
            name=r.gate.id,
            time=f"{r.seconds:.2f}",
        )
        if r.status != PASSED:
            failure = ET.SubElement(case, "failure", message=f"{r.status}: {r.summary}")
            failure.text = r.gate.verifies
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def write_reports(
    results: list[GateResult], reports: Path, meta: dict[str, Any]
) -> list[Path]:
    """Write every form of the log and return their paths."""
    reports.mkdir(parents=True, exist_ok=True)
    written = {
        reports / "launch-readiness.md": as_markdown(results, reports, meta),
        reports / "launch-readiness.html": as_html(results, reports, meta),
        reports / "launch-readiness.json": as_json(results, reports, meta),
        reports / "junit" / "gates.xml": as_junit(results),
    }
    for path, text in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(written)
