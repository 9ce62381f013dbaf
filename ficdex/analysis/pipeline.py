"""Analysis stages over a Story, put together the way spaCy puts components.

A stage is a callable with a `name`, the keys it `requires` in
`Analysis.inferred` and the keys it `assigns`.  `Pipeline` checks at
construction that every requirement is assigned by an earlier stage, so a
misordered pipeline fails at once rather than producing half an analysis.

Every key of `INFERRED_KEYS` is present in the output; a key no stage has
assigned stays `None`, which the JSON documents as "not built", so a reader of
the output never mistakes a missing component for an empty answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from ..errors import PipelineError
from ..model import Story

INFERRED_KEYS = (
    "entities",
    "characters",
    "places",
    "organizations",
    "quotes",
    "conversations",
    "relationships",
    "rating",
    "warnings",
    "category",
    "fandoms",
    "additional_tags",
)


@dataclass
class Analysis:
    """The Doc of ficdex: a story and everything inferred about it so far.

    `scratch` holds stage-to-stage data that is not part of the output
    (a spaCy Doc, token offsets); `inferred` is what the JSON shows.
    """

    story: Story
    inferred: dict = field(default_factory=lambda: dict.fromkeys(INFERRED_KEYS))
    scratch: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    # CPU seconds per stage: unlike `timings` (wall), not inflated by other
    # processes sharing the cores, so benchmarks on a busy machine compare.
    cpu_timings: dict = field(default_factory=dict)


class Stage(Protocol):
    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]

    def __call__(self, doc: Analysis) -> Analysis: ...


# name -> factory returning a Stage; stage modules register themselves here.
REGISTRY: dict[str, Callable[[], Stage]] = {}

# The default order; names not (yet) registered are skipped, so the pipeline
# grows as stage modules land without this list changing.
DEFAULT_STAGES = (
    "entities",  # names of people, places, organisations (LitBank-trained tagger)
    "characters",  # alias clusters, pronoun mentions, gender -> characters, places, organizations
    "fandoms",  # knowledge base + disclaimers -> fandoms
    "quotes",  # quotes and speakers -> quotes, conversations
    "content",  # rating, archive warnings, content tags -> rating, warnings, additional_tags
    "relationships",  # pairings and category -> relationships, category
)


def register(name: str):
    def wrap(factory):
        REGISTRY[name] = factory
        return factory

    return wrap


class Pipeline:
    def __init__(self, stages: list[Stage]):
        available: set[str] = set()
        for stage in stages:
            missing = [r for r in stage.requires if r not in available]
            if missing:
                raise PipelineError(
                    f"stage {stage.name!r} requires {', '.join(missing)}, "
                    "which no earlier stage assigns"
                )
            available.update(stage.assigns)
        self.stages = stages

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def __call__(self, story: Story) -> Analysis:
        doc = Analysis(story)
        for stage in self.stages:
            t0, c0 = time.perf_counter(), time.process_time()
            doc = stage(doc)
            doc.timings[stage.name] = time.perf_counter() - t0
            doc.cpu_timings[stage.name] = time.process_time() - c0
        return doc


def load_stages() -> None:
    """Import the stage modules so they register themselves."""
    from . import stages  # noqa: F401


_DEFAULT: Pipeline | None = None


def default_pipeline() -> Pipeline:
    """The pipeline built from every registered default stage, made once per
    process so models load once (the Spark job relies on this)."""
    global _DEFAULT
    if _DEFAULT is None:
        load_stages()
        _DEFAULT = Pipeline([REGISTRY[n]() for n in DEFAULT_STAGES if n in REGISTRY])
    return _DEFAULT


def analyze(story: Story, pipeline: Pipeline | None = None) -> Analysis:
    return (pipeline or default_pipeline())(story)
