"""AO3 downloads: the "Download → HTML" file, and the same markup inside AO3's
EPUBs (AO3 builds its EPUBs from this HTML, so one parser serves both).

Layout (stable since ~2012):
  div#preface  p.message (title, work URL) · div.meta > dl.tags (dt/dd pairs:
               Rating, Archive Warning, …, Stats) · h1 (title) · div.byline ·
               <p>Summary</p><blockquote> · <p>Notes</p><blockquote>
  div#chapters single chapter: h2.toc-heading + div.userstuff;
               several: per chapter div.meta.group (h2.heading, Chapter
               Summary/Notes) + div.userstuff + optional div.meta#endnotesN
  div#afterword  div#endnotes (End Notes), "Works inspired by this one"
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..model import Declared, Matter, RawChapter, Source, Story, build_story
from .sanitize import inline_text, paragraphs, blocks, text_of

# dt label (lower-cased, colon and plural "s" stripped) → Declared list field
_LIST_FIELDS = {
    "archive warning": "warnings",
    "category": "category",
    "categorie": "category",
    "fandom": "fandoms",
    "relationship": "relationships",
    "character": "characters",
    "additional tag": "freeforms",
    "collection": "collections",
}
_STAT = re.compile(r"([A-Z][A-Za-z ]*?):\s*([^\s:]+(?:\s*/\s*[^\s:]+)?)")


def is_ao3(tree: LexborHTMLParser) -> bool:
    """AO3 markup: a preface holding the tag list, or the archive's message."""
    if tree.css_first("#preface dl.tags") is not None:
        return True
    msg = tree.css_first("#preface p.message")
    return msg is not None and "archiveofourown.org" in (msg.html or "")


def _label(dt: LexborNode) -> str:
    return inline_text(dt).rstrip(":").strip()


def _values(dd: LexborNode) -> list[str]:
    # AO3 links every tag; tags cannot contain commas, so a link-less dd
    # (hand-edited files) splits safely on them.
    links = [inline_text(a) for a in dd.css("a")]
    vals = links if links else inline_text(dd).split(",")
    return [v.strip() for v in vals if v.strip()]


def parse_tags(dl: LexborNode | None, declared: Declared | None = None) -> Declared:
    """AO3's dl.tags (dt label, dd value pairs) into `Declared`."""
    d = declared or Declared(publisher="Archive of Our Own")
    if dl is None:
        return d
    label = None
    for node in dl.iter():
        if node.tag == "dt":
            label = _label(node)
            continue
        if node.tag != "dd" or not label:
            continue
        key = label.lower()
        key = key[:-1] if key.endswith("s") else key
        if key == "rating":
            vals = _values(node)
            d.rating = ", ".join(vals) or None
        elif key in _LIST_FIELDS:
            getattr(d, _LIST_FIELDS[key]).extend(_values(node))
        elif key == "language":
            d.language = inline_text(node) or None
        elif key == "serie":
            # "Part 3 of <a>Name</a>": the names are the series, positions kept aside.
            d.series.extend(inline_text(a) for a in node.css("a"))
            d.extra["series"] = inline_text(node)
        elif key == "stat":
            _parse_stats(inline_text(node), d)
        else:
            d.extra[label] = inline_text(node)
        label = None
    return d


def _parse_stats(text: str, d: Declared) -> None:
    for key, value in _STAT.findall(text):
        key = key.strip().lower()
        if key == "published":
            d.published = value
        elif key == "updated":
            d.updated = value
        elif key == "words":
            digits = re.sub(r"[,.\s]", "", value)
            d.words = int(digits) if digits.isdigit() else None
        elif key == "chapters":
            d.chapters = value.replace(" ", "")
        else:
            d.extra[key] = value


def _labelled_quotes(container: LexborNode | None) -> list[tuple[str, LexborNode]]:
    """(label, blockquote) pairs from AO3's `<p>Summary</p><blockquote>` idiom,
    looking one level into div#endnotes (where the afterword keeps End Notes)."""
    out: list[tuple[str, LexborNode]] = []
    if container is None:
        return out
    pending = [(container, 0)]
    while pending:
        parent, depth = pending.pop(0)
        label = None
        for node in parent.iter():
            if node.tag == "p":
                label = inline_text(node).strip().rstrip(":").lower()
            elif node.tag == "blockquote" and label:
                out.append((label, node))
                label = None
            elif node.tag == "div" and depth == 0 and (node.attributes.get("id") or "").startswith("endnotes"):
                pending.append((node, 1))
    return out


def _authors(byline: LexborNode | None) -> list[str]:
    if byline is None:
        return []
    # "by Anonymous" has no links: that is no named author, not one called "Anonymous".
    return [inline_text(a) for a in byline.css('a[rel="author"]') if inline_text(a)]


