"""Where a story's canonically under-18 characters are, for the Underage warning.

Fic rarely restates an age the whole fandom knows: a Hunger Games story does
not say Katniss is sixteen, a Teen Wolf one does not say Stiles is in high
school.  So besides ages stated in the text (the lexicon's "age" cues), the
content stage asks the fandom knowledge base which of the characters the
earlier stages found are canonical minors (`age`/`minor` in the fandom files)
and where the story mentions them, pronouns included: a sexual passage in
which one of them is present is what an author warns Underage for.

Many stories age their characters up (after the war, at college, married).
Two or more such cues in a story turn the knowledge-base half off, and only
that half: an age the story itself states still counts.  On the AO3 dev works
(Underage rule as shipped) it keeps all 11 warned works found and cuts the
unwarned works flagged from 40 to 25; one cue is enough would lose 2 of the 11
(docs/content.md).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from .. import knowledge

# The story says its people are grown: each a general cue, none decisive alone.
_AGED_UP = re.compile(
    r"\b(?:years (?:later|after|since|ago)|after the war|since the war|college|university|grad school|"
    r"(?:his|her|their|my|your) (?:twenties|thirties|forties)|"
    r"(?:twenty|thirty|forty|fifty)(?:[- ]\w+)?[- ]years?[- ]old|married|husband|wife|wedding|"
    r"(?:our|their|his|her) (?:son|daughter|children|kids|baby)|pregnan\w*|grown(?:-| )up|adults?)\b",
    re.I,
)
AGED_UP_CUES = 2


@dataclass
class Minor:
    """One canonical minor the story mentions, and the paragraphs it is in."""

    name: str
    age: int | None
    paragraphs: set[int]

    def describe(self) -> str:
        return f"{self.name} (canonically {self.age})" if self.age is not None else f"{self.name} (a canonical minor)"


def aged_up(text: str) -> bool:
    return len(_AGED_UP.findall(text)) >= AGED_UP_CUES


def _fandom_keys(kb: knowledge.KnowledgeBase, fandoms) -> set[str]:
    keys: set[str] = set()
    for f in fandoms or []:
        tag = f.get("tag") if isinstance(f, dict) else f
        if tag:
            keys |= kb.families(tag)
    return keys


def canonical_minors(inferred: dict, scratch: dict, paragraphs: list[tuple[int, int]],
                     kb: knowledge.KnowledgeBase | None = None) -> list[Minor]:
    """The linked characters that the knowledge base knows as under 18 in one
    of the story's own fandoms (Smallville's Clark, not the comics' Clark),
    with the paragraphs where the characters stage placed their mentions.
    Empty when the characters or fandoms stages did not run."""
    chars, mentions = inferred.get("characters"), scratch.get("mentions")
    if not chars or not mentions or not inferred.get("fandoms"):
        return []
    kb = kb or knowledge.load()
    keys = _fandom_keys(kb, inferred["fandoms"])
    entries = {c.tag: c for k in keys for c in kb.fandoms[k].characters if c.minor}
    found = {ch["id"]: entries[ch["tag"]] for ch in chars if ch.get("tag") in entries}
    if not found:
        return []
    starts = [s for s, _ in paragraphs]
    where: dict[str, set[int]] = {cid: set() for cid in found}
    for m in mentions:
        if m.get("character") in where:
            where[m["character"]].add(max(0, bisect_right(starts, m["start"]) - 1))
    return [Minor(found[cid].tag, found[cid].age, ps) for cid, ps in where.items() if ps]
