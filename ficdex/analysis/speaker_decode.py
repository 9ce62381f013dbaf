"""Joint decoding of a conversation's turns after the ranker
(`speaker_model.rerank`): the ranker scores one quote at a time, so a run
of weak turns between two anchors is decided here as a whole, with the
turn-taking of a conversation (a speaker rarely answers himself; A-B-A)."""

from __future__ import annotations

import math

from .speaker_turns import KINDS, contexts, features

# a candidate the ranker did not score for one of a turn's quotes
FLOOR = math.log(1e-4)


def decode(convs, scored: dict, out: list[dict], params: dict) -> None:
    """Decode each conversation's turns jointly: the ranker's log
    probabilities per turn plus a turn-taking score (`same`: a turn by the
    previous turn's speaker, `alt`: by the speaker two turns back, the
    A-B-A of a two-person exchange, `voc`: by the one the previous turn
    addressed by name; or, with `params["turns"]`, the learned weights of
    `speaker_turns.transition`).  A second-order Viterbi over the `top`
    candidates of each turn; protected answers are fixed.  The ranker sees
    its neighbours only through features of one quote at a time, so a run
    of weak turns between two anchors is decided here as a whole."""
    top = int(params.get("top", 4))
    weights = params.get("turns") or {
        "same": params.get("same", 0.0), "alt": params.get("alt", 0.0), "voc": params.get("voc", 0.0)}
    for seg in segments(convs, scored, out):
        if len(seg) > 1:
            opts = options(seg, scored, top)
            path = best_path(opts, contexts(seg), weights)
            _apply(seg, path, scored, out)


def segments(convs, scored: dict, out: list[dict]) -> list[list[tuple]]:
    """Each conversation's runs of turns with a scored quote, as (quotes,
    vocative, turn, protected answer or None); a turn without a scored
    quote (thoughts only) cuts the chain."""
    segs, cur = [], []
    for conv in convs:
        for t in conv:
            qs = [i for i in t.quotes if i in scored]
            if qs:
                fixed = next((out[i]["speaker"] for i in qs if out[i].get("_fixed")), None)
                cur.append((qs, t.vocative, t, fixed))
            elif cur:
                segs.append(cur)
                cur = []
        if cur:
            segs.append(cur)
            cur = []
    return segs


def options(seg, scored, top) -> list[dict]:
    """Per turn, candidates and their mean log probability over the turn's quotes."""
    opts = []
    for qs, _, _, fixed in seg:
        em: dict[str, float] = {}
        for i in qs:
            for c, lp in scored[i].items():
                em[c] = em.get(c, 0.0) + lp
        for c in em:
            em[c] = em[c] / len(qs)
        if fixed:
            opts.append({fixed: em.get(fixed, FLOOR)})
        else:
            opts.append(dict(sorted(em.items(), key=lambda x: -x[1])[:top]))
    return opts


def best_path(opts: list[dict], ctxs: list[tuple], weights: dict) -> list[str]:
    """Second-order Viterbi; states are (previous turn's speaker, this turn's)."""
    w_em, w_voc = weights.get("em", 1.0), weights.get("voc", 0.0)
    best = {(None, c): (w_em * e, None) for c, e in opts[0].items()}
    back = [best]
    for n in range(1, len(opts)):
        nxt: dict = {}
        ctx = ctxs[n]
        # the transition's score depends on the kind and this turn's context only
        ks = {k: sum(weights.get(f, 0.0) for f in features(k, ctx)) for k in KINDS}
        addressed = ctx[0]
        for (a, b), (s, _) in best.items():
            for c, e in opts[n].items():
                v = s + w_em * e + ks["same" if c == b else "alt" if c == a else "other" if a is None else "third"]
                if c == addressed and c != b:
                    v += w_voc
                if (b, c) not in nxt or v > nxt[(b, c)][0]:
                    nxt[(b, c)] = (v, (a, b))
        best = nxt
        back.append(best)
    state = max(best, key=lambda k: best[k][0])
    path = []
    for n in range(len(opts) - 1, -1, -1):
        path.append(state[1])
        state = back[n][state][1]
    path.reverse()
    return path


def _apply(seg, path, scored, out) -> None:
    for (qs, _, _, _), c in zip(seg, path):
        for i in qs:
            r = out[i]
            if r.get("_fixed") or r["speaker"] == c:
                continue
            r.update(speaker=c, rule="ranked")
            r["_p"] = math.exp(scored[i].get(c, FLOOR))
            if r.get("addressee") == c:
                r["addressee"] = None
