"""Scoring the entity tagger on LitBank: proper-name person mentions.

`evaluate_litbank` either scores the shipped model (``cv=0``) or runs k-fold
cross-validation (``cv=k``), which trains k fresh models and so never scores
a document a model was trained on.  The shipped model is trained on every
LitBank document ficdex has, so scoring it on LitBank measures fit, not
generalisation: the result says so in ``on_training_data``.
"""

from __future__ import annotations

from pathlib import Path

from ..train.litbank import LABELS, document_names, read_litbank


def evaluate_litbank(
    litbank_dir: str | Path,
    *,
    limit: int | None = None,
    cv: int = 0,
    model: str | Path | None = None,
    progress=None,
) -> dict:
    """Precision, recall and F1 on exact-span PROP PER mentions.

    Keys: precision, recall, f1, words_per_second, documents,
    on_training_data, labels (per-label figures over all proper names), and
    folds when ``cv`` > 0.  ``limit`` scores only the first N documents
    (sorted by name); with ``cv`` it is ignored (folds need every document).
    """
    from ..train.ner import cross_validate, score

    if cv:
        res = cross_validate(
            litbank_dir, k=cv, vectors=shipped_vectors(model), pretrained=shipped_pretrained(model), progress=progress
        )
        folds = res["folds"]
        words = sum(f["words"] for f in folds)
        # Scoring time only: per-fold speeds weighted by words.
        secs = sum(f["words"] / f["words_per_second"] for f in folds if f["words_per_second"])
        return {
            "precision": res["precision"],
            "recall": res["recall"],
            "f1": res["f1"],
            "words_per_second": round(words / secs) if secs else None,
            "documents": res["documents"],
            "on_training_data": False,
            "labels": res["labels"],
            "propagate": res["propagate"],
            "other": res["other"],
            "folds": [
                {
                    k: f[k]
                    for k in ("fold", "precision", "recall", "f1", "tagger_f1", "documents", "train_seconds", "held_out")
                    if k in f
                }
                for f in folds
            ],
            # The tagger and propagation alone, before the second pass.
            "tagger": res.get("tagger"),
            "seconds": res["seconds"],
        }

    from ..analysis.entities import load_model

    nlp = load_model(model)
    names = document_names(litbank_dir)
    if limit:
        names = names[:limit]
    docs = read_litbank(litbank_dir, names)
    trained_on = set(nlp.meta.get("ficdex", {}).get("training_documents", []))
    res = score(nlp, docs)
    return {
        "precision": res["precision"],
        "recall": res["recall"],
        "f1": res["f1"],
        "words_per_second": res["words_per_second"],
        "documents": res["documents"],
        "on_training_data": any(n in trained_on for n in names),
        "labels": res["labels"],
        # The same scoring with name propagation switched the other way.
        "propagate": res["propagate"],
        "other": res["other"],
    }


def shipped_vectors(model: str | Path | None = None) -> Path | None:
    """The tagger's folder when it carries static vectors, else None.

    The vectors are learnt from unlabeled text that shares nothing with
    LitBank, so cross-validation may reuse them as they ship: each fold
    then differs from the shipped model only in its LitBank documents."""
    from ..analysis.entities import MODEL_DIR

    from ..train.vectors import has_vectors

    path = Path(model) if model else MODEL_DIR
    return path if has_vectors(path) else None


def shipped_pretrained(model: str | Path | None = None) -> Path | None:
    """The pretrained tok2vec weights the tagger started from, if it did and
    the file (a build artefact of `ficdex train pretrain`, not shipped) is
    still there; else None, and the folds start from random weights."""
    import json

    from ..analysis.entities import MODEL_DIR

    try:
        meta = json.loads(((Path(model) if model else MODEL_DIR) / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    weights = ((meta.get("ficdex") or {}).get("pretrained") or {}).get("weights")
    return Path(weights) if weights and Path(weights).is_file() else None


def print_litbank(result: dict, console=None) -> None:
    """A rich table of the figures (and the folds, if any)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    title = "LitBank proper-name persons (exact span)"
    if result.get("folds"):
        title += f", {len(result['folds'])}-fold cross-validation"
    table = Table(title=title)
    tagger = result.get("tagger")
    cols = ["", "precision", "recall", "F1"] + (["tagger alone F1"] if tagger else []) + ["documents"]
    for col in cols:
        table.add_column(col, justify="right" if col else "left")
    for f in result.get("folds") or []:
        row = [f"fold {f['fold']}", f"{f['precision']:.3f}", f"{f['recall']:.3f}", f"{f['f1']:.3f}"]
        table.add_row(*row, *([f"{f['tagger_f1']:.3f}"] if tagger else []), str(f["documents"]))
    row = ["micro" if result.get("folds") else "all", f"{result['precision']:.3f}", f"{result['recall']:.3f}"]
    row.append(f"{result['f1']:.3f}")
    table.add_row(*row, *([f"{tagger['f1']:.3f}"] if tagger else []), str(result["documents"]), style="bold")
    console.print(table)
    if tagger:
        console.print(
            f"tagger alone (before the name-type pass): P {tagger['precision']:.3f} "
            f"R {tagger['recall']:.3f} F1 {tagger['f1']:.3f}"
        )
    labels = result.get("labels")
    if labels:
        lt = Table(title="every proper-name label (span and label), for information")
        for col in ("label", "precision", "recall", "F1", "gold"):
            lt.add_column(col, justify="right" if col != "label" else "left")
        for lab in LABELS:
            c = labels[lab]
            lt.add_row(lab, f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{c['f1']:.3f}", str(c["tp"] + c["fn"]))
        console.print(lt)
    other = result.get("other")
    if other:
        how = "without" if result.get("propagate") else "with"
        console.print(
            f"{how} name propagation: P {other['precision']:.3f} R {other['recall']:.3f} F1 {other['f1']:.3f}"
        )
    wps = result.get("words_per_second")
    console.print(f"speed: {wps:,} words/second" if wps else "speed: n/a")
    if result.get("on_training_data"):
        console.print(
            "[yellow]warning: scored documents the shipped model was trained on; "
            "these figures measure fit, use --cv for held-out figures[/yellow]"
        )
