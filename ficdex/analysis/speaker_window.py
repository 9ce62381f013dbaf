"""What the text around each quote holds for the speaker ranker: the
characters mentioned in the narration window before and after it, in the
quote, in its paragraph and the one before, who of them acts as a
sentence subject, and whom the quote addresses.

None of it depends on the sieve's or the first pass's answers, only on
the text and the characters stage's mentions, so `Windows` computes it
once per quote and both ranker passes (`speaker_model.quote_features`)
read it: the same evidence, half the walks over the mention lists.
"""

from __future__ import annotations

import bisect

from .speaker_pronoun import Ranks, same_gender_ranks

WINDOW_BEFORE, WINDOW_AFTER = 3000, 400


class Window:
    """One quote's surroundings (see `Windows.get`)."""

    __slots__ = ("lo", "last", "count", "after", "in_quote", "quoted_near", "subj_para", "ment_before",
                 "ment_after", "prev_para", "vocative", "by_recency", "after_sorted", "by_quoted")


class Windows:
    """The per-quote `Window`s of one document, computed on first use."""

    def __init__(self, sv, quotes, paragraphs):
        self.sv, self.quotes, self.paragraphs = sv, quotes, paragraphs
        self._windows: dict[int, Window] = {}
        self._ranks: dict[tuple[int, str], Ranks] = {}
        self._para: dict[int, set[str]] = {}
        self._subjects: dict[int, set[str]] = {}
        # the mention lists' characters apart, for slicing beside sv.nstarts and sv.istarts
        self.nchars = [m["character"] for m in sv.narr]
        self.ichars = [m["character"] for m in sv.inq]

    def mentioned(self, a: int, b: int) -> set[str]:
        """Characters mentioned in the narration between a and b."""
        starts = self.sv.nstarts
        j = bisect.bisect_left(starts, a)
        return set(self.nchars[j : bisect.bisect_left(starts, b, j)])

    def in_paragraph(self, p: int) -> set[str]:
        """Characters mentioned in the narration of paragraph p."""
        got = self._para.get(p)
        if got is None:
            got = self._para[p] = self.mentioned(*self.paragraphs[p])
        return got

    def get(self, i: int) -> Window:
        w = self._windows.get(i)
        if w is None:
            w = self._windows[i] = self._window(i)
        return w

    def ranks(self, i: int, want: str) -> Ranks:
        """`same_gender_ranks` of quote i for the pronoun's gender `want`."""
        key = (i, want)
        got = self._ranks.get(key)
        if got is None:
            q, sv = self.quotes[i], self.sv
            p = q.paragraph
            ps = self.paragraphs[p][0]
            got = self._ranks[key] = same_gender_ranks(sv, self.get(i).lo, q.start, want, ps,
                                                       self.paragraphs[p - 1][0] if p else ps)
        return got

    def _window(self, i: int) -> Window:
        sv, q, w = self.sv, self.quotes[i], Window()
        p = q.paragraph
        ps, pe = self.paragraphs[p]
        # narration mentions around the quote: recency and counts
        lo = w.lo = bisect.bisect_left(sv.nstarts, q.start - WINDOW_BEFORE)
        hi = bisect.bisect_left(sv.nstarts, q.end + WINDOW_AFTER)
        last: dict[str, int] = {}
        count: dict[str, int] = {}
        after: set[str] = set()
        for start, c in zip(sv.nstarts[lo:hi], self.nchars[lo:hi]):
            count[c] = count.get(c, 0) + 1
            if start < q.start:
                last[c] = start
            else:
                after.add(c)
        w.last, w.count, w.after = last, count, after
        in_quote, quoted_near = set(), {}
        j = bisect.bisect_left(sv.istarts, q.start - WINDOW_BEFORE)
        k = bisect.bisect_left(sv.istarts, q.end + WINDOW_AFTER, j)
        for start, c in zip(sv.istarts[j:k], self.ichars[j:k]):
            if q.start <= start < q.end:
                in_quote.add(c)
            quoted_near[c] = quoted_near.get(c, 0) + 1
        w.in_quote, w.quoted_near = in_quote, quoted_near
        subj = self._subjects.get(p)
        if subj is None:
            subj = self._subjects[p] = sv.subjects_between(ps, pe, ps)
        w.subj_para = subj
        w.ment_before = self.mentioned(ps, q.start)
        w.ment_after = self.mentioned(q.end, pe)
        w.prev_para = self.in_paragraph(p - 1) if p > 0 else set()
        w.vocative = sv.vocative(q)
        # the candidates' order of appearance in quote_features
        w.by_recency = [c for c, _ in sorted(last.items(), key=lambda x: -x[1])]
        w.after_sorted = sorted(after)
        w.by_quoted = sorted(quoted_near, key=lambda c: -quoted_near[c])
        return w
