"""Taking assessments: start an attempt, submit it once, score it, keep history.

Scoring rules, per question of weight ``w`` (credit from 0 to 1, times ``w``):

- single choice: full credit for the right option, none otherwise;
- multiple choice: right options picked minus wrong options picked, over the
  number of right options, never below 0;
- ordering: the share of positions that hold the right option.

An empty choice skips the question (no credit). The percentage of points
earned gives the level: 85 and over expert (4), 65 practitioner (3), 40
working (2), below that awareness (1).

The level goes onto the learner's profile as ``assessed_level`` of the skill,
replacing any earlier one: the latest completed attempt is the best evidence
of what the learner can do now, and a retake must be able to lower it too, or
retaking until lucky would pay. A learner who had not listed the skill gets
it added with ``self_level`` equal to the assessed level: they never rated
themselves, the only evidence is the assessment, and they can change their own
rating afterwards like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.assessments.errors import (
    AttemptAlreadySubmitted,
    AttemptExpired,
    AttemptInProgress,
    TooManyAttempts,
)
from app.assessments.models import Assessment, Attempt, AttemptAnswer, Question
from app.auth.models import User
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.notifications.service import notify
from app.profiles.models import LearnerProfile, LearnerSkill, Skill, SkillCategory
from app.seed_data import LEVELS

logger = logging.getLogger(__name__)

# Answers that arrive this long after the time limit still count: the learner
# pressed "submit" in time, the network took the rest (seconds).
GRACE_SECONDS = 5
# Ids are PostgreSQL integers; a larger one in a URL names nothing.
MAX_ID = 2**31 - 1
# Starts per learner and assessment in any 24 hours. Scores are exact, so
# unlimited retakes would let a learner read the answer key off the results
# by changing one answer at a time.
MAX_STARTS_PER_DAY = 3
START_WINDOW = timedelta(hours=24)
# (lowest percentage, level), highest first.
LEVEL_THRESHOLDS: tuple[tuple[int, int], ...] = ((85, 4), (65, 3), (40, 2), (0, 1))


def level_for(percent: int) -> int:
    """The skill level (1 to 4) that a score of ``percent`` (0 to 100) shows."""
    return next(level for lowest, level in LEVEL_THRESHOLDS if percent >= lowest)


def level_name(level: int) -> str:
    return LEVELS[level - 1]


def credit_for(question: Question, choice: Sequence[int]) -> float:
    """The share (0 to 1) of the question's weight that ``choice`` earns."""
    key = list(question.answer_key)
    if not choice:
        return 0.0

    if question.kind == "single":
        return 1.0 if list(choice) == key else 0.0

    if question.kind == "multiple":
        hits = len(set(choice) & set(key))
        misses = len(set(choice) - set(key))
        return max(0, hits - misses) / len(key)

    in_place = sum(
        1 for given, right in zip(choice, key, strict=True) if given == right
    )
    return in_place / len(key)


def attempt_status(attempt: Attempt, now: datetime | None = None) -> str:
    """``active``, ``completed`` or ``expired``; a stale active attempt is expired."""
    now = now or utcnow()
    if attempt.status == "active" and now > _deadline(attempt):
        return "expired"

    return attempt.status


def seconds_left(attempt: Attempt, now: datetime | None = None) -> int:
    """Whole seconds until the time limit; 0 once it passed or the attempt ended."""
    now = now or utcnow()
    if attempt.status != "active":
        return 0

    return max(0, int((attempt.expires_at - now).total_seconds()))


def _require_id(value: int, what: str) -> None:
    """NotFound for an id no row can have, before PostgreSQL refuses it."""
    if not 0 < value <= MAX_ID:
        raise NotFound(f"No such {what}.")


def _deadline(attempt: Attempt) -> datetime:
    return attempt.expires_at + timedelta(seconds=GRACE_SECONDS)


def assessments_query(skill: str | None = None) -> Select[Any]:
    """The catalogue as rows shaped like ``AssessmentOut``, in title order."""
    questions = (
        select(func.count(Question.id))
        .where(Question.assessment_id == Assessment.id)
        .scalar_subquery()
    )
    statement = (
        select(
            Assessment.id,
            Assessment.slug,
            Assessment.title,
            Assessment.description,
            Assessment.time_limit_seconds,
            Skill.slug.label("skill"),
            Skill.name.label("skill_name"),
            SkillCategory.slug.label("category"),
            questions.label("question_count"),
        )
        .join(Skill, Assessment.skill_id == Skill.id)
        .join(SkillCategory, Skill.category_id == SkillCategory.id)
        .order_by(Assessment.title, Assessment.id)
    )
    if skill is not None:
        statement = statement.where(Skill.slug == skill)

    return statement


