"""Make /openapi.json tell the truth about error bodies.

APIFlask documents every error response as ``application/json`` with its own
``{"message", "detail"}`` shape. Our errors leave as RFC 9457 problem details
(``app.errors.problem_response``), so the document would mislead every client
and every contract test. ``PROBLEM_SCHEMA`` describes the real body; the spec
processor files each error response under ``application/problem+json`` with a
reference to the one shared ``Problem`` schema.
"""

from __future__ import annotations

from typing import Any

PROBLEM_REF = "#/components/schemas/Problem"
APIFLASK_ERROR_REFS = (
    "#/components/schemas/HTTPError",
    "#/components/schemas/ValidationError",
)

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "An error as RFC 9457 problem details. Branch on `type`, which is "
        "stable; `errors` lists each invalid field of a validation error."
    ),
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "location": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}


def document_problems(spec: dict[Any, Any] | str) -> dict[Any, Any] | str:
    """Spec processor: error responses become problem+json with ``Problem``.

    Only responses documented with APIFlask's error schemas are changed, so a
    route that documents an error body of its own keeps it. APIFlask passes a
    string only for a YAML document, which this app does not serve.
    """
    if isinstance(spec, str):
        return spec

    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                _to_problem(response)

    for ref in APIFLASK_ERROR_REFS:
        schemas.pop(ref.rsplit("/", 1)[1], None)
    schemas["Problem"] = PROBLEM_SCHEMA
    _document_pages(spec)

    return spec


HTML_CONTENT = {"text/html": {"schema": {"type": "string"}}}


def _document_pages(spec: dict[Any, Any]) -> None:
    """Pages answer HTML, form errors included, and redirect after a POST.

    APIFlask documents a view without an output schema as JSON; for the
    operations tagged "pages" every answer is text/html except redirects,
    which have no body, and every POST may redirect once it succeeds.
    """
    for path_item in spec.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "pages" not in operation.get(
                "tags", []
            ):
                continue
            responses = operation.setdefault("responses", {})
            if method == "post":
                responses.setdefault(
                    "302", {"description": "Done; on to the next page"}
                )
            for status, response in responses.items():
                if status.startswith("3"):
                    response.pop("content", None)
                else:
                    response["content"] = dict(HTML_CONTENT)


def _to_problem(response: dict[str, Any]) -> None:
    content = response.get("content") or {}
    media = content.get("application/json") or {}
    if media.get("schema", {}).get("$ref") not in APIFLASK_ERROR_REFS:
        return

    del content["application/json"]
    content["application/problem+json"] = {"schema": {"$ref": PROBLEM_REF}}
