"""Gradient-boosted trees for the rating levels, measured beside the linear model.

    python -m ficdex.train.content_trees ../shared/data/ao3-dev/gold.jsonl --fandoms-cache F

The linear model adds its signals up: a kiss counts the same in a fandom
whose works lean General as in one that leans Explicit, and ten violence hits
count ten times one.  Shallow trees can learn such interactions (a kiss in a
Teen-heavy fandom, violence only above some density).  Same inputs (the 40
lexicon features and the fandom prior's 3 columns, the prior fitted inside
each training fold), same folds, same inner out-of-fold thresholds and the
stage's floor and Explicit cap: only the fit differs, so the trade-off tables
compare directly.  numpy only (histogram splits on quantile bins, Newton
leaves), so a fitted model is a list of small trees a stage could read from
JSON.  Measured, not shipped (docs/content.md).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from .content import format_tradeoff, load_gold, matrix, tradeoff_rows, with_prior, work_fandoms
from .linear import FOLDS, SEED, stratified_folds

ROUNDS = 60      # trees per level
DEPTH = 2        # two splits deep: one interaction per tree
RATE = 0.1       # shrinkage
BINS = 16        # candidate split points per feature (training quantiles)
MIN_LEAF = 8.0   # hessian mass a leaf needs (~30 works at p = 0.5)
LAMBDA = 1.0     # L2 on leaf values


def _bin_edges(X: np.ndarray) -> list[np.ndarray]:
    return [np.unique(np.quantile(col, np.linspace(0, 1, BINS + 1)[1:-1])) for col in X.T]


def _binned(X: np.ndarray, edges: list[np.ndarray]) -> np.ndarray:
    return np.column_stack([np.searchsorted(e, X[:, j], side="right") for j, e in enumerate(edges)])


def _grow(B, g, h, rows, depth, edges):
    """One node: the best histogram split of `rows`, or a leaf."""
    G, H = g[rows].sum(), h[rows].sum()
    leaf = {"v": float(-G / (H + LAMBDA))}
    if depth == 0 or H < 2 * MIN_LEAF:
        return leaf
    d = B.shape[1]
    idx = (B[rows] + (BINS + 1) * np.arange(d)).ravel()
    gh = np.bincount(idx, np.repeat(g[rows], d), minlength=d * (BINS + 1)).reshape(d, BINS + 1)
    hh = np.bincount(idx, np.repeat(h[rows], d), minlength=d * (BINS + 1)).reshape(d, BINS + 1)
    GL, HL = np.cumsum(gh, axis=1)[:, :-1], np.cumsum(hh, axis=1)[:, :-1]
    GR, HR = G - GL, H - HL
    gain = GL ** 2 / (HL + LAMBDA) + GR ** 2 / (HR + LAMBDA) - G ** 2 / (H + LAMBDA)
    gain[(HL < MIN_LEAF) | (HR < MIN_LEAF)] = -np.inf
    for j, e in enumerate(edges):  # bins past a feature's last edge are not real splits
        gain[j, len(e):] = -np.inf
    j, b = np.unravel_index(int(np.argmax(gain)), gain.shape)
    if not np.isfinite(gain[j, b]) or gain[j, b] <= 1e-9:
        return leaf
    go_left = B[rows, j] <= b
    return {"f": int(j), "t": float(edges[j][b]),
            "l": _grow(B, g, h, rows[go_left], depth - 1, edges),
            "r": _grow(B, g, h, rows[~go_left], depth - 1, edges)}


def _apply(tree: dict, X: np.ndarray) -> np.ndarray:
    if "f" not in tree:
        return np.full(len(X), tree["v"])
    left = X[:, tree["f"]] < tree["t"]
    out = np.empty(len(X))
    out[left] = _apply(tree["l"], X[left])
    out[~left] = _apply(tree["r"], X[~left])
    return out


def fit_trees(X: np.ndarray, y: np.ndarray, rounds: int = ROUNDS, depth: int = DEPTH) -> dict:
    """Boosted trees per cumulative level ("at least Teen / Mature / Explicit"),
    each starting from the level's base log-odds.  A split at edge e sends
    x < e left, the same test the binned fit made (bin = values below e)."""
    edges = _bin_edges(X)
    B = _binned(X, edges)
    rows = np.arange(len(y))
    levels = []
    for k in (1, 2, 3):
        t = (y >= k).astype(float)
        p0 = min(1 - 1e-3, max(1e-3, float(t.mean())))
        base = float(np.log(p0 / (1 - p0)))
        f = np.full(len(y), base)
        trees = []
        for _ in range(rounds):
            p = 1.0 / (1.0 + np.exp(-f))
            tree = _grow(B, p - t, p * (1 - p), rows, depth, edges)
            _scale(tree, RATE)
            trees.append(tree)
            f += _apply(tree, X)
        levels.append({"base": base, "trees": trees})
    return {"levels": levels}


def _scale(tree: dict, r: float) -> None:
    if "f" in tree:
        _scale(tree["l"], r)
        _scale(tree["r"], r)
    else:
        tree["v"] *= r


def cumulative_trees(params: dict, X: np.ndarray) -> np.ndarray:
    logit = np.column_stack([lv["base"] + sum(_apply(t, X) for t in lv["trees"]) for lv in params["levels"]])
    cum = 1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))
    return np.minimum.accumulate(cum, axis=1)


def inner_oof_trees(X: np.ndarray, y: np.ndarray, **kw) -> np.ndarray:
    inner = stratified_folds(y, seed=SEED + 1)
    oof = np.zeros((len(y), 3))
    for f in range(FOLDS):
        tr = inner != f
        oof[~tr] = cumulative_trees(fit_trees(X[tr], y[tr], **kw), X[~tr])
    return oof


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Rank AUC (ties count half)."""
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    s = score[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    npos = int(positive.sum())
    nneg = len(score) - npos
    return float((ranks[positive].sum() - npos * (npos + 1) / 2) / (npos * nneg)) if npos and nneg else float("nan")


def cross_validate_trees(X: np.ndarray, y: np.ndarray, fandoms, seed: int = SEED, blend=1.0,
                         **kw) -> tuple[list[dict], list[float]]:
    """The trainer's cross-validation with trees in place of the linear fit
    (`blend` < 1: that share of the trees' logit plus the rest of the linear
    model's, on the same inputs; one share, or one per level).  One trade-off
    row per operating point, and the out-of-fold AUC of each level."""
    share = np.broadcast_to(np.asarray(blend, dtype=float), (3,))
    from .linear import cumulative, fit_levels, inner_oof

    folds = stratified_folds(y, seed=seed)
    cum = np.zeros((len(y), 3))
    kept = []

    def mix(a, b):
        lg = lambda p: np.log(np.clip(p, 1e-9, 1 - 1e-9) / np.clip(1 - p, 1e-9, 1))  # noqa: E731
        return np.minimum.accumulate(1 / (1 + np.exp(-(share * lg(a) + (1 - share) * lg(b)))), axis=1)

    for f in range(FOLDS):
        tr, te = folds != f, folds == f
        Xf = with_prior(X, y, tr, fandoms)
        if share.max() > 0.0:
            oof = inner_oof_trees(Xf[tr], y[tr], **kw)
            c = cumulative_trees(fit_trees(Xf[tr], y[tr], **kw), Xf[te])
        if share.min() < 1.0:  # blend 0: the linear model alone, for its AUCs on the same folds
            lin_oof, lin = inner_oof(Xf[tr], y[tr]), cumulative(fit_levels(Xf[tr], y[tr]), Xf[te])
            oof, c = (lin_oof, lin) if share.max() <= 0.0 else (mix(oof, lin_oof), mix(c, lin))
        cum[te] = c
        kept.append((tr, te, oof))
    return tradeoff_rows(X, y, kept, cum), [auc(cum[:, k], y >= k + 1) for k in range(3)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold")
    ap.add_argument("--fandoms-cache", default=None)
    ap.add_argument("--no-fandoms", action="store_true")
    ap.add_argument("--rounds", type=int, default=ROUNDS)
    ap.add_argument("--depth", type=int, default=DEPTH)
    ap.add_argument("--blend", default="1.0",
                    help="share of the trees' logit beside the linear model's: one number, or three (per level)")
    ap.add_argument("--seed", type=int, default=SEED, help="outer fold seed")
    args = ap.parse_args(argv)
    rows = load_gold(args.gold)
    _, X, y, _ = matrix(rows)
    keep = y >= 0
    tags = None if args.no_fandoms else [t for t, k in zip(work_fandoms(rows, args.fandoms_cache), keep) if k]
    blend = [float(v) for v in args.blend.split(",")]
    table, aucs = cross_validate_trees(X[keep], y[keep], tags, args.seed, blend if len(blend) == 3 else blend[0],
                                       rounds=args.rounds, depth=args.depth)
    print(f"trees: rounds {args.rounds}, depth {args.depth}, blend {args.blend}, seed {args.seed}; "
          f"out-of-fold AUC >=Teen {aucs[0]:.3f} >=Mature {aucs[1]:.3f} >=Explicit {aucs[2]:.3f}")
    print(format_tradeoff(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
