"""A long, made-up interview transcript: several speakers with non-ASCII names, ordinary
talk and a great many one-off words (product codes, invented names), as real notes of many
interviews pasted together have."""

import random
from typing import Any

from app.research.models import Interview
from tests.factories import Api, writing

SPEAKERS = ["Zoë Ångström", "Łukasz Wróbel", "Ngozi Okafor", "Mateo Núñez", "Søren Kjær"]
TALK = [
    "so we export everything on Friday and then somebody rebuilds the totals by hand",
    "honestly the approvals are the slow part, not the maths",
    "our controller keeps a second ledger because she does not trust the first one",
    "we tried a plug-in last spring — it broke the moment the bank changed its format",
    "every quarter the auditors ask for the same three reports again",
    "I would not call it painful, more like a chore nobody owns",
    "the café chain we bought uses another system entirely, déjà vu every month",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ser",
    "tan",
    "vel",
    "dor",
    "pri",
    "zu",
    "qua",
    "nel",
    "fi",
    "rho",
    "ban",
    "té",
    "ñu",
    "ös",
    "gri",
    "mav",
    "pol",
    "cek",
    "sun",
    "wy",
    "hå",
    "ji",
    "bo",
]


def invented_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(4, 6)))


def transcript(length: int, *, seed: int = 7, ending: str = "") -> str:
    """About `length` characters of turns ("Name: words"), then `ending` as the last line."""
    rng = random.Random(seed)
    lines: list[str] = []
    size = len(ending)
    while size < length:
        words = rng.choice(TALK).split()
        for _ in range(rng.randint(40, 60)):
            words.insert(rng.randrange(len(words) + 1), invented_word(rng))
        line = f"{rng.choice(SPEAKERS)}: {' '.join(words).capitalize()}."
        lines.append(line)
        size += len(line) + 1
    text = "\n".join(lines)[: max(0, length - len(ending) - 1)]
    return f"{text}\n{ending}" if ending else text


def interview_with_notes(api: Api, notes: str, **overrides: Any) -> dict[str, Any]:
    """An interview whose notes are written straight to its row, whatever their length: what
    search sees of notes does not depend on the form's limit."""
    interview = api.interview(**overrides)
    with writing(api.client) as session:
        row = session.get(Interview, interview["id"])
        assert row is not None
        row.notes = notes
        session.add(row)
        session.commit()
    return interview | {"notes": notes}
