"""What every eval shares: running the pipeline honestly, and printing figures.

A figure is a fraction, a rate or None.  None means the component that
would produce it is not built (no stage assigns its key, or the stage's
model is missing), and every table shows it as "not built" and every JSON
file as null, so an unbuilt component is never read as a zero or dropped.
"""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ..analysis.pipeline import DEFAULT_STAGES, REGISTRY, Analysis, Pipeline, load_stages
from ..errors import ModelError
from ..model import Story

NOT_BUILT = "[dim]not built[/dim]"


def ratio(num: float, den: float) -> float | None:
    """num/den, or None when the denominator is empty (the figure is undefined)."""
    return num / den if den else None


class _Guarded:
    """Runs a stage; a stage whose model is missing is switched off for the
    rest of the run (with the reason kept) instead of ending the eval, and a
    stage needing a key of a switched-off stage is switched off too."""

    def __init__(self, stage, runner: "EvalRunner"):
        self.stage = stage
        self.runner = runner
        self.name = stage.name
        self.requires = tuple(stage.requires)
        self.assigns = tuple(stage.assigns)

    def __call__(self, doc: Analysis) -> Analysis:
        off = self.runner.skipped
        if self.name in off:
            return doc
        lost = [r for r in self.requires if r in self.runner.unbuilt_keys()]
        if lost:
            off[self.name] = f"needs {', '.join(lost)}"
            return doc
        try:
            return self.stage(doc)
        except ModelError as e:
            off[self.name] = " ".join(str(e).split())
            for key in self.assigns:  # a half-run stage must not leave figures behind
                doc.inferred[key] = None
            return doc


class EvalRunner:
    """`analyze` for evals: times the analysis, survives a missing model or a
    stage that crashes on one story (the story counts as analysed with no
    answers, and the error is reported), and knows which keys are built."""

    def __init__(self, pipeline: Pipeline | None = None):
        self.skipped: dict[str, str] = {}
        self.failures: list[tuple[str, str]] = []
        self.stages = pipeline.stages if pipeline else self._default_stages()
        self.pipeline = Pipeline([_Guarded(s, self) for s in self.stages])
        self.seconds = 0.0
        self.words = 0

    def _default_stages(self) -> list:
        """The default pipeline's stages, built one by one so that a stage
        whose model is missing (its factory raises ModelError) is reported
        and left out, with every stage that needs its keys."""
        load_stages()
        stages, available = [], set()
        for name in DEFAULT_STAGES:
            if name not in REGISTRY:
                continue
            try:
                stage = REGISTRY[name]()
            except ModelError as e:
                self.skipped[name] = " ".join(str(e).split())
                continue
            lost = [r for r in stage.requires if r not in available]
            if lost:
                self.skipped[name] = f"needs {', '.join(lost)}"
                continue
            stages.append(stage)
            available.update(stage.assigns)
        return stages

    def unbuilt_keys(self) -> set[str]:
        return {k for s in self.stages if s.name in self.skipped for k in s.assigns}

    def built_keys(self) -> set[str]:
        return {k for s in self.stages if s.name not in self.skipped for k in s.assigns}

    def built(self, key: str) -> bool:
        return key in self.built_keys()

    def analyze(self, story: Story, label: str) -> Analysis:
        t0 = time.perf_counter()
        try:
            doc = self.pipeline(story)
        except Exception as e:  # noqa: BLE001 - one bad story must not end a 1,000-story eval
            self.failures.append((label, "".join(traceback.format_exception_only(type(e), e)).strip()))
            doc = Analysis(story)
        self.seconds += time.perf_counter() - t0
        self.words += story.words
        return doc

    @property
    def words_per_second(self) -> float | None:
        return ratio(self.words, self.seconds)

    def notes(self) -> dict:
        return {
            "stages": [s.name for s in self.stages],
            "skipped_stages": dict(self.skipped),
            "failures": [{"item": i, "error": e} for i, e in self.failures],
        }


def fmt(value, kind: str = "pct", built: bool = False) -> str:
    """A figure as text.  None is "not built" unless the component is built,
    in which case the figure is undefined (nothing to count: no Explicit work
    in a 20-work sample has no Explicit recall) and shows as "n/a"."""
    if value is None:
        return "n/a" if built else NOT_BUILT
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "rate":
        return f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def figure_table(title: str, rows: list[tuple]) -> Table:
    """rows: (label, value, baseline, n, kind, built).  The baseline is
    always computable from the gold, so its None means undefined: "n/a"."""
    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("ficdex", justify="right")
    table.add_column("baseline", justify="right")
    table.add_column("n", justify="right")
    for label, value, base, n, kind, built in rows:
        table.add_row(label, fmt(value, kind, built), fmt(base, kind, True), "" if n is None else f"{n:,}")
    return table


def matrix_table(title: str, labels: list[str], matrix: dict, none_label: str = "(none)") -> Table:
    """A confusion matrix: gold in rows, predicted in columns."""
    cols = list(labels) + ([none_label] if any(none_label in r for r in matrix.values()) else [])
    table = Table(title=title, title_justify="left")
    table.add_column("gold \\ ficdex")
    for c in cols:
        table.add_column(c, justify="right")
    for g in labels:
        table.add_row(g, *(str(matrix.get(g, {}).get(c, 0)) for c in cols))
    return table


def print_notes(console: Console, notes: dict) -> None:
    for name, why in notes.get("skipped_stages", {}).items():
        console.print(f"[yellow]stage {name} not run:[/yellow] {why}", soft_wrap=True)
    fails = notes.get("failures", [])
    if fails:
        console.print(f"[red]{len(fails)} item(s) failed analysis[/red]; first: {fails[0]['item']}: {fails[0]['error']}")


def write_json(path: str | Path, data: dict) -> None:
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def progress(console: Console, enabled: bool = True) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not enabled,
    )
