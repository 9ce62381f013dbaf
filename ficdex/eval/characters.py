"""Scoring the characters and fandoms stages against PDNC and the AO3 dev set.

PDNC rule (a character "found as one, with the right aliases joined"), for
every PDNC character with at least `min_quotes` quotes:

1. Every occurrence in the novel of any PDNC alias (exact case, longest
   alias first, so "Mrs. Bennet" is not also an occurrence of "Bennet") is
   an occurrence of the character owning that alias; an alias owned by two
   PDNC characters is ambiguous and skipped.
2. An occurrence is *matched* to the ficdex character whose name mention
   overlaps it.  Occurrences the tagger missed are the tagger's business
   (scored by LitBank F1) and are left out, but a character none of whose
   occurrences is matched counts as not found.
3. Found iff the ficdex character C holding most of its matched
   occurrences also holds the plurality of every alias of it that is
   matched at least twice (all its names joined), and at least 80% of the
   PDNC occurrences matched to C are this character's (not merged with
   someone else, e.g. Mr. and Mrs. Bennet as one).

PDNC's pseudo-speakers ("_group", "_unknowable"; "Unknowable" in one
novel) are no characters and are not counted.

AO3: recall of the authors' person tags among ficdex's top `top` characters
(names compared with `ficdex.eval.names`, which strips "(Fandom)" and splits
"A | B"); fandom accuracy on works with at least one fandom the knowledge
base covers: ficdex's first fandom is in the same KB fandom family as one
of the author's fandom tags.
"""

from __future__ import annotations

import ast
import bisect
import csv
import json
import re
import time
from collections import Counter
from pathlib import Path

from .. import knowledge
from ..analysis.characters import CharacterStage
from ..analysis.fandoms import FandomStage
from ..analysis.pipeline import Analysis
from ..model import RawChapter, Source, build_story
from . import names as evnames

PURITY = 0.8
_PSEUDO = {"unknowable", "unknown"}
_DESCRIPTION = re.compile(r"^(?:the|a|an|my|his|her|young|old)\s", re.IGNORECASE)


def _default_entities():
    from ..analysis.entities import find_entities

    return find_entities


def analyse_text(text: str, entities, stage=None, fandoms=None) -> Analysis:
    story = build_story([RawChapter(None, re.split(r"\n\s*\n", text))], source=Source("eval", "text"))
    doc = Analysis(story)
    doc.inferred["entities"] = entities(story.text)
    t0 = time.perf_counter()
    doc = (fandoms or FandomStage())((stage or CharacterStage())(doc))
    doc.timings["characters+fandoms"] = time.perf_counter() - t0
    return doc


# --- PDNC ----------------------------------------------------------------
def _aliases(cell: str) -> set[str]:
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        value = [cell]
    return {a.strip() for a in value if a and a.strip()}


def pdnc_characters(novel_dir: Path) -> tuple[dict[str, set[str]], Counter]:
    """PDNC's characters (main name -> aliases) and quotes per speaker."""
    with open(novel_dir / "quotation_info.csv", newline="", encoding="utf-8") as f:
        quotes = Counter(row["speaker"] for row in csv.DictReader(f))
    chars = {}
    with open(novel_dir / "character_info.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            chars[row["Main Name"]] = _aliases(row["Aliases"]) | {row["Main Name"]}
    return chars, quotes


def pdnc_novel(novel_dir: Path, entities, min_quotes: int = 5) -> dict:
    text = (novel_dir / "novel_text.txt").read_text(encoding="utf-8")
    doc = analyse_text(text, entities)
    chars, quotes = pdnc_characters(novel_dir)
    return score_characters(doc, chars, quotes, min_quotes) | {
        "words": doc.story.words, "seconds": doc.timings["characters+fandoms"],
        "slot_joins": doc.scratch.get("slot_joins", [])}


def score_characters(doc: Analysis, chars: dict[str, set[str]], quotes: Counter, min_quotes: int = 5) -> dict:
    """The PDNC rule of the module docstring on an analysed novel.  Each
    missed character is put in one bucket, the first that applies: `unfound`
    (no occurrence matched), `split` (an alias's plurality in another
    character), `merged` (its character is mostly someone else's names)."""
    owner: dict[str, set[str]] = {}
    for main, aliases in chars.items():
        for a in aliases:
            owner.setdefault(a, set()).add(main)
    story_text = doc.story.text
    names = [m for m in doc.scratch["mentions"] if m["kind"] == "name"]
    starts = [m["start"] for m in names]

    def holder(s: int, e: int):
        i = bisect.bisect_right(starts, e - 1) - 1
        while i >= 0 and names[i]["end"] > s:
            if names[i]["start"] < e:
                return names[i]["character"]
            i -= 1
        return None

    unique = sorted((a for a, o in owner.items() if len(o) == 1), key=len, reverse=True)
    rx = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(a) for a in unique) + r")(?![\w])")
    per_alias: dict[str, dict[str, Counter]] = {}  # main -> alias -> ficdex ids
    by_cluster: dict[str, Counter] = {}  # ficdex id -> main names
    for m in rx.finditer(story_text):
        main = next(iter(owner[m.group()]))
        cid = holder(*m.span())
        if cid is None:
            continue
        per_alias.setdefault(main, {}).setdefault(m.group(), Counter())[cid] += 1
        by_cluster.setdefault(cid, Counter())[main] += 1
    # Pseudo-speakers ("_group", "_unknowable", which one novel spells
    # "Unknowable") and characters known only by a description ("The
    # Surgeon", "A Student") have no proper name to cluster.
    frequent = [c for c in chars if quotes.get(c, 0) >= min_quotes and not c.startswith("_")
                and c.lower() not in _PSEUDO and any(not _DESCRIPTION.match(a) for a in chars[c])]
    found, missed, why = [], [], {}
    for main in frequent:
        aliases = per_alias.get(main, {})
        total = sum((c for c in aliases.values()), Counter())
        if not total:
            why[main] = "unfound"
        else:
            best = total.most_common(1)[0][0]
            pool = by_cluster[best]
            if not all(c.most_common(1)[0][0] == best for c in aliases.values() if sum(c.values()) >= 2):
                why[main] = "split"
            elif pool[main] < PURITY * sum(pool.values()):
                why[main] = "merged"
        (missed if main in why else found).append(main)
    # Over-joins: two PDNC characters (any, with at least two matched
    # occurrences) whose names mostly went to one ficdex character.
    best_of = {m: t.most_common(1)[0][0] for m, t in ((m, sum(a.values(), Counter())) for m, a in per_alias.items())
               if sum(t.values()) >= 2}
    holders: dict[str, list[str]] = {}
    for m, cid in best_of.items():
        holders.setdefault(cid, []).append(m)
    overjoined = sorted(tuple(sorted(ms)) for ms in holders.values() if len(ms) > 1)
    detail = {m: {a: dict(c) for a, c in per_alias.get(m, {}).items()} for m in missed}
    for m in missed:
        if why[m] == "merged":  # whose names the character was merged with
            best = sum(per_alias[m].values(), Counter()).most_common(1)[0][0]
            detail[m]["(with)"] = dict(by_cluster[best].most_common(4))
    return {"characters": len(frequent), "found": len(found), "missed": missed, "why": why, "detail": detail,
            "overjoined": overjoined}


