"""Realistic interview transcripts of any length, made up here: several speakers with names in
several scripts, timestamps, hesitations, punctuation of several languages."""

import random

SPEAKERS = ["Interviewer", "Zoë O'Neill-Brandão", "Jürgen Weiß", "Aiko Tanaka", "Олена Коваль"]
OPENINGS = ["Honestly,", "So", "Well —", "Right.", "Mm, yes:", "I mean,", "Look,", "Ehm…"]
PHRASES = [
    "we close the month in a spreadsheet with macros",
    "the exports break every time the bank changes its format",
    "we pay a contractor about €900 a month to fix them",
    "I spend half a day every week matching invoices by hand",
    "our EU entity moved to another tool last spring",
    "nobody trusts the numbers until finance has re-typed them",
    "the renewal is in March and we are “looking around”",
    "I googled for a fix twice last week (no luck)",
    "it's fine, really; it's just slow",
    "the auditors asked for the raw files again",
]
ENDINGS = [".", "!", "?", "…", ". (laughs)", " — you know?", ";"]


def transcript(chars: int, seed: int = 7) -> str:
    """A transcript of at least `chars` characters, cut at the end of a turn."""
    rng = random.Random(seed)
    turns: list[str] = []
    size = 0
    seconds = 0
    while size < chars:
        speaker = SPEAKERS[0] if len(turns) % 2 == 0 else rng.choice(SPEAKERS[1:])
        sentences = [
            f"{rng.choice(OPENINGS)} {rng.choice(PHRASES)}{rng.choice(ENDINGS)}"
            for _ in range(rng.randint(1, 6))
        ]
        h, m, s = seconds // 3600, seconds // 60 % 60, seconds % 60
        turn = f"[{h:02d}:{m:02d}:{s:02d}] {speaker}: {' '.join(sentences)}"
        if rng.random() < 0.1:
            turn += "\n" + rng.choice(PHRASES).capitalize() + "."
        turns.append(turn)
        size += len(turn) + 2
        seconds += rng.randint(4, 90)
    return "\n\n".join(turns)
