"""EPUB files: AO3 downloads, FanFicFare downloads, and any other EPUB.

An EPUB is a zip, and a zip from the internet is hostile: it can be truncated,
or unpack to gigabytes from a few kilobytes.  `_Archive` checks the central
directory before reading anything and counts the bytes actually inflated
(headers can lie), so no later code ever touches an unchecked member.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from urllib.parse import unquote

from lxml import etree

from ..errors import CorruptArchiveError, ZipBombError
from ..model import Declared, Matter, RawChapter, Source, Story, build_story
from . import ao3
from .html import split_points
from .sanitize import blocks, decode, inline_text, paragraphs, parse, text_of

MAX_MEMBERS = 10_000
MAX_RATIO = 200  # deflate manages ~3-10x on prose; 200x is only repeated filler
RATIO_FLOOR = 1 << 20  # tiny members (a CSS file of spaces) may compress far better, harmlessly
HARD_CAP = 200 * 1024 * 1024
_CHUNK = 1 << 16

_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, recover=True)
# Spine items that are not the story, by file name or TOC title.
_SKIP = re.compile(
    r"^(?:cover|title[ _-]?page|titlepage|toc|toc[_-]page|nav|contents|table of contents|information|info|"
    r"copyright|log[_-]page|update log|preface|afterword|about|colophon)$",
    re.I,
)
_BACK = re.compile(r"^(?:afterword|end ?notes?)$", re.I)


class _Archive:
    """A zip whose sizes were checked up front and whose reads are metered."""

    def __init__(self, data: bytes, path: str, max_bytes: int):
        self.path = path
        self.cap = min(10 * max_bytes, HARD_CAP)
        self.read_total = 0
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
            raise CorruptArchiveError(f"not a readable EPUB (zip) archive: {_one_line(e)}", path) from e
        if len(infos) > MAX_MEMBERS:
            raise ZipBombError(f"archive has {len(infos):,} members, over the {MAX_MEMBERS:,} limit", path)
        declared = sum(i.file_size for i in infos)
        if declared > self.cap:
            raise ZipBombError(f"archive would unpack to {declared:,} bytes, over the {self.cap:,}-byte limit", path)
        for i in infos:
            if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                raise ZipBombError(f"member {i.filename!r} has a compression ratio over {MAX_RATIO}", path)
        self.names = {i.filename for i in infos}

    def read(self, name: str) -> bytes:
        if name not in self.names:
            raise CorruptArchiveError(f"archive member {name!r} is missing", self.path)
        out = bytearray()
        try:
            with self.zf.open(name) as f:
                while chunk := f.read(_CHUNK):
                    self.read_total += len(chunk)
                    if self.read_total > self.cap:
                        raise ZipBombError(f"archive unpacks to more than {self.cap:,} bytes", self.path)
                    out += chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as e:
            raise CorruptArchiveError(f"archive member {name!r} is damaged: {_one_line(e)}", self.path) from e
        return bytes(out)

    def xml(self, name: str):
        root = etree.fromstring(self.read(name), _XML)
        if root is None:
            raise CorruptArchiveError(f"{name!r} is not XML", self.path)
        return root


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _local(el) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def _resolve(base_dir: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(base_dir, unquote(href.split("#", 1)[0])))


class _Package:
    """The OPF: metadata, manifest, spine, and TOC titles by file."""

    def __init__(self, arc: _Archive):
        try:
            container = arc.xml("META-INF/container.xml")
        except CorruptArchiveError:
            raise CorruptArchiveError("not an EPUB: META-INF/container.xml is missing or unreadable", arc.path)
        rootfile = next((e.get("full-path") for e in container.iter() if _local(e) == "rootfile"), None)
        if not rootfile or rootfile not in arc.names:
            raise CorruptArchiveError("the EPUB package document (OPF) is missing", arc.path)
        opf = arc.xml(rootfile)
        self.dir = posixpath.dirname(rootfile)
        self.meta: dict[str, list[str]] = {}
        self.named: dict[str, str] = {}  # <meta name= content=> (calibre:series …)
        self.manifest: dict[str, tuple[str, str, str]] = {}  # id → (path, media type, properties)
        self.spine: list[str] = []
        toc_id = None
        for el in opf.iter():
            name = _local(el)
            parent = _local(el.getparent()) if el.getparent() is not None else ""
            if parent == "metadata" and name == "meta" and el.get("name"):
                self.named[el.get("name")] = el.get("content") or ""
            elif parent == "metadata" and name != "meta":
                value = _text(el)
                if value:
                    self.meta.setdefault(name, []).append(value)
            elif name == "item" and el.get("href"):
                self.manifest[el.get("id", "")] = (
                    _resolve(self.dir, el.get("href")),
                    el.get("media-type", ""),
                    el.get("properties", ""),
                )
            elif name == "spine":
                toc_id = el.get("toc")
            elif name == "itemref" and el.get("linear", "yes") != "no":
                self.spine.append(el.get("idref", ""))
        self.titles = self._toc(arc, toc_id)

    def first(self, key: str) -> str | None:
        return (self.meta.get(key) or [None])[0]

    def _toc(self, arc: _Archive, toc_id: str | None) -> dict[str, str]:
        """File path → its first title in the EPUB 3 nav, else the NCX."""
        titles: dict[str, str] = {}
        nav = next((v for v in self.manifest.values() if "nav" in v[2].split()), None)
        if nav and nav[0] in arc.names:
            tree = parse(decode(arc.read(nav[0]), arc.path)[0])
            base = posixpath.dirname(nav[0])
            for a in tree.css("nav a"):
                href = a.attributes.get("href")
                if href:
                    titles.setdefault(_resolve(base, href), inline_text(a))
        ncx = self.manifest.get(toc_id or "") or next(
            (v for v in self.manifest.values() if v[1] == "application/x-dtbncx+xml"), None
        )
        if not titles and ncx and ncx[0] in arc.names:
            base = posixpath.dirname(ncx[0])
            for point in arc.xml(ncx[0]).iter():
                if _local(point) != "navpoint":
                    continue
                label = next((_text(e) for e in point.iter() if _local(e) == "text"), "")
                src = next((e.get("src") for e in point.iter() if _local(e) == "content"), None)
                if src and label:
                    titles.setdefault(_resolve(base, src), label)
        return titles


def _declared_from_opf(pkg: _Package) -> Declared:
    d = Declared(
        language=pkg.first("language"),
        published=pkg.first("date"),
        publisher=pkg.first("publisher"),
        freeforms=list(dict.fromkeys(pkg.meta.get("subject", []))),
    )
    for value in pkg.meta.get("source", []) + pkg.meta.get("identifier", []):
        if value.startswith(("http://", "https://")):
            d.url = value
            break
    if pkg.named.get("calibre:series"):
        d.series.append(pkg.named["calibre:series"])
        if pkg.named.get("calibre:series_index"):
            d.extra["series_index"] = pkg.named["calibre:series_index"]
    return d


def read_epub(data: bytes, path: str, max_bytes: int) -> Story:
    arc = _Archive(data, path, max_bytes)
    pkg = _Package(arc)
    docs = []  # (path, parsed tree) in spine order
    for idref in pkg.spine:
        item = pkg.manifest.get(idref)
        if item is None or item[0] not in arc.names or "html" not in item[1] and not item[0].endswith("htm"):
            continue
        text, encoding, repaired = decode(arc.read(item[0]), path)
        docs.append((item[0], parse(text), encoding, repaired))
    if not docs:
        raise CorruptArchiveError("the EPUB spine lists no readable chapters", path)
    encoding = docs[0][2]
    repaired = any(d[3] for d in docs)
    publisher = (pkg.first("publisher") or "").lower()
    if "archive of our own" in publisher or any(ao3.is_ao3(t) for _, t, *_ in docs):
        return _read_ao3(pkg, docs, Source(path, "ao3-epub", len(data), encoding, repaired))
    d, summary, fmt = _declared_from_opf(pkg), None, "epub"
    page = next((t for p, t, *_ in docs if _stem(p) in ("title_page", "titlepage")), None)
    if _is_fanficfare(pkg, page):
        summary, fmt = _read_title_page(page, d), "fanficfare-epub"
    return _read_generic(pkg, docs, d, summary, Source(path, fmt, len(data), encoding, repaired))


def _read_ao3(pkg: _Package, docs, source: Source) -> Story:
    pre = next((t for _, t, *_ in docs if t.css_first("#preface") is not None), None)
    if pre is None:
        raise CorruptArchiveError("AO3 EPUB without its preface", source.path)
    title, authors, summary, front, declared = ao3.preface(pre)
    title = title or pkg.first("title")
    authors = authors or pkg.meta.get("creator", [])
    declared.language = declared.language or pkg.first("language")
    items, back = [], []
    for path, tree, *_ in docs:
        if tree.css_first("#afterword") is not None:
            back.extend(ao3.end_notes(tree))
        containers = tree.css("#chapters") or ([] if tree.css_first("#preface, #afterword") else [tree.body])
        found = ao3.chapter_items([c for c in containers if c is not None])
        if not found and containers and containers[0] is not None:
            # A chapter file without AO3's wrappers: the whole body, titled by the TOC.
            found = [(raw, []) for raw in _doc_chapters(tree, pkg.titles.get(path))]
        for raw, matter in found:
            raw.title = raw.title or (pkg.titles.get(path) if len(found) == 1 else None)
        items.extend(found)
    return ao3.assemble((title, authors, summary, front, declared), items, back, source)


def _stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0].lower()


def _doc_chapters(tree, toc_title: str | None) -> list[RawChapter]:
    """One spine document: usually one chapter, several if it has chapter
    headings.  A leading heading is the chapter's title, not its text."""
    bl = blocks(tree.body or tree.root)
    splits = split_points(bl)
    if bl and bl[0].tag in ("h1", "h2", "h3", "h4") and len(bl[0].text.strip()) <= 120:
        splits.add(0)
    out: list[RawChapter] = []
    title, members = toc_title, []
    for i, b in enumerate(bl):
        if i in splits:
            if members:
                out.append(RawChapter(title, *paragraphs(members)))
            heading = " ".join(b.text.split())
            title = (toc_title or heading) if not out else heading
            members = []
        else:
            members.append(b)
    out.append(RawChapter(title, *paragraphs(members)))
    return out


