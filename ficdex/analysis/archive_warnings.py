"""Archive warnings and additional tags: hand-set rules over the lexicon hits.

The rules are tilted toward recall for the warnings a reader most needs
(Rape/Non-Con, Underage): a missed one costs more than an extra one.  Each
warning carries the passages that raised it, so a moderator can overrule it.
The figures behind every threshold are in docs/content.md.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from .. import knowledge
from .content import Signals, best_passages
from .lexicon import make_lexicon

# ---- canonical minors ---------------------------------------------------------

# Where a story's canonically under-18 characters are, for the Underage warning.
#
# Fic rarely restates an age the whole fandom knows: a Hunger Games story does
# not say Katniss is sixteen, a Teen Wolf one does not say Stiles is in high
# school.  So besides ages stated in the text (the lexicon's "age" cues), the
# content stage asks the fandom knowledge base which of the characters the
# earlier stages found are canonical minors (`age`/`minor` in the fandom files)
# and where the story mentions them, pronouns included: a sexual passage in
# which one of them is present is what an author warns Underage for.
#
# Many stories age their characters up (after the war, at college, married).
# Two or more such cues in a story turn the knowledge-base half off, and only
# that half: an age the story itself states still counts.  On the AO3 dev works
# (Underage rule as shipped) it keeps all 9 warned works found and cuts the
# unwarned works flagged from 32 to 22; one cue would lose one of the 9.

# The story says its people are grown: each a general cue, none decisive alone.
# (a lexicon, for its lower-case regex: the same matches, found faster)
_AGED_UP = make_lexicon("aged_up", [
    r"years (?:later|after|since|ago)", "after the war", "since the war", "college", "university", "grad school",
    r"(?:his|her|their|my|your) (?:twenties|thirties|forties)",
    r"(?:twenty|thirty|forty|fifty)(?:[- ]\w+)?[- ]years?[- ]old", "married", "husband", "wife", "wedding",
    r"(?:our|their|his|her) (?:son|daughter|children|kids|baby)", r"pregnan\w*", r"grown(?:-| )up", r"adults?"])
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
    return sum(1 for _ in _AGED_UP.finditer(text)) >= AGED_UP_CUES


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


# ---- the rules -----------------------------------------------------------------

SEXUAL = ("sex_explicit", "sex_mild")


def _in_sexual_scene(sig: Signals, p: int, with_kiss: bool = True) -> bool:
    cats = SEXUAL + (("kiss",) if with_kiss else ())
    return any(sig.near(c, p, 1) for c in cats)


def sexual_passage(sig: Signals, p: int, reach: int = 1) -> bool:
    """Sexual content around paragraph `p`: one explicit term, two milder ones
    ("moaned" or "pleasure" alone is everywhere in fic), or sexual violence."""
    return (sig.count_near("sex_explicit", p, reach) >= 1 or sig.count_near("sex_mild", p, reach) >= 2
            or sig.count_near("noncon", p, reach) >= 1)


def _young(sig: Signals) -> list[int]:
    """Paragraphs with an age cue under 18 in a sexual passage: ages alone are
    everywhere in fic ("a little girl", "in high school").  A single mild word
    within two paragraphs was enough before and flagged 15 unwarned works on
    ao3-dev for 1 warned one; a sexual passage within one flags 4 for the same 1."""
    return [p for p in sig.para_of["age"] if sexual_passage(sig, p)]


# Kisses in paragraphs where a canonical minor is present that, in a story with
# any sexual word at all, make its romance physical enough to warn (ao3-dev:
# Underage recall 0.57 -> 0.64, 2 more unwarned works flagged).  Kisses alone
# (recall 0.79) also warned the seed's chaste teen first kiss: left out.
MINOR_KISSES = 3
# Or, instead of a sexual word, this many words of a sex scene's vocabulary
# (sex_scene.py: "gasped", "hips", "underwear"...), for the stories that never
# name what happens (ao3-dev: one more warned work found, no more unwarned
# ones flagged at 3 or 5; 2 flagged two more unwarned works).
MINOR_KISS_SCENE = 3
VIOLENT_BLOCK = 4


def _underage(sig: Signals, minors: list[Minor]) -> dict | None:
    young = _young(sig)
    # A canonical minor present in a sexual passage, or kissing again and
    # again, unless the story ages its people up (an age the text itself
    # states still counts, above).
    hot: dict[int, Minor] = {}
    kissing: dict[int, Minor] = {}
    if minors and not aged_up(sig.text):
        for m in minors:
            for p in sorted(m.paragraphs):
                if sexual_passage(sig, p):
                    hot.setdefault(p, m)
                if sig.count_near("kiss", p, 0):
                    kissing.setdefault(p, m)
        if (sum(sig.count_near("kiss", p, 0) for p in kissing) < MINOR_KISSES
                or not (sig.count("sex_explicit") + sig.count("sex_mild") or sig.count("scene") >= MINOR_KISS_SCENE)):
            kissing = {}
    if not young and not hot and not kissing:
        return None
    ev = best_passages(sig, ["age"], where=lambda c, p: p in young) if young else []
    starts = [a for a, _ in sig.paragraphs]
    if hot:
        near = {q: m for p, m in sorted(hot.items(), reverse=True) for q in range(p - 1, p + 2)}
        for e in best_passages(sig, {"sex_explicit": 2.0, "sex_mild": 1.0, "noncon": 2.0}, limit=2,
                               where=lambda c, p: p in near):
            who = near[bisect_right(starts, e["start"]) - 1]
            e["why"] = f"{who.describe()} in a sexual passage; {e['why']}"
            ev.append(e)
    elif kissing:
        for e in best_passages(sig, ["kiss"], limit=2, where=lambda c, p: p in kissing):
            who = kissing[bisect_right(starts, e["start"]) - 1]
            e["why"] = f"{who.describe()} kissing, again and again; {e['why']}"
            ev.append(e)
    conf = 0.2 + 0.1 * len(young) + 0.1 * len(hot) + (0.1 if kissing else 0.0)
    return {"tag": "Underage", "confidence": round(min(0.8, conf), 2), "evidence": ev}


def warnings(sig: Signals, minors: list[Minor] | None = None) -> list[dict]:
    out = []
    coerced = [p for p in sig.para_of["coercion"] if _in_sexual_scene(sig, p)]
    noncon = sig.count("noncon") + len(coerced)
    # Several coercion cues in a story with sexual content, even paragraphs
    # apart from it (ao3-dev: one more of 13 warned works found, 4 more flags).
    spread = sig.count("coercion") >= 2 and (sig.count("sex_explicit") >= 1 or sig.count("sex_mild") >= 2)
    # One cue is enough: a missed warning costs a reader more than an extra one.
    if sig.count("noncon") >= 1 or coerced or spread:
        ev = best_passages(sig, ["noncon", "coercion"],
                           where=lambda c, p: c == "noncon" or spread or _in_sexual_scene(sig, p))
        out.append({"tag": "Rape/Non-Con", "confidence": round(min(0.9, 0.3 + 0.1 * noncon), 2), "evidence": ev})
    underage = _underage(sig, minors or [])
    if underage:
        out.append(underage)
    # Death words are everywhere in fic; what marks a death story is their
    # density (>= 2 per 1,000 words: recall 0.72 on ao3-dev, precision ~0.25).
    deaths = sig.count("death")
    if deaths and 1000.0 * deaths / sig.words >= 2.0:
        out.append({"tag": "Major Character Death", "confidence": round(min(0.7, 0.1 + 0.05 * deaths), 2),
                    "evidence": best_passages(sig, ["death"])})
    gore, violence = sig.count("gore"), sig.count("violence")
    # Or one dense violent passage, however long the story (ao3-dev: recall
    # 0.39 -> 0.48 at the same precision, 0.15; 5 or 6 hits found fewer).
    scene = sig.block_max("violence") + sig.block_max("gore") >= VIOLENT_BLOCK
    if gore >= 2 or (violence >= 3 and 1000.0 * violence / sig.words >= 6.0) or scene:
        out.append({"tag": "Graphic Depictions Of Violence", "confidence": round(min(0.8, 0.2 + 0.1 * gore), 2),
                    "evidence": best_passages(sig, ["gore", "violence"])})
    if not out:
        out.append({"tag": "No Archive Warnings Apply", "confidence": 0.6, "evidence": []})
    return out


def additional_tags(sig: Signals, rating: int, warned: set[str]) -> list[dict]:
    """Only tags that measured precise against authors' freeforms on ao3-dev.
    Dubious Consent (0.11; the Rape/Non-Con warning already carries those
    passages), First Kiss (0.09), Drug Use (0.25), Alcohol (0.30), Swearing
    (0.03) and Implied/Referenced Underage (0.05) were tried and dropped."""
    tags = []
    if sig.block_max("sex_explicit") >= 3:
        tags.append({"tag": "Explicit Sexual Content", "evidence": best_passages(sig, ["sex_explicit"])})
    return tags
