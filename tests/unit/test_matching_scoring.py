"""The match score: the formula, and the numpy engine held to the reference."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.matching import engine, scoring
from app.matching.scoring import Requirement


@pytest.mark.parametrize(
    ("required", "has", "assessed", "units"),
    [
        (3, 3, 3, 120),
        (3, 4, 3, 120),
        (3, 3, 0, 96),
        (3, 4, 2, 96),
        (3, 2, 2, 40),
        (4, 3, 0, 45),
        (2, 1, 0, 30),
        (1, 0, 0, 0),
    ],
    ids=[
        "assessed-meets",
        "assessed-meets-self-higher",
        "self-rated-meets",
        "self-meets-assessed-below",
        "gap-assessed",
        "gap-three-of-four",
        "gap-one-of-two",
        "missing",
    ],
)
def test_credit_per_requirement(
    required: int, has: int, assessed: int, units: int
) -> None:
    assert scoring.credit(required, has, assessed) == units


@pytest.mark.parametrize(
    ("units", "count", "basis"),
    [(120, 1, 10_000), (96, 1, 8_000), (20, 3, 556), (1, 240, 0), (60, 1, 5_000)],
    ids=["full", "self-rated", "rounds-up", "rounds-down", "half"],
)
def test_basis_points_round_half_up(units: int, count: int, basis: int) -> None:
    assert scoring.basis_points(units, count) == basis


def test_score_parts_and_order_of_requirements() -> None:
    score = scoring.score_requirements(
        [
            Requirement(skill_id=9, required=2, has=1, assessed=0),
            Requirement(skill_id=3, required=3, has=3, assessed=3),
            Requirement(skill_id=5, required=2, has=4, assessed=1),
        ]
    )

    # 120 + 96 + 30 units of 360.
    assert score.total == 6_833
    assert (score.met_assessed, score.met_self_rated, score.partial) == (
        3_333,
        2_667,
        833,
    )
    assert [r.skill_id for r in score.requirements] == [3, 5, 9]
    assert scoring.points(score.total) == 68.33


def test_learner_levels_prefer_the_higher_level_but_remember_the_test() -> None:
    levels = scoring.learner_levels([(1, 2, 3), (2, 4, 1), (3, 2, None)])

    assert levels == {1: (3, 3), 2: (4, 1), 3: (2, 0)}


def test_skills_digest_is_the_md5_of_the_sorted_text() -> None:
    digest = engine.skills_digest([(12, 3, None), (4, 2, 3)])

    assert digest == hashlib.md5(b"4:2:3,12:3:0").hexdigest()
    assert engine.skills_digest([]) == hashlib.md5(b"").hexdigest()


# --- The engine against the reference --------------------------------------------

SKILL_LIMIT = 12

requirement_sets = st.dictionaries(
    st.integers(1, SKILL_LIMIT - 1), st.integers(1, 4), min_size=1, max_size=5
)
learner_skills = st.dictionaries(
    st.integers(1, SKILL_LIMIT - 1),
    st.tuples(st.integers(1, 4), st.one_of(st.none(), st.integers(1, 4))),
    max_size=6,
)


def _reference_top(
    opportunities: list[tuple[int, dict[int, int]]],
    skills: dict[int, tuple[int, int | None]],
    top_n: int,
) -> list[tuple[int, scoring.Score]]:
    levels = scoring.learner_levels([(s, o, a) for s, (o, a) in skills.items()])
    scored = [
        (oid, scoring.score_learner(levels, sorted(required.items())))
        for oid, required in opportunities
    ]
    ranked = sorted(
        ((oid, s) for oid, s in scored if s.total > 0),
        key=lambda item: (-item[1].total, item[0]),
    )
    return ranked[:top_n]


@settings(max_examples=60, deadline=None)
@given(
    opportunities=st.lists(requirement_sets, min_size=0, max_size=25),
    learners=st.lists(learner_skills, min_size=1, max_size=8),
    top_n=st.integers(1, 6),
)
def test_engine_ranks_like_the_reference(
    opportunities: list[dict[int, int]],
    learners: list[dict[int, tuple[int, int | None]]],
    top_n: int,
) -> None:
    numbered = [(10 + 3 * i, req) for i, req in enumerate(opportunities)]
    rows = [
        (oid, "eu", s, lv) for oid, req in numbered for s, lv in sorted(req.items())
    ]
    index = engine.build_catalog(rows, SKILL_LIMIT).region("eu")

    entries = [
        (i, s, engine.level_code(max(o, a or 0), a or 0))
        for i, skills in enumerate(learners)
        for s, (o, a) in sorted(skills.items())
    ]
    rows_a = np.array([e[0] for e in entries], dtype=np.int64)
    skills_a = np.array([e[1] for e in entries], dtype=np.int64)
    codes_a = np.array([e[2] for e in entries], dtype=np.int64)
    ranked = engine.rank_chunk(index, rows_a, skills_a, codes_a, len(learners), top_n)

    for i, skills in enumerate(learners):
        expected = _reference_top(numbered, skills, top_n)
        got = [
            (int(index.ids[p]), int(s))
            for p, s in zip(ranked.positions[i], ranked.scores[i], strict=True)
            if p >= 0
        ]
        assert got == [(oid, s.total) for oid, s in expected]
        position = {int(oid): k for k, oid in enumerate(index.ids.tolist())}
        for oid, _ in expected:
            required = index.requirements(position[oid])
            assert required == sorted(dict(numbered)[oid].items())


def test_engine_keeps_regions_apart_and_ignores_unknown_skills() -> None:
    catalog = engine.build_catalog(
        [(1, "eu", 2, 1), (2, "us", 2, 1), (3, "eu", 3, 2)], skill_limit=4
    )
    eu = catalog.region("eu")

    ranked = engine.rank_chunk(
        eu,
        np.array([0, 0], dtype=np.int64),
        np.array([2, 40], dtype=np.int64),
        np.array([engine.level_code(1, 0), engine.level_code(4, 4)], dtype=np.int64),
        learners=1,
        top_n=5,
    )

    assert eu.ids.tolist() == [1, 3]
    assert [int(eu.ids[p]) for p in ranked.positions[0] if p >= 0] == [1]
    assert catalog.region("apac").size == 0
