import numpy as np
import pytest

from ficdex.analysis.speaker_gbm import Trees, group_nll
from ficdex.analysis.speaker_mlp import Scorer


def test_trees_walk_each_tree_to_its_leaf_and_sum():
    # tree 0: x0 <= 0.5 ? (x1 <= 0.2 ? 1 : 2) : 3;  tree 1: a single leaf of -0.5
    spec = {"feature": [0, 1, 0, 0, 0, 0], "threshold": [0.5, 0.2, np.inf, np.inf, np.inf, np.inf],
            "left": [1, 2, 2, 3, 4, 5], "right": [4, 3, 2, 3, 4, 5], "value": [0, 0, 1.0, 2.0, 3.0, -0.5],
            "roots": [0, 5]}
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    assert Trees(spec).scores(X).tolist() == [0.5, 1.5, 2.5]


def test_scorer_adds_the_trees_to_the_linear_score():
    spec = {"vocab": ["a", "b"], "w": [1.0, 0.0],
            "gbm": {"feature": [1, 0, 0], "threshold": [0.5, np.inf, np.inf], "left": [1, 1, 2], "right": [2, 1, 2],
                    "value": [0.0, 0.0, 4.0], "roots": [0]}}
    got = Scorer(spec).scores([{"a": 2.0}, {"a": 2.0, "b": 1.0}, {}])
    assert got.tolist() == [2.0, 6.0, 0.0]


def test_trees_learn_what_a_linear_score_cannot():
    # "the previous turn's speaker" is wrong in a two-person exchange and
    # right after "he said" (three quotes in four): a linear score can only
    # favour him or not, the trees learn when
    pytest.importorskip("lightgbm")
    from ficdex.analysis.speaker_gbm import export, fit

    rng = np.random.default_rng(1)
    X, groups, gold = [], [], []
    for g in range(400):
        pron = float(g % 4 != 0)
        X += [[1.0, pron, rng.random()], [0.0, pron, rng.random()]]
        groups += [g, g]
        gold.append(2 * g + (0 if pron else 1))
    X, groups, gold = np.array(X), np.array(groups), np.array(gold)
    booster = fit(X, groups, gold, rounds=60, leaves=4, lr=0.3, min_leaf=5)
    trees = Trees(export(booster))
    s = trees.scores(X)
    assert np.abs(s - booster.predict(X, raw_score=True)).max() < 1e-3
    assert group_nll(s, groups, gold) < 0.1 < group_nll(X[:, 0] * 1.1, groups, gold)
