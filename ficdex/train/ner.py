"""Training and cross-validating the literary entity tagger.

`train_ner` trains the spaCy pipeline described by ``ner.cfg`` on LitBank
documents read in place; `cross_validate` measures it by k folds split by
document, so a model is never scored on a document it trained on.  Both
score through `ficdex.analysis.entities.tag`, the very code the pipeline
stage runs, so the figures describe what a ficdex user gets.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from ..errors import InputError
from .litbank import LABELS, LitDoc, gold_person_names, read_litbank, to_docbin, training_spans

CONFIG = Path(__file__).with_name("ner.cfg")

# Sentences per training example: whole 2,000-word documents would give
# only ~64 updates an epoch; ~1,000-word pieces keep context (the CNN sees a
# few tokens either side) and double the number of updates.
CHUNK_SENTENCES = 40

# Copies of each training piece with names swapped (see litbank._swap_names).
AUGMENT = 1


def _config(overrides: dict):
    from spacy.util import load_config

    return load_config(CONFIG, overrides=overrides, interpolate=False)


def train_ner(
    litbank_dir: str | Path,
    out_dir: str | Path | None,
    *,
    docs: list[str] | list[LitDoc] | None = None,
    seed: int = 0,
    epochs: int | None = None,
    overrides: dict | None = None,
    augment: int = AUGMENT,
    vectors: str | Path | None = None,
    pretrained: str | Path | None = None,
    log=None,
):
    """Train on `docs` (names or LitDocs; default every document) and save
    to `out_dir` (if given).  `vectors` is a folder made by
    `ficdex.train.vectors.train_vectors`; the tok2vec then reads them beside
    its hashed features.  `pretrained` is a tok2vec weights file made by
    `ficdex.train.pretrain.pretrain`, the tagger's starting point.  Returns
    the trained spaCy `Language`."""
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as spacy_train
    from spacy.util import fix_random_seed

    lit = _as_docs(litbank_dir, docs)
    if not lit:
        raise InputError("no LitBank documents to train on", str(litbank_dir))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ficdex-ner-") as tmp:
        import spacy

        blank = spacy.blank("en")
        train_path, dev_path = Path(tmp, "train.spacy"), Path(tmp, "dev.spacy")
        to_docbin(blank, lit, train_path, chunk=CHUNK_SENTENCES, augment=augment, seed=seed)
        # The dev corpus only feeds spaCy's progress log (no early stopping,
        # the last weights are kept), so a few training documents will do.
        to_docbin(blank, lit[:4], dev_path)
        ov = {
            "paths.train": str(train_path),
            "paths.dev": str(dev_path),
            "system.seed": seed,
            **({"training.max_epochs": epochs} if epochs else {}),
            **(_vector_overrides(vectors) if vectors else {}),
            **(_pretrain_overrides(pretrained) if pretrained else {}),
            **(overrides or {}),
        }
        fix_random_seed(seed)
        nlp = init_nlp(_pretrain_config(ov) if pretrained else _config(ov))
        out = io.StringIO() if log is None else log
        nlp, _ = spacy_train(nlp, None, stdout=out, stderr=out)
    seconds = time.perf_counter() - t0
    nlp.meta.update(
        {
            "name": "ficdex_ner",
            "version": "0.1.0",
            "description": "ficdex literary entity tagger (proper names), trained on LitBank",
            "license": "CC BY 4.0 (training data: LitBank, Bamman et al. 2019)",
            "sources": [{"name": "LitBank", "author": "David Bamman et al.", "license": "CC BY 4.0"}],
        }
    )
    # spaCy's "performance" is the score on the few training documents used
    # as its dev log: it would read as a held-out figure, so it is dropped.
    nlp.meta.pop("performance", None)
    nlp.meta["ficdex"] = {
        "training_documents": [d.name for d in lit],
        "seed": seed,
        "augment": augment,
        "train_seconds": round(seconds, 1),
        "overrides": {k: v for k, v in ov.items() if not k.startswith("paths.")},
        "vectors": _vectors_provenance(vectors) if vectors else None,
        "pretrained": _pretrain_provenance(pretrained) if pretrained else None,
    }
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        nlp.to_disk(out_dir)
        prune_strings(out_dir)
    return nlp


def _vector_overrides(vectors: str | Path) -> dict:
    from .vectors import has_vectors

    if not has_vectors(vectors):
        raise InputError("not a vectors folder (make one with `ficdex train vectors`)", str(vectors))
    return {"paths.vectors": str(vectors), "components.tok2vec.model.embed.include_static_vectors": True}


def _pretrain_overrides(weights) -> dict:
    from .pretrain import overrides as pretrain_overrides

    return pretrain_overrides(weights)


def _pretrain_config(ov: dict):
    # init_tok2vec needs ner.cfg's [pretraining] block filled in to know
    # which component the weights belong to.
    from .pretrain import pretrain_config

    return pretrain_config(overrides=ov)


def _pretrain_provenance(weights) -> dict | None:
    try:
        return json.loads((Path(weights).parent / "pretrain.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _vectors_provenance(vectors: str | Path) -> dict | None:
    # What the vectors were trained on and how, carried into the model's
    # meta so the shipped tagger says where its vectors came from.
    try:
        meta = json.loads((Path(vectors) / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta.get("ficdex_vectors") or meta.get("ficdex", {}).get("vectors")


def prune_strings(model_dir: str | Path) -> int:
    """Keep in the saved vocabulary only the strings a blank English
    pipeline has plus the labels.

    spaCy saves every string it met in training, i.e. every word type of
    the LitBank documents; inference needs none of them (the embeddings
    hash the words themselves), and ficdex ships no LitBank text, not even
    as a word list.  Returns how many strings were kept."""
    import spacy

    path = Path(model_dir) / "vocab" / "strings.json"
    strings = json.loads(path.read_text(encoding="utf-8"))
    keep = set(spacy.blank("en").vocab.strings) | set(LABELS)
    kept = [s for s in strings if s in keep or any(s.endswith("-" + lab) for lab in LABELS)]
    path.write_text(json.dumps(kept), encoding="utf-8")
    return len(kept)


def _as_docs(litbank_dir, docs) -> list[LitDoc]:
    if docs is None:
        return read_litbank(litbank_dir)
    names = [d for d in docs if isinstance(d, str)]
    have = [d for d in docs if isinstance(d, LitDoc)]
    return have + (read_litbank(litbank_dir, names) if names else [])


def folds(names: list[str], k: int) -> list[list[str]]:
    """k folds by document, deterministic: sorted names dealt round-robin."""
    if k < 2 or k > len(names):
        raise InputError(f"cannot make {k} folds of {len(names)} documents")
    ordered = sorted(names)
    return [ordered[i::k] for i in range(k)]


def score(nlp, docs: list[LitDoc], *, raw_out: dict | None = None, second_pass: bool | None = None) -> dict:
    """Counts and P/R/F1: `person` on proper-name PER mentions (exact
    span), `labels` per label on every proper-name mention (span + label).
    `raw_out`, if given, receives each document's tagger output before
    propagation (the second pass, `ficdex.train.nametypes`, learns on it);
    `second_pass` False scores without that pass (as cross-validation must:
    the shipped pass was trained on every document)."""
    from ..analysis.entities import PROPAGATE, finish, tag

    person = Counter()
    other = Counter()  # the same, with the name propagation the stage does not use
    labels: dict[str, Counter] = {lab: Counter() for lab in LABELS}
    words = 0
    t0 = time.perf_counter()
    for lit in docs:
        words += lit.words
        raw = tag(nlp, lit.text, propagate_names=False)
        if raw_out is not None:
            raw_out[lit.name] = raw
        spread = finish(lit.text, raw, second_pass=second_pass)
        ents, alt = (spread, raw) if PROPAGATE else (raw, spread)
        gold_per = gold_person_names(lit)
        _count(person, {(e["start"], e["end"]) for e in ents if e["label"] == "PER"}, gold_per)
        _count(other, {(e["start"], e["end"]) for e in alt if e["label"] == "PER"}, gold_per)
        gold_all = {(m.start, m.end, m.label) for m in training_spans(lit)}
        pred_all = {(e["start"], e["end"], e["label"]) for e in ents}
        for lab, c in labels.items():
            _count(c, {x for x in pred_all if x[2] == lab}, {x for x in gold_all if x[2] == lab})
    seconds = time.perf_counter() - t0
    out = _prf(person)
    out["propagate"] = PROPAGATE
    out["other"] = _prf(other)
    out["labels"] = {lab: _prf(c) for lab, c in labels.items()}
    out["documents"] = len(docs)
    out["words"] = words
    out["words_per_second"] = round(words / seconds) if seconds else None
    return out


def _count(c: Counter, pred: set, gold: set) -> None:
    c["tp"] += len(pred & gold)
    c["fp"] += len(pred - gold)
    c["fn"] += len(gold - pred)


def _prf(c: Counter) -> dict:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def cross_validate(
    litbank_dir: str | Path,
    k: int = 5,
    *,
    seed: int = 0,
    epochs: int | None = None,
    overrides: dict | None = None,
    vectors: str | Path | None = None,
    pretrained: str | Path | None = None,
    progress=None,
    raw_out: dict | None = None,
) -> dict:
    """k-fold cross-validation by document.  Returns per-fold scores and
    micro averages (counts summed over folds) for PER names and each label.
    `raw_out` receives every document's held-out tagger output (see `score`).

    Folds are scored without the second pass; then, if it ships, it is
    itself cross-validated over the same folds on those held-out tags
    (`nametypes.cross_validate`), and its figures become the headline P/R/F1
    (the tagger's own stay under "tagger")."""
    from ..analysis.entities import SECOND_PASS

    raw_out = {} if raw_out is None else raw_out
    lit = read_litbank(litbank_dir)
    by_name = {d.name: d for d in lit}
    result: dict = {"k": k, "folds": []}
    person = Counter()
    other = Counter()
    labels: dict[str, Counter] = {lab: Counter() for lab in LABELS}
    t0 = time.perf_counter()
    for i, held in enumerate(folds(list(by_name), k)):
        held_set = set(held)
        train_docs = [d for d in lit if d.name not in held_set]
        t1 = time.perf_counter()
        nlp = train_ner(
            litbank_dir,
            None,
            docs=train_docs,
            seed=seed,
            epochs=epochs,
            overrides=overrides,
            vectors=vectors,
            pretrained=pretrained,
        )
        s = score(nlp, [by_name[n] for n in held], raw_out=raw_out, second_pass=False)
        s["fold"] = i
        s["train_seconds"] = round(time.perf_counter() - t1, 1)
        s["held_out"] = held
        result["folds"].append(s)
        person.update({x: s[x] for x in ("tp", "fp", "fn")})
        other.update({x: s["other"][x] for x in ("tp", "fp", "fn")})
        for lab in LABELS:
            labels[lab].update({x: s["labels"][lab][x] for x in ("tp", "fp", "fn")})
        if progress:
            progress(s)
    result.update(_prf(person))
    result["propagate"] = result["folds"][0]["propagate"]
    result["other"] = _prf(other)
    result["labels"] = {lab: _prf(c) for lab, c in labels.items()}
    result["documents"] = len(lit)
    if SECOND_PASS:
        from . import nametypes

        second = nametypes.cross_validate(nametypes.prepare_docs(lit, raw_out), k)
        result["tagger"] = {x: result[x] for x in ("precision", "recall", "f1", "tp", "fp", "fn")}
        result["second_pass"] = second
        result.update(second["after"])
        for f, g in zip(result["folds"], second["folds"]):
            f["tagger_f1"] = f["f1"]
            f.update({x: g["after"][x] for x in ("precision", "recall", "f1")})
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def fold_summary(result: dict) -> str:
    """One line per fold and a micro line, for logs and the CLI."""
    lines = [
        f"fold {f['fold']}: P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f} "
        + (f"(tagger alone {f['tagger_f1']:.3f}) " if "tagger_f1" in f else "")
        + f"({f['train_seconds']}s)"
        for f in result["folds"]
    ]
    lines.append(f"micro: P {result['precision']:.3f} R {result['recall']:.3f} F1 {result['f1']:.3f}")
    if "tagger" in result:
        t = result["tagger"]
        lines.append(f"tagger alone: P {t['precision']:.3f} R {t['recall']:.3f} F1 {t['f1']:.3f}")
    return "\n".join(lines)


def save_result(result: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
