"""`ficdex eval`: the measuring stick.  Each command prints a table and, with
--json, writes the same figures; a component that is not built yet shows as
"not built" / null, never as a zero."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from ..errors import FicdexError, ModelError
from .report import NOT_BUILT, progress, write_json

app = typer.Typer(
    help="Measure ficdex against annotated data.", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

JSON_OPT = typer.Option(None, "--json", help="Also write the figures to this JSON file.")
LIMIT_OPT = typer.Option(None, "--limit", min=1, help="Score only the first N items.")


def _fail(e: FicdexError):
    err.print(f"[red]Error:[/red] {' '.join(str(e).split())}", soft_wrap=True)
    raise typer.Exit(1)


def _finish(result: dict, json_path: Optional[Path]) -> None:
    if json_path:
        write_json(json_path, result)
        err.print(f"figures written to {json_path}")


@app.command()
def ao3(
    gold: Path = typer.Argument(..., help="gold.jsonl: one AO3 work per line with the author's tags."),
    limit: Optional[int] = LIMIT_OPT,
    cv: int = typer.Option(0, "--cv", min=0, help="Rate each work by a rating model trained without it "
                           "(K-fold cross-validation; 0: the shipped model, in-sample on ao3-dev)."),
    json_path: Optional[Path] = JSON_OPT,
):
    """Tag each work from its text alone; score against the author's tags.

    Example: ficdex eval ao3 ../shared/data/ao3-dev/gold.jsonl --cv 5 --json ao3.json
    """
    from .ao3 import evaluate_ao3, print_ao3

    try:
        with progress(err, err.is_terminal) as bar:
            task = bar.add_task("analysing works", total=None)
            result = evaluate_ao3(gold, limit=limit, cv=cv, on_work=lambda i, n: bar.update(task, completed=i, total=n))
    except FicdexError as e:
        _fail(e)
    print_ao3(result, out)
    _finish(result, json_path)


@app.command()
def pdnc(
    folder: Path = typer.Argument(..., help="The PDNC folder (with data/<Novel>/...)."),
    booknlp: Optional[Path] = typer.Option(None, "--booknlp", help="BookNLP's published PDNC outputs, scored side by side."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Score only the first N novels."),
    json_path: Optional[Path] = JSON_OPT,
):
    """Quote detection and speaker attribution on every PDNC gold quote.

    Example: ficdex eval pdnc ../shared/data/pdnc --booknlp ../shared/data/booknlp-pdnc
    """
    from .pdnc import evaluate_pdnc, novel_names, print_pdnc

    try:
        total = len(novel_names(folder)[:limit])
        with progress(err) as bar:
            task = bar.add_task("novels", total=total)
            seen = []

            def step(name):
                if seen:
                    bar.advance(task)
                seen.append(name)
                bar.update(task, description=name)

            result = evaluate_pdnc(folder, booknlp=booknlp, limit=limit, on_novel=step)
    except FicdexError as e:
        _fail(e)
    print_pdnc(result, out)
    _finish(result, json_path)


LITBANK_KEYS = ("precision", "recall", "f1", "words_per_second", "documents", "on_training_data", "folds")


@app.command()
def litbank(
    folder: Path = typer.Argument(..., help="The LitBank folder."),
    cv: int = typer.Option(0, "--cv", min=0, help="Cross-validate with K folds (0: score the shipped tagger)."),
    limit: Optional[int] = LIMIT_OPT,
    json_path: Optional[Path] = JSON_OPT,
):
    """Entity tagger precision/recall/F1 on LitBank's proper-name mentions."""
    try:
        from .litbank import evaluate_litbank, print_litbank
    except ModuleNotFoundError as e:
        if e.name != f"{__package__}.litbank":
            raise
        out.print(f"entity tagger: {NOT_BUILT} (no LitBank evaluation in this build)")
        _finish(dict.fromkeys(LITBANK_KEYS), json_path)
        return
    try:
        result = evaluate_litbank(folder, limit=limit, cv=cv)
    except ModelError as e:
        # No trained tagger yet is "not built", not a failure of the eval.
        out.print(f"entity tagger: {NOT_BUILT} ({' '.join(str(e).split())})", soft_wrap=True)
        _finish(dict.fromkeys(LITBANK_KEYS), json_path)
        return
    except FicdexError as e:
        _fail(e)
    print_litbank(result)
    _finish(result, json_path)
