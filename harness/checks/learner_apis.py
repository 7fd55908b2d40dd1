"""Gate: every route of the app has a passing contract test, and fuzzing breaks none.

The check works from the outside, as an operator would:

1. it asks a fresh process that imports the app for its URL map, and the
   stack's running web for /openapi.json, and compares the two;
2. it collects ``tests/contract`` with the ``covers`` marks of each test
   (``harness.pytest_covers``) and finds routes that no test covers;
3. it runs ``tests/contract`` against the stack's PostgreSQL and Redis (the
   fixtures create and drop a database of their own there);
4. it runs the schemathesis command line against the stack's web, signed in
   as a throwaway learner, checking that nothing answers with a server error
   or a body that breaks its schema.

It fails naming every uncovered or undocumented route, every failing contract
test and every schemathesis failure. Evidence: ``routes.md`` (each route and
the tests that cover it), ``contract-junit.xml``, ``schemathesis/`` (JUnit and
NDJSON reports) and the logs of each step.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import GateFailed, HarnessError
from harness.gates import GateContext, Outcome

BIN = Path(sys.executable).parent
CONTRACT_TESTS = "tests/contract"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Routes Flask or APIFlask add on their own: no operation in the document.
INFRASTRUCTURE_ENDPOINTS = ("openapi.spec", "static")

COLLECT_TIMEOUT_SECONDS = 180
CONTRACT_TIMEOUT_SECONDS = 900
FUZZ_MAX_EXAMPLES = 5
# schemathesis keeps fuzzing until its time budget is spent (seconds).
FUZZ_MAX_SECONDS = {"main": 120, "session-ending": 20}
FUZZ_GRACE_SECONDS = 120
# The stack's web admits 600 requests a minute from one address; stay below.
FUZZ_RATE_LIMIT = "480/m"
FUZZ_SEED = 20261204
FUZZ_CHECKS = "not_a_server_error,response_schema_conformance"
# Operations that can end the caller's session (log-outs, revoking a token by
# id) run last, with a token of their own, so the main run keeps its token.
SESSION_ENDING = r"^/api/v1/auth/(logout|tokens/)"

URL_MAP_SCRIPT = """
import json
from app import create_app

app = create_app()
rules = [
    {"rule": r.rule, "endpoint": r.endpoint, "methods": sorted(r.methods or ())}
    for r in app.url_map.iter_rules()
]
print("URL_MAP " + json.dumps(rules))
"""


class ContractRunFailed(HarnessError):
    """A step of the check could not run to the end (not a test failure)."""


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    endpoint: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def infrastructure(self) -> bool:
        return self.endpoint in INFRASTRUCTURE_ENDPOINTS or self.endpoint.endswith(
            ".static"
        )


@dataclass
class Findings:
    routes: list[Route] = field(default_factory=list)
    documented: set[tuple[str, str]] = field(default_factory=set)
    tests: dict[str, dict[str, Any]] = field(default_factory=dict)
    fuzz_failures: list[str] = field(default_factory=list)
    fuzz_summary: str = ""

    def tests_of(self, route: Route) -> list[tuple[str, str]]:
        return [
            (nodeid, test["outcome"])
            for nodeid, test in sorted(self.tests.items())
            if [route.method, route.path] in test["covers"]
        ]

    def uncovered(self) -> list[Route]:
        return [r for r in self.routes if not self.tests_of(r)]

    def unproven(self) -> list[Route]:
        """Routes with contract tests of which none passed (xfailed, skipped...)."""
        return [
            r
            for r in self.routes
            if self.tests_of(r)
            and all(outcome != "passed" for _, outcome in self.tests_of(r))
        ]

    def undocumented(self) -> list[Route]:
        return [
            r
            for r in self.routes
            if not r.infrastructure and (r.method, r.path) not in self.documented
        ]

    def phantom(self) -> list[str]:
        """Operations the document lists that the app does not route."""
        routed = {(r.method, r.path) for r in self.routes}
        return sorted(f"{m} {p}" for m, p in self.documented - routed)

    def failing_tests(self) -> list[str]:
        return sorted(
            nodeid
            for nodeid, test in self.tests.items()
            if test["outcome"] in ("failed", "xpassed", "skipped", "not run")
        )


def openapi_path(rule: str) -> str:
    """``/a/<int:b_id>/c`` in werkzeug's form becomes ``/a/{b_id}/c``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def app_routes(env: dict[str, str], log: Path) -> list[Route]:
    """The app's URL map, as a fresh process that imports the app sees it."""
    result = _run([sys.executable, "-c", URL_MAP_SCRIPT], env, log, timeout=120)
    line = next(
        (x for x in result.stdout.splitlines() if x.startswith("URL_MAP ")), None
    )
    if result.returncode != 0 or line is None:
        raise ContractRunFailed(
            f"listing the URL map failed (exit {result.returncode}); see {log}"
        )

    routes = set()
    for rule in json.loads(line.removeprefix("URL_MAP ")):
        for method in rule["methods"]:
            if method in HTTP_METHODS:
                routes.add(Route(method, openapi_path(rule["rule"]), rule["endpoint"]))
    return sorted(routes, key=lambda r: (r.path, r.method))


