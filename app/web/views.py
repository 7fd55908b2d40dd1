"""Server-rendered pages: sign up, log in, log out and the profile.

Pages use the session cookie; they call the same service functions as the
JSON API and show validation errors next to the fields they concern.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from pydantic import ValidationError

from app.auth import service as auth
from app.auth.models import User
from app.db import request_session
from app.errors import Conflict, InvalidInput, SkillForgeError, Unauthorized
from app.limiter import limiter
from app.profiles import service as profiles
from app.schemas import LoginIn, ProfileUpdateIn, SignupIn

# An APIBlueprint so the pages are listed in /openapi.json like every route.
bp = APIBlueprint(
    "pages",
    __name__,
    tag="pages",
    template_folder="templates",
    static_folder="static",
)


PAGE_TOKEN = "page_token"


def signed_in_user() -> User | None:
    """The user of this browser session, if it is still live.

    The signed cookie holds an API token named "page-session"; logging out
    revokes it, so a copied cookie dies with the session, and "log out
    everywhere" (which raises the user's session version) ends it too.
    """
    raw = session.get(PAGE_TOKEN)
    if not raw:
        return None

    user = auth.user_for_token(request_session(), raw)
    if user is None:
        session.clear()
    return user


def _field_errors(exc: ValidationError) -> dict[str, str]:
    return {str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in exc.errors()}


def _start_session(user: User) -> None:
    db_session = request_session()
    raw = auth.issue_token(db_session, user, name="page-session")
    db_session.commit()
    session.clear()
    session[PAGE_TOKEN] = raw


def _auth_limit() -> str:
    limit: str = current_app.config["SKILLFORGE"].rate_limit_auth
    return limit


@bp.get("/")
@bp.doc(summary="Home page (HTML)")
def index() -> str:
    return render_template("index.html", user=signed_in_user())


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@bp.doc(
    summary="Sign-up form (HTML)",
    responses={200: "The form", 422: "The form with errors"},
)
def signup() -> Any:
    errors: dict[str, str] = {}
    form = request.form.to_dict()
    if request.method == "POST":
        form.pop("csrf_token", None)
        try:
            body = SignupIn.model_validate(form)
            db_session = request_session()
            user = auth.sign_up_learner(db_session, **body.model_dump())
            db_session.commit()
        except ValidationError as exc:
            errors = _field_errors(exc)
        except InvalidInput as exc:
            errors = {e["field"]: e["message"] for e in exc.extra["errors"]}
        except Conflict as exc:
            errors = {"email": exc.detail}
        else:
            _start_session(user)
            flash("Welcome to SkillForge! Your account is ready.")
            return redirect(url_for("pages.profile"))

    status = 422 if errors else 200
    return render_template("signup.html", form=form, errors=errors), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@bp.doc(
    summary="Log-in form (HTML)",
    responses={200: "The form", 401: "Wrong email or password"},
)
def login() -> Any:
    errors: dict[str, str] = {}
    form = request.form.to_dict()
    if request.method == "POST":
        form.pop("csrf_token", None)
        try:
            body = LoginIn.model_validate(form)
            user = auth.authenticate(request_session(), body.email, body.password)
        except ValidationError as exc:
            errors = _field_errors(exc)
        except Unauthorized as exc:
            errors = {"form": exc.detail}
        else:
            _start_session(user)
            return redirect(url_for("pages.profile"))

    status = 401 if errors else 200
    return render_template("login.html", form=form, errors=errors), status


@bp.post("/logout")
@bp.doc(summary="End the page session", responses={302: "Back to the home page"})
def logout() -> Any:
    raw = session.get(PAGE_TOKEN)
    if raw:
        db_session = request_session()
        auth.revoke_token(db_session, raw)
        db_session.commit()
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("pages.index"))


@bp.route("/profile", methods=["GET", "POST"])
@bp.doc(
    summary="Your profile page (HTML)",
    responses={200: "The page", 302: "Log in first", 422: "The form with errors"},
)
def profile() -> Any:
    user = signed_in_user()
    if user is None:
        return redirect(url_for("pages.login"))
    if user.role != "learner":
        return render_template("index.html", user=user)

    db_session = request_session()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {
            k: v
            for k, v in request.form.items()
            if k in ("display_name", "headline", "goals", "persona")
        }
        try:
            body = ProfileUpdateIn.model_validate(form)
            profiles.update_profile(
                db_session, user, body.model_dump(exclude_unset=True)
            )
            db_session.commit()
        except ValidationError as exc:
            errors = _field_errors(exc)
        else:
            flash("Profile saved.")
            return redirect(url_for("pages.profile"))

    learner = profiles.get_profile(db_session, user.id)
    body_out = profiles.profile_body(learner, user)
    return (
        render_template("profile.html", user=user, profile=body_out, errors=errors),
        422 if errors else 200,
    )


@bp.get("/verify-email")
@bp.doc(
    summary="Confirm an email address from the emailed link (HTML)",
    responses={200: "Confirmed", 400: "The link is invalid, used or expired"},
)
def verify_email() -> Any:
    token = request.args.get("token", "")
    db_session = request_session()
    try:
        auth.confirm_email(db_session, token)
        db_session.commit()
    except SkillForgeError as exc:
        return render_template(
            "message.html",
            user=signed_in_user(),
            title="This link does not work",
            message=exc.detail,
        ), exc.status

    return render_template(
        "message.html",
        user=signed_in_user(),
        title="Email confirmed",
        message="Thank you: your email address is confirmed.",
    )


@bp.route("/reset-password", methods=["GET", "POST"])
@bp.doc(
    summary="Choose a new password from the emailed link (HTML)",
    responses={200: "The form", 422: "The form with errors"},
)
@limiter.limit(_auth_limit, methods=["POST"])
def reset_password() -> Any:
    token = request.values.get("token", "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        db_session = request_session()
        try:
            auth.reset_password(db_session, token, request.form.get("password", ""))
            db_session.commit()
        except InvalidInput as exc:
            errors = {e["field"]: e["message"] for e in exc.extra["errors"]}
        except SkillForgeError as exc:
            errors = {"form": exc.detail}
        else:
            flash("Your password is changed. Log in with the new one.")
            return redirect(url_for("pages.login"))

    return (
        render_template("reset_password.html", token=token, errors=errors),
        422 if errors else 200,
    )
