"""HTML to paragraphs, safely: shared by the HTML, AO3 and EPUB readers.

Fic HTML comes from anywhere (AO3 downloads, saved web pages, EPUB chapters),
so it is treated as hostile: executable or invisible content (scripts, styles,
embedded objects, comments, attributes) never reaches the text we return,
because we only ever copy *text nodes* that are not inside a dropped element.
Everything walks the tree with an explicit loop, never recursion, so a
document nested a million levels deep cannot blow the Python stack.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

import ftfy
from ftfy.badness import is_bad
from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..errors import EncodingError

# Elements whose whole subtree is dropped: code, styling, embedded documents,
# form widgets and media fallbacks are never prose.
DROP = frozenset(
    "script style noscript template iframe object embed svg math head title textarea select "
    "button canvas frame frameset noframes applet audio video map link meta base param".split()
)
# Elements that start and end a paragraph.
BLOCK = frozenset(
    "p div blockquote li ul ol dl dt dd h1 h2 h3 h4 h5 h6 pre table thead tbody tfoot tr td th "
    "section article header footer aside nav main center figure figcaption address details summary "
    "caption form fieldset body html".split()
)
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_WS = re.compile(r"[ \t\r\f]+|(?<!\n)\n(?!\n)")  # HTML whitespace (not no-break spaces); keeps "\n\n"
_BLANK_LINE = re.compile(r"[ \t\r\f]*\n[ \t\r\f]*\n\s*")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# lexbor's tree builder is quadratic in nesting depth (20,000 nested <div>s take
# seconds, 200,000 take minutes), so tags nested past this depth are removed
# before parsing; their text is kept.  Real fics nest a few dozen levels.
MAX_DEPTH = 256
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# End tags that are optional in HTML: counting them would inflate the depth.
_OPTIONAL_END = frozenset("p li dt dd option optgroup tr td th thead tbody tfoot rb rt rp colgroup".split())


@dataclass
class Block:
    tag: str  # the innermost block element ("p", "h2", ...); "hr" for a rule
    text: str  # inline text; "\n" marks a <br> (or a line inside <pre>)


# --- decoding -----------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# The HTML standard maps these labels to windows-1252, a superset.
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}


def decode(data: bytes, path: str) -> tuple[str, str, bool]:
    """Bytes to text: (text, encoding, repaired).  BOM first, then the meta
    charset, then UTF-8, then charset-normalizer's guess; ftfy repairs mojibake
    (but keeps curly quotes, which are the author's, not an encoding error)."""
    text = enc = None
    for bom, name in _BOMS:
        if data.startswith(bom):
            text, enc = data[len(bom) :].decode(name, errors="replace"), name
            break
    if text is None:
        candidates = []
        m = _META_CHARSET.search(data[:4096])
        if m:
            label = m.group(1).decode("ascii", "ignore").lower()
            candidates.append(_ALIASES.get(label, label))
        candidates.append("utf-8")
        for name in candidates:
            try:
                text, enc = data.decode(name), codecs.lookup(name).name
                break
            except (UnicodeDecodeError, LookupError):
                continue
    if text is None:
        best = from_bytes(data[:1_000_000]).best()
        if best is None:
            raise EncodingError("cannot tell the text encoding", path)
        enc = best.encoding
        text = data.decode(enc, errors="replace")
    text = unicodedata.normalize("NFC", text)
    # ftfy works line by line and was most of the parse time; one badness scan
    # of the whole document first skips it for the (usual) clean file.
    if text.isascii() or not is_bad(text):
        return text, enc, False
    # unescape_html=False: turning "&lt;script&gt;" into markup would let
    # escaped text become a live element once parsed.
    fixed = ftfy.fix_text(text, uncurl_quotes=False, unescape_html=False)
    return fixed, enc, fixed != text


# --- parsing ------------------------------------------------------------------


def limit_depth(html: str, max_depth: int = MAX_DEPTH) -> str:
    """Remove start/end tags nested deeper than `max_depth` (text stays)."""
    stack: list[str] = []
    excess: dict[str, int] = {}
    cut: list[tuple[int, int]] = []
    for m in _TAG.finditer(html):
        name = m.group(2).lower()
        if name in _VOID or name in _OPTIONAL_END or m.group(0).endswith("/>"):
            continue
        if not m.group(1):
            if len(stack) >= max_depth:
                excess[name] = excess.get(name, 0) + 1
                cut.append(m.span())
            else:
                stack.append(name)
        elif excess.get(name):
            excess[name] -= 1
            cut.append(m.span())
        elif name in stack:  # bounded by max_depth, so this stays linear overall
            while stack.pop() != name:
                pass
    if not cut:
        return html
    parts, pos = [], 0
    for a, b in cut:
        parts.append(html[pos:a])
        pos = b
    parts.append(html[pos:])
    return "".join(parts)


def parse(html: str) -> LexborHTMLParser:
    return LexborHTMLParser(limit_depth(html))


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if not attrs:
        return False
    return "hidden" in attrs or bool(_HIDDEN_STYLE.search(attrs.get("style") or ""))


def blocks(root: LexborNode | None, include_root: bool = False) -> list[Block]:
    """The text under `root` as a flat list of blocks, in document order."""
    out: list[Block] = []
    if root is None:
        return out
    buf: list[str] = []
    open_blocks = ["div"]
    pre = 0
    root_id = root.mem_id

    def flush() -> None:
        if buf:
            text = "".join(buf)
            buf.clear()
            if text.strip():
                out.append(Block(open_blocks[-1], text))

    def leave(tag: str) -> None:
        nonlocal pre
        pre -= tag == "pre"
        if tag in BLOCK:
            flush()
            open_blocks.pop()

    node = root if include_root else root.child
    while node is not None:
        tag = node.tag or ""
        if tag == "-text":
            raw = node.text_content or ""
            if not pre:
                # A blank line typed inside one <p> is the author's paragraph
                # break that the site failed to convert: keep it as one.
                raw = _WS.sub(" ", _BLANK_LINE.sub("\n\n", raw)) if "\n" in raw else _WS.sub(" ", raw)
            buf.append(raw)
        elif tag == "br":
            buf.append("\n")
        elif tag == "hr":
            flush()
            out.append(Block("hr", ""))
        elif tag and tag[0] != "-" and tag not in DROP and not _hidden(node):
            if tag in BLOCK:
                flush()
                open_blocks.append(tag)
            pre += tag == "pre"
            child = node.child
            if child is not None:
                node = child
                continue
            leave(tag)
        # comments, dropped elements and the doctype are skipped whole.
        # Now climb until some node has a next sibling, closing elements.
        while True:
            if node.mem_id == root_id:
                node = None
                break
            nxt = node.next
            if nxt is not None:
                node = nxt
                break
            node = node.parent
            if node is None or (node.mem_id == root_id and not include_root):
                node = None
                break
            leave(node.tag)
    flush()
    return out


def inline_text(node: LexborNode | None) -> str:
    """One line of visible text (titles, tag names), hostile content removed."""
    return " ".join(" ".join(b.text.split()) for b in blocks(node, include_root=True)).strip()


# --- blocks to paragraphs -----------------------------------------------------

_TERMINAL = tuple(".!?…\"”’'»)]*~—–-:")
# A line that is a scene divider: no letter or digit ("* * *", "~~~", "⁂"), or
# the fandom's oOo/xXx dividers.  A lone quote or ellipsis is dialogue, not one.
_DIVIDER_WORD = re.compile(r"^(?:[oO0]+|[xX]+)$")
_DIVIDER_EDGE = "~*+=._-—–·•<>|/\\ "


def is_divider(line: str) -> bool:
    s = "".join(line.split())
    if not s or len(s) > 40:
        return False
    if not any(c.isalnum() for c in s):
        return not any(c in "\"'“”‘’«»…?!.," for c in s) or set(s) <= set("*")
    core = s.strip(_DIVIDER_EDGE)
    # "oOo", "~xXx~": mixed case, so the words "ooo" and "XXX" stay text
    return len(core) >= 3 and _DIVIDER_WORD.match(core) is not None and core != core.lower() and core != core.upper()


def split_lines(text: str) -> list[str]:
    """A block's text to paragraphs.  `<br><br>` always splits.  Runs of single
    `<br>` lines are kept as "\\n" when they look like verse (short lines that
    do not end sentences), become separate paragraphs when each line ends a
    sentence (prose typed with <br> instead of <p>), and are joined when they
    are long lines cut mid-sentence (hard-wrapped text)."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    runs: list[list[str]] = [[]]
    for line in lines:
        if line:
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])
    out: list[str] = []
    for run in runs:
        if len(run) <= 1:
            out.extend(run)
            continue
        ended = sum(line.endswith(_TERMINAL) for line in run[:-1]) / (len(run) - 1)
        widths = sorted(len(line) for line in run[:-1])  # the last line of a wrap is short
        if ended >= 0.5:
            out.extend(run)
        elif widths[len(widths) // 2] < 50:
            out.append("\n".join(run))
        else:
            out.append(" ".join(run))
    return out


def paragraphs(blocks_: list[Block]) -> tuple[list[str], set[int]]:
    """Blocks to (paragraphs, indices that follow a scene break)."""
    paras: list[str] = []
    breaks: set[int] = set()
    pending_break = False
    for b in blocks_:
        if b.tag == "hr":
            pending_break = True
            continue
        for p in split_lines(b.text):
            if is_divider(p):
                pending_break = True
                continue
            if pending_break and paras:
                breaks.add(len(paras))
            pending_break = False
            paras.append(p)
    return paras, breaks


def text_of(node: LexborNode | None) -> str:
    """Paragraphs of a node joined by blank lines (summaries, notes)."""
    paras, _ = paragraphs(blocks(node))
    return "\n\n".join(paras)
