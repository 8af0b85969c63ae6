"""Finding a highlight's quote in its interview's notes, as the notes change."""

from hypothesis import assume, given
from hypothesis import strategies as st

from app.research.anchoring import Outcome, locate, nearest_exact, reanchor

# Transcript-like text: letters of several scripts, punctuation, newlines and emoji (one
# character in Python, two in a browser's UTF-16: offsets here are Python's).
TEXT = st.text(alphabet="abcdé ñ.,:\u2019\n😀ЖΩ", max_size=400)
QUOTE = st.text(alphabet="abcdé ñ.,:\u2019😀ЖΩ", min_size=1, max_size=80)


@given(before=TEXT, quote=QUOTE, after=TEXT)
def test_a_quote_cut_from_the_notes_is_found_at_its_place(
    before: str, quote: str, after: str
) -> None:
    notes = before + quote + after
    outcome, span = reanchor(notes, quote, len(before))
    assert outcome == Outcome.kept
    assert span is not None and (span.start, span.end) == (len(before), len(before) + len(quote))


@given(before=TEXT, quote=QUOTE, after=TEXT, inserted=st.text(min_size=1, max_size=200))
def test_inserting_text_before_a_quote_shifts_it(
    before: str, quote: str, after: str, inserted: str
) -> None:
    # The quote occurs once, so there is a single right answer.
    assume(inserted.count(quote) == 0)
    edited = inserted + before + quote + after
    # At one place only, counting overlaps ("::" sits twice in ":::"): str.count does not.
    assume(edited.find(quote) == edited.rfind(quote))
    outcome, span = reanchor(edited, quote, len(before))
    assert outcome == Outcome.moved
    assert span is not None and edited[span.start : span.end] == quote
    assert span.start == len(before) + len(inserted)


# The quote's letters never occur in the rest, so once cut out nothing resembles it.
@given(
    before=st.text(alphabet="abc .\n", max_size=300),
    quote=st.text(alphabet="XYZ😀", min_size=1, max_size=60),
    after=st.text(alphabet="abc .\n", max_size=300),
)
def test_deleting_a_quote_detaches_it(before: str, quote: str, after: str) -> None:
    assert reanchor(before + after, quote, len(before)) == (Outcome.detached, None)


def test_the_occurrence_nearest_the_old_place_wins() -> None:
    notes = "Ana: yes.\n\nBo: yes.\n\nCy: yes."
    assert nearest_exact(notes, "yes.", 16) == notes.index("yes.", 12)
    assert nearest_exact(notes, "yes.", 0) == notes.index("yes.")
    assert nearest_exact(notes, "yes.", len(notes)) == notes.rindex("yes.")
    assert nearest_exact(notes, "yes.") == notes.index("yes.")


def test_an_edited_quote_is_found_approximately() -> None:
    quote = "We close the month in a spreadsheet with macros."
    notes = "Intro.\n\nAna: We close the month in a spreadsheat with makros, sadly.\n\nEnd."
    outcome, span = reanchor(notes, quote, 8)
    assert outcome == Outcome.changed
    assert span is not None
    assert notes[span.start : span.end].startswith("We close the month in a spreadsheat")


def test_an_edited_quote_far_from_its_old_place_is_still_found() -> None:
    quote = "We pay a contractor every month to fix the exports."
    notes = "filler line.\n" * 2_000 + "We pay a contractor each month to fix the exports."
    outcome, span = reanchor(notes, quote, 3)
    assert outcome == Outcome.changed
    assert span is not None and span.start > 20_000


def test_a_short_quote_is_found_exactly_or_not_at_all() -> None:
    assert locate("We said no.", "yes") is None
    assert locate("We said yes.", "yes") is not None
    assert locate("", "yes") is None
