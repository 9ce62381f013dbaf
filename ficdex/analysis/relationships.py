"""Relationships in AO3 syntax, and the category that follows from them.

A pairing is read from what two characters do *together* (`pairs.py`): the
paragraphs and sentences they share, the kisses, sex, declarations and dates
in them, who talks to whom, how prominent each is.  Three small logistic
models trained on AO3 authors' own tags (`ficdex train relationships`,
docs/relationships.md) weigh that: which pairs an author would tag at all
(the ranking), whether a tagged pair is `A/B` or `A & B`, and whether the
story has any romance at all (Gen or not).  The category is then the
romantic pairs' genders, with AO3's conventions for what the text does not
say (a reader-insert's "you" is filed as a woman by most authors).
"""

from __future__ import annotations

import math
import operator
from itertools import combinations

from .. import knowledge
from ..errors import ModelError
from ..models import read_model_json
from . import pairs as P
from .pipeline import Analysis, register

# A pair is listed when the model gives it at least this chance of being
# one the author tagged; the first pair is always listed when there is one,
# and at most MAX_PAIRS are (authors tag 1.6 on average).
TAG_MIN = 0.1
MAX_PAIRS = 3
ROMANTIC_MIN = 0.35  # P(A/B | tagged) above which a pairing is written A/B
# A second category needs a pairing this sure (P(tagged) * P(A/B)): a stray
# kiss between side characters should not turn a F/M story into F/M + M/M.
SECOND_CATEGORY = 0.6
# The work model's P(not Gen) above which the story gets a romantic category.
NOT_GEN_MIN = 0.65
# A pair with no romantic passage of its own is still written A/B when the
# story is this likely a romance: AO3 authors tag a story's pairing even where
# the chapter shows no kiss, and requiring a cue loses a tenth of the
# authors' pairings (docs/relationships.md).
UNSEEN_ROMANCE = 0.3
# A knowledge-base triad ("A/B/C") is written when all three are candidates,
# each of its pairs reads as romantic and is this likely tagged, and the
# story is a romance; chosen on cross-validation (docs/relationships.md).
TRIAD_MIN = 0.1

# What AO3 authors made of the same two canon characters in the training
# works (`PairPrior`).  It is stacked on the text model's logit rather than
# fitted beside the text features: beside them it drew weight from the text
# (a kissing pair no longer outranked two brothers in a story the knowledge
# base does not know), stacked it leaves the text's ranking of unknown pairs as it was.
PRIOR_FEATURES = ("text_logit", "prior_tagged", "prior_romantic", "prior_seen")
PRIOR_TAGGED_K = 2.0  # pseudo-works at the base rate: a pair seen once says little
PRIOR_ROMANTIC_K = 2.0

# A leading canon character's partner that the story never names ("she"
# throughout, or the narrator's unnamed "I"): the partner ao3-dev's authors
# gave that character in at least PARTNER_MIN_WORKS works and this share of
# the works it led, listed after the text's own pairings when there is room.
# A guess, said as one in its evidence (docs/relationships.md has its cost).
PARTNER_MIN_WORKS = 3
PARTNER_MIN_SHARE = 0.3
PARTNER_LEADS = 2  # the most-mentioned characters whose partner may be guessed

WORK_FEATURES = ("max_romance", "max_romance_sent", "max_strong", "max_tagged_romance", "romance", "strong",
                 "reader", "characters", "lead_kin", "pair_romance")
_IDX = {n: i for i, n in enumerate(P.FEATURES)}


def work_features(rows: list[list[float]], work: dict | None = None) -> list[float]:
    """Story-level values for the Gen / not-Gen model: the strongest pair's
    cues beside the whole story's cue density.  The last of WORK_FEATURES,
    the pair models' verdict, is appended by `with_pairs`."""
    work = work or {}

    def top(name):
        return max((r[_IDX[name]] for r in rows), default=0.0)

    lead = max(rows, key=lambda r: r[_IDX["shared"]], default=None)
    return [top("romance"), top("romance_sent"), top("strong"), lead[_IDX["romance"]] if lead else 0.0,
            work.get("romance", 0.0), work.get("strong", 0.0), work.get("reader", 0.0),
            work.get("characters", 0.0), lead[_IDX["kin"]] if lead else 0.0]


def with_pairs(work: list[float], scored) -> list[float]:
    """The work row and the likeliest romantic pairing's P(tagged)·P(A/B):
    the pair models read each pair's own passages, the work model the story."""
    return list(work) + [max((pt * pr for pt, pr, *_ in scored), default=0.0)]


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, t))))


