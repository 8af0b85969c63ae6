"""A participant's personal data: everything held about them, and its erasure on request."""

import re
from typing import Any

from sqlmodel import Session, col, select

from app.db import utcnow
from app.decisions.models import Decision
from app.kit.audit import AuditEvent, record
from app.research.models import EvidenceItem, Interview, Participant, Segment
from app.research.repository import with_notes
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
        .options(with_notes())  # the notes go out too, in the same query
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
    participant, and the scorecards and memos decisions froze, are scrubbed too, or they would
    keep what was erased."""
    erased = {
        "name": erased_name(participant),
        "organisation": "",
        "title": "",
        "contact": "",
    }
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.workspace_id == ctx.id,
            AuditEvent.entity == "participant",
            AuditEvent.entity_id == participant.id,
        )
    ).all()
    # Every name they went by: frozen records keep the name of their day, not today's.
    names = {participant.name} | {
        snapshot["name"]
        for event in events
        for snapshot in (event.before, event.after)
        if snapshot and isinstance(snapshot.get("name"), str)
    }
    names -= {"", erased["name"]}
    already = all(getattr(participant, k) == v for k, v in erased.items())
    for key, value in erased.items():
        setattr(participant, key, value)
    if not already:
        participant.version += 1
        participant.updated_at = utcnow()
    session.add(participant)
    for event in events:
        for side in ("before", "after"):
            snapshot = getattr(event, side)
            if snapshot:
                setattr(event, side, snapshot | {k: v for k, v in erased.items() if k in snapshot})
        session.add(event)
    scrub = _Scrub(participant.id or 0, names, erased["name"])
    _scrub_interview_titles(session, ctx, participant, scrub)
    _scrub_frozen_scorecards(session, ctx, scrub)
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


class _Scrub:
    """Replaces one participant's name where a record's structure says it is theirs: entries
    carrying their participant_id, score terms explained by them, the bias flag that lists
    them. Every other byte, other people's names and all numbers and times included, stays."""

    def __init__(self, participant_id: int, names: set[str], new_name: str) -> None:
        self.id = participant_id
        # Longest first, so "Ann Lee" is taken whole before "Ann" is tried.
        self.names = sorted(names, key=len, reverse=True)
        self.new = new_name

    def document(self, value: Any) -> Any:
        """A copy of a JSON document (a frozen scorecard, a memo, an audit snapshot), scrubbed."""
        known: dict[int, str] = {}
        _collect_names(value, known)
        names = set(self.names) | ({known[self.id]} if self.id in known else set())
        return self._walk(value, sorted(names, key=len, reverse=True), known)

    def _walk(self, value: Any, names: list[str], known: dict[int, str]) -> Any:
        if isinstance(value, list):
            return [self._walk(v, names, known) for v in value]
        if not isinstance(value, dict):
            return value
        out = {k: self._walk(v, names, known) for k, v in value.items()}
        if out.get("participant_id") == self.id:
            # A participant's value on the scorecard, or a quote in a memo.
            for key in ("name", "participant"):
                if isinstance(out.get(key), str):
                    out[key] = self.new
            # A score term: "<name>: x 0.80 (paid, weekly)".
            label = out.get("label")
            if isinstance(label, str):
                out["label"] = self._renamed_prefix(label, names)
        ids = out.get("participant_ids")
        if (
            out.get("code") == "unsegmented"
            and isinstance(ids, list)
            and self.id in ids
            and isinstance(out.get("message"), str)
        ):
            out["message"] = self._renamed_in_list(out["message"], ids, names, known)
        return out

    def _renamed_prefix(self, label: str, names: list[str]) -> str:
        for name in names:
            if label.startswith(f"{name}: "):
                return self.new + label[len(name) :]
        return label

    def _renamed_in_list(
        self, message: str, ids: list[Any], names: list[str], known: dict[int, str]
    ) -> str:
        """The flag lists its participants' names in the order of its participant_ids."""
        if all(i in known for i in ids):
            old = ", ".join(known[i] for i in ids)
            new = ", ".join(self.new if i == self.id else known[i] for i in ids)
            if f"({old})" in message:
                return message.replace(f"({old})", f"({new})", 1)
        # A list this card does not explain: replace whole items of the parenthesised list only.
        for name in names:
            pattern = rf"(?:(?<=\()|(?<=, )){re.escape(name)}(?=, |\))"
            message = re.sub(pattern, lambda _: self.new, message)
        return message

    def interview_title(self, title: str, occurred_on: str) -> str:
        """The title an import gave the participant's interview: "Imported: <name>, <date>"."""
        for name in self.names:
            if title == f"Imported: {name}, {occurred_on}":
                return f"Imported: {self.new}, {occurred_on}"
        return title


def _collect_names(value: Any, known: dict[int, str]) -> None:
    """participant id -> name, as a frozen scorecard recorded them (its participants list)."""
    if isinstance(value, list):
        for v in value:
            _collect_names(v, known)
    elif isinstance(value, dict):
        pid, name = value.get("participant_id"), value.get("name")
        if isinstance(pid, int) and isinstance(name, str):
            known.setdefault(pid, name)
        for v in value.values():
            _collect_names(v, known)


def _scrub_interview_titles(
    session: Session, ctx: WorkspaceContext, participant: Participant, scrub: _Scrub
) -> None:
    """A CSV import titles the interviews it creates with the participant's name."""
    interviews = session.exec(
        select(Interview).where(
            Interview.workspace_id == ctx.id, Interview.participant_id == participant.id
        )
    ).all()
    for interview in interviews:
        title = scrub.interview_title(interview.title, interview.occurred_on.isoformat())
        if title != interview.title:
            interview.title = title
            session.add(interview)
    ids = [i.id for i in interviews]
    if not ids:
        return
    for event in session.exec(
        select(AuditEvent).where(
            AuditEvent.workspace_id == ctx.id,
            AuditEvent.entity == "interview",
            col(AuditEvent.entity_id).in_(ids),
        )
    ).all():
        for side in ("before", "after"):
            snapshot = getattr(event, side)
            if snapshot and isinstance(snapshot.get("title"), str):
                title = scrub.interview_title(snapshot["title"], str(snapshot.get("occurred_on")))
                if title != snapshot["title"]:
                    setattr(event, side, snapshot | {"title": title})
                    session.add(event)


def _scrub_frozen_scorecards(session: Session, ctx: WorkspaceContext, scrub: _Scrub) -> None:
    """Decisions freeze scorecards and memos that name participants, and their audit events keep
    copies: scrub the participant's name there, by structure, never by searching the text."""
    if not scrub.names:
        return
    for decision in session.exec(select(Decision).where(Decision.workspace_id == ctx.id)).all():
        if decision.scorecard:
            scorecard = scrub.document(decision.scorecard)
            if scorecard != decision.scorecard:
                decision.scorecard = scorecard
                session.add(decision)
    for event in session.exec(
        select(AuditEvent).where(AuditEvent.workspace_id == ctx.id, AuditEvent.entity == "decision")
    ).all():
        for side in ("before", "after"):
            snapshot = getattr(event, side)
            if snapshot:
                scrubbed = scrub.document(snapshot)
                if scrubbed != snapshot:
                    setattr(event, side, scrubbed)
                    session.add(event)
