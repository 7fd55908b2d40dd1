"""Steps of the profile feature."""

from __future__ import annotations

from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy.orm import Session

from features.conftest import Visitor

scenarios("profiles/update_profile.feature")


@given("the skills catalogue is loaded")
def catalogue(seeded: Session) -> None:
    assert seeded is not None


@when(parsers.parse('I change my headline to "{headline}"'))
def change_headline(visitor: Visitor, headline: str) -> None:
    response = visitor.client.patch(
        "/api/v1/profile", headers=visitor.headers, json={"headline": headline}
    )
    assert response.status_code == 200, response.get_json()


def _rate(visitor: Visitor, ratings: list[tuple[str, int]]) -> None:
    visitor.last = visitor.client.patch(
        "/api/v1/profile",
        headers=visitor.headers,
        json={"skills": [{"skill": s, "self_level": n} for s, n in ratings]},
    )


@given(parsers.parse('I rate myself {a:d} in "{first}" and {b:d} in "{second}"'))
@when(parsers.parse('I rate myself {a:d} in "{first}" and {b:d} in "{second}"'))
def rate_two(visitor: Visitor, a: int, first: str, b: int, second: str) -> None:
    _rate(visitor, [(first, a), (second, b)])
    assert visitor.last.status_code == 200, visitor.last.get_json()


@when(
    parsers.re(r'I rate myself (?P<level>\d) in "(?P<skill>[^"]+)"$'),
    converters={"level": int},
)
def rate_one(visitor: Visitor, level: int, skill: str) -> None:
    _rate(visitor, [(skill, level)])


@then(parsers.parse('my profile shows the headline "{headline}"'))
def shows_headline(visitor: Visitor, headline: str) -> None:
    profile = visitor.client.get("/api/v1/profile", headers=visitor.headers)
    assert profile.get_json()["headline"] == headline


@then(parsers.parse('my profile lists the skills "{skills}"'))
def lists_skills(visitor: Visitor, skills: str) -> None:
    profile = visitor.client.get("/api/v1/profile", headers=visitor.headers)
    listed = sorted(s["skill"] for s in profile.get_json()["skills"])
    assert listed == sorted(s.strip() for s in skills.split(","))


@when(parsers.parse('I try to set my "{field}" to "{value}"'))
def try_to_set(visitor: Visitor, field: str, value: str) -> None:
    response = visitor.client.patch(
        "/api/v1/profile", headers=visitor.headers, json={field: value}
    )
    visitor.refused.append(response)


@then("both changes are refused")
def both_refused(visitor: Visitor) -> None:
    assert [r.status_code for r in visitor.refused] == [422, 422]


@then(parsers.parse('the change is refused naming "{skill}"'))
def refused_naming(visitor: Visitor, skill: str) -> None:
    assert visitor.last.status_code == 422
    messages = [e["message"] for e in visitor.last.get_json()["errors"]]
    assert any(skill in m for m in messages), messages
