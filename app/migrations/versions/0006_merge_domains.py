"""Merge the domain branches: notifications, matching, assessments, webhooks.

Each domain's first migration grew from 0001 in parallel; this revision joins
them so the history has one head again.

Revision ID: 0006
Revises: 0002, 0003, 0004, 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | Sequence[str] | None = ("0002", "0003", "0004", "0005")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the branches touch different tables."""


def downgrade() -> None:
    """Nothing to change: downgrading splits the history into its branches."""
