"""Steps shared by every feature, and the state passed between steps.

The features talk to the app the way a learner's client does: JSON over the
app's HTTP interface (Flask's test client), against the real PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from pytest_bdd import given, parsers, then

from tests.fixtures import sign_up


@dataclass
class Visitor:
    """What one scenario's person has done so far."""

    client: FlaskClient
    email: str = "newcomer@learners.example"
    password: str = "a long passphrase"
    token: str | None = None
    user_id: int | None = None
    last: Any = None
    refused: list[Any] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@pytest.fixture
def visitor(client: FlaskClient) -> Visitor:
    return Visitor(client)


@given("I have not signed up yet")
def not_signed_up(visitor: Visitor) -> None:
    assert visitor.token is None


@given(parsers.parse('I am a signed-up "{persona}" in region "{region}"'))
def signed_up(visitor: Visitor, persona: str, region: str) -> None:
    account = sign_up(visitor.client, persona=persona, region=region)
    visitor.email, visitor.token, visitor.user_id = (
        account.email,
        account.token,
        account.id,
    )


@then(parsers.parse('my profile says I am a "{persona}" in region "{region}"'))
@then(parsers.parse('my profile still says I am a "{persona}" in region "{region}"'))
def profile_says(visitor: Visitor, persona: str, region: str) -> None:
    profile = visitor.client.get("/api/v1/profile", headers=visitor.headers)
    assert profile.status_code == 200
    assert profile.get_json()["persona"] == persona
    assert profile.get_json()["region"] == region
