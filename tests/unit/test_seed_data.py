"""Tests of the seed catalogue and of the generated seed plan.

The plan feeds local runs, integration tests and load tests, so these tests
pin what those rely on: enough data, unique keys, valid references and the
same plan for the same seed.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator

import pytest

from app.seed_data import (
    CATEGORIES,
    LEVELS,
    REGIONS,
    SKILLS,
    PersonSpec,
    SeedPlan,
    build_seed_plan,
)

SKILL_SLUGS = {skill.slug for skill in SKILLS}
SKILL_CATEGORY = {skill.slug: skill.category for skill in SKILLS}
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PART = r"[a-z0-9]+(?:-[a-z0-9]+)*"
PERSON_EMAIL = re.compile(rf"^{PART}\.{PART}\.[0-9]+@(learners|advisors)\.example$")
PARTNER_EMAIL = re.compile(rf"^[a-z]+@{PART}\.example$")
LATIN_END = 0x024F
"""Last code point of the Latin blocks; letters above it are other scripts."""


@pytest.fixture(scope="module")
def plan() -> SeedPlan:
    """The default plan, built once: it is immutable, so tests can share it."""
    return build_seed_plan()


def everyone(plan: SeedPlan) -> tuple[PersonSpec, ...]:
    """Learners and advisors together."""
    return plan.learners + plan.advisors


# --- Catalogue --------------------------------------------------------------


def test_catalogue_has_at_least_300_skills() -> None:
    assert len(SKILLS) >= 300


def test_every_category_has_at_least_20_skills() -> None:
    per_category = Counter(skill.category for skill in SKILLS)
    counts = {c.slug: per_category[c.slug] for c in CATEGORIES}

    assert {slug: n for slug, n in counts.items() if n < 20} == {}


def test_every_skill_belongs_to_a_known_category() -> None:
    category_slugs = {category.slug for category in CATEGORIES}

    assert {skill.category for skill in SKILLS} == category_slugs


@pytest.mark.parametrize(
    "values",
    [
        [skill.slug for skill in SKILLS],
        [skill.name for skill in SKILLS],
        [category.slug for category in CATEGORIES],
        [category.name for category in CATEGORIES],
    ],
    ids=["skill-slugs", "skill-names", "category-slugs", "category-names"],
)
def test_catalogue_keys_are_unique(values: list[str]) -> None:
    assert [v for v, n in Counter(values).items() if n > 1] == []


def test_slugs_are_lowercase_ascii_with_hyphens() -> None:
    slugs = [s.slug for s in SKILLS] + [c.slug for c in CATEGORIES]

    assert [slug for slug in slugs if not SLUG_PATTERN.match(slug)] == []


# --- Learners and advisors --------------------------------------------------


def test_plan_has_at_least_200_learners(plan: SeedPlan) -> None:
    assert len(plan.learners) >= 200


def test_learners_are_students_and_career_changers_about_60_40(
    plan: SeedPlan,
) -> None:
    personas = Counter(learner.persona for learner in plan.learners)

    assert set(personas) == {"student", "career_changer"}
    assert 0.5 <= personas["student"] / len(plan.learners) <= 0.7


def test_learners_live_in_both_regions(plan: SeedPlan) -> None:
    assert {learner.region for learner in plan.learners} == set(REGIONS)


def test_advisors_have_the_advisor_persona(plan: SeedPlan) -> None:
    assert plan.advisors
    assert {advisor.persona for advisor in plan.advisors} == {"advisor"}
    assert {advisor.region for advisor in plan.advisors} <= set(REGIONS)


def test_emails_are_unique_lowercase_ascii_on_example_domains(
    plan: SeedPlan,
) -> None:
    people = [person.email for person in everyone(plan)]
    partners = [partner.contact_email for partner in plan.partners]
    emails = people + partners

    assert len(set(emails)) == len(emails)
    assert [e for e in people if not PERSON_EMAIL.match(e)] == []
    assert [e for e in partners if not PARTNER_EMAIL.match(e)] == []


def test_names_include_accents_apostrophes_hyphens_and_other_scripts(
    plan: SeedPlan,
) -> None:
    letters = "".join(f"{p.first_name}{p.last_name}" for p in everyone(plan))

    assert "'" in letters
    assert "-" in letters
    assert any(0x80 <= ord(ch) <= LATIN_END and ch.isalpha() for ch in letters)
    assert any(ord(ch) > LATIN_END and ch.isalpha() for ch in letters)


def test_learners_rate_3_to_12_distinct_known_skills(plan: SeedPlan) -> None:
    for learner in plan.learners:
        slugs = [slug for slug, _ in learner.skills]

        assert 3 <= len(slugs) <= 12, learner.email
        assert len(set(slugs)) == len(slugs), learner.email
        assert set(slugs) <= SKILL_SLUGS, learner.email


def test_every_rated_level_is_between_1_and_4(plan: SeedPlan) -> None:
    levels = {level for person in everyone(plan) for _, level in person.skills}

    assert levels <= set(range(1, len(LEVELS) + 1))


def test_career_changers_bring_a_previous_field_at_practitioner_level(
    plan: SeedPlan,
) -> None:
    for learner in plan.learners:
        if learner.persona != "career_changer":
            continue
        strong = Counter(
            SKILL_CATEGORY[slug] for slug, level in learner.skills if level >= 3
        )

        assert max(strong.values(), default=0) >= 2, learner.email


def test_career_changers_rate_themselves_higher_than_students(
    plan: SeedPlan,
) -> None:
    def mean_level(persona: str) -> float:
        levels = [
            level
            for learner in plan.learners
            if learner.persona == persona
            for _, level in learner.skills
        ]
        return sum(levels) / len(levels)

    assert mean_level("career_changer") > mean_level("student")


def test_headlines_and_goals_are_filled_in(plan: SeedPlan) -> None:
    for person in everyone(plan):
        assert person.headline and person.goals, person.email
        assert "{" not in person.headline + person.goals, person.email


# --- Partners and opportunities ---------------------------------------------


def test_plan_has_at_least_10_partners_with_opportunities(plan: SeedPlan) -> None:
    assert len(plan.partners) >= 10
    assert all(partner.opportunities for partner in plan.partners)


@pytest.mark.parametrize(
    "key",
    ["name", "slug", "contact_email"],
    ids=["names", "slugs", "contact-emails"],
)
def test_partner_keys_are_unique(plan: SeedPlan, key: str) -> None:
    values = [getattr(partner, key) for partner in plan.partners]

    assert len(set(values)) == len(values)


def test_partner_slugs_and_regions_are_valid(plan: SeedPlan) -> None:
    for partner in plan.partners:
        assert SLUG_PATTERN.match(partner.slug), partner.name
        assert partner.regions in (("eu",), ("us",), ("eu", "us")), partner.name


def test_opportunities_require_2_to_6_known_skills_in_range(plan: SeedPlan) -> None:
    for partner in plan.partners:
        for offer in partner.opportunities:
            slugs = [slug for slug, _ in offer.required]
            levels = {level for _, level in offer.required}

            assert 2 <= len(slugs) <= 6, offer.title
            assert len(set(slugs)) == len(slugs), offer.title
            assert set(slugs) <= SKILL_SLUGS, offer.title
            assert levels <= {1, 2, 3, 4}, offer.title


def test_opportunities_draw_on_at_most_two_categories(plan: SeedPlan) -> None:
    for partner in plan.partners:
        for offer in partner.opportunities:
            categories = {SKILL_CATEGORY[slug] for slug, _ in offer.required}

            assert 1 <= len(categories) <= 2, offer.title


def test_opportunities_have_a_kind_and_a_region_of_their_partner(
    plan: SeedPlan,
) -> None:
    kinds = {"job", "internship", "apprenticeship", "project"}
    for partner in plan.partners:
        for offer in partner.opportunities:
            assert offer.kind in kinds, offer.title
            assert offer.region in partner.regions, offer.title
            assert offer.title and "{" not in offer.description, offer.title


# --- Advisor relations ------------------------------------------------------


def test_each_advisor_follows_10_to_30_learners(plan: SeedPlan) -> None:
    loads = Counter(advisor for advisor, _ in plan.advisor_of)

    assert set(loads) == set(range(len(plan.advisors)))
    assert all(10 <= load <= 30 for load in loads.values()), loads


def test_each_learner_has_at_most_two_advisors(plan: SeedPlan) -> None:
    advisors_of = Counter(learner for _, learner in plan.advisor_of)

    assert max(advisors_of.values()) <= 2
    assert len(set(plan.advisor_of)) == len(plan.advisor_of)


def test_advisors_follow_learners_of_their_own_region(plan: SeedPlan) -> None:
    crossings = [
        (advisor, learner)
        for advisor, learner in plan.advisor_of
        if plan.advisors[advisor].region != plan.learners[learner].region
    ]

    assert crossings == []


def test_advisor_relations_point_at_existing_people(plan: SeedPlan) -> None:
    for advisor, learner in plan.advisor_of:
        assert 0 <= advisor < len(plan.advisors)
        assert 0 <= learner < len(plan.learners)


@pytest.mark.parametrize(
    ("learners", "advisors"),
    [(50, 10), (20, 4), (10, 1), (300, 30)],
    ids=["tight", "small", "single", "large"],
)
def test_advisor_bounds_hold_for_other_sizes(learners: int, advisors: int) -> None:
    plan = build_seed_plan(seed=7, learners=learners, advisors=advisors)
    loads = Counter(advisor for advisor, _ in plan.advisor_of)
    advisors_of = Counter(learner for _, learner in plan.advisor_of)

    assert len(loads) == advisors
    assert all(10 <= load <= 30 for load in loads.values())
    assert max(advisors_of.values()) <= 2


def test_too_few_learners_for_the_advisors_is_rejected() -> None:
    with pytest.raises(ValueError, match="too few"):
        build_seed_plan(learners=40, advisors=9)


# --- Determinism ------------------------------------------------------------


def test_same_seed_gives_the_same_plan(plan: SeedPlan) -> None:
    assert build_seed_plan() == plan
    assert build_seed_plan(seed=99) == build_seed_plan(seed=99)


def test_another_seed_gives_another_plan(plan: SeedPlan) -> None:
    other = build_seed_plan(seed=20261205)

    assert other != plan
    assert other.learners != plan.learners
    assert other.partners != plan.partners


@pytest.fixture
def global_random() -> Iterator[None]:
    """Put the global generator back as it was once the test is done."""
    saved = random.getstate()
    yield
    random.setstate(saved)


@pytest.mark.usefixtures("global_random")
def test_global_random_is_neither_read_nor_advanced() -> None:
    random.seed(1)
    first = build_seed_plan(seed=5, learners=60)
    random.seed(2)
    state = random.getstate()
    second = build_seed_plan(seed=5, learners=60)

    assert first == second
    assert random.getstate() == state


def test_plan_is_immutable_plain_data(plan: SeedPlan) -> None:
    assert isinstance(hash(plan), int)
    with pytest.raises(AttributeError):
        plan.learners[0].email = "someone@else.example"  # type: ignore[misc]
