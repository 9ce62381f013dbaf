"""The `fandoms` stage: AO3 fandom tags from what the story names.

Two kinds of evidence: the knowledge-base entries the characters stage
linked (characters, places, organisations, each weighted by how rare its
name is, see `knowledge.match`), and disclaimers in the front matter
("Smallville and Batman belong to DC Comics").  Fandoms sharing a cast
(Smallville and Superman both have Clark and Lex) compete: a second fandom
is reported only with evidence of its own that the first does not explain,
so a crossover lists several while one show is not reported twice.  With
too little evidence the answer is an empty list, never a guess.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from .. import knowledge
from ..knowledge import match
from .pipeline import Analysis, register

# A front-matter passage counts as a disclaimer only with an ownership cue.
_OWNERSHIP = re.compile(
    r"\b(?:own|owns|owned|belong|belongs|property|copyright|rights|disclaim\w*|not mine|"
    r"trademark|fanfic|fan fiction|fanfiction|borrow\w*)\b|©",
    re.IGNORECASE,
)
# A second fandom needs this much evidence the first does not explain.
MIN_UNIQUE = 3.0
DISCLAIMER_SCORE = 8.0
EVIDENCE_PER_FANDOM = 5
EXCERPT = 60


def disclaimer_fandoms(kb: knowledge.KnowledgeBase, front_matter) -> dict[str, dict]:
    """Fandom key -> evidence for fandoms whose title a disclaimer names."""
    found: dict[str, dict] = {}
    for i, matter in enumerate(front_matter):
        if matter.kind not in ("disclaimer", "notes", "header", "summary"):
            continue
        text = matter.text
        if matter.kind != "disclaimer" and not _OWNERSHIP.search(text):
            continue
        for key, f in kb.fandoms.items():
            for title in f.titles:
                m = re.search(rf"(?<![\w-]){re.escape(title)}(?![\w-])", text)
                if m and key not in found:
                    found[key] = {
                        "where": "front_matter",
                        "matter": i,
                        "start": m.start(),
                        "end": m.end(),
                        "excerpt": _excerpt(text, m.start(), m.end()),
                        "why": f"the {matter.kind} names {title}",
                    }
    return found


def infer_fandoms(kb: knowledge.KnowledgeBase, text: str, hits: list[match.Hit], front_matter,
                  mentions: int | None = None) -> list[dict]:
    disclaimed = disclaimer_fandoms(kb, front_matter)
    scores = match.evident(hits, mentions)
    for key in disclaimed:
        scores[key] = scores.get(key, 0.0) + DISCLAIMER_SCORE
    by_fandom: dict[str, list[match.Hit]] = {}
    for h in hits:
        by_fandom.setdefault(h.fandom, []).append(h)

    out, explained = [], set()
    for key in sorted(scores, key=lambda k: (-scores[k], k)):
        own = [h for h in by_fandom.get(key, []) if knowledge.norm(h.name) not in explained]
        unique = sum(h.score for h in own)
        if out and key not in disclaimed and unique < MIN_UNIQUE:
            continue
        explained |= {knowledge.norm(h.name) for h in by_fandom.get(key, [])}
        evidence = [disclaimed[key]] if key in disclaimed else []
        for h in sorted(own or by_fandom.get(key, []), key=lambda h: -h.score)[:EVIDENCE_PER_FANDOM]:
            evidence.append(
                {
                    "start": h.start,
                    "end": h.end,
                    "excerpt": _excerpt(text, h.start, h.end),
                    "why": f"{h.kind} {h.name}" + (f" as {h.alias!r}" if h.alias != h.name else "") + f", {h.count}x",
                }
            )
        # Saturates with evidence; a fandom only partly its own (shared cast)
        # is less certain than one with its own signature names.
        share = unique / max(sum(h.score for h in by_fandom.get(key, [])), 1e-9) if by_fandom.get(key) else 1.0
        conf = 1.0 - math.exp(-scores[key] / 6.0)
        conf *= 0.6 + 0.4 * min(share * 1.5, 1.0)
        if key in disclaimed:
            conf = max(conf, 0.9)
        out.append({"tag": kb.fandoms[key].tag, "confidence": round(min(conf, 0.99), 3), "evidence": evidence})
    return out


# Sentence openings: a story whose sentences mostly open in lower case is
# written all in lower case (an AO3 style), and names are lower case too.
_OPENING = re.compile(r"(?:^|[.!?]['\"”’]?\s+)([A-Za-z])")
LOWER_SHARE = 0.7
MIN_SENTENCES = 5


def lower_case_story(text: str) -> bool:
    first = [m.group(1) for m in _OPENING.finditer(text[:20000])]
    return len(first) >= MIN_SENTENCES and sum(c.islower() for c in first) >= LOWER_SHARE * len(first)


@lru_cache(maxsize=4)
def lower_aliases(kb: knowledge.KnowledgeBase):
    """Lower-cased character aliases of three letters or more that are not
    English words, one alternation, and the entries bearing each."""
    table: dict[str, list] = {}
    for f in kb.fandoms.values():
        for c in f.characters:
            for a in c.names:
                key = a.casefold()
                if len(key) >= 3 and key not in match.COMMON_WORDS and a not in c.words:
                    table.setdefault(key, []).append(c)
    if not table:
        return None, table
    alternation = "|".join(re.escape(a) for a in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’-])(?:{alternation})(?![\w-])"), table


def lower_case_hits(kb: knowledge.KnowledgeBase, text: str) -> list[match.Hit]:
    """KB characters named in a story written in lower case, which the
    tagger (reading capitals) finds no names in."""
    rx, table = lower_aliases(kb)
    low = text.lower()
    if rx is None or len(low) != len(text):
        return []
    sightings = [(text[m.start():m.end()].title(), m.start(), m.end(), e)
                 for m in rx.finditer(low) for e in table[m.group()]]
    return match.collect(kb, sightings)


def _excerpt(text: str, start: int, end: int) -> str:
    s = max(0, start - EXCERPT)
    e = min(len(text), end + EXCERPT)
    return ("…" if s else "") + " ".join(text[s:e].split()) + ("…" if e < len(text) else "")


class FandomStage:
    name = "fandoms"
    requires = ("characters",)
    assigns = ("fandoms",)

    def __init__(self, kb: knowledge.KnowledgeBase | None = None):
        self.kb = kb or knowledge.load()

    def __call__(self, doc: Analysis) -> Analysis:
        hits = doc.scratch.get("kb_sightings")
        if hits is None:
            hits = doc.scratch.get("kb_hits") or []
        text = doc.story.text
        found = infer_fandoms(self.kb, text, hits, doc.story.front_matter, doc.scratch.get("name_mentions"))
        if not found and lower_case_story(text):
            found = infer_fandoms(self.kb, text, lower_case_hits(self.kb, text), doc.story.front_matter)
        doc.inferred["fandoms"] = found
        return doc


@register("fandoms")
def make_fandom_stage() -> FandomStage:
    return FandomStage()
