"""The columns of a work row, taken from an analysis document.

Filters and sorts read these columns, so each is decided once, here: the
word count ficdex measured (the author's declared count only when the text
was not stored), completion from AO3's "3/5" or a closing "END", the
language as a lower-case English name whatever code the source used.
"""

from __future__ import annotations

from .tags import norm

# ISO codes and native names people and EPUBs use -> the name AO3 shows.
_LANGUAGES = {
    "en": "english", "eng": "english", "en-us": "english", "en-gb": "english",
    "es": "español", "spanish": "español", "fr": "français", "french": "français",
    "de": "deutsch", "german": "deutsch", "it": "italiano", "italian": "italiano",
    "pt": "português", "portuguese": "português", "ru": "русский", "russian": "русский",
    "zh": "中文-普通话 國語", "chinese": "中文-普通话 國語", "ja": "日本語", "japanese": "日本語",
    "pl": "polski", "polish": "polski", "nl": "nederlands", "dutch": "nederlands",
}
_ARTICLES = ("the ", "a ", "an ")


def language_name(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    n = norm(value)
    return _LANGUAGES.get(n, n)


def sort_key(title: str | None) -> str:
    """Titles sort without a leading article, as library catalogues do."""
    t = norm(title or "")
    for a in _ARTICLES:
        if t.startswith(a) and len(t) > len(a):
            return t[len(a):]
    return t


def completion(doc: dict) -> bool | None:
    declared = doc.get("declared") or {}
    chapters = declared.get("chapters")
    if chapters and "/" in chapters:
        done, total = (p.strip() for p in chapters.split("/", 1))
        return done == total
    if any(m.get("kind") == "end_marker" for m in doc.get("back_matter") or ()):
        return True
    return None


def row_fields(doc: dict) -> dict:
    declared = doc.get("declared") or {}
    authors = [a for a in doc.get("authors") or [] if isinstance(a, str)]
    chapters = doc.get("chapters")
    words = doc.get("words")
    if not words and declared.get("words"):
        words = declared["words"]
    source = doc.get("source") or {}
    return {
        "title": doc.get("title"),
        "title_sort": sort_key(doc.get("title")),
        "authors": authors,
        "author_sort": norm(authors[0]) if authors else "",
        "summary": doc.get("summary"),
        "words": int(words or 0),
        "chapters": len(chapters) if isinstance(chapters, list) else int(chapters or 0),
        "complete": None if completion(doc) is None else int(completion(doc)),
        "language": language_name(declared.get("language")),
        "source_path": source.get("path"),
        "source_format": source.get("format"),
    }
