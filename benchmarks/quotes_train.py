"""Train the speaker ranker (`ficdex/analysis/speaker_model.py`) on PDNC and
report its cross-validated end-to-end accuracy.

    python benchmarks/quotes_train.py [--cache DIR | --entities-cache DIR] [--folds K] [--write]

Mentions and characters come from the real pipeline (`entities`,
`characters`), as at run time; `--cache DIR` keeps them between runs (a
pickle per novel; delete it when those stages change).  Every predicted
speech quote whose candidates include a character mapping (by the eval's
alias rule, `ficdex.eval.pdnc.map_characters`) to the gold speaker is a
training example.  Folds are BY NOVEL: each novel is scored with weights
trained on the other folds only, with the eval's own scoring
(`score_units`), overall and per PDNC quote type, beside the sieve alone.
`--write` then trains on all novels and writes the shipped JSON.
"""

from __future__ import annotations

import argparse
import csv
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from ficdex.analysis import dialogue, speaker_gbm, speaker_model
from ficdex.analysis.dialogue import attribute
from ficdex.analysis.quotes import detect_quotes
from ficdex.analysis.speaker_antecedent import FEATURES as ANTE_FEATURES, add_antecedent, antecedent_group, antecedent_row
from ficdex.analysis.speaker_mlp import Scorer, feature_matrix, fit, to_spec
from ficdex.analysis.speaker_model import MODEL_PATH
from ficdex.eval.align import OffsetMap
from ficdex.eval.ao3 import story_from_text
from ficdex.eval.pdnc import load_novel, map_characters, novel_names, score_units, units

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quotes_folds import TYPES, accuracy, add, learn_turns, show, tune_decode, write_model  # noqa: E402
from ficdex.model import Source

ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "pdnc"
# Sieve answers the ranker may not overturn, by the sieve's rule; every set
# here is scored under cross-validation, the shipped one is SHIPPED.
PROTECT = {
    "none": [],
    "named": ["explicit_name", "explicit_clause", "voice"],
    "named+resolved": ["explicit_name", "explicit_clause", "voice", "explicit_resolved", "paragraph"],
    "named+resolved+acting": ["explicit_name", "explicit_clause", "voice", "explicit_resolved", "paragraph", "acting"],
    "named+acting": ["explicit_name", "explicit_clause", "voice", "acting"],
}
# "acting" costs PDNC about half a point but keeps the seeds' (fan fiction's)
# "Lex smiled. 'Thank you.'" turns; the pronoun rules are left to the ranker.
SHIPPED = "named+acting"
# Turn-taking of the joint decoder (`speaker_model.decode`): a small grid
# on the CV folds' pass-2 scores (same -2..0, alt 0..2, top 3..6, voc
# -0.3..1.5).  PDNC's best has same -0.5 (0.2 points above this), but that
# costs LitBank's speakers 0.7 (its paragraphs are rebuilt, so one
# speaker's continued speech reads as consecutive turns); same 0 keeps both.
DECODE = {"same": 0.0, "alt": 0.5, "top": 4, "voc": 1.0}
# The learned turn-taking (`speaker_turns.py`, `--turns`) starts from those constants.
TURNS_START = {k: DECODE[k] for k in ("same", "alt", "voc")}
# The "he said" antecedent model (`speaker_antecedent.py`): its hidden
# units, or -1 for none.
ANTECEDENT = -1


def pipeline_inputs(name: str, text: str, cache: Path | None, entities_cache: Path | None = None):
    f = cache / f"{name}.pkl" if cache else None
    if f and f.exists():
        return pickle.loads(f.read_bytes())
    from ficdex.analysis.pipeline import REGISTRY, Analysis, load_stages

    load_stages()
    story = story_from_text(text, Source(path=name, format="text"))
    # The tagger is most of the cost and changes rarely: its entities may be
    # kept apart, so the characters stage (what the ranker learns on) is
    # always the current one.
    ef = entities_cache / f"{name}.entities.pkl" if entities_cache else None
    doc = Analysis(story)
    if ef and ef.exists():
        doc.inferred["entities"] = pickle.loads(ef.read_bytes())
    else:
        doc = REGISTRY["entities"]()(doc)
        if ef:
            ef.parent.mkdir(parents=True, exist_ok=True)
            ef.write_bytes(pickle.dumps(doc.inferred["entities"]))
    doc = REGISTRY["characters"]()(doc)
    got = {"story": story, "mentions": doc.scratch.get("mentions") or [], "characters": doc.inferred.get("characters") or []}
    if f:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(pickle.dumps(got))
    return got


