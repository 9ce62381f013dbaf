"""Where PDNC's speaker errors come from, by conversation shape.

    python benchmarks/quotes_train.py --entities-cache E --cache C --keep-out K.pkl
    python benchmarks/quotes_errors.py K.pkl --entities-cache E --cache C [--type Implicit] [--show N]

The first command keeps each novel's held-out decoder inputs (the ranker's
scores under cross-validation by novel, and the final answers); this one
puts every gold quote of a type (Implicit by default) in one class, the
first that applies:

* `undetected`, `not decoded` (a thought, or a quote the ranker did not score),
* `no character` (no pipeline character maps to the gold speaker),
* `not a candidate` (the ranker never scored the gold speaker's character),
* `lone turn` (a conversation of one turn: the decoder has nothing to join),
* in a conversation whose gold speakers number one, two or three and more:
  `right`, or wrong with the other participant of a two-person exchange
  (`flip`, same or mixed gender), or wrong with someone else.

Beside the classes: consecutive turns by one gold speaker, the turn after
an explicit one, first-person books, and oracle decodes (what the decoder
would reach with the gold participants, with the gold first turn) that
bound what a better turn-taking model can gain.  `--show N` prints a
sample of each novel's wrong quotes in their conversation (`--same`: only
a speaker going on after his own turn), to read what the classes hide.
"""

from __future__ import annotations

import argparse
import csv
import pickle
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quotes_train import DECODE, ROOT, Book  # noqa: E402

from ficdex.analysis import speaker_decode, speaker_turns  # noqa: E402
from ficdex.eval.pdnc import novel_names  # noqa: E402


def gold_characters(name: str, column: str) -> dict[int, str]:
    """One column of a novel's PDNC character list ("Gender", "Main Name"), by character id."""
    with (ROOT / "data" / name / "character_info.csv").open(encoding="utf-8") as fh:
        return {int(r["Character ID"]): r[column] for r in csv.DictReader(fh)}


def first_person(b: Book) -> bool:
    """A book whose narration says "I" more than 8 times per 1,000 words."""
    text = b.story.text
    words = ii = last = 0
    for q in b.quotes:
        seg = text[last : q.start]
        words += len(seg.split())
        ii += seg.count(" I ")
        last = q.end
    return words > 0 and ii * 1000 / words > 8


def redecode(b: Book, keep, weights: dict) -> list:
    """The final speakers again, decoded with other turn-taking weights."""
    convs, scored, before, final = keep[:4]
    out = [dict(r) for r in before]
    gender = keep[4] if len(keep) > 4 else {}
    speaker_decode.decode(convs, scored, out, {"top": DECODE["top"], "turns": weights, "gender": gender})
    return [o["speaker"] if q.type == "speech" and i in scored else f
            for i, (q, o, f) in enumerate(zip(b.quotes, out, final))]


