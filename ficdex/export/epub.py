"""A work as an EPUB 3 book, for calibre and e-readers.

Tags go in the package metadata twice over: every effective tag as a
`dc:subject` (what calibre and most readers show as tags), and the rating,
warnings and category as named `meta` entries as well, because a reader
deciding whether to open a fic looks for those first.  A title page repeats
them in the book itself, as AO3's downloads do, and every chapter is in the
navigation document (and the NCX, for EPUB 2 readers).
"""

from __future__ import annotations

import io
from html import escape

from ebooklib import epub

from .html import LABELS, tag_block

_CSS = """body{font-family:serif;line-height:1.5}h1,h2{text-align:center}
dl.tags dt{font-weight:bold;margin-top:.4em}dl.tags dd{margin-left:1em}blockquote{font-style:italic}"""
_LANG_CODES = {"english": "en", "español": "es", "français": "fr", "deutsch": "de", "italiano": "it",
               "português": "pt", "русский": "ru", "日本語": "ja", "polski": "pl", "nederlands": "nl"}



def epub_bytes(work, sections) -> bytes:
    """The EPUB file's bytes; ebooklib writes the mimetype entry first and stored."""
    lang = _LANG_CODES.get(work.language or "english", "en")
    book = epub.EpubBook()
    book.set_identifier(f"urn:ficdex:{work.id}")
    book.set_title(work.title or "Untitled")
    book.set_language(lang)
    for author in work.authors or ["Anonymous"]:
        book.add_author(author)
    if work.summary:
        book.add_metadata("DC", "description", work.summary)
    book.add_metadata("DC", "publisher", "ficdex")
    for t, names in work.effective.items():
        for name in names:
            book.add_metadata("DC", "subject", name)
    for t in ("rating", "warning", "category", "fandom"):
        if work.effective[t]:
            book.add_metadata(None, "meta", "", {"name": f"ficdex:{t}", "content": ", ".join(work.effective[t])})

    css = epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=_CSS)
    book.add_item(css)

    title_page = epub.EpubHtml(title="Title page", file_name="title.xhtml", lang=lang)
    by = f"<p>by {escape(', '.join(work.authors))}</p>" if work.authors else ""
    summary = f"<p><strong>Summary</strong></p><blockquote><p>{escape(work.summary)}</p></blockquote>" if work.summary else ""
    title_page.content = f"<h1>{escape(work.title or 'Untitled')}</h1>{by}{tag_block(work)}{summary}"
    title_page.add_item(css)
    book.add_item(title_page)

    chapters = []
    for i, s in enumerate(sections, 1):
        ch = epub.EpubHtml(title=s.title, file_name=f"chapter-{i:03d}.xhtml", lang=lang)
        ch.content = f"<h2>{escape(s.title)}</h2>" + "".join(f"<p>{escape(p)}</p>" for p in s.paragraphs)
        ch.add_item(css)
        book.add_item(ch)
        chapters.append(ch)

    book.toc = [epub.Link("title.xhtml", "Title page", "title")] + chapters
    book.add_item(epub.EpubNcx())
    nav = epub.EpubNav()
    nav.add_item(css)
    book.add_item(nav)
    book.spine = [title_page, "nav"] + chapters
    buf = io.BytesIO()
    epub.write_epub(buf, book, {"epub3_pages": False})
    return buf.getvalue()


__all__ = ["epub_bytes", "LABELS"]
