"""The transcript as HTML: every paragraph holds exactly the notes' characters from its
data-offset (what the page's script counts on), whatever the highlights and search hits."""

from html.parser import HTMLParser

from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from app.research.transcript import Mark, paragraphs, render, search_hits

NOTES = st.text(alphabet="ab <&>\"'\n😀Zoë:[]0123456789", max_size=300)


@st.composite
def notes_and_marks(draw: st.DrawFn) -> tuple[str, list[Mark]]:
    notes = draw(NOTES)
    marks = []
    for i in range(draw(st.integers(0, 6))):
        a = draw(st.integers(0, len(notes)))
        b = draw(st.integers(0, len(notes)))
        marks.append(Mark(i + 1, min(a, b), max(a, b), f"<Problem {i}> · paid"))
    return notes, marks


class ParagraphText(HTMLParser):
    """Each paragraph's data-offset and its text exactly as a browser's DOM holds it
    (BeautifulSoup folds a paragraph of only spaces into one)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p":
            self.found.append((int(dict(attrs)["data-offset"] or 0), ""))
            self.inside = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            offset, text = self.found[-1]
            self.found[-1] = (offset, text + data)


@given(notes_and_marks())
def test_paragraphs_hold_the_notes_exactly(case: tuple[str, list[Mark]]) -> None:
    notes, marks = case
    html = str(render(notes, marks, search_hits(notes, "ab Zoë")))
    reader = ParagraphText()
    reader.feed(html)
    rendered = reader.found
    page = BeautifulSoup(html, "html.parser")
    assert rendered == [(a, notes[a:b]) for a, b in paragraphs(notes)]
    # Each highlight that covers some text is marked, once, where it starts.
    for mark in marks:
        ids = page.find_all(id=f"h-{mark.id}")
        covers_text = any(a < mark.end and mark.start < b for a, b in paragraphs(notes))
        assert len(ids) == (1 if covers_text and mark.start < mark.end else 0)


def test_speaker_turns_and_timestamps_are_styled() -> None:
    notes = "[1:02:03.500] Zoë O'Neill-Brandão: Right.\n\n[00:03:10] (laughs)\n\nNo colon here"
    page = BeautifulSoup(str(render(notes, [])), "html.parser")
    first, second, third = page.find_all("p")
    assert first.select_one(".ts").get_text() == "[1:02:03.500] "
    assert first.select_one(".who").get_text() == "Zoë O'Neill-Brandão:"
    assert second.select_one(".ts") is not None and second.select_one(".who") is None
    assert third["class"] == ["prose"]
