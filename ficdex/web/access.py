"""How the web app reaches the library: one store per worker thread, the
blurb extras a search hit does not carry, and the sidebar's facet counts.

FastAPI runs plain `def` views on a thread pool.  A SQLite connection must
not run two transactions at once, so each thread opens its own store (WAL
lets them read side by side); a `Store` object handed in directly is shared
behind a lock instead.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from contextlib import contextmanager

from ..library import SearchQuery, Store, open_store
from ..library.tags import TAG_TYPES

# The sidebar shows this many tags per type, with exact counts from
# `Store.facet_counts` (one GROUP BY over the matched works' tag rows).
FACET_TOP = 10
# Whole-library counts cost a scan of the tag rows: kept this long, and
# dropped at once when the web app itself writes or the work count changes.
GLOBAL_FACETS_TTL = 60.0


class Library:
    def __init__(self, db):
        self._shared = db if isinstance(db, Store) else None
        self._db = None if self._shared else db
        self._lock = threading.RLock()
        self._local = threading.local()
        self._opened: list[Store] = []
        self._extras: OrderedDict[str, dict] = OrderedDict()
        self._global: tuple[float, int, dict] | None = None
        if self._shared is None:
            with self.store():  # fail at start-up, not on the first request
                pass

    @contextmanager
    def store(self):
        if self._shared is not None:
            with self._lock:
                yield self._shared
            return
        s = getattr(self._local, "store", None)
        if s is None:
            s = self._local.store = open_store(self._db)
            with self._lock:
                self._opened.append(s)
        yield s

    def close(self) -> None:
        with self._lock:
            for s in self._opened:
                try:
                    s.close()
                except Exception:  # noqa: BLE001 - closing at shutdown; nothing left to do
                    pass
            self._opened.clear()

    def changed(self, work_id: str | None = None) -> None:
        """Forget cached answers after the web app writes."""
        self._global = None
        if work_id:
            self._extras.pop(work_id, None)

    # -- blurb extras ----------------------------------------------------------
    def extras(self, store: Store, ids: list[str]) -> dict[str, dict]:
        """Summary and chapter count per work: a blurb shows them, a search
        hit does not carry them.  Neither changes while the id stays the
        same (the id is a hash of the text), so they are cached."""
        out = {}
        for wid in ids:
            hit = self._extras.get(wid)
            if hit is None:
                w = store.get(wid)
                declared = (w.analysis.get("declared") or {}).get("chapters")
                hit = {"summary": w.summary, "chapters": w.chapters, "declared_chapters": declared}
                self._extras[wid] = hit
                while len(self._extras) > 5000:
                    self._extras.popitem(last=False)
            out[wid] = hit
        return out

    # -- facets ------------------------------------------------------------------
    def search_with_facets(self, store: Store, q: SearchQuery, filtered: bool):
        """(result, facets, exact): the page of results, and per tag type the
        most common tags among all the works matched, with exact counts."""
        result = store.search(q)
        if not filtered:
            return result, self.global_facets(store), True
        if result.total == 0:
            return result, {t: [] for t in TAG_TYPES}, True
        return result, store.facet_counts(q, FACET_TOP), True

    def global_facets(self, store: Store) -> dict:
        n = store.count()
        g = self._global
        if g is None or g[1] != n or time.monotonic() - g[0] > GLOBAL_FACETS_TTL:
            g = self._global = (time.monotonic(), n, {t: store.tag_counts(t, FACET_TOP) for t in TAG_TYPES})
        return g[2]
