"""The Python API the CLI, the web views and the Spark job stand on.

    >>> from ficdex import api
    >>> result = api.analyze_path("story.txt")
    >>> api.to_json(result)["inferred"]["rating"]

`to_json` produces the documented, versioned document (docs/schema.md).
"""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Iterator

from . import __version__
from .analysis import Analysis, analyze
from .errors import FicdexError
from .ingest import DEFAULT_MAX_BYTES, iter_paths, read, read_data
from .model import Story, count_words

SCHEMA = "ficdex.analysis/1"


def analyze_story(story: Story) -> Analysis:
    return analyze(story)


def analyze_path(path: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> Analysis:
    return analyze(read(path, max_bytes=max_bytes))


def analyze_bytes(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Analysis:
    return analyze(read_data(data, name, max_bytes=max_bytes))


def analyze_paths(
    paths: list[str | os.PathLike], max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[tuple[str, Analysis | None, FicdexError | None]]:
    """Every story under `paths`, one (path, analysis, error) at a time: a bad
    file yields its error and the run goes on."""
    for path in iter_paths(paths):
        try:
            yield str(path), analyze_path(path, max_bytes=max_bytes), None
        except FicdexError as e:
            yield str(path), None, e


def to_json(doc: Analysis, *, include_text: bool = False) -> dict:
    story = doc.story
    declared = asdict(story.declared)
    out = {
        "schema": SCHEMA,
        "ficdex_version": __version__,
        "id": story.id,
        "title": story.title,
        "authors": story.authors,
        "summary": story.summary,
        "source": asdict(story.source),
        "words": story.words,
        "declared": None if story.declared.is_empty() else declared,
        "front_matter": [asdict(m) for m in story.front_matter],
        "back_matter": [asdict(m) for m in story.back_matter],
        "chapters": [
            {
                "title": c.title,
                "start": c.start,
                "end": c.end,
                "words": count_words(story.text[c.start : c.end]),
                "paragraphs": len(c.paragraphs),
                "scene_breaks": sum(p.scene_break_before for p in c.paragraphs),
            }
            for c in story.chapters
        ],
        "inferred": dict(doc.inferred),
    }
    if include_text:
        out["text"] = story.text
    return out
