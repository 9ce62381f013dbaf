"""Speed of the `quotes` stage (detection + attribution + conversations) on
one core, in words per second.

    python benchmarks/quotes_bench.py [--pipeline]

Text: the 21 PDNC novels (about 1.8M words) and the two seeds, read in
place from ../shared.  Mentions: every PDNC alias occurrence (the same
oracle list as quotes_pdnc.py), so the figure is the stage's own cost, not
the characters stage's.  With --pipeline the whole default pipeline runs on
the seeds and each stage's share is printed (needs the entity tagger).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quotes_pdnc import PDNC, load_novel, oracle_mentions  # noqa: E402

from ficdex.analysis.dialogue import run_quotes  # noqa: E402
from ficdex.analysis.entities import paragraph_ranges  # noqa: E402

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def stage_speed() -> None:
    words = secs = 0.0
    for folder in sorted(p for p in PDNC.iterdir() if p.is_dir()):
        text, _, chars = load_novel(folder)
        mentions, characters, _ = oracle_mentions(text, chars)
        paras = paragraph_ranges(text)
        t0 = time.perf_counter()
        run_quotes(text, paras, mentions, characters)
        secs += time.perf_counter() - t0
        words += len(text.split())
    print(f"quotes stage: {words:,.0f} words in {secs:.2f}s = {words / secs:,.0f} words/s (one core)")


def pipeline_speed() -> None:
    from ficdex.api import analyze_path

    for path in sorted(SEEDS.glob("*.txt")):
        t0 = time.perf_counter()
        doc = analyze_path(path)
        total = time.perf_counter() - t0
        w = doc.story.words
        shares = ", ".join(f"{k} {v:.2f}s" for k, v in doc.timings.items())
        print(f"{path.name}: {w} words, {w / total:,.0f} words/s whole analysis ({shares})")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pipeline", action="store_true")
    args = ap.parse_args()
    stage_speed()
    if args.pipeline:
        pipeline_speed()
