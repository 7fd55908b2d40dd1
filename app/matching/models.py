"""Opportunities that partners publish, and the skills they require."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.partners.models import Partner


class Opportunity(Base):
    """A job, internship, apprenticeship or project offered by a partner."""

    __tablename__ = "opportunities"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('job', 'internship', 'apprenticeship', 'project')", name="kind"
        ),
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

    partner: Mapped[Partner] = relationship()
    required_skills: Mapped[list[OpportunitySkill]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan"
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
