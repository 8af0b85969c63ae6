"""JSON routes of assumptions and their tests."""

from sqlmodel import col

from app.collections import CollectionSpec, collection_router
from app.experiments import repository, service
from app.experiments.models import (
    Assumption,
    AssumptionCreate,
    AssumptionRead,
    AssumptionTest,
    AssumptionUpdate,
    TestCreate,
    TestRead,
    TestUpdate,
)
from app.research.api import _refresh_scores

assumptions = CollectionSpec(
    path="assumptions",
    model=Assumption,
    read_schema=AssumptionRead,
    create_schema=AssumptionCreate,
    update_schema=AssumptionUpdate,
    create=service.create_assumption,
    filters=repository.AssumptionFilters,
    apply_filters=repository.filter_assumptions,
    order_by=lambda: (col(Assumption.id),),
    after_write=_refresh_scores,
)

tests = CollectionSpec(
    path="tests",
    model=AssumptionTest,
    read_schema=TestRead,
    create_schema=TestCreate,
    update_schema=TestUpdate,
    create=service.create_test,
    update=service.update_test,
    filters=repository.TestFilters,
    apply_filters=repository.filter_tests,
    order_by=lambda: (col(AssumptionTest.id),),
    after_write=_refresh_scores,
    summary_name="test",
)

routers = [collection_router(assumptions), collection_router(tests)]
