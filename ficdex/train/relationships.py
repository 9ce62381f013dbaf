"""Train and cross-validate the relationships stage's models on AO3 dev works.

    ficdex train relationships ../shared/data/ao3-dev/gold.jsonl

Each work is analysed from its story text alone by the default pipeline up
to (not including) the relationships stage; `ficdex.analysis.pairs` turns the
result into one feature row per pair of leading characters.  The labels are
the author's relationship tags, matched to ficdex's characters by the same
name rule the eval uses (`ficdex.eval.names`).  Three small logistic
regressions (numpy, `train.linear.fit_logistic`):

* `tagged`: is this pair one the author tagged at all (ranks the pairs);
* `romantic`: among tagged pairs, is it `A/B` rather than `A & B`;
* `work`: is the work anything but Gen (its category).

Folds are by work (stratified on Gen / not Gen), so no work's pairs are on
both sides; the printed figures are out-of-fold.  The shipped weights are
fitted on every work afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from ..analysis import pairs as P
from ..analysis import relationships as R
from ..analysis.relationships import (PRIOR_FEATURES, WORK_FEATURES, PairPrior, RelationshipModel, _Logistic,
                                      _Stacked, decide, pair_key, with_pairs, work_features)
from ..eval import names
from ..eval.ao3 import character_forms, load_gold, score_category, score_relationships, story_from_text
from ..model import Source
from .linear import FOLDS, SEED, bag_matrix, bag_vocab, fit_dual, fit_logistic, stratified_folds

L2 = 3.0
# The work model reads a bag of words (`pairs.bag`) beside its features (5-fold CV on
# Gen / not Gen: 0.743 with the features alone, 0.768 with the bag).
BAG_L2 = 0.3
BAG_LEXW = 0.3  # the features' scale beside the bag (smaller = a stronger penalty)
BAG_MIN_DF = 3
BAG_TOP_K = 2000  # words shipped: the largest weights


def analyse(works: list[dict], source: str, progress=None) -> list:
    """The default pipeline minus the relationships stage, per work."""
    from ..analysis.pipeline import DEFAULT_STAGES, REGISTRY, Pipeline, load_stages

    load_stages()
    pipe = Pipeline([REGISTRY[n]() for n in DEFAULT_STAGES if n in REGISTRY and n != "relationships"])
    docs = []
    for i, w in enumerate(works):
        docs.append(pipe(story_from_text(w.get("text") or "", Source(path=f"{source}#{w.get('id', i)}", format="text"))))
        if progress:
            progress(i + 1, len(works))
    return docs


def _forms(c: dict) -> set[str]:
    return {"reader", "you"} if c.get("id") == P.READER else character_forms(c)


def pair_labels(gold: list[str], chars: list[dict], keys: list[tuple[str, str]]) -> tuple[list, list]:
    """Per pair: (tagged, romantic); romantic is None for untagged pairs.
    Members of a three-way pairing ("A/B/C") count as romantic pairs."""
    forms = {c["id"]: _forms(c) for c in chars}
    tagged, romantic = [], []
    for a, b in keys:
        hit = None
        for tag in gold:
            sep, members = names.split_pairing(tag)
            if len(members) < 2 or not sep:
                continue
            ia = [k for k, m in enumerate(members) if names.names_match(m, forms[a])]
            ib = [k for k, m in enumerate(members) if names.names_match(m, forms[b])]
            if any(x != y for x in ia for y in ib):
                hit = sep
                break
        tagged.append(hit is not None)
        romantic.append(None if hit is None else hit == "/")
    return tagged, romantic


def build(works: list[dict], docs: list) -> list[dict]:
    """Per work: features, labels and what scoring needs."""
    data = []
    for w, doc in zip(works, docs):
        c = P.candidates(doc)
        tagged, romantic = pair_labels(w.get("relationships") or [], c.chars, c.keys)
        cat = w.get("category") or []
        data.append({"chars": c.chars, "keys": c.keys, "X": np.array(c.rows, dtype=float).reshape(-1, len(P.FEATURES)),
                     "tagged": tagged, "romantic": romantic, "work": work_features(c.rows, c.work),
                     "bag": P.bag(doc.story.text), "gold_rels": w.get("relationships") or [], "gold_cat": cat,
                     "not_gen": None if not cat else cat != ["Gen"]})
    return data


def _standard(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def _fit(X: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> dict:
    mean, scale = _standard(X)
    Z = (X - mean) / scale
    if weight is not None:  # integer weights by repetition keep fit_logistic as it is
        reps = np.maximum(1, np.round(weight)).astype(int)
        Z, y = np.repeat(Z, reps, axis=0), np.repeat(y, reps)
    w, b = fit_logistic(Z, y.astype(float), L2)
    return {"mean": [round(float(v), 6) for v in mean], "scale": [round(float(v), 6) for v in scale],
            "w": [round(float(v), 5) for v in w], "b": round(b, 5)}


def _fit_bag(X: np.ndarray, y: np.ndarray, bags: list[dict]) -> dict:
    """Features (scaled by BAG_LEXW) beside the bag of words, fitted in the
    dual (n x n), then the vocabulary trimmed to the BAG_TOP_K words of
    largest weight and refitted, so what ships is what was scored."""
    mean, scale = _standard(X)
    Z = BAG_LEXW * (X - mean) / scale
    vocab = bag_vocab(bags, BAG_MIN_DF)
    for trim in (True, False):
        A = np.hstack([Z, bag_matrix(bags, vocab)])
        a, b = fit_dual(A @ A.T, y.astype(float), BAG_L2)
        W = A.T @ a
        if trim and len(vocab) > BAG_TOP_K:
            keep = np.argsort(-np.abs(W[Z.shape[1]:]), kind="stable")[:BAG_TOP_K]
            vocab = sorted(vocab[i] for i in keep)
        else:
            break
    nz = Z.shape[1]
    return {"mean": [round(float(v), 6) for v in mean], "scale": [round(float(v), 6) for v in scale],
            "w": [round(float(BAG_LEXW * v), 5) for v in W[:nz]], "b": round(b, 5),
            "vocab": {t: round(float(v), 4) for t, v in zip(vocab, W[nz:]) if abs(v) >= 5e-5}}


def _work_counts(d: dict) -> dict[str, list[int]]:
    """A work's pairs of canon characters: [seen, tagged, romantic] per key."""
    by_id = {c["id"]: c for c in d["chars"]}
    out: dict[str, list[int]] = {}
    for (a, b), t, r in zip(d["keys"], d["tagged"], d["romantic"]):
        key = pair_key(by_id[a], by_id[b])
        if key:
            c = out.setdefault(key, [0, 0, 0])
            c[0], c[1], c[2] = c[0] + 1, c[1] + bool(t), c[2] + (r is True)
    return out


