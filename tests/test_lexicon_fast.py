"""The lexicons' fast regexes (`lexicon.by_first_letter`, matched over
lower-cased text) must find exactly what their plain case-insensitive
`\\b(?:…)\\b` form finds: the content, warning and sex-scene stages read
only the fast one."""

from __future__ import annotations

import importlib
import random
import re

import pytest

from ficdex.analysis.lexicon import Lexicon, by_first_letter, lowered

MODULES = ("ficdex.analysis.lexicon", "ficdex.analysis.content", "ficdex.analysis.archive_warnings",
           "ficdex.analysis.sex_scene")


def all_lexicons() -> list[Lexicon]:
    found = {}
    for name in MODULES:
        for value in vars(importlib.import_module(name)).values():
            for lex in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(lex, Lexicon):
                    found[id(lex)] = lex
    return list(found.values())


def word_soup(pattern: str, seed: int, n: int = 4000) -> str:
    """Made-up text from the letters runs of a pattern's own terms, glued and
    split at random, so most terms occur whole, inside longer words, and
    beside each other."""
    rng = random.Random(seed)
    words = re.findall(r"[A-Za-z]+", pattern.replace(r"\b", " ").replace(r"\w", " ")) or ["word"]
    words += ["the", "his", "her", "was", "a", "x"]
    out = []
    for _ in range(n):
        w = rng.choice(words)
        if rng.random() < 0.2:
            w = w.capitalize() if rng.random() < 0.5 else w.upper()
        out.append(w + rng.choice([" ", " ", " ", "", "-", ", ", ". ", "'s ", "\n"]))
    return "".join(out)


def test_every_lexicon_has_a_fast_form():
    lexicons = all_lexicons()
    assert len(lexicons) >= 20
    assert sum(lex.fast is not None for lex in lexicons) >= len(lexicons) // 2


@pytest.mark.parametrize("seed", [1, 2])
def test_fast_regex_finds_what_the_plain_regex_finds(seed):
    compared = 0
    for lex in all_lexicons():
        if lex.fast is None:
            continue
        text = word_soup(lex.regex.pattern, seed)
        plain = [m.span() for m in lex.regex.finditer(text)]
        fast = [m.span() for m in lex.fast.finditer(lowered(text))]
        assert fast == plain, lex.name
        compared += bool(plain)
    assert compared >= 15  # the soup does hit most lexicons' terms


def test_by_first_letter_keeps_matches_and_order():
    terms = [r"(?:his|her) hat", r"hats?", r"dead", r"died", r"h\w+ed"]
    text = "His hat; her hats. The hatter died, dead-on. he hated hashed-hats"
    grouped = re.compile(by_first_letter(terms) + r"\b")
    plain = re.compile(r"\b(?:" + "|".join(terms) + r")\b")
    assert [m.group() for m in grouped.finditer(text.lower())] == [m.group() for m in plain.finditer(text.lower())]
    assert [m.group() for m in grouped.finditer(text.lower())][:3] == ["his hat", "hats", "died"]


def test_by_first_letter_refuses_what_it_cannot_regroup():
    assert by_first_letter([r"(his|her) hat"]) is None  # a capturing group would be renumbered
    assert by_first_letter([r"\w+ing"]) is None  # no first letter to jump to
    assert by_first_letter([r"(?:a|b)+c"]) is None  # a repeated leading group


@pytest.mark.parametrize("text", [
    "Plain ASCII, nothing to fix.\nTwo lines.",
    "Fish &amp; chips",  # an entity
    "line one\r\nline two",  # Windows line ends
    "bell\x07 and \x1b[31mred\x1b[0m",  # a control character, a terminal escape
    "cafÃ© and “quotes”",  # mojibake and curly quotes: not ASCII
])
def test_repair_skips_ftfy_only_where_ftfy_changes_nothing(text):
    import ftfy

    from ficdex.ingest.text import _FTFY, repair

    assert repair(text) == ftfy.fix_text(text, _FTFY)
