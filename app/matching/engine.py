"""The matching engine: the score of ``scoring`` over numpy arrays, at scale.

Opportunities become, per region, postings per skill: for skill ``s`` the
open opportunities that require it and at which level. A learner holds a few
skills, so only the opportunities on those few postings lists can score at
all: a chunk of learners is expanded into one item per (learner, posting),
packed into one int64 (cell and credit) and sorted, which sums the items of
each (learner, opportunity) cell; the cells are sorted once more by learner,
score and opportunity to keep each learner's top N. Work and memory follow
the number of items (about 460 per learner with the benchmark's data), not
learners times opportunities.

A learner's level in a skill travels as one small code,
``has * 5 + assessed`` (``has`` is ``max(self, assessed)``, 0 to 4), so the
credit of any requirement is one lookup in ``CREDIT[required, code]``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from app.matching import scoring

LEVELS = scoring.MAX_LEVEL + 1
CODES = LEVELS * LEVELS

# Units one requirement earns, by required level and the learner's code.
CREDIT = np.zeros((LEVELS, CODES), dtype=np.int64)
for _required in range(1, LEVELS):
    for _has in range(LEVELS):
        for _assessed in range(_has + 1):
            CREDIT[_required, _has * LEVELS + _assessed] = scoring.credit(
                _required, _has, _assessed
            )

Ints = NDArray[np.int64]


def level_code(has: int, assessed: int) -> int:
    """The code of a learner's level in one skill."""
    return has * LEVELS + assessed


def skills_digest(rows: Iterable[tuple[int, int, int | None]]) -> str:
    """MD5 of ``(skill id, self level, assessed level)`` rows, ordered by skill.

    Stored with a learner's ranking (``LearnerMatchState``), so a read can
    tell whether the ranking came from the learner's current skills.
    """
    text = ",".join(
        f"{skill}:{own}:{assessed or 0}" for skill, own, assessed in sorted(rows)
    )
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class RegionIndex:
    """The open opportunities of one region, ready for ranking.

    Opportunity ``j`` is ``ids[j]`` (ascending). Postings of skill ``s`` are
    ``post_opp[skill_ptr[s]:skill_ptr[s + 1]]`` with the levels in
    ``post_req``. ``req_skills[j]`` and ``req_levels[j]`` list its
    requirements by skill id, padded with zeros.
    """

    region: str
    ids: Ints
    required_count: Ints
    skill_ptr: Ints
    post_opp: Ints
    post_req: Ints
    req_skills: Ints
    req_levels: Ints

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])

    def requirements(self, position: int) -> list[tuple[int, int]]:
        """``(skill id, min level)`` pairs of the opportunity at ``position``."""
        count = int(self.required_count[position])
        return [
            (int(s), int(lv))
            for s, lv in zip(
                self.req_skills[position, :count],
                self.req_levels[position, :count],
                strict=True,
            )
        ]


@dataclass(frozen=True)
class Catalog:
    """Every open opportunity, split by region; built from the database."""

    regions: dict[str, RegionIndex] = field(default_factory=dict)
    skill_limit: int = 1

    def region(self, name: str) -> RegionIndex:
        return self.regions.get(name) or _empty_index(name, self.skill_limit)


def _empty_index(region: str, skill_limit: int) -> RegionIndex:
    none = np.zeros(0, dtype=np.int64)
    return RegionIndex(
        region,
        none,
        np.zeros(0, dtype=np.int64),
        np.zeros(skill_limit + 1, dtype=np.int64),
        none,
        none,
        np.zeros((0, 1), dtype=np.int64),
        np.zeros((0, 1), dtype=np.int64),
    )


def build_catalog(
    rows: Sequence[tuple[int, str, int, int]], skill_limit: int
) -> Catalog:
    """Index ``(opportunity id, region, skill id, min level)`` rows.

    ``skill_limit`` is one more than the largest skill id that may occur,
    on either side of a match.
    """
    if not rows:
        return Catalog({}, skill_limit)

    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    regions = np.array([r[1] for r in rows])
    skills = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
    levels = np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows))
    limit = max(skill_limit, int(skills.max()) + 1)

    indexes = {}
    for region in np.unique(regions):
        mine = regions == region
        indexes[str(region)] = _region_index(
            str(region), ids[mine], skills[mine], levels[mine], limit
        )

    return Catalog(indexes, limit)


