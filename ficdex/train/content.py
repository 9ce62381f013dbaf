"""Train and cross-validate the content stage's rating model.

    python -m ficdex.train.content ../shared/data/ao3-dev/gold.jsonl --out ficdex/models/content

Only each work's story `text` is read as input (through the pipeline's own
stages up to fandoms, for the fandom prior); the author's rating is the label
and their warnings/freeforms are used only for scoring.  "Not Rated" works
have no label and are left out of rating training and scoring.

The model is three L2-regularised logistic regressions ("at least Teen",
"at least Mature", "at least Explicit") over 40 lexicon features and the 3
columns of the fandom prior (fitted inside each training fold).  With
56 Explicit and 74 Mature works, anything bigger would learn the dev set.
Decision thresholds are chosen on out-of-fold probabilities *inside* the
training data, trading exact accuracy for the recall a reader needs (missing
an Explicit work, or calling a Mature one General, costs far more than
over-rating a Teen one).  The threshold grid reaches down to 0.01, because
the Explicit recall goal needs "at least Explicit" probabilities of 0.01-0.02
to count.  Every run prints a trade-off table: the same cross-validation at
several penalty weights, so the operating point shipped is a visible choice.

`--bag` adds a bag of words (1 + log count, unit length) beside the lexicon
features, fitted in the dual (n x n Newton) and trimmed to the TOP_K words of
largest weight, then refitted; the stage reads it if the model file carries a
"vocab".  It was measured and does not ship (docs/content.md).

`--eval` prints the figures only (content_eval.py: the same cross-validation,
plus the warning rules and tags scored against authors' tags).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from ..analysis.content import RATINGS, Signals, features, signals
from ..analysis.rating import FANDOM_FEATURES, RatingModel, bag, fandom_tags, rate
from ..model import RawChapter, Source, build_story
# The numpy fitting machinery lives in .linear to keep both modules readable;
# it is re-exported here because tests and callers import it from this module.
from .linear import (EXPLICIT_WEIGHT, FEATURES, FOLDS, GENERAL_WEIGHT, GRID, L2, L2_BOW, LEXW, MIN_DF, SEED,
                     TOP_K, bag_matrix, choose_thresholds, cumulative, decide, doc_bags, fandom_prior, fit_dual,
                     fit_levels, fit_logistic, inner_oof, prior_columns, rating_metrics, stage_caps, stage_floors,
                     stratified_folds, train)

__all__ = [
    # re-exported from .linear
    "EXPLICIT_WEIGHT", "FEATURES", "FOLDS", "GENERAL_WEIGHT", "GRID", "L2", "L2_BOW", "LEXW", "MIN_DF", "SEED",
    "TOP_K", "bag_matrix", "choose_thresholds", "cumulative", "decide", "doc_bags", "fandom_prior", "fit_dual",
    "fit_levels", "fit_logistic", "inner_oof", "prior_columns", "rating_metrics", "stage_caps", "stage_floors",
    "stratified_folds", "train",
    # defined here
    "load_gold", "work_signals", "label", "OPERATING_POINTS", "cross_validate", "format_tradeoff", "matrix",
    "main", "run", "SHIPPED", "train_shipped", "train_content", "stage_ratings_cv", "work_fandoms", "with_prior",
]


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


def work_fandoms(rows: list[dict], cache: str | Path | None = None, log=print) -> list[list[str]]:
    """The fandoms stage's tags for each work (its first FANDOMS_READ), from
    the default pipeline's stages up to and including fandoms, exactly as the
    content stage will read them.  Slow (the entity tagger): `cache`, a JSON
    file of work id -> tags, is read when it exists and written otherwise;
    delete it when those stages change."""
    if cache and Path(cache).is_file():
        known = json.loads(Path(cache).read_text(encoding="utf-8"))
        if all(r["id"] in known for r in rows):
            return [known[r["id"]] for r in rows]
    from ..analysis.pipeline import DEFAULT_STAGES, REGISTRY, Pipeline, load_stages
    from ..eval.ao3 import story_from_text

    load_stages()
    upto = DEFAULT_STAGES[: DEFAULT_STAGES.index("fandoms") + 1]
    pipe = Pipeline([REGISTRY[n]() for n in upto if n in REGISTRY])
    out = []
    for i, r in enumerate(rows):
        doc = pipe(story_from_text(r.get("text") or "", Source("gold", "text")))
        out.append(fandom_tags(doc.inferred.get("fandoms")))
        if log and (i + 1) % 200 == 0:
            log(f"fandoms: {i + 1}/{len(rows)} works")
    if cache:
        Path(cache).write_text(json.dumps({r["id"]: t for r, t in zip(rows, out)}), encoding="utf-8")
    return out


def with_prior(X: np.ndarray, y: np.ndarray, train: np.ndarray, fandoms: list[list[str]] | None) -> np.ndarray:
    """X with the fandom prior's columns (fitted on the `train` works), or X."""
    return X if fandoms is None else np.hstack([X, prior_columns(fandoms, y, train)])


