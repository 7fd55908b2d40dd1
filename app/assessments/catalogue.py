"""The assessment catalogue: one assessment for each of 26 seeded skills.

Questions come from templates that fit any skill: how to learn it, how to
work with others on it, what each level of it looks like. Every choice (which
templates, how many, how options are shuffled) is drawn from a
``random.Random`` seeded with the skill's slug and the catalogue seed, so the
same seed always yields the same catalogue, question by question.

``build_catalogue`` is pure; ``seed_assessments`` loads its result into the
database, once.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.assessments.models import Assessment, Question
from app.profiles.models import Skill
from app.seed_data import CATEGORIES, LEVELS, SKILLS, SkillSpec

logger = logging.getLogger(__name__)

CATALOGUE_SEED = 20261204
SKILLS_PER_CATEGORY = 2
MIN_QUESTIONS = 8
MAX_QUESTIONS = 15
SECONDS_PER_QUESTION = 60


@dataclass(frozen=True)
class Template:
    """A question pattern; ``{skill}`` in any text becomes the skill's name.

    For ``single`` and ``multiple``, ``right`` and ``wrong`` are the options
    that are and are not correct. For ``ordering``, ``right`` is every option
    in the right order and ``wrong`` is empty.
    """

    kind: str
    prompt: str
    right: tuple[str, ...]
    wrong: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionSpec:
    """A generated question: options in the order shown, and the key."""

    kind: str
    prompt: str
    options: tuple[str, ...]
    answer_key: tuple[int, ...]


@dataclass(frozen=True)
class AssessmentSpec:
    slug: str
    skill: str
    title: str
    description: str
    time_limit_seconds: int
    questions: tuple[QuestionSpec, ...]


TEMPLATES: tuple[Template, ...] = (
    Template(
        "single",
        "Someone new to {skill} asks where to begin. What is the best advice?",
        ("Learn the core ideas, then practise on a small real task with feedback",),
        (
            "Start with the most advanced material so the basics come for free",
            "Read about it for a few months before trying anything",
            "Avoid asking questions so that nobody notices the gaps",
        ),
    ),
    Template(
        "single",
        "Which level describes someone who sets the standard for {skill} in a "
        "team and coaches others in it?",
        ("Expert",),
        ("Awareness", "Working", "Practitioner"),
    ),
    Template(
        "single",
        "Which level describes someone who knows what {skill} is for but has "
        "not yet used it on real work?",
        ("Awareness",),
        ("Working", "Practitioner", "Expert"),
    ),
    Template(
        "single",
        "A {skill} task you finished yesterday turns out to have a mistake that "
        "others rely on. What do you do first?",
        ("Tell the people affected, then fix it and say what changed",),
        (
            "Fix it quietly and hope nobody noticed",
            "Wait to see whether anyone complains",
            "Blame the tools you were given",
        ),
    ),
    Template(
        "single",
        "You are asked to estimate a {skill} task you have never done. What is "
        "the most useful answer?",
        ("A range, the assumptions behind it and what would narrow it",),
        (
            "The smallest number, so the plan looks good",
            "No answer until the work is finished",
            "Whatever the last similar task took, without checking",
        ),
    ),
    Template(
        "single",
        "What best shows that your {skill} work meets what was asked?",
        ("Checking the result against the agreed goal with the person who asked",),
        (
            "Having worked on it for a long time",
            "Using the newest tools available",
            "Nobody having complained yet",
        ),
    ),
    Template(
        "single",
        "A colleague's {skill} work has a problem you spotted. How do you raise it?",
        ("Privately and specifically, with a suggestion and an offer to help",),
        (
            "In front of the whole team, so everyone learns",
            "Not at all: it is their work",
            "By redoing it yourself without telling them",
        ),
    ),
    Template(
        "multiple",
        "Which of these are good ways to keep your {skill} up to date? Choose "
        "every one that applies.",
        (
            "Practising regularly on real or realistic tasks",
            "Asking for feedback from more experienced people",
            "Following trusted sources in the field",
        ),
        (
            "Relying only on what you learned years ago",
            "Avoiding work that might expose a gap",
        ),
    ),
    Template(
        "multiple",
        "Which of these belong in a hand-over note for a {skill} task? Choose "
        "every one that applies.",
        (
            "What is done and what is still open",
            "Where the work and its notes are kept",
            "Known risks and who to ask about them",
        ),
        (
            "Your opinion of the people involved",
            "Passwords copied into the note",
        ),
    ),
    Template(
        "multiple",
        "Which of these are signs of working at the practitioner level in "
        "{skill}? Choose every one that applies.",
        (
            "Delivering typical tasks without close supervision",
            "Knowing when a problem needs an expert",
        ),
        (
            "Needing step-by-step guidance for every task",
            "Having only read about it",
            "Never having made a mistake",
        ),
    ),
    Template(
        "multiple",
        "You receive a {skill} request that is unclear. Which of these help? "
        "Choose every one that applies.",
        (
            "Asking what problem the request should solve",
            "Agreeing how the result will be checked",
            "Writing down what you understood and sharing it",
        ),
        (
            "Guessing, to save everybody's time",
            "Starting with the part you enjoy most",
        ),
    ),
    Template(
        "multiple",
        "Which of these are fair ways to show your level in {skill} to an "
        "employer? Choose every one that applies.",
        (
            "Examples of work you did, with your part in it made clear",
            "A reference from someone who saw you work",
        ),
        (
            "Claiming the highest level because you learn fast",
            "Presenting a team's work as yours alone",
        ),
    ),
    Template(
        "ordering",
        "Put the levels of {skill} in order, from beginner to most experienced.",
        tuple(level.capitalize() for level in LEVELS),
    ),
    Template(
        "ordering",
        "Put the steps of a typical {skill} task in order.",
        (
            "Understand what is needed and why",
            "Plan the work and agree it",
            "Do the work",
            "Check the result against what was agreed",
            "Hand it over and note what you learned",
        ),
    ),
    Template(
        "ordering",
        "Put these steps for learning a new part of {skill} in a sensible order.",
        (
            "Find out what good looks like",
            "Try it on a small example",
            "Get feedback on the attempt",
            "Use it on real work",
        ),
    ),
    Template(
        "ordering",
        "Something you built with {skill} fails for a customer. Put the "
        "response in order.",
        (
            "Limit the harm to the customer",
            "Find the cause",
            "Fix it and check the fix",
            "Tell the customer what happened",
            "Change how you work so it does not happen again",
        ),
    ),
)


def assessed_skills() -> tuple[SkillSpec, ...]:
    """The first ``SKILLS_PER_CATEGORY`` skills of every category."""
    chosen: list[SkillSpec] = []
    for category in CATEGORIES:
        members = [s for s in SKILLS if s.category == category.slug]
        chosen.extend(members[:SKILLS_PER_CATEGORY])

    return tuple(chosen)


def _question(rng: random.Random, template: Template, skill: str) -> QuestionSpec:
    prompt = template.prompt.format(skill=skill)
    if template.kind == "ordering":
        order = list(range(len(template.right)))
        while order == sorted(order):
            rng.shuffle(order)
        options = tuple(template.right[i] for i in order)
        key = tuple(order.index(i) for i in range(len(template.right)))
        return QuestionSpec(template.kind, prompt, options, key)

    tagged = [(text, True) for text in template.right]
    tagged += [(text, False) for text in template.wrong]
    rng.shuffle(tagged)
    options = tuple(text for text, _ in tagged)
    key = tuple(i for i, (_, right) in enumerate(tagged) if right)

    return QuestionSpec(template.kind, prompt, options, key)


def build_assessment(skill: SkillSpec, seed: int = CATALOGUE_SEED) -> AssessmentSpec:
    """The assessment of one skill; the same skill and seed give the same one."""
    rng = random.Random(f"{seed}:{skill.slug}")
    count = rng.randint(MIN_QUESTIONS, min(MAX_QUESTIONS, len(TEMPLATES)))
    templates = rng.sample(TEMPLATES, count)
    questions = tuple(_question(rng, t, skill.name) for t in templates)

    return AssessmentSpec(
        slug=f"{skill.slug}-core",
        skill=skill.slug,
        title=f"{skill.name}: core practice",
        description=(
            f"{count} questions on learning, applying and sharing {skill.name}, "
            f"in {count * SECONDS_PER_QUESTION // 60} minutes."
        ),
        time_limit_seconds=count * SECONDS_PER_QUESTION,
        questions=questions,
    )


def build_catalogue(seed: int = CATALOGUE_SEED) -> tuple[AssessmentSpec, ...]:
    """Every assessment of the catalogue, in skill order."""
    return tuple(build_assessment(skill, seed) for skill in assessed_skills())


def seed_assessments(session: Session, seed: int = CATALOGUE_SEED) -> int:
    """Load the catalogue once; returns how many assessments were added.

    Skills must be loaded first. A database that already has assessments is
    left alone, so that attempts never point at questions that changed.
    """
    if session.scalar(select(func.count()).select_from(Assessment)):
        logger.info("Assessment seed skipped: the catalogue is already loaded.")
        return 0

    rows = session.execute(select(Skill.slug, Skill.id)).tuples()
    skill_ids = {slug: skill_id for slug, skill_id in rows}
    added = 0
    for spec in build_catalogue(seed):
        if spec.skill not in skill_ids:
            continue
        assessment = Assessment(
            slug=spec.slug,
            skill_id=skill_ids[spec.skill],
            title=spec.title,
            description=spec.description,
            time_limit_seconds=spec.time_limit_seconds,
        )
        for position, question in enumerate(spec.questions, 1):
            assessment.questions.append(
                Question(
                    position=position,
                    kind=question.kind,
                    prompt=question.prompt,
                    options=list(question.options),
                    answer_key=list(question.answer_key),
                    weight=1,
                )
            )
        session.add(assessment)
        added += 1

    session.flush()
    logger.info("Seeded %d assessments.", added)
    return added
