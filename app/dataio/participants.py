"""A participant's personal data: everything held about them, and its erasure on request."""

from typing import Any

from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.audit.service import record
from app.db import utcnow
from app.decisions.models import Decision
from app.research.models import EvidenceItem, Interview, Participant, Segment
from app.workspaces.deps import WorkspaceContext

PERSONAL_FIELDS = ("name", "organisation", "title", "contact")


def erased_name(participant: Participant) -> str:
    return f"Erased participant {participant.id}"


def participant_data(
    *, session: Session, ctx: WorkspaceContext, participant: Participant
) -> dict[str, Any]:
    """Everything the workspace holds about one participant, as one JSON-ready document."""
    segment = session.get(Segment, participant.segment_id) if participant.segment_id else None
    interviews = session.exec(
        select(Interview)
        .where(Interview.workspace_id == ctx.id, Interview.participant_id == participant.id)
        .order_by(col(Interview.occurred_on), col(Interview.id))
    ).all()
    evidence = session.exec(
        select(EvidenceItem)
        .where(EvidenceItem.workspace_id == ctx.id, EvidenceItem.participant_id == participant.id)
        .order_by(col(EvidenceItem.id))
    ).all()
    return {
        "workspace": ctx.workspace.slug,
        "exported_at": utcnow().isoformat(),
        "participant": participant.model_dump(mode="json")
        | {"segment": segment.name if segment else None},
        "interviews": [i.model_dump(mode="json") for i in interviews],
        "evidence": [e.model_dump(mode="json") for e in evidence],
    }


def erase_participant(
    *, session: Session, ctx: WorkspaceContext, participant: Participant
) -> Participant:
    """Erase a participant's personal data: the name becomes "Erased participant N", contact,
    organisation and title are cleared, their quotes stay. Earlier audit snapshots of the
    participant are scrubbed too, or the audit log would keep what was erased."""
    old_name = participant.name
    erased = {
        "name": erased_name(participant),
        "organisation": "",
        "title": "",
        "contact": "",
    }
    already = all(getattr(participant, k) == v for k, v in erased.items())
    for key, value in erased.items():
        setattr(participant, key, value)
    if not already:
        participant.version += 1
        participant.updated_at = utcnow()
    session.add(participant)
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.workspace_id == ctx.id,
            AuditEvent.entity == "participant",
            AuditEvent.entity_id == participant.id,
        )
    ).all()
    for event in events:
        for side in ("before", "after"):
            snapshot = getattr(event, side)
            if snapshot:
                setattr(event, side, snapshot | {k: v for k, v in erased.items() if k in snapshot})
        session.add(event)
    _scrub_frozen_scorecards(session, ctx, old_name, erased["name"])
    session.flush()
    # The erasure itself is audited, without the data it removed.
    record(
        session=session,
        workspace_id=ctx.id,
        actor_id=ctx.user_id,
        action="erase",
        entity="participant",
        entity_id=participant.id,
        after={"erased_fields": list(PERSONAL_FIELDS), "name": participant.name},
    )
    session.flush()
    return participant


def _replace_text(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_text(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace_text(v, old, new) for k, v in value.items()}
    return value


def _scrub_frozen_scorecards(
    session: Session, ctx: WorkspaceContext, old_name: str, new_name: str
) -> None:
    """Decisions freeze scorecards that explain scores by participant name: rename there too."""
    if not old_name or old_name == new_name:
        return
    for decision in session.exec(select(Decision).where(Decision.workspace_id == ctx.id)).all():
        if decision.scorecard and old_name in str(decision.scorecard):
            decision.scorecard = _replace_text(decision.scorecard, old_name, new_name)
            session.add(decision)
    for event in session.exec(
        select(AuditEvent).where(AuditEvent.workspace_id == ctx.id, AuditEvent.entity == "decision")
    ).all():
        for side in ("before", "after"):
            snapshot = getattr(event, side)
            if snapshot and old_name in str(snapshot):
                setattr(event, side, _replace_text(snapshot, old_name, new_name))
                session.add(event)