# Operating points for the trade-off table: (Explicit weight, General weight)
# in choose_thresholds.  SHIPPED is what ships: from 1.0 / 0.3 up, every row
# reaches the same Explicit recall (0.768; the rest have no sexual passage to
# show), so an Explicit weight above 1 only lowers the thresholds for nothing.
# 1.0 / 2.0 against the earlier 2.0 / 2.0, same folds: accuracy 0.456 -> 0.471,
# Explicit precision 0.387 -> 0.410, M/E->General 0.062 both; over three other
# fold seeds 0.473 -> 0.483, 0.391 -> 0.406, 0.059 both (docs/content.md).
SHIPPED = (1.0, 2.0)
OPERATING_POINTS = ((0.0, 0.0), (0.3, 0.1), (0.5, 0.3), (1.0, 0.3), (1.0, 1.0), (2.0, 1.0), (1.0, 2.0), (2.0, 2.0),
                    (3.0, 3.0), (4.0, 4.0))


def train_shipped(X: np.ndarray, y: np.ndarray, bags: list | None = None, oof: np.ndarray | None = None) -> dict:
    """linear.train at the SHIPPED operating point: fit on all of X, thresholds
    from inner out-of-fold probabilities."""
    if oof is None:
        oof = inner_oof(X, y, bags)
    params = fit_levels(X, y, bags)
    params["thresholds"] = choose_thresholds(y, oof, stage_floors(X), *SHIPPED, caps=stage_caps(X))
    params["operating_point"] = {"explicit_weight": SHIPPED[0], "general_weight": SHIPPED[1]}
    return params


