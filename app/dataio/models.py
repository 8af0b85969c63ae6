"""Rows of data import: which CSV rows were already imported, so a re-run adds nothing."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class ImportedRow(SQLModel, table=True):
    """One imported CSV row, known by a hash of its content (its natural key)."""

    __tablename__ = "imported_row"
    __table_args__ = (UniqueConstraint("workspace_id", "row_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    row_key: str = Field(max_length=64)
    evidence_id: int | None = Field(default=None, foreign_key="evidence_item.id", index=True)
    source: str = Field(default="", max_length=200, description="The file it came from.")
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
