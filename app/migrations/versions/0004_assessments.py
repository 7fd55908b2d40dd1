"""assessments, questions, attempts and answers

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "time_limit_seconds > 0", name=op.f("ck_assessments_time_limit_seconds")
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skills.id"], name=op.f("fk_assessments_skill_id_skills")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("slug", name=op.f("uq_assessments_slug")),
    )
    op.create_index(
        op.f("ix_assessments_skill_id"), "assessments", ["skill_id"], unique=False
    )
    op.create_table(
        "assessment_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Integer(), nullable=True),
        sa.Column("score_percent", sa.SmallInteger(), nullable=True),
        sa.Column("level", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'completed', 'expired')",
            name=op.f("ck_assessment_attempts_status"),
        ),
        sa.CheckConstraint(
            "level IS NULL OR level BETWEEN 1 AND 4",
            name=op.f("ck_assessment_attempts_level"),
        ),
        sa.CheckConstraint(
            "score_percent IS NULL OR score_percent BETWEEN 0 AND 100",
            name=op.f("ck_assessment_attempts_score_percent"),
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_attempts_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assessment_attempts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_attempts")),
    )
    op.create_index(
        op.f("ix_assessment_attempts_assessment_id"),
        "assessment_attempts",
        ["assessment_id"],
        unique=False,
    )
    op.create_index(
        "ix_assessment_attempts_user_started",
        "assessment_attempts",
        ["user_id", "started_at"],
        unique=False,
    )
    op.create_index(
        "uq_assessment_attempts_one_active",
        "assessment_attempts",
        ["user_id", "assessment_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "assessment_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("options", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "answer_key", postgresql.JSONB(astext_type=sa.Text()), nullable=False
        ),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('single', 'multiple', 'ordering')",
            name=op.f("ck_assessment_questions_kind"),
        ),
        sa.CheckConstraint("weight > 0", name=op.f("ck_assessment_questions_weight")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_questions_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_questions")),
    )
    op.create_index(
        "uq_assessment_questions_position",
        "assessment_questions",
        ["assessment_id", "position"],
        unique=True,
    )
    op.create_table(
        "assessment_answers",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("choice", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("credit", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["assessment_attempts.id"],
            name=op.f("fk_assessment_answers_attempt_id_assessment_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["assessment_questions.id"],
            name=op.f("fk_assessment_answers_question_id_assessment_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "attempt_id", "question_id", name=op.f("pk_assessment_answers")
        ),
    )
    op.create_index(
        op.f("ix_assessment_answers_question_id"),
        "assessment_answers",
        ["question_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_assessment_answers_question_id"), table_name="assessment_answers"
    )
    op.drop_table("assessment_answers")
    op.drop_index("uq_assessment_questions_position", table_name="assessment_questions")
    op.drop_table("assessment_questions")
    op.drop_index(
        "uq_assessment_attempts_one_active",
        table_name="assessment_attempts",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index(
        "ix_assessment_attempts_user_started", table_name="assessment_attempts"
    )
    op.drop_index(
        op.f("ix_assessment_attempts_assessment_id"), table_name="assessment_attempts"
    )
    op.drop_table("assessment_attempts")
    op.drop_index(op.f("ix_assessments_skill_id"), table_name="assessments")
    op.drop_table("assessments")
