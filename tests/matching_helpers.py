"""Building blocks for the matching tests: skills, partners, opportunities.

Everything goes through the session of the test (rolled back afterwards) or
the app's HTTP interface, like the rest of the fixtures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import issue_token
from app.partners.service import add_member, create_partner
from app.profiles.models import Skill, SkillCategory
from tests.fixtures import Account

# Skills of the matching tests, with slugs of the seeded catalogue.
SKILLS = {
    "python": "Python",
    "sql": "SQL",
    "excel-pivot-tables": "Excel pivot tables",
    "statistical-hypothesis-testing": "Statistical hypothesis testing",
    "data-visualisation": "Data visualisation",
    "customer-onboarding": "Customer onboarding",
}


def ensure_skills(session: Session) -> dict[str, int]:
    """Create the test skills that do not exist yet; return slug to id."""
    known = {
        s.slug: s.id
        for s in session.scalars(select(Skill).where(Skill.slug.in_(SKILLS)))
    }
    missing = [slug for slug in SKILLS if slug not in known]
    if missing:
        category = session.scalar(
            select(SkillCategory).where(SkillCategory.slug == "matching-tests")
        ) or SkillCategory(slug="matching-tests", name="Matching tests")
        for slug in missing:
            skill = Skill(slug=slug, name=f"{SKILLS[slug]} (t)", category=category)
            session.add(skill)
            session.flush()
            known[slug] = skill.id
        session.commit()

    return known


@dataclass
class PartnerAccount:
    partner_id: int
    user_id: int
    token: str
    name: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_partner(
    session: Session, regions: tuple[str, ...] = ("eu",)
) -> PartnerAccount:
    """A partner organisation with one member, and that member's token."""
    tag = uuid.uuid4().hex[:8]
    partner = create_partner(
        session,
        slug=f"partner-{tag}",
        name=f"Partner {tag}",
        regions=list(regions),
        contact_email=f"jobs@partner-{tag}.example",
    )
    member = add_member(
        session,
        partner.id,
        email=f"member-{tag}@partner-{tag}.example",
        password="a partner passphrase",
        display_name=f"Member {tag}",
    )
    token = issue_token(session, member, name="tests")
    session.commit()
    return PartnerAccount(partner.id, member.id, token, partner.name)


def publish(
    client: FlaskClient,
    partner: PartnerAccount,
    skills: dict[str, int],
    *,
    title: str = "Junior data analyst",
    region: str = "eu",
    kind: str = "job",
) -> dict[str, Any]:
    """Publish an opportunity through the API; ``skills`` maps slug to level."""
    response = client.post(
        "/api/v1/partner/opportunities",
        headers=partner.headers,
        json={
            "title": title,
            "kind": kind,
            "region": region,
            "description": "Work with data.",
            "skills": [{"skill": s, "min_level": lv} for s, lv in skills.items()],
        },
    )
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def rate(client: FlaskClient, account: Account, skills: dict[str, int]) -> None:
    """Set a learner's self-rated skills through the profile API."""
    response = client.patch(
        "/api/v1/profile",
        headers=account.headers,
        json={"skills": [{"skill": s, "self_level": lv} for s, lv in skills.items()]},
    )
    assert response.status_code == 200, response.get_json()


def consent(client: FlaskClient, account: Account) -> None:
    response = client.post("/api/v1/consent/partner-sharing", headers=account.headers)
    assert response.status_code == 200, response.get_json()


def match_ids(client: FlaskClient, account: Account) -> list[int]:
    """The opportunity ids of a learner's matches, best first."""
    response = client.get("/api/v1/matches?per_page=100", headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return [m["opportunity"]["id"] for m in response.get_json()["items"]]
