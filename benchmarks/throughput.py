"""Throughput of the whole ficdex analysis: words (and tokens) per second per
core, in one process and through Spark local[N], against BookNLP's published
figure.

    python benchmarks/throughput.py --pdnc-limit 2 --ao3-limit 200 --json out.json

BookNLP (small model, laptop CPU) analyses 99K tokens in 3.6 minutes, about
460 tokens/s; the goal is 20x that per core.  Tokens are counted with spaCy's
English tokenizer (punctuation included, as BookNLP counts them), words as
AO3 counts them.  The figures are only as good as the machine is idle: the
load average at the start is printed and recorded next to them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
BOOKNLP_TOKENS_PER_S = 99_000 / (3.6 * 60)
GOAL = 20


def ao3_works(limit: int) -> list[tuple[str, str]]:
    out = []
    with open(SHARED / "ao3-dev" / "gold.jsonl", encoding="utf-8") as f:
        for line in f:
            w = json.loads(line)
            out.append((w["id"], w["text"]))
            if len(out) == limit:
                break
    return out


def pdnc_novels(limit: int) -> list[tuple[str, str]]:
    # The shortest first, so a small --pdnc-limit stays quick.
    files = sorted((SHARED / "pdnc" / "data").glob("*/novel_text.txt"), key=lambda p: p.stat().st_size)
    return [(p.parent.name, p.read_text(encoding="utf-8")) for p in files[:limit]]


def count_tokens(texts: list[str]) -> int:
    import spacy

    tok = spacy.blank("en").tokenizer
    return sum(sum(not t.is_space for t in tok(t_)) for t_ in texts)


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system, reaped children included) of a process
    and all its descendants, from /proc: Spark's JVM, its Python daemon and
    workers.  CPU time, unlike wall time, does not count the time other
    users' processes held the cores, so it compares runs on a shared box."""
    parent, cpu = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d)] = int(fields[1])
        cpu[int(d)] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p and c not in tree]
        tree.update(kids)
        frontier += kids
    return sum(cpu.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")


def single(works, stages) -> dict:
    """The analysis in this process, models loaded before the clock starts."""
    from ficdex.api import to_json
    from ficdex.ingest import read_data
    from ficdex.spark.job import pipeline_for

    t0 = time.perf_counter()
    pipeline = pipeline_for(stages)
    load = time.perf_counter() - t0
    # First calls pay for lazy set-up inside stages (spaCy's first batch, a
    # knowledge base): one short work, untimed, as the Spark run's warm-up does.
    key, text = min(works, key=lambda w: len(w[1]))
    pipeline(read_data(text.encode("utf-8"), f"{key}.txt"))
    words, per_stage, per_stage_cpu = 0, {}, {}
    t0, c0 = time.perf_counter(), time.process_time()
    for key, text in works:
        doc = pipeline(read_data(text.encode("utf-8"), f"{key}.txt"))
        words += to_json(doc)["words"]
        for name, secs in doc.timings.items():
            per_stage[name] = per_stage.get(name, 0.0) + secs
        for name, secs in doc.cpu_timings.items():
            per_stage_cpu[name] = per_stage_cpu.get(name, 0.0) + secs
    return {"words": words, "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0,
            "load_seconds": load, "stage_seconds": per_stage, "stage_cpu_seconds": per_stage_cpu}


def on_spark(spark, works, stages, tmp: Path, name: str) -> dict:
    """The same works through `ficdex spark analyze`, wall time of the job
    (scheduling, worker start, model loads, Parquet write included)."""
    from ficdex.spark import job

    def table(rows, suffix):
        path = tmp / f"{name}-{suffix}.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            for key, text in rows:
                f.write(json.dumps({"id": key, "text": text}, ensure_ascii=False) + "\n")
        return str(path)

    cores = spark.sparkContext.defaultParallelism
    # Warm-up: one short task per core starts the Python workers and loads
    # the models in each (workers are reused), a cost paid once per executor
    # per job on a cluster; small benchmark inputs would otherwise measure
    # mostly that.  Its time is reported apart as `startup_seconds`.
    short = sorted(works, key=lambda w: len(w[1]))[:cores]
    options = job.Options(stages=stages, keep_story=False)
    warm = job.run(spark, table(short, "warm"), str(tmp / f"{name}-warm.parquet"), options,
                   partitions=cores, check=False)
    jvm = spark.sparkContext._gateway.proc.pid
    path = table(works, "all")
    c0 = tree_cpu_seconds(jvm)
    s = job.run(spark, path, str(tmp / f"{name}.parquet"), options, partitions=min(len(works), cores * 4), check=False)
    cpu = tree_cpu_seconds(jvm) - c0
    # Time inside the workers' per-work loop, summed over works: what the
    # analysis itself costs under Spark, apart from scheduling, shuffle and write.
    return {"words": s["words"], "seconds": s["wall_seconds"], "errors": s["errors"], "cores": cores,
            "startup_seconds": warm["wall_seconds"], "in_worker_seconds": s["analysis_seconds"],
            "in_worker_words_per_s": s["words"] / max(s["analysis_seconds"], 1e-9), "cpu_seconds": cpu}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ao3-limit", type=int, default=200, help="AO3 dev works to analyse (of 1,042)")
    ap.add_argument("--pdnc-limit", type=int, default=2, help="PDNC novels to analyse, shortest first (of 21)")
    ap.add_argument("--cores", type=int, default=2, help="Spark local[N]")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--stages", help="comma-separated stages (default: the default pipeline)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    # Per core means one core: keep BLAS to one thread here too, as the job
    # does in its workers (before numpy is first imported).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")

    from ficdex.errors import FicdexError
    from ficdex.spark.job import buildable_stages, pipeline_for

    stages = tuple(args.stages.split(",")) if args.stages else None
    note = None
    if stages is None:
        try:
            pipeline_for(None)
        except FicdexError as e:  # a model not trained yet: measure what can run, and say so
            stages = buildable_stages()
            note = f"default pipeline unavailable ({e.reason[:80]}); ran {list(stages)}"
    names = pipeline_for(stages).names
    corpora = {"pdnc": pdnc_novels(args.pdnc_limit), "ao3-dev": ao3_works(args.ao3_limit)}
    report = {"stages": names, "note": note, "load_average": os.getloadavg(), "cpu_count": os.cpu_count(),
              "booknlp_tokens_per_s": BOOKNLP_TOKENS_PER_S, "corpora": {}}
    spark = None
    if not args.no_spark:
        from ficdex.spark import job

        spark = job.session(f"local[{args.cores}]", app="ficdex-benchmark",
                            conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2",
                                  "spark.driver.memory": "2g"})
    with tempfile.TemporaryDirectory() as tmp:
        for name, works in corpora.items():
            if not works:
                continue
            tokens = count_tokens([t for _, t in works])
            one = single(works, stages)
            row = {"works": len(works), "words": one["words"], "tokens": tokens,
                   "tokens_per_word": tokens / one["words"], "single": one}
            one["words_per_s"] = one["words"] / one["seconds"]
            one["tokens_per_s"] = one["words_per_s"] * row["tokens_per_word"]
            one["x_booknlp"] = one["tokens_per_s"] / BOOKNLP_TOKENS_PER_S
            one["words_per_cpu_s"] = one["words"] / one["cpu_seconds"]
            if spark is not None:
                sp = on_spark(spark, works, stages, Path(tmp), name)
                sp["words_per_s"] = sp["words"] / sp["seconds"]
                sp["words_per_s_per_core"] = sp["words_per_s"] / sp["cores"]
                sp["tokens_per_s_per_core"] = sp["words_per_s_per_core"] * row["tokens_per_word"]
                sp["x_booknlp_per_core"] = sp["tokens_per_s_per_core"] / BOOKNLP_TOKENS_PER_S
                sp["scaling_efficiency"] = sp["words_per_s"] / (sp["cores"] * one["words_per_s"])
                # Everything Spark burnt (JVM, shuffle, Parquet, Python workers)
                # per word, against the single process: contention-proof.
                sp["words_per_cpu_s"] = sp["words"] / sp["cpu_seconds"]
                sp["cpu_efficiency"] = sp["words_per_cpu_s"] / one["words_per_cpu_s"]
                row["spark"] = sp
            report["corpora"][name] = row
    if spark is not None:
        spark.stop()
    report["estimate_15m"] = estimate(report)
    print_table(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def estimate(r: dict, works: float = 15e6, words: float = 1e4) -> dict:
    """Core-hours for an archive from the measured per-core rates: the
    single-process rate is what perfect scaling would give, the Spark rate
    per core what local[N] gave, overheads and contention included."""
    total = works * words
    out = {"words": total}
    for name, c in r["corpora"].items():
        rates = {"single": c["single"]["words_per_s"], "single_cpu": c["single"]["words_per_cpu_s"]}
        if "spark" in c:
            rates["spark_per_core"] = c["spark"]["words_per_s_per_core"]
            rates["spark_cpu"] = c["spark"]["words_per_cpu_s"]
        out[name] = {k: {"words_per_s_per_core": v, "core_hours": total / v / 3600} for k, v in rates.items()}
    return out


def print_table(r: dict) -> None:
    print(f"stages: {', '.join(r['stages']) or '(none)'}" + (f"   NOTE: {r['note']}" if r["note"] else ""))
    print(f"load average at start: {r['load_average'][0]:.1f} on {r['cpu_count']} CPUs; "
          f"BookNLP: {r['booknlp_tokens_per_s']:.0f} tokens/s, goal {GOAL}x per core")
    head = f"{'corpus':8} {'works':>5} {'words':>9} | {'1 proc w/s':>10} {'tok/s':>8} {'xBNLP':>6} |" \
           f" {'spark w/s':>9} {'w/s/core':>8} {'xBNLP/core':>10} {'eff.':>5} {'in-worker w/s':>13} |" \
           f" {'w/cpu-s 1proc':>13} {'spark':>6} {'cpu eff.':>8}"
    print(head)
    print("-" * len(head))
    for name, c in r["corpora"].items():
        one, sp = c["single"], c.get("spark")
        line = f"{name:8} {c['works']:>5} {c['words']:>9,} | {one['words_per_s']:>10,.0f} " \
               f"{one['tokens_per_s']:>8,.0f} {one['x_booknlp']:>6.1f} |"
        if sp:
            line += f" {sp['words_per_s']:>9,.0f} {sp['words_per_s_per_core']:>8,.0f} " \
                    f"{sp['x_booknlp_per_core']:>10.1f} {sp['scaling_efficiency']:>5.2f} " \
                    f"{sp['in_worker_words_per_s']:>13,.0f} | {one['words_per_cpu_s']:>13,.0f} " \
                    f"{sp['words_per_cpu_s']:>6,.0f} {sp['cpu_efficiency']:>8.2f}"
        else:
            line += f" {'':>9} {'':>8} {'':>10} {'':>5} {'':>13} | {one['words_per_cpu_s']:>13,.0f}"
        print(line)
        stages = ", ".join(f"{k} {v / max(one['seconds'], 1e-9):.0%}" for k, v in one["stage_seconds"].items())
        print(f"{'':8} time by stage: {stages}")
        # Each stage's own rate in CPU time: which one holds the whole back.
        cpu = one.get("stage_cpu_seconds") or {}
        if cpu:
            print(f"{'':8} CPU-s by stage (words per CPU-s): " + ", ".join(
                f"{k} {v:.2f} ({one['words'] / max(v, 1e-9):,.0f})" for k, v in cpu.items()))
    e = r["estimate_15m"]
    print(f"15M works x 10,000 words = {e['words']:.2e} words:")
    for name, rates in e.items():
        if name != "words":
            print("  " + name + ": " + "; ".join(
                f"{k} {v['words_per_s_per_core']:,.0f} w/s/core -> {v['core_hours']:,.0f} core-hours"
                for k, v in rates.items()))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
