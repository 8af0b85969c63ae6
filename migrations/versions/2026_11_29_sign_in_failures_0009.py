"""failed sign-ins, counted per account and per client address

Sign-in answers 429 once an account or an address has failed too often within a window. The
failures are kept in the database, so every worker and host counts the same ones.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 20:17:26.799597
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_failure_failed_at"), ["failed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sign_in_failure_key_hash"), ["key_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_failure_key_hash"))
        batch_op.drop_index(batch_op.f("ix_sign_in_failure_failed_at"))

    op.drop_table("sign_in_failure")