def pair_prior(data: list[dict]) -> PairPrior:
    counts: dict[str, list[int]] = {}
    for d in data:
        for key, c in _work_counts(d).items():
            tot = counts.setdefault(key, [0, 0, 0])
            for i in range(3):
                tot[i] += c[i]
    seen, tagged, romantic = (sum(c[i] for c in counts.values()) for i in range(3))
    return PairPrior(counts, tagged / max(1, seen), romantic / max(1, tagged))


def prior_rows(d: dict, prior: PairPrior) -> np.ndarray:
    """The pair prior of each of a training work's pairs, the work's own tags
    taken out (it was counted on this work too, and would carry the label)."""
    by_id = {c["id"]: c for c in d["chars"]}
    mine = _work_counts(d)
    rows = [prior.row(k, tuple(mine.get(k, (0, 0, 0)))) for k in (pair_key(by_id[a], by_id[b]) for a, b in d["keys"])]
    return np.array(rows, dtype=float).reshape(-1, len(PRIOR_FEATURES) - 1)


def partners(data: list[dict]) -> dict[str, list]:
    """Per canon character: the partner its works' authors tagged it `/` with
    most, as [partner, works, works it was a leading character of], kept when
    R.PARTNER_MIN_WORKS and R.PARTNER_MIN_SHARE hold.  A partner's spellings
    ("Peeta" / "Peeta Mellark") are one partner, written as most wrote it."""
    led: Counter = Counter()
    got: dict[str, list[tuple[set[str], Counter]]] = defaultdict(list)
    for d in data:
        forms = [(c, _forms(c)) for c in d["chars"] if c.get("tag") and c["id"] != P.READER]
        led.update({c["tag"] for c, _ in forms})
        counted = set()
        for tag in d["gold_rels"]:
            sep, members = names.split_pairing(tag)
            sides = names.strip_parens(tag).split("/")
            if sep != "/" or len(members) != 2 or len(sides) != 2:
                continue
            for i in (0, 1):
                other = names.strip_parens(sides[1 - i])
                hit = [c for c, f in forms if names.names_match(members[i], f)]
                if not hit or not names.is_person_tag(other) or names.names_match(members[1 - i], _forms(hit[0])):
                    continue
                groups = got[hit[0]["tag"]]
                g = next((g for g in groups if names.names_match(g[0], members[1 - i])), None)
                if g is None:
                    groups.append(g := (set(members[1 - i]), Counter()))
                if (hit[0]["tag"], id(g)) not in counted:
                    counted.add((hit[0]["tag"], id(g)))
                    g[1][other] += 1
    out = {}
    for tag, groups in got.items():
        forms, spell = max(groups, key=lambda g: (sum(g[1].values()), -len(g[0])))
        n = sum(spell.values())
        if n >= R.PARTNER_MIN_WORKS and n >= R.PARTNER_MIN_SHARE * led[tag]:
            out[tag] = [spell.most_common(1)[0][0], n, led[tag]]
    return dict(sorted(out.items()))


