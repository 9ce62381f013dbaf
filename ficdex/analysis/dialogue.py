"""The `quotes` stage: quotes, their speakers, and who talks with whom.

`attribute` runs the sieve of `speakers.py` over the quotes of
`quotes.detect_quotes`: first the rules that look at one quote or one
paragraph, then the rules that look at the run of dialogue ("turns") the
quote sits in.  A *turn* is one paragraph with speech; a *conversation* is
a run of turns with at most `GAP` narration paragraphs between them and no
scene break.  Last, a learned ranker (`speaker_model.py`) weighs the
evidence of all rules for every speech quote, in two passes.  Output shapes
are documented in docs/quotes.md.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from ..model import count_words
from .pipeline import Analysis, register
from .quotes import Quote, detect_quotes
from .speaker_model import decode, load_model, quote_features, rerank
from .speaker_style import Words
from .speaker_turns import load_turns
from .speaker_window import Windows
from .speakers import CONFIDENCE, THOUGHT_VERBS, _Sieve, extend_mentions

# Narration paragraphs a conversation survives.  Two lets "Lex poured the
# drinks." pass without letting a new scene inherit the old speakers.
GAP = 2


class _Turn:
    __slots__ = ("first", "last", "quotes", "speaker", "rule", "vocative", "p", "narr")

    def __init__(self, first, last, quotes):
        self.first, self.last, self.quotes = first, last, quotes
        self.speaker = self.rule = self.vocative = self.p = None
        self.narr = False


_NONWORD = re.compile(r"\W+")


def _has_narration(text, start, end, quotes) -> bool:
    """Fifteen word characters outside the quotes of a turn (", he said." is
    fewer): the decoder's turn-taking differs when narration sits in the turn."""
    n, pos = 0, start
    for q in quotes:
        n += len(_NONWORD.sub("", text[pos : q.start][:60]))
        pos = max(pos, q.end)
    n += len(_NONWORD.sub("", text[pos:end][:60]))
    return n >= 15


