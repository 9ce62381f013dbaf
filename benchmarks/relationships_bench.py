"""Relationships and category on the AO3 dev works: the eval's figures plus
precision, pairings per work and the stage's own speed, for the shipped
stage and (with --reference) any other version of relationships.py, on the
same pipeline output.

    python benchmarks/relationships_bench.py                      # shipped stage
    python benchmarks/relationships_bench.py --limit 200
    git show e33ee62:ficdex/analysis/relationships.py > /tmp/old.py
    python benchmarks/relationships_bench.py --reference /tmp/old.py
    git show eafd762:ficdex/models/relationships/pairs.json > /tmp/old.json
    python benchmarks/relationships_bench.py --reference OLD.py --reference-model /tmp/old.json

The pipeline up to the relationships stage runs once per work; both stages
then read the same characters, mentions and quotes, so a difference is the
stage's alone.  The shipped model is trained on these works: its figures
here are in-sample; `ficdex train relationships GOLD --eval` prints the
5-fold cross-validated ones.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ficdex.analysis.relationships import Relationships  # noqa: E402
from ficdex.eval import names  # noqa: E402
from ficdex.eval.ao3 import load_gold, score_category, score_relationships  # noqa: E402
from ficdex.train.relationships import analyse  # noqa: E402

GOLD = ROOT.parent / "shared" / "data" / "ao3-dev" / "gold.jsonl"


def _load_reference(path: str, model: str | None = None):
    """A relationships.py from another commit, imported under its own name
    with its relative imports pointed at the installed package."""
    src = Path(path).read_text(encoding="utf-8").replace("from .. import", "from ficdex import")
    src = src.replace("from ..", "from ficdex.").replace("from . import", "from ficdex.analysis import")
    src = src.replace("from .", "from ficdex.analysis.")
    spec = importlib.util.spec_from_loader("relationships_reference", loader=None)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up here
    saved = dict(__import__("ficdex.analysis.pipeline", fromlist=["REGISTRY"]).REGISTRY)
    exec(compile(src, path, "exec"), mod.__dict__)
    __import__("ficdex.analysis.pipeline", fromlist=["REGISTRY"]).REGISTRY.update(saved)
    # an older stage reads the weights of its own commit (the features change with the code)
    return mod.Relationships(mod.RelationshipModel.load(model)) if model else mod.Relationships()


def score(stage, works, docs) -> dict:
    rels, cats, seconds = [], [], 0.0
    for doc in docs:
        d = copy.copy(doc)
        d.inferred = dict(doc.inferred)
        t0 = time.process_time()  # CPU time: the machine is shared
        stage(d)
        seconds += time.process_time() - t0
        rels.append([r["tag"] for r in d.inferred["relationships"] or []])
        cats.append([c["tag"] for c in d.inferred["category"] or []])
    gold = [w.get("relationships") or [] for w in works]
    emitted = sum(len(r) for r in rels)
    right = sum(any(names.pairings_match(g, p) for g in gs) for gs, rs in zip(gold, rels) for p in rs)
    cat = score_category([w.get("category") or [] for w in works], cats)
    words = sum(d.story.words for d in docs)
    return {
        "first relationship in top 3": score_relationships(gold, rels)["top3_recall"],
        "pairing precision (any author tag)": right / emitted if emitted else None,
        "pairings per work": emitted / len(works),
        "category, exact set": cat["exact"],
        "category, primary": cat["primary"],
        "stage words/s": words / seconds if seconds else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold", default=str(GOLD))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--reference", help="another relationships.py to score beside the shipped one")
    ap.add_argument("--reference-model", help="the pairs.json that relationships.py was trained with")
    args = ap.parse_args()
    works = load_gold(args.gold, args.limit or None)
    docs = analyse(works, args.gold)
    stages = {"shipped": Relationships()}
    if args.reference:
        stages["reference"] = _load_reference(args.reference, args.reference_model)
    results = {k: score(s, works, docs) for k, s in stages.items()}
    print(f"{len(works)} works")
    for key in results["shipped"]:
        print(f"  {key:36s}" + "".join(f" {k}: {r[key]:.3f}" if r[key] is not None else f" {k}: n/a"
                                       for k, r in results.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
