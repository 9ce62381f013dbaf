"""Quote detection and speaker attribution on PDNC, for fast iteration on the
`quotes` stage (the project's own figures come from `ficdex eval pdnc`).

    python benchmarks/quotes_pdnc.py [--mentions oracle|pipeline|both] [--novel NAME]

Two settings, reported apart because they measure different things:

* oracle   - mentions are every occurrence of PDNC's own character aliases
             (names only; pronouns are left to the sieve's own resolver).
             Isolates attribution from character finding.
* pipeline - mentions and characters come from the `entities` and
             `characters` stages; a predicted character counts as a PDNC
             character when their alias sets share the most name mentions.

A gold quote is *detected* when every one of its sub-spans is covered (at
least half) by predicted speech; its speaker is that of the predicted quote
covering its first sub-span.  Accuracy is over ALL gold quotes, so a missed
quote counts as wrong.  The novel text is used as is (offsets are the gold
ones); paragraphs are its blank-line-separated blocks.
"""

from __future__ import annotations

import argparse
import ast
import csv
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from ficdex.analysis.dialogue import run_quotes
from ficdex.analysis.entities import paragraph_ranges
from ficdex.analysis.names import HONORIFICS

PDNC = Path(__file__).resolve().parents[2] / "shared" / "data" / "pdnc" / "data"
_GENDER = {"M": "male", "F": "female"}


