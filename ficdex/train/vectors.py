"""Static word vectors for the entity tagger, learnt from unlabeled fiction.

LitBank gives the tagger ~160,000 labelled words; what a word *is* (a name,
a place, a title, a common noun) is far better learnt from millions of
unlabeled words of prose.  No pretrained English vectors can be installed
from PyPI, so ficdex trains its own with floret (explosion's fork of
fastText, ``pip install 'ficdex[train]'``) on the fiction in
``../shared/data``: the PDNC novels and the AO3 dev works' story text.

floret hashes each word *and* its character n-grams into one small table,
so an unseen name ("Kettering", "Wendeline") still gets a vector from its
pieces, and the table is a fixed size however large the corpus.  spaCy
stores it in the pipeline's vocabulary (``mode="floret"``), so running the
tagger needs spaCy only.

LitBank itself is never part of the corpus, and any text sharing passages
with a LitBank document (PDNC holds several of the same novels whole) is
left out too, so a cross-validated figure is not helped by vectors that
have read the held-out openings.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
import zlib
from pathlib import Path

from ..errors import InputError, ModelError

# Table size and training settings.  50,000 rows x 100 floats = 20 MB in
# the shipped model; n-grams of 4-5 characters as in spaCy's floret vectors.
SETTINGS = {
    "dim": 100,
    "bucket": 50000,
    "minn": 4,
    "maxn": 5,
    "hashCount": 2,
    "epoch": 5,
    "minCount": 3,
    "ws": 5,
    "neg": 10,
    "model": "cbow",
}

# A text is taken to contain a LitBank document when this many of its
# 8-word runs occur in that document (a shared sentence or two is chance
# or a quotation; a shared page is the same book).
OVERLAP_SHINGLES = 25
_SHINGLE = 8
_WORD = re.compile(r"\w+")
_BLANK_LINES = re.compile(r"\n\s*\n")


def has_vectors(path: str | Path) -> bool:
    """Whether the spaCy folder at `path` carries floret vectors."""
    cfg = Path(path) / "vocab" / "vectors.cfg"
    try:
        return json.loads(cfg.read_text(encoding="utf-8")).get("mode") == "floret"
    except (OSError, ValueError):
        return False


def _shingles(text: str) -> set[int]:
    words = _WORD.findall(text.lower())
    return {zlib.crc32(" ".join(words[i : i + _SHINGLE]).encode()) for i in range(len(words) - _SHINGLE + 1)}


def litbank_shingles(litbank_dir: str | Path | None) -> set[int]:
    """8-word runs of every LitBank document found (empty if none)."""
    from .litbank import document_names, read_litbank

    if litbank_dir is None or not (Path(litbank_dir) / "entities" / "tsv").is_dir():
        return set()
    out: set[int] = set()
    for doc in read_litbank(litbank_dir, document_names(litbank_dir)):
        out |= _shingles(doc.text)
    return out


def unlabeled_texts(data_dir: str | Path):
    """(name, text) of the unlabeled fiction under `data_dir`: PDNC novels
    and AO3 dev story text (the tags are not read)."""
    root = Path(data_dir)
    novels = sorted((root / "pdnc" / "data").glob("*/novel_text.txt"))
    gold = root / "ao3-dev" / "gold.jsonl"
    if not novels and not gold.exists():
        raise InputError("no unlabeled fiction found (pdnc/data/*/novel_text.txt, ao3-dev/gold.jsonl)", str(root))
    for path in novels:
        yield f"pdnc/{path.parent.name}", path.read_text(encoding="utf-8", errors="replace")
    if gold.exists():
        with gold.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    work = json.loads(line)
                    if work.get("text"):
                        yield f"ao3/{work.get('id', '?')}", work["text"]


def fiction_paragraphs(data_dir: str | Path, litbank_dir: str | Path | None, stats: dict):
    """The unlabeled paragraphs every self-trained layer reads (these vectors,
    `pretrain`'s tok2vec), whitespace collapsed; a text sharing
    `OVERLAP_SHINGLES` 8-word runs with a LitBank document is left out and
    named in ``stats["excluded"]``, so no CV figure reads a held-out page."""
    held = litbank_shingles(litbank_dir)
    for name, text in unlabeled_texts(data_dir):
        if held and len(_shingles(text) & held) >= OVERLAP_SHINGLES:
            stats["excluded"].append(name)
            continue
        stats["texts"] += 1
        for para in _BLANK_LINES.split(text):
            para = " ".join(para.split())
            if para:
                yield para


def build_corpus(data_dir: str | Path, out_path: str | Path, *, litbank_dir: str | Path | None = None) -> dict:
    """Write the training corpus: one paragraph a line, tokens split by
    spaCy's English tokenizer (the tagger's own) and joined by spaces,
    case kept (capitals are most of what marks a name)."""
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    stats = {"texts": 0, "words": 0, "excluded": []}
    with open(out_path, "w", encoding="utf-8") as out:
        for doc in tokenizer.pipe(fiction_paragraphs(data_dir, litbank_dir, stats)):
            out.write(" ".join(t.text for t in doc) + "\n")
            stats["words"] += len(doc)
    return stats


def train_vectors(
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    litbank_dir: str | Path | None = None,
    settings: dict | None = None,
    thread: int = 1,
    log=print,
) -> dict:
    """Train floret vectors on the unlabeled fiction and save them as a
    vectors-only spaCy pipeline in `out_dir` (what ``paths.vectors`` in
    ner.cfg points at).  One thread keeps the result reproducible."""
    try:
        import floret
    except ImportError as exc:
        raise ModelError("training vectors needs floret: pip install 'ficdex[train]'", "floret") from exc
    import spacy
    from spacy.training.initialize import convert_vectors

    opts = {**SETTINGS, **(settings or {})}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ficdex-vectors-") as tmp:
        corpus = Path(tmp, "corpus.txt")
        stats = build_corpus(data_dir, corpus, litbank_dir=litbank_dir)
        log(f"corpus: {stats['words']:,} tokens from {stats['texts']} texts; left out (overlap LitBank): {stats['excluded']}")
        model = floret.train_unsupervised(str(corpus), mode="floret", thread=thread, verbose=0, **opts)
        table = Path(tmp, "vectors.floret")
        model.save_floret_vectors(str(table))
        nlp = spacy.blank("en")
        convert_vectors(nlp, table, truncate=0, prune=-1, mode="floret")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nlp.meta["ficdex_vectors"] = {
        **{k: v for k, v in stats.items()},
        "settings": opts,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    nlp.to_disk(out)
    # The vocabulary would list every word type of the corpus; floret
    # vectors need none of them (words are hashed), so none are shipped.
    (out / "vocab" / "strings.json").write_text(json.dumps(list(spacy.blank("en").vocab.strings)), encoding="utf-8")
    return nlp.meta["ficdex_vectors"]
