"""why a decision goes against the recommendation

A decision that differs from what the evidence recommends (parking never does) now says why,
beside its rationale; the memo and the decision log show it. Decisions recorded before this have
no reason kept (an empty text).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("against_reason", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("against_reason")
