"""Light pronoun resolution: he/she/they/I to the characters already named.

Not a coreference model: a pronoun goes to the subject-most character of
matching gender in its own sentence before it, else in the nearest earlier
sentence (within a few) that mentions one.  Resolved pronouns count as
mentions too, so "Lex ... He ... his" chains carry on.  It is fast (regular
expressions and one pass) and right often enough to give mention counts,
gender votes and the quotes stage a speaker candidate.  First-person
pronouns outside quotation marks go to the narrator; inside quotation marks
"I" is the speaker, which is the quotes stage's business.
"""

from __future__ import annotations

import bisect
import re

PRONOUN = re.compile(
    r"\b(?:(he|him|his|himself)|(she|her|hers|herself)|(they|them|their|theirs|themselves|themself)|(I|me|my|mine|myself))\b",
    re.IGNORECASE,
)
_GENDER_GROUP = {1: "male", 2: "female", 3: "nonbinary", 4: "first"}
THIRD_PERSON = re.compile(r"\b(?:he|him|his|himself|she|her|hers|herself)\b", re.IGNORECASE)
FIRST_PERSON = re.compile(r"\b(?:I|me|my|mine|myself)\b")
SENTENCE_END = re.compile(r"[.!?…]+['\"”’)]*\s+|\n\s*\n")
QUOTE = re.compile(r"“[^”]*”|\"[^\"\n]*\"|«[^»]*»")

# A pronoun further back than this many sentences from any candidate is
# left unresolved rather than guessed.
LOOKBACK = 4


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Speech spans, marks included.  The quotes stage's detector, not a
    one-line pattern: novels wrap lines inside a quote, and a quote taken
    for narration makes the names said in it look like the narration's
    (the first-person narrator is found by that difference)."""
    from .quotes import detect_quotes

    return [(q.start - 1, q.end + 1) for q in detect_quotes(text) if q.type == "speech"]


def sentence_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in SENTENCE_END.finditer(text)]


class Spans:
    """Fast membership test for sorted, disjoint spans."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def __contains__(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]


def first_person_narrated(text: str, quotes: Spans) -> bool:
    """More first-person pronouns than third outside dialogue, and enough of
    them that a stray "I thought" in a letter does not count."""
    first = sum(1 for m in FIRST_PERSON.finditer(text) if m.start() not in quotes)
    if first < 5:
        return False
    third = sum(1 for m in THIRD_PERSON.finditer(text) if m.start() not in quotes)
    return first >= 0.5 * third


def resolve(text: str, names: list[tuple[int, int, str]], gender: dict[str, str | None],
            narrator: str | None, quotes: Spans) -> list[tuple[int, int, str]]:
    """Pronoun mentions [(start, end, character id)] given the name mentions
    [(start, end, character id)] sorted by start."""
    sents = sentence_starts(text)
    # history: (sentence index, character) in text order; the subject of a
    # sentence is its first entry.
    history: list[tuple[int, str]] = []
    out: list[tuple[int, int, str]] = []
    ni = 0
    for m in PRONOUN.finditer(text):
        pos = m.start()
        while ni < len(names) and names[ni][0] < pos:
            history.append((bisect.bisect_right(sents, names[ni][0]) - 1, names[ni][2]))
            ni += 1
        group = m.lastindex
        kind = _GENDER_GROUP[group]
        if kind == "first":
            if m.group() == "i" or narrator is None or pos in quotes:
                continue
            out.append((pos, m.end(), narrator))
            continue
        sent = bisect.bisect_right(sents, pos) - 1
        who = _pick(history, sent, kind, gender)
        if who is not None:
            out.append((pos, m.end(), who))
            history.append((sent, who))
    return out


def _pick(history, sent: int, kind: str, gender: dict[str, str | None]) -> str | None:
    """The subject-most compatible character of the nearest sentence."""
    best_sent = None
    for j in range(len(history) - 1, -1, -1):
        s, who = history[j]
        if sent - s > LOOKBACK:
            break
        if best_sent is not None and s != best_sent:
            break
        g = gender.get(who)
        if g == kind or (kind != "nonbinary" and g is None and _no_known(history, j, sent, kind, gender)):
            best_sent = s
            candidate = who  # keeps moving to the earliest in that sentence
    return candidate if best_sent is not None else None


def _no_known(history, j: int, sent: int, kind: str, gender) -> bool:
    """An unknown-gender character may take a pronoun only when no
    known-gender one of that pronoun's gender is as close."""
    for s, who in reversed(history[j:]):
        if gender.get(who) == kind:
            return False
    return True