def attribute(text, paragraphs, quotes: list[Quote], mentions, characters, breaks=frozenset(), model=True,
              collect: list | None = None) -> list[dict]:
    """One record per quote (see docs/quotes.md), in the order of `quotes`.
    `model`: True for the shipped ranker, False for the sieve alone, or a
    dict of weights; `collect` (training) receives the ranker's features
    instead of the ranker being applied."""
    sv = _Sieve(text, paragraphs, quotes, extend_mentions(text, mentions, characters), characters)
    pstarts = [s for s, _ in paragraphs]
    para_of = lambda pos: max(0, bisect.bisect_right(pstarts, pos) - 1)  # noqa: E731
    out = [{"speaker": None, "addressee": None, "rule": None, "type": q.type} for q in quotes]
    by_para: dict[int, list[int]] = {}
    for i, q in enumerate(quotes):
        by_para.setdefault(q.paragraph, []).append(i)

    # 1-2: one quote, then one paragraph at a time
    turns: list[_Turn] = []
    for p, idxs in sorted(by_para.items()):
        s, e = paragraphs[p]
        sv.floor = s
        for j, i in enumerate(idxs):
            q = quotes[i]
            # "he said" is rarely the one the quote addresses (passing over the
            # previous speaker as well was tried: worse on PDNC)
            sv.avoid = tuple(x for x in (sv.vocative(q),) if x)
            after = quotes[idxs[j + 1]].start - 1 if j + 1 < len(idxs) else paragraphs[para_of(q.end)][1]
            before = quotes[idxs[j - 1]].end + 1 if j else s
            hit = sv.explicit(q, after, before)
            if hit:
                who, rule, verb, to = hit
                out[i].update(speaker=who, rule=rule, addressee=to, _how=sv.how)
                if verb in THOUGHT_VERBS:
                    out[i]["type"] = "thought"
        known = [i for i in idxs if out[i]["speaker"]]
        for i in idxs:
            if not out[i]["speaker"] and known:
                # an interrupted quote, or more of the same speech: the nearest
                # attributed quote of the paragraph, the earlier one first
                prev = [k for k in known if k < i]
                src = prev[-1] if prev else known[0]
                out[i].update(speaker=out[src]["speaker"], rule="paragraph")
        if not known:
            actor = sv.acting(s, e, [quotes[i] for i in idxs if quotes[i].type == "speech"])
            if actor:
                for i in idxs:
                    out[i].update(speaker=actor, rule="acting")
        speech = [i for i in idxs if out[i]["type"] == "speech"]
        if speech:
            t = _Turn(p, para_of(quotes[speech[-1]].end), speech)
            t.speaker = next((out[i]["speaker"] for i in speech if out[i]["speaker"]), None)
            t.rule = next((out[i]["rule"] for i in speech if out[i]["speaker"]), None)
            t.vocative = next((v for v in (sv.vocative(quotes[i]) for i in speech) if v), None)
            t.narr = _has_narration(text, s, paragraphs[t.last][1], [quotes[i] for i in idxs])
            turns.append(t)

    convs = _conversations(turns, breaks)
    for conv in convs:
        _conversation_rules(conv, sv, quotes)
    for conv in convs:
        for t in conv:
            for i in t.quotes:
                if not out[i]["speaker"] and t.speaker:
                    out[i].update(speaker=t.speaker, rule=t.rule)

    # 3: the learned ranker weighs all of the above for every speech quote
    # (a second pass sees the first pass's answers as the neighbouring turns')
    weights = load_model() if model is True else model
    # the quote's context features feed only a hidden layer or trees (and training):
    # a linear model's weights for them are zero, and they are the dearest
    context = collect is not None or any(k in (weights.get(w) or {}) for w in ("weights", "weights2")
                                         for k in ("v", "gbm")) if weights else True
    # the "he said" and unattributed-turn copies of the features, only for
    # weights that know them (an older model file ignores them)
    cues = collect is not None or any(str(k).startswith(("pg_", "im_")) for part in ("weights", "weights2")
                                      for k in (weights.get(part) or {}).get("vocab", ())) if weights else True
    # the quotes' words and forms of address, the same in both passes
    words = Words(text, quotes) if weights or collect is not None else None
    # and what the text around each quote holds, too
    windows = Windows(sv, quotes, paragraphs)

    def features():
        return quote_features(sv, quotes, out, convs, paragraphs, context, cues, words=words, windows=windows)

    if not weights and collect is not None:
        collect.extend(features())
    elif weights:
        rerank(features(), out, weights)
        if collect is not None or weights.get("weights2"):
            for conv in convs:
                for t in conv:
                    r = next((out[i] for i in t.quotes if out[i]["speaker"]), None)
                    t.speaker, t.rule, t.p = (r["speaker"], r["rule"], r.get("_p")) if r else (None, None, None)
            feats = features()
            if collect is not None:
                collect.extend(feats)
            else:
                scored = rerank(feats, out, {"weights": weights["weights2"], "protect": weights.get("protect")})
                if weights.get("decode"):
                    # learned turn-taking (speaker_turns.json) for the shipped
                    # ranker; a dict of weights brings its own, or the constants
                    turns = weights.get("turns") or (load_turns() if model is True else None)
                    params = {**weights["decode"], "turns": turns} if turns else dict(weights["decode"])
                    # the characters' genders: the decoder weighs a "he said" against a woman itself
                    decode(convs, scored, out, {**params, "gender": sv.gender})

    for conv in convs:
        spk = [next((out[i]["speaker"] for i in t.quotes if out[i]["speaker"]), None) for t in conv]
        for n, t in enumerate(conv):
            prev = spk[n - 1] if n else None
            nxt = spk[n + 1] if n + 1 < len(conv) else None
            for i in t.quotes:
                r = out[i]
                if not r["addressee"]:
                    r["addressee"] = next((c for c in (t.vocative, prev, nxt) if c and c != r["speaker"]), None)

    for i, q in enumerate(quotes):
        r = out[i]
        if r["type"] == "thought" and not r["speaker"]:
            r.update(speaker=sv.nearest(q.start), rule="nearest")
        p = r.pop("_p", None)
        r.pop("_how", None)
        r.pop("_fixed", None)
        r["confidence"] = (round(p, 3) if p is not None else CONFIDENCE.get(r["rule"], 0.0)) if r["speaker"] else 0.0
        if r["addressee"] == r["speaker"]:
            r["addressee"] = None
    return out


def _conversations(turns: list[_Turn], breaks) -> list[list[_Turn]]:
    convs: list[list[_Turn]] = []
    for t in turns:
        prev = convs[-1][-1] if convs else None
        if prev and t.first - prev.last - 1 <= GAP and not any(b in breaks for b in range(prev.last + 1, t.first + 1)):
            convs[-1].append(t)
        else:
            convs.append([t])
    return convs


