"""Plain-text fics: decode whatever encoding they came in, repair mojibake,
and tell the story apart from what surrounds it.

Raw fics carry their metadata as prose: a "Disclaimer:" line, "A/N:" notes,
sometimes a header of "Rating: …" / "Pairing: …" lines, scene breaks drawn
with asterisks and a closing "END".  Header lines that state tags are the
author's declared metadata; everything else outside the story goes to front
or back matter.
"""

from __future__ import annotations

import codecs
import re

import ftfy

from ..errors import BinaryFileError, EncodingError
from ..model import Declared, Matter, RawChapter, Source, Story, build_story

# Bytes that never occur in text files; a few in a long file is still binary.
_CONTROL = bytes(range(0, 9)) + bytes([11, 12]) + bytes(range(14, 32))
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, normalization="NFC")


def decode(data: bytes, path: str) -> tuple[str, str]:
    """(text, encoding name).  BOMs first, then strict UTF-8 (most fics),
    then cp1252/latin-1 for the files of the 2000s."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as e:
                raise EncodingError(f"starts with a {enc} byte-order mark but is not valid {enc}: {e.reason}", path) from e
    sample = data[:65536]
    if b"\x00" in sample:
        # UTF-16 without a BOM shows as every other byte NUL on ASCII text.
        evens, odds = sample[0::2], sample[1::2]
        for enc, zeros in (("utf-16-le", odds), ("utf-16-be", evens)):
            if zeros.count(0) > 0.9 * len(zeros):
                try:
                    text = data.decode(enc)
                except UnicodeDecodeError:
                    break
                # Binary data full of zero bytes can pass the NUL pattern
                # above; real UTF-16 text decodes to printable characters.
                if _mostly_printable(text):
                    return text, enc
                break
        raise BinaryFileError("binary data, not text (NUL bytes)", path)
    if sum(sample.count(b) for b in _CONTROL) > max(8, len(sample) // 200):
        raise BinaryFileError("binary data, not text (control bytes)", path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Not UTF-8: fics of that age are overwhelmingly Windows cp1252; latin-1
    # takes what cp1252 leaves undefined.  Statistical detectors guess cp1250
    # or mac_roman on short English texts with a few accents, which is worse.
    for enc in ("cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if not _mostly_printable(text):
            raise EncodingError(f"bytes decode as {enc} only to garbage", path)
        return text, enc
    raise EncodingError("cannot decode the bytes as UTF-8, UTF-16, cp1252 or latin-1", path)


def _mostly_printable(text: str) -> bool:
    sample = text[:20000]
    return sum(not (c.isprintable() or c.isspace()) for c in sample) <= max(8, len(sample) // 200)


# What ftfy can change in ASCII text: HTML entities, "\r" line breaks,
# terminal escapes and control characters.  Text with none of them comes
# back unchanged, so it skips ftfy's line-by-line pass (2-3% of the analysis
# of an ASCII novel).
_ASCII_FIXABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f&]")


def repair(text: str) -> str:
    if text.isascii() and not _ASCII_FIXABLE.search(text):
        return text
    return ftfy.fix_text(text, _FTFY)


# -- recognising what is not the story ----------------------------------------

_DISCLAIMER = re.compile(r"^\s*(?:disclaimer|disclaimers)\s*[:.\-–—]", re.I)
_DISCLAIMER_PROSE = re.compile(
    r"\b(?:belong(?:s)? to|property of|own(?:s)? nothing|do(?:n't| not) own|not mine|no (?:money|profit)|"
    r"(?:is|are) (?:owned|copyright)|just playing|no copyright infringement)\b",
    re.I,
)
_NOTE = re.compile(r"^\s*(?:a/n|an|author'?s?'? ?notes?|notes?|n/a)\s*[:.\-–—]", re.I)
_SUMMARY = re.compile(r"^\s*(?:summary|blurb)\s*[:.\-–—]\s*", re.I)
# "Key: value" lines of a fic header; the keys map onto Declared fields.
_HEADER_KEYS = {
    "title": "title",
    "author": "author",
    "authors": "author",
    "by": "author",
    "rating": "rating",
    "rated": "rating",
    "fandom": "fandoms",
    "fandoms": "fandoms",
    "pairing": "relationships",
    "pairings": "relationships",
    "relationship": "relationships",
    "relationships": "relationships",
    "characters": "characters",
    "warning": "warnings",
    "warnings": "warnings",
    "category": "category",
    "categories": "category",
    "tags": "freeforms",
    "genre": "freeforms",
    "word count": "words",
    "words": "words",
    "spoilers": "extra",
    "beta": "extra",
    "archive": "extra",
    "feedback": "extra",
    "series": "series",
}
_HEADER = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,20}?)\s*:\s*(.+?)\s*$")
_SCENE_BREAK = re.compile(r"^\s*(?:[*~#=_+\-–—•·oOxX0.\s]{3,}|[*#~]|(?:o0o|oOo|xXx|-o-)+)\s*$")
_CHAPTER = re.compile(
    r"^\s*(?:chapter|part|ch\.?)\s+(?:\d+|[ivxlc]+|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|thirteen|fourteen|fifteen|twenty)\b[^\n]{0,80}$",
    re.I,
)
_END = re.compile(r"^\s*[~*\-–—(\[]*\s*(?:the\s+end|end|fin|finis|owari|to be continued|tbc)\s*[.!]?\s*[~*\-–—)\]]*\s*$", re.I)


def _split_blocks(text: str) -> list[str]:
    """Paragraphs: blank-line separated when the file has blank lines between
    paragraphs, else one per line (many fics are saved that way)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    nonblank = [ln for ln in lines if ln.strip()]
    blank_separated = re.search(r"\n[ \t]*\n", text) is not None and len(nonblank) < 0.9 * len(lines)
    if blank_separated:
        blocks = re.split(r"\n[ \t]*\n+", text)
        # A single block that still holds many short lines is a list of
        # one-line paragraphs; long hard-wrapped prose is joined back.
        return [b.strip() for b in blocks if b.strip()]
    return [ln.strip() for ln in lines if ln.strip()]


