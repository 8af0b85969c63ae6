"""Every table, imported once so the metadata (and Alembic) sees the whole schema."""

from app.auth.models import ApiToken, PasswordReset, SignInFailure, User
from app.dataio.models import CsvImportRun, ImportedRow
from app.decisions.models import Decision
from app.experiments.models import Assumption, AssumptionTest
from app.kit.audit import AuditEvent
from app.problems.models import KillCriteriaChange, Problem, ProblemTag
from app.research.models import EvidenceItem, Interview, InterviewProblem, Participant, Segment
from app.scorecards.models import ProblemScorecard
from app.sharing.models import ShareLink
from app.workspaces.models import Invitation, Membership, Workspace

__all__ = [
    "ApiToken",
    "Assumption",
    "AssumptionTest",
    "AuditEvent",
    "CsvImportRun",
    "Decision",
    "EvidenceItem",
    "ImportedRow",
    "Interview",
    "InterviewProblem",
    "Invitation",
    "KillCriteriaChange",
    "Membership",
    "Participant",
    "PasswordReset",
    "Problem",
    "ProblemScorecard",
    "ProblemTag",
    "Segment",
    "ShareLink",
    "SignInFailure",
    "User",
    "Workspace",
]