def preface(tree: LexborHTMLParser):
    meta = tree.css_first("#preface .meta") or tree.css_first("#preface")
    declared = parse_tags(tree.css_first("#preface dl.tags"))
    msg = tree.css_first("#preface p.message")
    if msg is not None:
        for a in msg.css("a"):
            href = a.attributes.get("href") or ""
            if "/works/" in href:
                declared.url = href
    title_node = tree.css_first("#preface h1") or tree.css_first("#preface p.message b")
    title = inline_text(title_node) or None
    authors = _authors(tree.css_first("#preface .byline"))
    summary = None
    front: list[Matter] = []
    for label, quote in _labelled_quotes(meta):
        text = text_of(quote)
        if not text:
            continue
        if label == "summary":
            summary = text
        elif label == "notes":
            front.append(Matter("notes", text))
    return title, authors, summary, front, declared


def _chapter_nodes(container: LexborNode) -> list[LexborNode]:
    """Top-most div.meta / div.userstuff under `container`, in order.  A
    userstuff div that wraps others (AO3's own #chapters) is not a chapter."""
    picked: list[LexborNode] = []
    ids: set[int] = set()
    stop = container.mem_id
    for node in container.css("div.meta, div.userstuff"):
        # (a node's css() matches the node itself, hence the id comparison)
        if node.mem_id == stop or any(d.mem_id != node.mem_id for d in node.css("div.userstuff, div.meta.group")):
            continue
        anc, inside = node.parent, False
        while anc is not None and anc.mem_id != stop:  # depth is capped by sanitize.limit_depth
            if anc.mem_id in ids or (anc.attributes.get("id") or "") in ("preface", "afterword"):
                inside = True
                break
            anc = anc.parent
        if not inside:
            picked.append(node)
            ids.add(node.mem_id)
    return picked


def chapter_items(containers: list[LexborNode]) -> list[tuple[RawChapter, list[Matter]]]:
    """(RawChapter, its Matter) pairs in order.  Containers are searched with
    selectors, not by position, so the same code reads the HTML download and
    the EPUB, whose converter splits the chapters into files and re-wraps them."""
    items: list[tuple[RawChapter, list[Matter]]] = []
    title: str | None = None
    matter: list[Matter] = []
    for container in containers:
        for node in _chapter_nodes(container):
            cls = (node.attributes.get("class") or "").split()
            if "userstuff" in cls:
                paras, breaks = paragraphs(blocks(node))
                items.append((RawChapter(title, paras, breaks), matter))
                title, matter = None, []
            elif "group" in cls:
                title = inline_text(node.css_first("h2.heading, h2, h3")) or None
                matter = []
                for label, quote in _labelled_quotes(node):
                    kind = {"chapter summary": "summary", "chapter notes": "notes"}.get(label)
                    text = text_of(quote)
                    if kind and text:
                        matter.append(Matter(kind, text))
            elif items:
                for label, quote in _labelled_quotes(node):
                    text = text_of(quote)
                    if label == "chapter end notes" and text:
                        items[-1][1].append(Matter("end_notes", text))
    return items


def end_notes(tree: LexborHTMLParser) -> list[Matter]:
    out = []
    for label, quote in _labelled_quotes(tree.css_first("#afterword .meta") or tree.css_first("#afterword")):
        text = text_of(quote)
        if label == "end notes" and text:
            out.append(Matter("end_notes", text))
    return out


def assemble(preface, items, back: list[Matter], source: Source) -> Story:
    title, authors, summary, front, declared = preface
    front = list(front)
    chapters: list[RawChapter] = []
    chapter_back: list[Matter] = []
    for raw, matter in items:
        # build_story drops empty chapters; index Matter by the kept position.
        index = len(chapters) if any(p.strip() for p in raw.paragraphs) else None
        if index is not None:
            chapters.append(raw)
        for m in matter:
            m.chapter = index
            (chapter_back if m.kind == "end_notes" else front).append(m)
    return build_story(
        chapters,
        source=source,
        title=title,
        authors=authors,
        summary=summary,
        front_matter=front,
        back_matter=chapter_back + back,
        declared=declared,
    )


def read_ao3(tree: LexborHTMLParser, source: Source) -> Story:
    containers = tree.css("#chapters")[:1] or [tree.body or tree.root]
    items = chapter_items(containers)
    if not items:
        # No div.userstuff at all: the text sits straight in #chapters.
        for h in containers[0].css("h2.toc-heading"):
            h.decompose()
        paras, breaks = paragraphs(blocks(containers[0]))
        items = [(RawChapter(None, paras, breaks), [])]
    return assemble(preface(tree), items, end_notes(tree), source)
