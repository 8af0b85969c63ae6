"""Segments, participants, interviews (any research encounter) and evidence items."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import ValidationInfo, field_validator, model_validator
from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import deferred
from sqlmodel import Field, SQLModel

from app.db import DomainRow, EnumText
from app.enums import Frequency, InterviewKind, Signal, Stance
from app.validation import Count, Id, Input, Version

NOTES_MAX = 1_000_000
QUOTE_MAX = 2_000


class Segment(DomainRow, table=True):
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    size: int | None = Field(default=None, ge=0, description="Accounts or customers in it.")


class Participant(DomainRow, table=True):
    name: str = Field(max_length=200, description="Display name or pseudonym.")
    organisation: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=200, description="Role or job title.")
    segment_id: int | None = Field(default=None, foreign_key="segment.id", index=True)
    contact: str = Field(default="", max_length=500, description="Personal data: erasable.")


# The transcript can be a megabyte: lists, the portfolio and the problem page never need it,
# so it is loaded only when a row's `notes` is read (or a query asks for it with undefer).
_notes_column = Column("notes", Text, nullable=False, default="")


class AnchorState(StrEnum):
    """Where a highlight stands in its interview's notes."""

    anchored = "anchored"  # quote_start..quote_end hold its quote
    detached = "detached"  # its quote is no longer in the notes: kept and shown apart


