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
