"""Dependencies that load a problem of the URL's workspace."""

from typing import Annotated

from fastapi import Depends

from app.db import SessionDep
from app.kit.rows import get_row
from app.problems.models import Problem
from app.validation import Id
from app.workspaces.deps import WorkspaceDep


def load_problem(ctx: WorkspaceDep, session: SessionDep, problem_id: Id) -> Problem:
    """The problem of the URL, deleted ones included: their cards and memos stay readable."""
    return get_row(session, Problem, ctx, problem_id, include_deleted=True)


ProblemDep = Annotated[Problem, Depends(load_problem)]
