"""The joint decoder of a conversation's turns and its learned turn-taking
(`speaker_decode.py`, `speaker_turns.py`), on made-up turns and scores:
no text, no data.  What the shipped weights do on PDNC is measured by
`benchmarks/quotes_train.py --turns`, not asserted here."""

from __future__ import annotations

import math
import random

from ficdex.analysis import speaker_decode, speaker_turns
from ficdex.analysis.dialogue import _has_narration, _Turn

CONSTANTS = {"same": 0.0, "alt": 0.5, "voc": 1.0, "top": 4}


def conversation(paragraphs, probs, fixed=None, narr=()):
    """One conversation: turn n is one quote (index n) in paragraph
    paragraphs[n], scored with probs[n]; `fixed` maps a turn to its
    protected speaker."""
    turns, scored, out = [], {}, []
    for n, (p, pr) in enumerate(zip(paragraphs, probs)):
        t = _Turn(p, p, [n])
        t.narr = n in narr
        turns.append(t)
        scored[n] = {c: math.log(v) for c, v in pr.items()}
        who = (fixed or {}).get(n) or max(pr, key=pr.get)
        out.append({"speaker": who, "addressee": None, "rule": "explicit" if n in (fixed or {}) else "turns",
                    "_fixed": n in (fixed or {})})
    return [turns], scored, out


def speakers(out):
    return [r["speaker"] for r in out]


def test_constants_alternate_between_two_sure_turns():
    even = {"c1": 0.5, "c2": 0.5}
    convs, scored, out = conversation([0, 1, 2, 3, 4], [{"c1": 0.9, "c2": 0.1}, even, even, even, {"c1": 0.9, "c2": 0.1}],
                                      fixed={0: "c1", 4: "c1"})
    speaker_decode.decode(convs, scored, out, CONSTANTS)
    assert speakers(out) == ["c1", "c2", "c1", "c2", "c1"]


def test_learned_weights_let_a_speaker_go_on_after_narration():
    # the second turn comes after a narration paragraph (gap 1): weights
    # that favour the same speaker after narration keep c2 talking
    even = {"c1": 0.5, "c2": 0.5}
    probs = [{"c1": 0.9, "c2": 0.1}, {"c1": 0.2, "c2": 0.8}, even]
    weights = {"alt": 0.5, "same|gap1": 2.0}
    convs, scored, out = conversation([0, 1, 3], probs, fixed={0: "c1"})
    speaker_decode.decode(convs, scored, out, {"top": 4, "turns": weights})
    assert speakers(out) == ["c1", "c2", "c2"]
    # without the narration paragraph between them, the A-B-A wins
    convs, scored, out = conversation([0, 1, 2], probs, fixed={0: "c1"})
    speaker_decode.decode(convs, scored, out, {"top": 4, "turns": weights})
    assert speakers(out) == ["c1", "c2", "c1"]


def test_transition_kinds():
    ctx = (None, 0, False, False, False)
    assert speaker_turns.transition("a", "b", "b", ctx)[0] == "same"
    assert speaker_turns.transition("a", "b", "a", ctx)[0] == "alt"
    assert speaker_turns.transition(None, "b", "a", ctx)[0] == "other"
    assert speaker_turns.transition("a", "b", "c", ctx)[0] == "third"
    assert "voc" in speaker_turns.transition("a", "b", "c", ("c", 0, False, False, False))
    assert "voc" not in speaker_turns.transition("a", "c", "c", ("c", 0, False, False, False))


