"""Speed of the `quotes` stage (detection + attribution + conversations) on
one core, in words per second.

    python benchmarks/quotes_bench.py [--pipeline] [--litbank] [--litbank-speakers]

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
from ficdex.analysis.quotes import detect_quotes  # noqa: E402

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def stage_speed() -> None:
    words = secs = 0.0
    for folder in sorted(p for p in PDNC.iterdir() if p.is_dir()):
        text, _, chars = load_novel(folder)
        mentions, characters, _ = oracle_mentions(text, chars)
        paras = paragraph_ranges(text)
        # CPU time: the machine is shared, wall time measures the neighbours
        t0 = time.process_time()
        run_quotes(text, paras, mentions, characters)
        secs += time.process_time() - t0
        words += len(text.split())
    print(f"quotes stage: {words:,.0f} words in {secs:.2f}s = {words / secs:,.0f} words/s (one core)")


LITBANK = Path(__file__).resolve().parents[2] / "shared" / "data" / "litbank" / "quotations" / "tsv"


def litbank_detection() -> None:
    """Detection F1 on LitBank's QUOTE spans (token spans over its
    one-sentence-per-line text).  The text is re-joined with spaces, so
    there are no paragraphs: the whole excerpt is one, which is harsher on
    unclosed quotes than real text.  A match is exact after stripping the
    marks, or (loose) an overlap of half of each span."""
    tp = tpl = n_gold = n_pred = 0
    for ann in sorted(LITBANK.glob("*.ann")):
        lines = (ann.with_suffix(".txt")).read_text(encoding="utf-8").split("\n")
        offs, pos, parts = [], 0, []
        for line in lines:
            row = []
            for tok in line.split(" "):
                row.append((pos, pos + len(tok)))
                parts.append(tok)
                pos += len(tok) + 1
            offs.append(row)
        text = " ".join(parts)
        gold = []
        for row in ann.read_text(encoding="utf-8").splitlines():
            f = row.split("\t")
            if f[0] == "QUOTE":
                a, b = offs[int(f[2])][int(f[3])][0], offs[int(f[4])][int(f[5]) - 1][1]
                while a < b and text[a] in "\"'“”‘’ ":
                    a += 1
                while b > a and text[b - 1] in "\"'“”‘’ ":
                    b -= 1
                gold.append((a, b))
        pred = [(q.start, q.end) for q in detect_quotes(text, [(0, len(text))]) if q.type == "speech"]
        gs = set(gold)
        tp += sum(p in gs for p in pred)
        tpl += sum(any(min(b, d) - max(a, c) >= max(b - a, d - c) / 2 for c, d in gold) for a, b in pred)
        n_gold += len(gold)
        n_pred += len(pred)
    for name, t in (("exact", tp), ("loose", tpl)):
        p, r = t / n_pred, t / n_gold
        print(f"LitBank detection ({name}): P {p:.3f} R {r:.3f} F1 {2 * p * r / (p + r):.3f} ({n_gold} gold quotes)")


def litbank_speakers() -> None:
    """End-to-end speaker accuracy on LitBank's ATTRIB quotes.  The whole
    pipeline (entities, characters, quotes) runs on each excerpt, re-joined
    with spaces, paragraphs rebuilt at sentences that open a quote.
    A gold speaker is a coreference entity; its names are its PROP
    mentions, and a predicted character maps to it by the PDNC eval's alias
    vote (`map_characters`).  A gold quote counts as right when predicted
    quotes cover half of it and the most-overlapping one has that speaker."""
    from ficdex.analysis.pipeline import REGISTRY, Analysis, load_stages
    from ficdex.eval.pdnc import alias_key, map_characters
    from ficdex.model import RawChapter, Source, build_story

    load_stages()
    stages = [REGISTRY[n]() for n in ("entities", "characters", "quotes")]
    coref = LITBANK.parents[1] / "coref" / "tsv"
    n = found = right = 0
    for ann in sorted(LITBANK.glob("*.ann")):
        rows = [r.split("\t") for r in ann.read_text(encoding="utf-8").splitlines()]
        speaker = {r[1]: r[2] for r in rows if r[0] == "ATTRIB"}
        if not speaker:
            continue
        lines = ann.with_suffix(".txt").read_text(encoding="utf-8").split("\n")
        # Paragraphs rebuilt: a sentence opening with a quote mark, outside
        # an open quote, starts one (the tokenised text keeps no paragraphs).
        paras, line_at = [], []
        for ln in lines:
            if not paras or (ln.startswith(('"', "“", "``")) and paras[-1].count('"') % 2 == 0):
                paras.append(ln)
                line_at.append((len(paras) - 1, 0))
            else:
                line_at.append((len(paras) - 1, len(paras[-1]) + 1))
                paras[-1] += " " + ln
        story = build_story([RawChapter(None, paras)], source=Source(ann.name, "text"))
        pstart = [p.start for p in story.paragraphs()]
        offs = []
        for ln, (k, off) in zip(lines, line_at):
            row, pos = [], pstart[k] + off
            for tok in ln.split(" "):
                row.append((pos, pos + len(tok)))
                pos += len(tok) + 1
            offs.append(row)
        names: dict = {}
        crows = [r.split("\t") for r in (coref / ann.name).read_text(encoding="utf-8").splitlines()]
        ent = {r[1]: r[2] for r in crows if r[0] == "COREF"}
        for r in crows:
            if r[0] == "MENTION" and r[-1] == "PROP" and r[1] in ent:
                names.setdefault(ent[r[1]], set()).add(alias_key(r[6]))
        ids = {e: k for k, e in enumerate(sorted(names))}
        doc = Analysis(story)
        for st in stages:
            doc = st(doc)
        cmap = map_characters(doc.inferred["characters"], {ids[e]: a for e, a in names.items()})
        preds = doc.inferred["quotes"]
        for r in rows:
            if r[0] != "QUOTE" or r[1] not in speaker:
                continue
            a, b = offs[int(r[2])][int(r[3])][0], offs[int(r[4])][int(r[5]) - 1][1]
            n += 1
            ov = [(min(b, q["end"]) - max(a, q["start"]), q) for q in preds if min(b, q["end"]) > max(a, q["start"])]
            if not ov or sum(o for o, _ in ov) * 2 < (b - a) - 2:
                continue
            found += 1
            q = max(ov, key=lambda x: x[0])[1]
            right += q["speaker"] is not None and cmap.get(q["speaker"]) == ids.get(speaker[r[1]])
    print(f"LitBank speakers (whole pipeline): {n} attributed gold quotes, detected {found / n:.3f}, "
          f"speaker accuracy {right / n:.3f}")


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
    ap.add_argument("--litbank", action="store_true", help="also LitBank quotation detection F1")
    ap.add_argument("--litbank-speakers", action="store_true", help="only LitBank speaker accuracy (whole pipeline)")
    args = ap.parse_args()
    if args.litbank_speakers:
        litbank_speakers()
        sys.exit(0)
    stage_speed()
    if args.litbank:
        litbank_detection()
    if args.pipeline:
        pipeline_speed()
