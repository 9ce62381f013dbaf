"""The library's storage interface, and how a `--db` value picks a backend.

    >>> from ficdex.library import open_store
    >>> store = open_store("library.db")          # or "postgresql://…"
    >>> store.put(api.to_json(doc), doc.story.to_dict())
    >>> store.search(SearchQuery(include={"character": ["Superman"]}))

A work is stored as the analysis document ficdex made (with the ficdex
version that made it), the story needed to analyse it again, the reader's
tag overrides, and the tags as rows: declared, inferred and effective kept
apart, so a filter is an index lookup and a re-analysis never loses what the
author or the reader said.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import LibraryError
from ..model import Chapter, Declared, Matter, Paragraph, Source, Story
from .query import SearchQuery
from .tags import TAG_TYPES

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@dataclass
class Work:
    """One stored work as `show` and `export` see it."""

    id: str
    title: str | None
    authors: list[str]
    summary: str | None
    words: int
    chapters: int
    complete: bool | None
    language: str | None
    crossover: bool
    added_at: float
    ficdex_version: str | None
    source_path: str | None
    source_format: str | None
    declared: dict[str, list[str]]
    inferred: dict[str, list[str]]
    overrides: dict
    effective: dict[str, list[str]]
    analysis: dict

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Hit:
    """One search result: what AO3 shows in a work blurb."""

    id: str
    title: str | None
    authors: list[str]
    words: int
    complete: bool | None
    language: str | None
    added_at: float
    tags: dict[str, list[str]]  # effective tags by type
    score: float | None = None  # full-text relevance when there was free text

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResult:
    total: int
    page: int
    per_page: int
    works: list[Hit] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"total": self.total, "page": self.page, "per_page": self.per_page,
                "works": [w.to_dict() for w in self.works]}


@dataclass
class PutResult:
    id: str
    status: str  # "added", "unchanged" or "updated"
    duplicates: list[tuple[str, float]] = field(default_factory=list)  # (work id, similarity)


class Store(ABC):
    """What every backend does.  Work ids may be given as a unique prefix."""

    url: str

    @abstractmethod
    def put(self, doc: dict, story: dict | None = None, *, replace: bool = False) -> PutResult:
        """Store one analysed work in one transaction.

        :param doc: the analysis document (`ficdex.api.to_json`); a "text" key
            is used for full-text search when `story` is None.
        :param story: `Story.to_dict()`, kept so the work can be re-analysed.
        :param replace: replace an existing work's analysis (re-analysis);
            otherwise an existing id is left untouched.  Overrides survive.
        """

    @abstractmethod
    def put_many(self, items: list[tuple[dict, dict | None]]) -> list[PutResult]:
        """Several new works in one transaction (bulk imports)."""

    @abstractmethod
    def has(self, work_id: str) -> bool:
        """Whether a work with exactly this id is stored."""

    @abstractmethod
    def get(self, work_id: str) -> Work: ...

    @abstractmethod
    def resolve(self, work_id: str) -> str:
        """The full id for an id or unique prefix; NotFoundError otherwise."""

    @abstractmethod
    def story(self, work_id: str) -> Story | None:
        """The stored story, rebuilt, or None if it was stored without one."""

    @abstractmethod
    def text(self, work_id: str) -> str: ...

    @abstractmethod
    def remove(self, work_id: str) -> None: ...

    @abstractmethod
    def set_overrides(self, work_id: str, overrides: dict) -> Work: ...

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult: ...

    @abstractmethod
    def ids(self) -> list[str]: ...

    @abstractmethod
    def versions(self) -> dict[str, str | None]:
        """Work id -> ficdex version that made its stored analysis."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def tag_counts(self, tag_type: str, limit: int | None = None) -> list[tuple[str, int]]:
        """(tag, works) for one type of effective tag, most used first."""

    @abstractmethod
    def facet_counts(self, q: SearchQuery, top: int = 10,
                     types: tuple[str, ...] = TAG_TYPES) -> dict[str, list[tuple[str, int]]]:
        """Per tag type, the `top` effective tags most used among the works
        the search matches (its filters and text; paging and sort ignored),
        with exact counts, most used first, ties by name."""

    @abstractmethod
    def duplicate_groups(self) -> list[list[tuple[str, float]]]:
        """Groups of near-duplicate works: (id, similarity to the group's first)."""

    @abstractmethod
    def check(self) -> list[str]:
        """Problems found by the database's own checks; [] when consistent."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def default_db() -> Path:
    """One library file in the user's data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("ficdex", appauthor=False)) / "library.db"


def open_store(db: str | os.PathLike | None = None) -> Store:
    """A store for a path (SQLite, created on first use) or a PostgreSQL URL."""
    if db is None:
        db = os.environ.get("FICDEX_DB") or default_db()
    text = str(db)
    if text.startswith(POSTGRES_SCHEMES):
        from .postgres import PostgresStore

        return PostgresStore(text)
    if "://" in text:
        raise LibraryError(f"unsupported database URL {text!r}: use a file path or postgresql://…")
    from .sqlite import SQLiteStore

    return SQLiteStore(Path(text))


def story_from_dict(d: dict) -> Story:
    """Rebuild a Story from `Story.to_dict()`, so a stored work can be re-analysed."""
    chapters = [
        Chapter(title=c["title"], start=c["start"], end=c["end"],
                paragraphs=[Paragraph(**p) for p in c.get("paragraphs", ())])
        for c in d.get("chapters", ())
    ]
    return Story(
        id=d["id"],
        title=d.get("title"),
        authors=list(d.get("authors") or []),
        source=Source(**d["source"]),
        text=d["text"],
        chapters=chapters,
        summary=d.get("summary"),
        front_matter=[Matter(**m) for m in d.get("front_matter", ())],
        back_matter=[Matter(**m) for m in d.get("back_matter", ())],
        declared=Declared(**(d.get("declared") or {})),
    )