def evaluate_characters_pdnc(pdnc_dir: str | Path, entities=None, min_quotes: int = 5, on_novel=None) -> dict:
    entities = entities or _default_entities()
    root = Path(pdnc_dir)
    root = root / "data" if (root / "data").is_dir() else root
    novels = {}
    for d in sorted(p for p in root.iterdir() if (p / "character_info.csv").exists()):
        novels[d.name] = pdnc_novel(d, entities, min_quotes)
        if on_novel:
            on_novel(d.name, novels[d.name])
    n = sum(v["characters"] for v in novels.values())
    k = sum(v["found"] for v in novels.values())
    over = sum(len(v["overjoined"]) for v in novels.values())
    return {"novels": len(novels), "characters": n, "found": k, "share": k / n if n else None,
            "overjoined_groups": over, "per_novel": novels}


# --- AO3 dev -------------------------------------------------------------
def character_forms(ch: dict) -> set[str]:
    forms = set()
    for n in [ch["name"], ch.get("tag") or "", *ch["aliases"]]:
        if n and n != "I":
            forms |= evnames.name_forms(n)
    return forms


def fandom_correct(kb, gold: list[str], pred: list[str]) -> bool:
    if not pred:
        return False
    fam = kb.families(pred[0])
    return any(fam & kb.families(g) for g in gold)


def evaluate_ao3(gold_path: str | Path, entities=None, top: int = 10, limit: int | None = None, on_work=None) -> dict:
    entities = entities or _default_entities()
    kb = knowledge.load()
    stage, fstage = CharacterStage(kb), FandomStage(kb)
    tags_total = tags_hit = covered = correct = uncovered = guessed = 0
    words = seconds = 0.0
    with open(gold_path, encoding="utf-8") as f:
        works = [json.loads(line) for line in f if line.strip()]
    for w in works[:limit]:
        doc = analyse_text(w.get("text", ""), entities, stage, fstage)
        seconds += doc.timings["characters+fandoms"]
        words += doc.story.words
        top_forms = [character_forms(c) for c in doc.inferred["characters"][:top]]
        gold_chars = [t for t in w.get("characters", []) if evnames.is_person_tag(t)]
        hits = [t for t in gold_chars if any(evnames.names_match(evnames.name_forms(t), fs) for fs in top_forms)]
        tags_total += len(gold_chars)
        tags_hit += len(hits)
        pred = [x["tag"] for x in doc.inferred["fandoms"]]
        gold_f = w.get("fandoms", [])
        is_cov = any(kb.covers(g) for g in gold_f)
        ok = fandom_correct(kb, gold_f, pred)
        if is_cov:
            covered += 1
            correct += ok
        else:
            uncovered += 1
            guessed += bool(pred)
        if on_work:
            on_work(w, doc, {"missed_characters": sorted(set(gold_chars) - set(hits)), "fandom_ok": ok,
                             "covered": is_cov, "pred_fandoms": pred})
    return {
        "works": min(len(works), limit or len(works)),
        "character_tags": tags_total,
        "character_recall": tags_hit / tags_total if tags_total else None,
        "covered_works": covered,
        "fandom_accuracy_covered": correct / covered if covered else None,
        "uncovered_works": uncovered,
        "uncovered_with_a_fandom": guessed,
        "words_per_second_characters_and_fandoms": words / seconds if seconds else None,
    }
