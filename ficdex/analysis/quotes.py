"""Quote detection: where the speech (and the italic thoughts) of a story is.

`detect_quotes(text, paragraphs)` knows nothing about characters; the
speaker sieve (`speakers.py`) and the `quotes` stage at the bottom of this
module build on it.

Design.  Fan writers use every convention there is, often several in one
story and rarely cleanly, so detection is a small state machine run one
paragraph at a time.  A paragraph is the unit of damage: an unclosed mark
ends at its paragraph's end, unless the next paragraph opens with a quote
mark, which is the printed convention for speech running on across
paragraphs.  Which mark is the quote mark (double, British single, or
guillemets) is decided once per document by counting, because an apostrophe
and a closing single quote are the same character and only the document's
habit tells them apart.  Em-dash dialogue is recognised per paragraph, since
it is marked by where a paragraph starts, not by a pair of marks.

Offsets exclude the marks themselves (as PDNC and LitBank do).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .entities import paragraph_ranges

DOUBLE, SINGLE, GUILLEMET = "double", "single", "guillemet"

_DQ_OPEN, _DQ_CLOSE = "“„", "”"
_DASHES = "—–―"
# Elisions whose leading apostrophe is not an opening quote: 'em, 'tis, '90s.
_ELISION = re.compile(
    r"(?:em|tis|twas|twere|til|till|cause|cos|coz|bout|round|n|s|e|un|ere|im|er|ow|ave|ope|allo|owdy|kay|sup|d)\b"
    r"|\d0s\b|\d\d\b",
    re.I,
)
# A dash that hands over from speech to narration (or back) inside a dash
# paragraph follows the speech's punctuation: "— Hello, — said Lex."
_DASH_TURN = re.compile(r"(?<=[,.!?…])\s*[—–―]\s*|\s+[—–―]\s+")
# *thought* or _thought_: at least two words, so *really* stays emphasis.
# The lookbehinds of these two follow the mark they guard ("[*_](?<![\w*_].)"
# is "(?<![\w*_])[*_]"): led by the mark, the regex engine skips to the next
# one instead of trying every character (4-6x faster on AO3 and PDNC texts).
_THOUGHT = re.compile(r"([*_])(?<![\w*_].)(?=\S)([^*_\n]*?\s[^*_\n]*?)(?<=\S)\1(?![\w*_])")
_SINGLE_OPEN = re.compile(r"['‘](?<![^\s(—–].)(?=\w)")  # after a space, "(" or a dash, or first
_OPEN_CONTEXT = set(" \t\n([{—–-/") | set(_DQ_OPEN)


@dataclass
class Quote:
    start: int  # first character inside the marks
    end: int  # one past the last character inside the marks
    type: str = "speech"  # or "thought"
    paragraph: int = 0  # index of the paragraph the quote opens in
    mark: str = DOUBLE


def document_convention(text: str) -> str:
    """Double, single or guillemet quotes, whichever the document mostly uses."""
    double = text.count('"') + sum(text.count(c) for c in _DQ_OPEN + _DQ_CLOSE)
    # An opening single quote is a mark after a space that is not an elision;
    # closing ones are ambiguous with apostrophes, so only openings count.
    single = 2 * sum(
        1
        for m in _SINGLE_OPEN.finditer(text)
        if not _ELISION.match(text, m.end())
    )
    guill = text.count("«") + text.count("»")
    # ties go to double quotes: single marks nest inside them
    if guill > max(double, single):
        return GUILLEMET
    return SINGLE if single > double else DOUBLE


def _guillemet_order(text: str) -> tuple[str, str]:
    # French «…» or German »…«: whichever opens first in most paragraphs.
    french = german = 0
    for m in re.finditer(r"[«»]", text):
        if m.group() == "«":
            french += 1
        else:
            german += 1
        if french + german > 50:
            break
    first = text.find("«"), text.find("»")
    if first[1] != -1 and (first[0] == -1 or first[1] < first[0]) and german >= french:
        return "»", "«"
    return "«", "»"


def _marks(text: str, s: int, e: int, conv: str, gpair: tuple[str, str]):
    """Yield (position, role) for the quote marks of one paragraph, role being
    "open", "close" or "either" (a straight double quote)."""
    if conv == GUILLEMET:
        for m in re.finditer("[«»]", text[s:e]):
            yield s + m.start(), "open" if m.group() == gpair[0] else "close"
        return
    if conv == DOUBLE:
        for m in re.finditer('["“”„]', text[s:e]):
            c = m.group()
            yield s + m.start(), "open" if c in _DQ_OPEN else "close" if c in _DQ_CLOSE else "either"
        return
    for m in re.finditer("['‘’‚]", text[s:e]):
        i = s + m.start()
        before = text[i - 1] if i > s else " "
        after = text[i + 1] if i + 1 < e else " "
        if before.isalnum() and after.isalnum():
            continue  # don't, Lex's
        if (before in _OPEN_CONTEXT or i == s) and not after.isspace():
            if m.group() in "'‘" and not _ELISION.match(text, i + 1, e):
                yield i, "open"
            continue
        if text[i - 2 : i] in ("'n", "’n", "‘n"):
            continue  # rock 'n' roll
        if not before.isspace() and (after.isspace() or not after.isalnum()):
            # "the dogs' bowl": an s' followed by a lower-case word is more
            # often a plural possessive than the end of speech.
            if before in "sS" and re.match(r"\s+[a-z]", text[i + 1 : i + 3]):
                yield i, "weak_close"
            else:
                yield i, "close"


def _dash_quotes(text: str, s: int, e: int, pi: int) -> list[Quote]:
    """Speech in a paragraph that starts with a dash: speech and narration
    alternate at each dash that follows punctuation."""
    body = s + 1
    while body < e and text[body].isspace():
        body += 1
    out, pos, speech = [], body, True
    for m in _DASH_TURN.finditer(text, body, e):
        if speech and m.start() > pos:
            out.append(Quote(pos, m.start(), paragraph=pi, mark="dash"))
        pos, speech = m.end(), not speech
    if speech and e > pos:
        out.append(Quote(pos, e, paragraph=pi, mark="dash"))
    return out


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _opens_with_mark(text: str, s: int, e: int, conv: str, gpair) -> bool:
    for i, role in _marks(text, s, min(e, s + 2), conv, gpair):
        return i == s and role in ("open", "either")
    return False


def detect_quotes(text: str, paragraphs: list[tuple[int, int]] | None = None, convention: str | None = None) -> list[Quote]:
    """Every quote and italic thought in `text`, in order of position."""
    paras = paragraphs if paragraphs is not None else paragraph_ranges(text)
    conv = convention or document_convention(text)
    gpair = _guillemet_order(text) if conv == GUILLEMET else ("«", "»")
    quotes: list[Quote] = []
    carry: Quote | None = None  # a quote running on from the previous paragraph
    for pi, (s, e) in enumerate(paras):
        if carry is not None and not _opens_with_mark(text, s, e, conv, gpair):
            quotes.append(carry)  # the run-on ended with its paragraph
            carry = None
        ps = s
        while ps < e and text[ps].isspace():
            ps += 1
        if ps < e and text[ps] in _DASHES and conv != GUILLEMET:
            if carry is not None:
                quotes.append(carry)
                carry = None
            quotes.extend(_dash_quotes(text, ps, e, pi))
            continue
        found: list[Quote] = []
        open_at: int | None = None
        weak: int | None = None  # a possessive-looking s' that may close
        for i, role in _marks(text, s, e, conv, gpair):
            if carry is not None:
                if i == ps:
                    continue  # the continuation mark itself
                if role in ("close", "either"):
                    carry.end = i
                    found.append(carry)
                    carry = None
                continue
            if open_at is None:
                if role in ("open", "either"):
                    open_at, weak = i + 1, None
            elif role == "weak_close":
                weak = i
            elif role in ("close", "either"):
                found.append(Quote(open_at, i, paragraph=pi, mark=conv))
                open_at = weak = None
            elif role == "open":
                # a second opener inside an open quote: the first was never
                # closed, so it ends where the new one starts.
                found.append(Quote(open_at, i, paragraph=pi, mark=conv))
                open_at, weak = i + 1, None
        if carry is not None:
            carry.end = e  # still running on: a paragraph wholly inside the quote
            continue
        if open_at is not None:
            if weak is not None:
                found.append(Quote(open_at, weak, paragraph=pi, mark=conv))
            else:
                q = Quote(open_at, e, paragraph=pi, mark=conv)
                nxt = paras[pi + 1] if pi + 1 < len(paras) else None
                if nxt and _opens_with_mark(text, *_trim(text, *nxt), conv, gpair):
                    carry = q
                else:
                    found.append(q)
        quotes.extend(found)
    if carry is not None:
        quotes.append(carry)
    quotes = [q for q in quotes if q.end > q.start]
    for q in quotes:
        q.start, q.end = _trim(text, q.start, q.end)
    quotes = [q for q in quotes if q.end > q.start]
    quotes.extend(_thoughts(text, paras, quotes))
    quotes.sort(key=lambda q: q.start)
    return quotes


def _thoughts(text: str, paras, quotes: list[Quote]) -> list[Quote]:
    """Italic thoughts (*…* or _…_) outside speech."""
    out: list[Quote] = []
    qi = 0
    for pi, (s, e) in enumerate(paras):
        for m in _THOUGHT.finditer(text, s, e):
            a, b = m.start(2), m.end(2)
            while qi < len(quotes) and quotes[qi].end <= a:
                qi += 1
            if qi < len(quotes) and quotes[qi].start < b:
                continue  # emphasis inside speech
            out.append(Quote(a, b, type="thought", paragraph=pi, mark=m.group(1)))
    return out
