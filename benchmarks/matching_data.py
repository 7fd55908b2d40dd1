"""Deterministic matching data at scale, written into PostgreSQL with COPY.

Learners and opportunities follow the shape of the demo seed
(``app.seed_data``) at any size: the real skills catalogue; a learner holds 3
to 11 skills, most from one field; an opportunity needs 2 to 6 skills, most
from one field; about a quarter of learners' skills are assessed; regions
split 55/45 between eu and us; half the learners consent to partner sharing.
The same seed always gives the same rows. 100,000 learners and 10,000
opportunities take about 10 s to generate and load here.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import make_url

from app.seed_data import CATEGORIES, SKILLS

KINDS = ("job", "internship", "apprenticeship", "project")
LEVEL_WEIGHTS = (25, 35, 28, 12)
REQUIRED_WEIGHTS = (20, 40, 30, 10)


@dataclass(frozen=True)
class Scale:
    learners: int
    opportunities: int
    partners: int = 200
    seed: int = 20261204


def plain_url(url: str) -> str:
    """A SQLAlchemy URL as libpq wants it (no ``+psycopg`` driver part)."""
    return make_url(url).set(drivername="postgresql").render_as_string(False)


def _copy(
    cursor: psycopg.Cursor, table: str, columns: str, rows: Iterable[str]
) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write("".join(rows))


def generate(url: str, scale: Scale) -> dict[str, float]:
    """Load the catalogue, partners, opportunities and learners; return counts."""
    started = time.perf_counter()
    rng = random.Random(scale.seed)
    fields = [c.slug for c in CATEGORIES]
    skill_ids = {s.slug: i + 1 for i, s in enumerate(SKILLS)}
    by_field = {
        f: [skill_ids[s.slug] for s in SKILLS if s.category == f] for f in fields
    }
    all_skills = list(skill_ids.values())

    with psycopg.connect(plain_url(url)) as connection, connection.cursor() as cur:
        _copy(
            cur,
            "skill_categories",
            "id, slug, name, description",
            (f"{i + 1}\t{c.slug}\t{c.name}\t\n" for i, c in enumerate(CATEGORIES)),
        )
        category_ids = {c.slug: i + 1 for i, c in enumerate(CATEGORIES)}
        _copy(
            cur,
            "skills",
            "id, slug, name, category_id",
            (
                f"{skill_ids[s.slug]}\t{s.slug}\t{s.name}\t{category_ids[s.category]}\n"
                for s in SKILLS
            ),
        )

        partner_regions = [
            rng.choice((("eu",), ("us",), ("eu", "us"))) for _ in range(scale.partners)
        ]
        _copy(
            cur,
            "partners",
            "id, slug, name, regions, contact_email, created_at",
            (
                f"{p + 1}\tbench-partner-{p + 1}\tBench partner {p + 1}\t"
                f"{{{','.join(regions)}}}\tjobs@partner{p + 1}.example\tnow\n"
                for p, regions in enumerate(partner_regions)
            ),
        )

        opportunities, requirements = [], []
        for o in range(1, scale.opportunities + 1):
            partner = rng.randrange(scale.partners)
            region = rng.choice(partner_regions[partner])
            kind = rng.choice(KINDS)
            focus = rng.choice(fields)
            count = rng.randint(2, 6)
            side = rng.randint(0, min(2, count - 1))
            chosen = set(
                rng.sample(by_field[focus], min(count - side, len(by_field[focus])))
            )
            while len(chosen) < count:
                chosen.add(rng.choice(all_skills))
            opportunities.append(
                f"{o}\t{partner + 1}\t{kind.capitalize()} {o}\t{kind}\t{region}\t\t"
                "open\tnow\tnow\n"
            )
            for skill in sorted(chosen):
                level = rng.choices((1, 2, 3, 4), weights=REQUIRED_WEIGHTS)[0]
                requirements.append(f"{o}\t{skill}\t{level}\n")
        _copy(
            cur,
            "opportunities",
            "id, partner_id, title, kind, region, description, status, "
            "created_at, updated_at",
            opportunities,
        )
        _copy(
            cur,
            "opportunity_skills",
            "opportunity_id, skill_id, min_level",
            requirements,
        )

        users, profiles, skills = [], [], []
        for u in range(1, scale.learners + 1):
            users.append(
                f"{u}\tbench-{u}@learners.example\tbench-{u}@learners.example\t"
                f"not-a-hash\tBench learner {u}\tlearner\t1\tnow\n"
            )
            persona = "student" if rng.random() < 0.6 else "career_changer"
            region = "eu" if rng.random() < 0.55 else "us"
            consent = "now" if rng.random() < 0.5 else "\\N"
            profiles.append(f"{u}\t{persona}\t{region}\t\t\tnow\t{consent}\n")

            focus = rng.choice(fields)
            count = rng.randint(3, 11)
            own = min(len(by_field[focus]), round(count * 0.7))
            chosen = set(rng.sample(by_field[focus], own))
            while len(chosen) < count:
                chosen.add(rng.choice(all_skills))
            for skill in sorted(chosen):
                level = rng.choices((1, 2, 3, 4), weights=LEVEL_WEIGHTS)[0]
                assessed = "\\N"
                if rng.random() < 0.25:
                    assessed = str(max(1, min(4, level + rng.choice((-1, 0, 0, 1)))))
                skills.append(f"{u}\t{skill}\t{level}\t{assessed}\n")
        _copy(
            cur,
            "users",
            "id, email, email_key, password_hash, display_name, role, "
            "session_version, created_at",
            users,
        )
        _copy(
            cur,
            "learner_profiles",
            "user_id, persona, region, headline, goals, updated_at, "
            "partner_sharing_consent_at",
            profiles,
        )
        _copy(
            cur,
            "learner_skills",
            "user_id, skill_id, self_level, assessed_level",
            skills,
        )

        for table in (
            "skill_categories",
            "skills",
            "partners",
            "opportunities",
            "users",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cur.execute("ANALYZE")
        connection.commit()

    return {
        "learners": scale.learners,
        "learner_skills": len(skills),
        "opportunities": scale.opportunities,
        "opportunity_skills": len(requirements),
        "partners": scale.partners,
        "seconds": round(time.perf_counter() - started, 1),
    }
