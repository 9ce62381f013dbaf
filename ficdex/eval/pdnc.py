"""`ficdex eval pdnc`: quotes and their speakers against PDNC, beside BookNLP.

Every gold quote counts.  A gold quote is *detected* when predicted quotes
cover at least half of its non-whitespace characters (all of its sub-spans
together: PDNC splits a quote interrupted by "said she" into sub-spans and
still counts it as one quote).  It is *attributed* when, in addition, the
predicted quote overlapping it most has a speaker that maps to the gold
speaker.  Detected-and-attributed over all gold quotes is the end-to-end
speaker accuracy, the figure Vishnubhotla et al. (2023) report for BookNLP.
They scored BookNLP per sub-quotation; that "finer split" is reported too
(`*_subquote`), and reproduces their 41%.
"""

from __future__ import annotations

import ast
import csv
import sys
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import Source
from .align import NonSpace, OffsetMap
from .ao3 import story_from_text
from .report import EvalRunner, ratio

DETECTED_SHARE = 0.5

csv.field_size_limit(sys.maxsize)  # quotation_info.csv holds chapter-long quotes


@dataclass
class GoldQuote:
    id: str
    spans: list[tuple[int, int]]
    speaker: int | None  # PDNC character id; None when the name is in no alias list


@dataclass
class Novel:
    name: str
    text: str
    quotes: list[GoldQuote]
    aliases: dict[int, set[str]]  # character id -> normalised aliases
    unresolved: int  # gold speakers whose name names no character


def alias_key(name: str) -> str:
    """PDNC aliases compare lowercased with spacing and full stops ignored:
    "Mr. Bennet" = "mr bennet", nothing looser (no title stripping, so
    "Mr. Bennet" and "Mrs. Bennet" stay two people)."""
    return " ".join(name.lower().replace(".", " ").replace("\u2019", "'").split())


def _literal(value: str, path: Path):
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError) as e:
        raise InputError(f"unreadable list {value[:40]!r}", str(path)) from e


def novel_names(root: Path) -> list[str]:
    data = root / "data"
    if not data.is_dir():
        raise InputError("not a PDNC folder (no data/ inside)", str(root))
    return sorted(p.name for p in data.iterdir() if (p / "quotation_info.csv").is_file())


