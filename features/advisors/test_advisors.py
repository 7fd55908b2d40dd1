"""Steps of the advisor features.

Advisors and their assignments are created by operators, for which there is
no API yet, so the steps store them with the app's own models and services.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.service import hash_password, issue_token
from app.db import utcnow
from app.profiles.models import AdvisorAssignment
from features.conftest import Visitor
from tests.fixtures import sign_up

scenarios("advisors/follow_learner.feature")

LIST = "/api/v1/advisor/learners"


@pytest.fixture
def people() -> dict[str, int]:
    """The learners of the scenario: display name to user id."""
    return {}


def add_advisor(db_session: Session) -> tuple[int, str]:
    """Store an advisor account and return its id and a bearer token."""
    email = f"advisor-{uuid.uuid4().hex[:10]}@advisors.example"
    advisor = User(
        email=email,
        email_key=email,
        password_hash=hash_password("an advisor passphrase"),
        display_name="Ada Advisor",
        role="advisor",
        session_version=1,
    )
    db_session.add(advisor)
    db_session.flush()
    token = issue_token(db_session, advisor)
    db_session.commit()
    return advisor.id, token


def follow(
    visitor: Visitor,
    db_session: Session,
    people: dict[str, int],
    advisor_id: int,
    names: list[str],
) -> None:
    start = utcnow() - timedelta(days=len(names))
    for n, name in enumerate(names):
        people[name] = sign_up(visitor.client, display_name=name).id
        db_session.add(
            AdvisorAssignment(
                advisor_id=advisor_id,
                learner_id=people[name],
                created_at=start + timedelta(days=n),
            )
        )
    db_session.commit()


@given("I am an advisor")
def i_am_an_advisor(visitor: Visitor, db_session: Session) -> None:
    visitor.user_id, visitor.token = add_advisor(db_session)


@given(parsers.parse('I follow the learners "{first}" and "{second}", in that order'))
def i_follow(
    visitor: Visitor,
    db_session: Session,
    people: dict[str, int],
    first: str,
    second: str,
) -> None:
    assert visitor.user_id is not None
    follow(visitor, db_session, people, visitor.user_id, [first, second])


@given(parsers.parse('another advisor follows the learner "{name}"'))
def another_follows(
    visitor: Visitor, db_session: Session, people: dict[str, int], name: str
) -> None:
    other_id, _ = add_advisor(db_session)
    follow(visitor, db_session, people, other_id, [name])


def list_page(visitor: Visitor, query: str = "") -> Any:
    return visitor.client.get(f"{LIST}{query}", headers=visitor.headers)


def names_on(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["display_name"] for item in response.get_json()["items"]]


@when("I open my list of learners")
def open_list(visitor: Visitor) -> None:
    visitor.last = list_page(visitor)


@then(parsers.parse('I see "{first}" and then "{second}"'))
def see_in_order(visitor: Visitor, first: str, second: str) -> None:
    assert names_on(visitor.last) == [first, second]


@then(parsers.parse('I do not see "{name}"'))
def do_not_see(visitor: Visitor, name: str) -> None:
    assert name not in names_on(visitor.last)


@when(parsers.parse('I open the profile of "{name}"'))
def open_profile(visitor: Visitor, people: dict[str, int], name: str) -> None:
    visitor.last = visitor.client.get(
        f"/api/v1/learners/{people[name]}/profile", headers=visitor.headers
    )


@then(parsers.parse('I see the profile of "{name}"'))
def see_profile(visitor: Visitor, name: str) -> None:
    assert visitor.last.status_code == 200
    assert visitor.last.get_json()["display_name"] == name


@then("I am told there is no such learner")
def no_such_learner(visitor: Visitor) -> None:
    assert visitor.last.status_code == 404
    assert visitor.last.get_json()["detail"] == "No such learner."


@when(
    parsers.parse("I open my list of learners, {per_page:d} per page"),
    target_fixture="per_page",
)
def list_per_page(per_page: int) -> int:
    return per_page


@then(parsers.parse('page {page:d} shows "{name}" and says there is more'))
def page_with_more(visitor: Visitor, per_page: int, page: int, name: str) -> None:
    response = list_page(visitor, f"?page={page}&per_page={per_page}")
    assert names_on(response) == [name]
    assert response.get_json()["has_more"] is True


@then(parsers.parse('page {page:d} shows "{name}" and says there is no more'))
def page_at_end(visitor: Visitor, per_page: int, page: int, name: str) -> None:
    response = list_page(visitor, f"?page={page}&per_page={per_page}")
    assert names_on(response) == [name]
    assert response.get_json()["has_more"] is False


@then(parsers.parse("page {page:d} is empty"))
def page_empty(visitor: Visitor, per_page: int, page: int) -> None:
    response = list_page(visitor, f"?page={page}&per_page={per_page}")
    assert names_on(response) == []
    assert response.get_json()["has_more"] is False


@when(parsers.parse("I ask for page {page:d} of my list of learners"))
def ask_for_page(visitor: Visitor, page: int) -> None:
    visitor.last = list_page(visitor, f"?page={page}")


@then("I am told the page is out of range")
def page_out_of_range(visitor: Visitor) -> None:
    assert visitor.last.status_code == 400
    assert visitor.last.get_json()["type"].endswith("/bad-page")
