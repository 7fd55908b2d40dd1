"""The partner account API: the organisation, its members and its API keys.

Members and keys reach only their own partner. Keys are made and revoked by
members only: a key cannot mint keys.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from app.db import request_session
from app.errors import NotFound
from app.partners import service
from app.partners.auth import current_caller, partner_auth, require_member
from app.partners.models import Partner
from app.partners.schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyPage,
    MemberPage,
    PartnerOut,
)
from app.webhooks.schemas import MAX_ID, ListQuery

bp = APIBlueprint(
    "partners_api", __name__, url_prefix="/api/v1/partner", tag="partners"
)


@bp.get("")
@bp.auth_required(partner_auth)
@bp.output(PartnerOut)
@bp.doc(summary="The partner organisation you act for", responses=[200, 401, 403])
def own_partner() -> dict[str, Any]:
    partner = request_session().get(Partner, current_caller().partner_id)
    if partner is None:
        raise NotFound("No such partner.")

    return {
        "id": partner.id,
        "slug": partner.slug,
        "name": partner.name,
        "regions": partner.regions,
        "contact_email": partner.contact_email,
    }


@bp.get("/members")
@bp.auth_required(partner_auth)
@bp.input(ListQuery, location="query", arg_name="query")
@bp.output(MemberPage)
@bp.doc(summary="The members of your partner", responses=[200, 400, 401, 403])
def members(query: ListQuery) -> dict[str, Any]:
    caller = require_member()
    return service.list_members(
        request_session(), caller.partner_id, query.page, query.per_page
    )


@bp.get("/api-keys")
@bp.auth_required(partner_auth)
@bp.input(ListQuery, location="query", arg_name="query")
@bp.output(ApiKeyPage)
@bp.doc(
    summary="Your partner's API keys, never the keys themselves",
    responses=[200, 400, 401, 403],
)
def api_keys(query: ListQuery) -> dict[str, Any]:
    caller = require_member()
    return service.list_api_keys(
        request_session(), caller.partner_id, query.page, query.per_page
    )


@bp.post("/api-keys")
@bp.auth_required(partner_auth)
@bp.input(ApiKeyIn, arg_name="body")
@bp.output(ApiKeyCreatedOut, status_code=201)
@bp.doc(
    summary="Make an API key with some scopes; the key is shown once",
    responses=[201, 400, 401, 403, 413, 415, 422],
)
def create_api_key(body: ApiKeyIn) -> dict[str, Any]:
    caller = require_member()
    session = request_session()
    key, raw = service.create_api_key(
        session, caller.partner_id, body.name, list(body.scopes), caller.user_id
    )
    session.commit()

    return {**service.key_body(key), "key": raw}


@bp.delete("/api-keys/<int:key_id>")
@bp.auth_required(partner_auth)
@bp.output({}, status_code=204)
@bp.doc(summary="Revoke an API key", responses=[204, 401, 403, 404])
def revoke_api_key(key_id: int) -> tuple[str, int]:
    caller = require_member()
    if key_id > MAX_ID:
        raise service.ApiKeyNotFound("No such API key.")
    session = request_session()
    service.revoke_api_key(session, caller.partner_id, key_id)
    session.commit()

    return "", 204
