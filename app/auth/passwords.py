"""How hard a new password is to guess, estimated by zxcvbn (patterns, words, names, dates).

Length alone lets `password` and `12345678` through; an estimator that knows common passwords
and the person's own email and name refuses them, and says why in words.
"""

from collections.abc import Iterable

from zxcvbn import zxcvbn

# zxcvbn's score: 3 is "safely unguessable" (about 10^10 guesses or more), the usual floor.
MIN_SCORE = 3
# zxcvbn slows down sharply on long input (half a second at 200 characters); a password whose
# first 72 characters are hard to guess is hard to guess.
ESTIMATED_LENGTH = 72


def password_weakness(password: str, *, user_inputs: Iterable[str] = ()) -> str:
    """Why a password is too easy to guess, in plain words, or "" when it is strong enough."""
    inputs = [part for value in user_inputs for part in _words_of(value)]
    estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=inputs)
    if estimate["score"] >= MIN_SCORE:
        return ""
    feedback = estimate["feedback"]
    advice = [line for line in (feedback["warning"], *feedback["suggestions"]) if line]
    return " ".join(
        ["Too easy to guess.", *(advice or ["Add another word or two. Uncommon words are better."])]
    )


def _words_of(value: str) -> list[str]:
    """An email or a name, whole and in parts, so 'ada@example.com' also catches 'ada'."""
    parts = [value, *value.replace("@", " ").replace(".", " ").split()]
    return [part.lower() for part in parts if part]