class Interview(DomainRow, table=True):
    __mapper_args__ = {"properties": {"notes": deferred(_notes_column)}}

    kind: InterviewKind = Field(sa_type=EnumText(InterviewKind, 32), index=True)
    occurred_on: date = Field(index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    conducted_by: int | None = Field(default=None, foreign_key="user.id", index=True)
    title: str = Field(default="", max_length=200)
    notes: str = Field(default="", sa_column=_notes_column)


class InterviewProblem(SQLModel, table=True):
    """A problem an interview covered on purpose: silence on it is evidence too."""

    __tablename__ = "interview_problem"

    interview_id: int = Field(
        sa_column=Column(Integer, ForeignKey("interview.id", ondelete="CASCADE"), primary_key=True)
    )
    problem_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("problem.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class EvidenceItem(DomainRow, table=True):
    __tablename__ = "evidence_item"
    # A problem's (or an interview's) evidence within its workspace: SQLite, without
    # statistics, would otherwise walk the whole workspace's evidence by workspace_id.
    __table_args__ = (
        Index("ix_evidence_item_workspace_id_problem_id", "workspace_id", "problem_id"),
        Index("ix_evidence_item_workspace_id_interview_id", "workspace_id", "interview_id"),
    )

    problem_id: int = Field(foreign_key="problem.id", index=True)
    interview_id: int | None = Field(default=None, foreign_key="interview.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    quote: str = Field(sa_type=Text)
    stance: Stance = Field(sa_type=EnumText(Stance, 16), index=True)
    signal: Signal = Field(sa_type=EnumText(Signal, 32), index=True)
    severity: int | None = Field(default=None)
    frequency: Frequency | None = Field(default=None, sa_type=EnumText(Frequency, 16))
    # Character offsets of the quote in the interview's notes (Python string indices), and
    # whether it is still found there. None for evidence not placed in a transcript.
    quote_start: int | None = Field(default=None)
    quote_end: int | None = Field(default=None)
    anchor: AnchorState | None = Field(default=None, sa_type=EnumText(AnchorState, 16))


# ---- schemas -------------------------------------------------------------------------------


class SegmentCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    size: Count | None = None


class SegmentUpdate(Input):
    version: Version
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    size: Count | None = None


class RowRead(SQLModel):
    id: int
    created_at: datetime
    updated_at: datetime
    created_by: int | None
    deleted_at: datetime | None
    version: int


class SegmentRead(RowRead):
    name: str
    description: str
    size: int | None


class ParticipantCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    organisation: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=200)
    segment_id: Id | None = None
    contact: str = Field(default="", max_length=500)


class ParticipantUpdate(Input):
    version: Version
    name: str | None = Field(default=None, min_length=1, max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    segment_id: Id | None = None
    contact: str | None = Field(default=None, max_length=500)


class ParticipantRead(RowRead):
    name: str
    organisation: str
    title: str
    segment_id: int | None
    contact: str


class EvidenceTags(Input):
    """What a highlight says about its problem."""

    signal: Signal
    stance: Stance | None = Field(default=None, description="Implied by the signal when omitted.")
    severity: int | None = Field(default=None, ge=1, le=5, description="1..5, for `stated` pain.")
    frequency: Frequency | None = None

    # A field validator (not a model one), so the error names `stance` as the field at fault.
    @field_validator("stance")
    @classmethod
    def _stance_matches_signal(cls, stance: Stance | None, info: ValidationInfo) -> Stance | None:
        signal = info.data.get("signal")
        if stance is not None and signal is not None and stance != signal.stance:
            raise ValueError(
                f"signal '{signal.value}' {signal.stance.value} the problem, "
                f"so the stance cannot be '{stance.value}'"
            )
        return stance

    @model_validator(mode="after")
    def _stance_from_signal(self) -> "EvidenceTags":
        if self.stance is None:
            self.stance = self.signal.stance
        return self


class EvidenceFields(EvidenceTags):
    quote: str = Field(min_length=1, max_length=QUOTE_MAX, description="Quote or observation.")


class HighlightCreate(EvidenceTags):
    """A passage of the interview's notes, picked by its offsets, as evidence on a problem."""

    start: int = Field(ge=0, le=NOTES_MAX, description="Offset of its first character.")
    end: int = Field(
        ge=0, le=NOTES_MAX, description="Offset just past its last character (Python indices)."
    )
    problem_id: Id


class Highlight(EvidenceFields):
    """An evidence item logged with its interview."""

    problem_id: Id


class EvidenceCreate(EvidenceFields):
    problem_id: Id
    interview_id: Id | None = None
    participant_id: Id | None = Field(
        default=None, description="Taken from the interview when one is given."
    )


class EvidenceUpdate(Input):
    version: Version
    quote: str | None = Field(default=None, min_length=1, max_length=QUOTE_MAX)
    signal: Signal | None = None
    stance: Stance | None = None
    severity: int | None = Field(default=None, ge=1, le=5)
    frequency: Frequency | None = None
    problem_id: Id | None = None


class EvidenceRead(RowRead):
    problem_id: int
    interview_id: int | None
    participant_id: int | None
    quote: str
    stance: Stance
    signal: Signal
    severity: int | None
    frequency: Frequency | None
    quote_start: int | None = Field(description="Offset of the quote in the interview's notes.")
    quote_end: int | None
    anchor: AnchorState | None = Field(
        description="anchored: the quote is at quote_start..quote_end; detached: no longer "
        "found in the notes; null: not placed in a transcript."
    )


class ReanchorReport(SQLModel):
    """What became of each highlight when the notes were edited (evidence item ids)."""

    kept: list[int] = Field(default_factory=list, description="Where they were.")
    moved: list[int] = Field(default_factory=list, description="Same words, elsewhere.")
    changed: list[int] = Field(
        default_factory=list, description="Found approximately; the quote is the edited text."
    )
    detached: list[int] = Field(
        default_factory=list, description="No longer in the notes; kept, shown apart."
    )
    placed: list[int] = Field(
        default_factory=list, description="Typed quotes found in the notes for the first time."
    )


class InterviewCreate(Input):
    kind: InterviewKind = InterviewKind.interview
    occurred_on: date
    participant_id: Id | None = None
    conducted_by: Id | None = Field(default=None, description="Defaults to you.")
    title: str = Field(default="", max_length=200)
    notes: str = Field(
        default="",
        max_length=NOTES_MAX,
        description="The transcript or notes, plain text (speaker turns as `Name: ...`).",
    )
    problem_ids: list[Id] = Field(
        default_factory=list, max_length=200, description="Problems it covered."
    )
    highlights: list[Highlight] = Field(default_factory=list, max_length=200)


class InterviewUpdate(Input):
    version: Version
    kind: InterviewKind | None = None
    occurred_on: date | None = None
    participant_id: Id | None = None
    conducted_by: Id | None = None
    title: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    problem_ids: list[Id] | None = Field(default=None, max_length=200)


class InterviewRead(RowRead):
    kind: InterviewKind
    occurred_on: date
    participant_id: int | None
    conducted_by: int | None
    title: str
    notes: str | None = Field(
        description="The transcript: sent when reading one interview (unless `notes=false`), "
        "null in lists."
    )
    notes_length: int | None = Field(default=None, description="Characters in the notes.")
    problem_ids: list[int] = Field(default_factory=list)
    evidence: list[EvidenceRead] = Field(default_factory=list)
    reanchored: ReanchorReport | None = Field(
        default=None, description="After an edit of the notes: what became of each highlight."
    )