class _Logistic:
    def __init__(self, d: dict):
        self.mean, self.scale, self.w, self.b = d["mean"], d["scale"], d["w"], d["b"]
        self.vocab: dict[str, float] = d.get("vocab") or {}  # the work model's bag of words
        # standardising folded into the weights: one dot product per pair
        self._w = [w / s for w, s in zip(self.w, self.scale)]
        self._b = self.b - sum(w * m for w, m in zip(self._w, self.mean))

    def logit(self, x: list[float], words: dict[str, float] | None = None) -> float:
        t = self._b + sum(map(operator.mul, self._w, x))
        if words and self.vocab:
            t += sum(self.vocab.get(k, 0.0) * v for k, v in words.items())
        return t

    def __call__(self, x: list[float], words: dict[str, float] | None = None) -> float:
        return _sigmoid(self.logit(x, words))


class _Stacked:
    """A pair model: the text features' logistic, and a second one reading
    its logit beside the pair prior."""

    def __init__(self, d: dict):
        self.text, self.stack = _Logistic(d), _Logistic(d["stack"])

    def __call__(self, x: list[float], prior: list[float]) -> float:
        return self.stack([self.text.logit(x)] + prior)


def pair_key(a: dict, b: dict) -> str | None:
    """Two canon characters (knowledge-base tags, or the Reader) as one key:
    an untagged name ("Sam") could be anyone in another story."""
    ta, tb = a.get("tag"), b.get("tag")
    return "\t".join(sorted((ta, tb))) if ta and tb and ta != tb else None


class PairPrior:
    """How AO3 authors tagged a pair of canon characters in the works both
    were leading characters of: how often they tagged them at all, and how
    often as `A/B`.  Fandoms have their canon couples (most authors write
    Calcifer and Howl `&`, Brigan and Fire `/`) which a chapter's text need
    not restate.  Counts are pulled towards the base rates, so a pair seen
    once moves little and an unseen pair reads as the base rate."""

    def __init__(self, counts: dict[str, list[int]], base_tagged: float, base_romantic: float):
        self.counts, self.base_tagged, self.base_romantic = counts, base_tagged, base_romantic

    def row(self, key: str | None, minus: tuple[int, int, int] = (0, 0, 0)) -> list[float]:
        """The prior features; `minus` takes a work's own counts out (training)."""
        seen, tagged, romantic = (c - m for c, m in zip(self.counts.get(key, (0, 0, 0)) if key else (0, 0, 0), minus))
        return [(tagged + PRIOR_TAGGED_K * self.base_tagged) / (seen + PRIOR_TAGGED_K),
                (romantic + PRIOR_ROMANTIC_K * self.base_romantic) / (tagged + PRIOR_ROMANTIC_K),
                math.log1p(seen)]

    def to_json(self) -> dict:
        # A pair met once and never tagged is as good as unseen: not shipped.
        return {"base_tagged": round(self.base_tagged, 6), "base_romantic": round(self.base_romantic, 6),
                "counts": {k: c for k, c in sorted(self.counts.items()) if c[0] >= 2 or c[1]}}

    @classmethod
    def from_json(cls, d: dict) -> "PairPrior":
        return cls({k: list(v) for k, v in d["counts"].items()}, d["base_tagged"], d["base_romantic"])


class RelationshipModel:
    """The three logistic models of `ficdex train relationships`, and the
    pair prior they read."""

    def __init__(self, data: dict):
        if (list(data["features"]) != list(P.FEATURES) or list(data["work_features"]) != list(WORK_FEATURES)
                or list(data.get("prior_features") or ()) != list(PRIOR_FEATURES)):
            raise ModelError("relationships model was trained on other features; run `ficdex train relationships`")
        self.tagged = _Stacked(data["tagged"])
        self.romantic = _Stacked(data["romantic"])
        self.work = _Logistic(data["work"])
        self.prior = PairPrior.from_json(data["prior"])
        # tag -> [partner, works tagged, works led]; older models have none
        self.partners: dict[str, list] = data.get("partners") or {}

    @classmethod
    def load(cls, path=None) -> "RelationshipModel":
        return read_model_json("relationships", "pairs.json", path, what="relationships", build=cls)


def _tag_name(c: dict) -> str:
    return c.get("tag") or c["name"]


