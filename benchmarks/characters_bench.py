"""Characters and fandoms: speed, PDNC character share, AO3 character recall
and fandom accuracy.

    python benchmarks/characters_bench.py                # everything
    python benchmarks/characters_bench.py --speed        # words/s only
    python benchmarks/characters_bench.py --no-tagger    # capitalised runs
                                                         # instead of the NER

Reads ../shared/data in place.  Speed is the characters stage alone, on one
core, over the entities the tagger produced (tagging time excluded: that is
the entities stage's figure).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ficdex.eval import characters as ev  # noqa: E402

SHARED = ROOT.parent / "shared"
_CAPS = re.compile(r"(?:(?:Mr|Mrs|Ms|Miss|Dr)\.\s)?[A-Z][\w'’-]*(?:\s[A-Z][\w'’-]*)*")
_STOP = set("The A An He She It I We They You His Her My This That And But So If When Then What Who Why "
            "How Where Not No Yes Oh Well Now Just Still Even After Before As At In On Of For To With".split())


def capitalised_runs(text: str) -> list[dict]:
    """A no-tagger baseline: every capitalised run, tagged PER."""
    out = []
    for m in _CAPS.finditer(text):
        words = m.group().split()
        while words and words[0] in _STOP:
            words = words[1:]
        if words:
            s = m.end() - len(" ".join(words))
            out.append({"start": s, "end": m.end(), "label": "PER", "text": text[s : m.end()]})
    return out


def speed(entities) -> dict:
    from ficdex.analysis.characters import CharacterStage
    from ficdex.analysis.pipeline import Analysis
    from ficdex.ingest import read

    stage = CharacterStage()
    texts = [read(p) for p in sorted((SHARED / "seeds").glob("*.txt"))]
    novel = SHARED / "data" / "pdnc" / "data" / "PrideAndPrejudice" / "novel_text.txt"
    if novel.exists():
        texts.append(ev.analyse_text(novel.read_text(encoding="utf-8"), lambda t: []).story)
    words = secs = 0.0
    for story in texts:
        doc = Analysis(story)
        doc.inferred["entities"] = entities(story.text)
        t0 = time.perf_counter()
        stage(doc)
        secs += time.perf_counter() - t0
        words += story.words
    return {"words": int(words), "seconds": round(secs, 3), "words_per_second": round(words / secs)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--pdnc", action="store_true")
    ap.add_argument("--ao3", action="store_true")
    ap.add_argument("--no-tagger", action="store_true")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    every = not (args.speed or args.pdnc or args.ao3)
    entities = capitalised_runs if args.no_tagger else ev._default_entities()
    out = {"tagger": "capitalised runs" if args.no_tagger else "ficdex NER"}
    if every or args.speed:
        out["speed"] = speed(entities)
        print(json.dumps(out["speed"]), flush=True)
    if every or args.pdnc:
        res = ev.evaluate_characters_pdnc(SHARED / "data" / "pdnc", entities,
                                          on_novel=lambda n, r: print(n, r["found"], "/", r["characters"],
                                                                      "missed:", r["missed"], flush=True))
        out["pdnc"] = {k: v for k, v in res.items() if k != "per_novel"}
        print(json.dumps(out["pdnc"]), flush=True)
    if every or args.ao3:
        out["ao3"] = ev.evaluate_ao3(SHARED / "data" / "ao3-dev" / "gold.jsonl", entities, top=args.top,
                                     limit=args.limit)
        print(json.dumps(out["ao3"]), flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