def _header_field(line: str) -> tuple[str, str] | None:
    m = _HEADER.match(line)
    if not m or len(line) > 300:
        return None
    key = m.group(1).strip().lower()
    return (key, m.group(2)) if key in _HEADER_KEYS else None


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"\s*[,;]\s*", value) if v.strip()]


def _take_front(blocks: list[str], declared: Declared, front: list[Matter]) -> tuple[int, str | None, list[str]]:
    """Consume leading non-story blocks; returns (index of first story block, title, authors)."""
    title, authors = None, []
    i = 0
    # Front matter only within the first few blocks: a "Note:" deep in the
    # story is dialogue or prose, not an author's note.
    while i < len(blocks) and i < 12:
        block = blocks[i]
        first = block.split("\n", 1)[0]
        if _DISCLAIMER.match(block) or (i < 3 and len(block) < 400 and _DISCLAIMER_PROSE.search(block) and not _looks_like_prose(block)):
            front.append(Matter("disclaimer", block))
        elif _NOTE.match(first):
            front.append(Matter("notes", block))
        elif _SUMMARY.match(first):
            front.append(Matter("summary", _SUMMARY.sub("", block, count=1).strip()))
        elif all(_header_field(ln) for ln in block.split("\n") if ln.strip()):
            for ln in block.split("\n"):
                if not ln.strip():
                    continue
                key, value = _header_field(ln)
                field = _HEADER_KEYS[key]
                if field == "title":
                    title = value
                elif field == "author":
                    authors = _split_list(value)
                elif field == "rating":
                    declared.rating = value
                elif field == "words":
                    digits = re.sub(r"[^\d]", "", value)
                    declared.words = int(digits) if digits else None
                elif field == "extra":
                    declared.extra[key] = value
                else:
                    getattr(declared, field).extend(_split_list(value))
                front.append(Matter("header", ln.strip()))
        else:
            break
        i += 1
    return i, title, authors


def _looks_like_prose(block: str) -> bool:
    # A disclaimer is a line or two; a paragraph of story that happens to say
    # "belongs to" is longer and full of sentences.
    return block.count(". ") > 3


def _looks_like_title(line: str, after: str) -> bool:
    """A short capitalised line without sentence punctuation, followed by
    prose, at the top of a story: the title most raw fics open with."""
    words = line.split()
    return (
        0 < len(words) <= 10
        and "\n" not in line
        and line[-1] not in ".,;:!?\"'”’…"
        and sum(w[0].isupper() for w in words if w[0].isalpha()) >= max(1, len(words) // 2)
        and not _CHAPTER.match(line)
        and not _SCENE_BREAK.match(line)
        and len(after.split()) > 15
    )


def _take_back(blocks: list[str], back: list[Matter]) -> int:
    """Index one past the last story block; END markers and trailing notes go to back matter."""
    j = len(blocks)
    while j > 0:
        block = blocks[j - 1]
        if _END.match(block):
            back.insert(0, Matter("end_marker", block.strip()))
        elif _NOTE.match(block.split("\n", 1)[0]) and len(blocks) - j < 4:
            back.insert(0, Matter("end_notes", block))
        else:
            break
        j -= 1
    return j


def _chapters(blocks: list[str]) -> list[RawChapter]:
    chapters = [RawChapter(title=None, paragraphs=[])]
    pending_break = False
    for block in blocks:
        if _SCENE_BREAK.match(block):
            pending_break = bool(chapters[-1].paragraphs)
            continue
        if _CHAPTER.match(block) and "\n" not in block:
            if chapters[-1].paragraphs or chapters[-1].title:
                chapters.append(RawChapter(title=block.strip(), paragraphs=[]))
            else:
                chapters[-1].title = block.strip()
            pending_break = False
            continue
        if pending_break:
            chapters[-1].breaks.add(len(chapters[-1].paragraphs))
            pending_break = False
        # Hard-wrapped prose: join the lines of one paragraph.
        chapters[-1].paragraphs.append(" ".join(block.split()))
    return chapters


def read_text(data: bytes, path: str) -> Story:
    raw, encoding = decode(data, path)
    text = repair(raw)
    blocks = _split_blocks(text)
    declared = Declared()
    front: list[Matter] = []
    back: list[Matter] = []
    start, title, authors = _take_front(blocks, declared, front)
    if title is None and start + 1 < len(blocks) and _looks_like_title(blocks[start], blocks[start + 1]):
        title = blocks[start]
        start += 1
    end = _take_back(blocks[start:], back) + start
    summary = next((m.text for m in front if m.kind == "summary"), None)
    return build_story(
        _chapters(blocks[start:end]),
        source=Source(path=path, format="text", encoding=encoding, repaired=text != raw),
        title=title,
        authors=authors,
        summary=summary,
        front_matter=front,
        back_matter=back,
        declared=declared,
    )
