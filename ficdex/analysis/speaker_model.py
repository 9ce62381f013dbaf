"""A learned last step of speaker attribution: rank each quote's candidate
speakers with a small model over the sieve's own evidence.

The sieve (`speakers.py`, `dialogue.py`) decides one answer per quote from
the most reliable rule that fires.  That throws away the rest of the
evidence: a "he said" whose pronoun the characters stage resolved to the
wrong man, a turn guessed by alternation against a vocative two turns
later, a nominal speaker ("said his wife") the characters stage left
unnamed.  Here every character near the quote is a candidate, described by
binary and scaled features (what each rule said, the neighbouring turns'
speakers, vocatives, gender of the speech verb's pronoun, recency and
salience in the narration, the conversation's participants, and what the
quote itself says against how each candidate talks in the book's sure
quotes, `speaker_style.py`), and the
candidate with the highest score speaks.  The score (`speaker_mlp.Scorer`)
is a conditional logit (softmax over the candidates of one quote), linear
or with a small hidden layer, trained by `benchmarks/quotes_train.py` on
PDNC with cross-validation by novel and shipped as `speaker_model.json`
(numbers only, no text).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .speaker_antecedent import add_antecedent
from .speaker_decode import decode  # noqa: F401  (the ranker's last step, re-exported)
from .speaker_mlp import scorer_for
from .speaker_pronoun import IMPLICIT_RULES, add_implicit_features, add_pronoun_features, kin_family, verb_subject
from .speaker_style import book_style, local_pair
from .speaker_window import Windows

MODEL_PATH = Path(__file__).with_name("speaker_model.json")

STRONG = {"explicit", "voice", "paragraph"}
RULES = ("explicit_name", "explicit_pronoun", "explicit_resolved", "explicit_clause", "voice", "paragraph",
         "acting", "addressed", "turns", "nearest")
MAX_CANDIDATES = 20
TOP_SPEAKERS = 6

_model_cache: dict = {}


def load_model(path: Path = MODEL_PATH) -> dict | None:
    key = str(path)
    if key not in _model_cache:
        try:
            got = json.loads(path.read_text())
            _model_cache[key] = {k: got.get(k) for k in ("weights", "weights2", "protect", "decode")}
        except (OSError, ValueError, KeyError):
            _model_cache[key] = None
    return _model_cache[key]


def _rule_key(rec: dict) -> str | None:
    rule = rec.get("rule")
    if rule == "explicit":
        how = rec.get("_how") or ("name", None)
        return "explicit_" + ("name" if how[0] == "name" else how[0])
    return rule


def _sure(r: dict) -> bool:
    """An answer sure enough to learn the book's voices from."""
    if r.get("rule") == "explicit":
        return (r.get("_how") or ("name",))[0] in ("name", "clause")
    return r.get("rule") == "voice" or (r.get("_p") or 0) >= 0.9


def _sure_turn(t) -> bool:
    """A turn whose speaker the neighbours can lean on: a strong rule or a confident ranker."""
    return bool(t.speaker) and (t.rule in STRONG or (t.p or 0) >= 0.8)


def _context(rk, strong_speakers, cands, conv, n, want, pron, anchor, gender) -> dict[str, float]:
    """The quote's context, the same for every candidate: inert in the
    linear part (it cancels in the softmax), a selector for the hidden units."""
    genders = {gender.get(c) for c in strong_speakers} - {None}
    ctx = {"ctx_" + (rk or "none"): 1.0, "ctx_strong": min(len(strong_speakers), 3) / 3,
           "ctx_cands": math.log(len(cands)) / 3, "ctx_conv": math.log1p(len(conv)) / 3,
           "ctx_pron3": 1.0 if want else 0.0, "ctx_pron1": 1.0 if pron in ("i", "we") else 0.0,
           "ctx_anchor": 1.0 / abs(anchor[0] - n) if anchor else 0.0, "ctx_mixed": 1.0 if len(genders) > 1 else 0.0}
    return {k: v for k, v in ctx.items() if v}


