"""Likely duplicates among names: what counts as the same name, and what never does."""

from hypothesis import given
from hypothesis import strategies as st

from app.kit.duplicates import likely_duplicates, normalise

NAMES = st.text(alphabet=st.characters(categories=("L", "Nd", "Zs")), min_size=1, max_size=30)


def pairs(names: list[str]) -> set[tuple[str, str]]:
    found = likely_duplicates(enumerate(names, start=1))
    return {(names[s.keep_id - 1], names[s.other_id - 1]) for s in found}


def test_case_accents_spacing_and_punctuation_do_not_make_a_new_name() -> None:
    assert normalise("  José   ÁLVAREZ-Núñez ") == "jose alvarez nunez"
    assert pairs(["José Álvarez", "jose  alvarez"]) == {("José Álvarez", "jose  alvarez")}
    assert pairs(["Interviewee 04", "interviewee\t04"]) == {("Interviewee 04", "interviewee\t04")}


def test_a_small_edit_is_suggested_but_not_unrelated_names() -> None:
    names = ["Jon Smithson", "John Smithson", "Mary Jones", "Priya Raman", "Bob Stone"]
    assert pairs(names) == {("Jon Smithson", "John Smithson")}


def test_names_whose_numbers_differ_are_never_paired() -> None:
    assert pairs(["Interviewee 04", "Interviewee 05", "Customer 12", "Customer 21"]) == set()


def test_the_older_row_is_kept_and_the_list_is_capped() -> None:
    names = [f"Same Name{' ' * (n % 3)}" for n in range(80)]
    found = likely_duplicates(enumerate(names, start=1), limit=50)
    assert len(found) == 50
    assert {s.keep_id for s in found} == {1}


def test_thousands_of_distinct_names_give_no_suggestion() -> None:
    names = [f"Participant {n}" for n in range(3000)]
    assert likely_duplicates(enumerate(names, start=1)) == []


@given(NAMES)
def test_normalising_is_idempotent(name: str) -> None:
    assert normalise(normalise(name)) == normalise(name)


@given(NAMES.filter(lambda n: normalise(n) != ""))
def test_a_name_and_its_shouted_respaced_copy_are_always_paired(name: str) -> None:
    copy = "  " + " ".join(name.upper().split()) + " "
    if normalise(copy) != normalise(name):  # a few letters change length when cased
        return
    found = likely_duplicates([(1, name), (2, copy)])
    assert [(s.keep_id, s.other_id) for s in found] == [(1, 2)]
