"""`ficdex train …`: training commands, registered by ficdex.cli as a Typer
sub-app (``app.add_typer(train_app, name="train")``)."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Train ficdex's own models.", no_args_is_help=True)


@app.callback()
def _train() -> None:
    """Train ficdex's own models from data read in place."""


@app.command("ner")
def ner(
    litbank_dir: Path = typer.Argument(..., help="LitBank folder (entities/tsv, coref/tsv)"),
    out: Path = typer.Option(None, "--out", help="where to save the trained tagger (none: only the CV)"),
    cv: int = typer.Option(0, "--cv", help="first run k-fold cross-validation and print it"),
    seed: int = typer.Option(0, "--seed"),
    epochs: int = typer.Option(0, "--epochs", help="override ner.cfg's max_epochs"),
    vectors: Path = typer.Option(None, "--vectors", help="static vectors made by `ficdex train vectors`"),
    pretrained: Path = typer.Option(None, "--pretrained", help="tok2vec weights made by `ficdex train pretrain`"),
    dropout: float = typer.Option(0.0, "--dropout", help="override ner.cfg's training dropout"),
    heldout: Path = typer.Option(None, "--heldout", help="with --cv: save the held-out tags for `train nametypes --cache`"),
) -> None:
    """Train the literary entity tagger on every LitBank document."""
    import time

    from rich.console import Console

    from ..errors import FicdexError
    from .ner import cross_validate, fold_summary, train_ner

    console = Console(stderr=True)
    ov = {"training.dropout": dropout} if dropout else None
    try:
        if cv:
            raw: dict = {}
            res = cross_validate(
                litbank_dir,
                k=cv,
                seed=seed,
                epochs=epochs or None,
                overrides=ov,
                vectors=vectors,
                pretrained=pretrained,
                raw_out=raw,
                progress=lambda f: console.print(f"fold {f['fold']}: F1 {f['f1']:.3f} ({f['train_seconds']}s)"),
            )
            if heldout:
                import json

                # The format of nametypes.held_out_tags' cache, so the second
                # pass trains on this tagger's out-of-fold tags.
                heldout.parent.mkdir(parents=True, exist_ok=True)
                heldout.write_text(json.dumps({"result": res, "raw": raw}), encoding="utf-8")
            from ..eval.litbank import print_litbank

            print_litbank({**res, "words_per_second": None, "on_training_data": False}, Console())
            typer.echo(fold_summary(res))
        t0 = time.perf_counter()
        if out is None:
            return
        nlp = train_ner(
            litbank_dir, out, seed=seed, epochs=epochs or None, overrides=ov, vectors=vectors, pretrained=pretrained
        )
    except FicdexError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    n = len(nlp.meta["ficdex"]["training_documents"])
    typer.echo(f"trained on {n} documents in {time.perf_counter() - t0:.0f}s, saved to {out}")


@app.command("vectors")
def vectors_cmd(
    data_dir: Path = typer.Argument(..., help="the shared data folder (pdnc/, ao3-dev/, litbank/)"),
    out: Path = typer.Option(..., "--out", help="where to save the vectors (a spaCy folder)"),
) -> None:
    """Train the tagger's static word vectors (floret) on the unlabeled
    fiction in DATA_DIR; text overlapping LitBank is left out."""
    from rich.console import Console

    from ..errors import FicdexError
    from .vectors import train_vectors

    console = Console(stderr=True)
    try:
        stats = train_vectors(data_dir, out, litbank_dir=data_dir / "litbank", log=console.print)
    except FicdexError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    typer.echo(f"{stats['words']:,} tokens, {stats['seconds']}s, saved to {out}")


@app.command("pretrain")
def pretrain_cmd(
    data_dir: Path = typer.Argument(..., help="the shared data folder (pdnc/, ao3-dev/, litbank/)"),
    out: Path = typer.Option(..., "--out", help="folder for the weights (tok2vec.bin) and pretrain.json"),
    epochs: int = typer.Option(0, "--epochs", help="override pretrain.cfg's max_epochs"),
) -> None:
    """Pretrain the tagger's tok2vec on the unlabeled fiction in DATA_DIR
    (text overlapping LitBank is left out); then `train ner --pretrained`."""
    from rich.console import Console

    from ..errors import FicdexError
    from .pretrain import pretrain

    console = Console(stderr=True)
    try:
        stats = pretrain(data_dir, out, litbank_dir=data_dir / "litbank", epochs=epochs or None, log=console.print)
    except FicdexError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    typer.echo(f"{stats['words']:,} words, {stats['epochs']} epochs, {stats['seconds']}s: {stats['weights']}")


@app.command("content")
def content(
    gold: Path = typer.Argument(..., help="AO3 dev gold.jsonl (the works' text is read; the tags are the labels)"),
    out: Path = typer.Option(Path("ficdex/models/content"), "--out", help="where to write rating.json"),
    eval_only: bool = typer.Option(False, "--eval", help="print the cross-validated figures only; write nothing"),
    limit: int = typer.Option(0, "--limit", help="use only the first N works"),
) -> None:
    """Train the rating model (5-fold cross-validation printed first)."""
    from .content import main as train_content

    argv = [str(gold), "--out", str(out)] + (["--eval"] if eval_only else []) + (["--limit", str(limit)] if limit else [])
    raise typer.Exit(train_content(argv))


@app.command("relationships")
def relationships(
    gold: Path = typer.Argument(..., help="AO3 dev gold.jsonl (the works' text is read; the tags are the labels)"),
    out: Path = typer.Option(Path("ficdex/models/relationships"), "--out", help="where to write pairs.json"),
    eval_only: bool = typer.Option(False, "--eval", help="print the cross-validated figures only; write nothing"),
    limit: int = typer.Option(0, "--limit", help="use only the first N works"),
) -> None:
    """Train the pairing and category models (5-fold cross-validation printed first)."""
    from .relationships import main as train_relationships

    argv = [str(gold), "--out", str(out)] + (["--eval"] if eval_only else []) + (["--limit", str(limit)] if limit else [])
    raise typer.Exit(train_relationships(argv))


@app.command("nametypes")
def nametypes(
    litbank_dir: Path = typer.Argument(..., help="LitBank folder (entities/tsv, coref/tsv)"),
    cache: Path = typer.Option(..., "--cache", help="held-out tags JSON (computed by a tagger CV if absent)"),
    out: Path = typer.Option(None, "--out", help="write the model here (ficdex/models/ner/nametypes.json)"),
    cv: int = typer.Option(5, "--cv", help="report k-fold CV over the tagger's folds (0: skip)"),
) -> None:
    """Train the tagger's second pass (name types) on its held-out tags."""
    from .nametypes import main as train_nametypes

    argv = [str(litbank_dir), "--cache", str(cache), "--cv", str(cv)] + (["--out", str(out)] if out else [])
    raise typer.Exit(train_nametypes(argv))
