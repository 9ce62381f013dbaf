"""Weighing knowledge-base matches into fandoms, and finding KB names the
tagger missed.

A match is only as good as the name is rare: "Haymitch" or "Wayne Manor"
names a fandom, "John" or "London" does not.  Every distinct KB entry seen
(a character, a place, an organisation) adds its best alias's weight, grown
a little with repetition, and a fandom counts only with enough distinct
evidence.  The same scoring decides, inside the characters stage, which
fandoms' aliases may be linked at all.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from ..analysis.names import FIRST_NAME_GENDER, HONORIFICS
from . import Character, KnowledgeBase, Thing, norm

# Real-world places every fandom may mention: weak evidence for any of them.
COMMON_PLACES = set(
    "london paris new york new york city kansas boston chicago los angeles england america "
    "united states usa france germany europe earth california texas washington china japan "
    "india africa scotland ireland wales italy spain russia canada australia hollywood "
    "heaven hell moon sun brooklyn manhattan queens bronx harlem chicago dallas portland miami seattle "
    "hong kong tokyo berlin munich rome cairo karachi oakland".split()
    + ["new york", "los angeles", "united states", "new york city"]
)

STRONG = 3.0  # a multi-word name or a name no ordinary person bears
DISTINCT = 2.0
SURNAME = 1.0
WEAK = 0.5

# Fandom thresholds, set on the AO3 dev works: one rare name seen four times
# ("Katniss") or two distinctive names are enough; a few common first names
# are not.
MIN_SCORE = 4.0
MIN_SINGLE_COUNT = 4
MIN_SHARE = 0.03


def alias_weight(alias: str, entry: Character | Thing) -> float:
    words = alias.replace("-", " ").split()
    if words and words[0].rstrip(".").casefold() in HONORIFICS:
        words = words[1:]
    key = norm(" ".join(words))
    if isinstance(entry, Thing):
        # "the circus", "the Fortress": a description more than a name.
        if key in COMMON_PLACES or key in COMMON_WORDS or alias[:1].islower() or key.startswith("the "):
            return 0.3
        return STRONG if len(words) > 1 else 1.5
    if isinstance(entry, Character) and (alias in entry.words or key in COMMON_WORDS):
        return WEAK
    if len(words) > 1:
        return STRONG
    if key in FIRST_NAME_GENDER or len(key) <= 2:
        return WEAK
    return DISTINCT


@dataclass
class Hit:
    """One KB entry seen in a story."""

    fandom: str
    kind: str  # "character" | "place" | "organization"
    name: str  # the entry's canonical name
    alias: str  # its best-weighted alias seen
    weight: float
    count: int
    start: int  # first sighting (offsets into the story text)
    end: int

    @property
    def score(self) -> float:
        return self.weight * min(1.0 + math.log2(max(self.count, 1)) / 3.0, 2.0)


def collect(kb: KnowledgeBase, sightings) -> list[Hit]:
    """Hits from (alias text, start, end, entry) sightings; one Hit per
    (fandom, entry), keeping the strongest alias and the first offset."""
    hits: dict[tuple[str, str, str], Hit] = {}
    for alias, start, end, entry in sightings:
        kind = "character" if isinstance(entry, Character) else ("organization" if entry.label == "ORG" else "place")
        key = (entry.fandom, kind, entry.name)
        w = alias_weight(alias, entry)
        h = hits.get(key)
        if h is None:
            hits[key] = Hit(entry.fandom, kind, entry.name, alias, w, 1, start, end)
        else:
            h.count += 1
            if w > h.weight:
                h.weight, h.alias = w, alias
            if start < h.start:
                h.start, h.end = start, end
    return list(hits.values())


def fandom_scores(hits: list[Hit]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for h in hits:
        scores[h.fandom] = scores.get(h.fandom, 0.0) + h.score
    return scores


def _by_fandom(hits: list[Hit]) -> dict[str, list[Hit]]:
    by: dict[str, list[Hit]] = {}
    for h in hits:
        by.setdefault(h.fandom, []).append(h)
    return by


def supported(hits: list[Hit], mentions: int | None = None) -> dict[str, float]:
    """Fandoms with enough distinct evidence, with their scores: two
    distinctive names, or one repeated, or one with two more of its cast or
    places; common first names alone never suffice.  Given the story's count
    of name `mentions`, the fandom's distinctive names must also be a fair
    share of them: a novel that mentions Kent (the county) fourteen times
    among thousands of names is not a Superman story."""
    out = {}
    for fandom, hs in _by_fandom(hits).items():
        score = sum(h.score for h in hs)
        solid = [h for h in hs if h.weight >= DISTINCT]
        if (
            len(solid) >= 2
            or any(h.count >= MIN_SINGLE_COUNT for h in solid)
            or (solid and len(hs) >= 3)
            or (score >= MIN_SCORE and len(hs) >= 3)
        ) and (not mentions or sum(h.count for h in solid) >= MIN_SHARE * mentions):
            out[fandom] = score
    return out


# A fandom named in a story (the fandoms stage) needs less than a fandom
# whose aliases may be linked (above): a score of this much from two KB
# entries, or one multi-word name, or one distinctive name seen
# MIN_SINGLE_COUNT times.  Set on the AO3 dev works, where one first name
# alone ("Ross", "Danny") was as often another fandom as this one.
MIN_EVIDENT = 2.0
MIN_SHARE_ANY = 0.15
LONG_STORY = 300  # name mentions


def evident(hits: list[Hit], mentions: int | None = None) -> dict[str, float]:
    """Fandoms the story gives evidence of, with their scores: the rule for
    naming a fandom, looser than `supported` (which gates linking)."""
    out = {}
    for fandom, hs in _by_fandom(hits).items():
        score = sum(h.score for h in hs)
        if score < MIN_EVIDENT:
            continue
        strong = any(h.weight >= STRONG and " " in h.alias.strip() for h in hs)
        single = any(h.weight >= DISTINCT and h.count >= MIN_SINGLE_COUNT for h in hs)
        if not (strong or single or len(hs) >= 2):
            continue
        # A long text names many people: one name of the cast, however
        # often ("Fanny", "Robin"), is a namesake, not the fandom.
        if mentions and mentions >= LONG_STORY and sum(h.weight >= DISTINCT for h in hs) < 2:
            continue
        # A fair share of the story's names: distinctive ones at least
        # MIN_SHARE of them, or all of the fandom's names MIN_SHARE_ANY (a
        # novel that says "Harry" and "Martha" a hundred times among
        # thousands of names is no fan fiction).
        if mentions and (sum(h.count for h in hs if h.weight >= DISTINCT) < MIN_SHARE * mentions
                         and sum(h.count for h in hs) < MIN_SHARE_ANY * mentions):
            continue
        out[fandom] = score
    return out


_PREP = re.compile(
    r"(?:\b(?:on|in|at|the|a|an|this|next|last|every|of|by|until|to|for|from|into|that|since|till)\s+|\d\s*)$",
    re.IGNORECASE,
)
_SENTENCE_START = re.compile(r"(?:^|[.!?…]['\"”’)]*\s+|[\"“]\s*|\n\s*)$")


def _usable(alias: str) -> bool:
    # Short aliases ("Po", "AC") are too easily something else in plain text.
    return len(alias) >= 3 or (len(alias) >= 2 and not alias.isupper())


def _entries_by_alias(kb: KnowledgeBase, keys) -> dict[str, list]:
    """Alias (exact case) -> the entries of those fandoms that bear it."""
    table: dict[str, list] = {}
    for key in keys:
        f = kb.fandoms[key]
        for entry in f.characters + f.places + f.organizations:
            for a in entry.names:
                if _usable(a):
                    table.setdefault(a, []).append(entry)
    return table


def _patterns(kb: KnowledgeBase, fandoms: set[str]):
    """One alternation of every alias of the fandoms' entries, longest first,
    and a map back from alias text to the entries that bear it."""
    # The same fandoms recur across a batch of works, and compiling their
    # alternation costs more than scanning a work with it (200 AO3 works:
    # 0.56 CPU-s); re's own cache is too small to keep them.  Keyed by the
    # set's order, which orders the entries of an alias.
    return _patterns_in_order(kb, tuple(fandoms))


@lru_cache(maxsize=64)
def _patterns_in_order(kb: KnowledgeBase, fandoms: tuple[str, ...]):
    table = _entries_by_alias(kb, fandoms)
    if not table:
        return None, table
    alternation = "|".join(re.escape(a) for a in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’-])(?:{alternation})(?![\w-])"), table


# A run of capitalised words, possibly led by "the" ("the Capitol") and
# joined by small words ("Wayne Manor", "Man of Steel", "T'Challa").
_RUN = re.compile(
    r"(?<![\w'’-])(?:[Tt]he\s+)?[A-Z][\w'’.-]*(?:\s+(?:(?:of|the|de|van|von|du|da|la|le)\s+)*[A-Z][\w'’.-]*)*"
)
MAX_ALIAS_WORDS = 6


@lru_cache(maxsize=8)
def _alias_table(kb: KnowledgeBase) -> dict[str, list]:
    """Every alias of every fandom (exact case) -> the entries bearing it."""
    return _entries_by_alias(kb, kb.fandoms)


def scan_all(kb: KnowledgeBase, text: str):
    """KB names of every fandom in `text` (exact case), found by looking up
    the sub-runs of each run of capitalised words, longest first:
    [(start, end, alias, [entries])].  The rules for aliases that are also
    English words are those of `scan`."""
    table = _alias_table(kb)
    out = []
    for m in _RUN.finditer(text):
        run = m.group().rstrip(".'’-")
        base = m.start()
        spans = [(t.start(), t.end()) for t in re.finditer(r"\S+", run)]
        i = 0
        while i < len(spans):
            for j in range(min(len(spans), i + MAX_ALIAS_WORDS), i, -1):
                alias = run[spans[i][0] : spans[j - 1][1]]
                entries = table.get(alias)
                if entries is None and alias.endswith(("'s", "’s")):
                    alias = alias[:-2]
                    entries = table.get(alias)
                if entries is not None:
                    s = base + spans[i][0]
                    if _plausible(text, s, alias, entries):
                        out.append((s, s + len(alias), alias, entries))
                    i = j - 1
                    break
            i += 1
    return out


def _plausible(text: str, s: int, alias: str, entries) -> bool:
    if any(isinstance(x, Character) and alias in x.words for x in entries) or (
        " " not in alias and alias[0].isupper() and alias.casefold() in _ENGLISH
    ):
        before = text[max(0, s - 30) : s]
        if _SENTENCE_START.search(before) or _PREP.search(before):
            return False
    return True


def scan(kb: KnowledgeBase, text: str, fandoms: set[str], taken: list[tuple[int, int]]):
    """KB names of `fandoms` in `text` (exact case) that overlap no span in
    `taken` (sorted): [(start, end, alias, [entries])].  An alias that is also
    an English word ("Door", "Five") only counts mid-sentence and not after a
    preposition ("on Wednesday")."""
    if not fandoms:
        return []
    rx, table = _patterns(kb, fandoms)
    if rx is None:
        return []
    import bisect

    starts = [s for s, _ in taken]
    out = []
    for m in rx.finditer(text):
        s, e = m.span()
        i = bisect.bisect_right(starts, e) - 1
        if i >= 0 and taken[i][1] > s:
            continue
        if i >= 1 and taken[i - 1][1] > s:
            continue
        alias = m.group()
        entries = table[alias]
        if any(isinstance(x, Character) and alias in x.words for x in entries) or (
            " " not in alias and alias[0].isupper() and alias.casefold() in _ENGLISH
        ):
            before = text[max(0, s - 30) : s]
            if _SENTENCE_START.search(before) or _PREP.search(before):
                continue
        out.append((s, e, alias, entries))
    return out


# Capitalised words that are also ordinary English and open sentences often,
# or name a day, a month, a county: never a fandom's evidence on their own.
_ENGLISH = set("will grace hope faith joy mercy rose may june august hunter fire door five media "
               "wednesday easter thing shadow bann planet manor talon cave".split())
COMMON_WORDS = _ENGLISH | set(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december spring summer autumn winter christmas easter "
    "papa mama mother father mom dad mum sister brother nana granny grandma grandpa aunt uncle baby "
    "happy hope faith grace joy mercy charity patience prudence honor honour constance "
    "kent sussex essex york lancaster chester bath dover devon cornwall derby warwick "
    "god lord king queen prince princess captain doctor master miss sir lady".split()
)