def assessment_row(session: Session, assessment_id: int) -> dict[str, Any]:
    """One assessment shaped like ``AssessmentOut``, or NotFound."""
    _require_id(assessment_id, "assessment")
    row = (
        session.execute(assessments_query().where(Assessment.id == assessment_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such assessment.")

    return dict(row)


def active_attempt(
    session: Session, user: User, assessment_id: int, lock: bool = False
) -> Attempt | None:
    """The learner's attempt stored as active, live or stale, if any."""
    statement = select(Attempt).where(
        Attempt.user_id == user.id,
        Attempt.assessment_id == assessment_id,
        Attempt.status == "active",
    )
    if lock:
        statement = statement.with_for_update()

    return session.scalar(statement)


def start_attempt(session: Session, user: User, assessment_id: int) -> Attempt:
    """Open an attempt; refused while another one at this assessment is live.

    An attempt whose time ran out is stored as expired first, so that the
    one-active-attempt index lets the new one in.
    """
    _require_id(assessment_id, "assessment")
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound("No such assessment.")

    now = utcnow()
    current = active_attempt(session, user, assessment_id, lock=True)
    if current is not None:
        if attempt_status(current, now) == "active":
            raise AttemptInProgress(
                "Finish or wait out the attempt in progress first.",
                attempt_id=current.id,
            )
        current.status = "expired"
        session.flush()
    _check_start_allowance(session, user, assessment_id, now)

    attempt = Attempt(
        user_id=user.id,
        assessment_id=assessment.id,
        status="active",
        started_at=now,
        expires_at=now + timedelta(seconds=assessment.time_limit_seconds),
    )
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
    except IntegrityError as exc:
        # Another start by the same learner won the race past the check above.
        raise AttemptInProgress("Another attempt was started just now.") from exc

    logger.info(
        "Learner %d started attempt %d at assessment %d.",
        user.id,
        attempt.id,
        assessment.id,
    )
    return load_attempt(session, user, attempt.id)


def _check_start_allowance(
    session: Session, user: User, assessment_id: int, now: datetime
) -> None:
    """Refuse a start beyond ``MAX_STARTS_PER_DAY``, saying when the next is due."""
    recent = session.scalars(
        select(Attempt.started_at)
        .where(
            Attempt.user_id == user.id,
            Attempt.assessment_id == assessment_id,
            Attempt.started_at > now - START_WINDOW,
        )
        .order_by(Attempt.started_at.desc())
        .limit(MAX_STARTS_PER_DAY)
    ).all()
    if len(recent) < MAX_STARTS_PER_DAY:
        return

    wait = recent[-1] + START_WINDOW - now
    raise TooManyAttempts(
        f"An assessment can be started {MAX_STARTS_PER_DAY} times in 24 hours.",
        retry_after=max(1, int(wait.total_seconds()) + 1),
    )


def load_attempt(session: Session, user: User, attempt_id: int) -> Attempt:
    """The learner's own attempt with its questions; NotFound for anyone else's."""
    _require_id(attempt_id, "attempt")
    attempt = session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id, Attempt.user_id == user.id)
        .options(
            selectinload(Attempt.assessment).selectinload(Assessment.questions),
            selectinload(Attempt.assessment).selectinload(Assessment.skill),
            selectinload(Attempt.answers),
        )
        .execution_options(populate_existing=True)
    )
    if attempt is None:
        raise NotFound("No such attempt.")

    return attempt


def _check_answers(
    questions: Sequence[Question], answers: Sequence[dict[str, Any]]
) -> dict[int, list[int]]:
    """Map question id to choice, or raise InvalidInput naming each bad field."""
    by_id = {q.id: q for q in questions}
    errors: list[dict[str, str]] = []
    chosen: dict[int, list[int]] = {}

    for index, answer in enumerate(answers):
        field = f"answers.{index}"
        question = by_id.get(answer["question_id"])
        choice = list(answer["choice"])
        if question is None:
            errors.append(
                {"field": f"{field}.question_id", "message": "not in this attempt"}
            )
            continue
        if question.id in chosen:
            errors.append(
                {"field": f"{field}.question_id", "message": "answered twice"}
            )
            continue

        problem = _choice_problem(question, choice)
        if problem:
            errors.append({"field": f"{field}.choice", "message": problem})
        chosen[question.id] = choice

    missing = [q.position for q in questions if q.id not in chosen]
    if missing and not errors:
        errors.append(
            {
                "field": "answers",
                "message": "every question needs an answer (an empty choice "
                f"skips it); missing positions {missing}",
            }
        )
    if errors:
        raise InvalidInput(errors)

    return chosen


def _choice_problem(question: Question, choice: list[int]) -> str | None:
    count = len(question.options)
    if any(not 0 <= i < count for i in choice):
        return f"option indices run from 0 to {count - 1}"
    if len(set(choice)) != len(choice):
        return "an option is chosen twice"
    if not choice:
        return None

    if question.kind == "single" and len(choice) != 1:
        return "choose one option"
    if question.kind == "ordering" and len(choice) != count:
        return f"order all {count} options"
    return None


def submit_answers(
    session: Session, user: User, attempt_id: int, answers: Sequence[dict[str, Any]]
) -> Attempt:
    """Score the attempt once and put the level on the learner's profile.

    The attempt row is locked first, so two submissions at once score it once.
    """
    _require_id(attempt_id, "attempt")
    locked = session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id, Attempt.user_id == user.id)
        .with_for_update()
    )
    if locked is None:
        raise NotFound("No such attempt.")
    attempt = load_attempt(session, user, attempt_id)

    now = utcnow()
    status = attempt_status(attempt, now)
    if status == "completed":
        raise AttemptAlreadySubmitted("This attempt was scored already.")
    if status == "expired":
        raise AttemptExpired(
            f"The time limit of {attempt.assessment.time_limit_seconds} s passed."
        )

    questions = attempt.assessment.questions
    chosen = _check_answers(questions, answers)
    score = 0.0
    for question in questions:
        credit = credit_for(question, chosen[question.id])
        score += credit * question.weight
        attempt.answers.append(
            AttemptAnswer(
                question_id=question.id, choice=chosen[question.id], credit=credit
            )
        )

    max_score = sum(q.weight for q in questions)
    attempt.score = round(score, 3)
    attempt.max_score = max_score
    attempt.score_percent = round(100 * score / max_score)
    attempt.level = level_for(attempt.score_percent)
    attempt.status = "completed"
    attempt.submitted_at = now
    _record_level(session, user, attempt.assessment.skill_id, attempt.level)
    _notify_completion(session, user, attempt)
    session.flush()

    logger.info(
        "Learner %d completed attempt %d with %d%% (level %d).",
        user.id,
        attempt.id,
        attempt.score_percent,
        attempt.level,
    )
    return attempt


