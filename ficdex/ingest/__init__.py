"""Readers: a file (or a folder of them) in, `Story` objects out.

`read(path)` sniffs the format from the bytes, not only the name, because
downloaded fics are often misnamed (an AO3 HTML saved as .txt, an EPUB
without its extension).  Every failure is an `InputError` naming the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from ..errors import EmptyFileError, FicdexError, FileTooLargeError, InputError, UnsupportedFormatError
from ..model import Story

# Big enough for the longest fics (AO3's longest works are a few MB of HTML),
# small enough that one stray video file does not exhaust memory.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

STORY_SUFFIXES = {".txt", ".text", ".htm", ".html", ".xhtml", ".epub"}


def sniff(data: bytes, suffix: str = "") -> str:
    """"epub", "html" or "text" from the first bytes (and the name as a tie-break)."""
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return "epub"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or (
        suffix in {".htm", ".html", ".xhtml"} and head.startswith(b"<")
    ):
        return "html"
    if suffix == ".epub":
        return "epub"  # not a zip: the EPUB reader says it is corrupt
    return "text"


def read_bytes(path: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", str(path)) from e
    if size > max_bytes:
        raise FileTooLargeError(
            f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (--max-bytes)", str(path)
        )
    if size == 0:
        raise EmptyFileError("file is empty", str(path))
    try:
        return p.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", str(path)) from e


def read(path: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> Story:
    """Read one story file of any supported format."""
    data = read_bytes(path, max_bytes)
    return read_data(data, str(path), max_bytes=max_bytes)


def read_data(data: bytes, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Story:
    """Read a story from bytes already in memory (uploads, Spark rows)."""
    if len(data) > max_bytes:
        raise FileTooLargeError(f"{len(data):,} bytes, over the {max_bytes:,}-byte limit", path)
    if not data.strip():
        raise EmptyFileError("file is empty", path)
    kind = sniff(data, Path(path).suffix.lower())
    try:
        if kind == "epub":
            from .epub import read_epub

            story = read_epub(data, path, max_bytes=max_bytes)
        elif kind == "html":
            from .html import read_html

            story = read_html(data, path)
        else:
            from .text import read_text

            story = read_text(data, path)
    except FicdexError as e:
        e.path = e.path or path
        raise
    if not story.text.strip():
        raise EmptyFileError("no story text found", path)
    story.source.bytes = len(data)
    return story


def iter_paths(paths: list[str | os.PathLike]) -> Iterator[Path]:
    """Files named, and story files inside folders named, walked recursively
    in a stable order.  A named file is always yielded (its reader decides);
    inside folders only known story suffixes are, so a folder of fics with a
    stray cover.jpg does not produce an error per image."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    f = Path(root) / name
                    if f.suffix.lower() in STORY_SUFFIXES and not name.startswith("."):
                        yield f
        elif p.exists():
            yield p
        else:
            raise InputError("no such file or folder", str(p))


__all__ = ["read", "read_data", "read_bytes", "iter_paths", "sniff", "DEFAULT_MAX_BYTES", "UnsupportedFormatError"]
