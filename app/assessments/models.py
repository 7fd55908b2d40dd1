"""Assessments, their question banks, and learners' attempts at them.

A question's answer key lives next to it in the database and nowhere else:
no response model of the API has a field for it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.profiles.models import Skill

QUESTION_KINDS = ("single", "multiple", "ordering")
ATTEMPT_STATUSES = ("active", "completed", "expired")


class Assessment(Base):
    """A timed test of one skill, made of a bank of questions."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("time_limit_seconds > 0", name="time_limit_seconds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    time_limit_seconds: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    skill: Mapped[Skill] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        order_by="Question.position",
    )


class Question(Base):
    """One question: its options in the order shown, and the answer key.

    ``answer_key`` holds option indices: the one right option (single), every
    right option in ascending order (multiple), or every option in the right
    order (ordering). Options are stored shuffled, so their stored order
    never gives an ordering question away.
    """

    __tablename__ = "assessment_questions"
    __table_args__ = (
        CheckConstraint("kind IN ('single', 'multiple', 'ordering')", name="kind"),
        CheckConstraint("weight > 0", name="weight"),
        Index(
            "uq_assessment_questions_position",
            "assessment_id",
            "position",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(16))
    prompt: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSONB)
    answer_key: Mapped[list[int]] = mapped_column(JSONB)
    weight: Mapped[int] = mapped_column(SmallInteger, default=1)

    assessment: Mapped[Assessment] = relationship(back_populates="questions")


class Attempt(Base):
    """A learner's go at an assessment, from start to submission or expiry.

    At most one attempt per learner and assessment is ``active``; the partial
    unique index enforces it even when two starts race. An active attempt
    whose ``expires_at`` has passed counts as expired until it is stored so.
    """

    __tablename__ = "assessment_attempts"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'completed', 'expired')", name="status"),
        CheckConstraint(
            "score_percent IS NULL OR score_percent BETWEEN 0 AND 100",
            name="score_percent",
        ),
        CheckConstraint("level IS NULL OR level BETWEEN 1 AND 4", name="level"),
        Index(
            "uq_assessment_attempts_one_active",
            "user_id",
            "assessment_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_assessment_attempts_user_started", "user_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="active")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Points earned out of points possible, both in question weights.
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[int | None] = mapped_column(Integer)
    score_percent: Mapped[int | None] = mapped_column(SmallInteger)
    level: Mapped[int | None] = mapped_column(SmallInteger)

    assessment: Mapped[Assessment] = relationship()
    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt",
        cascade="all, delete-orphan",
        order_by="AttemptAnswer.question_id",
    )


class AttemptAnswer(Base):
    """What a learner chose for one question, and the credit it earned (0 to 1)."""

    __tablename__ = "assessment_answers"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_attempts.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_questions.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    choice: Mapped[list[int]] = mapped_column(JSONB)
    credit: Mapped[float] = mapped_column(Float)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
