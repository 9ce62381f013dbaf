"""The content stage: rating, archive warnings and a few content tags.

Everything here starts from lexicon hits (lexicon.py), so every tag can point
at the passages that produced it.  This module finds the hits and turns them
into density-aware signals (hits per 1,000 words, the most hits in any
~200-word block, and the log count: one explicit scene in a 50k-word story
must still count) and evidence passages; the rating is a small learned model
over those signals (rating.py); warnings and tags are hand-set rules in
archive_warnings.py, with the canonical minors (fandom knowledge base) that
Underage also needs.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import count_words
from . import lexicon, sex_scene
from .pipeline import Analysis, register

if TYPE_CHECKING:  # rating.py imports this module, so the stage imports it when built
    from .rating import RatingModel


RATINGS = ("General Audiences", "Teen And Up Audiences", "Mature", "Explicit")
RATING_CATEGORIES = ("sex_explicit", "sex_mild", "kiss", "swear_strong", "swear_mild", "violence", "gore",
                     "death", "drugs", "alcohol", "themes", "noncon", "scene")
WHY = {
    "sex_explicit": "explicit sexual content", "sex_mild": "sexual content", "kiss": "kissing",
    "swear_strong": "strong language", "swear_mild": "mild language", "violence": "violence",
    "gore": "graphic violence or gore", "death": "death", "drugs": "drug use", "alcohol": "alcohol",
    "themes": "mature themes", "noncon": "sexual violence", "coercion": "coercion in a sexual scene",
    "age": "a character under 18 in a sexual context", "scene": "the vocabulary of a sex scene",
}
BLOCK_WORDS = 200  # paragraphs are merged into blocks of at least this many words
EXCERPT = 200


@dataclass
class Signals:
    """Lexicon hits of one text, located in paragraphs and blocks."""

    text: str
    words: int
    paragraphs: list[tuple[int, int]]
    hits: dict[str, list[tuple[int, int]]]
    para_of: dict[str, list[int]]  # category -> paragraph index of each hit
    block_of_para: list[int]

    def count(self, cat: str) -> int:
        return len(self.hits[cat])

    def per_para(self, cat: str) -> list[int]:
        out = [0] * len(self.paragraphs)
        for p in self.para_of[cat]:
            out[p] += 1
        return out

    def block_max(self, cat: str) -> int:
        blocks = [0] * (self.block_of_para[-1] + 1 if self.block_of_para else 1)
        for p in self.para_of[cat]:
            blocks[self.block_of_para[p]] += 1
        return max(blocks)

    def count_near(self, cat: str, para: int, reach: int = 1) -> int:
        """Hits of `cat` in paragraphs `para - reach` .. `para + reach`."""
        paras = self.para_of[cat]
        return bisect_right(paras, para + reach) - bisect_right(paras, para - reach - 1)

    def near(self, cat: str, para: int, reach: int = 1) -> bool:
        """A hit of `cat` in paragraph `para` or within `reach` paragraphs of it."""
        paras = self.para_of[cat]
        i = bisect_right(paras, para - reach - 1)
        return i < len(paras) and paras[i] <= para + reach


def signals(text: str, paragraphs: list[tuple[int, int]] | None = None) -> Signals:
    if not paragraphs:
        paragraphs = [(0, len(text))]
    starts = [s for s, _ in paragraphs]
    low = lexicon.lowered(text)
    hits = lexicon.scan(text, low)
    hits["scene"] = sex_scene.scan(text, low)
    para_of = {c: [max(0, bisect_right(starts, s) - 1) for s, _ in spans] for c, spans in hits.items()}
    # The story's words are its paragraphs' words plus whatever lies between
    # them (titles, separators): counting each stretch once, rather than the
    # paragraphs and then the whole text again, halves the cost of counting.
    block_of_para, block, acc, words, prev = [], 0, 0, 0, 0
    for s, e in paragraphs:
        block_of_para.append(block)
        n = count_words(text[s:e])
        words += n + (count_words(text[prev:s]) if s > prev else 0)
        prev = max(prev, e)
        acc += n
        if acc >= BLOCK_WORDS:
            block, acc = block + 1, 0
    if prev < len(text):
        words += count_words(text[prev:])
    return Signals(text, max(1, words), paragraphs, hits, para_of, block_of_para)


def features(sig: Signals) -> dict[str, float]:
    """The model's inputs: three views per category, all log-scaled so one
    wordy story cannot dominate the fit."""
    out = {}
    for c in RATING_CATEGORIES:
        n = sig.count(c)
        out[f"{c}.per_1k"] = math.log1p(1000.0 * n / sig.words)
        out[f"{c}.block_max"] = math.log1p(sig.block_max(c))
        out[f"{c}.count"] = math.log1p(n)
    out["log_words"] = math.log(sig.words)
    return out


def story_paragraphs(story) -> list[tuple[int, int]]:
    return [(p.start, p.end) for p in story.paragraphs()] or [(0, len(story.text))]


# ---- evidence ---------------------------------------------------------------

def excerpt(text: str, start: int, end: int, bounds: tuple[int, int] | None = None) -> dict:
    """A window of at most EXCERPT characters around a hit, on word edges,
    kept inside `bounds` (its paragraph) so the evidence is one passage."""
    b0, b1 = bounds or (0, len(text))
    mid = (start + end) // 2
    lo, hi = max(b0, mid - EXCERPT // 2), min(b1, mid + EXCERPT // 2)
    if lo > b0:
        sp = text.find(" ", lo, start)
        lo = sp + 1 if sp != -1 else lo
    if hi < b1:
        sp = text.rfind(" ", end, hi)
        hi = sp if sp != -1 else hi
    return {"start": lo, "end": hi, "excerpt": text[lo:hi]}


def best_passages(sig: Signals, cats, limit: int = 3, where=None) -> list[dict]:
    """The paragraphs with most hits of `cats` (a list, or a dict of weights
    per category), optionally filtered by `where(cat, paragraph)`; one excerpt
    each, around that paragraph's hits."""
    weight = cats if isinstance(cats, dict) else dict.fromkeys(cats, 1.0)
    per: dict[int, list[tuple[int, int, str]]] = {}
    for c in weight:
        for (s, e), p in zip(sig.hits[c], sig.para_of[c]):
            if where is None or where(c, p):
                per.setdefault(p, []).append((s, e, c))
    ranked = sorted(per.items(), key=lambda kv: (-sum(weight[h[2]] for h in kv[1]), kv[0]))[:limit]
    out = []
    for p, spans in sorted(ranked):
        spans.sort()
        # centre on the densest stretch: the hit with most others within 100 chars
        s, e, _c = max(spans, key=lambda h: sum(abs(h[0] - o[0]) < 100 for o in spans))
        ev = excerpt(sig.text, s, e, sig.paragraphs[p])
        inside = [sig.text[a:b] for a, b, _ in spans if a >= ev["start"] and b <= ev["end"]]
        kinds = sorted({WHY.get(c, c) for *_, c in spans})
        ev["why"] = f"{'; '.join(kinds)}: " + ", ".join(dict.fromkeys(t.lower() for t in inside))
        out.append(ev)
    return out


