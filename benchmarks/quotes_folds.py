"""The fold-level helpers of `benchmarks/quotes_train.py`: tallying and
printing the cross-validated figures, writing a shipped JSON, and what is
learned or tuned on the decoder's kept inputs (`Book.keep`: each novel's
held-out ranker scores) — the decoder's constants (`--tune-decode`) and its
turn-taking (`--turns`, `speaker_turns.py`)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ficdex.analysis import speaker_decode, speaker_turns

TYPES = ("Explicit", "Anaphoric", "Implicit")


def add(total, res):
    for k, c in res.items():
        total.setdefault(k, Counter()).update(c)


def show(label, total):
    a = total["all"]
    print(f"{label}: n={a['quotes']} detection {a['detected'] / a['quotes']:.3f} speaker {a['correct'] / a['quotes']:.4f}  "
          + "  ".join(f"{t} {total[t]['correct'] / max(1, total[t]['quotes']):.3f}" for t in TYPES))


def tune_decode(folds: list, shipped: dict) -> None:
    """Nested choice of the decoder's constants (`shipped`: quotes_train.DECODE): each fold is decoded with the constants that
    score best on the other folds' held-out novels (each novel's ranker
    scores come from weights that never saw it)."""
    grid = [{"same": s, "alt": a, "voc": v, "top": t} for s in (-1.0, -0.5, -0.25, 0.0) for a in (0.0, 0.25, 0.5, 1.0)
            for v in (0.5, 1.0, 1.5) for t in (4,)]
    got = {}  # (fold, grid index) -> correct, and the fold's quotes
    n_fold = Counter()
    for k, fold in enumerate(folds):
        for b in fold:
            for g, params in enumerate(grid):
                r = b.redecode(b.keep, params)
                got[k, g] = got.get((k, g), 0) + r["all"]["correct"]
                if g == 0:
                    n_fold[k] += r["all"]["quotes"]
    total = sum(n_fold.values())
    per_grid = [sum(got[k, g] for k in range(len(folds))) for g in range(len(grid))]
    best = max(range(len(grid)), key=lambda g: per_grid[g])
    here = next(g for g, p in enumerate(grid) if p == shipped) if shipped in grid else None
    nested = 0
    for k in range(len(folds)):
        g = max(range(len(grid)), key=lambda g: sum(got[j, g] for j in range(len(folds)) if j != k))
        nested += got[k, g]
        print(f"  fold {k}: chose {grid[g]}")
    for g in sorted(range(len(grid)), key=lambda g: -per_grid[g])[:6]:
        print(f"  {grid[g]} {per_grid[g] / total:.4f}")
    print(f"decode, nested choice: {nested / total:.4f};  best on all folds {grid[best]} {per_grid[best] / total:.4f}"
          + (f";  shipped DECODE {per_grid[here] / total:.4f}" if here is not None else ""))


def turn_examples(b, top: int) -> list:
    """The decoder's segments of one novel with each turn's gold candidate."""
    convs, scored, before = b.keep[:3]
    segs = [s for s in speaker_decode.segments(convs, scored, before) if len(s) > 1]
    opts = [speaker_decode.options(s, scored, top) for s in segs]
    golds = [[b.labels.get(t[0][0]) for t in s] for s in segs]
    gender = b.keep[4] if len(b.keep) > 4 else {}
    feats = [speaker_decode.option_features(s, o, before, gender) for s, o in zip(segs, opts)]
    return speaker_turns.examples(segs, opts, golds, b.cmap, feats)


def learn_turns(books: list, folds: list, write: bool, top: int, start: dict) -> None:
    """The decoder's turn-taking learned (`speaker_turns.fit`) on the other
    folds' held-out ranker scores; each fold decoded with its own weights."""
    ex = {b.name: turn_examples(b, top) for b in books}
    total: dict = {}
    for test in folds:
        w = speaker_turns.fit([e for b in books if b not in test for e in ex[b.name]], start)
        for b in test:
            add(total, b.redecode(b.keep, {"top": top, "turns": w}))
    show(f"two passes + learned turn-taking, {len(folds)}-fold CV", total)
    if write:
        w = speaker_turns.fit([e for b in books for e in ex[b.name]], start)
        write_model(speaker_turns.TURNS_PATH,
                    "Turn-taking weights of the joint decoder (speaker_turns.transition, "
                    "speaker_decode.option_features); trained by benchmarks/quotes_train.py --write-turns on the "
                    "held-out ranker scores of the PDNC novels listed. Numbers only, no text.",
                    books, {"folds": len(folds), "speaker_accuracy": accuracy(total)}, weights=w)


def accuracy(tally: dict) -> float:
    return round(tally["all"]["correct"] / tally["all"]["quotes"], 4)


def write_model(path: Path, about: str, books, cv: dict, **rest) -> None:
    """A shipped JSON of numbers: what it is, the novels it learned from, its CV figures, then `rest`."""
    body = {"about": about, "trained_on": [b.name for b in books], "cv": {"folds": cv.pop("folds"), "by": "novel", **cv}}
    path.write_text(json.dumps({**body, **rest}, indent=1) + "\n")
    print(f"wrote {path}")


def main(argv=None) -> int:
    """Relearn and score the decoder's turn-taking on a `--keep-out`
    pickle alone: the ranker's held-out scores are kept, so a change to the
    decoder is measured in a minute instead of a whole CV run (the figure
    is the one `quotes_train.py --turns` prints for the same tree)."""
    import argparse
    import pickle
    import sys

    from quotes_train import DECODE, ROOT, TURNS_START, Book

    from ficdex.eval.pdnc import novel_names

    ap = argparse.ArgumentParser(description=main.__doc__.split("\n")[0])
    ap.add_argument("keep", type=Path, help="quotes_train.py --keep-out's pickle")
    ap.add_argument("--cache", type=Path, help="quotes_train.py's --cache (the characters stage's output)")
    ap.add_argument("--entities-cache", type=Path)
    ap.add_argument("--folds", type=int, default=7)
    ap.add_argument("--novels", nargs="*")
    args = ap.parse_args(argv)
    keeps = pickle.loads(args.keep.read_bytes())
    books = [Book(n, args.cache, args.entities_cache) for n in novel_names(ROOT)
             if n in keeps and (not args.novels or n in args.novels)]
    for b in books:
        b.keep = keeps[b.name]
    folds = [books[k :: args.folds] for k in range(args.folds)]
    learn_turns(books, folds, False, DECODE["top"], TURNS_START)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