def load_novel(folder: Path):
    text = (folder / "novel_text.txt").read_text(encoding="utf-8")
    gold = []
    with open(folder / "quotation_info.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            spans = ast.literal_eval(row["quoteByteSpans"])
            gold.append({"spans": spans, "speaker": row["speaker"], "type": row["quoteType"] or "nan"})
    chars = []
    with open(folder / "character_info.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            aliases = ast.literal_eval(row["Aliases"]) if row["Aliases"].strip() else []
            chars.append({"name": row["Main Name"], "aliases": set(aliases) | {row["Main Name"]}, "gender": row["Gender"]})
    # The gold speaker is written as one of the character's names, not
    # always the main one ("Lucy" for Miss Honeychurch): key it by main name.
    main = {c["name"]: c["name"] for c in chars}
    for c in chars:
        for a in c["aliases"]:
            main.setdefault(a, c["name"])
    for g in gold:
        g["speaker"] = main.get(g["speaker"], g["speaker"])
    return text, gold, chars


def oracle_mentions(text: str, chars: list[dict]):
    """Every occurrence of a PDNC alias, longest alias first, as a name mention.
    An alias shared by two characters ("Mr. Bennet" is never shared, but
    "Miss Bennet" may be) goes to the first listed; that is the oracle's noise."""
    owner: dict[str, int] = {}
    for i, c in enumerate(chars):
        for a in c["aliases"]:
            if len(a) > 1:
                owner.setdefault(a, i)
    # PDNC lists "Hercule Poirot" and "Mr. Poirot" but not "Poirot": add the
    # single words of a name when no other character's names use them.
    words: dict[str, set[int]] = defaultdict(set)
    for i, c in enumerate(chars):
        for a in c["aliases"]:
            for w in re.findall(r"[A-Z][\w'-]+", a):
                if w.lower().rstrip(".") not in HONORIFICS:
                    words[w].add(i)
    for w, who in words.items():
        if len(who) == 1 and w not in owner:
            owner[w] = next(iter(who))
    # "The Landlady" is written "the landlady" in the text
    for a, i in list(owner.items()):
        if a.lower().startswith("the "):
            owner.setdefault("the " + a[4:].lower(), i)
    names = sorted(owner, key=len, reverse=True)
    rx = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b")
    mentions = [{"start": m.start(), "end": m.end(), "character": f"c{owner[m.group()]}", "kind": "name"} for m in rx.finditer(text)]
    characters = [
        {"id": f"c{i}", "name": c["name"], "gender": _GENDER.get(c["gender"]), "aliases": {a: 1 for a in c["aliases"]}}
        for i, c in enumerate(chars)
    ]
    return mentions, characters, {f"c{i}": c["name"] for i, c in enumerate(chars)}


def pipeline_mentions(text: str, chars: list[dict]):
    from ficdex.analysis.pipeline import REGISTRY, load_stages
    from ficdex.model import Chapter, Paragraph, Source, Story

    load_stages()
    story = Story(
        id="pdnc", title=None, authors=[], source=Source(path="pdnc", format="text"), text=text,
        chapters=[Chapter(None, 0, len(text), [Paragraph(s, e) for s, e in paragraph_ranges(text)])],
    )
    from ficdex.analysis.pipeline import Analysis

    doc = Analysis(story)
    for name in ("entities", "characters"):
        doc = REGISTRY[name]()(doc)
    characters = doc.inferred["characters"]
    # predicted character -> the PDNC character whose aliases its aliases hit most
    alias_owner: dict[str, set[str]] = defaultdict(set)
    for c in chars:
        for a in c["aliases"]:
            alias_owner[a.lower()].add(c["name"])
    to_gold = {}
    for pc in characters:
        votes = Counter()
        for alias, n in (pc.get("aliases") or {pc["name"]: 1}).items():
            for g in alias_owner.get(alias.lower(), ()):
                votes[g] += n
        if votes:
            to_gold[pc["id"]] = votes.most_common(1)[0][0]
    return doc.scratch["mentions"], characters, to_gold


def score(text: str, gold: list[dict], quotes: list[dict], to_gold: dict) -> dict:
    speech = sorted((q for q in quotes if q["type"] == "speech"), key=lambda q: q["start"])
    starts = [q["start"] for q in speech]
    import bisect

    def covering(a: int, b: int):
        i = bisect.bisect_right(starts, b) - 1
        best, best_ov = None, 0
        for q in speech[max(0, i - 3) : i + 1]:
            ov = min(b, q["end"]) - max(a, q["start"])
            if ov > best_ov:
                best, best_ov = q, ov
        return best if best_ov * 2 >= (b - a) else None

    res = defaultdict(Counter)
    for g in gold:
        hits = [covering(a, b) for a, b in g["spans"]]
        found = all(hits)
        sp = hits[0]["speaker"] if hits[0] else None
        right = found and to_gold.get(sp) == g["speaker"]
        for key in ("all", g["type"]):
            res[key]["n"] += 1
            res[key]["found"] += found
            res[key]["right"] += right
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mentions", choices=("oracle", "pipeline", "both"), default="oracle")
    ap.add_argument("--novel", help="one novel folder name (for debugging only; report the whole set)")
    ap.add_argument("-v", action="store_true", help="per-novel lines")
    args = ap.parse_args(argv)
    modes = ("oracle", "pipeline") if args.mentions == "both" else (args.mentions,)
    folders = sorted(p for p in PDNC.iterdir() if p.is_dir() and (not args.novel or p.name == args.novel))
    for mode in modes:
        total = defaultdict(Counter)
        words = secs = 0.0
        for folder in folders:
            text, gold, chars = load_novel(folder)
            mentions, characters, to_gold = (oracle_mentions if mode == "oracle" else pipeline_mentions)(text, chars)
            paras = paragraph_ranges(text)
            t0 = time.perf_counter()
            quotes, _ = run_quotes(text, paras, mentions, characters)
            secs += time.perf_counter() - t0
            words += len(text.split())
            res = score(text, gold, quotes, to_gold)
            for k, c in res.items():
                total[k].update(c)
            if args.v:
                a = res["all"]
                print(f"  {folder.name:30s} n={a['n']:5d} recall={a['found']/a['n']:.3f} acc={a['right']/a['n']:.3f}")
        print(f"[{mode}] {len(folders)} novels, quotes stage {words/secs:,.0f} words/s")
        for k in ("all", "Explicit", "Anaphoric", "Implicit"):
            c = total[k]
            if c["n"]:
                print(f"  {k:10s} n={c['n']:6d}  detection recall {c['found']/c['n']:.3f}  speaker accuracy {c['right']/c['n']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
