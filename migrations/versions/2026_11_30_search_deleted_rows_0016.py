"""the few deleted problems and interviews, indexed for search on PostgreSQL

A search keeps a quote only while its problem and its interview are live, and an interview's
passages only while the interview is. Looking each match's problem and interview up cost
about a third of a search for a common word; with the deleted rows in an index of their own
(a handful, next to tens of thousands of live ones) PostgreSQL checks a match against them
in a small hash instead (app/search/repository.py).

SQLite is unchanged. The names start with ix_search_, like the other indexes only migrations
make (migrations/env.py leaves them out of the comparison with the models).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("problem", "interview")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(
            f"CREATE INDEX ix_search_{table}_deleted ON {table} (id) WHERE deleted_at IS NOT NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP INDEX ix_search_{table}_deleted")
