"""What the SQLite and PostgreSQL stores share: the tables' meaning, writing a
work in one transaction, and building a search from a `SearchQuery`.

SQL here is written once with `?` placeholders and portable statements
(`INSERT … ON CONFLICT`, `RETURNING`); a backend supplies the connection,
its DDL, and its full-text search.  Tags live in `tags` (type, name, normal
form) joined to works by `work_tags` with a `kind` (effective, declared,
inferred) and an index on (tag, kind, work), so "include Fluff, exclude Major
Character Death" is two index probes whatever the size of the library.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager

from .. import __version__
from ..errors import LibraryError, NotFoundError
from . import dedupe, kb
from .search import SearchMixin
from .store import PutResult, Store, Work, story_from_dict
from .tags import (
    TAG_TYPES, character_aliases, declared_tags, effective, implied_aliases, inferred_tags, norm,
)
from .works import row_fields



class SQLStore(SearchMixin, Store):
    placeholder = "?"
    # [(version, [statement, …])]: applied in order, each in one transaction.
    MIGRATIONS: list[tuple[int, list[str]]] = []

    def __init__(self):
        self._tag_ids: dict[tuple[str, str], int] = {}
        self._aliases: set[tuple[int, str]] = set()  # (tag id, alias) rows known to exist

    # -- backend hooks -------------------------------------------------
    def _cursor(self):
        raise NotImplementedError

    @contextmanager
    def _tx(self):
        raise NotImplementedError
        yield

    def _fts_delete(self, n: int, old: tuple) -> None:
        """Drop a work's full-text entry; `old` is (title, summary, text, tags) as indexed."""

    def _fts_insert(self, n: int, new: tuple) -> None:
        """Index a work's (title, summary, text, tags)."""

    def _text_filter(self, tree, scored: bool) -> tuple[str, list, str, list, str | None]:
        """(join, its params, where, its params, score expression) for a parsed free-text query."""
        raise NotImplementedError

    # -- helpers -----------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _all(self, sql: str, params=()) -> list[tuple]:
        cur = self._cursor()
        cur.execute(self._sql(sql), tuple(params))
        return cur.fetchall()

    def _one(self, sql: str, params=()):
        rows = self._all(sql, params)
        return rows[0] if rows else None

    def _do(self, sql: str, params=()) -> None:
        self._cursor().execute(self._sql(sql), tuple(params))

    def _many(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self._cursor().executemany(self._sql(sql), rows)

    def _migrate(self, current: int) -> None:
        latest = self.MIGRATIONS[-1][0]
        if current > latest:
            raise LibraryError(
                f"library schema version {current} is newer than this ficdex understands ({latest}); upgrade ficdex",
                self.url,
            )
        for version, statements in self.MIGRATIONS:
            if version <= current:
                continue
            with self._tx():
                for st in statements:
                    self._do(st)
                self._do("INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(version),))

    def generation(self) -> str:
        """Changes with every committed write, by any process."""
        row = self._one("SELECT value FROM meta WHERE key = 'generation'")
        return row[0] if row else "0"

    def schema_version(self) -> int:
        row = self._one("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(row[0]) if row else 0

    def _tag_id(self, tag_type: str, name: str) -> int:
        key = (tag_type, norm(name))
        if key not in self._tag_ids:
            self._do("INSERT INTO tags(type, name, norm) VALUES (?, ?, ?) ON CONFLICT(type, norm) DO NOTHING",
                     (tag_type, name, key[1]))
            self._tag_ids[key] = self._one("SELECT id FROM tags WHERE type = ? AND norm = ?", key)[0]
        return self._tag_ids[key]

    @contextmanager
    def _write(self):
        try:
            with self._tx():
                yield
                # Every write moves the library's generation on, so caches
                # in any process (facet counts) know to refresh.
                self._do("INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE "
                         "SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)")
        except BaseException:
            # Tag ids and aliases written inside a rolled-back transaction do not exist.
            self._tag_ids.clear()
            self._aliases.clear()
            raise

    # -- writing -------------------------------------------------------------
    def put(self, doc, story=None, *, replace=False):
        with self._write():
            return self._put(doc, story, replace)

    def put_many(self, items):
        with self._write():
            return [self._put(doc, story, False) for doc, story in items]

    def _put(self, doc: dict, story: dict | None, replace: bool) -> PutResult:
        work_id = doc["id"]
        row = self._one("SELECT n, overrides FROM works WHERE id = ?", (work_id,))
        if row and not replace:
            return PutResult(work_id, "unchanged")
        text = (story or {}).get("text") or doc.get("text") or ""
        stored_doc = {k: v for k, v in doc.items() if k != "text"}
        stored_story = {k: v for k, v in story.items() if k != "text"} if story else None
        overrides = json.loads(row[1]) if row else {}
        dec, inf = declared_tags(doc), inferred_tags(doc)
        eff = effective(dec, inf, overrides)
        f = row_fields(doc)
        sig = dedupe.signature(text)
        dups = self._similar(sig, row[0] if row else None) if sig is not None else []
        now = time.time()
        # `works` holds only what filters and sorts read, so scanning and
        # seeking it stays cheap at 100,000 works; the rest is in `work_data`.
        values = (f["title_sort"], f["author_sort"], f["words"], f["chapters"], f["complete"], f["language"],
                  int(kb.is_crossover(eff["fandom"])), doc.get("ficdex_version"))
        cols = "title_sort, author_sort, words, chapters, complete, language, crossover, ficdex_version"
        data = (f["title"], f["summary"], json.dumps(f["authors"]), now, f["source_path"], f["source_format"],
                json.dumps(stored_doc, ensure_ascii=False),
                json.dumps(stored_story, ensure_ascii=False) if stored_story else None,
                text, None if sig is None else dedupe.to_bytes(sig))
        data_cols = ("title, summary, authors, analysed_at, source_path, source_format, analysis, story, text, "
                     "minhash, tags")
        if row:
            n = row[0]
            self._fts_delete(n, self._fts_row(n))
            sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
            self._do(f"UPDATE works SET {sets} WHERE n = ?", values + (n,))
            self._do("DELETE FROM work_tags WHERE work = ?", (n,))
            self._do("DELETE FROM minhash_bands WHERE work = ?", (n,))
            tag_text = self._write_tags(n, doc, dec, inf, eff)
            sets = ", ".join(f"{c.strip()} = ?" for c in data_cols.split(","))
            self._do(f"UPDATE work_data SET {sets} WHERE n = ?", data + (tag_text, n))
        else:
            marks = ", ".join("?" * (len(values) + 2))
            n = self._one(f"INSERT INTO works(id, added_at, {cols}) VALUES ({marks}) RETURNING n",
                          (work_id, now) + values)[0]
            # Tags first: their text goes into the data row's one write, which
            # PostgreSQL's generated tsvector then indexes once.
            tag_text = self._write_tags(n, doc, dec, inf, eff)
            marks = ", ".join("?" * (len(data) + 2))
            self._do(f"INSERT INTO work_data(n, {data_cols}) VALUES ({marks})", (n,) + data + (tag_text,))
        self._fts_insert(n, (f["title"], f["summary"], text, tag_text))
        if sig is not None:
            self._many("INSERT INTO minhash_bands(band, hash, work) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       [(band, h, n) for band, h in dedupe.band_hashes(sig)])
        return PutResult(work_id, "updated" if row else "added", dups)

    def _fts_row(self, n: int) -> tuple:
        return self._one("SELECT title, summary, text, tags FROM work_data WHERE n = ?", (n,))

    def _write_tags(self, n: int, doc: dict, dec: dict, inf: dict, eff: dict) -> str:
        """Write tag rows of every kind and aliases; return the tag text
        full-text search sees (effective tags and their aliases)."""
        seen: set[tuple[int, int]] = set()
        rows = []
        for kind, tags in ((0, eff), (1, dec), (2, inf)):
            for t in TAG_TYPES:
                for pos, name in enumerate(tags[t]):
                    tid = self._tag_id(t, name)
                    if (tid, kind) not in seen:
                        seen.add((tid, kind))
                        rows.append((n, tid, kind, pos))
        self._many("INSERT INTO work_tags(work, tag, kind, pos) VALUES (?, ?, ?, ?)", rows)
        analysed = character_aliases(doc)
        words, alias_rows = [], []
        for t in TAG_TYPES:
            for name in {x for tags in (eff, dec, inf) for x in tags[t]}:
                aliases = implied_aliases(name)
                if t == "character":  # the knowledge base and the analysis name people only
                    aliases |= kb.aliases_for(name) | analysed.get(name, set())
                aliases.discard(norm(name))
                tid = self._tag_id(t, name)
                alias_rows += [(tid, a) for a in sorted(aliases) if (tid, a) not in self._aliases]
                if name in eff[t]:
                    words.append(name)
                    words.extend(sorted(aliases))
        self._many("INSERT INTO tag_aliases(tag, alias) VALUES (?, ?) ON CONFLICT DO NOTHING", alias_rows)
        self._aliases.update(alias_rows)
        return " ; ".join(words)

    def _similar(self, sig, self_n: int | None) -> list[tuple[str, float]]:
        bands = dedupe.band_hashes(sig)
        cond = " OR ".join("(b.band = ? AND b.hash = ?)" for _ in bands)
        rows = self._all(
            f"SELECT DISTINCT w.id, d.minhash FROM minhash_bands b JOIN works w ON w.n = b.work "
            f"JOIN work_data d ON d.n = b.work WHERE ({cond}) AND b.work <> ?",
            [v for bh in bands for v in bh] + [self_n if self_n is not None else -1],
        )
        out = [(wid, dedupe.similarity(sig, dedupe.from_bytes(bytes(m)))) for wid, m in rows]
        return sorted(((w, round(s, 3)) for w, s in out if s >= dedupe.THRESHOLD), key=lambda x: (-x[1], x[0]))

    def set_overrides(self, work_id, overrides):
        work_id = self.resolve(work_id)
        with self._write():
            n, raw = self._one("SELECT n, analysis FROM works JOIN work_data USING (n) WHERE id = ?", (work_id,))
            doc = json.loads(raw)
            dec, inf = declared_tags(doc), inferred_tags(doc)
            eff = effective(dec, inf, overrides)
            old = self._fts_row(n)
            self._fts_delete(n, old)
            self._do("UPDATE works SET overrides = ?, crossover = ? WHERE n = ?",
                     (json.dumps(overrides, ensure_ascii=False), int(kb.is_crossover(eff["fandom"])), n))
            self._do("DELETE FROM work_tags WHERE work = ?", (n,))
            tag_text = self._write_tags(n, doc, dec, inf, eff)
            self._do("UPDATE work_data SET tags = ? WHERE n = ?", (tag_text, n))
            self._fts_insert(n, old[:3] + (tag_text,))
        return self.get(work_id)

    def remove(self, work_id):
        work_id = self.resolve(work_id)
        with self._write():
            n = self._one("SELECT n FROM works WHERE id = ?", (work_id,))[0]
            self._fts_delete(n, self._fts_row(n))
            for table, col in (("work_tags", "work"), ("minhash_bands", "work"), ("work_data", "n"), ("works", "n")):
                self._do(f"DELETE FROM {table} WHERE {col} = ?", (n,))

    # -- reading ---------------------------------------------------------------
    def has(self, work_id):
        return self._one("SELECT 1 FROM works WHERE id = ?", (work_id,)) is not None

    def resolve(self, work_id):
        wid = work_id.strip().lower()
        if not wid or not all(c in "0123456789abcdef" for c in wid):
            raise NotFoundError("no such work in the library", work_id)
        if self._one("SELECT 1 FROM works WHERE id = ?", (wid,)):
            return wid
        # Prefixes, as git takes short hashes: a range scan on the unique index.
        rows = self._all("SELECT id FROM works WHERE id >= ? AND id < ? ORDER BY id LIMIT 2", (wid, wid + "g"))
        if not rows:
            raise NotFoundError("no such work in the library", work_id)
        if len(rows) > 1:
            raise NotFoundError("the id prefix matches several works; give more of the id", work_id)
        return rows[0][0]

    def get(self, work_id):
        work_id = self.resolve(work_id)
        r = self._one(
            "SELECT w.id, d.title, d.authors, d.summary, w.words, w.chapters, w.complete, w.language, w.crossover, "
            "w.added_at, w.ficdex_version, d.source_path, d.source_format, w.overrides, d.analysis "
            "FROM works w JOIN work_data d ON d.n = w.n WHERE w.id = ?", (work_id,))
        doc, overrides = json.loads(r[14]), json.loads(r[13])
        dec, inf = declared_tags(doc), inferred_tags(doc)
        return Work(
            id=r[0], title=r[1], authors=json.loads(r[2]), summary=r[3], words=r[4], chapters=r[5],
            complete=None if r[6] is None else bool(r[6]), language=r[7], crossover=bool(r[8]),
            added_at=r[9], ficdex_version=r[10], source_path=r[11], source_format=r[12],
            declared=dec, inferred=inf, overrides=overrides, effective=effective(dec, inf, overrides), analysis=doc,
        )

    def story(self, work_id):
        work_id = self.resolve(work_id)
        raw, text = self._one("SELECT story, text FROM works JOIN work_data USING (n) WHERE id = ?", (work_id,))
        return story_from_dict({**json.loads(raw), "text": text}) if raw else None

    def text(self, work_id):
        return self._one("SELECT text FROM works JOIN work_data USING (n) WHERE id = ?", (self.resolve(work_id),))[0]

    def ids(self):
        return [r[0] for r in self._all("SELECT id FROM works ORDER BY n")]

    def versions(self):
        return dict(self._all("SELECT id, ficdex_version FROM works ORDER BY n"))

    def count(self):
        return self._one("SELECT count(*) FROM works")[0]

    def tag_counts(self, tag_type, limit=None):
        sql = ("SELECT t.name, count(*) AS c FROM work_tags wt JOIN tags t ON t.id = wt.tag "
               "WHERE t.type = ? AND wt.kind = 0 GROUP BY t.id, t.name ORDER BY c DESC, t.name")
        return [(a, b) for a, b in self._all(sql + (f" LIMIT {int(limit)}" if limit else ""), (tag_type,))]

    def duplicate_groups(self):
        rows = self._all(
            "SELECT DISTINCT wa.id, wb.id, da.minhash, db.minhash FROM minhash_bands a "
            "JOIN minhash_bands b ON a.band = b.band AND a.hash = b.hash AND a.work < b.work "
            "JOIN works wa ON wa.n = a.work JOIN works wb ON wb.n = b.work "
            "JOIN work_data da ON da.n = a.work JOIN work_data db ON db.n = b.work")
        sims = {}
        for a, b, ma, mb in rows:
            s = dedupe.similarity(dedupe.from_bytes(bytes(ma)), dedupe.from_bytes(bytes(mb)))
            if s >= dedupe.THRESHOLD:
                sims[(a, b)] = sims[(b, a)] = round(s, 3)
        return [[(g[0], 1.0)] + [(w, sims.get((g[0], w), 0.0)) for w in g[1:]] for g in dedupe.groups(list(sims))]


def current_version() -> str:
    return __version__
