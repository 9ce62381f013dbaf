"""Learned turn-taking for the joint decoder (`speaker_decode.py`).

The decoder adds a transition score to the ranker's per-turn log
probabilities.  With two fixed constants (`same`, `alt`) a turn after an
explicit "said Lex" and a turn after three narration paragraphs were
scored alike; here the transition is a weighted sum of a few indicator
features that depend on the conversation's shape, weights learned on
PDNC's held-out ranker scores (structured perceptron, cross-validated by
novel in `benchmarks/quotes_train.py --turns`).  Numbers only are
shipped, in `speaker_turns.json`.
"""

from __future__ import annotations

import json
from pathlib import Path

TURNS_PATH = Path(__file__).with_name("speaker_turns.json")

_cache: dict = {}


def load_turns(path: Path = TURNS_PATH) -> dict | None:
    """The shipped transition weights, or None (the decoder's constants then)."""
    key = str(path)
    if key not in _cache:
        _cache[key] = json.loads(path.read_text(encoding="utf-8")).get("weights") if path.exists() else None
    return _cache[key]


def contexts(seg) -> list[tuple]:
    """Per turn of a decoded segment, what the transition into it may
    depend on: whom the previous turn addressed by name, narration
    paragraphs since it (0, 1, 2), whether it was a protected (sure)
    answer, and whether this turn's and the previous turn's paragraphs
    have narration of their own (`dialogue._has_narration`)."""
    out = []
    for n, (qs, voc, turn, fixed) in enumerate(seg):
        if n == 0:
            out.append((None, 0, False, False, False))
            continue
        prev = seg[n - 1]
        gap = max(0, turn.first - prev[2].last - 1) if turn is not None and prev[2] is not None else 0
        narr = bool(getattr(turn, "narr", False))
        out.append((prev[1], min(gap, 2), prev[3] is not None, narr, bool(getattr(prev[2], "narr", False))))
    return out


KINDS = ("same", "alt", "other", "third")


def kind_of(a, b, c) -> str:
    """The same speaker again, the A of A-B-A, a second speaker, a third one."""
    return "same" if c == b else "alt" if c == a else "other" if a is None else "third"


def features(kind: str, ctx) -> list[str]:
    """A kind of transition alone and with each part of the context.  On
    PDNC the same speaker right after himself is rare but common after
    narration, hence the conjunctions rather than one constant per kind."""
    _, gap, sure, narr, pnarr = ctx
    f = [kind, f"{kind}|gap{gap}"]
    if sure:
        f.append(f"{kind}|sure")
    if narr:
        f.append(f"{kind}|narr")
    if pnarr:
        f.append(f"{kind}|pnarr")
    return f


def transition(a, b, c, ctx) -> list[str]:
    """Active features for a turn by c after turns by a (two back) and b;
    `voc`: c is whom the previous turn addressed by name."""
    f = features(kind_of(a, b, c), ctx)
    if c == ctx[0] and c != b:
        f.append("voc")
    return f


def fit(examples: list[tuple], start: dict, epochs: int = 5, rate: float = 0.1, seed: int = 0) -> dict:
    """Averaged structured perceptron.  `examples`: (options per turn,
    contexts per turn, gold candidate per turn), gold always among the
    options; `start`: the weights to begin from (the fixed constants)."""
    import random

    from .speaker_decode import best_path

    w = {"em": 1.0, **start}
    total = dict.fromkeys(w, 0.0)  # running sums for the average
    stamp = dict.fromkeys(w, 0)
    clock = 0
    rng = random.Random(seed)
    order = list(range(len(examples)))

    def phi(opts, ctxs, feats, path) -> dict:
        got: dict = {}
        for n, c in enumerate(path):
            got["em"] = got.get("em", 0.0) + opts[n][c]
            a = path[n - 2] if n > 1 else None
            kind = kind_of(a, path[n - 1], c) if n else None
            for f in feats[n].get(c, ()) if feats else ():
                f, x = (f, 1.0) if isinstance(f, str) else f
                # a `kind@…` feature counts under its kind only, as in best_path
                if "@" not in f or f.split("@", 1)[0] == kind:
                    got[f] = got.get(f, 0.0) + x
            if n:
                for f in transition(a, path[n - 1], c, ctxs[n]):
                    got[f] = got.get(f, 0.0) + 1.0
        return got

    for _ in range(epochs):
        rng.shuffle(order)
        for k in order:
            opts, ctxs, gold, feats = examples[k] if len(examples[k]) > 3 else (*examples[k], None)
            clock += 1
            path = best_path(opts, ctxs, w, feats)
            if path == gold:
                continue
            diff = phi(opts, ctxs, feats, gold)
            for f, v in phi(opts, ctxs, feats, path).items():
                diff[f] = diff.get(f, 0.0) - v
            for f, v in diff.items():
                if not v:
                    continue
                total[f] = total.get(f, 0.0) + w.get(f, 0.0) * (clock - stamp.get(f, 0))
                stamp[f] = clock
                w[f] = w.get(f, 0.0) + rate * v
    clock += 1
    for f in w:
        total[f] = total.get(f, 0.0) + w[f] * (clock - stamp.get(f, 0))
    return {f: round(v / clock, 4) for f, v in total.items() if abs(v / clock) > 1e-6}


def examples(segs, opts, gold_ids, cmap, feats=None) -> list[tuple]:
    """Training examples of `fit` from decoded segments (`speaker_decode.
    segments`), their options and the options' own features
    (`speaker_decode.option_features`): each turn's gold candidate is the
    option mapping (`cmap`) to its gold speaker id; a turn whose gold
    speaker is no option splits the segment there (nothing to learn from it)."""
    out = []
    for s, (seg, opt, golds) in enumerate(zip(segs, opts, gold_ids)):
        fs = feats[s] if feats else [{}] * len(seg)
        ctxs = contexts(seg)
        run: list[tuple] = []
        for n in range(len(seg) + 1):
            g = golds[n] if n < len(seg) else None
            cs = [c for c in opt[n] if g is not None and cmap.get(c) == g] if n < len(seg) else []
            if cs:
                run.append((n, max(cs, key=lambda c: opt[n][c])))
                continue
            if len(run) > 1:
                # the first turn of a run has no transition into it
                first = (None, 0, False, False, False)
                out.append(([opt[k] for k, _ in run], [first] + [ctxs[k] for k, _ in run[1:]], [c for _, c in run],
                            [fs[k] for k, _ in run]))
            run = []
    return out
