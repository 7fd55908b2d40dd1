"""The partner webhook API: endpoints, secrets, deliveries and dead letters.

Every route runs as the calling partner (``partner_auth``) and reaches only
that partner's rows; API keys need ``webhooks:read`` or ``webhooks:write``.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app
from flask.blueprints import BlueprintSetupState

from app.config import Settings
from app.db import request_session
from app.partners.auth import partner_auth, require_scope
from app.webhooks import dispatcher, service
from app.webhooks.errors import DeadLetterNotFound, DeliveryNotFound, EndpointNotFound
from app.webhooks.schemas import (
    MAX_ID,
    AttemptPage,
    BulkReplayIn,
    BulkReplayOut,
    DeadLetterPage,
    DeadLetterQuery,
    DeliveryOut,
    DeliveryPage,
    DeliveryQuery,
    EndpointCreatedOut,
    EndpointIn,
    EndpointOut,
    EndpointPage,
    EndpointQuery,
    EndpointUpdateIn,
    ListQuery,
    ReplayOut,
    RotateIn,
    SecretOut,
)

bp = APIBlueprint(
    "webhooks_api", __name__, url_prefix="/api/v1/partner/webhooks", tag="webhooks"
)

READ = "webhooks:read"
WRITE = "webhooks:write"


@bp.record_once
def _remember_redis(state: BlueprintSetupState) -> None:
    settings: Settings = state.app.config["SKILLFORGE"]
    dispatcher.use_redis(settings.redis_url)


def _settings() -> Settings:
    settings: Settings = current_app.config["SKILLFORGE"]
    return settings


def _endpoint_id(value: int) -> int:
    if value > MAX_ID:
        raise EndpointNotFound("No such webhook endpoint.")
    return value


@bp.get("/endpoints")
@bp.auth_required(partner_auth)
@bp.input(EndpointQuery, location="query", arg_name="query")
@bp.output(EndpointPage)
@bp.doc(summary="Your webhook endpoints", responses=[200, 400, 401, 403])
def list_endpoints(query: EndpointQuery) -> dict[str, Any]:
    caller = require_scope(READ)
    return service.list_endpoints(
        request_session(), caller.partner_id, query.page, query.per_page, query.status
    )


@bp.post("/endpoints")
@bp.auth_required(partner_auth)
@bp.input(EndpointIn, arg_name="body")
@bp.output(EndpointCreatedOut, status_code=201)
@bp.doc(
    summary="Register an endpoint; its signing secret is shown once",
    responses=[201, 400, 401, 403, 413, 415, 422],
)
def create_endpoint(body: EndpointIn) -> dict[str, Any]:
    caller = require_scope(WRITE)
    session = request_session()
    endpoint, secret = service.create_endpoint(
        session,
        _settings(),
        caller.partner_id,
        body.url,
        list(body.event_types),
        body.description,
    )
    session.commit()

    return {**service.endpoint_body(endpoint), "secret": secret}


@bp.get("/endpoints/<int:endpoint_id>")
@bp.auth_required(partner_auth)
@bp.output(EndpointOut)
@bp.doc(summary="One of your endpoints", responses=[200, 401, 403, 404])
def get_endpoint(endpoint_id: int) -> dict[str, Any]:
    caller = require_scope(READ)
    endpoint = service.get_endpoint(
        request_session(), caller.partner_id, _endpoint_id(endpoint_id)
    )
    return service.endpoint_body(endpoint)


@bp.patch("/endpoints/<int:endpoint_id>")
@bp.auth_required(partner_auth)
@bp.input(EndpointUpdateIn, arg_name="body")
@bp.output(EndpointOut)
@bp.doc(
    summary="Change an endpoint's URL, event types or description",
    responses=[200, 400, 401, 403, 404, 413, 415, 422],
)
def update_endpoint(endpoint_id: int, body: EndpointUpdateIn) -> dict[str, Any]:
    caller = require_scope(WRITE)
    session = request_session()
    endpoint = service.update_endpoint(
        session,
        _settings(),
        caller.partner_id,
        _endpoint_id(endpoint_id),
        body.model_dump(exclude_unset=True),
    )
    session.commit()

    return service.endpoint_body(endpoint)


@bp.delete("/endpoints/<int:endpoint_id>")
@bp.auth_required(partner_auth)
@bp.output({}, status_code=204)
@bp.doc(
    summary="Delete an endpoint; what it had pending is cancelled",
    responses=[204, 401, 403, 404],
)
def delete_endpoint(endpoint_id: int) -> tuple[str, int]:
    caller = require_scope(WRITE)
    session = request_session()
    service.delete_endpoint(session, caller.partner_id, _endpoint_id(endpoint_id))
    session.commit()

    return "", 204


@bp.post("/endpoints/<int:endpoint_id>/pause")
@bp.auth_required(partner_auth)
@bp.output(EndpointOut)
@bp.doc(
    summary="Hold deliveries to an endpoint until it is resumed",
    responses=[200, 401, 403, 404, 409],
)
def pause_endpoint(endpoint_id: int) -> dict[str, Any]:
    caller = require_scope(WRITE)
    session = request_session()
    endpoint = service.pause_endpoint(
        session, caller.partner_id, _endpoint_id(endpoint_id)
    )
    session.commit()

    return service.endpoint_body(endpoint)


@bp.post("/endpoints/<int:endpoint_id>/resume")
@bp.auth_required(partner_auth)
@bp.output(EndpointOut)
@bp.doc(
    summary="Resume a paused or disabled endpoint and send what it holds",
    responses=[200, 401, 403, 404],
)
def resume_endpoint(endpoint_id: int) -> dict[str, Any]:
    caller = require_scope(WRITE)
    session = request_session()
    endpoint = service.resume_endpoint(
        session, caller.partner_id, _endpoint_id(endpoint_id)
    )
    session.commit()

    return service.endpoint_body(endpoint)


@bp.post("/endpoints/<int:endpoint_id>/rotate-secret")
@bp.auth_required(partner_auth)
@bp.input(RotateIn, arg_name="body")
@bp.output(SecretOut)
@bp.doc(
    summary="New signing secret; the old one still signs for the overlap",
    responses=[200, 400, 401, 403, 404, 415, 422],
)
def rotate_secret(endpoint_id: int, body: RotateIn) -> dict[str, Any]:
    caller = require_scope(WRITE)
    session = request_session()
    secret, still_signing = service.rotate_secret(
        session, caller.partner_id, _endpoint_id(endpoint_id), body.overlap_seconds
    )
    session.commit()

    return {
        "secret": secret,
        "old_secrets_signing": still_signing,
        "overlap_seconds": body.overlap_seconds,
    }


@bp.get("/deliveries")
@bp.auth_required(partner_auth)
@bp.input(DeliveryQuery, location="query", arg_name="query")
@bp.output(DeliveryPage)
@bp.doc(summary="Your deliveries, newest first", responses=[200, 400, 401, 403, 404])
def list_deliveries(query: DeliveryQuery) -> dict[str, Any]:
    caller = require_scope(READ)
    return service.list_deliveries(
        request_session(),
        caller.partner_id,
        query.page,
        query.per_page,
        endpoint_id=query.endpoint_id,
        status=query.status,
        event_id=query.event_id,
    )


@bp.get("/deliveries/<int:delivery_id>")
@bp.auth_required(partner_auth)
@bp.output(DeliveryOut)
@bp.doc(summary="One of your deliveries", responses=[200, 401, 403, 404])
def get_delivery(delivery_id: int) -> dict[str, Any]:
    caller = require_scope(READ)
    if delivery_id > MAX_ID:
        raise DeliveryNotFound("No such delivery.")
    return service.get_delivery(request_session(), caller.partner_id, delivery_id)


@bp.get("/deliveries/<int:delivery_id>/attempts")
@bp.auth_required(partner_auth)
@bp.input(ListQuery, location="query", arg_name="query")
@bp.output(AttemptPage)
@bp.doc(
    summary="Every attempt of a delivery: status, latency, answer excerpt",
    responses=[200, 400, 401, 403, 404],
)
def list_attempts(delivery_id: int, query: ListQuery) -> dict[str, Any]:
    caller = require_scope(READ)
    if delivery_id > MAX_ID:
        raise DeliveryNotFound("No such delivery.")
    return service.list_attempts(
        request_session(), caller.partner_id, delivery_id, query.page, query.per_page
    )


@bp.get("/dead-letters")
@bp.auth_required(partner_auth)
@bp.input(DeadLetterQuery, location="query", arg_name="query")
@bp.output(DeadLetterPage)
@bp.doc(
    summary="Deliveries that ran out of attempts, oldest first",
    responses=[200, 400, 401, 403, 404],
)
def list_dead_letters(query: DeadLetterQuery) -> dict[str, Any]:
    caller = require_scope(READ)
    return service.list_dead_letters(
        request_session(),
        caller.partner_id,
        query.page,
        query.per_page,
        endpoint_id=query.endpoint_id,
        include_replayed=query.include_replayed,
    )


@bp.post("/dead-letters/<int:dead_letter_id>/replay")
@bp.auth_required(partner_auth)
@bp.output(ReplayOut)
@bp.doc(
    summary="Send one dead letter again, under its event's id",
    responses=[200, 401, 403, 404, 409],
)
def replay_dead_letter(dead_letter_id: int) -> dict[str, Any]:
    caller = require_scope(WRITE)
    if dead_letter_id > MAX_ID:
        raise DeadLetterNotFound("No such dead letter waiting for replay.")
    session = request_session()
    delivery_id = service.replay_dead_letter(session, dead_letter_id, caller.partner_id)
    session.commit()

    return {"delivery_id": delivery_id, "status": "pending"}


@bp.post("/dead-letters/replay")
@bp.auth_required(partner_auth)
@bp.input(BulkReplayIn, arg_name="body")
@bp.output(BulkReplayOut)
@bp.doc(
    summary="Send dead letters again in bulk, optionally of one endpoint",
    responses=[200, 400, 401, 403, 404, 415, 422],
)
def replay_dead_letters(body: BulkReplayIn) -> dict[str, Any]:
    caller = require_scope(WRITE)
    session = request_session()
    count = service.replay_dead_letters(
        session, caller.partner_id, body.endpoint_id, body.limit
    )
    session.commit()

    return {"replayed": count}
