"""Check a response against the operation that /openapi.json documents for it.

``assert_matches_schema`` fails when the status code is not documented for
the operation, when the body's media type is not one the operation lists for
that status, or when the JSON body breaks the schema (``$ref`` resolved
against the document's components, JSON Schema 2020-12 as OpenAPI 3.1 uses).
Each contract test marks what it covers with
``@pytest.mark.covers("METHOD", "/openapi/path/{param}")``; the learner-APIs
gate reads those marks to find routes nobody tests.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jsonschema_rs
from flask.testing import FlaskClient

JSON_TYPES = ("application/json", "application/problem+json")


@lru_cache(maxsize=4)
def spec_of(app: Any) -> dict[str, Any]:
    """The OpenAPI document the app serves, as clients get it (read once)."""
    client: FlaskClient = app.test_client()
    response = client.get("/openapi.json")
    assert response.status_code == 200, "the app does not serve /openapi.json"

    spec: dict[str, Any] = json.loads(response.get_data())
    return spec


def operation_of(app: Any, method: str, path: str) -> dict[str, Any]:
    """The operation object of ``method path``; fails when it is undocumented."""
    paths = spec_of(app).get("paths", {})
    operation = paths.get(path, {}).get(method.lower())
    assert operation is not None, f"{method.upper()} {path} is not in /openapi.json"

    documented: dict[str, Any] = operation
    return documented


def _media_type(response: Any) -> str:
    raw = response.headers.get("Content-Type", "")
    return raw.split(";", 1)[0].strip().lower()


def _body(response: Any) -> bytes:
    if hasattr(response, "get_data"):
        data: bytes = response.get_data()
        return data

    content: bytes = response.content
    return content


def schema_errors(app: Any, schema: dict[str, Any], instance: Any) -> list[str]:
    """Every way ``instance`` breaks ``schema``, each with where it happened."""
    root = dict(schema, components=spec_of(app).get("components", {}))
    validator = jsonschema_rs.Draft202012Validator(root)

    return [
        f"at /{'/'.join(str(p) for p in error.instance_path)}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def assert_matches_schema(app: Any, response: Any, method: str, path: str) -> None:
    """Fail unless ``response`` is one that ``method path`` documents.

    ``path`` is in OpenAPI form (``/api/v1/attempts/{attempt_id}``).
    ``response`` is a Flask test response or a ``requests`` response.
    """
    __tracebackhide__ = True
    operation = operation_of(app, method, path)
    status = str(response.status_code)
    responses = operation.get("responses", {})
    documented = responses.get(status) or responses.get("default")
    assert documented is not None, (
        f"{method.upper()} {path} answered {status}, which it does not document "
        f"(documented: {sorted(responses)})"
    )

    body = _body(response)
    content = documented.get("content") or {}
    if not content:
        assert not body, f"{status} documents no body but one came: {body[:200]!r}"
        return
    if not body and status in ("204", "304"):
        return

    media_type = _media_type(response)
    assert media_type in content, (
        f"{method.upper()} {path} {status} answered {media_type or 'no type'}, "
        f"documented: {sorted(content)}"
    )
    if media_type not in JSON_TYPES and not media_type.endswith("+json"):
        return

    try:
        instance = json.loads(body)
    except ValueError as exc:
        raise AssertionError(f"{status} body is not JSON: {body[:200]!r}") from exc

    schema = content[media_type].get("schema") or {}
    errors = schema_errors(app, schema, instance)
    assert not errors, (
        f"{method.upper()} {path} {status} breaks its schema:\n  "
        + "\n  ".join(errors[:10])
    )
