"""The auth part of the JSON API: accounts, sessions, tokens and their emails.

Sign up, log in and out (here or everywhere), who am I, email verification,
password reset, and the list of your API tokens.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, HTTPTokenAuth
from flask import current_app, request

from app.auth import service
from app.auth.models import User
from app.auth.schemas import (
    AcceptedOut,
    ApiTokenPage,
    EmailIn,
    EmailVerifiedOut,
    PasswordResetIn,
    VerifyEmailIn,
)
from app.db import request_session
from app.limiter import limiter
from app.pagination import page_of
from app.schemas import LoginIn, PageQuery, SignupIn, TokenOut, UserOut

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
        "email_verified_at": user.email_verified_at,
    }


def _bearer_token() -> str:
    return request.headers.get("Authorization", "").partition(" ")[2].strip()


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
@bp.doc(
    summary="Exchange email and password for an API token",
    description="Failed attempts slow further ones down, then lock the account "
    "for a while (429 with Retry-After), whatever password comes next.",
    responses=[200, 401, 429],
)
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
    service.revoke_token(session, _bearer_token())
    session.commit()

    return "", 204


@bp.get("/me")
@bp.auth_required(token_auth)
@bp.output(UserOut)
@bp.doc(summary="The account the token belongs to", responses=[200, 401])
def me() -> dict[str, Any]:
    return user_body(current_user())


@bp.post("/auth/logout-everywhere")
@bp.auth_required(token_auth)
@bp.output({}, status_code=204)
@bp.doc(
    summary="End every session and revoke every token of your account",
    responses=[204, 401],
)
def logout_everywhere() -> tuple[str, int]:
    session = request_session()
    service.log_out_everywhere(session, current_user())
    session.commit()

    return "", 204


@bp.post("/auth/verify-email/request")
@bp.auth_required(token_auth)
@bp.output(AcceptedOut, status_code=202)
@bp.doc(
    summary="Send a new link that confirms your email address",
    responses=[202, 401, 409],
)
@limiter.limit(_auth_limit)
def request_email_verification() -> dict[str, str]:
    session = request_session()
    service.start_email_verification(session, current_user())
    session.commit()

    return {"detail": "We have sent a confirmation link to your email address."}


@bp.post("/auth/verify-email/confirm")
@bp.input(VerifyEmailIn, arg_name="body")
@bp.output(EmailVerifiedOut)
@bp.doc(
    summary="Confirm your email address with the token from the link",
    responses=[200, 400, 415, 422],
)
@limiter.limit(_auth_limit)
def confirm_email(body: VerifyEmailIn) -> dict[str, Any]:
    session = request_session()
    user = service.confirm_email(session, body.token)
    session.commit()

    return {
        "user_id": user.id,
        "email": user.email,
        "email_verified_at": user.email_verified_at,
    }


@bp.post("/auth/password-reset/request")
@bp.input(EmailIn, arg_name="body")
@bp.output(AcceptedOut, status_code=202)
@bp.doc(
    summary="Email a password reset link",
    description="The answer is the same whether or not an account uses the "
    "address, so it tells nobody which addresses have accounts.",
    responses=[202, 400, 415, 422],
)
@limiter.limit(_auth_limit)
def request_password_reset(body: EmailIn) -> dict[str, str]:
    session = request_session()
    service.start_password_reset(session, body.email)
    session.commit()

    return {
        "detail": "If an account uses this address, we have sent it a link "
        "to reset the password."
    }


@bp.post("/auth/password-reset/confirm")
@bp.input(PasswordResetIn, arg_name="body")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Set a new password with the token from the reset link",
    description="Works once; logs the account out everywhere and revokes "
    "every API token.",
    responses=[204, 400, 415, 422],
)
@limiter.limit(_auth_limit)
def confirm_password_reset(body: PasswordResetIn) -> tuple[str, int]:
    session = request_session()
    service.reset_password(session, body.token, body.password)
    session.commit()

    return "", 204


@bp.get("/auth/tokens")
@bp.auth_required(token_auth)
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(ApiTokenPage)
@bp.doc(
    summary="Your working API tokens, newest first (never the tokens themselves)",
    responses=[200, 400, 401],
)
def tokens(query: PageQuery) -> dict[str, Any]:
    statement = service.live_tokens(
        current_user(), service.token_digest(_bearer_token())
    )
    return page_of(request_session(), statement, query.page, query.per_page)


@bp.delete("/auth/tokens/<int:token_id>")
@bp.auth_required(token_auth)
@bp.output({}, status_code=204)
@bp.doc(summary="Revoke one of your API tokens", responses=[204, 401, 404])
def revoke_token(token_id: int) -> tuple[str, int]:
    session = request_session()
    service.revoke_token_id(session, current_user(), token_id)
    session.commit()

    return "", 204
