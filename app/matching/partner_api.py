"""The partner side of matching: opportunities, candidates and applications.

Every route runs as the calling partner (``partner_auth``: a member's token
or an API key with the route's scope); another partner's ids answer 404.
Learners appear only while they consent to sharing, and only from regions
the partner may see.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app

from app.db import request_session
from app.matching import cache, jobs, service
from app.matching.schemas import (
    CandidatePage,
    OpportunityIn,
    OpportunityOut,
    OpportunityPage,
    OpportunityUpdateIn,
    PartnerApplicationOut,
    PartnerApplicationPage,
    PartnerApplicationQuery,
    PartnerOpportunityQuery,
    StatusIn,
)
from app.partners.auth import partner_auth, require_scope
from app.schemas import PageQuery

bp = APIBlueprint(
    "matching_partner_api", __name__, url_prefix="/api/v1/partner", tag="matching"
)

READ = "opportunities:read"
WRITE = "opportunities:write"
MATCHES = "matches:read"
APPLICANTS_READ = "applicants:read"
APPLICANTS_WRITE = "applicants:write"


def _opportunities_changed() -> None:
    """After a commit: drop cached match pages, ask for a recompute."""
    redis_url = current_app.config["SKILLFORGE"].redis_url
    cache.catalog_changed(redis_url)
    jobs.request_recompute(redis_url)


@bp.get("/opportunities")
@bp.auth_required(partner_auth)
@bp.input(PartnerOpportunityQuery, location="query", arg_name="query")
@bp.output(OpportunityPage)
@bp.doc(summary="Your opportunities, newest first", responses=[200, 400, 401, 403])
def opportunities(query: PartnerOpportunityQuery) -> dict[str, Any]:
    caller = require_scope(READ)
    page: dict[str, Any] = service.partner_opportunities_page(
        request_session(), caller.partner_id, query.status, query.page, query.per_page
    )
    return page


@bp.post("/opportunities")
@bp.auth_required(partner_auth)
@bp.input(OpportunityIn, arg_name="body")
@bp.output(OpportunityOut, status_code=201)
@bp.doc(
    summary="Publish an opportunity in one of your regions",
    description="Learners see it in their matches after the next recompute.",
    responses=[201, 401, 403, 415, 422],
)
def create(body: OpportunityIn) -> tuple[dict[str, Any], int]:
    caller = require_scope(WRITE)
    session = request_session()
    fields = body.model_dump()
    created = service.create_opportunity(session, caller.partner_id, fields)
    session.commit()
    _opportunities_changed()

    return service.opportunity_body(created), 201


@bp.get("/opportunities/<int:opportunity_id>")
@bp.auth_required(partner_auth)
@bp.output(OpportunityOut)
@bp.doc(summary="One of your opportunities", responses=[200, 401, 403, 404])
def one(opportunity_id: int) -> dict[str, Any]:
    caller = require_scope(READ)
    found = service.partner_opportunity(
        request_session(), caller.partner_id, opportunity_id
    )
    return service.opportunity_body(found)


@bp.patch("/opportunities/<int:opportunity_id>")
@bp.auth_required(partner_auth)
@bp.input(OpportunityUpdateIn, arg_name="body")
@bp.output(OpportunityOut)
@bp.doc(
    summary="Change an opportunity; a skills list replaces the requirements",
    responses=[200, 401, 403, 404, 415, 422],
)
def update(opportunity_id: int, body: OpportunityUpdateIn) -> dict[str, Any]:
    caller = require_scope(WRITE)
    session = request_session()
    changes = body.model_dump(exclude_unset=True)
    changed = service.update_opportunity(
        session, caller.partner_id, opportunity_id, changes
    )
    session.commit()
    _opportunities_changed()

    return service.opportunity_body(changed)


@bp.post("/opportunities/<int:opportunity_id>/close")
@bp.auth_required(partner_auth)
@bp.output(OpportunityOut)
@bp.doc(
    summary="Close an opportunity: no new applications, out of every match",
    description="Closing a closed opportunity changes nothing.",
    responses=[200, 401, 403, 404],
)
def close(opportunity_id: int) -> dict[str, Any]:
    caller = require_scope(WRITE)
    session = request_session()
    closed = service.close_opportunity(session, caller.partner_id, opportunity_id)
    session.commit()
    _opportunities_changed()

    return service.opportunity_body(closed)


@bp.get("/opportunities/<int:opportunity_id>/candidates")
@bp.auth_required(partner_auth)
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(CandidatePage)
@bp.doc(
    summary="Consenting learners ranked for one of your opportunities",
    description=(
        "Learners of the opportunity's region who allow partner sharing, "
        "best score first, each with the explanation of the score."
    ),
    responses=[200, 400, 401, 403, 404],
)
def candidates(opportunity_id: int, query: PageQuery) -> dict[str, Any]:
    caller = require_scope(MATCHES)
    page: dict[str, Any] = service.candidates_page(
        request_session(),
        caller.partner_id,
        opportunity_id,
        query.page,
        query.per_page,
    )
    return page


@bp.get("/applications")
@bp.auth_required(partner_auth)
@bp.input(PartnerApplicationQuery, location="query", arg_name="query")
@bp.output(PartnerApplicationPage)
@bp.doc(
    summary="Applications to your opportunities, newest first",
    responses=[200, 400, 401, 403],
)
def applications(query: PartnerApplicationQuery) -> dict[str, Any]:
    caller = require_scope(APPLICANTS_READ)
    page: dict[str, Any] = service.partner_applications_page(
        request_session(),
        caller.partner_id,
        query.status,
        query.opportunity_id,
        query.page,
        query.per_page,
    )
    return page


@bp.post("/applications/<int:application_id>/status")
@bp.auth_required(partner_auth)
@bp.input(StatusIn, arg_name="body")
@bp.output(PartnerApplicationOut)
@bp.doc(
    summary="Move an application on: reviewing, interview, offered, hired or rejected",
    description=(
        "Only forward, along submitted -> reviewing -> interview -> offered "
        "-> hired (the interview may be skipped), or to rejected before the "
        "end. Anything else answers 409; a withdrawn application stays so."
    ),
    responses=[200, 401, 403, 404, 409, 415, 422],
)
def move(application_id: int, body: StatusIn) -> dict[str, Any]:
    caller = require_scope(APPLICANTS_WRITE)
    session = request_session()
    moved = service.change_status(
        session, caller.partner_id, application_id, body.status
    )
    session.commit()

    return moved
