"""The vocabulary of a sex scene that never names the act.

The explicit lexicon (lexicon.py) finds anatomy and named acts; many Explicit
works on AO3 write their scenes with neither ("he groans", "arches her back",
"his trousers are tenting", "pushing her underwear down").  Each of these
words alone is innocent: gasps happen in fights and hips in dances.  What
marks a scene is many of them in one ~200-word block, which is how the rating
model reads them (hits per 1,000 words, most in one block, log count), so the
list favours words that crowd together in sex scenes and leaves out the
generic ones ("bed", "harder", "need", "wet", "desperate") that made the
evidence unreadable and the model no better on ao3-dev cross-validation.

It is its own module, not a lexicon in lexicon.py, because it feeds only the
rating model (one more category of signals) and never a warning rule.
"""

from __future__ import annotations

from .lexicon import lowered, make_lexicon

_PRON = r"(?:him|her|me|you|them|us|each other)"

TERMS = [
    r"groan(?:s|ed|ing)?", r"moan(?:s|ed|ing)?", r"pant(?:s|ed|ing)", r"gasp(?:s|ed|ing)?", r"whimper(?:s|ed|ing)?",
    r"arch(?:es|ed|ing)", r"thrust(?:s|ed|ing)?", r"hips?", r"thighs?", r"tongue", r"breasts?", r"nipples?",
    r"strok(?:e|es|ed|ing)", r"writh(?:e|es|ed|ing)", r"shudder(?:s|ed|ing)?", r"clench(?:es|ed|ing)?",
    r"rhythm", r"slick", r"naked", r"underwear", r"boxers", r"panties", r"bra", r"unbutton\w*", r"undress\w*",
    rf"inside {_PRON}", rf"on top of {_PRON}", r"bit(?:e|es|ing|ten)? (?:his|her|my) (?:lip|neck|shoulder)",
    r"licks?", r"licked", r"licking", r"suck(?:s|ed|ing)?", r"grind(?:s|ing)?", r"rock(?:s|ed|ing) (?:into|against)",
]
# A lexicon like lexicon.py's, so it is scanned the same fast way: on the
# lower-cased text with a case-sensitive regex, which rules most word starts
# out on their first letter.
SCENE = make_lexicon("scene", TERMS)


def scan(text: str, low: str | None | type(...) = ...) -> list[tuple[int, int]]:
    """Every scene-word match as sorted (start, end) offsets; `low` is
    `lexicon.lowered(text)` if the caller has it."""
    return [m.span() for m in SCENE.finditer(text, lowered(text) if low is ... else low)]
