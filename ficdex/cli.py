"""The `ficdex` command: a thin layer over `ficdex.api`.

Errors from the library are `FicdexError`s; the CLI prints each as one line
naming the file ("Error: path: reason") and goes on with the other files,
exiting 1 at the end if any failed.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from . import __version__, api
from .errors import FicdexError
from .ingest import DEFAULT_MAX_BYTES, iter_paths

app = typer.Typer(
    help="Read fan fiction as people have it and tag it the way AO3 does, with the evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)


class Format(str, Enum):
    json = "json"
    text = "text"


def _version(value: bool):
    if value:
        typer.echo(f"ficdex {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
):
    pass


def error_line(e: FicdexError) -> None:
    # One line, whatever the reason said: a newline in a message would make
    # the error harder to grep and to pair with its file.
    err.print(f"[red]Error:[/red] {' '.join(str(e).split())}", soft_wrap=True)


def progress(total: int, enabled: bool) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not enabled,
    )


@app.command()
def analyze(
    paths: list[Path] = typer.Argument(..., help="Story files or folders (walked recursively)."),
    format: Optional[Format] = typer.Option(
        None, "--format", "-f", help="json (default when piped) or text (default on a terminal)."
    ),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", help="Refuse files larger than this."),
    include_text: bool = typer.Option(False, "--text", help="Include the story text in the JSON."),
):
    """Analyse stories and print what ficdex finds, with its evidence.

    Example: ficdex analyze story.txt folder/ --format json
    """
    fmt = format or (Format.text if sys.stdout.isatty() else Format.json)
    failed = 0
    try:
        files = list(iter_paths(paths))
    except FicdexError as e:
        error_line(e)
        raise typer.Exit(1)
    out = Console(highlight=False)
    with progress(len(files), enabled=len(files) > 3 and err.is_terminal) as bar:
        task = bar.add_task("analysing", total=len(files))
        for path, doc, error in api.analyze_paths(files, max_bytes=max_bytes):
            bar.advance(task)
            if error:
                failed += 1
                error_line(error)
                continue
            data = api.to_json(doc, include_text=include_text)
            if fmt is Format.json:
                sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
            else:
                from .summary import print_summary

                print_summary(out, data)
    if failed:
        err.print(f"{failed} of {len(files)} file(s) failed")
        raise typer.Exit(1)


def _register_subapps() -> None:
    """Sub-commands live beside the code they drive; each registers here."""
    import importlib

    for module, name, help in (
        ("ficdex.eval.cli", "eval", "Measure ficdex against annotated data."),
        ("ficdex.train.cli", "train", "Train ficdex's models from the shared data."),
        ("ficdex.spark.cli", "spark", "Run the analysis on Apache Spark."),
    ):
        try:
            sub = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:
                raise
            continue
        app.add_typer(sub.app, name=name, help=help)
    from .library.cli import register as register_library
    from .web.cli import register as register_web

    register_library(app)
    register_web(app)


_register_subapps()


def main() -> None:
    app()
