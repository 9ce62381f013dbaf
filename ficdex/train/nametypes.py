"""Training and cross-validating the tagger's second pass (name types).

The second pass (`ficdex.analysis.nametypes`) reads the tagger's own output,
so it must learn from output like the one it will meet: the tagger's tags on
text it never trained on.  `held_out_tags` therefore runs the tagger's k-fold
cross-validation once and keeps each document's held-out tags (cached as
JSON outside the repository); `cross_validate` then trains and scores the
second pass over the *same* folds, so no document is scored by a second pass
or a tagger that trained on it.  `train` fits the shipped model on every
document's held-out tags.

Each example is one capitalised word type in one document; it is a person
when most of its occurrences lie inside LitBank proper-name PER spans.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from ..errors import InputError
from .litbank import LitDoc, gold_person_names, read_litbank
from .ner import _count, _prf, folds

L2 = 1.0
HI_GRID = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
LO_GRID = (-0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def held_out_tags(litbank_dir: str | Path, cache: str | Path, k: int = 5, progress=None) -> dict[str, list[dict]]:
    """Each document's unpropagated tags from the fold model that did not
    train on it, read from `cache` or computed (a full tagger CV) and saved there."""
    cache = Path(cache)
    if cache.exists():
        data = json.loads(cache.read_text(encoding="utf-8"))
        return data["raw"]
    from .ner import cross_validate

    raw: dict[str, list[dict]] = {}
    res = cross_validate(litbank_dir, k, raw_out=raw, progress=progress)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"result": res, "raw": raw}), encoding="utf-8")
    return raw


class Prepared:
    """One document's text, gold, tags and name-type features, computed once."""

    def __init__(self, lit: LitDoc, raw: list[dict]):
        from ..analysis.entities import propagate
        from ..analysis.nametypes import features

        self.name = lit.name
        self.text = lit.text
        self.raw = raw
        self.gold = gold_person_names(lit)
        self.spread = propagate(lit.text, raw)
        self.parsed = features(lit.text, raw)
        toks, occ, feats = self.parsed
        inside = set()
        for s, e in self.gold:
            inside.update(range(s, e))
        self.types = list(feats)
        self.x = [feats[w] for w in self.types]
        self.y = [
            int(sum(toks[i][0] in inside for i in occ[w]) * 2 >= len(occ[w])) for w in self.types
        ]


def prepare(litbank_dir: str | Path, raw: dict[str, list[dict]]) -> list[Prepared]:
    return prepare_docs(read_litbank(litbank_dir), raw)


def prepare_docs(lit: list[LitDoc], raw: dict[str, list[dict]]) -> list[Prepared]:
    return [Prepared(d, raw[d.name]) for d in lit if d.name in raw]


def fit(x, y, l2: float = L2) -> dict:
    """L2-regularised logistic regression on standardised features (the
    rating model's Newton fit: exact and deterministic at this size)."""
    import numpy as np

    from ..analysis.nametypes import FEATURES
    from .linear import fit_logistic

    x = np.asarray(x, dtype="float64")
    mean = x.mean(0)
    scale = x.std(0)
    scale[scale == 0] = 1.0
    w, bias = fit_logistic((x - mean) / scale, np.asarray(y, dtype="float64"), l2)
    return {
        "features": list(FEATURES),
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "weights": w.tolist(),
        "bias": bias,
    }


def score_docs(docs: list[Prepared], model: dict | None, hi: float, lo: float, probs=None) -> Counter:
    from ..analysis.nametypes import apply, probabilities

    c = Counter()
    for d in docs:
        if model is None:
            ents = d.spread
        else:
            pr = probs[d.name] if probs else probabilities(model, d.parsed[2])
            ents = apply(d.text, d.raw, d.spread, model, hi=hi, lo=lo, probs=pr, parsed=d.parsed)
        _count(c, {(e["start"], e["end"]) for e in ents if e["label"] == "PER"}, d.gold)
    return c


