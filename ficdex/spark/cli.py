"""`ficdex spark …`: the analysis on Apache Spark, and loading its results
into the library.  Registered by ficdex/cli.py; pyspark is imported only
when a command runs, so `ficdex --help` works without it."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..errors import FicdexError, InputError
from ..ingest import DEFAULT_MAX_BYTES

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


class Kind(str, Enum):
    auto = "auto"
    parquet = "parquet"
    json = "json"
    files = "files"


def _fail(e: Exception) -> None:
    from ..cli import error_line

    error_line(e if isinstance(e, FicdexError) else FicdexError(f"{type(e).__name__}: {e}"))
    raise typer.Exit(1)


def _need_pyspark() -> None:
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as e:
        _fail(InputError(f"{e.name} is not installed: pip install 'ficdex[spark]'"))


@app.command()
def analyze(
    input: str = typer.Argument(..., help="A Parquet or JSONL table of works (id, text, declared tags…) or a folder of story files."),
    output: str = typer.Argument(..., help="Where to write the Parquet results (a folder)."),
    master: Optional[str] = typer.Option(
        None, "--master", help="Spark master; default local[2], or whatever spark-submit chose."
    ),
    partitions: Optional[int] = typer.Option(None, "--partitions", help="Split the works into N tasks (default: 4 per core)."),
    kind: Kind = typer.Option(Kind.auto, "--input-format", help="How to read INPUT (auto: from its name)."),
    stages: Optional[str] = typer.Option(
        None, "--stages", help="Comma-separated stage names to run instead of the default pipeline."
    ),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", help="Refuse works larger than this."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUTPUT if it exists."),
    timeout: float = typer.Option(
        0, "--timeout", help="Give up on a work after this many seconds (an error row); 0: no limit."
    ),
    story: bool = typer.Option(
        True, "--story/--no-story", help="Keep each story (text and offsets) so `index` can make it searchable."
    ),
    driver_memory: str = typer.Option("2g", "--driver-memory", help="Driver JVM memory (local mode only)."),
):
    """Analyse every work in INPUT on Spark; one Parquet row per work.

    Example: ficdex spark analyze works.jsonl results.parquet --master local[2]
    """
    _need_pyspark()
    import os

    from . import job

    if not overwrite and "://" not in output and Path(output).exists():
        _fail(InputError("already exists (use --overwrite to replace it)", output))
    under_submit = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit launched us
    master = master or (None if under_submit else "local[2]")
    conf = {} if under_submit else {"spark.driver.memory": driver_memory}
    try:
        spark = job.session(master, conf=conf)
        names = tuple(s.strip() for s in stages.split(",") if s.strip()) if stages else None
        options = job.Options(stages=names, max_bytes=max_bytes, keep_story=story, timeout=timeout or None)
        s = job.run(spark, input, output, options, kind=kind.value, partitions=partitions, overwrite=overwrite)
    except FicdexError as e:
        _fail(e)
    except Exception as e:  # Spark's own errors (bad path, bad table) arrive as Py4J/analysis errors
        _fail(InputError(_spark_reason(e), input))
    rate = s["words"] / s["wall_seconds"] if s["wall_seconds"] else 0.0
    typer.echo(
        f"{s['works']} works ({s['errors']} errors), {s['words']:,} words in {s['wall_seconds']:.1f} s "
        f"({rate:,.0f} words/s) -> {output}"
    )
    if s.get("unread"):
        typer.echo(f"{s['unread']} empty file(s) skipped: Spark does not read zero-length files", err=True)


def _spark_reason(e: Exception) -> str:
    text = str(getattr(e, "desc", None) or e)
    return " ".join(text.splitlines()[0].split()) if text else type(e).__name__


@app.command()
def index(
    output: str = typer.Argument(..., help="Parquet results written by `ficdex spark analyze`."),
    db: str = typer.Option(..., "--db", help="The library: a SQLite file path or a postgresql:// URL."),
    batch: int = typer.Option(500, "--batch", help="Documents per transaction."),
    table_metadata: bool = typer.Option(
        True, "--table-metadata/--no-table-metadata",
        help="Use the input table's declared_* columns (title, author, AO3 tags) as the work's declared metadata.",
    ),
):
    """Load Spark results into the library so the corpus is searchable.

    Example: ficdex spark index results.parquet --db postgresql://localhost/ficdex
    """
    from .index import index_results

    try:
        s = index_results(output, db, batch=batch, table_metadata=table_metadata)
    except FicdexError as e:
        _fail(e)
    new = ", ".join(f"{s[k]} {k}" for k in ("added", "updated", "unchanged") if s.get(k))
    typer.echo(f"indexed {s['indexed']} works ({new or 'none'}), skipped {s['skipped']} error rows -> {db}")
