"""Joint decoding of a conversation's turns after the ranker
(`speaker_model.rerank`): the ranker scores one quote at a time, so a run
of weak turns between two anchors is decided here as a whole, with the
turn-taking of a conversation (a speaker rarely answers himself; A-B-A)."""

from __future__ import annotations

import math


def decode(convs, scored: dict, out: list[dict], params: dict) -> None:
    """Decode each conversation's turns jointly: the ranker's log
    probabilities per turn plus a turn-taking score (`same`: a turn by the
    previous turn's speaker, `alt`: by the speaker two turns back, the
    A-B-A of a two-person exchange).  A second-order Viterbi over the `top`
    candidates of each turn; protected answers are fixed.  The ranker sees
    its neighbours only through features of one quote at a time, so a run
    of weak turns between two anchors is decided here as a whole."""
    same, alt, top = params.get("same", 0.0), params.get("alt", 0.0), int(params.get("top", 4))
    voc = params.get("voc", 0.0)
    floor = math.log(1e-4)
    for conv in convs:
        # a turn without a scored quote (thoughts only) cuts the chain
        segs, cur = [], []
        for t in conv:
            qs = [i for i in t.quotes if i in scored]
            if qs:
                cur.append((qs, t.vocative))
            elif cur:
                segs.append(cur)
                cur = []
        if cur:
            segs.append(cur)
        for seg in segs:
            if len(seg) > 1:
                _viterbi(seg, scored, out, (same, alt, voc), top, floor)


def _viterbi(seg, scored, out, trans, top, floor) -> None:
    same, alt, voc = trans
    opts = []
    for qs, _ in seg:
        fixed = next((out[i]["speaker"] for i in qs if out[i].get("_fixed")), None)
        em: dict[str, float] = {}
        for i in qs:
            for c, lp in scored[i].items():
                em[c] = em.get(c, 0.0) + lp
        for c in em:
            em[c] = em[c] / len(qs)
        if fixed:
            opts.append({fixed: em.get(fixed, floor)})
        else:
            opts.append(dict(sorted(em.items(), key=lambda x: -x[1])[:top]))
    # states: (previous turn's speaker, this turn's speaker)
    best = {(None, c): (e, None) for c, e in opts[0].items()}
    back = [best]
    for n in range(1, len(opts)):
        nxt: dict = {}
        # whom the previous turn addresses by name is likely to answer
        addressed = seg[n - 1][1]
        for (a, b), (s, _) in best.items():
            for c, e in opts[n].items():
                v = s + e + (same if c == b else 0.0) + (alt if c == a and c != b else 0.0)
                if c == addressed and c != b:
                    v += voc
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
    for (qs, _), c in zip(seg, path):
        for i in qs:
            r = out[i]
            if r.get("_fixed") or r["speaker"] == c:
                continue
            r.update(speaker=c, rule="ranked")
            r["_p"] = math.exp(scored[i].get(c, floor))
            if r.get("addressee") == c:
                r["addressee"] = None
