"""Counts read as people write them: one participant, two participants."""

from app.web import plural


def test_plural() -> None:
    assert plural(1, "participant") == "1 participant"
    assert plural(2, "evidence item") == "2 evidence items"
    assert plural(1200, "participant") == "1,200 participants"