def _gender(c: dict) -> str | None:
    # AO3 authors file most reader-inserts as F/M or F/F: "you" is a woman.
    return "female" if c.get("id") == P.READER else c.get("gender")


def pair_category(a: dict, b: dict) -> str:
    """The category of one romantic pairing from its members' genders.  A
    gender the text never gave is guessed as the one that makes the pairing
    F/M, by far the most common category on AO3."""
    g = [_gender(a), _gender(b)]
    if "nonbinary" in g:
        return "Other"
    known = [x for x in g if x in ("male", "female")]
    if len(known) == 2:
        return {("male", "male"): "M/M", ("female", "female"): "F/F"}.get(tuple(known), "F/M")
    return "F/M"


def _triad(scored, by_id: dict) -> dict | None:
    """The knowledge base's three-person pairing among the candidates, if
    each of its three pairs reads as romantic."""
    ids = {c["tag"]: i for i, c in by_id.items() if c.get("tag")}
    if len(ids) < 3:
        return None
    by_key = {key: (pt, pr) for pt, pr, key in scored}
    for triad in knowledge.load().triads:
        if not all(t in ids for t in triad):
            continue
        members = sorted(ids[t] for t in triad)
        got = [by_key.get(k) for k in combinations(members, 2)]
        if all(g and g[1] >= ROMANTIC_MIN and g[0] >= TRIAD_MIN for g in got):
            names = sorted(triad, key=str.casefold)
            return {"tag": "/".join(names), "type": "romantic", "characters": names, "ids": members,
                    "score": round(min(g[0] for g in got), 3), "romantic": min(g[1] for g in got),
                    "why": "a three-person pairing the fandom tags as one, each pair romantic"}
    return None


_NOT_NAME = {"the", "of", "and", "mr", "mrs", "ms", "miss", "dr", "sir", "lady", "lord"}


def _name_words(*names: str) -> set[str]:
    """The words (no titles, none under three letters) of names or AO3
    character tags, each alias side of a tag read by `knowledge.tag_names`."""
    out = set()
    for n in names:
        for name in knowledge.tag_names(n):
            out |= {w for w in "".join(ch if ch.isalnum() else " " for ch in name).split()
                    if len(w) > 2 and w not in _NOT_NAME}
    return out


def _partner_guesses(model: RelationshipModel, chars: list[dict], rels: list[dict]) -> list[dict]:
    """Pairings of a leading canon character with the partner authors give
    them, when no candidate of the story bears any of the partner's names."""
    present = set()
    for c in chars:
        present |= _name_words(c.get("name") or "", c.get("tag") or "", *(c.get("aliases") or {}))
    listed = {frozenset(r["characters"]) for r in rels}
    out = []
    for c in chars[:PARTNER_LEADS]:
        got = model.partners.get(c.get("tag") or "")
        if not got or _name_words(got[0]) & present:
            continue
        partner, n, led = got
        names = sorted([c["tag"], partner], key=str.casefold)
        if frozenset(names) in listed:
            continue
        why = (f"{partner} is never named here; AO3 authors paired {c['tag']} with {partner} in {n} of "
               f"{led} works {c['tag']} led (a guess from the fandom, not from this text)")
        out.append({"tag": "/".join(names), "type": "romantic", "characters": names, "ids": [c["id"]],
                    "score": round(n / led, 3), "romantic": 1.0, "why": why, "guessed": True})
    return out


