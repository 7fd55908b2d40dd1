"""The server-rendered pages, driven like a browser form would drive them."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.service import start_email_verification, start_password_reset
from tests.fixtures import Account

pytestmark = pytest.mark.integration

FORM = {
    "display_name": "Noor Haddad",
    "email": "noor@learners.example",
    "password": "a long passphrase",
    "persona": "career_changer",
    "region": "eu",
}


def test_sign_up_form_creates_an_account_and_opens_the_profile(
    client: FlaskClient,
) -> None:
    response = client.post("/signup", data=FORM, follow_redirects=True)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Noor Haddad" in page
    assert "Career changer" in page


def test_sign_up_form_shows_errors_beside_the_fields(client: FlaskClient) -> None:
    response = client.post("/signup", data={**FORM, "email": "nope", "password": "x"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page
    assert 'aria-invalid="true"' in page


def test_wrong_password_on_the_login_page_is_401(
    client: FlaskClient, learner: Account
) -> None:
    response = client.post(
        "/login", data={"email": learner.email, "password": "wrong password!"}
    )

    assert response.status_code == 401
    assert "The email or password is wrong." in response.get_data(as_text=True)


def test_login_profile_edit_and_logout(client: FlaskClient, learner: Account) -> None:
    client.post("/login", data={"email": learner.email, "password": learner.password})

    saved = client.post(
        "/profile",
        data={"headline": "Nurse retraining as a data analyst"},
        follow_redirects=True,
    )
    assert "Profile saved." in saved.get_data(as_text=True)
    assert "Nurse retraining" in saved.get_data(as_text=True)

    client.post("/logout")
    assert client.get("/profile").status_code == 302


def test_profile_page_needs_a_session(client: FlaskClient) -> None:
    response = client.get("/profile")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_the_emailed_verification_link_opens_a_confirmation_page(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    user = db_session.get(User, learner.id)
    assert user is not None
    token = start_email_verification(db_session, user)
    db_session.commit()

    first = client.get(f"/verify-email?token={token}")
    again = client.get(f"/verify-email?token={token}")

    assert first.status_code == 200
    assert "Email confirmed" in first.get_data(as_text=True)
    assert again.status_code >= 400
    assert "does not work" in again.get_data(as_text=True)


def test_the_emailed_reset_link_sets_a_new_password(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    token = start_password_reset(db_session, learner.email)
    db_session.commit()
    assert token is not None

    short = client.post("/reset-password", data={"token": token, "password": "x"})
    done = client.post(
        "/reset-password", data={"token": token, "password": "a brand new passphrase"}
    )

    assert short.status_code == 422
    assert done.status_code == 302
    login = client.post(
        "/api/v1/auth/login",
        json={"email": learner.email, "password": "a brand new passphrase"},
    )
    assert login.status_code == 200