class Book:
    """One novel: the pipeline's inputs to the quotes stage, gold, and the ranker's features."""

    def __init__(self, name: str, cache: Path | None, entities_cache: Path | None = None):
        self.name = name
        self.novel = load_novel(ROOT, name)
        got = pipeline_inputs(name, self.novel.text, cache, entities_cache)
        self.story, self.mentions, self.characters = got["story"], got["mentions"], got["characters"]
        self.paras, self.breaks = [], set()
        for k, p in enumerate(self.story.paragraphs()):
            self.paras.append((p.start, p.end))
            if p.scene_break_before:
                self.breaks.add(k)
        with (ROOT / "data" / name / "quotation_info.csv").open(encoding="utf-8") as fh:
            self.types = [r["quoteType"] for r in csv.DictReader(fh)]
        self.amap = OffsetMap(self.novel.text, self.story.text, name)
        self.gold = [([self.amap.span(s, e) for s, e in spans], spk) for spans, spk in units(self.novel.quotes)]
        self.cmap = map_characters(self.characters, self.novel.aliases)
        self.quotes = detect_quotes(self.story.text, self.paras)
        self.feats: list = []
        attribute(self.story.text, self.paras, self.quotes, self.mentions, self.characters, self.breaks,
                  model=False, collect=self.feats)
        self.labels = self._labels()

    def _labels(self):
        """Gold speaker of each predicted quote."""
        return {i: self.gold[j][1] for i, j in self.gold_index().items()}

    def gold_index(self) -> dict[int, int]:
        """Predicted quote -> the gold quote overlapping it most."""
        import bisect

        spans = sorted((s, e, j) for j, (sp, _) in enumerate(self.gold) for s, e in sp)
        starts = [s for s, _, _ in spans]
        out = {}
        for i, q in enumerate(self.quotes):
            k = bisect.bisect_right(starts, q.end) - 1
            best, ov = None, 0
            for s, e, j in spans[max(0, k - 5) : k + 1]:
                o = min(e, q.end) - max(s, q.start)
                if o > ov:
                    best, ov = j, o
            if best is not None:
                out[i] = best
        return out

    def score(self, model, keep: list | None = None) -> dict:
        genders: list = []
        if keep is not None:
            # the decoder's input, kept so that other turn-taking constants
            # can be scored without re-running the ranker (`redecode`)
            def spy(convs, scored, out, params):
                keep[:] = [convs, scored, [dict(r) for r in out]]
                genders[:] = [params.get("gender") or {}]
                speaker_model.decode(convs, scored, out, params)

            dialogue.decode = spy
        try:
            recs = attribute(self.story.text, self.paras, self.quotes, self.mentions, self.characters, self.breaks, model=model)
        finally:
            dialogue.decode = speaker_model.decode
        if keep is not None:
            # (convs, scored, records before decoding, final speakers, character genders)
            keep.extend([[r["speaker"] for r in recs], genders[0] if genders else {}])
        return self._score([r["speaker"] for r in recs])

    def redecode(self, keep: list, params: dict) -> dict:
        convs, scored, before, final = keep[:4]
        out = [dict(r) for r in before]
        speaker_model.decode(convs, scored, out, {**params, "gender": keep[4] if len(keep) > 4 else {}})
        # thoughts are not decoded: their final speakers stand
        return self._score([o["speaker"] if q.type == "speech" and i in scored else f
                            for i, (q, o, f) in enumerate(zip(self.quotes, out, final))])

    def _score(self, speakers: list) -> dict:
        # every quote, thoughts too, as `ficdex eval pdnc` scores them
        preds = [(q.start, q.end, self.cmap.get(s) if s else None) for q, s in zip(self.quotes, speakers)]
        res = {"all": score_units(self.amap.tgt, self.gold, preds)}
        for t in TYPES:
            res[t] = score_units(self.amap.tgt, [g for g, ty in zip(self.gold, self.types) if ty == t], preds)
        return res


def matrices(books: list[Book], vocab: list[str], attr: str = "feats"):
    """Stacked candidate rows, their quote group, and the gold candidate per group."""
    rows, groups, gold = [], [], []
    g = 0
    for b in books:
        for i, cands, feats in getattr(b, attr):
            spk = b.labels.get(i)
            pos = [k for k, c in enumerate(cands) if spk is not None and b.cmap.get(c) == spk]
            if not pos:
                continue
            gold.append(len(rows) + pos[0])
            rows.extend(feats)
            groups.extend([g] * len(feats))
            g += 1
    X = feature_matrix(rows, {k: n for n, k in enumerate(vocab)}, len(vocab))
    return X, np.array(groups), np.array(gold)


