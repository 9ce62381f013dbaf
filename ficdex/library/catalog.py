"""Adding stories to the library and analysing them again.

Both walk their inputs one work at a time and yield an `Outcome` per work,
so the CLI can draw a progress bar and report each work as soon as it is
safely committed: a work reported "added" is in the library even if the
process is killed on the next line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from .. import __version__, api
from ..errors import FicdexError, LibraryError
from ..ingest import DEFAULT_MAX_BYTES, iter_paths, read
from .store import Store


@dataclass
class Outcome:
    path: str | None
    work_id: str | None
    status: str  # "added", "unchanged", "updated", "skipped" or "error"
    title: str | None = None
    duplicates: list[tuple[str, float]] = field(default_factory=list)
    error: FicdexError | None = None


def story_files(paths: Iterable[str | os.PathLike]) -> tuple[list[str], list[FicdexError]]:
    """Every story file under `paths` (folders walked), and an error for each
    path that cannot be walked, so one missing folder does not stop the rest."""
    files: list[str] = []
    errors: list[FicdexError] = []
    for p in paths:
        try:
            files.extend(str(f) for f in iter_paths([p]))
        except FicdexError as e:
            errors.append(e)
    return files, errors


def _analyse(story) -> dict:
    try:
        return api.to_json(api.analyze_story(story))
    except FicdexError:
        raise
    except Exception as e:  # noqa: BLE001 - a stage's bug must not stop a 10,000-file import
        raise FicdexError(f"analysis failed: {type(e).__name__}: {e}") from e


def add_files(store: Store, files: list[str], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Outcome]:
    """Read, analyse and store each file, each in its own transaction.

    A story already stored (same text, same id) is not analysed again, which
    makes re-adding a folder cheap and changes nothing.  A bad file yields an
    "error" outcome and the run goes on.
    """
    for path in files:
        try:
            story = read(path, max_bytes=max_bytes)
            if store.has(story.id):
                yield Outcome(path, story.id, "unchanged", story.title)
                continue
            doc = _analyse(story)
            result = store.put(doc, story.to_dict())
            yield Outcome(path, result.id, result.status, story.title, result.duplicates)
        except FicdexError as e:
            if e.path is None:
                e.path = path
            yield Outcome(path, None, "error", error=e)


def _version_key(v: str | None):
    from packaging.version import InvalidVersion, Version

    try:
        return Version(v or "0")
    except InvalidVersion:  # an unparsable version counts as the oldest
        return Version("0")


def is_outdated(version: str | None, current: str = __version__) -> bool:
    """Whether an analysis made by `version` predates this ficdex."""
    return _version_key(version) < _version_key(current)


def reanalyze(store: Store, work_ids: list[str] | None = None, *, outdated: bool = False) -> Iterator[Outcome]:
    """Analyse stored works again from their stored story; reader overrides
    are kept.  With `outdated`, only works analysed by an older ficdex."""
    versions = store.versions()
    if work_ids:
        ids = [store.resolve(w) for w in work_ids]
    else:
        ids = list(versions)
    for wid in ids:
        if outdated and not is_outdated(versions.get(wid)):
            yield Outcome(None, wid, "skipped")
            continue
        try:
            story = store.story(wid)
            if story is None:
                raise LibraryError("stored without its story text; add the file again to re-analyse it", wid)
            result = store.put(_analyse(story), story.to_dict(), replace=True)
            yield Outcome(None, wid, result.status, story.title, result.duplicates)
        except FicdexError as e:
            if e.path is None:
                e.path = wid
            yield Outcome(None, wid, "error", error=e)
