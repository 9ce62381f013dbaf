"""Normalising AO3 tags and character names so gold and prediction compare.

AO3 tags carry decoration that says nothing about who or what is meant: a
fandom in parentheses ("Calcifer (Howl Series)"), an alias after a bar
("Number Five | The Boy"), a medium or author after a dash ("Hunger Games
Trilogy - Suzanne Collins").  Every rule here strips that decoration and
nothing more, so a match means the same person or fandom, and the rules are
written out in docs/eval.md where each figure is explained.
"""

from __future__ import annotations

import re
import unicodedata

# Titles that prefix a name: "Mr. Darcy" and "Darcy" are one person, and a
# bare title ("Miss") names nobody.
HONORIFICS = frozenset(
    "mr mrs ms miss mx dr doctor sir lady lord madam madame mme mlle monsieur "
    "captain capt colonel col general major lieutenant lt sergeant sgt "
    "professor prof father mother aunt uncle king queen prince princess "
    "agent detective officer inspector".split()
)

# AO3 spells the opt-out warning two ways over its history; they are one tag.
_OPT_OUT = {"choose not to use archive warnings", "creator chose not to use archive warnings"}
OPT_OUT_WARNING = "Creator Chose Not To Use Archive Warnings"
NO_WARNINGS = "No Archive Warnings Apply"

_PARENS = re.compile(r"\s*\([^()]*\)\s*$")
_NON_WORD = re.compile(r"[^\w]+")

# Character tags that are not a name a story can mention.
_NON_NAMES = re.compile(r"^(original (female |male |non-binary )?characters?|reader|you|ensemble|everyone|other characters?)\b")


_READER = {"reader", "you"}


def norm(text: str) -> str:
    """Lowercase, accents off, punctuation to spaces: "Hermann Gottlieb",
    "hermann  gottlieb." and "Hérmann Gottlieb" are one key."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    # An apostrophe joins a word ("D'Arcy"), it does not split it.
    text = text.replace("'", "").replace("\u2019", "")
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def strip_parens(tag: str) -> str:
    """Drop trailing parenthesised qualifiers: "(Umbrella Academy)", "(TV)"."""
    prev = None
    while prev != tag:
        prev, tag = tag, _PARENS.sub("", tag)
    return tag.strip()


_NICKNAME = re.compile(r"[\"\u201c\u201d]([^\"\u201c\u201d]+)[\"\u201c\u201d]|'([^']+)'(?=\s)")


def _sides(tag: str) -> list[str]:
    """Every name a tag stands for: each side of `A | B`, and for a quoted
    nickname (`James "Bucky" Barnes`) the nickname alone and the name
    without it, which are the names a story uses."""
    out = []
    for side in strip_parens(tag).split("|"):
        side = strip_parens(side)
        out.append(side)
        for m in _NICKNAME.finditer(side):
            out.append(m.group(1) or m.group(2))
            out.append(side[: m.start()] + " " + side[m.end():])
    return out


def name_forms(tag: str) -> set[str]:
    """Normalised forms of one character tag or name: every side of an
    `A | B` alias and a quoted nickname's forms, with the fandom suffix and
    any leading title removed."""
    forms = set()
    for side in _sides(tag):
        words = norm(side).split()
        while words and words[0] in HONORIFICS:
            words = words[1:]
        if words:
            forms.add(" ".join(words))
    # AO3 makes "You" a synonym of "Reader": "Steve Rogers/You" and
    # "Steve Rogers/Reader" are one tag there, so they are one here.
    if forms & _READER:
        forms |= _READER
    return forms


def is_person_tag(tag: str) -> bool:
    """False for tags like "Original Female Character(s)" or "Reader", which
    name no one a story mentions by that name."""
    return not _NON_NAMES.match(norm(tag))


def forms_match(a: str, b: str) -> bool:
    """Two normalised name forms name the same person when equal, or when one
    is a single word equal to the other's first word (first name: "katniss"
    ~ "katniss everdeen") or last word (surname: "darcy" ~ "fitzwilliam
    darcy").  Two different multi-word names never match."""
    if a == b:
        return True
    aw, bw = a.split(), b.split()
    if len(aw) == 1 and len(bw) > 1:
        return aw[0] in (bw[0], bw[-1])
    if len(bw) == 1 and len(aw) > 1:
        return bw[0] in (aw[0], aw[-1])
    return False


def names_match(a: set[str], b: set[str]) -> bool:
    return any(forms_match(x, y) for x in a for y in b)


# Fandom shorthand for a ship, "Howl x Reader": authors who write their own
# relationship tag use it where AO3's canonical tags have "/".  A lower-case
# "x" first, so "Professor X x Reader" splits once, between the two.
_SHIP_X = [re.compile(r"\s+x\s+"), re.compile(r"\s+[X\u00d7]\s+")]


def split_pairing(tag: str) -> tuple[str, list[set[str]]]:
    """A relationship tag as (separator, member name forms).  "/" (romantic)
    and "&" (platonic) are kept apart: "A/B" and "A & B" are different tags;
    "A x B" is the fandom's way of writing "A/B"."""
    tag = strip_parens(tag)
    sep = "/" if "/" in tag else "&" if "&" in tag else ""
    members = [m for m in (tag.split(sep) if sep else [tag]) if m.strip()]
    if not sep:
        for x in _SHIP_X:
            parts = [m for m in x.split(tag) if m.strip()]
            if len(parts) >= 2:
                sep, members = "/", parts
                break
    return sep, [name_forms(m) for m in members]


def pairings_match(a: str, b: str) -> bool:
    """Same separator, same number of people, and each person of `a` pairs
    off with a distinct person of `b` (order inside the pairing is free)."""
    sep_a, ma = split_pairing(a)
    sep_b, mb = split_pairing(b)
    if sep_a != sep_b or len(ma) != len(mb) or not ma:
        return False
    return _bijection(ma, mb)


def _bijection(ma: list[set[str]], mb: list[set[str]]) -> bool:
    # Pairings have two or three members, so trying every assignment is cheap.
    if not ma:
        return True
    head, rest = ma[0], ma[1:]
    for i, cand in enumerate(mb):
        if names_match(head, cand) and _bijection(rest, mb[:i] + mb[i + 1 :]):
            return True
    return False


def warning_key(tag: str) -> str:
    """The canonical spelling of an archive warning."""
    return OPT_OUT_WARNING if norm(tag) in _OPT_OUT else tag.strip()


# Words that only say which edition or medium: "Hunger Games Trilogy",
# "Hunger Games Series - All Media Types" and "The Hunger Games (Movies)"
# all name one fandom.
_FANDOM_NOISE = {"the", "series", "trilogy", "saga", "universe", "franchise", "books", "book"}


def fandom_keys(tag: str) -> set[str]:
    """Normalised keys of a fandom tag.  Rule: split `A | B` aliases; drop a
    parenthesised medium or year and a " - Author" or " - All Media Types"
    suffix; then drop edition words (the, series, trilogy, saga, universe).
    "Hunger Games Trilogy - Suzanne Collins" -> {"hunger games"}."""
    keys = set()
    for side in tag.split("|"):
        side = strip_parens(side)
        side = re.split(r"\s+-\s+", side)[0]
        words = [w for w in norm(strip_parens(side)).split() if w not in _FANDOM_NOISE]
        if words:
            keys.add(" ".join(words))
    return keys


def fandoms_match(a: str, b: str) -> bool:
    return bool(fandom_keys(a) & fandom_keys(b))
