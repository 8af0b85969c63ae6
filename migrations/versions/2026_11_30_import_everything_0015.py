"""an import that carries everything: problems it may create, column mappings it remembers

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("csv_import_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("create_problems", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "csv_column_mapping",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_csv_column_mapping_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_csv_column_mapping")),
    )


def downgrade() -> None:
    op.drop_table("csv_column_mapping")
    with op.batch_alter_table("csv_import_run", schema=None) as batch_op:
        batch_op.drop_column("create_problems")