def decide(model: RelationshipModel, chars: list[dict], keys, rows, work: list[float], words=None):
    """Ranked pairings and categories from the pair rows, the work row and
    the story's bag of words (`pairs.bag`)."""
    by_id = {c["id"]: c for c in chars}
    scored = []
    x_of = dict(zip(keys, rows))
    for key, x in zip(keys, rows):
        prior = model.prior.row(pair_key(by_id[key[0]], by_id[key[1]]))
        scored.append((model.tagged(x, prior), model.romantic(x, prior), key))
    # Authors list their romantic pairing before a platonic one about as
    # likely tagged; the same order lists as many pairs (CV: +0.001).
    scored.sort(key=lambda t: (-t[0] * (0.6 + 0.8 * t[1]), t[2]))
    p_work = model.work(with_pairs(work, scored), words)
    triad = _triad(scored, by_id) if p_work >= UNSEEN_ROMANCE else None
    rels = [triad] if triad else []
    for n, (pt, pr, (a, b)) in enumerate(scored):
        if len(rels) >= MAX_PAIRS or (n and pt < TAG_MIN):
            break
        names = sorted([_tag_name(by_id[a]), _tag_name(by_id[b])], key=str.casefold)
        cued = x_of[(a, b)][_IDX["romance"]] > 0
        romantic = pr >= ROMANTIC_MIN and (cued or p_work >= UNSEEN_ROMANCE)
        why = (f"no romantic passage of their own; A/B as the story reads as a romance (P {p_work:.2f})"
               if romantic and not cued else "together, no romantic passage between them")
        rels.append({"tag": "/".join(names) if romantic else " & ".join(names),
                     "type": "romantic" if romantic else "platonic", "characters": names,
                     "ids": sorted([a, b]), "score": round(pt, 3), "romantic": round(pr, 3), "why": why})
    # Only in a story that reads as a romance: a Gen story listing a romantic
    # pairing on the fandom's word alone would contradict its own category
    # (CV top-3 0.698 guessing everywhere, 0.690 here; 0.688 never).
    for g in _partner_guesses(model, chars, rels) if p_work >= NOT_GEN_MIN else ():
        if len(rels) < MAX_PAIRS:
            g["score"] = min(g["score"], rels[-1]["score"]) if rels else g["score"]
            rels.append(g)
    if p_work < NOT_GEN_MIN:
        why = f"no romantic or sexual relationship found (P(romance) {p_work:.2f})"
        return rels, [{"tag": "Gen", "evidence": [{"why": why}]}]
    romantic = [r for r in rels if r["type"] == "romantic" and not r.get("guessed")]
    if not romantic:
        # The story reads as a romance but no pair was called A/B: its most
        # likely romantic pair decides.
        best = max(scored, key=lambda t: t[0] * t[1], default=None)
        romantic = [] if best is None else [{"ids": sorted(best[2]), "tag": "/".join(sorted(
            (_tag_name(by_id[i]) for i in best[2]), key=str.casefold)), "score": best[0], "romantic": best[1]}]
    cats: dict[str, list[str]] = {}
    if triad:
        # AO3 files a poly pairing as Multi, and authors rarely add its pairs' categories.
        cats["Multi"] = [triad["tag"]]
        romantic = []
    for n, r in enumerate(romantic):
        if n and r["score"] * r["romantic"] < SECOND_CATEGORY:
            continue
        a, b = (by_id[i] for i in r["ids"])
        cats.setdefault(pair_category(a, b), []).append(r["tag"])
    if not cats:
        cats["F/M"] = ["a romance whose pairing was not found: F/M, AO3's most common category"]
    return rels, [{"tag": t, "evidence": [{"why": f"{rel}: {t}"} for rel in rs]} for t, rs in cats.items()]


def _excerpt(text: str, start: int, end: int, limit: int = 200) -> str:
    s = text[start:end]
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


@register("relationships")
class Relationships:
    name = "relationships"
    requires = ("characters",)
    assigns = ("relationships", "category")

    def __init__(self, model: RelationshipModel | None = None):
        self.model = model or RelationshipModel.load()

    def __call__(self, doc: Analysis) -> Analysis:
        cand = P.candidates(doc)
        rels, cats = decide(self.model, cand.chars, cand.keys, cand.rows, work_features(cand.rows, cand.work),
                            P.bag(doc.story.text))
        text = doc.story.text
        for r in rels:
            sts = [cand.stats[k] for k in combinations(r["ids"], 2) if k in cand.stats]
            st = sts[0] if len(sts) == 1 else None
            r["shared_paragraphs"] = min((x.shared for x in sts), default=0) if len(sts) == len(r["ids"]) * (len(r["ids"]) - 1) // 2 else 0
            best = sorted({e for x in sts for e in x.evidence}, reverse=True)[:3]
            r["evidence"] = [{"start": s, "end": e, "excerpt": _excerpt(text, s, e), "why": f"together, with: {why}"}
                             for _, s, e, why in best]
            if r.pop("guessed", False):
                r["evidence"] = [{"why": r["why"]}]
            elif not best and st and st.first:
                # no cue to show: the first passage they share, and why the tag was still given
                s, e = st.first
                r["evidence"] = [{"start": s, "end": e, "excerpt": _excerpt(text, s, e), "why": r["why"]}]
            del r["romantic"], r["why"]
        doc.inferred["relationships"] = rels
        doc.inferred["category"] = cats
        return doc