def _read_generic(pkg: _Package, docs, declared: Declared, summary: str | None, source: Source) -> Story:
    chapters: list[RawChapter] = []
    back: list[Matter] = []
    for path, tree, *_ in docs:
        stem = _stem(path)
        toc_title = pkg.titles.get(path)
        if _BACK.match(stem) or (toc_title and _BACK.match(toc_title)):
            text = text_of(tree.body)
            if text:
                back.append(Matter("end_notes", text))
            continue
        if _SKIP.match(stem) or (toc_title and _SKIP.match(toc_title)) or stem.startswith("cover"):
            continue
        chapters.extend(_doc_chapters(tree, toc_title))
    if summary is None and pkg.first("description"):
        summary = text_of(parse(pkg.first("description")).body) or None
    return build_story(
        chapters,
        source=source,
        title=pkg.first("title"),
        authors=list(dict.fromkeys(pkg.meta.get("creator", []))),
        summary=summary,
        back_matter=back,
        declared=declared,
    )


# --- FanFicFare -----------------------------------------------------------------
# FanFicFare writes the story's metadata as "<b>Label:</b> value<br/>" lines (or
# a two-column table) on title_page.xhtml.  Its "Category" is the fandom.
_FFF_LIST = {"warnings": "warnings", "category": "fandoms", "characters": "characters",
             "relationships": "relationships", "pairings": "relationships", "ships": "relationships",
             "genre": "freeforms", "extra tags": "freeforms", "collections": "collections"}
