from tests.factories import Api


def test_log_interview_with_highlights_updates_scorecard(api: Api) -> None:
    segment = api.segment(name="Mid-market", size=400)
    problem = api.problem()
    people = [api.participant(segment_id=segment["id"]) for _ in range(3)]
    for person in people:
        interview = api.interview(
            participant_id=person["id"],
            problem_ids=[problem["id"]],
            highlights=[
                {"problem_id": problem["id"], "quote": "We pay for a workaround", "signal": "paid"},
                {
                    "problem_id": problem["id"],
                    "quote": "It hurts",
                    "signal": "stated",
                    "severity": 4,
                },
            ],
        )
        assert len(interview["evidence"]) == 2
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    # 3 participants at x = 1.0 each, plus the prior of 2 at 0.3: 100 * (3 + 0.6) / 5
    assert card["pain"]["value"] == 72.0
    assert card["counts"]["participants"] == 3
