"""Contract tests of the walking skeleton's routes: health, auth, profiles,
skills, the pages, /openapi.json and the static files.

Each test exercises its route against the real database (rolled back after
the test) and checks the answer against /openapi.json.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from harness.checks.learner_apis import unresolvable_refs
from tests.contract.schema import assert_matches_schema, operation_of
from tests.fixtures import Account, sign_up

covers = pytest.mark.covers


def assert_status_documented(app: Any, response: Any, method: str, path: str) -> None:
    """The status-code half of the contract, for pages whose bodies are HTML."""
    documented = operation_of(app, method, path)["responses"]
    assert str(response.status_code) in documented, (
        f"{method} {path} answered {response.status_code}; "
        f"documented: {sorted(documented)}"
    )


# --- health -----------------------------------------------------------------


@covers("GET", "/healthz")
def test_healthz(app: Any, client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert_matches_schema(app, response, "GET", "/healthz")


@covers("GET", "/readyz")
def test_readyz(app: Any, client: FlaskClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["down"] == []
    assert_matches_schema(app, response, "GET", "/readyz")


# --- auth -------------------------------------------------------------------


@covers("POST", "/api/v1/auth/signup")
def test_signup(app: Any, client: FlaskClient) -> None:
    body = {
        "email": "contract@learners.example",
        "password": "correct horse battery",
        "display_name": "Contract Test",
        "persona": "student",
        "region": "eu",
    }

    created = client.post("/api/v1/auth/signup", json=body)
    again = client.post("/api/v1/auth/signup", json=body)
    invalid = client.post("/api/v1/auth/signup", json={**body, "region": "mars"})

    assert created.status_code == 201
    assert again.status_code == 409
    assert invalid.status_code == 422
    for response in (created, again, invalid):
        assert_matches_schema(app, response, "POST", "/api/v1/auth/signup")


@covers("POST", "/api/v1/auth/login")
def test_login(app: Any, client: FlaskClient, learner: Account) -> None:
    good = client.post(
        "/api/v1/auth/login",
        json={"email": learner.email, "password": learner.password},
    )
    bad = client.post(
        "/api/v1/auth/login",
        json={"email": learner.email, "password": "not the password"},
    )

    assert good.status_code == 200
    assert bad.status_code == 401
    for response in (good, bad):
        assert_matches_schema(app, response, "POST", "/api/v1/auth/login")


@covers("POST", "/api/v1/auth/logout")
def test_logout(app: Any, client: FlaskClient, learner: Account) -> None:
    first = client.post("/api/v1/auth/logout", headers=learner.headers)
    second = client.post("/api/v1/auth/logout", headers=learner.headers)

    assert first.status_code == 204
    assert second.status_code == 401
    for response in (first, second):
        assert_matches_schema(app, response, "POST", "/api/v1/auth/logout")


@covers("GET", "/api/v1/me")
def test_me(app: Any, client: FlaskClient, learner: Account) -> None:
    mine = client.get("/api/v1/me", headers=learner.headers)
    anonymous = client.get("/api/v1/me")

    assert mine.status_code == 200 and mine.get_json()["id"] == learner.id
    assert anonymous.status_code == 401
    for response in (mine, anonymous):
        assert_matches_schema(app, response, "GET", "/api/v1/me")


# --- profiles and skills ----------------------------------------------------


@covers("GET", "/api/v1/profile")
def test_own_profile(app: Any, client: FlaskClient, learner: Account) -> None:
    response = client.get("/api/v1/profile", headers=learner.headers)

    assert response.status_code == 200
    assert_matches_schema(app, response, "GET", "/api/v1/profile")


@covers("PATCH", "/api/v1/profile")
def test_change_profile(
    app: Any, client: FlaskClient, seeded: Session, learner: Account
) -> None:
    changed = client.patch(
        "/api/v1/profile",
        headers=learner.headers,
        json={"headline": "Hi", "skills": [{"skill": "python", "self_level": 2}]},
    )
    refused = client.patch(
        "/api/v1/profile", headers=learner.headers, json={"role": "operator"}
    )
    wrong_type = client.patch(
        "/api/v1/profile",
        headers={**learner.headers, "Content-Type": "text/plain"},
        data="headline",
    )

    assert changed.status_code == 200
    assert refused.status_code == 422
    assert wrong_type.status_code == 415
    for response in (changed, refused, wrong_type):
        assert_matches_schema(app, response, "PATCH", "/api/v1/profile")


@covers("GET", "/api/v1/learners/{learner_id}/profile")
def test_learner_profile(app: Any, client: FlaskClient, learner: Account) -> None:
    path = "/api/v1/learners/{learner_id}/profile"
    other = sign_up(client)

    own = client.get(f"/api/v1/learners/{learner.id}/profile", headers=learner.headers)
    hidden = client.get(f"/api/v1/learners/{other.id}/profile", headers=learner.headers)

    assert own.status_code == 200
    assert hidden.status_code == 404
    for response in (own, hidden):
        assert_matches_schema(app, response, "GET", path)


@covers("GET", "/api/v1/skills")
def test_skills(app: Any, client: FlaskClient, seeded: Session) -> None:
    page = client.get("/api/v1/skills?per_page=5")
    out_of_range = client.get("/api/v1/skills?page=0")

    assert page.status_code == 200 and len(page.get_json()["items"]) == 5
    assert out_of_range.status_code == 400
    for response in (page, out_of_range):
        assert_matches_schema(app, response, "GET", "/api/v1/skills")


# --- the document and the static files --------------------------------------


@covers("GET", "/openapi.json")
def test_openapi_document(client: FlaskClient) -> None:
    """Not in itself; it lists the API, its references all resolve (two
    models of one name would overwrite each other), and errors are problems."""
    response = client.get("/openapi.json")

    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/profile" in spec["paths"]
    assert "Problem" in spec["components"]["schemas"]
    assert unresolvable_refs(spec) == []
    error = spec["paths"]["/api/v1/me"]["get"]["responses"]["401"]
    assert list(error["content"]) == ["application/problem+json"]


@covers("GET", "/static/{filename}")
def test_static_files(client: FlaskClient) -> None:
    css = client.get("/static/site.css")
    missing = client.get("/static/no-such-file.css")

    assert css.status_code == 200 and css.mimetype == "text/css"
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"


# --- pages ------------------------------------------------------------------


def _html(response: Any) -> None:
    assert response.mimetype == "text/html"
    assert b"<html" in response.get_data()


@covers("GET", "/")
def test_home_page(app: Any, client: FlaskClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    _html(response)
    assert_status_documented(app, response, "GET", "/")


@covers("GET", "/signup")
@covers("POST", "/signup")
def test_signup_page(app: Any, client: FlaskClient) -> None:
    form = client.get("/signup")
    refused = client.post("/signup", data={"email": "x"})

    assert form.status_code == 200
    assert refused.status_code == 422
    for method, response in (("GET", form), ("POST", refused)):
        _html(response)
        assert_status_documented(app, response, method, "/signup")


@covers("GET", "/login")
@covers("POST", "/login")
def test_login_page(app: Any, client: FlaskClient, learner: Account) -> None:
    form = client.get("/login")
    refused = client.post(
        "/login", data={"email": learner.email, "password": "not the password"}
    )

    assert form.status_code == 200
    assert refused.status_code == 401
    for method, response in (("GET", form), ("POST", refused)):
        _html(response)
        assert_status_documented(app, response, method, "/login")


@covers("POST", "/logout")
def test_logout_page(app: Any, client: FlaskClient) -> None:
    response = client.post("/logout")

    assert response.status_code == 302
    assert_status_documented(app, response, "POST", "/logout")


@covers("GET", "/profile")
@covers("POST", "/profile")
def test_profile_page(app: Any, client: FlaskClient, learner: Account) -> None:
    anonymous = client.get("/profile")
    client.post("/login", data={"email": learner.email, "password": learner.password})
    page = client.get("/profile")
    refused = client.post("/profile", data={"persona": "astronaut"})

    assert anonymous.status_code == 302
    assert page.status_code == 200
    assert refused.status_code == 422
    _html(page)
    for method, response in (("GET", anonymous), ("GET", page), ("POST", refused)):
        assert_status_documented(app, response, method, "/profile")


@covers("GET", "/")
@covers("POST", "/signup")
def test_pages_document_html_and_their_redirects(app: Any, client: FlaskClient) -> None:
    home = client.get("/")
    signed_up = client.post(
        "/signup",
        data={
            "email": "pages@learners.example",
            "password": "correct horse battery",
            "display_name": "Page Test",
            "persona": "student",
            "region": "eu",
        },
    )

    assert signed_up.status_code == 302
    assert_status_documented(app, signed_up, "POST", "/signup")
    assert_matches_schema(app, home, "GET", "/")


@covers("GET", "/verify-email")
def test_verify_email_page(app: Any, client: FlaskClient) -> None:
    response = client.get("/verify-email?token=not-a-real-token")

    assert response.status_code == 400
    _html(response)
    assert_status_documented(app, response, "GET", "/verify-email")


@covers("GET", "/reset-password")
@covers("POST", "/reset-password")
def test_reset_password_page(app: Any, client: FlaskClient) -> None:
    form = client.get("/reset-password?token=abc")
    refused = client.post("/reset-password", data={"token": "abc", "password": "x"})

    assert form.status_code == 200
    assert refused.status_code == 422
    for method, response in (("GET", form), ("POST", refused)):
        _html(response)
        assert_status_documented(app, response, method, "/reset-password")