def classify(b: Book, keep, typ: str, tally: Counter, extra: Counter) -> None:
    convs, scored, before, final = keep[:4]
    gi = b.gold_index()
    gen = gold_characters(b.name, "Gender")
    fp = first_person(b)
    mapped = {g for g in b.cmap.values() if g is not None}
    gold_of = lambda i: b.gold[gi[i]][1] if i in gi else None  # noqa: E731
    seen: set[int] = set()
    where = {}
    for conv in convs:
        turns = [t for t in conv if any(i in scored for i in t.quotes)]
        golds = [gold_of(t.quotes[0]) for t in turns]
        parts = {g for g in golds if g is not None}
        for n, t in enumerate(turns):
            for i in t.quotes:
                where[i] = (turns, golds, parts, n)
    for i, q in enumerate(b.quotes):
        j = gi.get(i)
        if j is None or j in seen or b.types[j] != typ:
            continue
        seen.add(j)
        g = b.gold[j][1]
        pred = b.cmap.get(final[i]) if final[i] else None
        ok = g is not None and pred == g
        if i not in scored or i not in where:
            cls = "not decoded (thought / unscored)"
        elif g is None or g not in mapped:
            cls = "no character for the gold speaker"
        elif not any(b.cmap.get(c) == g for c in scored[i]):
            cls = "gold speaker not a candidate"
        else:
            turns, golds, parts, n = where[i]
            if len(turns) == 1:
                cls = "lone turn"
            elif len(parts) <= 1:
                cls = "one gold speaker"
            else:
                # the exchange around the turn: gold speakers of two turns either side
                near = {x for x in golds[max(0, n - 2) : n + 3] if x is not None}
                shape = "two speakers" if len(near) <= 2 else "3+ speakers"
                other = next(iter(near - {g}), None) if len(near) == 2 else None
                if ok:
                    cls = shape + " nearby"
                elif pred == other:
                    same = gen.get(g) == gen.get(other)
                    cls = f"{shape} nearby: flip, " + ("same gender" if same else "mixed gender")
                elif pred in near:
                    cls = f"{shape} nearby: another of them"
                elif pred in parts:
                    cls = f"{shape} nearby: one of the conversation's"
                else:
                    cls = f"{shape} nearby: an outsider"
            if len(turns) > 1:
                prev = golds[n - 1] if n else None
                extra["in conversation", ok] += 1
                extra["previous turn same gold speaker" if prev == g else
                      "first turn" if n == 0 else "previous turn other speaker", ok] += 1
                pr = before[turns[n - 1].quotes[0]].get("rule") if n else None
                extra[f"previous turn's sieve rule {pr}", ok] += 1
                size = next(f"{lo}+" for lo in (100, 30, 10, 5, 2) if len(turns) >= lo)
                extra[f"conversation of {size} turns", ok] += 1
                extra["speaker new in the last 10 turns" if g not in golds[max(0, n - 10) : n]
                      else "speaker spoke in the last 10 turns", ok] += 1
        base = cls.split(":")[0]
        tally[cls if not ok or ":" in cls else base, ok] += 1
        extra["first-person book" if fp else "third-person book", ok] += 1


def show_errors(b: Book, keep, typ: str, n: int, rng, same: bool = False) -> None:
    """Print n wrong quotes of a type in their conversation (four turns
    either side, narration between them): gold and predicted speaker per
    turn, the sieve's rule before decoding and the ranker's top candidates
    (* the gold one).  `same`: only quotes whose previous turn has the same
    gold speaker (a speaker going on after narration)."""
    convs, scored, before, final = keep[:4]
    gi = b.gold_index()
    text = b.story.text
    names = {c["id"]: c.get("name") for c in b.characters}
    gname = gold_characters(b.name, "Main Name")
    gold_of = lambda i: b.gold[gi[i]][1] if i in gi else None  # noqa: E731
    where = {i: (conv, k) for conv in convs for k, t in enumerate(conv) for i in t.quotes}
    errs = [i for i in sorted(where) if i in gi and b.types[gi[i]] == typ and gold_of(i) is not None
            and b.cmap.get(final[i]) != gold_of(i)]
    if same:
        errs = [i for i in errs if where[i][1] and gold_of(where[i][0][where[i][1] - 1].quotes[0]) == gold_of(i)]
    print(f"##### {b.name}: {len(errs)} wrong {typ} quotes")
    for i in sorted(rng.sample(errs, min(n, len(errs)))):
        conv, k = where[i]
        g = gold_of(i)
        top = sorted(scored.get(i, {}).items(), key=lambda x: -x[1])[:5]
        print(f"=== quote {i}: gold {gname.get(g)}, predicted {names.get(final[i])}, before decoding {before[i].get('rule')}")
        print("    candidates: " + ", ".join(f"{names.get(c)}{'*' if b.cmap.get(c) == g else ''} {v:.2f}" for c, v in top))
        for m in range(max(0, k - 4), min(len(conv), k + 4)):
            t = conv[m]
            for p in range(conv[m - 1].last + 1 if m else t.first, t.first):
                print(f"         [narration] {text[b.paras[p][0] : b.paras[p][1]][:160]!r}")
            q0 = t.quotes[0]
            print(f"    {'>>' if m == k else '  '} gold {gname.get(gold_of(q0), '-')} | predicted {names.get(final[q0])}"
                  f" ({before[q0].get('rule')}) | {text[b.paras[t.first][0] : b.paras[t.last][1]][:200]!r}")


