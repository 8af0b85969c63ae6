"""what changed since each problem's last decision, kept beside its card

The review queue counted the whole workspace's evidence on every view. Each refresh of a card
now also writes the problem's review row (evidence and tests since the last decision, whether
the recommendation moved, when a review falls due), so the queue pages in SQL. Rows of problems
scored before this revision are written the first time the queue or the portfolio is read.

Revision ID: 0013
Revises: 0009
Create Date: 2026-11-30 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "problem_review",
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("last_decision_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("recommendation_changed", sa.Boolean(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("new_evidence", sa.Integer(), nullable=False),
        sa.Column("supporting", sa.Integer(), nullable=False),
        sa.Column("contradicting", sa.Integer(), nullable=False),
        sa.Column("behavioural", sa.Integer(), nullable=False),
        sa.Column("by_signal", sa.JSON(), nullable=False),
        sa.Column("new_tests", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problem.id"],
            name=op.f("fk_problem_review_problem_id_problem"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_problem_review_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("problem_id", name=op.f("pk_problem_review")),
    )
    op.create_index(
        "ix_problem_review_workspace_id", "problem_review", ["workspace_id", "problem_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_problem_review_workspace_id", table_name="problem_review")
    op.drop_table("problem_review")
