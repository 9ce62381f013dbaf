"""Score the speaker ranker's candidates: a linear part plus a small
one-hidden-layer network over the same features.

A linear score can only add evidence up: "the previous turn's speaker"
weighs the same in a two-person exchange as in a three-person one, and
"the latest man named" the same after "he said" as in an unattributed
turn.  The hidden units see the candidate's features beside the quote's
context (`ctx_*`: the sieve's rule for the quote, how many sure speakers
the conversation has, the speech verb's pronoun), so they can weigh one
piece of evidence by another.  The context features are the same for all
candidates of a quote: in the linear part they cancel in the softmax, in
the hidden layer they select.

At analysis time this is numpy only: all candidates of a document are
stacked into one matrix and scored with two matrix products, which is
cheaper than the per-candidate Python sums of the linear ranker it
extends.

`fit` trains it (numpy and scipy's L-BFGS, imported only when training):
the hidden layer starts from small random weights with a fixed seed, so the
same data gives the same model; the linear part is penalised by `l2`, the
hidden layer by `l2_hidden`, since a network overfits the few thousand
quotes of a fold quickly.  `benchmarks/quotes_train.py` cross-validates it
by novel.
"""

from __future__ import annotations

from itertools import chain, repeat

import numpy as np


def feature_matrix(rows: list[dict], index: dict[str, int], width: int) -> np.ndarray:
    """Feature dicts to a dense matrix over `index`'s columns; features it
    does not know are dropped (the trainer and the scorer share this)."""
    # C-level iteration (map, chain), not generators: this runs over every
    # feature of every candidate of a document (a quarter of the stage)
    X = np.zeros((len(rows), width))
    cols = np.array(list(map(index.get, chain.from_iterable(rows), repeat(-1))), dtype=np.int64)
    if not len(cols):
        return X
    r_idx = np.repeat(np.arange(len(rows)), list(map(len, rows)))
    vals = np.array(list(chain.from_iterable(map(dict.values, rows))), dtype=float)
    keep = cols >= 0
    X[r_idx[keep], cols[keep]] = vals[keep]
    return X


class Scorer:
    """One scoring function from the model JSON: either a plain dict of
    linear weights (the older format) or {"vocab", "w", "W", "b", "v"},
    optionally with boosted trees over the same columns ("gbm",
    `speaker_gbm.export`) added to the score."""

    def __init__(self, spec: dict):
        if "vocab" in spec:
            self.vocab = list(spec["vocab"])
            self.w = np.asarray(spec["w"], dtype=float)
            self.W = np.asarray(spec.get("W") or np.zeros((0, len(self.vocab))), dtype=float).reshape(-1, len(self.vocab))
            self.b = np.asarray(spec.get("b") or [], dtype=float)
            self.v = np.asarray(spec.get("v") or [], dtype=float)
        else:
            self.vocab = list(spec)
            self.w = np.asarray([spec[k] for k in self.vocab], dtype=float)
            self.W, self.b, self.v = np.zeros((0, len(self.vocab))), np.zeros(0), np.zeros(0)
        self.index = {k: n for n, k in enumerate(self.vocab)}
        self.trees = None
        if spec.get("gbm"):
            from .speaker_gbm import Trees

            self.trees = Trees(spec["gbm"])

    def matrix(self, rows: list[dict]) -> np.ndarray:
        """Feature dicts to a dense matrix (unknown features are dropped)."""
        return feature_matrix(rows, self.index, len(self.vocab))

    def scores(self, rows: list[dict]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        return self.score_matrix(self.matrix(rows))

    def score_matrix(self, X: np.ndarray) -> np.ndarray:
        s = X @ self.w
        if len(self.v):
            s = s + np.tanh(X @ self.W.T + self.b) @ self.v
        if self.trees is not None:
            s = s + self.trees.scores(X)
        return s


_cache: dict = {}


def scorer_for(spec: dict) -> Scorer:
    """The Scorer of a spec, built once (the model JSON is loaded once and
    scored for every document)."""
    # the cache holds the spec itself, so its id is never reused while cached
    got = _cache.get(id(spec))
    if got is None or got[0] is not spec:
        if len(_cache) > 8:
            _cache.clear()
        got = _cache[id(spec)] = (spec, Scorer(spec))
    return got[1]


def to_spec(vocab: list[str], params: dict, digits: int = 4) -> dict:
    """The JSON form of trained parameters (rounded: a few thousand numbers)."""
    r = lambda a: np.round(np.asarray(a, dtype=float), digits).tolist()  # noqa: E731
    spec = {"vocab": list(vocab), "w": r(params["w"])}
    if params.get("v") is not None and len(params["v"]):
        spec.update(W=r(params["W"]), b=r(params["b"]), v=r(params["v"]))
    return spec


def _group_softmax(s, groups, n_groups):
    mx = np.full(n_groups, -np.inf)
    np.maximum.at(mx, groups, s)
    e = np.exp(s - mx[groups])
    z = np.bincount(groups, e, n_groups)
    return mx, z, e / z[groups]


def fit(X, groups, gold, hidden: int = 0, l2: float = 1.0, l2_hidden: float = 1.0, iters: int = 300,
        seed: int = 0) -> dict:
    """Parameters {"w", "W", "b", "v"} maximising the penalised likelihood of
    the gold candidate (`gold`: row index per group) of each group."""
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix

    n, d = X.shape
    # a candidate has a few dozen of the features set: sparse products are
    # several times faster than dense ones on the ~400,000 rows of PDNC
    X = csr_matrix(X)
    XT = X.T.tocsr()
    n_groups = int(groups.max()) + 1
    h = hidden
    sizes = [d, h * d, h, h]

    def unpack(theta):
        out, at = [], 0
        for k in sizes:
            out.append(theta[at : at + k])
            at += k
        w, W, b, v = out
        return w, W.reshape(h, d), b, v

    def loss(theta):
        w, W, b, v = unpack(theta)
        s = X @ w
        if h:
            H = np.tanh(X @ W.T + b)
            s = s + H @ v
        mx, z, p = _group_softmax(s, groups, n_groups)
        nll = -(s[gold] - mx - np.log(z)).sum()
        ds = p.copy()
        np.subtract.at(ds, gold, 1.0)
        gw = XT @ ds + l2 * w
        nll += 0.5 * l2 * w @ w
        if not h:
            return nll, gw
        gv = H.T @ ds + l2_hidden * v
        dz = np.outer(ds, v) * (1.0 - H * H)
        gW = (XT @ dz).T + l2_hidden * W
        gb = dz.sum(0)
        nll += 0.5 * l2_hidden * ((W * W).sum() + v @ v)
        return nll, np.concatenate([gw, gW.ravel(), gb, gv])

    rng = np.random.default_rng(seed)
    theta0 = np.concatenate([np.zeros(d), rng.normal(0, 0.3, h * d), np.zeros(h), rng.normal(0, 0.3, h)])
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": iters})
    w, W, b, v = unpack(res.x)
    return {"w": w, "W": W, "b": b, "v": v}
