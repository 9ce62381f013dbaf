"""`ficdex spark analyze`: the ficdex analysis over a table or folder of works
on Apache Spark, one output row per work.

The work is done by `analyze_batches`, run through `mapInArrow`: each Python
worker process builds the pipeline once (`pipeline_for`, a module-level
cache over `default_pipeline()`), then streams Arrow batches of works through
it.  Spark reuses Python workers between tasks, so a worker loads the models
once for the whole job, never per row or per batch.

A work that cannot be read or analysed becomes a row whose `error` says why;
only a broken installation (a missing model, a misordered pipeline) stops the
job, because then every row would fail the same way.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .. import __version__
from ..analysis.pipeline import DEFAULT_STAGES, REGISTRY, Pipeline, default_pipeline, load_stages
from ..api import to_json
from ..errors import FicdexError, FileTooLargeError, InputError, PipelineError
from ..ingest import DEFAULT_MAX_BYTES, STORY_SUFFIXES, read_data
from .schema import RESULT, RESULT_COLUMNS, error_row, result_row

TABLE_SUFFIXES = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".ndjson": "json"}

# A batch holds whole texts in memory in both the JVM and Python; a few dozen
# novels is plenty to amortise the Arrow hand-off.
ROWS_PER_BATCH = 16

_PIPELINES: dict[tuple[str, ...] | None, Pipeline] = {}
_LOADS = 0  # pipelines built in this process; the output shows it per worker


def pipeline_for(stages: tuple[str, ...] | None = None) -> Pipeline:
    """The pipeline, built once per process: `None` is the default one."""
    global _LOADS
    if stages not in _PIPELINES:
        if stages is None:
            pipeline = default_pipeline()
        else:
            load_stages()
            unknown = [s for s in stages if s not in REGISTRY]
            if unknown:
                raise PipelineError(f"no such stage: {', '.join(unknown)} (known: {', '.join(sorted(REGISTRY))})")
            pipeline = Pipeline([REGISTRY[s]() for s in stages])
        _PIPELINES[stages] = pipeline
        _LOADS += 1
    return _PIPELINES[stages]


def buildable_stages() -> tuple[str, ...]:
    """The default stages whose models are on disk, with those needing them:
    what a pipeline can run today.  Equals `default_pipeline().names` once
    every model ships; the benchmark and tests use it until then."""
    load_stages()
    names: list[str] = []
    assigned: set[str] = set()
    for name in DEFAULT_STAGES:
        if name not in REGISTRY:
            continue
        try:
            stage = REGISTRY[name]()
        except FicdexError:
            continue
        if set(stage.requires) <= assigned:
            names.append(name)
            assigned.update(stage.assigns)
    return tuple(names)


def _one_line(text: str, limit: int = 500) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _failing_stage(tb) -> str | None:
    """The stage a crash came from, read off the `Pipeline.__call__` frame,
    so an error row says which component to fix."""
    for frame, _ in traceback.walk_tb(tb):
        if frame.f_code is Pipeline.__call__.__code__:
            stage = frame.f_locals.get("stage")
            return getattr(stage, "name", None)
    return None


@dataclass(frozen=True)
class Options:
    """What every executor needs to know about the job (pickled to them)."""

    stages: tuple[str, ...] | None = None  # None: the default pipeline
    max_bytes: int = DEFAULT_MAX_BYTES
    keep_story: bool = True
    timeout: float | None = None  # seconds per work; None: no limit


class _Deadline:
    """A per-work time limit, so one pathological work cannot hold a task
    (and the job) forever.  SIGALRM interrupts Python code only: a stage
    stuck inside one C call ends when that call returns.  Without a main
    thread to signal, there is no limit."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds if seconds and threading.current_thread() is threading.main_thread() else None

    def _expired(self, signum, frame):
        raise TimeoutError(f"analysis took over {self.seconds:g} s (--timeout)")

    def __enter__(self):
        if self.seconds:
            self.previous = signal.signal(signal.SIGALRM, self._expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def analyze_one(key: str, data: bytes | None, path: str, pipeline: Pipeline, options: Options = Options(),
                size: int | None = None) -> dict:
    """One work to one output row; never raises for a bad or crashing work."""
    t0 = time.perf_counter()
    try:
        with _Deadline(options.timeout):
            if data is None and size and size > options.max_bytes:
                raise FileTooLargeError(f"{size:,} bytes, over the {options.max_bytes:,}-byte limit", path)
            if data is None:
                raise InputError("no text (null)", path)
            analysis = pipeline(read_data(data, path, max_bytes=options.max_bytes))
            doc = to_json(analysis)
    except FicdexError as e:
        return error_row(key, path, f"{type(e).__name__}: {_one_line(e)}", e.code, __version__)
    except Exception as e:  # a bug in one stage must not take the corpus down with it
        stage = _failing_stage(e.__traceback__)
        where = f" in stage {stage!r}" if stage else ""
        code = "timeout" if isinstance(e, TimeoutError) else "crash"
        return error_row(key, path, f"{type(e).__name__}{where}: {_one_line(e)}", code, __version__)
    try:
        story = analysis.story.to_dict() if options.keep_story else None
        return result_row(key, doc, time.perf_counter() - t0, pipeline.names, story)
    except Exception as e:  # a stage's output no longer fits the typed columns
        row = error_row(key, path, f"{type(e).__name__} in typed columns: {_one_line(e)}", "columns", __version__)
        row["document"] = json.dumps(doc, ensure_ascii=False)
        return row


def analyze_batches(batches: Iterable, *, options: Options, out_schema, declared: list[str]) -> Iterator:
    """The `mapInArrow` function: batches of (key, path, data, size, declared_*)
    in, batches of result rows out, in the same order, so the declared
    columns are carried across untouched (and keep their input types)."""
    import pyarrow as pa

    pipeline = pipeline_for(options.stages)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    fixed = pa.schema([out_schema.field(c) for c in RESULT_COLUMNS])
    for batch in batches:
        keys, paths, data, sizes = (batch.column(c).to_pylist() for c in ("key", "path", "data", "size"))
        rows = [analyze_one(k, d, p, pipeline, options, n) for k, p, d, n in zip(keys, paths, data, sizes)]
        for row in rows:
            row.update(worker=worker, worker_loads=_LOADS)
        out = pa.RecordBatch.from_pylist(rows, schema=fixed)
        arrays = out.columns + [batch.column(c).cast(out_schema.field(c).type) for c in declared]
        yield pa.RecordBatch.from_arrays(arrays, schema=out_schema)


def session(master: str | None = "local[2]", app: str = "ficdex", conf: dict | None = None):
    """A SparkSession with settings the job needs; `master=None` keeps the
    one spark-submit chose."""
    import warnings

    from pyspark.sql import SparkSession

    # The job hands Arrow batches over directly and never touches pandas.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    b = SparkSession.builder.appName(app)
    if master:
        b = b.master(master)
    settings = {
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(ROWS_PER_BATCH),
        "spark.ui.showConsoleProgress": "false",
        "spark.python.worker.reuse": "true",  # the model cache lives in the worker
        # One Python worker per core already fills the cores; BLAS threads
        # inside each worker would only fight over them.
        "spark.executorEnv.OMP_NUM_THREADS": "1",
        "spark.executorEnv.OPENBLAS_NUM_THREADS": "1",
        "spark.executorEnv.MKL_NUM_THREADS": "1",
    }
    settings.update(conf or {})
    for k, v in settings.items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def input_kind(path: str) -> str:
    """"parquet", "json" or "files", from the name (and, locally, the folder)."""
    p = Path(path.removeprefix("file:"))
    if p.suffix.lower() in TABLE_SUFFIXES:
        return TABLE_SUFFIXES[p.suffix.lower()]
    if p.is_dir() and any(p.glob("*.parquet")):
        return "parquet"  # a folder Spark wrote
    if not p.exists() and "://" not in path:
        raise InputError("no such file or folder", path)
    return "files"


def read_input(spark, path: str, kind: str = "auto", max_bytes: int = DEFAULT_MAX_BYTES):
    """Works as (key, path, data: binary, size, declared_*) and the declared column names."""
    from pyspark.sql import functions as F

    kind = input_kind(path) if kind == "auto" else kind
    if kind != "files":
        return _read_table(spark, path, kind)
    df = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(path)
    ext = F.lower(F.regexp_extract("path", r"(\.[^./]+)$", 1))
    df = df.where(ext.isin(*sorted(STORY_SUFFIXES)))
    # Local paths without the URI scheme, so they read as `ficdex analyze` prints them.
    local = F.regexp_replace("path", "^file:(//)?", "")
    cols = [local.alias("key"), local.alias("path")]
    # The source filters on length before it reads a file, so an oversized
    # file (a stray video; over 2 GB Spark would fail the task) is never
    # loaded: it comes through without data, and becomes an error row.
    small = df.where(F.col("length") <= max_bytes).select(*cols, F.col("content").alias("data"), F.col("length").alias("size"))
    big = df.where(F.col("length") > max_bytes).select(*cols, F.lit(None).cast("binary").alias("data"), F.col("length").alias("size"))
    return small.unionByName(big), []


def listed_story_files(spark, path: str) -> int:
    """How many story files Spark's listing of a folder holds.  Spark's file
    scan never reads zero-length files, so they get no row; comparing this
    count with the rows written tells the user how many were passed over.
    (The listing is already on the driver; this copies it to Python once.)"""
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(path).inputFiles()
    return sum(Path(f).suffix.lower() in STORY_SUFFIXES for f in files)


def _read_table(spark, path: str, kind: str):
    from pyspark.sql import functions as F

    df = spark.read.parquet(path) if kind == "parquet" else spark.read.json(path)
    missing = {"id", "text"} - set(df.columns)
    if missing:
        raise InputError(f"the table has no {' or '.join(sorted(missing))} column (it needs id and text)", path)
    declared = [c for c in df.columns if c not in ("id", "text")]
    key = F.col("id").cast("string")
    cols = [
        key.alias("key"),
        F.concat(F.lit(f"{path}#"), key).alias("path"),
        F.col("text").cast("binary").alias("data"),  # Spark strings are UTF-8 already
        F.lit(None).cast("long").alias("size"),
    ] + [F.col(f"`{c}`").alias(f"declared_{c}") for c in declared]
    return df.select(*cols), [f"declared_{c}" for c in declared]


def analyze_frame(df, declared: list[str], options: Options = Options(), partitions: int | None = None):
    """The result DataFrame (lazy) for works from `read_input`."""
    from pyspark.sql import types as T
    from pyspark.sql.pandas.types import to_arrow_schema

    spark = df.sparkSession
    # One JSONL file or a folder of small files arrives as one partition:
    # spread it so every core gets work, but leave a well-split input alone.
    want = partitions or spark.sparkContext.defaultParallelism * 4
    if partitions or df.rdd.getNumPartitions() < want // 2:
        df = df.repartition(want)
    schema = T.StructType(RESULT.fields + [df.schema[c] for c in declared])
    fn = functools.partial(analyze_batches, options=options, out_schema=to_arrow_schema(schema), declared=declared)
    return df.mapInArrow(fn, schema)


def run(spark, input: str, output: str, options: Options = Options(), *, kind="auto", partitions=None,
        overwrite: bool = False, check: bool = True) -> dict:
    """Analyse INPUT into Parquet at OUTPUT; returns counts read back from it."""
    from pyspark.sql import functions as F

    kind = input_kind(input) if kind == "auto" else kind
    if check:
        # Fail in one line on the driver, before the cluster spends an hour
        # writing nothing but "model missing" rows.
        pipeline_for(options.stages)
    df, declared = read_input(spark, input, kind, options.max_bytes)
    t0 = time.perf_counter()
    result = analyze_frame(df, declared, options, partitions)
    result.write.mode("overwrite" if overwrite else "errorifexists").parquet(output)
    wall = time.perf_counter() - t0
    s = spark.read.parquet(output).agg(
        F.count("*").alias("works"),
        F.count("error").alias("errors"),
        F.coalesce(F.sum("words"), F.lit(0)).alias("words"),
        F.coalesce(F.sum("seconds"), F.lit(0.0)).alias("analysis_seconds"),
    ).first()
    out = {**s.asDict(), "wall_seconds": wall}
    if kind == "files":
        out["unread"] = listed_story_files(spark, input) - out["works"]
    return out