def ante_matrices(books: list[Book], vocab: list[str], attr: str = "feats"):
    """The antecedent model's data: per "he said" quote, its candidates of
    the pronoun's gender, and the gold one among them."""
    rows, groups, gold = [], [], []
    g = 0
    for b in books:
        for i, cands, feats in getattr(b, attr):
            idx = antecedent_group(feats)
            spk = b.labels.get(i)
            pos = [n for n, k in enumerate(idx) if spk is not None and b.cmap.get(cands[k]) == spk]
            if len(idx) < 2 or not pos:
                continue
            gold.append(len(rows) + pos[0])
            rows.extend(antecedent_row(feats[k]) for k in idx)
            groups.extend([g] * len(idx))
            g += 1
    X = feature_matrix(rows, {k: n for n, k in enumerate(vocab)}, len(vocab))
    return X, np.array(groups), np.array(gold)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, help="keep the characters stage's output (delete when it changes)")
    ap.add_argument("--entities-cache", type=Path, help="keep the tagger's entities only (delete when the tagger changes)")
    ap.add_argument("--folds", type=int, default=7, help="folds by novel (novels dealt round-robin)")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--hidden", type=int, default=0, help="hidden units beside the linear score (0: linear)")
    ap.add_argument("--l2-hidden", type=float, default=1.0)
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--stack", type=int, default=0, help="pass 2 learns from inner-fold pass-1 answers (K folds; 0: in-sample)")
    ap.add_argument("--gbm", type=int, default=0, help="boosted trees of this many rounds on the score (speaker_gbm.py; 0: none)")
    ap.add_argument("--gbm-alone", action="store_true", help="the trees alone, not a residual on the linear score")
    ap.add_argument("--gbm-leaves", type=int, default=15)
    ap.add_argument("--gbm-lr", type=float, default=0.05)
    ap.add_argument("--gbm-min-leaf", type=int, default=50)
    ap.add_argument("--gbm-l2", type=float, default=1.0)
    ap.add_argument("--gbm-mix", type=float, default=0.3, help="weight of the per-candidate logistic loss beside the softmax")
    ap.add_argument("--gbm-monitor", action="store_true", help="print the held-out fold's pass-1 loss every 25 rounds")
    ap.add_argument("--drop", nargs="*", default=[], help="leave out features with these prefixes (ablation)")
    ap.add_argument("--write", action="store_true", help="train on all novels and write the shipped model")
    ap.add_argument("--no-cv", action="store_true", help="with --write: skip the cross-validation (a candidate model to try quickly)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH, help="where --write writes (a candidate to compare)")
    ap.add_argument("--novels", nargs="*", help="a subset (for debugging; report the whole set)")
    ap.add_argument("--tune-decode", action="store_true",
                    help="choose the decoder's turn-taking constants inside the folds (nested) and report")
    ap.add_argument("--turns", action="store_true",
                    help="learn the decoder's turn-taking inside the folds and report (speaker_turns.py)")
    ap.add_argument("--write-turns", action="store_true",
                    help="--turns, then learn it on all novels and write speaker_turns.json")
    ap.add_argument("--keep-out", type=Path,
                    help="pickle each novel's held-out decoder inputs (benchmarks/quotes_errors.py reads them)")
    ap.add_argument("--antecedent", type=int, default=ANTECEDENT,
                    help="the 'he said' antecedent model's hidden units (0: linear; -1: no antecedent model)")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.time()
    books = [Book(n, args.cache, args.entities_cache) for n in novel_names(ROOT) if not args.novels or n in args.novels]
    print(f"{len(books)} novels ready in {time.time() - t0:.0f}s")
    vocab = sorted({k for b in books for _, _, fs in b.feats for f in fs for k in f if not k.startswith(tuple(args.drop) or "\0")})
    folds = [books[k :: args.folds] for k in range(args.folds)]
    ante = args.antecedent >= 0
    avocab = sorted({k for k in vocab if k.startswith(("pg_", "kin_"))})
    if ante:
        vocab = sorted(set(vocab) | set(ANTE_FEATURES))
    vocab2 = sorted(set(vocab) | {"sieve_ranked", "first_pass_p"})
    protect = PROTECT[SHIPPED]

    def fit_ante(books_, attr):
        return to_spec(avocab, fit(*ante_matrices(books_, avocab, attr), hidden=args.antecedent, l2=args.l2,
                                   l2_hidden=args.l2_hidden, iters=args.iters))

    def nested_ante(books_, attr):
        """Each training novel's antecedent probabilities from a model that
        never saw it (inner folds), and the model of all of them."""
        parts = [books_[k :: min(6, len(books_))] for k in range(min(6, len(books_)))]
        for part in parts:
            spec = fit_ante([b for b in books_ if b not in part], attr) if len(parts) > 1 else None
            for b in part:
                b.ante = spec
                add_antecedent(getattr(b, attr), spec)
        return fit_ante(books_, attr)

    def fit_spec(books_, vocab_, attr, test=()):
        """The linear (or hidden-layer) ranker, with boosted trees on its score if asked."""
        X, groups, gold = matrices(books_, vocab_, attr)
        if args.gbm and args.gbm_alone:
            spec = {"vocab": list(vocab_), "w": [0.0] * len(vocab_)}
        else:
            spec = to_spec(vocab_, fit(X, groups, gold, hidden=args.hidden, l2=args.l2, l2_hidden=args.l2_hidden,
                                       iters=args.iters))
        if args.gbm:
            valid = None
            if args.gbm_monitor and test:
                vx, vg, vgold = matrices(test, vocab_, attr)
                valid = (vx, vg, vgold, Scorer(spec).score_matrix(vx))
                print(f"    linear held-out loss {speaker_gbm.group_nll(valid[3], vg, vgold):.4f}", flush=True)
            booster = speaker_gbm.fit(X, groups, gold, init=Scorer(spec).score_matrix(X), rounds=args.gbm,
                                      leaves=args.gbm_leaves, lr=args.gbm_lr, min_leaf=args.gbm_min_leaf,
                                      l2=args.gbm_l2, mix=args.gbm_mix, valid=valid)
            spec["gbm"] = speaker_gbm.export(booster)
        return spec

    def train(books_, test=()):
        """Pass 1 on the sieve's features; pass 2 on features computed after pass 1."""
        a1 = nested_ante(books_, "feats") if ante else None
        w1 = fit_spec(books_, vocab, "feats", test)
        # --stack K: each training novel's pass-2 features from a pass 1 that
        # never saw it (K inner folds), as at run time on a new story
        parts = [books_[k :: args.stack] for k in range(args.stack)] if args.stack > 1 else [books_]
        for part in parts:
            wp = fit_spec([b for b in books_ if b not in part], vocab, "feats") if args.stack > 1 else w1
            for b in part:
                b.feats2 = []
                m1 = {"weights": dict(wp, antecedent=b.ante) if ante else wp, "protect": protect}
                attribute(b.story.text, b.paras, b.quotes, b.mentions, b.characters, b.breaks, model=m1, collect=b.feats2)
        a2 = nested_ante(books_, "feats2") if ante else None
        w2 = fit_spec(books_, vocab2, "feats2")
        if ante:
            w1["antecedent"], w2["antecedent"] = a1, a2
        return w1, w2

    if args.no_cv and args.write:
        w1, w2 = train(books)
        write_model(args.out, "Speaker ranker weights; a candidate, not cross-validated in this run "
                    "(benchmarks/quotes_train.py --no-cv).", books, {"folds": 0},
                    protect=sorted(protect), decode=DECODE, weights=w1, weights2=w2)
        return 0
    sieve, one, two, joint = {}, {}, {}, {}
    for k, test in enumerate(folds):
        w1, w2 = train([b for b in books if b not in test], test)
        for b in test:
            s, r1 = b.score(False), b.score({"weights": w1, "protect": protect})
            r2 = b.score({"weights": w1, "weights2": w2, "protect": protect})
            b.keep = [] if args.tune_decode or args.keep_out or args.turns or args.write_turns else None
            r3 = b.score({"weights": w1, "weights2": w2, "protect": protect, "decode": DECODE}, b.keep)
            for total, r in ((sieve, s), (one, r1), (two, r2), (joint, r3)):
                add(total, r)
            if args.v:
                print(f"  fold {k} {b.name:30s} sieve {s['all']['correct'] / s['all']['quotes']:.3f}"
                      f"  one pass {r1['all']['correct'] / r1['all']['quotes']:.3f}  two {r2['all']['correct'] / r2['all']['quotes']:.3f}"
                      f"  decoded {r3['all']['correct'] / r3['all']['quotes']:.3f}")
    show("sieve alone      ", sieve)
    show(f"ranker, one pass, {args.folds}-fold CV", one)
    show(f"ranker, two passes, {args.folds}-fold CV", two)
    show(f"two passes + joint decoding, {args.folds}-fold CV", joint)
    ranked = joint
    if args.keep_out:
        args.keep_out.write_bytes(pickle.dumps({b.name: b.keep for b in books}))
        print(f"wrote {args.keep_out}")
    if args.tune_decode:
        tune_decode(folds, DECODE)
    if args.turns or args.write_turns:
        learn_turns(books, folds, args.write_turns, DECODE["top"], TURNS_START)
    if args.write:
        w1, w2 = train(books)
        write_model(args.out,
                    "Speaker ranker weights (conditional logit over sieve features); trained by "
                    "benchmarks/quotes_train.py on the pipeline's characters for the PDNC novels listed. "
                    "Weights only, no text.",
                    books, {"folds": args.folds, "speaker_accuracy": accuracy(ranked), "one_pass": accuracy(one),
                            "two_passes": accuracy(two), "sieve_alone": accuracy(sieve)},
                    protect=sorted(protect), decode=DECODE, weights=w1, weights2=w2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
