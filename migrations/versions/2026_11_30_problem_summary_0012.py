"""a narrow summary of each problem: headline figures and what changed since its last decision

The review queue counted the whole workspace's evidence on every view, and the portfolio read
every card (tens of kB of JSON each) to sort. Each refresh of a card now also writes the
problem's summary row (its headline figures, evidence and tests since the last decision,
whether the recommendation moved, when a review falls due), so both page, sort and count in
SQL over narrow rows. Rows of problems scored before this revision are written the first time
the queue or the portfolio is read.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "problem_summary",
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("pain", sa.Float(), nullable=False),
        sa.Column("reach", sa.Float(), nullable=False),
        sa.Column("reach_upper", sa.Float(), nullable=False),
        sa.Column("feasibility", sa.Float(), nullable=False),
        sa.Column("confidence", sa.String(length=8), nullable=False),
        sa.Column("recommendation", sa.String(length=16), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("evidence_items", sa.Integer(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
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
            name=op.f("fk_problem_summary_problem_id_problem"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_problem_summary_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("problem_id", name=op.f("pk_problem_summary")),
    )
    op.create_index(
        "ix_problem_summary_workspace_id", "problem_summary", ["workspace_id", "problem_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_problem_summary_workspace_id", table_name="problem_summary")
    op.drop_table("problem_summary")
