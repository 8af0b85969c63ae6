"""The chart's grid cells: every score from 0 to 100 falls in exactly the cell whose table
filters (at least its low bound, below its high one; the last tenth up to 100) list it."""

from hypothesis import given
from hypothesis import strategies as st

from app.scorecards.service import CELL, cell_of


@given(st.floats(min_value=0, max_value=100))
def test_a_score_falls_in_the_cell_whose_filters_list_it(score: float) -> None:
    cell = cell_of(score)
    low, high = cell * CELL, (cell + 1) * CELL
    assert 0 <= cell < 100 // CELL
    assert low <= score
    assert score < high or (high == 100 and score == 100)