def choose_thresholds(docs: list[Prepared], model: dict, lo_fixed: float | None = None) -> tuple[float, float]:
    """The (hi, lo) with the best F1 on `docs` — the training documents
    (`lo_fixed`: only hi is chosen)."""
    from ..analysis.nametypes import probabilities

    probs = {d.name: probabilities(model, d.parsed[2]) for d in docs}
    best = None
    for hi in HI_GRID:
        for lo in LO_GRID if lo_fixed is None else (lo_fixed,):
            if lo >= hi:
                continue
            f = _prf(score_docs(docs, model, hi, lo, probs))["f1"]
            if best is None or f > best[0] + 1e-9:
                best = (f, hi, lo)
    return best[1], best[2]


def fit_docs(docs: list[Prepared], l2: float = L2, lo: float | None = None) -> dict:
    x = [row for d in docs for row in d.x]
    y = [v for d in docs for v in d.y]
    if not x or len(set(y)) < 2:
        raise InputError("the second pass needs documents with both people and other capitalised words")
    model = fit(x, y, l2)
    model["hi"], model["lo"] = choose_thresholds(docs, model, lo)
    return model


def cross_validate(docs: list[Prepared], k: int = 5, l2: float = L2, lo: float | None = None) -> dict:
    """Second-pass CV over the tagger's folds: before (propagation alone)
    and after, per fold and micro."""
    by_name = {d.name: d for d in docs}
    before, after = Counter(), Counter()
    out = {"folds": []}
    for i, held in enumerate(folds(list(by_name), k)):
        test = [by_name[n] for n in held]
        train = [d for d in docs if d.name not in set(held)]
        model = fit_docs(train, l2, lo)
        b = score_docs(test, None, 0, 0)
        a = score_docs(test, model, model["hi"], model["lo"])
        before.update(b)
        after.update(a)
        out["folds"].append({"fold": i, "before": _prf(b), "after": _prf(a), "hi": model["hi"], "lo": model["lo"]})
    out["before"] = _prf(before)
    out["after"] = _prf(after)
    return out


def train(litbank_dir: str | Path, cache: str | Path, out: str | Path, l2: float = L2) -> dict:
    t0 = time.perf_counter()
    docs = prepare(litbank_dir, held_out_tags(litbank_dir, cache))
    model = fit_docs(docs, l2)
    model["trained_on"] = {
        "documents": len(docs),
        "types": sum(len(d.x) for d in docs),
        "l2": l2,
        "tags": "held-out tags of the tagger's 5-fold CV (ficdex.train.nametypes.held_out_tags)",
        "seconds": round(time.perf_counter() - t0, 1),
    }
    Path(out).write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    return model


def summary(res: dict) -> str:
    lines = []
    for f in res["folds"]:
        b, a = f["before"], f["after"]
        lines.append(
            f"fold {f['fold']}: F1 {b['f1']:.3f} -> {a['f1']:.3f} ({a['f1'] - b['f1']:+.3f})  "
            f"P {b['precision']:.3f}->{a['precision']:.3f} R {b['recall']:.3f}->{a['recall']:.3f}  hi {f['hi']} lo {f['lo']}"
        )
    b, a = res["before"], res["after"]
    lines.append(
        f"micro: F1 {b['f1']:.3f} -> {a['f1']:.3f}  P {b['precision']:.3f} -> {a['precision']:.3f}  "
        f"R {b['recall']:.3f} -> {a['recall']:.3f}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """python -m ficdex.train.nametypes LITBANK --cache C [--out M] [--cv 5]"""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m ficdex.train.nametypes", description=__doc__.split("\n\n")[0])
    ap.add_argument("litbank")
    ap.add_argument("--cache", required=True, help="held-out tags JSON (computed by a tagger CV if absent)")
    ap.add_argument("--out", help="write the trained model here (ficdex/models/ner/nametypes.json)")
    ap.add_argument("--cv", type=int, default=5, help="report k-fold CV over the tagger's folds (0: skip)")
    ap.add_argument("--l2", type=float, default=L2)
    a = ap.parse_args(argv)
    raw = held_out_tags(a.litbank, a.cache, progress=lambda s: print(f"tagger fold {s['fold']}: F1 {s['f1']:.3f}"))
    if a.cv:
        print(summary(cross_validate(prepare(a.litbank, raw), a.cv, a.l2)))
    if a.out:
        m = train(a.litbank, a.cache, a.out, a.l2)
        print(f"wrote {a.out}: hi {m['hi']} lo {m['lo']}, {m['trained_on']['types']} name types")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
