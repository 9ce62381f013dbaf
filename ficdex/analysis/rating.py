"""The content stage's rating: a small learned model over the lexicon signals.

Cumulative ("at least Teen / Mature / Explicit") logistic models over the
signals content.py computes, plus the fandom prior (how a story's fandoms
lean on AO3), then the rules that keep the rating checkable: a dense
explicit passage sets a floor, and Explicit needs a sexual passage to show.
Evidence is the passages whose hits raised the score of the level given.
Weights and thresholds come from train/content.py (docs/content.md).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter

from ..models import read_model_json
from .content import RATING_CATEGORIES, RATINGS, Signals, best_passages, excerpt, features


# The fandom prior: AO3 fandoms differ in their rating mix (ao3-dev: 80% of
# Howl's Moving Castle works are General, 31% of Hunger Games ones), which the
# lexicons cannot see.  The model file carries, per fandom tag, the smoothed
# log-odds of "at least Teen / Mature / Explicit" against all works; a story
# reads the mean over its first FANDOMS_READ fandoms (the fandoms stage ranks
# them), 0 for a fandom the table does not know.
FANDOM_FEATURES = ("fandom.teen", "fandom.mature", "fandom.explicit")
FANDOMS_READ = 2


def fandom_tags(fandoms) -> list[str]:
    """The fandoms stage's tags (dicts or plain strings), in its order."""
    tags = [f.get("tag") if isinstance(f, dict) else f for f in fandoms or []]
    return [t for t in tags if t][:FANDOMS_READ]


def fandom_features(tags: list[str], prior: dict[str, list[float]]) -> dict[str, float]:
    rows = [prior[t] for t in tags if t in prior]
    return {name: (sum(r[k] for r in rows) / len(rows) if rows else 0.0) for k, name in enumerate(FANDOM_FEATURES)}


# Lower-case words only: names (always capitalised) would make the bag a fandom detector.
_WORD = re.compile(r"(?<![A-Za-z])[a-z]+(?![A-Za-z])")


def bag(text: str) -> dict[str, float]:
    """The bag of words the rating model reads beside the lexicon signals:
    letter runs written in lower case (so not names), weight 1 + log(count), scaled to unit length over
    all the story's words (so the shipped vocabulary can be trimmed without
    changing the scale)."""
    counts = Counter(_WORD.findall(text))
    if not counts:
        return {}
    vals = {t: 1.0 + math.log(c) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vals.values()))
    return {t: v / norm for t, v in vals.items()}


# ---- the rating model -------------------------------------------------------

class RatingModel:
    """Cumulative ("at least level k") logistic models, one per level above
    General, with a decision threshold each.  Thresholds are set by the trainer
    so that Explicit and Mature are not missed (see train/content.py)."""

    def __init__(self, data: dict):
        self.names: list[str] = data["features"]
        self.mean, self.scale = data["mean"], data["scale"]
        self.levels: list[dict] = data["levels"]  # [{"w": [...], "b": float}] for >=Teen, >=Mature, >=Explicit
        self.thresholds: list[float] = data["thresholds"]
        # word -> its weight at each level ("at least Teen / Mature / Explicit")
        self.vocab: dict[str, list[float]] = data.get("vocab") or {}
        # fandom tag -> log-odds per level; None: the model reads no fandoms
        self.fandom_prior: dict[str, list[float]] | None = data.get("fandom_prior")

    @classmethod
    def load(cls, path=None) -> "RatingModel":
        return read_model_json("content", "rating.json", path, what="content rating", build=cls)

    def standardize(self, feats: dict[str, float]) -> list[float]:
        return [(feats[n] - m) / s for n, m, s in zip(self.names, self.mean, self.scale)]

    def cumulative(self, feats: dict[str, float], words: dict[str, float] | None = None) -> list[float]:
        z = self.standardize(feats)
        from_words = [0.0] * len(self.levels)
        if words and self.vocab:
            for t, v in words.items():
                ws = self.vocab.get(t)
                if ws is not None:
                    for k, w in enumerate(ws):
                        from_words[k] += w * v
        probs, prev = [], 1.0
        for lv, extra in zip(self.levels, from_words):
            t = lv["b"] + extra + sum(w * x for w, x in zip(lv["w"], z))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, t))))
            prev = min(prev, p)  # "at least Explicit" can never beat "at least Mature"
            probs.append(prev)
        return probs

    def decide(self, cum: list[float]) -> int:
        """The highest level whose threshold is met along with every lower
        one's, as the trainer chose the thresholds (train.linear.decide): the
        thresholds fall with the level (0.25 / 0.15 / 0.01), so a story below
        "at least Teen" can still pass the low Explicit one.  Taking the
        highest level met alone rated such stories Mature: 98 of the 126
        General works the earlier in-sample eval called Mature."""
        level = 0
        for k, (p, t) in enumerate(zip(cum, self.thresholds), start=1):
            if p < t:
                break
            level = k
        return level

    def category_weights(self, level: int) -> dict[str, float]:
        """Per category, how much one more hit raises the "at least `level`"
        logit (summed over its features, per unit of raw feature)."""
        if level == 0:
            return {}
        out: dict[str, float] = {}
        for name, w, s in zip(self.names, self.levels[level - 1]["w"], self.scale):
            cat = name.split(".")[0]
            if cat in RATING_CATEGORIES:
                out[cat] = out.get(cat, 0.0) + w / s
        return out


