"""A pytest plugin that writes which API operation each test covers, and how it did.

Load it with ``-p harness.pytest_covers --covers-json PATH``. After
collection it writes every collected test with the operations of its
``covers`` marks; after the run it adds each test's outcome. The learner-APIs
gate reads the file to find routes that no contract test covers.

The file holds ``{"tests": {nodeid: {"covers": [[METHOD, path], ...],
"outcome": "passed" | "failed" | "skipped" | "xfailed" | "xpassed" |
"not run"}}}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--covers-json",
        default=None,
        help="write each test's covers marks and outcome to this JSON file",
    )


def pytest_configure(config: pytest.Config) -> None:
    raw = config.getoption("--covers-json")
    if raw:
        config.pluginmanager.register(CoversRecorder(Path(raw)), "covers-recorder")


def _outcome(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xpassed" if report.passed else "xfailed"

    return report.outcome


class CoversRecorder:
    """Collects the marks after collection and the outcomes as tests finish."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.tests: dict[str, dict[str, Any]] = {}

    def write(self) -> None:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.target.write_text(
            json.dumps({"tests": self.tests}, indent=2), encoding="utf-8"
        )

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            marks = [
                [str(mark.args[0]).upper(), str(mark.args[1])]
                for mark in item.iter_markers("covers")
                if len(mark.args) == 2
            ]
            self.tests[item.nodeid] = {"covers": marks, "outcome": "not run"}
        self.write()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = self.tests.get(report.nodeid)
        if entry is None or entry["outcome"] == "failed":
            return

        # A failed setup or teardown fails the test whatever the call did.
        if report.failed:
            entry["outcome"] = "failed"
        elif report.when == "call" or (report.when == "setup" and report.skipped):
            entry["outcome"] = _outcome(report)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.write()
