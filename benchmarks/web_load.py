"""Web load test: index page and search latency (p50/p95) over HTTP on a
library of 100,000 works, on loopback only.

    python benchmarks/web_load.py --works 100000 [--db /tmp/web-bench.db] [--requests 400]

The library is the library benchmark's synthetic one (benchmarks/
library_bench.py: recombined from ../shared/data/ao3-dev/gold.jsonl at run
time, never copied), built once and reused when `--db` already holds works.
The server is `ficdex serve`'s app under uvicorn in its own process, one
worker, on 127.0.0.1; the client is a small httpx thread pool.  The load is
bounded: a fixed number of requests, split between

- index: `/works` (the HTML page, first pages of the whole library), and
- search: `/works?…` (HTML) for the library benchmark's 20 typical AO3
  queries, each turned into the page's own query string,

each request timed from send to the last byte.  A warm-up pass over every
URL runs first and is not counted (the first search of a tag warms SQLite's
page cache, which a long-running server keeps warm).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # never anything else: this is a load generator


def library_bench():
    spec = importlib.util.spec_from_file_location("library_bench", HERE / "library_bench.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build(db: str, works: int, seed: int) -> int:
    from ficdex.library import open_store

    lb = library_bench()
    with open_store(db) as store:
        if store.count() >= works:
            return store.count()
        rows, paragraphs = lb.load_gold(lb.GOLD)
        t0, batch = time.perf_counter(), []
        for item in lb.synthetic(rows, paragraphs, works - store.count(), seed):
            batch.append(item)
            if len(batch) == 1000:
                store.put_many(batch)
                batch = []
                done = store.count()
                if done % 20000 == 0:
                    print(f"built {done:,} works ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        if batch:
            store.put_many(batch)
        return store.count()


def search_urls() -> list[tuple[str, str]]:
    from ficdex.web.params import WorksQuery

    lb = library_bench()
    rows, _ = lb.load_gold(lb.GOLD)
    out = []
    for label, q in lb.queries(rows):
        wq = WorksQuery(text=q.text or "", include=q.include, exclude=q.exclude, words_from=q.words_from,
                        words_to=q.words_to, complete=q.complete, crossover=q.crossover,
                        language=q.language or "", tags_from=q.tags_from, sort=q.sort, page=q.page)
        out.append((label, wq.url("/works")))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(db: str, port: int) -> subprocess.Popen:
    code = ("import uvicorn; from ficdex.web.app import create_app; "
            f"uvicorn.run(create_app({db!r}), host={HOST!r}, port={port}, log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            httpx.get(f"http://{HOST}:{port}/opds/search.xml", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(base: str, jobs: list[tuple[str, str]], threads: int) -> list[tuple[str, float, int]]:
    client = httpx.Client(base_url=base, headers={"accept": "text/html"}, timeout=60)

    def one(job):
        kind, url = job
        t0 = time.perf_counter()
        r = client.get(url)
        r.read()
        return kind, (time.perf_counter() - t0) * 1000, r.status_code

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, jobs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=100_000)
    ap.add_argument("--db", default="/tmp/ficdex-web-bench.db")
    ap.add_argument("--requests", type=int, default=400, help="timed requests, half index, half search")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    n = build(args.db, args.works, args.seed)
    searches = search_urls()
    index_urls = ["/works", "/works?page=2", "/works?sort=title", "/works?sort=words"]
    half = args.requests // 2
    jobs = [("index", index_urls[i % len(index_urls)]) for i in range(half)]
    jobs += [("search", searches[i % len(searches)][1]) for i in range(args.requests - half)]
    port = free_port()
    server = start_server(args.db, port)
    try:
        base = f"http://{HOST}:{port}"
        warm = run(base, [("warm", u) for u in index_urls] + [("warm", u) for _, u in searches], 1)
        failed = [code for _, _, code in warm if code != 200]
        if failed:  # a broken server answers fast: timing it would mislead
            raise SystemExit(f"{len(failed)} warm-up requests failed (HTTP {failed[0]}); see the server's log")
        t0 = time.perf_counter()
        results = run(base, jobs, args.threads)
        wall = time.perf_counter() - t0
        per_query = []
        for label, url in searches:  # one at a time, to see which searches cost most
            times = [run(base, [("q", url)], 1)[0][1] for _ in range(3)]
            per_query.append({"query": label, "url": url, "median_ms": round(statistics.median(times), 1)})
    finally:
        server.terminate()
        server.wait(10)
    bad = [r for r in results if r[2] != 200]
    out = {"works": n, "requests": len(results), "threads": args.threads, "errors": len(bad),
           "requests_per_s": round(len(results) / wall, 1)}
    for kind in ("index", "search"):
        t = [ms for k, ms, _ in results if k == kind]
        out[kind] = {"n": len(t), "p50_ms": round(pct(t, 50), 1), "p95_ms": round(pct(t, 95), 1),
                     "max_ms": round(max(t), 1)}
    out["per_query"] = per_query
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