def documented_operations(base_url: str) -> tuple[dict[str, Any], set[tuple[str, str]]]:
    with urllib.request.urlopen(f"{base_url}/openapi.json", timeout=10) as response:
        spec: dict[str, Any] = json.loads(response.read())

    operations = {
        (method.upper(), path)
        for path, item in spec.get("paths", {}).items()
        for method in item
        if method.upper() in HTTP_METHODS
    }
    return spec, operations


def unresolvable_refs(spec: dict[str, Any]) -> list[str]:
    """Every local ``$ref`` of the document that points at nothing.

    APIFlask names a component after its model class, so two models of one
    name overwrite each other and leave references to nested parts dangling.
    """
    found: set[str] = set()

    def resolves(ref: str) -> bool:
        node: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/") and not resolves(ref):
                found.add(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return sorted(found)


def _run(
    argv: list[str],
    env: dict[str, str],
    log: Path,
    timeout: float,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command, append its output to ``log``; a timeout is a failed step."""
    started = time.monotonic()
    try:
        result = subprocess.run(
            argv,
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        log.write_text(f"$ {' '.join(argv)}\n[timed out after {timeout:.0f} s]\n")
        raise ContractRunFailed(
            f"`{' '.join(argv[:4])}` ran past {timeout:.0f} s"
        ) from exc

    with log.open("a", encoding="utf-8") as handle:
        handle.write(
            f"$ {' '.join(argv)}\n{result.stdout}\n{result.stderr}\n"
            f"[exit {result.returncode} after {time.monotonic() - started:.1f} s]\n"
        )
    return result


def _pytest_env(context: GateContext) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SKILLFORGE_SECRETS_DIR", "PYTEST_ADDOPTS")
    }
    env.update(
        DATABASE_URL=context.stack.server_url,
        REDIS_URL=context.stack.redis_url,
        PYTHONUNBUFFERED="1",
    )
    return env


def collect_tests(context: GateContext) -> dict[str, dict[str, Any]]:
    """Every contract test and the operations it covers, from collection alone."""
    target = context.evidence_dir / "contract-collected.json"
    result = _run(
        [
            sys.executable,
            "-m",
            "pytest",
            CONTRACT_TESTS,
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "harness.pytest_covers",
            "--covers-json",
            str(target),
        ],
        _pytest_env(context),
        context.evidence_dir / "contract-collect.log",
        COLLECT_TIMEOUT_SECONDS,
        cwd=context.root,
    )
    if result.returncode != 0 or not target.is_file():
        raise ContractRunFailed(
            f"collecting {CONTRACT_TESTS} failed (exit {result.returncode}); "
            "see contract-collect.log"
        )

    tests: dict[str, dict[str, Any]] = json.loads(target.read_text())["tests"]
    return tests


def run_tests(context: GateContext) -> dict[str, dict[str, Any]]:
    """Run the contract tests against the stack's servers; returns outcomes."""
    target = context.evidence_dir / "contract-results.json"
    _run(
        [
            sys.executable,
            "-m",
            "pytest",
            CONTRACT_TESTS,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "harness.pytest_covers",
            "--covers-json",
            str(target),
            f"--junitxml={context.evidence_dir / 'contract-junit.xml'}",
        ],
        _pytest_env(context),
        context.evidence_dir / "contract-run.log",
        CONTRACT_TIMEOUT_SECONDS,
        cwd=context.root,
    )
    if not target.is_file():
        raise ContractRunFailed("the contract run wrote no results")

    tests: dict[str, dict[str, Any]] = json.loads(target.read_text())["tests"]
    return tests


def _sign_up(base_url: str) -> str:
    """A token of a new throwaway learner on the stack."""
    body = json.dumps(
        {
            "email": f"fuzz-{uuid.uuid4().hex[:12]}@gate.example",
            "password": f"gate-{uuid.uuid4().hex}",
            "display_name": "Gate Fuzzer",
            "persona": "student",
            "region": "eu",
        }
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/signup",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        token: str = json.loads(response.read())["token"]
    return token


def fuzz(context: GateContext, name: str, filters: list[str]) -> list[str]:
    """One bounded schemathesis run against the stack's web; its failures."""
    base_url = context.stack.base_url
    reports = context.evidence_dir / "schemathesis"
    junit = reports / f"{name}-junit.xml"
    argv = [
        str(BIN / "schemathesis"),
        "run",
        f"{base_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {_sign_up(base_url)}",
        "--checks",
        FUZZ_CHECKS,
        "--max-examples",
        str(FUZZ_MAX_EXAMPLES),
        "--max-time",
        str(FUZZ_MAX_SECONDS[name]),
        "--rate-limit",
        FUZZ_RATE_LIMIT,
        "--seed",
        str(FUZZ_SEED),
        "--workers",
        "1",
        "--no-color",
        "--output-sanitize",
        "true",
        "--report",
        "junit,ndjson",
        "--report-dir",
        str(reports),
        "--report-junit-path",
        str(junit),
        "--report-ndjson-path",
        str(reports / f"{name}-events.ndjson"),
        *filters,
    ]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log = context.evidence_dir / f"schemathesis-{name}.log"
    # Run in the report folder: schemathesis keeps its cache in the working one.
    reports.mkdir(parents=True, exist_ok=True)
    result = _run(
        argv, env, log, FUZZ_MAX_SECONDS[name] + FUZZ_GRACE_SECONDS, cwd=reports
    )
    if not junit.is_file():
        raise ContractRunFailed(
            f"schemathesis ({name}) wrote no report (exit {result.returncode}); "
            f"see {log.name}"
        )

    failures = junit_failures(junit)
    if result.returncode != 0 and not failures:
        failures.append(f"schemathesis ({name}) exited {result.returncode}")
    return failures


def junit_failures(path: Path) -> list[str]:
    """``test name: first line of the message`` for each failed or errored case."""
    found = []
    for case in ET.parse(path).getroot().iter("testcase"):
        for problem in [*case.iter("failure"), *case.iter("error")]:
            message = (problem.get("message") or problem.text or "").strip()
            first = message.splitlines()[0] if message else problem.tag
            found.append(f"{case.get('name')}: {first[:200]}")
    return found


def routes_table(findings: Findings) -> str:
    lines = [
        "# Routes and their contract tests",
        "",
        "| route | in /openapi.json | contract tests (outcome) |",
        "| --- | --- | --- |",
    ]
    for route in findings.routes:
        if (route.method, route.path) in findings.documented:
            documented = "yes"
        else:
            documented = "not needed" if route.infrastructure else "**no**"
        tests = findings.tests_of(route)
        listed = "<br>".join(f"`{nodeid}` ({outcome})" for nodeid, outcome in tests)
        lines.append(f"| `{route.label}` | {documented} | {listed or '**none**'} |")

    lines += ["", f"Schemathesis: {findings.fuzz_summary}", ""]
    return "\n".join(lines)


def run(context: GateContext) -> Outcome:
    stack = context.stack
    context.evidence_dir.mkdir(parents=True, exist_ok=True)
    findings = Findings()

    context.progress("  learner-apis: reading the URL map and /openapi.json")
    findings.routes = app_routes(stack.app_env(), context.evidence_dir / "url-map.log")
    spec, findings.documented = documented_operations(stack.base_url)
    context.evidence("openapi.json", json.dumps(spec, indent=2))

    context.progress("  learner-apis: collecting the contract tests")
    collected = collect_tests(context)
    context.progress(f"  learner-apis: running {len(collected)} contract tests")
    outcomes = run_tests(context)
    findings.tests = {
        nodeid: {**test, "outcome": outcomes.get(nodeid, {}).get("outcome", "not run")}
        for nodeid, test in collected.items()
    }

    context.progress("  learner-apis: fuzzing the live stack with schemathesis")
    findings.fuzz_failures = fuzz(
        context, "main", ["--exclude-path-regex", SESSION_ENDING]
    ) + fuzz(context, "session-ending", ["--include-path-regex", SESSION_ENDING])
    findings.fuzz_summary = (
        f"{len(findings.fuzz_failures)} failures in two runs (checks {FUZZ_CHECKS}; "
        f"{FUZZ_MAX_EXAMPLES} examples per operation, "
        f"{sum(FUZZ_MAX_SECONDS.values())} s in all, seed {FUZZ_SEED}); "
        "reports in schemathesis/"
    )

    table = context.evidence("routes.md", routes_table(findings))
    summary: dict[str, Any] = {
        "routes": len(findings.routes),
        "documented_operations": len(findings.documented),
        "contract_tests": len(findings.tests),
        "uncovered": [r.label for r in findings.uncovered()],
        "unproven": [r.label for r in findings.unproven()],
        "undocumented": [r.label for r in findings.undocumented()],
        "documented_but_not_routed": findings.phantom(),
        "unresolvable_refs": unresolvable_refs(spec),
        "failing_tests": findings.failing_tests(),
        "schemathesis_failures": findings.fuzz_failures,
    }
    evidence = sorted(p for p in context.evidence_dir.rglob("*") if p.is_file())
    evidence.append(context.evidence("summary.json", json.dumps(summary, indent=2)))

    problems = []
    for key, title in (
        ("uncovered", "routes without a contract test"),
        ("unproven", "routes whose contract tests all failed or did not run"),
        ("undocumented", "routes missing from /openapi.json"),
        ("documented_but_not_routed", "documented operations the app lacks"),
        ("unresolvable_refs", "references in /openapi.json that point at nothing"),
        ("failing_tests", "failing contract tests"),
        ("schemathesis_failures", "schemathesis failures"),
    ):
        if summary[key]:
            problems.append(f"{len(summary[key])} {title}: {', '.join(summary[key])}")
    if problems:
        raise GateFailed("; ".join(problems))

    return Outcome(
        f"{len(findings.routes)} routes, each with passing contract tests "
        f"({len(findings.tests)} tests); schemathesis found nothing "
        f"({findings.fuzz_summary}); table in {table.name}",
        evidence,
        {k: v if isinstance(v, int) else len(v) for k, v in summary.items()},
    )
