"""JSON routes of the decision log."""

from sqlmodel import col

from app.collections import CollectionSpec, collection_router
from app.decisions import service
from app.decisions.models import Decision, DecisionCreate, DecisionRead, DecisionUpdate
from app.enums import Role
from app.research.api import _refresh_scores

decisions = CollectionSpec(
    path="decisions",
    model=Decision,
    read_schema=DecisionRead,
    create_schema=DecisionCreate,
    update_schema=DecisionUpdate,
    create=service.create_decision,
    update=service.update_decision,
    filters=service.DecisionFilters,
    apply_filters=service.filter_decisions,
    order_by=lambda: (col(Decision.created_at).desc(), col(Decision.id).desc()),
    write_role=Role.decider,
    after_write=_refresh_scores,
    # Append-only: a wrong decision is superseded by a new one, never deleted.
    allow_delete=False,
)

router = collection_router(decisions)
