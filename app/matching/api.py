"""The learner side of matching: matches, opportunities, saves, applications.

Every route needs a learner's token. Opportunities outside the learner's
region, and other learners' applications, answer 404.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from apiflask import APIBlueprint
from flask import Response, current_app

from app.auth.api import current_user, token_auth
from app.auth.models import User
from app.auth.token_cache import current_identity, identity_auth
from app.db import request_session
from app.errors import Unauthorized
from app.matching import cache, matches, service
from app.matching.errors import NotALearner
from app.matching.schemas import (
    ApplicationOut,
    ApplicationPage,
    ApplyIn,
    ConsentOut,
    LearnerOpportunityOut,
    MatchPage,
    SavedOut,
    SavedPage,
)
from app.schemas import PageQuery

bp = APIBlueprint("matching_api", __name__, url_prefix="/api/v1", tag="matching")


def _learner() -> User:
    user = current_user()
    if user.role != "learner":
        raise NotALearner("Only learners have matches, saves and applications.")

    return user


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()

    raise TypeError(f"{type(value).__name__} is not JSON")


@bp.get("/matches")
@bp.auth_required(identity_auth)
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(MatchPage)
@bp.doc(
    summary="Your top matches, best first, each with its explanation",
    description=(
        "The stored ranking of the last recompute (at most 20 matches), "
        "recomputed first if your skills changed since. Closed opportunities "
        "drop out at once; new ones appear with the next recompute."
    ),
    responses=[200, 400, 401, 403],
)
def my_matches(query: PageQuery) -> Response:
    # The hot route: the token from the token cache, the page from the page
    # cache; PostgreSQL only when either misses.
    who = current_identity()
    if who.role != "learner":
        raise NotALearner("Only learners have matches, saves and applications.")
    redis_url = current_app.config["SKILLFORGE"].redis_url
    body, versions = cache.cached_page(
        redis_url, who.user_id, query.page, query.per_page
    )
    if body is None:
        session = request_session()
        user = session.get(User, who.user_id)
        if user is None:
            # Deleted outside the app (tokens go with it): the cache lagged.
            raise Unauthorized("The token's account no longer exists.")
        page = matches.matches_page(session, user, query.page, query.per_page)
        # Built by hand and checked by the contract tests.
        body = json.dumps(page, separators=(",", ":"), default=_iso).encode()
        cache.store_page(
            redis_url, who.user_id, query.page, query.per_page, versions, body
        )

    return Response(body, mimetype="application/json")


@bp.get("/opportunities/<int:opportunity_id>")
@bp.auth_required(token_auth)
@bp.output(LearnerOpportunityOut)
@bp.doc(
    summary="One opportunity of your region",
    responses=[200, 401, 403, 404],
)
def opportunity(opportunity_id: int) -> dict[str, Any]:
    session = request_session()
    user = _learner()
    found = service.visible_opportunity(session, user, opportunity_id)

    return service.learner_opportunity_body(session, user, found)


@bp.post("/opportunities/<int:opportunity_id>/save")
@bp.auth_required(token_auth)
@bp.output(SavedOut, status_code=201)
@bp.doc(
    summary="Save an opportunity to come back to (saving twice is harmless)",
    responses={
        201: "Saved",
        200: "It was saved already",
        401: "Authentication required",
        403: "Not a learner",
        404: "No such opportunity in your region",
        409: "The opportunity is closed",
    },
)
def save(opportunity_id: int) -> tuple[dict[str, Any], int]:
    session = request_session()
    user = _learner()
    saved, created = service.save_opportunity(session, user, opportunity_id)
    session.commit()

    return service.saved_body(saved), 201 if created else 200


@bp.delete("/opportunities/<int:opportunity_id>/save")
@bp.auth_required(token_auth)
@bp.output({}, status_code=204)
@bp.doc(summary="Forget a saved opportunity", responses=[204, 401, 403, 404])
def unsave(opportunity_id: int) -> tuple[str, int]:
    session = request_session()
    service.unsave_opportunity(session, _learner(), opportunity_id)
    session.commit()

    return "", 204


@bp.get("/saved")
@bp.auth_required(token_auth)
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(SavedPage)
@bp.doc(summary="Your saved opportunities, newest first", responses=[200, 400, 401])
def saved(query: PageQuery) -> dict[str, Any]:
    session = request_session()
    page: dict[str, Any] = service.saved_page(
        session, _learner(), query.page, query.per_page
    )
    return page


@bp.post("/opportunities/<int:opportunity_id>/apply")
@bp.auth_required(token_auth)
@bp.input(ApplyIn, arg_name="body")
@bp.output(ApplicationOut, status_code=201)
@bp.doc(
    summary="Apply to an opportunity; one application each, ever",
    description=(
        "Applying shares your profile with the partner, so it needs your "
        "consent to partner sharing (POST /api/v1/consent/partner-sharing)."
    ),
    responses=[201, 401, 403, 404, 409, 415, 422],
)
def apply(opportunity_id: int, body: ApplyIn) -> tuple[dict[str, Any], int]:
    session = request_session()
    application = service.apply(session, _learner(), opportunity_id, body.message)
    session.commit()

    return service.application_body(session, application), 201


@bp.get("/applications")
@bp.auth_required(token_auth)
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(ApplicationPage)
@bp.doc(summary="Your applications, newest first", responses=[200, 400, 401])
def applications(query: PageQuery) -> dict[str, Any]:
    session = request_session()
    page: dict[str, Any] = service.applications_page(
        session, _learner(), query.page, query.per_page
    )
    return page


@bp.post("/applications/<int:application_id>/withdraw")
@bp.auth_required(token_auth)
@bp.output(ApplicationOut)
@bp.doc(
    summary="Withdraw your application, unless it has ended",
    responses=[200, 401, 403, 404, 409],
)
def withdraw(application_id: int) -> dict[str, Any]:
    session = request_session()
    application = service.withdraw(session, _learner(), application_id)
    session.commit()

    return service.application_body(session, application)


@bp.post("/consent/partner-sharing")
@bp.auth_required(token_auth)
@bp.output(ConsentOut)
@bp.doc(
    summary="Let partners see your profile, matches and applications",
    responses=[200, 401, 403],
)
def grant_consent() -> dict[str, Any]:
    session = request_session()
    profile = service.grant_partner_consent(session, _learner())
    session.commit()

    return service.consent_body(profile)


@bp.delete("/consent/partner-sharing")
@bp.auth_required(token_auth)
@bp.output(ConsentOut)
@bp.doc(
    summary="Stop partners seeing you; unsent webhooks about you are cancelled",
    responses=[200, 401, 403],
)
def revoke_consent() -> dict[str, Any]:
    session = request_session()
    profile = service.revoke_partner_consent(session, _learner())
    session.commit()

    return service.consent_body(profile)