def _fit_stacked(X: np.ndarray, prior: np.ndarray, y: np.ndarray) -> dict:
    """The text model, then the stack on its logit and the prior."""
    text = _fit(X, y)
    z = np.array([_Logistic(text).logit(x) for x in X.tolist()])
    return dict(text, stack=_fit(np.column_stack([z, prior]), y))


def fit(data: list[dict]) -> dict:
    prior = pair_prior(data)
    with_keys = [d for d in data if len(d["keys"])]
    X = np.vstack([d["X"] for d in with_keys])
    Pr = np.vstack([prior_rows(d, prior) for d in with_keys])
    tagged = np.concatenate([d["tagged"] for d in data if len(d["keys"])]).astype(float)
    rom = [r for d in data for r in d["romantic"]]
    mask = np.array([r is not None for r in rom])
    yrom = np.array([bool(r) for r, m in zip(rom, mask) if m], dtype=float)
    works = [(d, prior_rows(d, prior)) for d in data if d["not_gen"] is not None]
    m_tagged, m_rom = _fit_stacked(X, Pr, tagged), _fit_stacked(X[mask], Pr[mask], yrom)
    # The work model reads the pair models' verdict (in-fold: the pair
    # models have 36 weights, too few to fit a work by heart).
    lt, lr = _Stacked(m_tagged), _Stacked(m_rom)
    Xw = np.array([with_pairs(d["work"], [(lt(x, p), lr(x, p)) for x, p in zip(d["X"].tolist(), pr.tolist())])
                   for d, pr in works], dtype=float)
    works = [d for d, _ in works]
    yw = np.array([d["not_gen"] for d in works], dtype=float)
    return {
        "features": list(P.FEATURES),
        "prior_features": list(PRIOR_FEATURES),
        "work_features": list(WORK_FEATURES),
        "tagged": m_tagged,
        "romantic": m_rom,
        "work": _fit_bag(Xw, yw, [d["bag"] for d in works]),
        "prior": prior.to_json(),
        "partners": partners(data),
    }


def predict(model: dict, data: list[dict]) -> tuple[list[list[str]], list[list[str]]]:
    """Relationship tags and category tags per work, as the stage makes them."""
    m = RelationshipModel(model)
    rels, cats = [], []
    for d in data:
        out, cat = decide(m, d["chars"], d["keys"], d["X"].tolist(), d["work"], d["bag"])
        rels.append([r["tag"] for r in out])
        cats.append([c["tag"] for c in cat])
    return rels, cats


def figures(data: list[dict], rels: list[list[str]], cats: list[list[str]]) -> dict:
    gold_rels = [d["gold_rels"] for d in data]
    # precision of everything emitted, against every tag the author gave
    emitted = sum(len(r) for r in rels)
    right = sum(any(names.pairings_match(g, p) for g in gr) for gr, rs in zip(gold_rels, rels) for p in rs)
    cat = score_category([d["gold_cat"] for d in data], cats)
    return {
        "relationship_top3_recall": score_relationships(gold_rels, rels)["top3_recall"],
        "relationship_precision": right / emitted if emitted else None,
        "pairings_per_work": emitted / max(1, len(data)),
        "category_accuracy": cat["exact"],
        "category_primary_accuracy": cat["primary"],
        "works": len(data),
    }


def cross_validate(data: list[dict], k: int = FOLDS, seed: int = SEED) -> dict:
    strata = np.array([0 if d["not_gen"] is None else 1 + int(d["not_gen"]) for d in data])
    fold = stratified_folds(strata, k, seed)
    rels: list = [None] * len(data)
    cats: list = [None] * len(data)
    for f in range(k):
        model = fit([d for d, g in zip(data, fold) if g != f])
        held = [i for i in range(len(data)) if fold[i] == f]
        r, c = predict(model, [data[i] for i in held])
        for i, ri, ci in zip(held, r, c):
            rels[i], cats[i] = ri, ci
    return figures(data, rels, cats)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="ficdex train relationships")
    ap.add_argument("gold")
    ap.add_argument("--out", default="ficdex/models/relationships")
    ap.add_argument("--eval", action="store_true", help="print the cross-validated figures only")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)
    works = load_gold(args.gold, args.limit or None)
    docs = analyse(works, args.gold, lambda i, n: print(f"\ranalysed {i}/{n}", end="", file=sys.stderr))
    print(file=sys.stderr)
    data = build(works, docs)
    cv = cross_validate(data)
    print(f"{FOLDS}-fold cross-validation over {len(data)} works (out-of-fold):")
    for key, v in cv.items():
        print(f"  {key:28s} {v:.3f}" if isinstance(v, float) else f"  {key:28s} {v}")
    if args.eval:
        return 0
    model = fit(data)
    model["cross_validation"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in cv.items()}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pairs.json").write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out / 'pairs.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