def oracle(b: Book, keep, mode: str) -> tuple[int, int]:
    """Decoded turn accuracy (per scored speech quote) with gold help."""
    convs, scored, before, final = keep[:4]
    gi = b.gold_index()
    gold_of = lambda i: b.gold[gi[i]][1] if i in gi else None  # noqa: E731
    sc = dict(scored)
    out = [dict(r) for r in before]
    for conv in convs:
        turns = [t for t in conv if any(i in scored for i in t.quotes)]
        parts = {gold_of(t.quotes[0]) for t in turns} - {None}
        for n, t in enumerate(turns):
            for i in t.quotes:
                if i not in sc:
                    continue
                if mode == "participants":
                    keep_c = {c: v for c, v in sc[i].items() if b.cmap.get(c) in parts}
                    sc[i] = keep_c or sc[i]
                elif mode == "first turn" and n == 0:
                    g = gold_of(i)
                    hit = {c: v for c, v in sc[i].items() if g is not None and b.cmap.get(c) == g}
                    if hit:
                        sc[i] = hit
                        c = next(iter(hit))
                        out[i].update(speaker=c, _fixed=True)
    speaker_decode.decode(convs, sc, out, {**DECODE, "gender": keep[4] if len(keep) > 4 else {}})
    ok = n = 0
    for i in scored:
        g = gold_of(i)
        if g is None:
            continue
        n += 1
        ok += b.cmap.get(out[i]["speaker"]) == g
    return ok, n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("keep", type=Path, help="quotes_train.py --keep-out's pickle")
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--entities-cache", type=Path)
    ap.add_argument("--type", default="Implicit", choices=("Explicit", "Anaphoric", "Implicit"))
    ap.add_argument("--novels", nargs="*")
    ap.add_argument("--oracles", action="store_true", help="also decode with gold participants / first turns")
    ap.add_argument("--turns", action="store_true",
                    help="decode with the shipped learned turn-taking (speaker_turns.json; trained on all novels) "
                         "instead of the answers kept (the constants of quotes_train.DECODE)")
    ap.add_argument("--show", type=int, default=0, metavar="N",
                    help="also print N wrong quotes per novel in their conversation (a random sample)")
    ap.add_argument("--same", action="store_true", help="with --show: only a speaker going on after the previous turn")
    ap.add_argument("--seed", type=int, default=0, help="with --show: the sample's seed")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    keeps = pickle.loads(args.keep.read_bytes())
    tally, extra, orc = Counter(), Counter(), Counter()
    for name in novel_names(ROOT):
        if name not in keeps or (args.novels and name not in args.novels):
            continue
        b = Book(name, args.cache, args.entities_cache)
        keep = keeps[name]
        if args.turns:
            keep = keep[:3] + [redecode(b, keep, speaker_turns.load_turns())] + keep[4:]
        classify(b, keep, args.type, tally, extra)
        if args.show:
            show_errors(b, keep, args.type, args.show, rng, args.same)
        if args.oracles:
            for mode in ("none", "participants", "first turn"):
                ok, n = oracle(b, keeps[name], mode)
                orc[mode, True] += ok
                orc[mode, False] += n
    total = sum(tally.values())
    wrong = sum(v for (c, ok), v in tally.items() if not ok)
    print(f"{args.type}: {total} gold quotes, {total - wrong} right ({(total - wrong) / total:.3f}), {wrong} wrong")
    print(f"{'class':45s} {'right':>6s} {'wrong':>6s} {'% of errors':>11s}")
    for c in sorted({c for c, _ in tally}, key=lambda c: -tally[c, False] - tally[c, True]):
        print(f"{c:45s} {tally[c, True]:6d} {tally[c, False]:6d} {100 * tally[c, False] / wrong:10.1f}%")
    print("\ncross-cuts (quotes in conversations of 2+ turns unless said)")
    for c in sorted({c for c, _ in extra}):
        r, w = extra[c, True], extra[c, False]
        print(f"{c:45s} {r:6d} {w:6d}  accuracy {r / max(1, r + w):.3f}")
    if args.oracles:
        print("\noracle decodes (all scored speech quotes with a gold speaker)")
        for mode in ("none", "participants", "first turn"):
            print(f"{mode:45s} {orc[mode, True] / max(1, orc[mode, False]):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