def quote_features(sv, quotes, out, convs, paragraphs, context=True, pronoun_features=True, style=True,
                   words=None, windows=None) -> list[tuple[int, list[str], list[dict]]]:
    """(quote index, candidate ids, one feature dict per candidate) for every
    speech quote that has at least one candidate.  `words` and `windows`:
    the document's `speaker_style.Words` and `speaker_window.Windows`,
    shared by both passes (built here when not given)."""
    windows = windows or Windows(sv, quotes, paragraphs)
    para_quotes: dict[int, list[int]] = {}
    for k, q in enumerate(quotes):
        para_quotes.setdefault(q.paragraph, []).append(k)
    turn_of: dict[int, tuple[list, int]] = {}
    for conv in convs:
        for n, t in enumerate(conv):
            for i in t.quotes:
                turn_of[i] = (conv, n)
    total = len(sv.narr) or 1
    freq: dict[str, int] = {}
    for m in sv.narr:
        freq[m["character"]] = freq.get(m["character"], 0) + 1
    # who the sieve hears speak by name across the book: a prior, and
    # candidates for turns whose speaker the narration around never names
    said = {}
    for r in out:
        if r.get("rule") == "explicit" and (r.get("_how") or ("name",))[0] == "name":
            said[r["speaker"]] = said.get(r["speaker"], 0) + 1
    n_said = sum(said.values()) or 1
    top_speakers = sorted(said, key=lambda c: -said[c])[:TOP_SPEAKERS]

    voices = book_style(sv.text, quotes, out, turn_of, _sure, words) if style else None

    # the book-level priors of a candidate, the same for all its quotes
    log_said = {c: math.log(n / n_said) / 10 for c, n in said.items()}
    log_freq = {c: math.log(n / total) / 10 for c, n in freq.items()}
    unsaid, unfreq = math.log(0.5 / n_said) / 10, math.log(0.5 / total) / 10

    result = []
    for i, q in enumerate(quotes):
        r = out[i]
        if r["type"] != "speech":
            continue
        p = q.paragraph
        w = windows.get(i)
        last, count, in_quote, quoted_near = w.last, w.count, w.in_quote, w.quoted_near
        conv, n = turn_of.get(i, ([], 0))

        def turn(k):
            return conv[k] if 0 <= k < len(conv) else None

        neigh = {}
        for d in (-2, -1, 1, 2):
            t = turn(n + d)
            if t is not None and t.speaker:
                neigh[d] = (t.speaker, _sure_turn(t))
        voc_prev = turn(n - 1).vocative if turn(n - 1) else None
        voc_next = turn(n + 1).vocative if turn(n + 1) else None
        this_voc = w.vocative
        # alternation from the nearest strong turn of the conversation
        strong_speakers = set()
        anchor = None
        for k in range(max(0, n - 8), min(len(conv), n + 9)):
            t = conv[k]
            if k != n and _sure_turn(t):
                strong_speakers.add(t.speaker)
                if anchor is None or abs(k - n) < abs(anchor[0] - n):
                    anchor = (k, t.speaker)
        conv_speakers = [t.speaker for t in conv[max(0, n - 10) : n + 11] if t.speaker]
        subj_para, ment_before, ment_after, prev_para = w.subj_para, w.ment_before, w.ment_after, w.prev_para
        # the speech verb's subject stays evidence when the first pass
        # changed the answer ("ranked"): the second pass lost "he said" before
        # "said her mother": the mother's gender, and her possessor is not she
        pron, want, kin = verb_subject(r)
        rk = _rule_key(r)
        # "he said": the latest men named before the quote, and the latest
        # named as a sentence subject, whoever the pronoun was resolved to
        ranks = windows.ranks(i, want) if want else None
        g_recent, g_subj = (ranks.recent[:2], ranks.subj[0] if ranks.subj else None) if want else ([], None)
        prev_gender = sv.gender.get(neigh[-1][0]) if -1 in neigh else None
        # the conversation's participants: who has spoken in it so far (the
        # current answers), who is addressed by name in it, who was named
        # in the narration just before it began
        me = conv[n] if conv else None
        turns_by: dict[str, int] = {}
        vocs_conv = set()
        for t in conv[max(0, n - 10) : n + 11]:
            if t is not me:
                if t.speaker:
                    turns_by[t.speaker] = turns_by.get(t.speaker, 0) + 1
                if t.vocative:
                    vocs_conv.add(t.vocative)
        opening = windows.in_paragraph(conv[0].first - 1) if conv and conv[0].first > 0 else set()
        addr_prev = out[turn(n - 1).quotes[-1]].get("addressee") if turn(n - 1) else None

        cands = list(dict.fromkeys(
            w.by_recency
            + [x for x in (r["speaker"], this_voc, voc_prev, voc_next) if x]
            + [s for s, _ in neigh.values()] + conv_speakers + w.after_sorted
            + w.by_quoted + top_speakers
        ))[:MAX_CANDIDATES]
        if sv.narrator and sv.narrator not in cands:
            cands.append(sv.narrator)
        if r["speaker"] and r["speaker"] not in cands:
            cands.append(r["speaker"])
        if not cands:
            continue
        order = {c: k for k, c in enumerate(sorted((c for c in cands if c in last), key=lambda c: -last[c]))}
        ctx = _context(rk, strong_speakers, cands, conv, n, want, pron, anchor, sv.gender) if context else None
        # what holds for one candidate at most, or for a set of them, found
        # before the loop: it runs for every candidate of every quote, twice
        spk, addressee, gender = r["speaker"], r.get("addressee"), sv.gender
        sieve = "sieve_" + rk if rk else None
        turn_feats: dict[str, list[str]] = {}
        for d, (s, strong) in neigh.items():
            turn_feats.setdefault(s, []).append(f"turn{d:+d}_{'strong' if strong else 'weak'}")
        alt_same = alt_other = None
        if anchor:
            dist = abs(anchor[0] - n)
            if dist % 2 == 0:
                alt_same = anchor[1]
            else:
                alt_other = strong_speakers - {anchor[1]}
        prev_speaker = neigh[-1][0] if -1 in neigh else None
        first_person = pron in ("i", "we")
        rows = []
        for c in cands:
            f = {}
            if c == spk and sieve:
                f[sieve] = 1.0
                if r.get("_p") is not None:
                    f["first_pass_p"] = r["_p"]
            if c == this_voc:
                f["voc_this"] = 1.0
            elif c in in_quote:
                f["named_in_quote"] = 1.0
            if c == addressee and addressee != spk:
                f["addr_this"] = 1.0
            if c == voc_prev:
                f["voc_prev"] = 1.0
            if c == voc_next:
                f["voc_next"] = 1.0
            if c in turn_feats:
                for k in turn_feats[c]:
                    f[k] = 1.0
            if c == alt_same:
                f["alt_same"] = 1.0 / dist
            elif alt_other and c in alt_other:
                f["alt_other"] = 1.0 / dist
            if c in strong_speakers:
                f["conv_speaker"] = 1.0
            g = gender.get(c)
            if want:
                if g == want:
                    f["pron_match"] = 1.0
                    if c == prev_speaker:
                        f["pron_prev_turn"] = 1.0
                elif g:
                    f["pron_mismatch"] = 1.0
            if c in g_recent:
                f[f"pron_recent{g_recent.index(c)}"] = 1.0
            if c == g_subj:
                f["pron_subject"] = 1.0
            if prev_gender and g:
                f["gender_as_prev" if g == prev_gender else "gender_not_prev"] = 1.0
            if kin:
                if c == kin:
                    f["kin_possessor"] = 1.0
                elif kin_family(sv.names, kin, c):
                    f["kin_family"] = 1.0
            if c == sv.narrator:
                f["narrator"] = 1.0
                if first_person:
                    f["narrator_i"] = 1.0
            if c in subj_para:
                f["subj_para"] = 1.0
            if c in ment_before:
                f["ment_before"] = 1.0
            if c in ment_after:
                f["ment_after"] = 1.0
            if c in prev_para:
                f["ment_prev_para"] = 1.0
            if c in order:
                f[f"rank{min(order[c], 3)}"] = 1.0
                f["log_dist"] = math.log1p((q.start - last[c]) / 100) / 5
            else:
                f["no_mention_before"] = 1.0
            f["log_count"] = math.log1p(count.get(c, 0)) / 3
            if c in quoted_near:
                f["quoted_near"] = math.log1p(quoted_near[c]) / 3
            if c in conv_speakers:
                f["conv_any_speaker"] = 1.0
            if c in turns_by:
                f["conv_turns"] = math.log1p(turns_by[c]) / 2
            if c in vocs_conv:
                f["conv_addressed"] = 1.0
            if c in opening:
                f["conv_opening"] = 1.0
            if c == addr_prev:
                f["addr_prev"] = 1.0
            if ctx:
                f.update(ctx)
            f["log_said"] = log_said.get(c, unsaid)
            f["log_freq"] = log_freq.get(c, unfreq)
            rows.append(f)
        if voices:
            voices.add(i, cands, rows)
            if conv:
                local_pair(conv, n, _sure_turn, cands, rows)
        if want and pronoun_features:
            others = {out[k]["speaker"] for k in para_quotes.get(p, ()) if k != i and out[k]["rule"] not in (None, "paragraph")}
            add_pronoun_features(rows, cands, want, sv, ranks, this_voc, others - {None})
        elif rk in IMPLICIT_RULES and pronoun_features:
            add_implicit_features(rows)
        result.append((i, cands, rows))
    return result


