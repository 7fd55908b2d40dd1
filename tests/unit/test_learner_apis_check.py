"""The learner-APIs gate's own logic, without a stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.checks.learner_apis import (
    Findings,
    Route,
    junit_failures,
    openapi_path,
    routes_table,
    unresolvable_refs,
)


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/api/v1/attempts/<int:attempt_id>", "/api/v1/attempts/{attempt_id}"),
        ("/static/<path:filename>", "/static/{filename}"),
        ("/a/<name>/b/<int:n>", "/a/{name}/b/{n}"),
        ("/healthz", "/healthz"),
    ],
    ids=["int", "path", "two", "plain"],
)
def test_werkzeug_rules_become_openapi_paths(rule: str, path: str) -> None:
    assert openapi_path(rule) == path


def test_dangling_references_are_found() -> None:
    spec = {
        "paths": {"/x": {"get": {"responses": {"200": {"$ref": "#/c/s/A"}}}}},
        "c": {"s": {"A": {"items": {"$ref": "#/c/s/A.B"}}}},
    }

    assert unresolvable_refs(spec) == ["#/c/s/A.B"]


def _findings() -> Findings:
    return Findings(
        routes=[
            Route("GET", "/a", "api.a"),
            Route("POST", "/b", "api.b"),
            Route("GET", "/c", "api.c"),
            Route("GET", "/static/{filename}", "static"),
        ],
        documented={("GET", "/a"), ("POST", "/b"), ("DELETE", "/gone")},
        tests={
            "t.py::test_a": {"covers": [["GET", "/a"]], "outcome": "passed"},
            "t.py::test_b": {"covers": [["POST", "/b"]], "outcome": "xfailed"},
            "t.py::test_b2": {"covers": [["POST", "/b"]], "outcome": "failed"},
            "t.py::test_s": {
                "covers": [["GET", "/static/{filename}"]],
                "outcome": "passed",
            },
        },
    )


def test_routes_are_sorted_into_what_fails_the_gate() -> None:
    findings = _findings()

    assert [r.label for r in findings.uncovered()] == ["GET /c"]
    assert [r.label for r in findings.unproven()] == ["POST /b"]
    assert [r.label for r in findings.undocumented()] == ["GET /c"]
    assert findings.phantom() == ["DELETE /gone"]
    assert findings.failing_tests() == ["t.py::test_b2"]


def test_the_routes_table_names_every_route_and_its_tests() -> None:
    table = routes_table(_findings())

    assert "| `GET /c` | **no** | **none** |" in table
    assert "`t.py::test_b2` (failed)" in table
    assert "| `GET /static/{filename}` | not needed |" in table


def test_junit_failures_and_errors_are_listed(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(
        "<testsuites><testsuite>"
        '<testcase name="GET /a"/>'
        '<testcase name="POST /b"><failure message="Server error&#10;more"/>'
        "</testcase>"
        '<testcase name="GET /c"><error>boom</error></testcase>'
        "</testsuite></testsuites>"
    )

    assert junit_failures(report) == ["POST /b: Server error", "GET /c: boom"]
