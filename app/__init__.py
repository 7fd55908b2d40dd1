"""SkillForge: the learner and career platform.

``create_app`` builds the WSGI app from the settings; gunicorn, the tests and
the command line all go through it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from apiflask import APIFlask, HTTPError
from flask import Response, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from app import db as database
from app import limiter as rate_limits
from app import telemetry
from app.config import Settings, load_settings
from app.errors import SkillForgeError, problem_response
from app.logs import configure_logging
from app.openapi import PROBLEM_SCHEMA, document_problems

logger = logging.getLogger(__name__)
csrf = CSRFProtect()

JSON_METHODS = ("POST", "PUT", "PATCH")
MAX_JSON_DEPTH = 32


def create_app(settings: Settings | None = None) -> APIFlask:
    """Build the app; telemetry is set up the first time a process calls this."""
    settings = settings or load_settings()
    configure_logging()
    # Every model must be mapped before the first query, or relationships
    # across domains (users.partner_id -> partners) cannot be resolved.
    from app import models  # noqa: F401

    app = APIFlask(
        __name__,
        title="SkillForge API",
        version="1.0",
        spec_path="/openapi.json",
        docs_path=None,
        # app/static does not exist; its route would shadow the pages' /static.
        static_folder=None,  # type: ignore[arg-type]
    )
    app.config.update(
        SKILLFORGE=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        VALIDATION_ERROR_STATUS_CODE=422,
        SPEC_FORMAT="json",
        WTF_CSRF_ENABLED=settings.profile != "test",
        JSON_SORT_KEYS=False,
        HTTP_ERROR_SCHEMA=PROBLEM_SCHEMA,
        VALIDATION_ERROR_SCHEMA=PROBLEM_SCHEMA,
    )
    if settings.trusted_proxies > 0:
        # Without this, behind a proxy every client shares the proxy's
        # address, and with it one rate limit and one log-in throttle.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.spec_processor(document_problems)

    database.init_app(app, settings.database_url)
    rate_limits.init_app(app, settings)
    csrf.init_app(app)
    _register_errors(app)
    _register_json_guard(app)
    _register_blueprints(app)

    telemetry.init_telemetry(settings)
    telemetry.instrument_app(app, settings)

    return app


def _register_blueprints(app: APIFlask) -> None:
    from app.assessments.api import bp as assessments_api
    from app.auth.api import bp as auth_api
    from app.health import bp as health
    from app.matching.api import bp as matching_api
    from app.matching.partner_api import bp as matching_partner_api
    from app.notifications.api import bp as notifications_api
    from app.partners.api import bp as partners_api
    from app.profiles.advisors import bp as advisors_api
    from app.profiles.api import bp as profiles_api
    from app.web.views import bp as pages
    from app.webhooks.api import bp as webhooks_api

    for blueprint in (
        auth_api,
        profiles_api,
        assessments_api,
        notifications_api,
        advisors_api,
        partners_api,
        webhooks_api,
        matching_api,
        matching_partner_api,
        health,
    ):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    app.register_blueprint(pages)


def _register_json_guard(app: APIFlask) -> None:
    """Refuse API bodies that are not JSON (415) or not well-formed (400)."""

    @app.after_request
    def no_content_means_no_type(response: Response) -> Response:
        # A 204 has no body, so no media type either.
        if response.status_code == 204:
            response.headers.pop("Content-Type", None)
        return response

    @app.before_request
    def refuse_nul_bytes() -> Response | None:
        # PostgreSQL text cannot hold NUL: refused here, for every route,
        # before any query parameter or path part reaches a query.
        query = request.query_string
        if b"\x00" in query or b"%00" in query or "\x00" in request.path:
            return problem_response(
                400,
                "bad-query",
                "The request has invalid fields",
                "The path and the query string may not hold NUL bytes.",
            )
        return None

    @app.before_request
    def require_json_body() -> Response | None:
        if request.method not in JSON_METHODS or not request.path.startswith("/api/"):
            return None

        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if not request.content_length and not chunked:
            return None
        if not request.is_json:
            return problem_response(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                "Send the body as application/json.",
            )

        limit = app.config["MAX_CONTENT_LENGTH"]
        if chunked:
            # A chunked body has no Content-Length for werkzeug to check, and
            # werkzeug hands out an empty stream unless the server marks the
            # input terminated; read the server's own stream, bounded.
            raw = request.environ["wsgi.input"].read(limit + 1)
            if len(raw) > limit:
                raise RequestEntityTooLarge()
            request._cached_data = raw
        raw = request.get_data(cache=True)
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            return problem_response(
                400, "malformed-json", "Malformed JSON", "The body is not valid JSON."
            )
        if _depth(parsed) > MAX_JSON_DEPTH:
            return problem_response(
                400,
                "malformed-json",
                "JSON nested too deeply",
                f"Nest objects and arrays at most {MAX_JSON_DEPTH} levels deep.",
            )

        found = _nul_field(parsed)
        if found is not None:
            # PostgreSQL text cannot hold NUL; refused before any field is used.
            return problem_response(
                422,
                "validation-error",
                "The request has invalid fields",
                "One or more fields are invalid.",
                errors=[
                    {
                        "location": "json",
                        "field": found,
                        "message": "NUL bytes are not allowed",
                    }
                ],
            )

        # werkzeug caches (result, silent result); later get_json() reuses it.
        request._cached_json = (parsed, parsed)
        return None


def _nul_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first key or string holding a NUL byte, if any."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, child in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                return where
            found = _nul_field(child, where)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found = _nul_field(child, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def _depth(value: Any, level: int = 1) -> int:
    """How deeply ``value`` nests, counting only until it is too deep."""
    if level > MAX_JSON_DEPTH or not isinstance(value, dict | list):
        return level
    children = value.values() if isinstance(value, dict) else value
    return max((_depth(child, level + 1) for child in children), default=level)


def _validation_errors(detail: Any) -> list[dict[str, str]]:
    errors = []
    for location, fields in (detail or {}).items():
        for field, messages in fields.items():
            for message in messages:
                errors.append(
                    {"field": field, "location": location, "message": message}
                )

    return errors


# Titles and default details of the framework's own errors, worded as the
# app's errors are (a 401 reads the same from the token check and the login).
HTTP_WORDING: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be read; check its body and headers."),
    401: (
        "Authentication required",
        "Send a valid token: Authorization: Bearer <token>.",
    ),
    404: ("Not found", "Nothing answers at this address."),
    405: ("Method not allowed", "This address does not answer that method."),
    413: ("Payload too large", "The body is larger than this API accepts."),
    429: (
        "Too many requests",
        "Too many requests from this address; wait for Retry-After seconds.",
    ),
}


def _http_problem(error: HTTPError) -> Response:
    """Turn APIFlask's and werkzeug's HTTP errors into problem+json."""
    if error.status_code == 422 and isinstance(error.detail, dict):
        errors = _validation_errors(error.detail)
        status = 400 if any(e["location"] == "query" for e in errors) else 422
        return problem_response(
            status,
            "validation-error" if status == 422 else "bad-query",
            "The request has invalid fields",
            "One or more fields are invalid.",
            errors=errors,
        )

    slug = error.message.lower().replace(" ", "-") if error.message else "error"
    title, detail = HTTP_WORDING.get(
        error.status_code, (error.message or "Error", None)
    )
    response = problem_response(
        error.status_code,
        slug,
        title,
        error.detail if isinstance(error.detail, str) and error.detail else detail,
    )
    for name, value in dict(error.headers or {}).items():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _register_errors(app: APIFlask) -> None:
    app.error_processor(_http_problem)

    @app.errorhandler(SkillForgeError)
    def app_error(error: SkillForgeError) -> Response:
        if error.status >= 500:
            logger.error("Unexpected app error.", exc_info=error)

        response = problem_response(
            error.status, error.slug, error.title, error.detail, **error.extra
        )
        # Errors may name headers of their own, such as Retry-After on a 429.
        response.headers.update(getattr(error, "headers", None) or {})
        return response

    @app.errorhandler(OperationalError)
    def database_down(error: OperationalError) -> Response:
        # Degraded, documented: the database does not answer, nothing was
        # written; the client may retry, /readyz names what is down.
        logger.warning("Database unavailable on %s %s.", request.method, request.path)
        response = problem_response(
            503,
            "database-unavailable",
            "Service unavailable",
            "The database does not answer; nothing was changed. Try again shortly.",
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        return problem_response(
            400, "csrf", "The form has expired", "Reload the page and try again."
        )

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return _http_problem(HTTPError(error.code or 500, message=error.name))

        logger.exception("Unhandled error on %s %s.", request.method, request.path)
        return problem_response(
            500,
            "internal-error",
            "Internal server error",
            "Something broke on our side.",
        )