def rerank(feats, out, model: dict) -> dict[int, dict[str, float]]:
    """Give each quote its best-scoring candidate; the rule says whether the
    model kept the sieve's answer ("<rule>") or changed it ("ranked").  An
    answer of a rule in `model["protect"]` is kept (the ranker only scores it).
    Returns each quote's candidates with their log probabilities, for `decode`."""
    protect = set(model.get("protect") or ())
    if model["weights"].get("antecedent"):
        add_antecedent(feats, model["weights"]["antecedent"])
    flat = [f for _, _, rows in feats for f in rows]
    every = scorer_for(model["weights"]).scores(flat).tolist()
    scored, at = {}, 0
    for i, cands, rows in feats:
        scores = every[at : at + len(rows)]
        at += len(rows)
        top = max(scores)
        z = sum(math.exp(s - top) for s in scores)
        lz = top + math.log(z)
        scored[i] = {c: s - lz for c, s in zip(cands, scores)}
        best = scores.index(top)
        c = cands[best]
        r = out[i]
        if r["speaker"] and _rule_key(r) in protect:
            k = cands.index(r["speaker"]) if r["speaker"] in cands else None
            r["_p"] = math.exp(scores[k] - top) / z if k is not None else None
            r["_fixed"] = True
            continue
        if c != r["speaker"]:
            r.update(speaker=c, rule="ranked")
            if r.get("addressee") == c:
                r["addressee"] = None
        r["_p"] = 1.0 / z
    return scored
