"""Relationships in AO3 syntax, and the category that follows from them.

A pairing is read from what two characters do *together*: the paragraphs in
which both are present (named, or resolved through a pronoun, or still in the
scene from the paragraphs just before) and what those paragraphs hold —
kisses, sex, declarations, dates.  `A/B` needs romantic or sexual cues shared by
the two; `A & B` is given only to a pair that carries the story together
without them.  The category is then a matter of the romantic pairs' genders.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .pipeline import Analysis, register

# (pattern, weight).  Strong cues are hard to read any other way; weak ones
# only count when they pile up.  Family words pull a pair towards platonic.
_CUES = [
    (r"kiss(?:ed|es|ing)?|made out|making out|make out|snog\w*", 3.0),
    (r"(?:made|make|making) love|sex|had sex|in bed (?:together|with)|naked|moan(?:ed|ing|s)?|orgasm\w*|arous\w*", 3.0),
    (r"i love you|in love|fell for|falling for|lover|boyfriend|girlfriend|fianc[eé]e?|husband|wife|married|wedding|engaged|proposed", 3.0),
    (r"(?:first|a|our|their|on a|the) date|dating|crush on|flirt\w*|romantic|darling|sweetheart", 2.0),
    (r"cuddl\w*|snuggl\w*|hold(?:ing)? hands|held (?:his|her|their) hand|caress\w*|nuzzl\w*|lips|blush\w*|embrac\w*|heart (?:pounding|raced|racing|skipped)", 1.0),
]
_CUE_RES = [(re.compile(rf"\b(?:{p})\b", re.I), w) for p, w in _CUES]
_FAMILY = re.compile(
    r"\b(?:brother|sister|sibling|mother|father|mom|mum|dad|son|daughter|aunt|uncle|cousin|grandm\w+|grandf\w+|niece|nephew)s?\b",
    re.I,
)

# Summed cue weight a pair needs to be called romantic.  Measured on the AO3
# dev works (docs/eval.md): fan fiction is mostly about its pairing, so a low
# bar finds far more of the authors' pairings, and the pair that shares the
# most scenes needs only a single cue between them.
ROMANCE_MIN = 2.0
ROMANCE_MIN_LEAD = 1.0
# The category counts only pairings this sure, plus the leading one: a stray
# kiss between side characters should not turn a F/M story into Multi.
ROMANCE_CATEGORY = 6.0
SCENE_WINDOW = 2  # paragraphs a character stays "in the scene" after being named


@dataclass
class _Pair:
    shared: int = 0
    romance: float = 0.0
    strong: int = 0
    evidence: list = field(default_factory=list)  # (weight, start, end, why)


def _paragraph_characters(doc: Analysis) -> list[tuple[int, int, set[str]]]:
    mentions = doc.scratch.get("mentions") or []
    paras = list(doc.story.paragraphs())
    present: list[set[str]] = [set() for _ in paras]
    named: list[set[str]] = [set() for _ in paras]
    i = 0
    for m in mentions:
        while i < len(paras) and paras[i].end <= m["start"]:
            i += 1
        if i == len(paras):
            break
        if m.get("character") is None:
            continue
        present[i].add(m["character"])
        if m.get("kind") == "name":
            named[i].add(m["character"])
    out = []
    for k, p in enumerate(paras):
        chars = set(present[k])
        if len(chars) < 2:
            # "He kissed him" in a scene the previous paragraphs set up.
            for back in range(1, SCENE_WINDOW + 1):
                if k - back >= 0:
                    chars |= named[k - back]
        out.append((p.start, p.end, chars))
    return out


def _score_pairs(doc: Analysis) -> dict[tuple[str, str], _Pair]:
    text = doc.story.text
    pairs: dict[tuple[str, str], _Pair] = defaultdict(_Pair)
    for start, end, chars in _paragraph_characters(doc):
        if len(chars) < 2:
            continue
        para = text[start:end]
        # Family talk ("his mother", "I love you, Dad") makes love words and
        # tenderness ambiguous, and a kiss may be a parent's: in such a
        # paragraph only kisses and sex count, and kisses at half weight.
        family = _FAMILY.search(para) is not None
        weight, strong, whys = 0.0, 0, []
        for group, (rx, w) in enumerate(_CUE_RES):
            if family and group >= 2:
                continue
            hits = rx.findall(para)
            if hits:
                weight += w * min(len(hits), 3) * (0.5 if family and group == 0 else 1.0)
                strong += len(hits) if w >= 3 else 0
                whys.append(hits[0].lower())
        # In a crowded paragraph the cue may belong to any two of them.
        share = 1.0 if len(chars) == 2 else 2.0 / len(chars)
        for a in chars:
            for b in chars:
                if a < b:
                    pair = pairs[(a, b)]
                    pair.shared += 1
                    pair.romance += weight * share
                    pair.strong += strong if len(chars) <= 3 else 0
                    if weight:
                        pair.evidence.append((weight, start, end, ", ".join(whys)))
    return pairs


def _tag_name(c: dict) -> str:
    return c.get("tag") or c["name"]


def _excerpt(text: str, start: int, end: int, limit: int = 200) -> str:
    s = text[start:end]
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def infer_relationships(doc: Analysis) -> list[dict]:
    chars = {c["id"]: c for c in doc.inferred.get("characters") or []}
    if len(chars) < 2:
        return []
    text = doc.story.text
    n_paras = max(1, sum(1 for _ in doc.story.paragraphs()))
    out = []
    scored = sorted(_score_pairs(doc).items(), key=lambda kv: (-kv[1].shared, kv[0]))
    lead = next((k for k, _ in scored if k[0] in chars and k[1] in chars), None)
    for (a, b), pair in scored:
        if a not in chars or b not in chars:
            continue
        names = sorted([_tag_name(chars[a]), _tag_name(chars[b])], key=str.casefold)
        bar = ROMANCE_MIN_LEAD if (a, b) == lead else ROMANCE_MIN
        romantic = pair.romance >= bar
        platonic = not romantic and pair.shared >= max(4, 0.15 * n_paras)
        if not (romantic or platonic):
            continue
        best = sorted(pair.evidence, reverse=True)[:3]
        out.append(
            {
                "tag": "/".join(names) if romantic else " & ".join(names),
                "type": "romantic" if romantic else "platonic",
                "characters": names,
                "ids": sorted([a, b]),
                # romance first; platonic pairs rank by how much of the story they share
                "score": round(pair.romance if romantic else pair.shared / n_paras, 3),
                "shared_paragraphs": pair.shared,
                "evidence": [
                    {"start": s, "end": e, "excerpt": _excerpt(text, s, e), "why": f"together, with: {why}"}
                    for _, s, e, why in best
                ],
            }
        )
    out.sort(key=lambda r: (r["type"] != "romantic", -r["score"], r["tag"]))
    return out


def infer_category(relationships: list[dict], characters: list[dict]) -> list[dict]:
    gender = {c["id"]: c.get("gender") for c in characters}
    cats: dict[str, list] = {}
    romantic = [r for r in relationships if r["type"] == "romantic"]
    for n, rel in enumerate(romantic):
        if n and rel["score"] < ROMANCE_CATEGORY:
            continue
        g = sorted(gender.get(i) or "unknown" for i in rel["ids"])
        if g == ["male", "male"]:
            tag = "M/M"
        elif g == ["female", "female"]:
            tag = "F/F"
        elif g == ["female", "male"]:
            tag = "F/M"
        else:
            tag = "Other"
        cats.setdefault(tag, []).append(rel["tag"])
    if not cats:
        return [{"tag": "Gen", "evidence": [{"why": "no romantic or sexual relationship found"}]}]
    return [
        {"tag": tag, "evidence": [{"why": f"{rel}: {tag}"} for rel in rels]}
        for tag, rels in sorted(cats.items(), key=lambda kv: -len(kv[1]))
    ]


@register("relationships")
class Relationships:
    name = "relationships"
    requires = ("characters",)
    assigns = ("relationships", "category")

    def __call__(self, doc: Analysis) -> Analysis:
        rels = infer_relationships(doc)
        doc.inferred["relationships"] = rels
        doc.inferred["category"] = infer_category(rels, doc.inferred.get("characters") or [])
        return doc