def _region_index(
    region: str, ids: Ints, skills: Ints, levels: Ints, skill_limit: int
) -> RegionIndex:
    unique_ids, position = np.unique(ids, return_inverse=True)
    count = np.bincount(position, minlength=unique_ids.shape[0])

    by_skill = np.lexsort((position, skills))
    per_skill = np.bincount(skills, minlength=skill_limit)
    skill_ptr = np.concatenate(([0], np.cumsum(per_skill))).astype(np.int64)

    # Rows of one opportunity, in skill order, fill its row of req_* arrays.
    by_opportunity = np.lexsort((skills, position))
    ordered = position[by_opportunity]
    starts = np.concatenate(([0], np.cumsum(count)[:-1]))
    slot = np.arange(ordered.shape[0]) - starts[ordered]
    width = max(1, int(count.max()))
    req_skills = np.zeros((unique_ids.shape[0], width), dtype=np.int64)
    req_levels = np.zeros((unique_ids.shape[0], width), dtype=np.int64)
    req_skills[ordered, slot] = skills[by_opportunity]
    req_levels[ordered, slot] = levels[by_opportunity]

    return RegionIndex(
        region,
        unique_ids.astype(np.int64),
        count.astype(np.int64),
        skill_ptr,
        position[by_skill].astype(np.int64),
        levels[by_skill].astype(np.int64),
        req_skills,
        req_levels,
    )


@dataclass(frozen=True)
class Ranked:
    """The top N of a chunk of learners: positions into the region's ids.

    ``positions[i, k]`` is learner ``i``'s match of rank ``k + 1``, or -1
    where fewer matches exist; ``scores`` are in basis points.
    """

    positions: Ints
    scores: Ints

    def counts(self) -> Ints:
        counted: Ints = (self.positions >= 0).sum(axis=1)
        return counted


def rank_chunk(
    index: RegionIndex,
    rows: Ints,
    skills: Ints,
    codes: Ints,
    learners: int,
    top_n: int,
) -> Ranked:
    """Rank ``index``'s opportunities for ``learners`` learners.

    Learner ``rows[e]`` holds skill ``skills[e]`` at level code ``codes[e]``
    (one entry per skill held). Work and memory grow with the number of
    (learner, opportunity) pairs that share a skill, never with the full
    learners-by-opportunities grid: a few int64 arrays of that many items.
    """
    m = index.size
    if m == 0 or learners == 0:
        empty = np.full((learners, top_n), -1, dtype=np.int64)
        return Ranked(empty, np.zeros_like(empty))

    known = skills < index.skill_ptr.shape[0] - 1
    rows, skills, codes = rows[known], skills[known], codes[known]
    starts = index.skill_ptr[skills]
    lengths = index.skill_ptr[skills + 1] - starts
    total = int(lengths.sum())

    # One item per (learner skill, posting of that skill): the cell it adds
    # to and the units it brings, packed as cell * 128 + units (units <= 120).
    first = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    postings = first + np.arange(total, dtype=np.int64)
    packed = np.repeat(rows * m, lengths)
    packed += index.post_opp[postings]
    packed <<= _UNIT_BITS
    packed += CREDIT[index.post_req[postings], np.repeat(codes, lengths)]
    packed.sort()

    # Sum the items of each cell: a learner may meet an opportunity twice.
    cells = packed >> _UNIT_BITS
    boundary = np.flatnonzero(cells[1:] != cells[:-1]) + 1
    begins = np.concatenate(([0], boundary)) if total else boundary
    units = np.add.reduceat(packed & _UNIT_MASK, begins) if total else boundary
    cells = cells[begins]
    position = cells % m
    scores = basis_points(units, index.required_count[position])

    earned = units > 0
    return _top(cells[earned] // m, position[earned], scores[earned], learners, top_n)


_UNIT_BITS = 7
_UNIT_MASK = (1 << _UNIT_BITS) - 1


def basis_points(units: Ints, count: Ints) -> Ints:
    """``scoring.basis_points`` over arrays.

    Float64 division is several times faster than int64's and still exact
    here: numerator and denominator are integers below 2**53, and a quotient
    that is not a whole number lies at least 1 / denominator (above 1e-4)
    from the next one, far more than the rounding error of one division.
    """
    possible = (scoring.UNITS * 2) * count.astype(np.float64)
    numerator = units * float(2 * scoring.BASIS_POINTS) + possible / 2
    return np.floor(numerator / possible).astype(np.int64)


def _top(row: Ints, position: Ints, scores: Ints, learners: int, top_n: int) -> Ranked:
    """Keep each row's best ``top_n``: higher score, then smaller position.

    One sort of one int64 key per item: row, then the score's complement,
    then the position, each in its own digit range.
    """
    width = int(position.max()) + 1 if position.shape[0] else 1
    span = (scoring.BASIS_POINTS + 1) * width
    key = row * span + (scoring.BASIS_POINTS - scores) * width + position
    key.sort()
    row, rest = key // span, key % span
    scores, position = scoring.BASIS_POINTS - rest // width, rest % width

    first = np.searchsorted(row, np.arange(learners))
    rank = np.arange(row.shape[0]) - first[row]
    kept = rank < top_n

    positions = np.full((learners, top_n), -1, dtype=np.int64)
    ranked_scores = np.zeros((learners, top_n), dtype=np.int64)
    positions[row[kept], rank[kept]] = position[kept]
    ranked_scores[row[kept], rank[kept]] = scores[kept]
    return Ranked(positions, ranked_scores)