def _exchange(rng, n=8):
    """A two-person exchange in adjacent paragraphs whose ranker scores
    point the wrong way about a third of the time."""
    gold = ["p", "q"] * (n // 2)
    opts, ctxs = [], []
    for k, g in enumerate(gold):
        other = "q" if g == "p" else "p"
        right = rng.uniform(0.25, 0.75) if rng.random() < 0.35 else rng.uniform(0.55, 0.95)
        right = min(right, 0.45) if rng.random() < 0.3 else right
        opts.append({g: math.log(right), other: math.log(1 - right)})
        ctxs.append((None, 0, False, False, False))
    return opts, ctxs, gold


def test_fit_learns_alternation_from_examples():
    rng = random.Random(7)
    train = [_exchange(rng) for _ in range(150)]
    test = [_exchange(rng) for _ in range(150)]
    w = speaker_turns.fit(train, {}, epochs=5)

    def accuracy(weights):
        hit = total = 0
        for opts, ctxs, gold in test:
            path = speaker_decode.best_path(opts, ctxs, weights)
            hit += sum(a == b for a, b in zip(path, gold))
            total += len(gold)
        return hit / total

    assert w.get("same|gap0", 0) + w.get("same", 0) < 0
    assert accuracy(w) > accuracy({}) + 0.05


def test_a_he_said_turn_keeps_to_the_pronouns_gender():
    # turn 2 reads `"…," he said`: the ranker leans to the woman (c1) because
    # of the A-B-A, but a weight on the other gender after "he said" keeps
    # the man; without the genders (or the weight) alternation decides
    probs = [{"c1": 0.9, "c3": 0.1}, {"c2": 0.9, "c1": 0.1}, {"c1": 0.55, "c3": 0.45}]
    weights = {"alt": 1.0, "pron_mis": -2.0}
    gender = {"c1": "female", "c2": "male", "c3": "male"}

    def run(params):
        convs, scored, out = conversation([0, 1, 2], probs, fixed={0: "c1", 1: "c2"})
        out[2].update(rule="explicit", _how=("pronoun", "he"))
        speaker_decode.decode(convs, scored, out, {"top": 4, **params})
        return speakers(out)[2]

    assert run({"turns": weights, "gender": gender}) == "c3"
    assert run({"turns": weights}) == "c1"
    assert run({"turns": {"alt": 1.0}, "gender": gender}) == "c1"


def test_a_newcomer_entering_a_two_person_exchange():
    # c1 and c2 trade turns; the ranker's scores lean to c9 on turn 3, whom
    # no turn around answered before decoding (turn 3's answer was c2): the
    # `third@new` weight keeps the exchange; under another kind it changes nothing
    probs = [{"c1": 0.9, "c2": 0.1}, {"c2": 0.9, "c1": 0.1}, {"c1": 0.9, "c2": 0.1}, {"c9": 0.6, "c2": 0.4}]

    def run(weights):
        convs, scored, out = conversation([0, 1, 2, 3], probs, fixed={0: "c1", 1: "c2", 2: "c1"})
        out[3]["speaker"] = "c2"
        speaker_decode.decode(convs, scored, out, {"top": 4, "turns": weights})
        return speakers(out)[3]

    assert run({"third@new": -1.0}) == "c2"
    assert run({"alt@new": -1.0}) == "c9"
    assert run({}) == "c9"


def test_option_features():
    convs, scored, out = conversation([0, 1, 2, 3], [{"c1": 0.9, "c2": 0.1}, {"c2": 0.9, "c3": 0.1},
                                                     {"c1": 0.9, "c4": 0.1}, {"c3": 0.6, "c2": 0.4}])
    out[3].update(rule="explicit", _how=("pronoun", "she"))
    seg = speaker_decode.segments(convs, scored, out)[0]
    opts = speaker_decode.options(seg, scored, 4)
    feats = speaker_decode.option_features(seg, opts, out, {"c1": "female", "c2": "male", "c3": "female"})
    names = lambda n, c: {f if isinstance(f, str) else f[0] for f in feats[n][c]}  # noqa: E731
    assert names(3, "c2") == {"em|explicit", "pron_mis", "third@spoke"}
    assert names(3, "c3") == {"em|explicit"}  # the turn's own answer before decoding is no newcomer
    assert names(2, "c4") == {"em|turns", "third@new"}
    assert dict(feats[3]["c3"])["em|explicit"] == scored[3]["c3"]


def test_fit_learns_the_pronouns_gender_weight():
    # made-up exchanges whose "he said" turns always go to a man, while the
    # ranker's scores point to a woman a third of the time
    rng = random.Random(3)
    data = []
    for _ in range(200):
        opts, ctxs, gold = _exchange(rng)
        feats = [{("q" if g == "p" else "p"): ("pron_mis",)} if k % 3 == 2 else {} for k, g in enumerate(gold)]
        data.append((opts, ctxs, gold, feats))
    w = speaker_turns.fit(data, {}, epochs=5)
    assert w.get("pron_mis", 0) < -0.1


def test_shipped_weights_prefer_the_other_speaker_in_adjacent_turns():
    weights = speaker_turns.load_turns()
    assert weights, "speaker_turns.json ships with the package"
    even = {"c1": 0.5, "c2": 0.5}
    convs, scored, out = conversation([0, 1], [{"c1": 0.9, "c2": 0.1}, even], fixed={0: "c1"})
    speaker_decode.decode(convs, scored, out, {"top": 4, "turns": weights})
    assert speakers(out) == ["c1", "c2"]


def test_narration_in_a_turn():
    said = '"I never liked the harbour," said Vell.'
    acted = 'Vell set the lantern on the crate and looked away. "I never liked the harbour."'
    assert not _has_narration(said, 0, len(said), [_q(said, "I never liked the harbour,")])
    assert _has_narration(acted, 0, len(acted), [_q(acted, "I never liked the harbour.")])


def _q(text, inner):
    from ficdex.analysis.quotes import Quote

    s = text.index(inner)
    return Quote(s, s + len(inner))
