"""Cross-validated figures for the content stage: the rating through the
trainer's folds, the warning rules and content tags against authors' tags.

    python -m ficdex.train.content ../shared/data/ao3-dev/gold.jsonl --eval

The rating rows are out-of-fold (each work rated by a model that did not
train on it); warnings and tags are hand-set rules written while reading
ao3-dev, so their figures are in-sample (docs/content.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..analysis.content import RATINGS
from ..analysis.rating import bag
from .content import cross_validate, format_tradeoff, load_gold, matrix, work_fandoms
from .linear import rating_metrics


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


def evaluate_content(gold_path: str | Path, limit: int | None = None, log=None, lexicon_only: bool = True,
                     fandoms: bool = True, cache: str | None = None) -> dict:
    """Cross-validated rating figures (each work rated by a fold model that did
    not train on it) plus warning and tag precision/recall on the same works.
    Warnings and tags are hand-set rules, so their figures are in-sample."""
    from ..analysis.archive_warnings import additional_tags, warnings as warn_rules

    rows = load_gold(gold_path, limit)
    _, X, y, sigs = matrix(rows)
    keep = y >= 0
    tags = [t for t, k in zip(work_fandoms(rows, cache, log), keep) if k] if fandoms else None
    bags = None if lexicon_only else [bag(s.text) for s, k in zip(sigs, keep) if k]
    tradeoff: list = []
    pred, _, per_fold = cross_validate(X[keep], y[keep], log or (lambda *a: None), bags, tradeoff, tags)
    m = rating_metrics(y[keep], pred)
    majority = int(np.bincount(y[keep]).argmax())
    base = rating_metrics(y[keep], np.full(int(keep.sum()), majority))
    out = {"works": len(rows), "rated": int(keep.sum()),
           "rating": m | {"fold_accuracy": [f["accuracy"] for f in per_fold]},
           "rating_baseline": {"tag": RATINGS[majority]} | {k: v for k, v in base.items() if k != "confusion"},
           "tradeoff": tradeoff, "warnings": {}, "tags": {}}
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
    if r.get("tradeoff"):
        lines.append(format_tradeoff(r["tradeoff"]))
    fmt = lambda v: "  -  " if v is None else f"{v:.2f}"  # noqa: E731
    for w, s in r["warnings"].items():
        if s["gold"] or s["predicted"]:
            lines.append(f"{w:32s} P={fmt(s['precision'])} R={fmt(s['recall'])} (gold {s['gold']}, flagged {s['predicted']})")
    for t, s in r["tags"].items():
        lines.append(f"tag {t:28s} precision={fmt(s['precision'])} on {s['predicted']} "
                     f"(authors tagged {s['authors_with_matching_freeform']})")
    return "\n".join(lines)
