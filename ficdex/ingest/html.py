"""HTML files: AO3 downloads (see ao3.py) and any other saved story page.

A generic page has no agreed structure, so the reader keeps to what nearly
every story page does: the title is in <title> or the first <h1>, chapters
start at headings, and paragraphs are block elements.  Headings only split
chapters when they look like chapter titles, so a page with one "Notes"
heading is not cut in two.
"""

from __future__ import annotations

import re
from collections import Counter

from selectolax.lexbor import LexborHTMLParser

from ..model import RawChapter, Source, Story, build_story
from .ao3 import is_ao3, read_ao3
from .sanitize import Block, blocks, decode, inline_text, paragraphs, parse

_CHAPTER = re.compile(
    r"^\s*(?:(?:chapter|chap\.?|ch\.|part|book|prologue|epilogue|interlude|act|volume)\b"
    r"|(?:\d{1,4}|[IVXLC]{1,7})\s*(?:[.:)\-–—]|$))",
    re.I,
)
_SPLIT_LEVELS = ("h1", "h2", "h3")
MAX_HEADING = 120  # longer "headings" are styled prose, not chapter titles


def read_html(data: bytes, path: str) -> Story:
    text, encoding, repaired = decode(data, path)
    tree = parse(text)
    if is_ao3(tree):
        return read_ao3(tree, Source(path, "ao3-html", len(data), encoding, repaired))
    return read_generic(tree, Source(path, "html", len(data), encoding, repaired))


def _page_title(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("head title") or tree.css_first("title")
    # <title> is raw text, so markup typed into it ("<script>…") arrives as
    # text; parsing it as a fragment lets the sanitizer drop it all the same.
    raw = node.text() if node is not None else ""
    title = inline_text(parse(raw).body) if "<" in raw else " ".join(raw.split())
    if not title:
        title = inline_text(tree.css_first("h1"))
    return title or None


def _authors(tree: LexborHTMLParser) -> list[str]:
    out = []
    for meta in tree.css('meta[name="author"], meta[name="dc.creator"], meta[name="DC.creator"]'):
        name = " ".join((meta.attributes.get("content") or "").split())
        if name and name not in out:
            out.append(name)
    return out


def split_points(bl: list[Block]) -> set[int]:
    """Indices of heading blocks that start chapters."""
    heads = [(i, b.tag) for i, b in enumerate(bl) if b.tag in _SPLIT_LEVELS and len(b.text.strip()) <= MAX_HEADING]
    chapterish = [tag for i, tag in heads if _CHAPTER.match(bl[i].text)]
    if chapterish:
        level = Counter(chapterish).most_common(1)[0][0]
    else:
        counts = Counter(tag for _, tag in heads)
        ranked = sorted(counts, key=lambda t: (-counts[t], t))
        if not ranked or counts[ranked[0]] < 2:
            return set()
        level = ranked[0]
    return {i for i, tag in heads if tag == level}


def read_generic(tree: LexborHTMLParser, source: Source) -> Story:
    title = _page_title(tree)
    bl = blocks(tree.body or tree.root)
    splits = split_points(bl)
    # A leading heading that repeats the page title is the title, not text.
    if bl and bl[0].tag in _SPLIT_LEVELS and title:
        head = " ".join(bl[0].text.split())
        if head and head.lower() in title.lower() and (0 not in splits or not _CHAPTER.match(head)):
            splits.discard(0)
            bl = bl[1:]
            splits = {i - 1 for i in splits}
    groups: list[tuple[str | None, list[Block]]] = [(None, [])]
    for i, b in enumerate(bl):
        if i in splits:
            groups.append((" ".join(b.text.split()), []))
        else:
            groups[-1][1].append(b)
    chapters = []
    for heading, members in groups:
        paras, breaks = paragraphs(members)
        if paras:
            chapters.append(RawChapter(heading, paras, breaks))
    return build_story(chapters, source=source, title=title, authors=_authors(tree))
