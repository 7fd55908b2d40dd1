"""The assessments part of the JSON API: the catalogue, attempts and history."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from app.assessments import service
from app.assessments.schemas import (
    AssessmentAnswersIn,
    AssessmentAttemptOut,
    AssessmentAttemptPage,
    AssessmentAttemptQuery,
    AssessmentDetailOut,
    AssessmentPage,
    AssessmentQuery,
)
from app.auth.api import current_user, token_auth
from app.auth.models import User
from app.db import request_session
from app.errors import Forbidden
from app.pagination import page_of

bp = APIBlueprint("assessments_api", __name__, url_prefix="/api/v1", tag="assessments")


def _require_learner() -> User:
    user = current_user()
    if user.role != "learner":
        raise Forbidden("Only learners take assessments.")

    return user


@bp.get("/assessments")
@bp.auth_required(token_auth)
@bp.input(AssessmentQuery, location="query", arg_name="query")
@bp.output(AssessmentPage)
@bp.doc(summary="The assessment catalogue, in title order", responses=[200, 400, 401])
def catalogue(query: AssessmentQuery) -> dict[str, Any]:
    statement = service.assessments_query(query.skill)

    return page_of(request_session(), statement, query.page, query.per_page)


@bp.get("/assessments/<int:assessment_id>")
@bp.auth_required(token_auth)
@bp.output(AssessmentDetailOut)
@bp.doc(
    summary="One assessment, with your attempt in progress if any",
    responses=[200, 401, 404],
)
def assessment(assessment_id: int) -> dict[str, Any]:
    session = request_session()
    body = service.assessment_row(session, assessment_id)
    user = current_user()
    active = service.active_attempt(session, user, assessment_id)
    live = active is not None and service.attempt_status(active) == "active"
    body["active_attempt_id"] = active.id if live and active else None

    return body


@bp.post("/assessments/<int:assessment_id>/attempts")
@bp.auth_required(token_auth)
@bp.output(AssessmentAttemptOut, status_code=201)
@bp.doc(
    summary="Start an attempt; the clock starts now",
    description=(
        "At most one live attempt per assessment (409 while one runs) and "
        "three starts per assessment in any 24 hours (429 with Retry-After)."
    ),
    responses=[201, 401, 403, 404, 409, 429],
)
def start_attempt(assessment_id: int) -> dict[str, Any]:
    user = _require_learner()
    session = request_session()
    attempt = service.start_attempt(session, user, assessment_id)
    session.commit()

    return service.attempt_body(attempt)


@bp.get("/attempts")
@bp.auth_required(token_auth)
@bp.input(AssessmentAttemptQuery, location="query", arg_name="query")
@bp.output(AssessmentAttemptPage)
@bp.doc(summary="Your attempts, newest first", responses=[200, 400, 401, 403])
def history(query: AssessmentAttemptQuery) -> dict[str, Any]:
    user = _require_learner()
    statement = service.history_query(user, query.assessment_id)

    return page_of(request_session(), statement, query.page, query.per_page)


@bp.get("/attempts/<int:attempt_id>")
@bp.auth_required(token_auth)
@bp.output(AssessmentAttemptOut)
@bp.doc(
    summary="One of your attempts: its questions, never their answers",
    responses=[200, 401, 403, 404],
)
def attempt(attempt_id: int) -> dict[str, Any]:
    user = _require_learner()
    found = service.load_attempt(request_session(), user, attempt_id)

    return service.attempt_body(found)


@bp.post("/attempts/<int:attempt_id>/answers")
@bp.auth_required(token_auth)
@bp.input(AssessmentAnswersIn, arg_name="body")
@bp.output(AssessmentAttemptOut)
@bp.doc(
    summary="Submit every answer at once; the attempt is scored once",
    responses=[200, 400, 401, 403, 404, 409, 413, 415, 422],
)
def submit(attempt_id: int, body: AssessmentAnswersIn) -> dict[str, Any]:
    user = _require_learner()
    session = request_session()
    answers = [answer.model_dump() for answer in body.answers]
    attempt = service.submit_answers(session, user, attempt_id, answers)
    session.commit()

    return service.attempt_body(attempt)