# One dense explicit passage decides the rating however long the story is: the
# learned model sees mostly short works and would dilute it.  On ao3-dev, a
# ~200-word block with >= 4 explicit hits is Explicit 14 times, Mature 4, Teen 2.
EXPLICIT_FLOOR, MATURE_FLOOR = 4, 2


# A passage that can back an Explicit rating: one explicit term, or a ~200-word
# block with this many milder ones (cross-validated on ao3-dev, Explicit recall
# 0.643 -> 0.696 and precision 0.404 -> 0.345 against an explicit term only).
MILD_BLOCK_FOR_EXPLICIT = 2


def explicit_backed(sex_explicit_count: int, sex_mild_block_max: int) -> bool:
    return sex_explicit_count >= 1 or sex_mild_block_max >= MILD_BLOCK_FOR_EXPLICIT


def floor_level(sex_explicit_block_max: int) -> int:
    if sex_explicit_block_max >= EXPLICIT_FLOOR:
        return 3
    return 2 if sex_explicit_block_max >= MATURE_FLOOR else 0


def class_probs(cum: list[float]) -> list[float]:
    c = [1.0, *cum, 0.0]
    return [max(0.0, c[k] - c[k + 1]) for k in range(len(RATINGS))]


# ---- rating a story ------------------------------------------------------------

def word_passages(sig: Signals, weights: dict[str, float], label: str, words: int = 6, limit: int = 2) -> list[dict]:
    """Passages holding the words that moved the learned model most toward the
    rating given (`weights`: word -> contribution, positive only); one excerpt
    per paragraph, the paragraphs with most weight first."""
    top = sorted(weights, key=lambda t: (-weights[t], t))[:words]
    if not top:
        return []
    rx = re.compile(r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, top)) + r")(?![A-Za-z])")
    starts = [a for a, _ in sig.paragraphs]
    per: dict[int, list[tuple[int, int, float]]] = {}
    for m in rx.finditer(sig.text):
        p = max(0, bisect_right(starts, m.start()) - 1)
        per.setdefault(p, []).append((m.start(), m.end(), weights[m.group()]))
    ranked = sorted(per.items(), key=lambda kv: (-sum(h[2] for h in kv[1]), kv[0]))[:limit]
    out = []
    for p, spans in sorted(ranked):
        s, e, _w = max(spans, key=lambda h: sum(o[2] for o in spans if abs(h[0] - o[0]) < 100))
        ev = excerpt(sig.text, s, e, sig.paragraphs[p])
        inside = [sig.text[a:b].lower() for a, b, _ in spans if a >= ev["start"] and b <= ev["end"]]
        ev["why"] = f"words the model weighs toward {label}: " + ", ".join(dict.fromkeys(inside))
        out.append(ev)
    return out


def fandom_evidence(feats: dict[str, float], model: RatingModel, level: int, tags: list[str]) -> list[dict]:
    """A note (no passage: the fandom is no place in the text) when the
    fandom prior moved the given level's score by at least 0.25 in logit."""
    k = max(level, 1) - 1
    pull = sum(w * (feats[n] - m) / s for n, w, m, s in zip(model.names, model.levels[k]["w"], model.mean, model.scale)
               if n in FANDOM_FEATURES)
    pull = pull if level else -pull
    if pull < 0.25 or not tags:
        return []
    return [{"why": f"the fandom ({', '.join(tags)}): its works lean toward {RATINGS[level]} on AO3 "
                    f"(ficdex's fandom prior, logit {pull:+.2f})"}]


def rate(sig: Signals, model: RatingModel, fandoms=None) -> dict:
    feats = features(sig)
    if model.fandom_prior is not None:
        feats |= fandom_features(fandom_tags(fandoms), model.fandom_prior)
    words = bag(sig.text) if model.vocab else None
    cum = model.cumulative(feats, words)
    level = max(model.decide(cum), floor_level(sig.block_max("sex_explicit")))
    # Explicit is a claim a moderator must be able to check: with no sexual
    # passage on the page the learned score alone gives Mature, which keeps
    # the adult-content gate without calling a fight scene Explicit.
    if level == 3 and not explicit_backed(sig.count("sex_explicit"), sig.block_max("sex_mild")):
        level = 2
    probs = class_probs(cum)
    # Evidence: the paragraphs whose lexicon hits most raised the score of the
    # level given (each hit weighted by what it is worth to that level's
    # model), then the passages holding the words that pushed the learned
    # model toward it (for General: away from "at least Teen").
    cats = {c: w for c, w in model.category_weights(level).items() if w > 0 and sig.count(c)}
    evidence = best_passages(sig, cats) if cats else []
    if model.fandom_prior is not None:
        evidence += fandom_evidence(feats, model, level, fandom_tags(fandoms))
    if words:
        k, sign = (level - 1, 1.0) if level else (0, -1.0)
        pull = {t: sign * model.vocab[t][k] * v for t, v in words.items() if t in model.vocab}
        evidence += word_passages(sig, {t: c for t, c in pull.items() if c > 0}, RATINGS[level])
    return {
        "tag": RATINGS[level],
        "confidence": round(probs[level], 3),
        "evidence": evidence,
        "scores": {
            "probabilities": {r: round(p, 3) for r, p in zip(RATINGS, probs)},
            "signals": {c: {"count": sig.count(c), "per_1k": round(1000.0 * sig.count(c) / sig.words, 2),
                            "block_max": sig.block_max(c)} for c in RATING_CATEGORIES if sig.count(c)},
        },
    }
