"""Joint decoding of a conversation's turns after the ranker
(`speaker_model.rerank`): the ranker scores one quote at a time, so a run
of weak turns between two anchors is decided here as a whole, with the
turn-taking of a conversation (a speaker rarely answers himself; A-B-A)."""

from __future__ import annotations

import math

from .speaker_pronoun import verb_subject
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
    gender = params.get("gender") or {}
    for seg in segments(convs, scored, out):
        if len(seg) > 1:
            opts = options(seg, scored, top)
            path = best_path(opts, contexts(seg), weights, option_features(seg, opts, out, gender))
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


def wanted_gender(seg_turn, out: list[dict]) -> str | None:
    """The gender a turn's speech verb asks for: "he said", "said her
    mother" (as the ranker reads it), from its first quote that has one."""
    for i in seg_turn[0]:
        pron, want, kin = verb_subject(out[i])
        if pron or kin:
            return want
    return None


def option_features(seg, opts: list[dict], out: list[dict], gender: dict) -> list[dict]:
    """Per turn, each candidate's own features beside the ranker's score,
    as names (1) or (name, value) pairs; a name `kind@…` counts only when
    the transition into the turn is of that kind.

    * `pron_mis` / `pron_unk`: the other gender than the turn's "he/she
      said", or an unknown one.  The ranker weighs the pronoun too, but the
      turn-taking could outweigh it (shipped: −2.9 beside the log probability's 3.3).
    * `third@spoke` / `third@new`: a third speaker entering a two-person
      exchange who answered (before decoding) one of the six turns before,
      or none of the ten turns either side (this one included: not the
      ranker's own answer either).  The state knows only the last
      two turns; the ranker's own answers around stand for the rest of the
      conversation.
    * `em|RULE`: the ranker's log probability once more, by the rule that
      gave the turn its answer before decoding (`turns`, `addressed`,
      `ranked`, `explicit`…): how far its score is to be trusted differs."""
    got = []
    first = [out[t[0][0]]["speaker"] for t in seg]
    for n, (t, opt) in enumerate(zip(seg, opts)):
        want = wanted_gender(t, out) if gender else None
        before = set(first[max(0, n - 6) : n])
        around = set(first[max(0, n - 10) : n + 11])
        em = "em|" + str(out[t[0][0]].get("rule"))
        f: dict = {}
        for c, e in opt.items():
            got_c: list = [(em, e)]
            if want:
                g = gender.get(c)
                if g is None:
                    got_c.append("pron_unk")
                elif g != want:
                    got_c.append("pron_mis")
            if c in before:
                got_c.append("third@spoke")
            elif c not in around:
                got_c.append("third@new")
            f[c] = tuple(got_c)
        got.append(f)
    return got


def emissions(opts: list[dict], weights: dict, feats: list[dict] | None) -> tuple[list[dict], list[dict]]:
    """Per turn, each candidate's score apart from the transition kind, and
    (for features named `kind@…`) its extra score under one kind only."""
    w_em = weights.get("em", 1.0)
    if not feats:
        return [{c: w_em * e for c, e in o.items()} for o in opts], [{} for _ in opts]
    ems, conds = [], []
    for o, f in zip(opts, feats):
        em, cond = {}, {}
        for c, e in o.items():
            v = w_em * e
            for k in f.get(c, ()):
                k, x = (k, 1.0) if isinstance(k, str) else k
                if "@" in k:
                    kind = k.split("@", 1)[0]
                    cond.setdefault(c, {})[kind] = cond.get(c, {}).get(kind, 0.0) + weights.get(k, 0.0) * x
                else:
                    v += weights.get(k, 0.0) * x
            em[c] = v
        ems.append(em)
        conds.append(cond)
    return ems, conds


def best_path(opts: list[dict], ctxs: list[tuple], weights: dict, feats: list[dict] | None = None) -> list[str]:
    """Second-order Viterbi; states are (previous turn's speaker, this turn's)."""
    w_voc = weights.get("voc", 0.0)
    ems, conds = emissions(opts, weights, feats)
    best = {(None, c): (e, None) for c, e in ems[0].items()}
    back = [best]
    for n in range(1, len(opts)):
        nxt: dict = {}
        ctx = ctxs[n]
        # the transition's score depends on the kind and this turn's context only
        ks = {k: sum(weights.get(f, 0.0) for f in features(k, ctx)) for k in KINDS}
        addressed = ctx[0]
        cond = conds[n]
        for (a, b), (s, _) in best.items():
            for c, e in ems[n].items():
                kind = "same" if c == b else "alt" if c == a else "other" if a is None else "third"
                v = s + e + ks[kind]
                if c in cond:
                    v += cond[c].get(kind, 0.0)
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
