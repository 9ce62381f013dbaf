"""Words per second of the content stage on one core, over the AO3 dev texts.

    python benchmarks/content_bench.py [../shared/data/ao3-dev/gold.jsonl]

Texts are read from the shared data in place; the stage's whole work (lexicon
scan, features, model, warnings, tags, evidence) is timed, story building is not.
CPU time is the figure to compare: the machine is shared, so wall time says
more about the neighbours than about the stage.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ficdex.analysis.content import ContentStage
from ficdex.analysis.pipeline import Analysis
from ficdex.model import RawChapter, Source, build_story

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "ao3-dev" / "gold.jsonl"


def main(path: str | Path = DEFAULT) -> float:
    with open(path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    stories = [build_story([RawChapter(None, t.split("\n\n"))], source=Source("bench", "text")) for t in texts]
    stage = ContentStage()
    words = sum(s.words for s in stories)
    t0, c0 = time.perf_counter(), time.process_time()
    for s in stories:
        stage(Analysis(s))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    rate = words / cpu
    print(f"content stage: {len(stories)} works, {words:,} words in {cpu:.2f}s CPU = {rate:,.0f} words per CPU "
          f"second (wall {seconds:.2f}s = {words / seconds:,.0f} words/s, one core)")
    return rate


if __name__ == "__main__":
    main(*sys.argv[1:])
