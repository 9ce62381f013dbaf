"""Writing a stored work out: EPUB 3, standalone HTML, or JSON.

    >>> from ficdex.export import export_work
    >>> export_work(store, "3f2a9c", "epub", "rain-check.epub")

Every format carries the effective tags (the ones the library filters on)
with the rating and warnings up front, as AO3's own downloads do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import LibraryError

FORMATS = ("epub", "html", "json")


@dataclass
class Section:
    title: str
    paragraphs: list[str]


def sections(store, work) -> list[Section]:
    """The work's chapters as paragraphs of plain text.  A work stored
    without its story (a metadata-only import) is one section split on
    blank lines."""
    story = store.story(work.id)
    if story is None:
        text = store.text(work.id)
        paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        return [Section(work.title or "Text", paras)] if paras else []
    out = []
    for i, ch in enumerate(story.chapters, 1):
        paras = [story.text[p.start : p.end] for p in ch.paragraphs]
        out.append(Section(ch.title or (f"Chapter {i}" if len(story.chapters) > 1 else work.title or "Text"), paras))
    return out


def slug(text: str | None, limit: int = 40) -> str:
    s = re.sub(r"[^\w]+", "-", (text or "").lower()).strip("-")
    return s[:limit].strip("-") or "work"


def export_work(store, work_id: str, fmt: str, out: str | Path | None = None) -> Path:
    """Write one work; returns the path written.

    :param fmt: "epub", "html" or "json".
    :param out: the file to write; default `<title>-<id>.<fmt>` in the current folder.
    """
    if fmt not in FORMATS:
        raise LibraryError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    work = store.get(work_id)
    path = Path(out) if out else Path(f"{slug(work.title)}-{work.id[:8]}.{fmt}")
    if fmt == "epub":
        from .epub import epub_bytes

        data = epub_bytes(work, sections(store, work))
    elif fmt == "html":
        from .html import html_page

        data = html_page(work, sections(store, work)).encode("utf-8")
    else:
        from .json import work_json

        data = work_json(work, sections(store, work)).encode("utf-8")
    try:
        path.write_bytes(data)
    except OSError as e:
        raise LibraryError(f"cannot write: {e.strerror or e}", str(path)) from e
    return path
