"""Turning a `SearchQuery` into SQL, shared by both backends.

AO3's semantics: every included tag is required (several ratings excepted: a
work has one, so they mean "any of"), no excluded tag may appear, and a tag
name stands for its aliases too.  Names are resolved to tag ids first, with a
few small queries, so the search itself is a set of `IN (ids)` probes on the
(tag, kind, work) index rather than string matching over every work.
"""

from __future__ import annotations

import json

from . import kb
from .query import And, Not, Or, SearchQuery, check, is_negative, parse_text
from .store import Hit, SearchResult
from .tags import TAG_TYPES, canonical, norm

KIND = {"effective": 0, "declared": 1, "inferred": 2}
ANY_TYPE = "tag"  # AO3's "Other tags to include" matches a tag of any type


class SearchMixin:
    def _resolve_tag(self, tag_type: str, name: str) -> list[int]:
        """Tag ids a name stands for: the tag itself, tags it is an alias of,
        and tags sharing an alias group with those."""
        names = {norm(name), norm(canonical(tag_type, name))}
        if tag_type in ("character", ANY_TYPE):
            names |= kb.aliases_for(name)
        tcond = "" if tag_type == ANY_TYPE else "t.type = ? AND "
        tparam = [] if tag_type == ANY_TYPE else [tag_type]
        marks = ", ".join("?" * len(names))
        ids = {r[0] for r in self._all(
            f"SELECT t.id FROM tags t WHERE {tcond}t.norm IN ({marks}) UNION "
            f"SELECT t.id FROM tag_aliases a JOIN tags t ON t.id = a.tag WHERE {tcond}a.alias IN ({marks})",
            tparam + sorted(names) + tparam + sorted(names))}
        if ids:
            more = {r[0] for r in self._all(
                f"SELECT alias FROM tag_aliases WHERE tag IN ({', '.join('?' * len(ids))})", sorted(ids))}
            if more:
                marks = ", ".join("?" * len(more))
                ids |= {r[0] for r in self._all(f"SELECT t.id FROM tags t WHERE {tcond}t.norm IN ({marks})",
                                                 tparam + sorted(more))}
        return sorted(ids)

    def _tag_cond(self, ids: list[int], kind: int, how: str) -> tuple[str, list]:
        marks = ", ".join("?" * len(ids))
        if how == "drive":  # the rows to start from: SQLite walks this list and seeks each work
            return f"w.n IN (SELECT work FROM work_tags WHERE kind = ? AND tag IN ({marks}))", [kind, *ids]
        if how == "exclude":  # checked against every candidate: one lookup list, built once
            return f"w.n NOT IN (SELECT work FROM work_tags WHERE kind = ? AND tag IN ({marks}))", [kind, *ids]
        # Further includes: a probe per candidate work on the (tag, kind, work) key,
        # cheaper than listing every work of a common tag.
        return (f"EXISTS (SELECT 1 FROM work_tags x WHERE x.work = w.n AND x.kind = ? "
                f"AND x.tag IN ({marks}))"), [kind, *ids]

    def _plan(self, q: SearchQuery, walk: bool = True) -> dict | None:
        """The filters of a search as SQL over `works w`, shared by `search`
        and `facet_counts`; None when an included tag names nothing stored."""
        kind = KIND[q.tags_from]
        where, params = [], []
        includes = []
        for tag_type, names in q.include.items():
            # A work has one rating, so several ratings can only mean "any of".
            groups = [names] if tag_type == "rating" else [[n] for n in names]
            for group in groups:
                ids = sorted({i for n in group for i in self._resolve_tag(tag_type, n)})
                if not ids:
                    return None
                includes.append(ids)
        sizes = [self._one(f"SELECT count(*) FROM work_tags WHERE kind = ? AND tag IN "
                           f"({', '.join('?' * len(ids))})", [kind, *ids])[0] for ids in includes]
        # Start from the rarest included tag; the others are probes.
        order_ = sorted(range(len(includes)), key=lambda i: sizes[i])
        includes, sizes = [includes[i] for i in order_], [sizes[i] for i in order_]
        tree = parse_text(q.text)
        check(tree)
        # When the rarest tag still lists far more works than a page shows,
        # walking the sort order's index and stopping after a page beats
        # fetching and sorting them all: "+" keeps SQLite from driving by it.
        walk_sorted = walk and bool(sizes) and sizes[0] > 20 * (q.offset + q.per_page) and (
            q.sort != "best" or tree is None)
        # A full-text match listing fewer works than the rarest tag drives
        # instead: every included tag becomes a key probe.
        text_drives = (self.text_can_drive and bool(sizes) and tree is not None and not is_negative(tree)
                       and not walk_sorted and self._text_count(tree) < sizes[0])
        for i, ids in enumerate(includes):
            sql, p = self._tag_cond(ids, kind, "include" if i or text_drives else "drive")
            where.append(sql.replace("w.n IN", "+w.n IN", 1) if not i and walk_sorted else sql)
            params += p
        excluded = sorted({i for t, names in q.exclude.items() for n in names for i in self._resolve_tag(t, n)})
        if excluded:
            sql, p = self._tag_cond(excluded, kind, "exclude")
            where.append(sql)
            params += p
        for cond, value in (("w.words >= ?", q.words_from), ("w.words <= ?", q.words_to)):
            if value is not None:
                where.append(cond)
                params.append(value)
        if q.complete is not None:
            where.append("w.complete = ?")
            params.append(int(q.complete))
        if q.language:
            from .works import language_name

            where.append("w.language = ?")
            params.append(language_name(q.language))
        if q.crossover is not None:
            where.append("w.crossover = ?")
            params.append(int(q.crossover))
        # The plain match (no relevance): what counts and facets filter by.
        match_where, match_params = list(where), list(params)
        if tree is not None:
            _, _, cond, cp, _ = self._text_filter(tree, False)
            match_where.append(cond)
            match_params += cp
        only_tags = (tree is None and q.words_from is None and q.words_to is None and q.complete is None
                     and not q.language and q.crossover is None)
        # Only tag conditions: they read no column of `works` but `n`.
        tags_only = (q.words_from is None and q.words_to is None and q.complete is None and not q.language
                     and q.crossover is None)
        return {"kind": kind, "includes": includes, "excluded": excluded, "tree": tree, "where": where,
                "tags_only": tags_only,
                "params": params, "match_where": match_where, "match_params": match_params,
                "only_tags": only_tags}

    def search(self, q: SearchQuery) -> SearchResult:
        plan = self._plan(q)
        if plan is None:
            return SearchResult(0, q.page, q.per_page)
        tree, where, params = plan["tree"], list(plan["where"]), list(plan["params"])
        count_where, count_params = plan["match_where"], plan["match_params"]
        join, score = "", None
        if tree is not None and q.sort == "best" and not is_negative(tree) and self._meta_scores(tree):
            rows, total = self._ranked(q, plan)
            return self._hits(q, rows, total)
        if tree is not None:
            scored = q.sort == "best" and not is_negative(tree)
            join, jp, cond, cp, score = self._text_filter(tree, scored)
            if cond:
                where.append(cond)
            params = jp + params + cp
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        count_clause = (" WHERE " + " AND ".join(count_where)) if count_where else ""
        if plan["only_tags"]:
            total = self._count_tags(plan["includes"], plan["excluded"], plan["kind"])
        elif tree is not None and len(count_where) == 1 and not is_negative(tree):
            total = self._text_count(tree)
        else:
            total = self._one(f"SELECT count(*) FROM works w{count_clause}", count_params)[0]
        order = {
            # Equal scores: newest first, by insertion order (`n` grows with
            # `added_at`), which needs no row of `works` to compare.
            "best": f"{score} DESC, w.n DESC" if score else "w.added_at DESC, w.n DESC",
            "title": "w.title_sort, w.n",
            "author": "w.author_sort, w.title_sort, w.n",
            "words": "w.words DESC, w.n",
            "added": "w.added_at DESC, w.n DESC",
        }[q.sort]
        rows = self._all(
            f"SELECT w.n, w.id, w.words, w.complete, w.language, w.added_at, "
            f"{score or 'NULL'} FROM works w {join}{clause} ORDER BY {order} LIMIT ? OFFSET ?",
            params + [q.per_page, q.offset])
        return self._hits(q, rows, total)

    def _meta_scores(self, tree) -> tuple[str, list] | None:
        """(SELECT fn, score …, params): the works whose title, tags or
        summary match a part of the query, with their best-match score; None
        when the backend ranks in one query instead (`_text_filter`)."""
        return None

    def _ranked(self, q: SearchQuery, plan: dict) -> tuple[list, int]:
        """Best match in two tiers, each a query that stops after a page:
        works scored on their title, tags or summary (a small index), by
        score then newest (insertion order); then the works that match only
        in their text, newest first, walking the table backwards.  Neither reads the text
        index's entry for every match, as a relevance function would."""
        tree = plan["tree"]
        sub, sp = self._meta_scores(tree)
        _, _, mcond, mcp, _ = self._text_filter(tree, False)
        # A query of one part with no NOT: a title/tags/summary match is a match.
        implied = not isinstance(tree, And) and not _has_not(tree)
        where, params = list(plan["where"]), list(plan["params"])
        meta_where = where + ([] if implied else [mcond])
        meta_params = params + ([] if implied else mcp)
        clause = (" WHERE " + " AND ".join(meta_where)) if meta_where else ""
        cols = "w.n, w.id, w.words, w.complete, w.language, w.added_at"
        if meta_where and plan["tags_only"]:
            # Tag probes read only the work number: rank the small index's
            # rows, and read `works` for the page alone.
            fwhere = " AND ".join(meta_where).replace("w.n", "s.fn")
            rows = self._all(f"SELECT {cols}, f.score FROM (SELECT fn, score FROM ({sub}) s WHERE {fwhere} "
                             f"ORDER BY score DESC, fn DESC LIMIT ? OFFSET ?) f JOIN works w ON w.n = f.fn "
                             f"ORDER BY f.score DESC, f.fn DESC", sp + meta_params + [q.per_page, q.offset])
        elif meta_where:
            rows = self._all(f"SELECT {cols}, f.score FROM ({sub}) f JOIN works w ON w.n = f.fn{clause} "
                             f"ORDER BY f.score DESC, f.fn DESC LIMIT ? OFFSET ?",
                             sp + meta_params + [q.per_page, q.offset])
        else:  # nothing to check per work: the page comes from the small index alone
            rows = self._all(f"SELECT {cols}, f.score FROM (SELECT fn, score FROM ({sub}) s ORDER BY score DESC, "
                             f"fn DESC LIMIT ? OFFSET ?) f JOIN works w ON w.n = f.fn ORDER BY f.score DESC, f.fn DESC",
                             sp + [q.per_page, q.offset])
        total = self._text_count(tree) if not where else self._one(
            f"SELECT count(*) FROM works w WHERE {' AND '.join(plan['match_where'])}", plan["match_params"])[0]
        if len(rows) < q.per_page and total > q.offset + len(rows):
            meta_count = self._one(f"SELECT count(*) FROM ({sub}) f JOIN works w ON w.n = f.fn{clause}",
                                   sp + meta_params)[0]
            # "+" keeps the match list from driving, so the table is walked newest first.
            text_where = where + [mcond.replace("w.n IN", "+w.n IN", 1), f"w.n NOT IN (SELECT fn FROM ({sub}) s)"]
            rows += self._all(f"SELECT {cols}, 0 FROM works w WHERE {' AND '.join(text_where)} "
                              f"ORDER BY w.n DESC LIMIT ? OFFSET ?",
                              params + mcp + sp + [q.per_page - len(rows), max(0, q.offset - meta_count)])
        return rows, total

    def _hits(self, q: SearchQuery, rows: list, total: int) -> SearchResult:
        ns = [r[0] for r in rows]
        tags = self._hit_tags(ns)
        names = {n: (t, json.loads(a)) for n, t, a in self._all(
            f"SELECT n, title, authors FROM work_data WHERE n IN ({', '.join('?' * len(ns))})", ns)} if ns else {}
        hits = [Hit(id=r[1], title=names[r[0]][0], authors=names[r[0]][1], words=r[2],
                    complete=None if r[3] is None else bool(r[3]), language=r[4], added_at=r[5],
                    tags=tags.get(r[0], {t: [] for t in TAG_TYPES}),
                    score=None if r[6] is None else round(float(r[6]), 4)) for r in rows]
        return SearchResult(total, q.page, q.per_page, hits)

    # Whether a full-text match list may drive a search (SQLite: its planner
    # cannot tell how long the list is, so the store decides).
    text_can_drive = False
    # Collation that orders names by code point, as Python's sort does.
    binary_collation = ""

    def facet_counts(self, q: SearchQuery, top: int = 10,
                     types: tuple[str, ...] = TAG_TYPES) -> dict[str, list[tuple[str, int]]]:
        """Per tag type, the `top` effective tags most common among the works
        `q` matches, with exact counts (ties by name); paging and sort are
        ignored.  A GROUP BY over the matched works' tag rows when they are
        few, a count over the cached tag table (`facets`) when they are many."""
        from . import facets

        out: dict[str, list[tuple[str, int]]] = {t: [] for t in types}
        plan = self._plan(q, walk=False)
        if plan is None or not types:
            return out
        exclude_only = plan["only_tags"] and not plan["includes"] and plan["excluded"]
        if exclude_only:
            # "Everything but …": count every work, less the excluded ones.
            ns = None
        elif plan["match_where"]:
            ns = [r[0] for r in self._all(f"SELECT w.n FROM works w WHERE {' AND '.join(plan['match_where'])}",
                                          plan["match_params"])]
        else:
            ns = None  # every work
        if ns is not None and len(ns) <= facets.SQL_LIMIT:
            if not ns:
                return out
            c = self.binary_collation
            rows = self._all(
                f"SELECT type, name, c FROM (SELECT t.type, t.name, x.c, row_number() OVER "
                f"(PARTITION BY t.type ORDER BY x.c DESC, t.name{c}) AS r FROM "
                f"(SELECT wt.tag, count(*) AS c FROM work_tags wt WHERE wt.kind = 0 "
                f"AND wt.work IN ({', '.join('?' * len(ns))}) GROUP BY wt.tag) x "
                f"JOIN tags t ON t.id = x.tag WHERE t.type IN ({', '.join('?' * len(types))})) y "
                f"WHERE r <= ? ORDER BY type, r", ns + list(types) + [top])
            for t, name, n in rows:
                out[t].append((name, n))
            return out
        import numpy as np

        table = facets.table(self, self.generation())
        counts = table.counts(np.array(ns, dtype=np.int64)) if ns is not None else table.all_counts
        if exclude_only:
            marks = ", ".join("?" * len(plan["excluded"]))
            gone = [r[0] for r in self._all(f"SELECT DISTINCT work FROM work_tags WHERE kind = ? AND tag IN ({marks})",
                                            [plan["kind"], *plan["excluded"]])]
            counts = counts - table.counts(np.array(gone, dtype=np.int64))
        return table.top(counts, types, top)

    def _count_tags(self, includes: list[list[int]], excluded: list[int], kind: int) -> int:
        """A count from the tag index alone, for searches made only of tags:
        no row of `works` needs reading."""
        ex = ", ".join("?" * len(excluded))
        if not includes:
            n = self._one("SELECT count(*) FROM works")[0]
            if excluded:
                n -= self._one(f"SELECT count(DISTINCT work) FROM work_tags WHERE kind = ? AND tag IN ({ex})",
                               [kind, *excluded])[0]
            return n
        sql = [f"SELECT count(DISTINCT d.work) FROM work_tags d WHERE d.kind = ? "
               f"AND d.tag IN ({', '.join('?' * len(includes[0]))})"]
        params = [kind, *includes[0]]
        for ids in includes[1:]:
            sql.append(f"EXISTS (SELECT 1 FROM work_tags x WHERE x.work = d.work AND x.kind = ? "
                       f"AND x.tag IN ({', '.join('?' * len(ids))}))")
            params += [kind, *ids]
        if excluded:
            sql.append(f"d.work NOT IN (SELECT work FROM work_tags WHERE kind = ? AND tag IN ({ex}))")
            params += [kind, *excluded]
        return self._one(" AND ".join(sql), params)[0]

    def _hit_tags(self, ns: list[int]) -> dict[int, dict[str, list[str]]]:
        if not ns:
            return {}
        out = {n: {t: [] for t in TAG_TYPES} for n in ns}
        for n, t, name in self._all(
            f"SELECT wt.work, t.type, t.name FROM work_tags wt JOIN tags t ON t.id = wt.tag "
            f"WHERE wt.kind = 0 AND wt.work IN ({', '.join('?' * len(ns))}) ORDER BY wt.work, wt.pos", ns):
            out[n][t].append(name)
        return out


def _has_not(node) -> bool:
    if isinstance(node, Not):
        return True
    if isinstance(node, (And, Or)):
        return any(_has_not(i) for i in node.items)
    return False
