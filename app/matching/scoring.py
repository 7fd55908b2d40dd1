"""The match score: how well a learner's skills cover an opportunity's needs.

The formula, per required skill, in credit units (120 to a requirement):

- met and assessed: the learner's assessed level reaches the required level:
  120 units, full credit;
- met on self-rating only: ``max(assessed, self)`` reaches it but the
  assessed level does not (or there is none): 96 units, 80 %, because an
  untested claim is worth a little less than a tested one;
- gap: the learner's level ``has = max(assessed, self)`` is below the
  required level: partial credit ``60 * has // required`` units, so half a
  requirement at most and nothing for a skill the learner lacks.

The score is the units earned over the units possible (120 per required
skill), in basis points (0 to 10,000) rounded half up, shown as 0 to 100 with
two decimals. Every requirement weighs the same. An opportunity of another
region, a closed one, or one where the learner earns nothing is no match.
Ties rank the older opportunity (smaller id) first.

The same rule exists three times: here in plain Python (the reference, and
the explanation a learner reads), in ``engine`` over numpy arrays, and in SQL
for a partner's candidate list (``service.candidates_query``). The unit tests
hold the three to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass

UNITS = 120
SELF_RATED_UNITS = 96
PARTIAL_UNITS = 60
MAX_LEVEL = 4
BASIS_POINTS = 10_000


def credit(required: int, has: int, assessed: int) -> int:
    """Units earned for one requirement; ``has`` is ``max(assessed, self)``.

    ``assessed`` is 0 when the skill was never tested, ``has`` 0 when the
    learner does not list the skill.
    """
    if assessed >= required:
        return UNITS
    if has >= required:
        return SELF_RATED_UNITS

    return PARTIAL_UNITS * has // required


def basis_points(units: int, required_count: int) -> int:
    """``units`` out of ``UNITS * required_count``, in basis points, half up."""
    possible = UNITS * required_count
    return (units * BASIS_POINTS * 2 + possible) // (2 * possible)


@dataclass(frozen=True)
class Requirement:
    """One required skill as the learner measures up to it."""

    skill_id: int
    required: int
    has: int
    assessed: int

    @property
    def met(self) -> bool:
        return self.has >= self.required


@dataclass(frozen=True)
class Score:
    """A learner's score for one opportunity, with its parts in basis points.

    The parts are each rounded on their own, so their sum may differ from
    ``total`` by a basis point or two.
    """

    total: int
    met_assessed: int
    met_self_rated: int
    partial: int
    requirements: tuple[Requirement, ...]


def score_requirements(requirements: list[Requirement]) -> Score:
    """Score one learner against one opportunity's requirements."""
    count = len(requirements)
    if count == 0:
        return Score(0, 0, 0, 0, ())

    assessed_units = self_units = partial_units = 0
    for item in requirements:
        earned = credit(item.required, item.has, item.assessed)
        if item.assessed >= item.required:
            assessed_units += earned
        elif item.met:
            self_units += earned
        else:
            partial_units += earned

    total = assessed_units + self_units + partial_units
    ordered = tuple(sorted(requirements, key=lambda r: r.skill_id))
    return Score(
        basis_points(total, count),
        basis_points(assessed_units, count),
        basis_points(self_units, count),
        basis_points(partial_units, count),
        ordered,
    )


def learner_levels(
    rows: list[tuple[int, int, int | None]],
) -> dict[int, tuple[int, int]]:
    """Map skill id to ``(has, assessed)`` from ``(skill, self, assessed)`` rows."""
    levels = {}
    for skill_id, self_level, assessed_level in rows:
        assessed = assessed_level or 0
        levels[skill_id] = (max(self_level, assessed), assessed)

    return levels


def score_learner(
    levels: dict[int, tuple[int, int]], required: list[tuple[int, int]]
) -> Score:
    """Score a learner's ``levels`` against ``(skill id, min level)`` pairs."""
    return score_requirements(
        [
            Requirement(skill_id, level, *levels.get(skill_id, (0, 0)))
            for skill_id, level in required
        ]
    )


def points(basis: int) -> float:
    """Basis points as the 0 to 100 figure people read, two decimals."""
    return round(basis / 100, 2)
