"""Character offsets across texts that differ only in whitespace.

Gold annotations point into the file as published; ficdex's offsets point
into `story.text`, where `build_story` has collapsed and re-joined
whitespace.  The two agree on every non-whitespace character, in order, so
a span is carried across by counting non-whitespace characters.  The same
index finds BookNLP's quotes, which are printed as tokens joined by spaces,
back in the novel.
"""

from __future__ import annotations

from bisect import bisect_left

from ..errors import InputError


class NonSpace:
    """The non-whitespace characters of a text and where each one sits."""

    def __init__(self, text: str):
        self.text = text
        self.pos = [i for i, c in enumerate(text) if not c.isspace()]
        self.stream = "".join(text[i] for i in self.pos)
        # prefix[i] = non-whitespace characters in text[:i]: makes "how many
        # real characters does this span hold" a subtraction.
        self.prefix = [0] * (len(text) + 1)
        n = 0
        for i, c in enumerate(text):
            if not c.isspace():
                n += 1
            self.prefix[i + 1] = n

    def count(self, start: int, end: int) -> int:
        """Non-whitespace characters in text[start:end]."""
        return self.prefix[end] - self.prefix[max(start, 0)] if end > start else 0

    def find(self, fragment: str, from_k: int = 0) -> tuple[int, int, int] | None:
        """Locate `fragment` ignoring whitespace, at or after the `from_k`-th
        non-whitespace character.  Returns (start, end, next_k) as offsets
        into `text`, or None."""
        needle = "".join(fragment.split())
        if not needle:
            return None
        k = self.stream.find(needle, from_k)
        if k < 0:
            return None
        last = k + len(needle) - 1
        return self.pos[k], self.pos[last] + 1, last + 1


class OffsetMap:
    """Maps offsets in `source` to offsets in `target`, two texts equal but
    for whitespace.  Raises InputError when they differ in anything else,
    because a map between different texts would silently misplace spans."""

    def __init__(self, source: str, target: str, path: str | None = None):
        self.src = NonSpace(source)
        self.tgt = NonSpace(target)
        if self.src.stream != self.tgt.stream:
            at = next(
                (i for i, (a, b) in enumerate(zip(self.src.stream, self.tgt.stream)) if a != b),
                min(len(self.src.stream), len(self.tgt.stream)),
            )
            raise InputError(f"texts differ beyond whitespace near non-space character {at}", path)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The target span holding the same non-whitespace characters as
        source[start:end]; whitespace at either edge is dropped.  A span with
        no non-whitespace characters maps to an empty span."""
        k0 = bisect_left(self.src.pos, start)
        k1 = bisect_left(self.src.pos, end)
        if k1 <= k0:
            p = self.tgt.pos[k0] if k0 < len(self.tgt.pos) else len(self.tgt.text)
            return p, p
        return self.tgt.pos[k0], self.tgt.pos[k1 - 1] + 1

    def offset(self, i: int) -> int:
        """Where source offset `i` (a boundary) falls in the target."""
        k = bisect_left(self.src.pos, i)
        return self.tgt.pos[k] if k < len(self.tgt.pos) else len(self.tgt.text)
