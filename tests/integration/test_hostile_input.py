"""Input a hostile or careless client sends: each gets a clear 4xx, never a 500."""

from __future__ import annotations

import io
import unicodedata

import pytest
from flask.testing import FlaskClient

from harness.services import free_port
from tests.fixtures import Account, Services, run_probe, sign_up

pytestmark = pytest.mark.integration


def test_deeply_nested_json_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/auth/signup",
        data="[" * 1000 + "]" * 1000,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_chunked_body_over_the_limit_is_413(client: FlaskClient) -> None:
    body = b'{"email": "a@b.example"' + b" " * 2_000_000 + b"}"

    response = client.post(
        "/api/v1/auth/signup",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
    )

    assert response.status_code == 413


def test_chunked_body_under_the_limit_is_read(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/auth/signup",
        input_stream=io.BytesIO(b'{"email": "bad"}'),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
    )

    assert response.status_code == 422


@pytest.mark.parametrize(
    "page", ["9223372036854775807", "100001", "-1"], ids=["bigint", "cap", "negative"]
)
def test_absurd_page_numbers_are_400(client: FlaskClient, page: str) -> None:
    assert client.get(f"/api/v1/skills?page={page}").status_code == 400


@pytest.mark.parametrize(
    "name",
    ["\u200b\u200b", "evil\u202egnp.exe", "\u2066isolate"],
    ids=["zero-width-only", "rtl-override", "bidi-isolate"],
)
def test_deceptive_names_are_422(client: FlaskClient, name: str) -> None:
    response = client.post(
        "/api/v1/auth/signup",
        json={
            "email": "deceptive@learners.example",
            "password": "long enough password",
            "display_name": name,
            "persona": "student",
            "region": "eu",
        },
    )

    assert response.status_code == 422


def test_login_accepts_another_unicode_form_of_the_email(client: FlaskClient) -> None:
    composed = unicodedata.normalize("NFC", "Ülla@learners.example")
    account = sign_up(client, email=composed)
    decomposed = unicodedata.normalize("NFD", composed)

    response = client.post(
        "/api/v1/auth/login", json={"email": decomposed, "password": account.password}
    )

    assert response.status_code == 200


def test_a_copied_page_cookie_dies_at_logout(
    app: object, client: FlaskClient, learner: Account
) -> None:
    client.post("/login", data={"email": learner.email, "password": learner.password})
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = client.application.test_client()
    other.set_cookie("session", cookie.value)
    assert other.get("/profile").status_code == 200

    client.post("/logout")

    assert other.get("/profile").status_code == 302


def test_the_stylesheet_is_served(client: FlaskClient) -> None:
    response = client.get("/static/site.css")

    assert response.status_code == 200
    assert "font" in response.get_data(as_text=True)


REDIS_DOWN_PROBE = """
import json
from app import create_app
from app.config import load_settings
client = create_app(load_settings()).test_client()
ready = client.get("/readyz")
print(json.dumps([client.get("/api/v1/skills").status_code, ready.status_code,
                  ready.get_json()["down"]]))
"""


def test_with_redis_down_pages_still_serve_and_readyz_names_it(
    services: Services,
) -> None:
    # In a process of its own: the limiter is one object per process.
    closed = f"redis://127.0.0.1:{free_port()}/0"

    skills, ready, down = run_probe(services, REDIS_DOWN_PROBE, REDIS_URL=closed)
    assert skills == 200
    assert ready == 503
    assert "redis" in down


def test_with_the_database_down_the_api_answers_503_not_500(
    services: Services,
) -> None:
    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none"

    skills, kind, ready = run_probe(services, DATABASE_DOWN_PROBE, DATABASE_URL=closed)
    assert skills == 503
    assert kind.endswith("/database-unavailable")
    assert ready == 503


DATABASE_DOWN_PROBE = """
import json
from app import create_app
from app.config import load_settings
client = create_app(load_settings()).test_client()
skills = client.get("/api/v1/skills")
print(json.dumps([skills.status_code, skills.get_json()["type"],
                  client.get("/readyz").status_code]))
"""


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/assessments?skill=%00",
        "/api/v1/skills?page=1%00",
        "/api/v1/assessments?%00=1",
        "/api/v1/matches?per_page=%00",
    ],
)
def test_nul_bytes_in_the_query_are_400_not_500(
    client: FlaskClient, learner: Account, path: str
) -> None:
    response = client.get(path, headers=learner.headers)

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("/bad-query")


def test_framework_errors_read_like_the_apps_own(client: FlaskClient) -> None:
    no_token = client.get("/api/v1/me").get_json()
    wrong_password = client.post(
        "/api/v1/auth/login", json={"email": "x@example.com", "password": "wrong one!"}
    ).get_json()

    assert no_token["title"] == wrong_password["title"] == "Authentication required"
    assert no_token["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"skills": [{"skill": "ro\x00ofing", "self_level": 2}]}, "skills.0.skill"),
        ({"headline": "fine", "goals": "nul\x00"}, "goals"),
        ({"skills\x00": []}, "skills\x00"),
    ],
)
def test_nul_bytes_anywhere_in_a_body_are_422_naming_the_field(
    client: FlaskClient, learner: Account, body: dict[str, object], field: str
) -> None:
    before = client.get("/api/v1/profile", headers=learner.headers).get_json()

    response = client.patch("/api/v1/profile", headers=learner.headers, json=body)

    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"location": "json", "field": field, "message": "NUL bytes are not allowed"}
    ]
    assert client.get("/api/v1/profile", headers=learner.headers).get_json() == before
