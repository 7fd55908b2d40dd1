"""The contract helper itself: it must fail on every kind of mismatch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Response

from tests.contract.schema import assert_matches_schema


def _response(status: int, body: Any, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(body), status=status, mimetype=mimetype)


def test_a_matching_response_passes(app: Any) -> None:
    assert_matches_schema(app, _response(200, {"status": "ok"}), "GET", "/healthz")


@pytest.mark.parametrize(
    ("response", "method", "path", "complaint"),
    [
        (_response(200, {"status": 1}), "GET", "/healthz", "breaks its schema"),
        (_response(200, {}), "GET", "/healthz", "breaks its schema"),
        (_response(418, {"status": "ok"}), "GET", "/healthz", "does not document"),
        (_response(200, {"status": "ok"}), "DELETE", "/healthz", "not in /openapi"),
        (
            _response(401, {"message": "no"}, "application/json"),
            "GET",
            "/api/v1/me",
            "answered application/json",
        ),
        (
            _response(401, {"title": "no"}, "application/problem+json"),
            "GET",
            "/api/v1/me",
            "breaks its schema",
        ),
        (
            Response("<html></html>", status=200, mimetype="text/html"),
            "GET",
            "/healthz",
            "answered text/html",
        ),
    ],
    ids=[
        "wrong-type",
        "missing-field",
        "undocumented-status",
        "undocumented-operation",
        "error-not-a-problem",
        "problem-missing-fields",
        "wrong-media-type",
    ],
)
def test_each_mismatch_fails(
    app: Any, response: Response, method: str, path: str, complaint: str
) -> None:
    with pytest.raises(AssertionError, match=complaint):
        assert_matches_schema(app, response, method, path)
