"""Pretraining the entity tagger's tok2vec on unlabeled fiction.

LitBank gives the tagger ~160,000 labelled words, too few to learn what
capitalised words in prose usually are.  spaCy's `pretrain` teaches the
tagger's own tok2vec (same architecture, same hashed features) to predict
each word's first and last characters from its context on millions of
unlabeled words; `ficdex train ner --pretrained FILE` then starts the
tagger from those weights (``[initialize] init_tok2vec``) instead of random
ones.  Unlike static vectors, nothing extra ships: the tagger has the same
size and speed, only its starting point differs.

The unlabeled text is exactly the floret vectors' (`ficdex.train.vectors`):
the PDNC novels and the AO3 dev works' text, leaving out any text that
shares long runs with a LitBank document, and never LitBank itself, so a
cross-validated figure is not helped by weights that read a held-out page.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..errors import InputError, ModelError
from .vectors import fiction_paragraphs

CONFIG = Path(__file__).with_name("pretrain.cfg")


def pretrain_config(base: Path | None = None, overrides: dict | None = None):
    """ner.cfg with the [pretraining] block of pretrain.cfg merged in."""
    from spacy.util import load_config

    from .ner import CONFIG as NER_CONFIG

    cfg = load_config(base or NER_CONFIG, interpolate=False)
    extra = load_config(CONFIG, interpolate=False)
    cfg = cfg.merge(extra)
    for key, value in (overrides or {}).items():
        node = cfg
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return cfg


def build_corpus(data_dir: str | Path, out_path: str | Path, *, litbank_dir: str | Path | None = None) -> dict:
    """Write spaCy's raw-text JSONL, one paragraph a line; texts sharing
    `OVERLAP_SHINGLES` 8-word runs with a LitBank document are left out."""
    stats = {"texts": 0, "paragraphs": 0, "words": 0, "excluded": []}
    with open(out_path, "w", encoding="utf-8") as out:
        for para in fiction_paragraphs(data_dir, litbank_dir, stats):
            out.write(json.dumps({"text": para}) + "\n")
            stats["paragraphs"] += 1
            stats["words"] += len(para.split())
    return stats


def pretrain(
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    litbank_dir: str | Path | None = None,
    epochs: int | None = None,
    seed: int = 0,
    log=print,
) -> dict:
    """Pretrain on the unlabeled fiction under `data_dir`; spaCy writes
    ``model{epoch}.bin`` into `out_dir` and we copy the last to
    ``tok2vec.bin`` (what `--pretrained` takes).  Returns statistics."""
    from spacy.training.pretrain import pretrain as spacy_pretrain

    if litbank_dir is None or not Path(litbank_dir).is_dir():
        # Without LitBank to compare against, overlapping novels could not
        # be left out and a later CV figure would be flattered.
        raise InputError("pretraining needs the LitBank folder to leave out overlapping texts", str(litbank_dir))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    corpus = out / "corpus.jsonl"
    stats = build_corpus(data_dir, corpus, litbank_dir=litbank_dir)
    log(f"corpus: {stats['words']:,} words in {stats['paragraphs']:,} paragraphs from {stats['texts']} texts; "
        f"left out (overlap LitBank): {stats['excluded']}")
    ov = {"paths.raw_text": str(corpus), "system.seed": seed}
    if epochs:
        ov["pretraining.max_epochs"] = epochs
    cfg = pretrain_config(overrides=ov)
    spacy_pretrain(cfg.interpolate(), out, silent=False)
    n = cfg["pretraining"]["max_epochs"]
    last = out / f"model{n - 1}.bin"
    if not last.exists():
        raise ModelError("spaCy pretraining wrote no final weights", str(last))
    weights = out / "tok2vec.bin"
    last.replace(weights)
    for extra in out.glob("model*.bin"):  # spaCy's per-epoch copies (8 MB each)
        extra.unlink()
    corpus.unlink()  # the corpus is story text: not kept beside the weights
    stats.update({"epochs": n, "seed": seed, "seconds": round(time.perf_counter() - t0, 1), "weights": str(weights)})
    (out / "pretrain.json").write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    return stats


def overrides(weights: str | Path) -> dict:
    """Config overrides that make `ficdex.train.ner` start from `weights`."""
    if not Path(weights).is_file():
        raise InputError("no pretrained tok2vec weights (make them with `ficdex train pretrain`)", str(weights))
    return {"paths.init_tok2vec": str(weights)}
