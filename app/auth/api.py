"""The auth part of the JSON API: sign up, log in, log out, who am I."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, HTTPTokenAuth
from flask import current_app, request

from app.auth import service
from app.auth.models import User
from app.db import request_session
from app.limiter import limiter
from app.schemas import LoginIn, SignupIn, TokenOut, UserOut

bp = APIBlueprint("auth_api", __name__, url_prefix="/api/v1", tag="auth")
token_auth = HTTPTokenAuth(scheme="Bearer", description="An API token from login")


@token_auth.verify_token
def _verify(token: str) -> User | None:
    return service.user_for_token(request_session(), token)


def current_user() -> User:
    user = token_auth.current_user
    assert isinstance(user, User)
    return user


def _auth_limit() -> str:
    limit: str = current_app.config["SKILLFORGE"].rate_limit_auth
    return limit


def user_body(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "created_at": user.created_at,
    }


@bp.post("/auth/signup")
@bp.input(SignupIn, arg_name="body")
@bp.output(TokenOut, status_code=201)
@bp.doc(summary="Create a learner account", responses=[201, 409, 415, 422])
@limiter.limit(_auth_limit)
def signup(body: SignupIn) -> dict[str, Any]:
    session = request_session()
    user = service.sign_up_learner(session, **body.model_dump())
    token = service.issue_token(session, user, name="signup")
    session.commit()

    return {"token": token, "user": user_body(user)}


@bp.post("/auth/login")
@bp.input(LoginIn, arg_name="body")
@bp.output(TokenOut)
@bp.doc(summary="Exchange email and password for an API token", responses=[200, 401])
@limiter.limit(_auth_limit)
def login(body: LoginIn) -> dict[str, Any]:
    session = request_session()
    user = service.authenticate(session, body.email, body.password)
    token = service.issue_token(session, user, name="login")
    session.commit()

    return {"token": token, "user": user_body(user)}


@bp.post("/auth/logout")
@bp.auth_required(token_auth)
@bp.output({}, status_code=204)
@bp.doc(summary="Revoke the token this request carries", responses=[204, 401])
def logout() -> tuple[str, int]:
    session = request_session()
    raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
    service.revoke_token(session, raw)
    session.commit()

    return "", 204


@bp.get("/me")
@bp.auth_required(token_auth)
@bp.output(UserOut)
@bp.doc(summary="The account the token belongs to", responses=[200, 401])
def me() -> dict[str, Any]:
    return user_body(current_user())
