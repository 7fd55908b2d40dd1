"""Learner profiles, the skills taxonomy and advisor assignments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import Base, utcnow

PERSONAS = ("student", "career_changer")
REGIONS = ("eu", "us")


class SkillCategory(Base):
    """A branch of the skills taxonomy, such as "Data & analytics"."""

    __tablename__ = "skill_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")

    skills: Mapped[list[Skill]] = relationship(back_populates="category")


class Skill(Base):
    """A named skill; levels run from 1 (awareness) to 4 (expert)."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("skill_categories.id"), index=True
    )

    category: Mapped[SkillCategory] = relationship(back_populates="skills")


class LearnerProfile(Base):
    """What a learner tells us about themselves; personal data of their region."""

    __tablename__ = "learner_profiles"
    __table_args__ = (
        CheckConstraint("persona IN ('student', 'career_changer')", name="persona"),
        CheckConstraint("region IN ('eu', 'us')", name="region"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    persona: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(8))
    headline: Mapped[str] = mapped_column(String(160), default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # Set while the learner lets partners see them (matching migration 0003);
    # a learner without it is never shown to partners.
    partner_sharing_consent_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True)
    )

    user: Mapped[User] = relationship()
    skills: Mapped[list[LearnerSkill]] = relationship(
        back_populates="profile",
        cascade="all, delete-orphan",
        order_by="LearnerSkill.skill_id",
    )


class LearnerSkill(Base):
    """A skill on a profile: the learner's own rating and, once tested, ours."""

    __tablename__ = "learner_skills"
    __table_args__ = (
        CheckConstraint("self_level BETWEEN 1 AND 4", name="self_level"),
        CheckConstraint(
            "assessed_level IS NULL OR assessed_level BETWEEN 1 AND 4",
            name="assessed_level",
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("learner_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id"), primary_key=True, index=True
    )
    self_level: Mapped[int] = mapped_column(SmallInteger)
    assessed_level: Mapped[int | None] = mapped_column(SmallInteger)

    profile: Mapped[LearnerProfile] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class AdvisorAssignment(Base):
    """An advisor follows a learner."""

    __tablename__ = "advisor_assignments"

    advisor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
