"""Train and cross-validate the content stage's rating model.

    python -m ficdex.train.content ../shared/data/ao3-dev/gold.jsonl --out ficdex/models/content

Only each work's story `text` is read as input; the author's rating is the
label and their warnings/freeforms are used only for scoring.  "Not Rated"
works have no label and are left out of rating training and scoring.

The model is three L2-regularised logistic regressions ("at least Teen",
"at least Mature", "at least Explicit") over ~37 interpretable features.  With
56 Explicit and 74 Mature works, anything bigger would learn the dev set.
Decision thresholds are chosen on out-of-fold probabilities *inside* the
training data, trading exact accuracy for the recall a reader needs (missing
an Explicit work, or calling a Mature one General, costs far more than
over-rating a Teen one).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from itertools import product
from pathlib import Path

import numpy as np

from ..analysis.content import RATINGS, RatingModel, features, floor_level, signals
from ..model import RawChapter, Source, build_story

FOLDS = 5
SEED = 20240605
L2 = 3.0
GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)
# How much one point of shortfall against a goal costs, in points of accuracy.
# The goals cannot all be met from the text (CV, ao3-dev): pushing Mature/
# Explicit-as-General to 2% drags accuracy to ~0.45, and Explicit recall
# plateaus near 0.70 because a fifth of the Explicit works are first chapters
# with no sexual content yet.  These weights chase Explicit recall fully and
# the General floor moderately; see docs/content.md for the trade-off table.
EXPLICIT_WEIGHT = 1.0
GENERAL_WEIGHT = 0.3


def load_gold(path: str | Path, limit: int | None = None) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
                if limit and len(rows) >= limit:
                    break
    return rows


def work_signals(row: dict):
    """Signals over the text as the stage would see it: paragraphs as the
    plain-text reader makes them (blank-line separated)."""
    story = build_story([RawChapter(None, row["text"].split("\n\n"))], source=Source("gold", "text"))
    return signals(story.text, [(p.start, p.end) for p in story.paragraphs()])


def label(row: dict) -> int | None:
    r = row.get("rating")
    return RATINGS.index(r) if r in RATINGS else None


# ---- model fitting ----------------------------------------------------------------

def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float | None = None) -> tuple[np.ndarray, float]:
    """Newton's method on the L2-penalised log loss (the bias is not penalised)."""
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, L2 if l2 is None else l2)
    reg[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(A @ w, -30, 30)))
        grad = A.T @ (p - y) + reg * w
        H = (A * (p * (1 - p))[:, None]).T @ A + np.diag(reg + 1e-9)
        step = np.linalg.solve(H, grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w[:-1], float(w[-1])


def fit_levels(X: np.ndarray, y: np.ndarray) -> dict:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    Z = (X - mean) / scale
    levels = []
    for k in range(1, len(RATINGS)):
        w, b = fit_logistic(Z, (y >= k).astype(float))
        levels.append({"w": [round(float(v), 5) for v in w], "b": round(b, 5)})
    return {"mean": [round(float(v), 6) for v in mean], "scale": [round(float(v), 6) for v in scale], "levels": levels}


def cumulative(params: dict, X: np.ndarray) -> np.ndarray:
    Z = (X - np.array(params["mean"])) / np.array(params["scale"])
    cum = np.column_stack([1.0 / (1.0 + np.exp(-np.clip(Z @ np.array(lv["w"]) + lv["b"], -30, 30)))
                           for lv in params["levels"]])
    return np.minimum.accumulate(cum, axis=1)


FEATURES = list(features(signals("")))
_BLOCK_MAX = FEATURES.index("sex_explicit.block_max")


def decide(cum: np.ndarray, thresholds, X: np.ndarray | None = None) -> np.ndarray:
    """Levels from cumulative probabilities; with X, the stage's floor rule too."""
    level = (cum >= np.asarray(thresholds)).astype(int).cumprod(axis=1).sum(axis=1)
    if X is not None:
        floors = [floor_level(int(round(v))) for v in np.expm1(X[:, _BLOCK_MAX])]
        level = np.maximum(level, floors)
    return level


def rating_metrics(y: np.ndarray, pred: np.ndarray) -> dict:
    conf = np.zeros((4, 4), dtype=int)
    for a, b in zip(y, pred):
        conf[a, b] += 1
    explicit = y == 3
    mature_up = y >= 2
    return {
        "n": int(len(y)),
        "accuracy": float((y == pred).mean()),
        "explicit_recall": float((pred[explicit] == 3).mean()) if explicit.any() else float("nan"),
        "explicit_precision": float((y[pred == 3] == 3).mean()) if (pred == 3).any() else float("nan"),
        "mature_explicit_as_general": float((pred[mature_up] == 0).mean()) if mature_up.any() else float("nan"),
        "confusion": conf.tolist(),
    }


def choose_thresholds(y: np.ndarray, cum: np.ndarray, floors: np.ndarray | int = 0) -> list[float]:
    """Maximise exact accuracy, less penalties for falling short of the goals
    (Explicit recall 0.95; at most 2% of Mature/Explicit rated General)."""
    best, best_t = -1e9, [0.5, 0.5, 0.5]
    explicit, mature_up = y == 3, y >= 2
    for t in product(GRID, GRID, GRID):
        pred = np.maximum(decide(cum, t), floors)
        recall = (pred[explicit] == 3).mean() if explicit.any() else 1.0
        as_general = (pred[mature_up] == 0).mean() if mature_up.any() else 0.0
        score = ((pred == y).mean() - EXPLICIT_WEIGHT * max(0.0, 0.95 - recall)
                 - GENERAL_WEIGHT * max(0.0, as_general - 0.02))
        if score > best + 1e-12:
            best, best_t = score, [float(v) for v in t]
    return best_t


def stratified_folds(y: np.ndarray, k: int = FOLDS, seed: int = SEED) -> np.ndarray:
    """Fold number per item: each class shuffled (fixed seed) and dealt round-robin."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(y), dtype=int)
    offset = 0
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        fold[idx] = (np.arange(len(idx)) + offset) % k
        offset += len(idx)
    return fold


def train(X: np.ndarray, y: np.ndarray) -> dict:
    """Fit on all of X; thresholds from inner out-of-fold probabilities."""
    inner = stratified_folds(y, seed=SEED + 1)
    oof = np.zeros((len(y), 3))
    for f in range(FOLDS):
        tr = inner != f
        oof[~tr] = cumulative(fit_levels(X[tr], y[tr]), X[~tr])
    params = fit_levels(X, y)
    params["thresholds"] = choose_thresholds(y, oof, decide(np.zeros((len(y), 3)), [1, 1, 1], X))
    return params


def cross_validate(X: np.ndarray, y: np.ndarray, log=print) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Out-of-fold predictions: each work rated by the model that never saw it."""
    folds = stratified_folds(y)
    pred = np.zeros(len(y), dtype=int)
    cum = np.zeros((len(y), 3))
    per_fold = []
    for f in range(FOLDS):
        tr, te = folds != f, folds == f
        params = train(X[tr], y[tr])
        cum[te] = cumulative(params, X[te])
        pred[te] = decide(cum[te], params["thresholds"], X[te])
        m = rating_metrics(y[te], pred[te])
        per_fold.append(m)
        log(f"fold {f + 1}: n={m['n']} accuracy={m['accuracy']:.3f} explicit recall={m['explicit_recall']:.3f} "
            f"M/E->General={m['mature_explicit_as_general']:.3f} thresholds={params['thresholds']}")
    return pred, cum, per_fold


def matrix(rows: list[dict]) -> tuple[list[str], np.ndarray, np.ndarray, list]:
    sigs = [work_signals(r) for r in rows]
    feats = [features(s) for s in sigs]
    names = list(feats[0])
    X = np.array([[f[n] for n in names] for f in feats])
    y = np.array([label(r) if label(r) is not None else -1 for r in rows])
    return names, X, y, sigs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold", help="gold.jsonl (ao3-dev)")
    ap.add_argument("--out", default="ficdex/models/content", help="directory for rating.json")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--eval", action="store_true", help="print cross-validated figures only; write nothing")
    args = ap.parse_args(argv)
    if args.eval:
        print(format_report(evaluate_content(args.gold, args.limit, log=print)))
        return 0
    return run(args.gold, args.out, args.limit)


def run(gold: str, out: str, limit: int | None = None, log=print) -> int:
    rows = load_gold(gold, limit)
    names, X, y, _ = matrix(rows)
    keep = y >= 0
    X, y = X[keep], y[keep]
    log(f"{len(y)} rated works (Not Rated left out): " + ", ".join(f"{r} {int((y == i).sum())}" for i, r in enumerate(RATINGS)))
    pred, _, per_fold = cross_validate(X, y, log)
    m = rating_metrics(y, pred)
    log(f"cross-validated: accuracy={m['accuracy']:.3f} (majority {float((y == 0).mean()):.3f}) "
        f"explicit recall={m['explicit_recall']:.3f} precision={m['explicit_precision']:.3f} "
        f"M/E->General={m['mature_explicit_as_general']:.3f}")
    log(f"mean over folds: accuracy={np.mean([f['accuracy'] for f in per_fold]):.3f}")
    log("confusion (rows gold, cols predicted; G T M E):")
    for r, line in zip("GTME", m["confusion"]):
        log(f"  {r} {line}")
    params = train(X, y)
    params["features"] = names
    params["cv"] = {k: v for k, v in m.items() if k != "confusion"} | {"folds": FOLDS, "seed": SEED}
    RatingModel(params)  # the stage must be able to read what we write
    Path(out).mkdir(parents=True, exist_ok=True)
    path = Path(out) / "rating.json"
    path.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    log(f"wrote {path} (thresholds {params['thresholds']})")
    return 0


# ---- evaluation -----------------------------------------------------------------

WARNINGS = ("Rape/Non-Con", "Underage", "Major Character Death", "Graphic Depictions Of Violence")
# Our tag -> the author freeforms (or gold fields) that count as agreeing with it.
TAG_GOLD = {
    "Dubious Consent": r"dub|non-?con|rape|consent",
    "Implied/Referenced Underage": r"underage",
    "First Kiss": r"first kiss",
    "Explicit Sexual Content": r"sex|smut|porn|explicit",
    "Drug Use": r"drug",
    "Alcohol": r"alcohol|drunk|drinking",
    "Swearing": r"swear|language|profanity|cursing",
}


def _warning_gold(row: dict, warning: str) -> bool | None:
    """True/False, or None when the author opted out and did not name it."""
    ws = row.get("warnings") or []
    if warning in ws:
        return True
    if not ws or any("Choose Not" in w for w in ws):
        return None
    return False


def _pr(pairs: list[tuple[bool, bool]]) -> dict:
    tp = sum(g and p for g, p in pairs)
    fp = sum(p and not g for g, p in pairs)
    fn = sum(g and not p for g, p in pairs)
    return {"precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None,
            "gold": tp + fn, "predicted": tp + fp}


def evaluate_content(gold_path: str | Path, limit: int | None = None, log=None) -> dict:
    """Cross-validated rating figures (each work rated by a fold model that did
    not train on it) plus warning and tag precision/recall on the same works.
    Warnings and tags are hand-set rules, so their figures are in-sample."""
    from ..analysis.content import additional_tags, warnings as warn_rules

    rows = load_gold(gold_path, limit)
    _, X, y, sigs = matrix(rows)
    keep = y >= 0
    pred, _, per_fold = cross_validate(X[keep], y[keep], log or (lambda *a: None))
    m = rating_metrics(y[keep], pred)
    majority = int(np.bincount(y[keep]).argmax())
    base = rating_metrics(y[keep], np.full(int(keep.sum()), majority))
    out = {"works": len(rows), "rated": int(keep.sum()),
           "rating": m | {"fold_accuracy": [f["accuracy"] for f in per_fold]},
           "rating_baseline": {"tag": RATINGS[majority]} | {k: v for k, v in base.items() if k != "confusion"},
           "warnings": {}, "tags": {}}
    full = np.full(len(rows), -1)
    full[keep] = pred
    pairs: dict[str, list] = {w: [] for w in WARNINGS}
    tag_hits: dict[str, list] = {t: [] for t in TAG_GOLD}
    for row, sig, level in zip(rows, sigs, full):
        found = {w["tag"] for w in warn_rules(sig)}
        for w in WARNINGS:
            g = _warning_gold(row, w)
            if g is not None:
                pairs[w].append((g, w in found))
        gold_text = " | ".join((row.get("freeforms") or []) + (row.get("warnings") or []) + [row.get("rating") or ""])
        for t in additional_tags(sig, max(0, int(level)), found):
            if t["tag"] in tag_hits:
                tag_hits[t["tag"]].append(bool(re.search(TAG_GOLD[t["tag"]], gold_text, re.I)))
    out["warnings"] = {w: _pr(p) for w, p in pairs.items()}
    for t, hits in tag_hits.items():
        authors = sum(bool(re.search(TAG_GOLD[t], " | ".join(r.get("freeforms") or []), re.I)) for r in rows)
        out["tags"][t] = {"predicted": len(hits), "precision": sum(hits) / len(hits) if hits else None,
                          "authors_with_matching_freeform": authors}
    return out


def format_report(r: dict) -> str:
    m, b = r["rating"], r["rating_baseline"]
    lines = [f"{r['rated']} rated works of {r['works']} (5-fold cross-validated rating)",
             f"exact accuracy      {m['accuracy']:.3f}  (goal >= 0.75; majority '{b['tag']}' {b['accuracy']:.3f})",
             f"  per fold          {', '.join(f'{a:.3f}' for a in m['fold_accuracy'])}",
             f"Explicit recall     {m['explicit_recall']:.3f}  (goal >= 0.95; baseline {b['explicit_recall']:.3f})",
             f"Explicit precision  {m['explicit_precision']:.3f}",
             f"M/E rated General   {m['mature_explicit_as_general']:.3f}  (goal <= 0.02; baseline {b['mature_explicit_as_general']:.3f})",
             "confusion (rows: author G T M E; columns: ficdex)"]
    lines += [f"  {r_} {row}" for r_, row in zip("GTME", m["confusion"])]
    fmt = lambda v: "  -  " if v is None else f"{v:.2f}"  # noqa: E731
    for w, s in r["warnings"].items():
        if s["gold"] or s["predicted"]:
            lines.append(f"{w:32s} P={fmt(s['precision'])} R={fmt(s['recall'])} (gold {s['gold']}, flagged {s['predicted']})")
    for t, s in r["tags"].items():
        lines.append(f"tag {t:28s} precision={fmt(s['precision'])} on {s['predicted']} "
                     f"(authors tagged {s['authors_with_matching_freeform']})")
    return "\n".join(lines)


def train_content(gold: str, out: str = "ficdex/models/content", limit: int | None = None) -> None:
    """Train the content rating model (a plain function, for a Typer command)."""
    run(gold, out, limit)


if __name__ == "__main__":
    sys.exit(main())
