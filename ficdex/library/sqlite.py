"""The default backend: one SQLite file, WAL, FTS5.

WAL lets `ficdex search` read while `ficdex add` writes, and with
`synchronous=NORMAL` a killed process loses nothing committed (only a power
cut can lose the last transactions).  Full text lives in an FTS5 table whose
content is `work_data`, so the story text is stored once; the store keeps the
index in step inside each work's transaction rather than with triggers, since
it already holds the old values a delete needs.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

from ..errors import LibraryError
from .query import is_negative, negated_part, render_fts5, scored_parts
from .sql import SQLStore

# Best match (both backends): each scored part of the query (`scored_parts`:
# the words of "time travel" one by one) adds 4 when it matches the work's
# title, 2 its tags, 1 its summary; works that match only in their text
# score 0; ties newest first.  Each is one MATCH with a column filter on the
# small title/summary/tags index, so ranking never reads the story text,
# however many works a common word matches.
_FIELD_WEIGHTS = (("title", 4), ("tags", 2), ("summary", 1))

SCHEMA_V1 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE works (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        title_sort TEXT NOT NULL DEFAULT '', author_sort TEXT NOT NULL DEFAULT '',
        words INTEGER NOT NULL DEFAULT 0, chapters INTEGER NOT NULL DEFAULT 0,
        complete INTEGER, language TEXT, crossover INTEGER NOT NULL DEFAULT 0,
        added_at REAL NOT NULL, ficdex_version TEXT,
        overrides TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX works_added ON works (added_at)",
    "CREATE INDEX works_title ON works (title_sort)",
    "CREATE INDEX works_author ON works (author_sort, title_sort)",
    "CREATE INDEX works_words ON works (words)",
    # Wide columns apart, so scanning `works` for filters and sorts stays cheap.
    """CREATE TABLE work_data (
        n INTEGER PRIMARY KEY, title TEXT, summary TEXT, authors TEXT NOT NULL DEFAULT '[]',
        analysed_at REAL, source_path TEXT, source_format TEXT,
        text TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '',
        analysis TEXT NOT NULL, story TEXT, minhash BLOB)""",
    """CREATE TABLE tags (
        id INTEGER PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL, norm TEXT NOT NULL,
        UNIQUE (type, norm))""",
    "CREATE INDEX tags_norm ON tags (norm)",
    """CREATE TABLE work_tags (
        tag INTEGER NOT NULL, kind INTEGER NOT NULL, work INTEGER NOT NULL, pos INTEGER NOT NULL,
        PRIMARY KEY (tag, kind, work)) WITHOUT ROWID""",
    "CREATE INDEX work_tags_work ON work_tags (work, kind)",
    "CREATE TABLE tag_aliases (alias TEXT NOT NULL, tag INTEGER NOT NULL, PRIMARY KEY (alias, tag)) WITHOUT ROWID",
    "CREATE INDEX tag_aliases_tag ON tag_aliases (tag)",
    """CREATE TABLE minhash_bands (
        band INTEGER NOT NULL, hash INTEGER NOT NULL, work INTEGER NOT NULL,
        PRIMARY KEY (band, hash, work)) WITHOUT ROWID""",
    "CREATE INDEX minhash_bands_work ON minhash_bands (work)",
    """CREATE VIRTUAL TABLE works_fts USING fts5 (
        title, summary, text, tags, content='work_data', content_rowid='n',
        tokenize='porter unicode61 remove_diacritics 2')""",
]

# v2: a small full-text index over title, summary and tags only, for ranking.
SCHEMA_V2 = [
    """CREATE VIRTUAL TABLE works_meta_fts USING fts5 (
        title, summary, tags, content='work_data', content_rowid='n',
        tokenize='porter unicode61 remove_diacritics 2')""",
    "INSERT INTO works_meta_fts (works_meta_fts) VALUES ('rebuild')",
]


class SQLiteStore(SQLStore):
    MIGRATIONS = [(1, SCHEMA_V1), (2, SCHEMA_V2)]
    text_can_drive = True

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path).expanduser()
        self.url = str(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA cache_size=-65536")  # 64 MB
            self.conn.execute("PRAGMA temp_store=MEMORY")
            has_meta = self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
            self._migrate(self.schema_version() if has_meta else 0)
        except sqlite3.DatabaseError as e:
            raise LibraryError(f"cannot open the library: {e}", self.url) from e
        except OSError as e:
            raise LibraryError(f"cannot create the library: {e.strerror or e}", self.url) from e

    def _cursor(self):
        return self.conn.cursor()

    @contextmanager
    def _tx(self):
        # IMMEDIATE takes the write lock up front, so two writers queue on
        # busy_timeout instead of one failing halfway with SQLITE_BUSY.
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def _all(self, sql, params=()):
        try:
            return super()._all(sql, params)
        except sqlite3.OperationalError as e:
            raise LibraryError(f"database error: {e}", self.url) from e

    def _fts_delete(self, n, old):
        self._do("INSERT INTO works_fts (works_fts, rowid, title, summary, text, tags) "
                 "VALUES ('delete', ?, ?, ?, ?, ?)", (n, *old))
        self._do("INSERT INTO works_meta_fts (works_meta_fts, rowid, title, summary, tags) "
                 "VALUES ('delete', ?, ?, ?, ?)", (n, old[0], old[1], old[3]))

    def _fts_insert(self, n, new):
        self._do("INSERT INTO works_fts (rowid, title, summary, text, tags) VALUES (?, ?, ?, ?, ?)", (n, *new))
        self._do("INSERT INTO works_meta_fts (rowid, title, summary, tags) VALUES (?, ?, ?, ?)",
                 (n, new[0], new[1], new[3]))

    def _text_filter(self, tree, scored):
        if is_negative(tree):
            return "", [], "w.n NOT IN (SELECT rowid FROM works_fts WHERE works_fts MATCH ?)", \
                [render_fts5(negated_part(tree))], None
        expr = render_fts5(tree)
        cond = "w.n IN (SELECT rowid FROM works_fts WHERE works_fts MATCH ?)"
        if scored:
            sub, exprs = self._meta_scores(tree)
            return f"LEFT JOIN ({sub}) f ON f.fn = w.n", exprs, cond, [expr], "coalesce(f.score, 0)"
        return "", [], cond, [expr], None

    def _meta_scores(self, tree):
        exprs = [f"{{{col}}} : {render_fts5(part)}" for part in scored_parts(tree) for col, _ in _FIELD_WEIGHTS]
        weights = [wt for _ in scored_parts(tree) for _, wt in _FIELD_WEIGHTS]
        parts = " UNION ALL ".join(f"SELECT rowid AS fn, {wt} AS wt FROM works_meta_fts WHERE works_meta_fts "
                                   "MATCH ?" for wt in weights)
        return f"SELECT fn, sum(wt) AS score FROM ({parts}) GROUP BY fn", exprs

    def _text_count(self, tree):
        return self._one("SELECT count(*) FROM works_fts WHERE works_fts MATCH ?", (render_fts5(tree),))[0]

    def check(self):
        problems = [r[0] for r in self.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        try:
            # rank = 1 compares the index with its content table, row by row.
            for table in ("works_fts", "works_meta_fts"):
                self.conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as e:
            problems.append(f"full-text index out of step: {e}")
        for sql, what in (
            ("SELECT count(*) FROM works WHERE n NOT IN (SELECT n FROM work_data)", "works without data"),
            ("SELECT count(*) FROM work_data WHERE n NOT IN (SELECT n FROM works)", "data without a work"),
            ("SELECT count(*) FROM work_tags WHERE work NOT IN (SELECT n FROM works)", "tags of missing works"),
            ("SELECT count(*) FROM works WHERE n NOT IN (SELECT work FROM work_tags WHERE kind = 0) "
             "AND n IN (SELECT work FROM work_tags)", "works with tags but no effective tags"),
        ):
            count = self.conn.execute(sql).fetchone()[0]
            if count:
                problems.append(f"{count} {what}")
        return problems

    def close(self):
        self.conn.close()
