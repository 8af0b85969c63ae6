"""The API is what its OpenAPI document says: requests generated from the document, to every
operation, get no server error, only documented statuses, and bodies of the documented shape.

Schemathesis reads /openapi.json and generates requests from it, valid ones (positive) and
invalid ones (negative), derandomized (a fixed seed) and bounded per operation, so a run is
repeatable and short. Operations run with an admin's token in a workspace seeded with a row of
every kind, so small ids resolve. Nothing is excluded: every operation of the document runs.
"""

from collections import Counter
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import Api
from tests.helpers import make_decision

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Examples per operation and mode: enough to reach each field's edges, few enough for CI.
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 6}
# And valid requests to rows that exist, for the operations that take an id.
KNOWN_EXAMPLES = 6
# They can lock the admin out (revoke its token, demote or remove it): each runs last, in a
# workspace of its own, so the others keep a working token.
DISRUPTIVE = {
    "DELETE /api/v1/tokens/{token_id}",
    "PATCH /api/v1/workspaces/{ws}/members/{user_id}",
    "DELETE /api/v1/workspaces/{ws}/members/{user_id}",
}

_workspaces = count(1)


@dataclass
class Seeded:
    api: Api
    ids: dict[str, int]  # collection -> the id of its row

    def known(self, path: str) -> dict[str, int]:
        """The path's integer parameters, set to rows that exist."""
        parts = path.split("/")
        known = {"user_id": self.api.user_id}
        for name, collection in [("problem_id", "problems"), ("participant_id", "participants")]:
            known[name] = self.ids[collection]
        known["decision_id"] = self.ids["decisions"]
        if "{row_id}" in parts:
            known["row_id"] = self.ids[parts[parts.index("{row_id}") - 1]]
        return {name: value for name, value in known.items() if f"{{{name}}}" in path}


def seeded_workspace(client: TestClient) -> Seeded:
    """A new admin and workspace with one row of every kind."""
    n = next(_workspaces)
    api = Api.signed_up(client, email=f"fuzz{n}@example.com", workspace=f"fuzz-{n}")
    rows = {"segments": api.segment()}
    rows["participants"] = api.participant(segment_id=rows["segments"]["id"])
    problem = rows["problems"] = api.problem(kill_criteria={"pain": 50, "min_participants": 2})
    rows["interviews"] = api.interview(
        participant_id=rows["participants"]["id"], problem_ids=[problem["id"]]
    )
    rows["evidence"] = api.evidence(problem["id"], interview_id=rows["interviews"]["id"])
    rows["assumptions"] = api.assumption(problem["id"], critical=True)
    rows["tests"] = api.test_card(rows["assumptions"]["id"])
    rows["decisions"] = make_decision(api, problem_id=problem["id"])
    return Seeded(api, {name: row["id"] for name, row in rows.items()})


@dataclass
class Findings:
    """What went wrong, by operation and kind, with one example of each."""

    calls: int = 0
    server_errors: int = 0
    distinct: dict[tuple[str, str, str], str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)

    def answered(self, status: int) -> None:
        self.calls += 1
        self.statuses[status] += 1
        self.server_errors += status >= 500

    def add(self, operation: str, kind: str, title: str, example: str) -> None:
        self.distinct.setdefault((operation, kind, title[:200]), example[:600])

    def report(self) -> str:
        undocumented = [key for key in self.distinct if key[1] == "UndefinedStatusCode"]
        lines = [
            f"{len(self.distinct)} distinct failures in {self.calls} calls; "
            f"{self.server_errors} answers of 5xx; {len(undocumented)} operations with an "
            f"undocumented status; statuses: {dict(sorted(self.statuses.items()))}"
        ]
        for (operation, kind, title), example in sorted(self.distinct.items()):
            lines.append(f"- {operation}: {kind}: {title}\n    {example}")
        return "\n".join(lines)


def exercise(
    seeded: Seeded, operation: Any, mode: GenerationMode, findings: Findings, *, known: bool
) -> None:
    """Send this operation's generated requests and note every failed check; with `known`,
    its ids are those of the seeded rows, so the requests reach them."""
    path_parameters = {"ws": seeded.api.ws} if "{ws}" in operation.path else {}
    if known:
        path_parameters |= seeded.known(operation.path)
    strategy = operation.as_strategy(
        generation_mode=mode,
        path_parameters=path_parameters or None,
        headers={"Authorization": f"Bearer {seeded.api.token}"},
    )

    @settings(
        max_examples=EXAMPLES[mode] if not known else KNOWN_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        try:
            response = case.call()
        except Exception as exc:
            # The app answered 500; the in-process transport raises its error as well.
            findings.answered(500)
            title = f"{type(exc).__name__}: {exc}"
            findings.add(operation.label, "ServerError", title, case.as_curl_command())
            return
        findings.answered(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                kind = type(failure).__name__
                findings.add(operation.label, kind, failure.title, f"[{mode}] {failure.message}")

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters or body has nothing to make invalid.
        assert mode is GenerationMode.NEGATIVE, operation.label


# The operations are spread over a few shards, each a test of its own, so parallel workers
# share the run instead of one worker taking all of it.
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_answers_as_its_openapi_says(
    app: Any, client: TestClient, shard: int
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    every = sorted((result.ok() for result in schema.get_all_operations()), key=lambda o: o.label)
    assert len(every) > 70, "the document lists every operation"
    assert {operation.label for operation in every} >= DISRUPTIVE
    operations = every[shard::SHARDS]
    findings = Findings()
    shared = seeded_workspace(client)
    for operation in sorted(operations, key=lambda op: op.label in DISRUPTIVE):
        seeded = seeded_workspace(client) if operation.label in DISRUPTIVE else shared
        for mode in EXAMPLES:
            exercise(seeded, operation, mode, findings, known=False)
        if seeded.known(operation.path):
            exercise(seeded, operation, GenerationMode.POSITIVE, findings, known=True)
    assert findings.statuses[200] > len(operations), "requests reach the seeded rows"
    assert not findings.distinct, findings.report()
