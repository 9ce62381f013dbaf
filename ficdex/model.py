"""The data model: a `Story` as read from a file, before any analysis.

The story's prose lives in one string, `Story.text`; chapters and paragraphs
are offset ranges into it, so every later stage (entities, quotes, evidence
for a tag) can point at the exact characters it used.  Material that is not
the story — disclaimers, author's notes, summaries — is kept apart in
`front_matter` / `back_matter` and never enters `text`.

What the author declared (AO3 preface tags, EPUB metadata, a "Rating:" header
line) lives in `Declared`; what ficdex infers lives elsewhere (analysis), and
the two are never mixed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

# Matches AO3's own count on 1,014 of the 1,042 dev works (the rest differ by
# a word or two): letters/digits, joined by apostrophes or hyphens.
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")

# Matter kinds.  A reader may use only these, so consumers can rely on them.
MATTER_KINDS = (
    "disclaimer",
    "summary",
    "notes",
    "end_notes",
    "header",  # an unrecognised "Key: value" line from a plain-text header
    "end_marker",  # "END", "The End", "~fin~"
)


def count_words(text: str) -> int:
    """Words as AO3 counts them."""
    return len(_WORD.findall(text))


@dataclass
class Matter:
    kind: str
    text: str
    chapter: int | None = None  # index of the chapter it belongs to, if any


@dataclass
class Paragraph:
    start: int
    end: int
    scene_break_before: bool = False


@dataclass
class Chapter:
    title: str | None
    start: int
    end: int
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class Declared:
    """Metadata the source itself states.  Lists keep the source's order."""

    rating: str | None = None
    warnings: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    fandoms: list[str] = field(default_factory=list)
    relationships: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    freeforms: list[str] = field(default_factory=list)
    language: str | None = None
    series: list[str] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    published: str | None = None
    updated: str | None = None
    words: int | None = None
    chapters: str | None = None  # AO3's "3/5" or "1/?"
    url: str | None = None
    publisher: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # anything else, by its own label

    def is_empty(self) -> bool:
        return not any(v for v in asdict(self).values())

    @property
    def complete(self) -> bool | None:
        if not self.chapters or "/" not in self.chapters:
            return None
        done, total = self.chapters.split("/", 1)
        return done.strip() == total.strip()


@dataclass
class Source:
    path: str
    format: str  # "text", "ao3-html", "html", "ao3-epub", "fanficfare-epub", "epub"
    bytes: int = 0
    encoding: str | None = None
    repaired: bool = False  # ftfy changed the text (mojibake and the like)


@dataclass
class Story:
    id: str
    title: str | None
    authors: list[str]
    source: Source
    text: str
    chapters: list[Chapter]
    summary: str | None = None
    front_matter: list[Matter] = field(default_factory=list)
    back_matter: list[Matter] = field(default_factory=list)
    declared: Declared = field(default_factory=Declared)

    @property
    def author(self) -> str | None:
        return ", ".join(self.authors) if self.authors else None

    @property
    def words(self) -> int:
        return count_words(self.text)

    def paragraphs(self):
        for chapter in self.chapters:
            yield from chapter.paragraphs

    def paragraph_texts(self) -> list[str]:
        return [self.text[p.start : p.end] for p in self.paragraphs()]

    def chapter_text(self, index: int) -> str:
        c = self.chapters[index]
        return self.text[c.start : c.end]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RawChapter:
    """What a reader hands to `build_story`: paragraphs as plain strings."""

    title: str | None
    paragraphs: list[str]
    # indices into `paragraphs` that follow a scene break
    breaks: set[int] = field(default_factory=set)


PARAGRAPH_SEP = "\n\n"


def story_id(text: str) -> str:
    """Same prose, same id: the id is a hash of the whitespace-normalised text,
    so re-reading a file, or the same story in another format, gives one id."""
    normal = " ".join(text.split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


def build_story(
    chapters: list[RawChapter],
    *,
    source: Source,
    title: str | None = None,
    authors: list[str] | None = None,
    summary: str | None = None,
    front_matter: list[Matter] | None = None,
    back_matter: list[Matter] | None = None,
    declared: Declared | None = None,
) -> Story:
    """Join chapters of paragraphs into one text with stable offsets."""
    parts: list[str] = []
    out: list[Chapter] = []
    pos = 0
    for raw in chapters:
        paras = [" ".join(p.split()) if "\n" not in p else p.strip() for p in raw.paragraphs]
        kept = [(i, p) for i, p in enumerate(paras) if p]
        if not kept:
            continue
        if parts:
            parts.append(PARAGRAPH_SEP)
            pos += len(PARAGRAPH_SEP)
        chapter = Chapter(title=raw.title, start=pos, end=pos)
        for n, (i, p) in enumerate(kept):
            if n:
                parts.append(PARAGRAPH_SEP)
                pos += len(PARAGRAPH_SEP)
            chapter.paragraphs.append(Paragraph(pos, pos + len(p), scene_break_before=i in raw.breaks))
            parts.append(p)
            pos += len(p)
        chapter.end = pos
        out.append(chapter)
    text = "".join(parts)
    return Story(
        id=story_id(text),
        title=title,
        authors=authors or [],
        source=source,
        text=text,
        chapters=out,
        summary=summary,
        front_matter=front_matter or [],
        back_matter=back_matter or [],
        declared=declared or Declared(),
    )
