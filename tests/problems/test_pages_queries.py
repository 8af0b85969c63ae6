"""The problem page reads what is stored: a fixed, small number of SQL statements, however
much evidence, how many tests and decisions, and however long the problem's history."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from tests.factories import Api
from tests.pages import Web, soup

# 15 for the page, and the fixed handful that loads the problem's evidence once for its trend over
# the research (one query per table, whatever the amount of evidence).
MOST_STATEMENTS = 26


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def busy_problem(api: Api) -> dict[str, Any]:
    """A problem with what a well-researched one has: segments, people, interviews, highlights,
    assumptions with tests, kill criteria changed, and decisions."""
    segments = [api.segment(name=f"Segment {i}", size=100 * (i + 1)) for i in range(3)]
    problem = api.problem(title="Month-end close takes a week")
    for i in range(12):
        person = api.participant(name=f"Person {i}", segment_id=segments[i % 3]["id"])
        api.interview(
            participant_id=person["id"],
            problem_ids=[problem["id"]],
            highlights=[
                {"problem_id": problem["id"], "quote": f"Quote {i}.{n}", "signal": signal}
                for n, signal in enumerate(["paid", "workaround", "stated"])
            ],
        )
    for i in range(3):
        assumption = api.assumption(problem["id"], critical=i == 0, statement=f"Belief {i}")
        api.test_card(assumption["id"])
    current = api.ok(api.get(f"problems/{problem['id']}"))
    api.ok(
        api.patch(
            f"problems/{problem['id']}",
            json={"version": current["version"], "kill_criteria": {"pain": 70}},
        )
    )
    for kind in ("park", "pursue"):
        api.ok(
            api.post(
                "decisions",
                json={"problem_id": problem["id"], "kind": kind, "rationale": f"Chose {kind}"},
            ),
            201,
        )
    return problem


def test_problem_page_runs_a_bounded_number_of_statements(
    api: Api, web: Web, engine: Engine
) -> None:
    problem = busy_problem(api)
    web.get(f"problems/{problem['id']}")  # anything computed once is now stored
    with counted(engine) as statements:
        response = web.get(f"problems/{problem['id']}")
    assert response.status_code == 200
    page = soup(response)
    assert page.find("svg", class_="trend-chart") is not None
    assert "Quote 11.2" in page.get_text()
    assert len(statements) <= MOST_STATEMENTS, "\n\n".join(statements)