def _record_level(session: Session, user: User, skill_id: int, level: int) -> None:
    # The profile row first, as a profile edit locks it: an edit running now
    # finishes before this reads the skills it may have rewritten.
    session.execute(
        select(LearnerProfile.user_id)
        .where(LearnerProfile.user_id == user.id)
        .with_for_update()
    )
    row = session.get(LearnerSkill, (user.id, skill_id), populate_existing=True)
    if row is None:
        session.add(
            LearnerSkill(
                user_id=user.id,
                skill_id=skill_id,
                self_level=level,
                assessed_level=level,
            )
        )
        return

    row.assessed_level = level


def _notify_completion(session: Session, user: User, attempt: Attempt) -> None:
    assert attempt.level is not None
    notify(
        session,
        user.id,
        "assessment_completed",
        f"Assessment completed: {attempt.assessment.title}",
        f"You scored {attempt.score_percent}%, which shows the "
        f"{level_name(attempt.level)} level.",
        {
            "attempt_id": attempt.id,
            "assessment_id": attempt.assessment_id,
            "skill": attempt.assessment.skill.slug,
            "score_percent": attempt.score_percent,
            "level": attempt.level,
        },
    )


def history_query(user: User, assessment_id: int | None = None) -> Select[Any]:
    """The learner's attempts, newest first, shaped like the API's summaries."""
    status = case(
        (
            and_(
                Attempt.status == "active",
                Attempt.expires_at + timedelta(seconds=GRACE_SECONDS) < utcnow(),
            ),
            "expired",
        ),
        else_=Attempt.status,
    )
    statement = (
        select(
            Attempt.id,
            Attempt.assessment_id,
            Assessment.title.label("assessment_title"),
            Skill.slug.label("skill"),
            status.label("status"),
            Attempt.started_at,
            Attempt.expires_at,
            Attempt.submitted_at,
            Attempt.score_percent,
            Attempt.level,
        )
        .join(Assessment, Attempt.assessment_id == Assessment.id)
        .join(Skill, Assessment.skill_id == Skill.id)
        .where(Attempt.user_id == user.id)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    )
    if assessment_id is not None:
        statement = statement.where(Attempt.assessment_id == assessment_id)

    return statement


def attempt_body(attempt: Attempt, now: datetime | None = None) -> dict[str, Any]:
    """The attempt shaped like ``AssessmentAttemptOut``: questions, never keys."""
    now = now or utcnow()
    result = None
    if attempt.status == "completed":
        assert attempt.level is not None
        result = {
            "score": attempt.score,
            "max_score": attempt.max_score,
            "score_percent": attempt.score_percent,
            "level": attempt.level,
            "level_name": level_name(attempt.level),
        }

    assessment = attempt.assessment
    return {
        "id": attempt.id,
        "assessment_id": assessment.id,
        "assessment_title": assessment.title,
        "skill": assessment.skill.slug,
        "status": attempt_status(attempt, now),
        "started_at": attempt.started_at,
        "expires_at": attempt.expires_at,
        "submitted_at": attempt.submitted_at,
        "time_limit_seconds": assessment.time_limit_seconds,
        "seconds_left": seconds_left(attempt, now),
        "questions": [
            {
                "id": q.id,
                "position": q.position,
                "kind": q.kind,
                "prompt": q.prompt,
                "options": list(q.options),
            }
            for q in assessment.questions
        ],
        "answers": [
            {"question_id": a.question_id, "choice": list(a.choice)}
            for a in sorted(attempt.answers, key=lambda a: a.question_id)
        ],
        "result": result,
    }