_FFF_ONE = {"rating": "rating", "language": "language", "published": "published",
            "updated": "updated", "publisher": "publisher", "site": "publisher", "story url": "url"}
_FFF_IGNORE = {"title", "author", "summary", "status", "chapters", "words", "series"}
_LABEL = re.compile(r"^([A-Z][A-Za-z ]{0,30}):\s*(.*)$")
_STATUS_TAGS = {"fanfiction", "completed", "complete", "in-progress", "in progress"}


def _is_fanficfare(pkg: _Package, page) -> bool:
    if any("fanficfare" in c.lower() or "fanficdownloader" in c.lower() for c in pkg.meta.get("contributor", [])):
        return True
    return page is not None and "<b>" in (page.body.html or "") and _LABEL.match(inline_text(page.css_first("b")) + " x") is not None


def _read_title_page(page, d: Declared) -> str | None:
    """Fill `d` from the title page; returns its summary."""
    lines = [line for b in blocks(page.body) for line in (" ".join(x.split()) for x in b.text.split("\n")) if line]
    fields: dict[str, str] = {}
    summary: list[str] = []
    key = None
    for i, line in enumerate(lines):
        m = _LABEL.match(line)
        label = m.group(1).strip().lower() if m else None
        if m and (key != "summary" or label in _FFF_LIST or label in _FFF_ONE or label in _FFF_IGNORE):
            key, value = label, m.group(2).strip()
            if not value and i + 1 < len(lines) and not _LABEL.match(lines[i + 1]):
                continue  # table layout: the value is the next cell
            fields[key] = value
        elif key == "summary":
            summary.append(line)
        elif key and not fields.get(key):
            fields[key] = line
    subjects = d.freeforms
    d.freeforms = []
    for label, value in fields.items():
        if label in _FFF_LIST:
            getattr(d, _FFF_LIST[label]).extend(v.strip() for v in value.split(",") if v.strip())
        elif label in _FFF_ONE:
            setattr(d, _FFF_ONE[label], value or getattr(d, _FFF_ONE[label]))
        elif label == "words":
            digits = re.sub(r"\D", "", value)
            d.words = int(digits) if digits else None
        elif label == "series" and value and value not in d.series:
            d.series.insert(0, value)
        elif label not in _FFF_IGNORE:
            d.extra[label] = value
    status = fields.get("status", "").lower()
    if status:
        d.extra["status"] = fields["status"]
    if fields.get("chapters", "").isdigit():
        n = fields["chapters"]
        d.chapters = f"{n}/{n}" if status.startswith("complete") else f"{n}/?" if status else n
    # dc:subject repeats the title page's fields; only the rest are freeform tags.
    known = {v.lower() for v in d.fandoms + d.characters + d.relationships + d.warnings + d.freeforms}
    known |= _STATUS_TAGS | {(d.rating or "").lower()}
    d.freeforms.extend(t for t in subjects if t.lower() not in known)
    d.freeforms = list(dict.fromkeys(d.freeforms))
    if "summary" in fields:
        summary.insert(0, fields["summary"])
    return "\n\n".join(s for s in summary if s) or None
