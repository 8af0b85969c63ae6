"""JSON routes of the research domain."""

from sqlmodel import col

from app.enums import Role
from app.kit.collections import CollectionSpec, collection_router
from app.research import repository, service
from app.research.models import (
    EvidenceCreate,
    EvidenceItem,
    EvidenceRead,
    EvidenceUpdate,
    Interview,
    InterviewCreate,
    InterviewRead,
    InterviewUpdate,
    Participant,
    ParticipantCreate,
    ParticipantRead,
    ParticipantUpdate,
    Segment,
    SegmentCreate,
    SegmentRead,
    SegmentUpdate,
)
from app.workspaces.deps import WORKSPACE_ACCESS

segments = CollectionSpec(
    path="segments",
    model=Segment,
    read_schema=SegmentRead,
    create_schema=SegmentCreate,
    update_schema=SegmentUpdate,
    create=service.create_segment,
    write_role=Role.admin,
    order_by=lambda: (col(Segment.name), col(Segment.id)),
)

participants = CollectionSpec(
    path="participants",
    model=Participant,
    read_schema=ParticipantRead,
    create_schema=ParticipantCreate,
    update_schema=ParticipantUpdate,
    create=service.create_participant,
    update=service.update_participant,
    filters=repository.ParticipantFilters,
    apply_filters=repository.filter_participants,
    order_by=lambda: (col(Participant.name), col(Participant.id)),
)

interviews = CollectionSpec(
    path="interviews",
    model=Interview,
    read_schema=InterviewRead,
    create_schema=InterviewCreate,
    update_schema=InterviewUpdate,
    create=service.create_interview,
    update=service.update_interview,
    to_reads=service.interview_reads,
    filters=repository.InterviewFilters,
    apply_filters=repository.filter_interviews,
    order_by=lambda: (col(Interview.occurred_on).desc(), col(Interview.id).desc()),
)

evidence = CollectionSpec(
    path="evidence",
    model=EvidenceItem,
    read_schema=EvidenceRead,
    create_schema=EvidenceCreate,
    update_schema=EvidenceUpdate,
    create=service.create_evidence,
    update=service.update_evidence,
    filters=repository.EvidenceFilters,
    apply_filters=repository.filter_evidence,
    order_by=lambda: (col(EvidenceItem.id).desc(),),
    summary_name="evidence item",
)

routers = [
    collection_router(spec, WORKSPACE_ACCESS)
    for spec in (segments, participants, interviews, evidence)
]
