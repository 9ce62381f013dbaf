"""Library benchmark: a synthetic library of N works, add throughput, and
search latency for 20 typical AO3 queries, on SQLite and PostgreSQL.

    python benchmarks/library_bench.py --works 100000 [--postgres postgresql://…]

The works are built at run time from ../shared/data/ao3-dev/gold.jsonl (read
in place, never copied) by recombination, with a fixed seed:

- tags: each work takes every tag of one "donor" dev work (rating, warnings,
  category, fandoms, relationships, characters), plus its additional tags
  mixed with one or two from a second donor, so tag frequencies follow the
  dev set while the combinations vary;
- 10% of works have no declared tags and carry the donor's tags as
  *inferred* ones instead, as untagged fics in a real library do;
- text: 3-6 paragraphs drawn from the whole pool of dev paragraphs (about
  1-2 KB, enough for realistic full-text hits); the word count stored is the
  donor's count scaled by a random factor in [0.3, 3];
- title: the first half of one dev title and the second half of another;
  summary: the donor's; chapters "n/m", 75% complete; 5% Spanish.

Inserts are metadata-only (no analysis runs) through `Store.put_many`, in
batches of 1,000 works per transaction; a further 1,000 works are added one
transaction each, the way `ficdex add` stores them.  Each query runs once to
warm up, then `--repeat` times; p50/p95 are over all timed runs.

`--postgres-from PATH` fills an empty PostgreSQL library from an existing
SQLite one (e.g. the `--sqlite` library this script built) with COPY, table by
table, and builds the full-text index afterwards: the same works in minutes
on a busy machine, for the search figures (no add-throughput figure then).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from ficdex.analysis.pipeline import INFERRED_KEYS
from ficdex.library import SearchQuery, open_store

GOLD = Path(__file__).resolve().parents[2] / "shared" / "data" / "ao3-dev" / "gold.jsonl"


def load_gold(path: Path) -> tuple[list[dict], list[str]]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    paragraphs = [p.strip() for r in rows for p in r["text"].split("\n\n") if 40 < len(p.strip()) < 1500]
    return rows, paragraphs


def synthetic(rows: list[dict], paragraphs: list[str], n: int, seed: int):
    """Yield (doc, None) pairs: analysis documents as `api.to_json` makes them."""
    rng = random.Random(seed)
    for i in range(n):
        donor, other, second = rng.choice(rows), rng.choice(rows), rng.choice(rows)
        freeforms = list(donor.get("freeforms", [])) + rng.sample(second.get("freeforms", []) or [""], 1)
        freeforms = [f for f in dict.fromkeys(freeforms) if f]
        total = rng.randint(1, 30)
        done = total if rng.random() < 0.75 else rng.randint(1, total)
        tags = {
            "rating": donor.get("rating"), "warnings": donor.get("warnings", []),
            "category": donor.get("category", []), "fandoms": donor.get("fandoms", []),
            "relationships": donor.get("relationships", []), "characters": donor.get("characters", []),
            "freeforms": freeforms, "language": "Español" if rng.random() < 0.05 else "English",
            "chapters": f"{done}/{total}",
        }
        inferred = dict.fromkeys(INFERRED_KEYS)
        if rng.random() < 0.10:
            declared = None
            inferred.update({
                "rating": {"tag": tags["rating"], "confidence": 0.7, "evidence": []},
                "warnings": [{"tag": t} for t in tags["warnings"]],
                "category": [{"tag": t} for t in tags["category"]],
                "fandoms": [{"tag": t} for t in tags["fandoms"]],
                "relationships": [{"tag": t, "type": "romantic", "characters": [], "score": 0.5, "evidence": []}
                                  for t in tags["relationships"]],
                "characters": [{"id": f"c{k}", "name": t, "tag": t, "aliases": {}, "mentions": 1, "gender": None}
                               for k, t in enumerate(tags["characters"])],
                "additional_tags": [{"tag": t} for t in freeforms],
            })
        else:
            declared = tags
        a, b = donor["title"].split(), other["title"].split()
        title = " ".join(a[: max(1, len(a) // 2)] + b[len(b) // 2:])
        text = "\n\n".join(rng.sample(paragraphs, rng.randint(3, 6)))
        wid = hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()[:16]
        yield {
            "schema": "ficdex.analysis/1", "ficdex_version": "0.1.0", "id": wid, "title": title,
            "authors": [donor.get("author") or "anonymous"], "summary": donor.get("summary"),
            "source": {"path": f"synthetic/{i}.html", "format": "ao3-html"},
            "words": max(50, int(donor.get("words", 1000) * rng.uniform(0.3, 3))),
            "declared": declared, "front_matter": [], "back_matter": [], "chapters": [],
            "inferred": inferred, "text": text,
        }, None


def queries(rows: list[dict]) -> list[tuple[str, SearchQuery]]:
    """20 typical AO3 searches, with tag names taken from the dev set."""
    top = lambda key, k: [t for t, _ in Counter(x for r in rows for x in r.get(key, [])).most_common(k)]  # noqa: E731
    fandoms, chars, rels, free = top("fandoms", 6), top("characters", 6), top("relationships", 4), top("freeforms", 8)
    mcd, naw = "Major Character Death", "No Archive Warnings Apply"
    Q = SearchQuery
    return [
        ("fandom, newest", Q(include={"fandom": [fandoms[0]]}, sort="added")),
        ("fandom + rating - MCD", Q(include={"fandom": [fandoms[1]], "rating": ["General Audiences"]},
                                     exclude={"warning": [mcd]})),
        ("text: love", Q(text="love")),
        ('text: phrase + fandom', Q(text='"hunger games"', include={"fandom": [fandoms[0]]})),
        ("character + relationship", Q(include={"character": [chars[0]], "relationship": [rels[0]]})),
        ("two freeforms, by words", Q(include={"tag": [free[0], free[1]]}, sort="words")),
        ("exclude E and M, by title", Q(exclude={"rating": ["Explicit", "Mature"]}, sort="title")),
        ("M/M complete 10k+", Q(include={"category": ["M/M"]}, complete=True, words_from=10000)),
        ("text: kiss -death", Q(text="kiss -death")),
        ("text OR + rating", Q(text="dragon OR castle", include={"rating": ["Teen And Up Audiences"]})),
        ("fandom by author", Q(include={"fandom": [fandoms[2]]}, sort="author")),
        ("freeform - freeform", Q(include={"tag": [free[2]]}, exclude={"tag": [free[3]]})),
        ("language es", Q(language="es")),
        ("crossovers", Q(crossover=True, sort="added")),
        ("text phrase", Q(text='"coffee shop"')),
        ("NAW + F/F by words", Q(include={"warning": [naw], "category": ["F/F"]}, sort="words")),
        ("prefix + exclude", Q(text="sword*", exclude={"warning": [mcd]})),
        ("character alias", Q(include={"character": ["Number Five"]})),
        ("text, page 3", Q(text="time travel", page=3)),
        ("inferred rating", Q(include={"rating": ["Mature"]}, tags_from="inferred", sort="added")),
    ]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


COPY_TABLES = {
    "works": "n, id, title_sort, author_sort, words, chapters, complete, language, crossover, added_at, "
             "ficdex_version, overrides",
    "work_data": "n, title, summary, authors, analysed_at, source_path, source_format, text, tags, analysis, "
                 "story, minhash",
    "tags": "id, type, name, norm",
    "work_tags": "tag, kind, work, pos",
    "tag_aliases": "alias, tag",
    "minhash_bands": "band, hash, work",
}


def copy_to_postgres(sqlite_path: str, url: str) -> None:
    """Fill an empty PostgreSQL library from a SQLite one, table by table."""
    import sqlite3

    store = open_store(url)  # creates the schema at the current version
    if store.count():
        store.close()
        return
    src = sqlite3.connect(sqlite_path)
    conn = store.conn
    t0 = time.perf_counter()
    from ficdex.library.postgres import _tsv

    with conn.transaction():
        conn.execute("DROP INDEX work_search_tsv")
        conn.execute("DROP INDEX work_search_meta")
        for table, cols in COPY_TABLES.items():
            with conn.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
                for row in src.execute(f"SELECT {cols} FROM {table}"):
                    cp.write_row(row)
            print(f"[postgres] copied {table} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        conn.execute(f"INSERT INTO work_search (n, tsv, meta_tsv) SELECT n, {_tsv('title', 'tags', 'summary', 'text')}, "
                     f"{_tsv('title', 'tags', 'summary', None)} FROM work_data")
        conn.execute("CREATE INDEX work_search_tsv ON work_search USING GIN (tsv)")
        conn.execute("CREATE INDEX work_search_meta ON work_search USING GIN (meta_tsv)")
        for table, col in (("works", "n"), ("tags", "id")):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), (SELECT max({col}) FROM {table}))")
    conn.execute("VACUUM (ANALYZE)")
    print(f"[postgres] {store.count():,} works copied in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    src.close()
    store.close()


def bench(name: str, db: str, rows, paragraphs, n: int, seed: int, repeat: int) -> dict:
    store = open_store(db)
    if store.count():
        print(f"[{name}] reusing {store.count():,} works in {db}", file=sys.stderr)
        add = None
    else:
        gen = synthetic(rows, paragraphs, n, seed)
        t0, done = time.perf_counter(), 0
        batch = []
        for item in gen:
            batch.append(item)
            if len(batch) == 1000:
                store.put_many(batch)
                done += len(batch)
                batch = []
                if done % 10000 == 0:
                    print(f"[{name}] {done:,} works, {done / (time.perf_counter() - t0):,.0f}/s", file=sys.stderr)
        if batch:
            store.put_many(batch)
        bulk = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for doc, story in synthetic(rows, paragraphs, 1000, seed + 1):
            store.put(doc, story)
        single = 1000 / (time.perf_counter() - t0)
        add = {"bulk_works_per_s": round(bulk), "one_tx_per_work_per_s": round(single)}
    results = []
    for label, q in queries(rows):
        store.search(q)  # warm-up
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            r = store.search(q)
            times.append((time.perf_counter() - t0) * 1000)
        results.append({"query": label, "total": r.total, "p50_ms": round(statistics.median(times), 2),
                        "max_ms": round(max(times), 2), "times": times})
    all_times = [t for r in results for t in r.pop("times")]
    out = {"backend": name, "works": store.count(), "add": add, "queries": results,
           "p50_ms": round(pct(all_times, 50), 2), "p95_ms": round(pct(all_times, 95), 2)}
    store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=100_000)
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--sqlite", help="library file (default: a new temp file)")
    ap.add_argument("--postgres", default=os.environ.get("FICDEX_BENCH_POSTGRES") or os.environ.get("FICDEX_TEST_POSTGRES"),
                    help="PostgreSQL URL (an empty database or schema); default $FICDEX_BENCH_POSTGRES")
    ap.add_argument("--postgres-from", metavar="PATH",
                    help="fill the (empty) PostgreSQL library from this SQLite library by COPY")
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    if not args.gold.exists():
        sys.exit(f"{args.gold} is absent: the benchmark reads the shared AO3 dev works")
    rows, paragraphs = load_gold(args.gold)
    reports = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            db = args.sqlite or str(Path(tempfile.mkdtemp(prefix="ficdex-bench-")) / "library.db")
        elif args.postgres:
            db = args.postgres
            if args.postgres_from:
                copy_to_postgres(args.postgres_from, db)
        else:
            print("postgres: skipped (no --postgres URL and no $FICDEX_BENCH_POSTGRES)", file=sys.stderr)
            continue
        report = bench(backend, db, rows, paragraphs, args.works, args.seed, args.repeat)
        reports.append(report)
        print(f"\n{backend}: {report['works']:,} works; add {report['add']}; "
              f"search p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms")
        for r in report["queries"]:
            print(f"  {r['query']:<28} {r['total']:>7,} hits  p50 {r['p50_ms']:>8.2f} ms  max {r['max_ms']:>8.2f} ms")
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2) + "\n")


if __name__ == "__main__":
    main()
