"""matching: opportunity lifecycle, saved, applications, stored matches, consent

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPLICATION_STATUSES = (
    "status IN ('submitted', 'reviewing', 'interview', 'offered', 'hired', "
    "'rejected', 'withdrawn')"
)


def upgrade() -> None:
    op.add_column(
        "learner_profiles",
        sa.Column(
            "partner_sharing_consent_at", sa.DateTime(timezone=True), nullable=True
        ),
    )

    # Rows that exist already get the migration time; the model sets it later.
    op.add_column(
        "opportunities",
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
    )
    op.alter_column("opportunities", "updated_at", server_default=None)
    op.add_column(
        "opportunities",
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_check_constraint(
        op.f("ck_opportunities_status"),
        "opportunities",
        "status IN ('open', 'closed')",
    )

    op.create_table(
        "saved_opportunities",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_saved_opportunities_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_saved_opportunities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "opportunity_id", name=op.f("pk_saved_opportunities")
        ),
    )
    op.create_index(
        op.f("ix_saved_opportunities_opportunity_id"),
        "saved_opportunities",
        ["opportunity_id"],
        unique=False,
    )

    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(APPLICATION_STATUSES, name=op.f("ck_applications_status")),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_applications_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_applications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("user_id", "opportunity_id", name="uq_applications_pair"),
    )
    op.create_index(
        op.f("ix_applications_opportunity_id"),
        "applications",
        ["opportunity_id"],
        unique=False,
    )

    op.create_table(
        "learner_matches",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_learner_matches_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "rank", name=op.f("pk_learner_matches")),
    )

    op.create_table(
        "learner_match_states",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skills_digest", sa.String(length=32), nullable=False),
        sa.Column("match_count", sa.SmallInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_learner_match_states_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_learner_match_states")),
    )


def downgrade() -> None:
    op.drop_table("learner_match_states")
    op.drop_table("learner_matches")
    op.drop_index(op.f("ix_applications_opportunity_id"), table_name="applications")
    op.drop_table("applications")
    op.drop_index(
        op.f("ix_saved_opportunities_opportunity_id"),
        table_name="saved_opportunities",
    )
    op.drop_table("saved_opportunities")
    op.drop_constraint(op.f("ck_opportunities_status"), "opportunities", type_="check")
    op.drop_column("opportunities", "closed_at")
    op.drop_column("opportunities", "updated_at")
    op.drop_column("learner_profiles", "partner_sharing_consent_at")