def _conversation_rules(conv: list[_Turn], sv: _Sieve, quotes: list[Quote]) -> None:
    """Fill the turns the per-paragraph rules left open: first from a
    neighbour's vocative, then by alternation from the nearest decided turn,
    and in a conversation with nothing decided, from the narration."""
    known = lambda k: conv[k].speaker if 0 <= k < len(conv) else None  # noqa: E731
    for n, t in enumerate(conv):
        if t.speaker:
            continue
        for k in (n - 1, n + 1):
            v = conv[k].vocative if 0 <= k < len(conv) else None
            if v and v != known(k) and v != t.vocative:
                t.speaker, t.rule = v, "addressed"
                break
    anchors = [n for n, t in enumerate(conv) if t.speaker]
    if not anchors:
        # nothing decided: the first speaker is the character last named
        # before the talk began, unless the first turn addresses them
        start = quotes[conv[0].quotes[0]].start
        first = sv.nearest(start, exclude=(conv[0].vocative,))
        if not first:
            return
        conv[0].speaker, conv[0].rule = first, "nearest"
        anchors = [0]
    for n, t in enumerate(conv):
        if t.speaker:
            continue
        k = min(anchors, key=lambda a: (abs(a - n), a > n))
        a = conv[k].speaker
        who = a if (n - k) % 2 == 0 else _partner(conv, k, a, sv, quotes)
        if who and who == t.vocative:
            who = _partner(conv, k, who, sv, quotes)
        t.speaker, t.rule = who, ("turns" if who else None)


def _partner(conv: list[_Turn], k: int, a: str, sv: _Sieve, quotes: list[Quote]) -> str | None:
    """Whom the speaker of turn k is talking with: the one they address,
    else the nearest other speaker of the conversation, else the narration's."""
    if conv[k].vocative and conv[k].vocative != a:
        return conv[k].vocative
    for d in range(1, len(conv)):
        for j in (k - d, k + d):
            if 0 <= j < len(conv) and conv[j].speaker and conv[j].speaker != a and conv[j].rule != "turns":
                return conv[j].speaker
    return sv.nearest(quotes[conv[k].quotes[0]].start, exclude=(a,))


def conversations(records: list[dict], quotes: list[Quote], text: str, names: dict) -> dict:
    """Who speaks how much, and who talks with whom."""
    n_quotes, n_words = Counter(), Counter()
    for r, q in zip(records, quotes):
        if r["type"] == "speech" and r["speaker"]:
            n_quotes[r["speaker"]] += 1
            n_words[r["speaker"]] += count_words(text[q.start : q.end])
    pairs = Counter()
    for r in records:
        if r["type"] == "speech" and r["speaker"] and r["addressee"]:
            pairs[tuple(sorted((r["speaker"], r["addressee"])))] += 1
    return {
        "speakers": [
            {"character": c, "name": names.get(c), "quotes": n, "words": n_words[c]} for c, n in n_quotes.most_common()
        ],
        "pairs": [
            {"a": a, "b": b, "a_name": names.get(a), "b_name": names.get(b), "exchanges": n}
            for (a, b), n in pairs.most_common()
        ],
    }


def run_quotes(text, paragraphs, mentions, characters, breaks=frozenset(), model=True):
    """Detection, attribution and conversations without a pipeline: returns
    (quote records, conversations)."""
    quotes = detect_quotes(text, paragraphs)
    records = attribute(text, paragraphs, quotes, mentions, characters, breaks, model=model)
    names = {c["id"]: c.get("name") for c in characters}
    for r, q in zip(records, quotes):
        r.update(start=q.start, end=q.end, text=text[q.start : q.end], speaker_name=names.get(r["speaker"]))
    order = ("start", "end", "text", "type", "speaker", "speaker_name", "addressee", "confidence", "rule")
    records = [{k: r[k] for k in order} for r in records]
    return records, conversations(records, quotes, text, names)


@register("quotes")
class QuotesStage:
    name = "quotes"
    requires = ("characters",)
    assigns = ("quotes", "conversations")

    def __call__(self, doc: Analysis) -> Analysis:
        story = doc.story
        paras, breaks = [], set()
        for i, p in enumerate(story.paragraphs()):
            paras.append((p.start, p.end))
            if p.scene_break_before:
                breaks.add(i)
        mentions = doc.scratch.get("mentions") or []
        characters = doc.inferred.get("characters") or []
        doc.inferred["quotes"], doc.inferred["conversations"] = run_quotes(story.text, paras, mentions, characters, breaks)
        return doc
