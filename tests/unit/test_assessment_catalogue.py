"""The generated assessment catalogue and the scoring rules, without a database."""

from __future__ import annotations

import pytest

from app.assessments.catalogue import (
    MAX_QUESTIONS,
    MIN_QUESTIONS,
    SECONDS_PER_QUESTION,
    assessed_skills,
    build_catalogue,
)
from app.assessments.models import Question
from app.assessments.service import credit_for, level_for
from app.seed_data import SKILLS


def test_the_same_seed_gives_the_same_catalogue_and_another_seed_differs() -> None:
    assert build_catalogue() == build_catalogue()
    assert build_catalogue(1) != build_catalogue(2)


def test_the_catalogue_covers_20_to_40_seeded_skills_with_8_to_15_questions() -> None:
    catalogue = build_catalogue()
    seeded = {s.slug for s in SKILLS}

    assert 20 <= len(catalogue) <= 40
    assert {a.skill for a in catalogue} <= seeded
    assert {"python", "sql"} <= {a.skill for a in catalogue}
    for assessment in catalogue:
        count = len(assessment.questions)
        assert MIN_QUESTIONS <= count <= MAX_QUESTIONS
        assert assessment.time_limit_seconds == count * SECONDS_PER_QUESTION
    assert len({a.slug for a in catalogue}) == len(catalogue)


def test_every_kind_is_used_and_every_key_is_a_valid_answer() -> None:
    kinds = set()
    for assessment in build_catalogue():
        for question in assessment.questions:
            kinds.add(question.kind)
            indices = range(len(question.options))
            assert set(question.answer_key) <= set(indices)
            if question.kind == "single":
                assert len(question.answer_key) == 1
            if question.kind == "ordering":
                assert sorted(question.answer_key) == list(indices)

    assert kinds == {"single", "multiple", "ordering"}


def test_ordering_questions_are_never_shown_in_the_right_order() -> None:
    """Otherwise the order shown would give the answer away."""
    for assessment in build_catalogue():
        for question in assessment.questions:
            if question.kind == "ordering":
                assert list(question.answer_key) != sorted(question.answer_key)


def test_assessed_skills_take_two_from_each_category() -> None:
    chosen = assessed_skills()
    categories = [s.category for s in chosen]

    assert all(categories.count(c) == 2 for c in set(categories))


def _question(kind: str, options: int, key: list[int]) -> Question:
    return Question(kind=kind, options=[str(i) for i in range(options)], answer_key=key)


@pytest.mark.parametrize(
    ("kind", "key", "choice", "credit"),
    [
        ("single", [2], [2], 1.0),
        ("single", [2], [1], 0.0),
        ("single", [2], [], 0.0),
        ("multiple", [0, 3], [0, 3], 1.0),
        ("multiple", [0, 3], [0], 0.5),
        ("multiple", [0, 3], [0, 1], 0.0),
        ("multiple", [0, 3], [1, 2], 0.0),
        ("ordering", [2, 0, 1, 3], [2, 0, 1, 3], 1.0),
        ("ordering", [2, 0, 1, 3], [2, 0, 3, 1], 0.5),
        ("ordering", [2, 0, 1, 3], [0, 1, 3, 2], 0.0),
    ],
    ids=[
        "single-right",
        "single-wrong",
        "single-skipped",
        "multiple-all",
        "multiple-half",
        "multiple-wrong-pick-cancels",
        "multiple-all-wrong",
        "ordering-right",
        "ordering-half-in-place",
        "ordering-none-in-place",
    ],
)
def test_credit_rules(
    kind: str, key: list[int], choice: list[int], credit: float
) -> None:
    assert credit_for(_question(kind, 4, key), choice) == credit


@pytest.mark.parametrize(
    ("percent", "level"),
    [(0, 1), (39, 1), (40, 2), (64, 2), (65, 3), (84, 3), (85, 4), (100, 4)],
)
def test_levels_follow_the_thresholds(percent: int, level: int) -> None:
    assert level_for(percent) == level