def cross_validate(X: np.ndarray, y: np.ndarray, log=print, bags: list | None = None,
                   tradeoff: list | None = None,
                   fandoms: list[list[str]] | None = None) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Out-of-fold predictions: each work rated by the model that never saw it.
    With `tradeoff` (a list), one row per OPERATING_POINTS entry is appended,
    each with thresholds chosen inside every training fold.  With `fandoms`,
    the fandom prior is fitted inside every training fold too."""
    folds = stratified_folds(y)
    pred = np.zeros(len(y), dtype=int)
    cum = np.zeros((len(y), 3))
    per_fold, kept = [], []
    for f in range(FOLDS):
        tr, te = folds != f, folds == f
        Xf = with_prior(X, y, tr, fandoms)
        btr = None if bags is None else [b for b, t in zip(bags, tr) if t]
        bte = None if bags is None else [b for b, t in zip(bags, te) if t]
        oof = inner_oof(Xf[tr], y[tr], btr)
        params = train_shipped(Xf[tr], y[tr], btr, oof)
        cum[te] = cumulative(params, Xf[te], bte)
        pred[te] = decide(cum[te], params["thresholds"], X[te])
        kept.append((tr, te, oof))
        m = rating_metrics(y[te], pred[te])
        per_fold.append(m)
        log(f"fold {f + 1}: n={m['n']} accuracy={m['accuracy']:.3f} explicit recall={m['explicit_recall']:.3f} "
            f"M/E->General={m['mature_explicit_as_general']:.3f} thresholds={params['thresholds']}"
            + (f" words={len(params.get('vocab', {}))}" if bags is not None else ""))
    if tradeoff is not None:
        tradeoff.extend(tradeoff_rows(X, y, kept, cum))
    return pred, cum, per_fold


def tradeoff_rows(X: np.ndarray, y: np.ndarray, kept: list, cum: np.ndarray) -> list[dict]:
    """One row per OPERATING_POINTS entry: thresholds chosen on each fold's
    training works (`kept`: train mask, test mask, inner out-of-fold
    probabilities), applied to its held-out `cum` probabilities."""
    rows = []
    for ew, gw in OPERATING_POINTS:
        p = np.zeros(len(y), dtype=int)
        ts = []
        for tr, te, oof in kept:
            t = choose_thresholds(y[tr], oof, stage_floors(X[tr]), ew, gw, stage_caps(X[tr]))
            ts.append(t)
            p[te] = decide(cum[te], t, X[te])
        rows.append({"explicit_weight": ew, "general_weight": gw, "thresholds": np.round(np.mean(ts, axis=0), 3).tolist()}
                    | {k: v for k, v in rating_metrics(y, p).items() if k != "confusion"})
    return rows


def stage_ratings_cv(sigs: list[Signals], y, k: int = FOLDS, fandoms: list | None = None) -> list[str | None]:
    """Each rated work's rating exactly as the stage gives it (content.rate,
    with its floor and explicit-passage rules), by a model trained, thresholds
    and all, on the other k-1 folds; None for unrated works (y < 0).  This is
    what `ficdex eval ao3 --cv K` prints instead of the in-sample rows.
    `fandoms` (the fandoms stage's output per work) feeds the fandom prior,
    fitted on the training folds; without it the model reads no fandoms."""
    y = np.asarray(y)
    tags = None if fandoms is None else [fandom_tags(f) for f in fandoms]
    X = np.array([[f[n] for n in FEATURES] for f in map(features, sigs)])
    rated = np.flatnonzero(y >= 0)
    folds = stratified_folds(y[rated], k)
    out: list[str | None] = [None] * len(sigs)
    for f in range(k):
        tr, te = rated[folds != f], rated[folds == f]
        params = {"features": FEATURES}
        Xf = X
        if tags is not None:
            mask = np.zeros(len(y), dtype=bool)
            mask[tr] = True
            Xf = with_prior(X, y, mask, tags)
            params = {"features": FEATURES + list(FANDOM_FEATURES),
                      "fandom_prior": fandom_prior([tags[i] for i in tr], y[tr])}
        model = RatingModel(train_shipped(Xf[tr], y[tr]) | params)
        for i in te:
            out[i] = rate(sigs[i], model, None if tags is None else tags[i])["tag"]
    return out


def format_tradeoff(rows: list[dict]) -> str:
    lines = ["operating point (penalty on Explicit recall < 0.95, on M/E->General > 0.02) -> mean in-fold "
             "thresholds (>=Teen, >=Mature, >=Explicit) -> cross-validated figures",
             "  E-pen G-pen  thresholds           accuracy  Explicit-recall  Explicit-precision  M/E->General"]
    for r in rows:
        mark = "  <- shipped" if (r["explicit_weight"], r["general_weight"]) == SHIPPED else ""
        lines.append(f"  {r['explicit_weight']:5.1f} {r['general_weight']:5.1f}  {str(r['thresholds']):20s} "
                     f"{r['accuracy']:8.3f}  {r['explicit_recall']:15.3f}  {r['explicit_precision']:18.3f}  "
                     f"{r['mature_explicit_as_general']:12.3f}{mark}")
    return "\n".join(lines)


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
    ap.add_argument("--bag", action="store_true",
                    help="add the bag of words beside the lexicon features (tried; see docs/content.md for why it does not ship)")
    ap.add_argument("--no-fandoms", action="store_true",
                    help="leave the fandom prior out (the model then reads the text alone, as before)")
    ap.add_argument("--fandoms-cache", default=None,
                    help="JSON file of work id -> the fandoms stage's tags: read if present, else written")
    args = ap.parse_args(argv)
    fandoms = not args.no_fandoms
    if args.eval:
        # The figures' module builds on this one (folds, matrices, fandoms).
        from .content_eval import evaluate_content, format_report

        print(format_report(evaluate_content(args.gold, args.limit, log=print, lexicon_only=not args.bag,
                                             fandoms=fandoms, cache=args.fandoms_cache)))
        return 0
    return run(args.gold, args.out, args.limit, lexicon_only=not args.bag, fandoms=fandoms, cache=args.fandoms_cache)


def run(gold: str, out: str, limit: int | None = None, log=print, lexicon_only: bool = True,
        fandoms: bool = True, cache: str | None = None) -> int:
    rows = load_gold(gold, limit)
    names, X, y, sigs = matrix(rows)
    keep = y >= 0
    tags = [t for t, k in zip(work_fandoms(rows, cache, log), keep) if k] if fandoms else None
    X, y = X[keep], y[keep]
    bags = None if lexicon_only else [bag(s.text) for s, k in zip(sigs, keep) if k]
    log(f"{len(y)} rated works (Not Rated left out): " + ", ".join(f"{r} {int((y == i).sum())}" for i, r in enumerate(RATINGS)))
    tradeoff: list = []
    pred, _, per_fold = cross_validate(X, y, log, bags, tradeoff, tags)
    m = rating_metrics(y, pred)
    log(f"cross-validated: accuracy={m['accuracy']:.3f} (majority {float((y == 0).mean()):.3f}) "
        f"explicit recall={m['explicit_recall']:.3f} precision={m['explicit_precision']:.3f} "
        f"M/E->General={m['mature_explicit_as_general']:.3f}")
    log(f"mean over folds: accuracy={np.mean([f['accuracy'] for f in per_fold]):.3f}")
    log("confusion (rows gold, cols predicted; G T M E):")
    for r, line in zip("GTME", m["confusion"]):
        log(f"  {r} {line}")
    log(format_tradeoff(tradeoff))
    params = train_shipped(with_prior(X, y, np.ones(len(y), dtype=bool), tags), y, bags)
    vocab = params.pop("vocab", None)
    params["features"] = names + (list(FANDOM_FEATURES) if tags is not None else [])
    if tags is not None:
        params["fandom_prior"] = fandom_prior(tags, y)
    params["cv"] = {k: v for k, v in m.items() if k != "confusion"} | {"folds": FOLDS, "seed": SEED}
    params["cv"]["tradeoff"] = tradeoff
    params["bag"] = None if bags is None else {"l2": L2_BOW, "lexicon_scale": LEXW, "min_df": MIN_DF, "top_k": TOP_K}
    if vocab:
        params["vocab"] = vocab
    RatingModel(params)  # the stage must be able to read what we write
    Path(out).mkdir(parents=True, exist_ok=True)
    path = Path(out) / "rating.json"
    text = json.dumps({k: v for k, v in params.items() if k not in ("vocab", "fandom_prior")}, indent=1)
    if tags is not None:  # one fandom per line, as the vocabulary below
        text = text[:-2] + ',\n "fandom_prior": {\n' + ",\n".join(
            f"  {json.dumps(t)}: {json.dumps(w)}" for t, w in params["fandom_prior"].items()) + "\n }\n}"
    if vocab:  # one word per line keeps the file diffable and small
        text = text[:-2] + ',\n "vocab": {\n' + ",\n".join(
            f"  {json.dumps(t)}: {json.dumps(w)}" for t, w in vocab.items()) + "\n }\n}"
    path.write_text(text + "\n", encoding="utf-8")
    json.loads(path.read_text(encoding="utf-8"))
    log(f"wrote {path} ({path.stat().st_size // 1024} KB, {len(vocab or {})} words; thresholds {params['thresholds']})")
    return 0


def train_content(gold: str, out: str = "ficdex/models/content", limit: int | None = None) -> None:
    """Train the content rating model (a plain function, for a Typer command)."""
    run(gold, out, limit)


if __name__ == "__main__":
    sys.exit(main())
