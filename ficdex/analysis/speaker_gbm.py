"""Boosted trees for the speaker ranker, on top of (or instead of) its
linear score.

A linear score can only add evidence; trees can weigh one piece of evidence
by another ("the previous turn's speaker" in a two-person exchange against a
three-person one, after "he said" or in an unattributed turn).  They are
trained by LightGBM with the conditional logit's own loss (a softmax over
the candidates of one quote, a custom objective), so their scores stay
logits the decoder can read as log probabilities, and by default as a
residual on the linear score (`init_score`): the trees only correct it.

At analysis time this is numpy only: the trees are exported as flat arrays
(`export`), and every candidate of a document walks all of them at once
(`Trees.scores`), a gather per level; LightGBM is imported only when
training (`fit`).  `benchmarks/quotes_train.py --gbm ROUNDS` cross-validates
them by novel.
"""

from __future__ import annotations

import numpy as np


def _softmax_objective(groups: np.ndarray, gold: np.ndarray, n_groups: int, mix: float = 0.3):
    """The conditional logit's gradient and (diagonal) hessian per row, plus
    `mix` times a logistic loss per candidate.

    The softmax's gradients sum to zero over each quote, so a feature that
    is the same for all of a quote's candidates (the `ctx_*` context, the
    very thing trees should condition on) gains nothing at a tree's root,
    and LightGBM never splits a feature below a node where it gained
    nothing: without the logistic part the trees could not use them."""
    y = np.zeros(len(groups))
    y[gold] = 1.0

    def objective(preds, _data):
        p = np.exp(log_softmax(preds, groups, n_groups))
        q = 1.0 / (1.0 + np.exp(-preds))
        # a floor on the hessian: a candidate the softmax has all but ruled
        # out would otherwise give a leaf an enormous Newton step
        return p - y + mix * (q - y), np.maximum(p * (1.0 - p) + mix * q * (1.0 - q), 1e-6)

    return objective


def log_softmax(s: np.ndarray, groups: np.ndarray, n_groups: int | None = None) -> np.ndarray:
    """Scores shifted per group to log probabilities (the softmax is unchanged;
    the logistic part of the objective reads their level)."""
    n_groups = n_groups or int(groups.max()) + 1
    mx = np.full(n_groups, -np.inf)
    np.maximum.at(mx, groups, s)
    z = np.bincount(groups, np.exp(s - mx[groups]), n_groups)
    return s - (mx + np.log(z))[groups]


def fit(X: np.ndarray, groups: np.ndarray, gold: np.ndarray, init: np.ndarray | None = None, rounds: int = 200,
        leaves: int = 15, lr: float = 0.05, min_leaf: int = 50, l2: float = 1.0, feature_fraction: float = 0.8,
        mix: float = 0.3, seed: int = 0, valid: tuple | None = None):
    """A LightGBM booster maximising the likelihood of the gold candidate
    of each group, starting from `init` (the linear scores) if given.
    `valid`: (X, groups, gold, init) to print the held-out loss per 25 rounds."""
    import lightgbm as lgb

    n_groups = int(groups.max()) + 1
    objective = _softmax_objective(groups, gold, n_groups, mix)
    if init is not None:
        init = log_softmax(init, groups)
    params = {"objective": "none", "num_leaves": leaves, "learning_rate": lr,
              "min_data_in_leaf": min_leaf, "lambda_l2": l2, "feature_fraction": feature_fraction,
              "bagging_seed": seed, "feature_fraction_seed": seed, "seed": seed, "deterministic": True,
              "num_threads": 2, "verbose": -1, "max_bin": 63}
    data = lgb.Dataset(X, init_score=init, free_raw_data=False, params={"max_bin": 63, "verbose": -1})
    booster = lgb.Booster(params, data)
    for k in range(rounds):
        booster.update(fobj=objective)
        if valid is not None and (k + 1) % 25 == 0:
            vx, vg, vgold, vinit = valid
            s = booster.predict(vx, raw_score=True) + (log_softmax(vinit, vg) if vinit is not None else 0.0)
            print(f"    round {k + 1}: held-out loss {group_nll(s, vg, vgold):.4f}", flush=True)
    return booster


def group_nll(s: np.ndarray, groups: np.ndarray, gold: np.ndarray) -> float:
    """Mean negative log likelihood of the gold candidates."""
    return float(-log_softmax(s, groups)[gold].mean())


def export(booster, digits: int = 5) -> dict:
    """The trees as flat arrays over the feature matrix's columns: per node its
    feature, threshold, children (a leaf points at itself and keeps its
    value), and each tree's root."""
    feat, thr, left, right, value, roots = [], [], [], [], [], []
    for tree in booster.dump_model()["tree_info"]:
        roots.append(len(feat))
        stack = [(tree["tree_structure"], None, None)]
        while stack:
            node, parent, side = stack.pop()
            k = len(feat)
            if parent is not None:
                (left if side == "l" else right)[parent] = k
            if "leaf_value" in node or "split_feature" not in node:
                feat.append(0), thr.append(float("inf")), left.append(k), right.append(k)
                value.append(round(float(node.get("leaf_value", 0.0)), digits))
                continue
            # the feature matrix has no missing values and no categories
            assert node.get("decision_type", "<=") == "<=", node.get("decision_type")
            feat.append(int(node["split_feature"])), thr.append(float(node["threshold"]))
            left.append(-1), right.append(-1), value.append(0.0)
            stack.append((node["right_child"], k, "r"))
            stack.append((node["left_child"], k, "l"))
    return {"feature": feat, "threshold": thr, "left": left, "right": right,
            "value": value, "roots": roots}


class Trees:
    """The exported trees, ready to score a dense feature matrix."""

    def __init__(self, spec: dict):
        self.feature = np.asarray(spec["feature"], dtype=np.int64)
        self.threshold = np.asarray(spec["threshold"], dtype=float)
        self.left = np.asarray(spec["left"], dtype=np.int64)
        self.right = np.asarray(spec["right"], dtype=np.int64)
        self.value = np.asarray(spec["value"], dtype=float)
        self.roots = np.asarray(spec["roots"], dtype=np.int64)

    def scores(self, X: np.ndarray) -> np.ndarray:
        out = np.zeros(len(X))
        if not len(self.roots) or not len(X):
            return out
        # every (row, tree) pair walks one level per step; pairs that reached
        # a leaf (a node that is its own child) drop out, so the work is the
        # paths' real lengths, not the deepest tree's for every tree
        row = np.repeat(np.arange(len(X)), len(self.roots))
        node = np.tile(self.roots, len(X))
        flat = X.ravel()
        width = X.shape[1]
        while len(row):
            leaf = self.left[node] == node
            if leaf.any():
                out += np.bincount(row[leaf], self.value[node[leaf]], len(X))
                row, node = row[~leaf], node[~leaf]
            go_left = flat[row * width + self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return out
