"""Opportunities, what learners do with them, and the stored matches.

Partners publish opportunities with required skills; learners save them and
apply; the matching engine stores every learner's top matches in
``learner_matches`` so that reading them costs one indexed query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.partners.models import Partner
from app.profiles.models import Skill

OPPORTUNITY_STATUSES = ("open", "closed")
APPLICATION_STATUSES = (
    "submitted",
    "reviewing",
    "interview",
    "offered",
    "hired",
    "rejected",
    "withdrawn",
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Opportunity(Base):
    """A job, internship, apprenticeship or project offered by a partner."""

    __tablename__ = "opportunities"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('job', 'internship', 'apprenticeship', 'project')", name="kind"
        ),
        CheckConstraint(_one_of("status", OPPORTUNITY_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(8), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    # Moves on every change, requirements included: the engine's cache key.
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    partner: Mapped[Partner] = relationship()
    required_skills: Mapped[list[OpportunitySkill]] = relationship(
        back_populates="opportunity",
        cascade="all, delete-orphan",
        order_by="OpportunitySkill.skill_id",
    )


class OpportunitySkill(Base):
    """A skill an opportunity requires, at a minimum level from 1 to 4."""

    __tablename__ = "opportunity_skills"
    __table_args__ = (CheckConstraint("min_level BETWEEN 1 AND 4", name="min_level"),)

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id"), primary_key=True, index=True
    )
    min_level: Mapped[int] = mapped_column(SmallInteger)

    opportunity: Mapped[Opportunity] = relationship(back_populates="required_skills")
    skill: Mapped[Skill] = relationship()


class SavedOpportunity(Base):
    """An opportunity a learner bookmarked to come back to."""

    __tablename__ = "saved_opportunities"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    opportunity: Mapped[Opportunity] = relationship()


class Application(Base):
    """A learner's application to one opportunity; one per pair, ever.

    The status moves along ``service.TRANSITIONS`` only: the partner moves it
    forward or rejects it, the learner may withdraw it until it ends.
    """

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(_one_of("status", APPLICATION_STATUSES), name="status"),
        UniqueConstraint("user_id", "opportunity_id", name="uq_applications_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    status_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    opportunity: Mapped[Opportunity] = relationship()


class LearnerMatch(Base):
    """One of a learner's stored top matches, best first (rank 1).

    ``score`` is in basis points (0 to 10,000, shown as 0 to 100 with two
    decimals). The explanation is not stored: a read derives it from the
    learner's skills and the opportunity's requirements (``matches``).

    ``opportunity_id`` is deliberately no foreign key: checking one per row
    made storing 2,000,000 rows some 10 s slower (benchmarks/README.md). A
    read joins the opportunity, so a row whose opportunity is gone shows
    nowhere, and the next recompute replaces it. ``user_id`` keeps its key,
    so erasing a learner erases their matches.
    """

    __tablename__ = "learner_matches"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)


class LearnerMatchState(Base):
    """When a learner's matches were stored, and from which skills.

    ``skills_digest`` is the MD5 of the learner's skills as the engine read
    them (``matching.engine.skills_digest``); a read that finds another
    digest recomputes that learner's matches first.
    """

    __tablename__ = "learner_match_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    skills_digest: Mapped[str] = mapped_column(String(32))
    match_count: Mapped[int] = mapped_column(SmallInteger)
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