# ---- the stage ----------------------------------------------------------------

class ContentStage:
    name = "content"
    assigns = ("rating", "warnings", "additional_tags")

    def __init__(self, model: RatingModel | None = None):
        # Imported here (as the rules below): rating.py builds on this module's signals and evidence.
        from .rating import RatingModel

        self.model = model or RatingModel.load()
        # A model with a fandom prior rates from the fandoms stage's output,
        # so a pipeline without that stage must fail at construction rather
        # than rate every story as if its fandom were unknown.
        self.requires: tuple[str, ...] = ("fandoms",) if self.model.fandom_prior is not None else ()

    def __call__(self, doc: Analysis) -> Analysis:
        from .archive_warnings import additional_tags, canonical_minors, warnings
        from .rating import rate

        story = doc.story
        sig = signals(story.text, story_paragraphs(story))
        doc.inferred["rating"] = rate(sig, self.model, doc.inferred.get("fandoms"))
        # The characters and fandoms stages are optional: without them only
        # ages stated in the text can raise Underage.
        minors = canonical_minors(doc.inferred, doc.scratch, sig.paragraphs)
        doc.inferred["warnings"] = warns = warnings(sig, minors)
        level = RATINGS.index(doc.inferred["rating"]["tag"])
        doc.inferred["additional_tags"] = additional_tags(sig, level, {w["tag"] for w in warns})
        return doc


@register("content")
def content_stage() -> ContentStage:
    return ContentStage()