def load_novel(root: Path, name: str) -> Novel:
    folder = root / "data" / name
    text = (folder / "novel_text.txt").read_text(encoding="utf-8")
    aliases: dict[int, set[str]] = {}
    by_name: dict[str, set[int]] = {}
    mains: dict[str, int] = {}
    with (folder / "character_info.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cid = int(row["Character ID"])
            als = {alias_key(a) for a in _literal(row["Aliases"], folder / "character_info.csv")}
            als.add(alias_key(row["Main Name"]))
            aliases[cid] = als
            mains[alias_key(row["Main Name"])] = cid
            for a in als:
                by_name.setdefault(a, set()).add(cid)

    def speaker_id(name: str) -> int | None:
        # The speaker column holds a name: the main name first, else an
        # alias that belongs to one character only.
        key = alias_key(name)
        if key in mains:
            return mains[key]
        ids = by_name.get(key, set())
        return next(iter(ids)) if len(ids) == 1 else None

    quotes = []
    with (folder / "quotation_info.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            spans = [tuple(s) for s in _literal(row["quoteByteSpans"], folder / "quotation_info.csv")]
            quotes.append(GoldQuote(row["quoteID"], spans, speaker_id(row["speaker"])))
    unresolved = sum(q.speaker is None for q in quotes)
    return Novel(name, text, quotes, aliases, unresolved)


def units(quotes: list[GoldQuote], subquotes: bool = False) -> list[tuple[list[tuple[int, int]], int | None]]:
    """Scoring units: whole quotes, or each sub-span on its own."""
    if subquotes:
        return [([s], q.speaker) for q in quotes for s in q.spans]
    return [(q.spans, q.speaker) for q in quotes]


def score_units(index: NonSpace, gold: list, pred: list[tuple[int, int, int | None]]) -> dict:
    """gold: (spans, speaker id); pred: (start, end, mapped speaker id), all
    offsets into `index.text`.  Returns counts of gold units, detected and
    attributed."""
    pred = sorted(pred)
    starts = [p[0] for p in pred]
    longest = max((e - s for s, e, _ in pred), default=0)
    detected = correct = 0
    for spans, speaker in gold:
        size = sum(index.count(s, e) for s, e in spans)
        if not size:
            continue
        overlap: Counter = Counter()
        pieces = []
        for s, e in spans:
            # Only predictions starting within `longest` before the span can reach it.
            for j in range(bisect_left(starts, s - longest), bisect_left(starts, e)):
                ps, pe, _ = pred[j]
                a, b = max(s, ps), min(e, pe)
                if a < b:
                    overlap[j] += index.count(a, b)
                    pieces.append((a, b))
        if _union_count(index, pieces) >= DETECTED_SHARE * size:
            detected += 1
            best = overlap.most_common(1)[0][0]
            correct += speaker is not None and pred[best][2] == speaker
    return {"quotes": len(gold), "detected": detected, "correct": correct}


def _union_count(index: NonSpace, pieces: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for a, b in sorted(pieces):
        a = max(a, end)
        if b > a:
            total += index.count(a, b)
            end = b
    return total


def map_characters(characters: list[dict], aliases: dict[int, set[str]]) -> dict[str, int | None]:
    """Predicted character id -> PDNC character id.  Each predicted name form
    (canonical name and every alias, weighted by how often the alias was
    used; the canonical name at least once) votes for the PDNC characters
    that list it among their aliases; the character with the most votes
    wins, and a tie maps to nobody rather than to a guess."""
    owners: dict[str, list[int]] = {}
    for cid, als in aliases.items():
        for a in als:
            owners.setdefault(a, []).append(cid)
    out = {}
    for ch in characters:
        weights = Counter({alias_key(a): n for a, n in (ch.get("aliases") or {}).items()})
        name = alias_key(ch.get("name") or "")
        weights[name] = max(weights[name], 1)
        votes: Counter = Counter()
        for form, n in weights.items():
            for cid in owners.get(form, ()):
                votes[cid] += n
        top = votes.most_common(2)
        out[ch["id"]] = top[0][0] if top and (len(top) == 1 or top[0][1] > top[1][1]) else None
    return out


def ficdex_predictions(doc, novel: Novel) -> list[tuple[int, int, int | None]]:
    chars = map_characters(doc.inferred.get("characters") or [], novel.aliases)
    name_to_id = {a: cid for cid, als in novel.aliases.items() for a in als}
    out = []
    for q in doc.inferred.get("quotes") or []:
        pid = chars.get(q.get("speaker")) if q.get("speaker") else None
        if pid is None and not q.get("speaker") and q.get("speaker_name"):
            pid = name_to_id.get(alias_key(q["speaker_name"]))
        out.append((q["start"], q["end"], pid))
    return out


def booknlp_predictions(folder: Path, name: str, index: NonSpace) -> list[tuple[int, int, int | None]] | None:
    """BookNLP's quotes as char spans with PDNC speaker ids.  `.quotes` is
    tab-separated with unescaped '"' in the text column (a CSV reader would
    swallow tabs inside quotes), and its offsets count BookNLP's tokens, so
    each quote is found in the novel by its text, in order.  A cluster maps
    to the `pdncID` the published `coref_matches.csv` gives it (-1 = none)."""
    qfile, cfile = folder / name / f"{name}.quotes", folder / name / "coref_matches.csv"
    if not qfile.is_file() or not cfile.is_file():
        return None
    with cfile.open(encoding="utf-8") as f:
        cluster = {int(r["COREF"]): int(r["pdncID"]) for r in csv.DictReader(f)}
    lines = qfile.read_text(encoding="utf-8").split("\n")
    head = lines[0].split("\t")
    col_char, col_quote = head.index("char_id"), head.index("quote")
    out, k = [], 0
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        cells = line.split("\t")
        found = index.find(cells[col_quote], k)
        if found is None:
            raise InputError(f"line {n}: quote not found in the novel text", str(qfile))
        start, end, k = found
        pid = cluster.get(int(cells[col_char]), -1)
        out.append((start, end, pid if pid >= 0 else None))
    return out


def summarise(counts: dict) -> dict:
    return {
        "quotes": counts["quotes"],
        "detection_recall": ratio(counts["detected"], counts["quotes"]),
        "speaker_accuracy": ratio(counts["correct"], counts["quotes"]),
    }


def _add(total: Counter, counts: dict | None) -> None:
    if counts:
        total.update(counts)


def evaluate_pdnc(
    root: str | Path,
    *,
    booknlp: str | Path | None = None,
    limit: int | None = None,
    runner: EvalRunner | None = None,
    on_novel=None,
) -> dict:
    """Score ficdex (and BookNLP's published output, if given) on every gold
    quote of the first `limit` novels.  `on_novel(name)` is called as each
    novel starts (for a progress bar)."""
    root = Path(root)
    booknlp = Path(booknlp) if booknlp else None
    if booknlp and not booknlp.is_dir():
        raise InputError("no such BookNLP folder", str(booknlp))
    runner = runner or EvalRunner()
    totals = {k: Counter() for k in ("ficdex", "ficdex_sub", "booknlp", "booknlp_sub", "ficdex_on_booknlp", "ficdex_sub_on_booknlp")}
    rows = []
    for name in novel_names(root)[:limit]:
        if on_novel:
            on_novel(name)
        novel = load_novel(root, name)
        path = str(root / "data" / name / "novel_text.txt")
        story = story_from_text(novel.text, Source(path=path, format="text"))
        doc = runner.analyze(story, name)
        amap = OffsetMap(novel.text, story.text, path)
        row = {"novel": name, "words": story.words, "quotes": len(novel.quotes), "unresolved_speakers": novel.unresolved}
        ours = ours_sub = None
        if "quotes" in runner.built_keys():
            gold = [([amap.span(s, e) for s, e in spans], spk) for spans, spk in units(novel.quotes)]
            gold_sub = [([amap.span(s, e) for s, e in spans], spk) for spans, spk in units(novel.quotes, True)]
            preds = ficdex_predictions(doc, novel)
            ours, ours_sub = score_units(amap.tgt, gold, preds), score_units(amap.tgt, gold_sub, preds)
        row["ficdex"] = summarise(ours) if ours else None
        _add(totals["ficdex"], ours)
        _add(totals["ficdex_sub"], ours_sub)
        theirs = booknlp_predictions(booknlp, name, amap.src) if booknlp else None
        if theirs is not None:
            bl = score_units(amap.src, units(novel.quotes), theirs)
            bl_sub = score_units(amap.src, units(novel.quotes, True), theirs)
            row["booknlp"] = summarise(bl) | {"subquote_speaker_accuracy": ratio(bl_sub["correct"], bl_sub["quotes"])}
            _add(totals["booknlp"], bl)
            _add(totals["booknlp_sub"], bl_sub)
            _add(totals["ficdex_on_booknlp"], ours)
            _add(totals["ficdex_sub_on_booknlp"], ours_sub)
        else:
            row["booknlp"] = None
        rows.append(row)
    built = "quotes" in runner.built_keys()

    def fig(key, which):
        t = totals[key]
        return summarise(t)[which] if t and (built or key.startswith("booknlp")) else None

    return {
        "novels": len(rows),
        "quotes": sum(r["quotes"] for r in rows),
        "detection_recall": fig("ficdex", "detection_recall"),
        "speaker_accuracy": fig("ficdex", "speaker_accuracy"),
        "speaker_accuracy_subquote": fig("ficdex_sub", "speaker_accuracy"),
        "speaker_accuracy_subquote_on_booknlp_novels": fig("ficdex_sub_on_booknlp", "speaker_accuracy"),
        "speaker_accuracy_on_booknlp_novels": fig("ficdex_on_booknlp", "speaker_accuracy"),
        "booknlp_novels": sum(r["booknlp"] is not None for r in rows),
        "booknlp_quotes": totals["booknlp"]["quotes"] or None,
        "booknlp_detection_recall": fig("booknlp", "detection_recall"),
        "booknlp_speaker_accuracy": fig("booknlp", "speaker_accuracy"),
        "booknlp_speaker_accuracy_subquote": fig("booknlp_sub", "speaker_accuracy"),
        "words_per_second": runner.words_per_second,
        "per_novel": rows,
        "notes": runner.notes(),
    }


def print_pdnc(result: dict, console) -> None:
    from rich.table import Table

    from .report import fmt, print_notes

    def cell(part, key):
        return "—" if part is None else fmt(part[key])

    table = Table(title=f"ficdex eval pdnc — {result['quotes']:,} gold quotes, {result['novels']} novels", title_justify="left")
    for col in ("novel", "quotes", "ficdex detected", "ficdex speaker", "BookNLP detected", "BookNLP speaker"):
        table.add_column(col, justify="left" if col == "novel" else "right")
    for r in result["per_novel"]:
        ours = r["ficdex"] if r["ficdex"] is not None else dict.fromkeys(("detection_recall", "speaker_accuracy"))
        table.add_row(
            r["novel"], f"{r['quotes']:,}", cell(ours, "detection_recall"), cell(ours, "speaker_accuracy"),
            cell(r["booknlp"], "detection_recall"), cell(r["booknlp"], "speaker_accuracy"),
        )
    table.add_section()
    table.add_row("all", f"{result['quotes']:,}", fmt(result["detection_recall"]), fmt(result["speaker_accuracy"]), "", "")
    if result["booknlp_quotes"]:
        table.add_row(
            f"novels with BookNLP ({result['booknlp_novels']})", f"{result['booknlp_quotes']:,}", "",
            fmt(result["speaker_accuracy_on_booknlp_novels"]),
            fmt(result["booknlp_detection_recall"]), fmt(result["booknlp_speaker_accuracy"]),
        )
        table.add_row(
            "  same, per sub-quotation (published split)", "", "",
            fmt(result["speaker_accuracy_subquote_on_booknlp_novels"]), "",
            fmt(result["booknlp_speaker_accuracy_subquote"]),
        )
    console.print(table)
    console.print(f"words per second (ficdex analysis): {fmt(result['words_per_second'], 'rate')}", highlight=False)
    print_notes(console, result["notes"])
