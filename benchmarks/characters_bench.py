"""Characters and fandoms: speed, PDNC character share, AO3 character recall
and fandom accuracy.

    python benchmarks/characters_bench.py                # everything
    python benchmarks/characters_bench.py --speed        # words/s only
    python benchmarks/characters_bench.py --no-tagger    # capitalised runs
                                                         # instead of the NER
    python benchmarks/characters_bench.py --pdnc --entities-cache /tmp/ents --why
                                                         # tagger output kept between
                                                         # runs; each miss explained

Reads ../shared/data in place.  Speed is the characters stage alone, in CPU
seconds of one core, over the entities the tagger produced (tagging time excluded: that is
the entities stage's figure).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import re
import sys
import time
from collections import Counter
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


def cached(entities, folder: Path):
    """The tagger's entities kept on disk by the text they were found in:
    the tagger is most of the cost and changes rarely, so the characters
    stage can be re-run on all of PDNC in a minute (delete the folder when
    the tagger changes)."""
    folder.mkdir(parents=True, exist_ok=True)

    def run(text: str) -> list[dict]:
        f = folder / (hashlib.sha1(text.encode("utf-8")).hexdigest() + ".pkl")
        if f.exists():
            return pickle.loads(f.read_bytes())
        got = entities(text)
        f.write_bytes(pickle.dumps(got))
        return got

    return run


def speakers(cache: Path | None, limit: int | None) -> dict:
    """`ficdex eval pdnc`'s figures (speaker accuracy on the characters
    found), the default pipeline with the tagger's output kept in `cache`."""
    from ficdex.analysis import pipeline
    from ficdex.analysis.entities import EntityStage
    from ficdex.eval.pdnc import evaluate_pdnc

    pipeline.load_stages()
    if cache:
        class Cached(EntityStage):
            def __call__(self, doc):
                key = hashlib.sha1(("paragraphs\0" + doc.story.text).encode("utf-8")).hexdigest()
                f = cache / f"{key}.pkl"
                if f.exists():
                    doc.inferred["entities"] = pickle.loads(f.read_bytes())
                    return doc
                doc = super().__call__(doc)
                cache.mkdir(parents=True, exist_ok=True)
                f.write_bytes(pickle.dumps(doc.inferred["entities"]))
                return doc

        pipeline.REGISTRY["entities"] = Cached
    res = evaluate_pdnc(SHARED / "data" / "pdnc", limit=limit, on_novel=lambda n: print(n, flush=True))
    out = {k: res[k] for k in ("novels", "quotes", "detection_recall", "speaker_accuracy", "speaker_accuracy_subquote")}
    out["per_novel"] = {r["novel"]: r["ficdex"] and round(r["ficdex"]["speaker_accuracy"], 4) for r in res["per_novel"]}
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
        t0 = time.process_time()  # CPU time: the machine is shared
        stage(doc)
        secs += time.process_time() - t0
        words += story.words
    return {"words": int(words), "seconds": round(secs, 3), "words_per_second": round(words / secs)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--pdnc", action="store_true")
    ap.add_argument("--ao3", action="store_true")
    ap.add_argument("--speakers", action="store_true", help="ficdex eval pdnc's speaker accuracy")
    ap.add_argument("--no-tagger", action="store_true")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--entities-cache", type=Path, help="keep the tagger's output here between runs")
    ap.add_argument("--why", action="store_true", help="print why each PDNC character is missed")
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    every = not (args.speed or args.pdnc or args.ao3 or args.speakers)
    entities = capitalised_runs if args.no_tagger else ev._default_entities()
    if args.entities_cache and not args.no_tagger:
        entities = cached(entities, args.entities_cache)
    out = {"tagger": "capitalised runs" if args.no_tagger else "ficdex NER"}
    if every or args.speed:
        out["speed"] = speed(entities)
        print(json.dumps(out["speed"]), flush=True)
    if every or args.pdnc:
        def show(name, r):
            print(name, r["found"], "/", r["characters"], "missed:", r["missed"], flush=True)
            if args.why:
                for m in r["missed"]:
                    print(f"   {r['why'][m]:8} {m}: {r['detail'].get(m)}", flush=True)
                for group in r["overjoined"]:
                    print("   overjoin", group, flush=True)
                for a, b, n in r.get("slot_joins", []):
                    print(f"   slots    {a} = {b} ({n} votes)", flush=True)

        res = ev.evaluate_characters_pdnc(SHARED / "data" / "pdnc", entities, on_novel=show)
        out["pdnc"] = {k: v for k, v in res.items() if k != "per_novel"}
        out["pdnc"]["why"] = dict(Counter(w for r in res["per_novel"].values() for w in r["why"].values()))
        print(json.dumps(out["pdnc"]), flush=True)
    if every or args.ao3:
        out["ao3"] = ev.evaluate_ao3(SHARED / "data" / "ao3-dev" / "gold.jsonl", entities, top=args.top,
                                     limit=args.limit)
        print(json.dumps(out["ao3"]), flush=True)
    if args.speakers:
        out["speakers"] = speakers(args.entities_cache, args.limit)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
