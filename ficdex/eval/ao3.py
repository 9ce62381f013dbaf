"""`ficdex eval ao3`: ficdex's tags against the tags AO3 authors chose.

Each work is analysed from its story text alone (gold.jsonl's `text`), never
its preface, so ficdex cannot read the answer.  Every figure is printed
beside a majority-class baseline computed from the same gold, because "80%
rating accuracy" means little on a set that is half General Audiences.
The scoring rules are in docs/eval.md; the scorers below are plain
functions of gold and prediction lists so the tests can check them on toy
data.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..errors import InputError
from ..model import RawChapter, Source, Story, build_story
from . import names
from .report import EvalRunner, ratio

RATINGS = ("General Audiences", "Teen And Up Audiences", "Mature", "Explicit")
WARNINGS = (
    names.NO_WARNINGS,
    "Graphic Depictions Of Violence",
    "Major Character Death",
    "Rape/Non-Con",
    "Underage",
)
TOP_K_RELATIONSHIPS = 3


def load_gold(path: str | Path, limit: int | None = None) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise InputError("no such gold file", str(path))
    works = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                works.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise InputError(f"line {n} is not JSON: {e.msg}", str(path)) from e
            if limit is not None and len(works) >= limit:
                break
    return works


def story_from_text(text: str, source: Source) -> Story:
    """Paragraphs are blank-line separated, as in gold.jsonl and PDNC."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return build_story([RawChapter(title=None, paragraphs=paragraphs)], source=source)


def _tags(value) -> list[str] | None:
    """Tags from an inferred list of {"tag": …} (or plain strings)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [i["tag"] if isinstance(i, dict) else str(i) for i in items if i]


def character_forms(ch: dict) -> set[str]:
    """Every name form of a predicted character: canonical name, aliases,
    and the AO3 tag it was linked to."""
    forms = names.name_forms(ch.get("name") or "")
    for alias in ch.get("aliases") or {}:
        forms |= names.name_forms(alias)
    if ch.get("tag"):
        forms |= names.name_forms(ch["tag"])
    return forms


def predictions(doc, built: set[str]) -> dict:
    """One work's predictions; a key not built is None, a built key with no
    answer is an empty list (or None rating), which scores as wrong."""
    inf = doc.inferred
    rating = inf.get("rating")
    return {
        "rating": (rating or {}).get("tag") if "rating" in built else None,
        "warnings": _tags(inf.get("warnings")) if "warnings" in built else None,
        "category": _tags(inf.get("category")) if "category" in built else None,
        "fandoms": _tags(inf.get("fandoms")) if "fandoms" in built else None,
        "relationships": _tags(inf.get("relationships")) if "relationships" in built else None,
        "characters": [character_forms(c) for c in inf.get("characters") or []] if "characters" in built else None,
    }


def score_rating(gold: list[str | None], pred: list[str | None] | None) -> dict:
    """Over works with a real gold rating ("Not Rated" and absent are out)."""
    pairs = [(g, p) for g, p in zip(gold, pred or [None] * len(gold)) if g in RATINGS]
    out = {"n": len(pairs), "n_explicit": sum(g == "Explicit" for g, _ in pairs)}
    if pred is None:
        return out | dict.fromkeys(("accuracy", "explicit_recall", "explicit_precision", "mature_or_explicit_as_general", "confusion"))
    confusion = {g: Counter() for g in RATINGS}
    for g, p in pairs:
        confusion[g][p if p in RATINGS else "(none)"] += 1
    adult = [p for g, p in pairs if g in ("Mature", "Explicit")]
    return out | {
        "accuracy": ratio(sum(g == p for g, p in pairs), len(pairs)),
        "explicit_recall": ratio(sum(p == "Explicit" for g, p in pairs if g == "Explicit"), out["n_explicit"]),
        "explicit_precision": ratio(sum(g == "Explicit" for g, p in pairs if p == "Explicit"), sum(p == "Explicit" for _, p in pairs)),
        "mature_or_explicit_as_general": ratio(sum(p == "General Audiences" for p in adult), len(adult)),
        "confusion": {g: dict(c) for g, c in confusion.items()},
    }


def warnings_scored(gold: list[str]) -> bool:
    """A work whose author opted out of warnings (or gave none) says nothing
    about which warnings apply, so it is left out of warning scores."""
    keys = {names.warning_key(w) for w in gold}
    return bool(keys) and names.OPT_OUT_WARNING not in keys


def score_warnings(gold: list[list[str]], pred: list[list[str]] | None) -> dict:
    """Per warning, precision and recall over the works with usable gold."""
    idx = [i for i, g in enumerate(gold) if warnings_scored(g)]
    out = {}
    for w in WARNINGS:
        g_has = [w in {names.warning_key(x) for x in gold[i]} for i in idx]
        if pred is None:
            out[w] = {"precision": None, "recall": None, "gold": sum(g_has), "n": len(idx)}
            continue
        p_has = [w in {names.warning_key(x) for x in pred[i]} for i in idx]
        tp = sum(a and b for a, b in zip(g_has, p_has))
        out[w] = {"precision": ratio(tp, sum(p_has)), "recall": ratio(tp, sum(g_has)), "gold": sum(g_has), "n": len(idx)}
    return out


def score_category(gold: list[list[str]], pred: list[list[str]] | None) -> dict:
    """Exact: the sets are equal.  Primary: ficdex's first (top-ranked)
    category is one of the author's.  Over works with a gold category."""
    idx = [i for i, g in enumerate(gold) if g]
    if pred is None:
        return {"exact": None, "primary": None, "n": len(idx)}
    exact = sum(set(pred[i]) == set(gold[i]) for i in idx)
    primary = sum(bool(pred[i]) and pred[i][0] in gold[i] for i in idx)
    return {"exact": ratio(exact, len(idx)), "primary": ratio(primary, len(idx)), "n": len(idx)}


def fandom_hit(gold: list[str], pred: list[str], families=None) -> bool:
    """ficdex's top fandom names one of the author's fandoms (strict, by
    words), or, given `families` (tag -> set of KB fandom keys), lies in the
    same knowledge-base fandom family as one of them ("Seven Kingdoms
    Trilogy - Kristin Cashore" ~ "Bitterblue - Kristin Cashore")."""
    if not pred:
        return False
    if any(names.fandoms_match(pred[0], g) for g in gold):
        return True
    if families is None:
        return False
    fam = families(pred[0])
    return bool(fam) and any(fam & families(g) for g in gold)


def score_fandoms(gold: list[list[str]], pred: list[list[str]] | None, covers=None, families=None) -> dict:
    idx = [i for i, g in enumerate(gold) if g]
    cov = [i for i in idx if any(covers(f) for f in gold[i])] if covers else None
    out = {"n": len(idx), "n_covered": None if cov is None else len(cov)}
    if pred is None:
        return out | {"accuracy": None, "covered_accuracy": None}
    acc = ratio(sum(fandom_hit(gold[i], pred[i], families) for i in idx), len(idx))
    covered = None if cov is None else ratio(sum(fandom_hit(gold[i], pred[i], families) for i in cov), len(cov))
    return out | {"accuracy": acc, "covered_accuracy": covered}


def score_relationships(gold: list[list[str]], pred: list[list[str]] | None, k: int = TOP_K_RELATIONSHIPS) -> dict:
    """Share of works with an author relationship whose first one is among
    ficdex's top k (pairings_match: aliases, order, "/" vs "&")."""
    idx = [i for i, g in enumerate(gold) if g]
    if pred is None:
        return {"top3_recall": None, "n": len(idx)}
    hits = sum(any(names.pairings_match(gold[i][0], p) for p in pred[i][:k]) for i in idx)
    return {"top3_recall": ratio(hits, len(idx)), "n": len(idx)}


def score_characters(gold: list[list[str]], pred: list[list[set[str]]] | None) -> dict:
    """Micro recall of the author's person tags among ficdex's characters."""
    pairs = [(i, t) for i, g in enumerate(gold) for t in g if names.is_person_tag(t)]
    if pred is None:
        return {"recall": None, "n": len(pairs)}
    hits = sum(any(names.names_match(names.name_forms(t), forms) for forms in pred[i]) for i, t in pairs)
    return {"recall": ratio(hits, len(pairs)), "n": len(pairs)}


def knowledge_covers():
    """`ficdex.knowledge`'s way to ask whether a fandom is in its knowledge
    base, if it offers one: `covers(tag) -> bool`, else `fandom_tags()`."""
    try:
        from .. import knowledge
    except ImportError:
        return None
    if callable(getattr(knowledge, "covers", None)):
        return knowledge.covers
    if callable(getattr(knowledge, "fandom_tags", None)):
        keys = {k for tag in knowledge.fandom_tags() for k in names.fandom_keys(tag)}
        return lambda tag: bool(names.fandom_keys(tag) & keys)
    return None


def knowledge_families():
    """`ficdex.knowledge.families(tag) -> set of KB fandom keys`, if the
    knowledge module offers it (the family-aware fandom rule), else None."""
    try:
        from .. import knowledge
    except ImportError:
        return None
    fn = getattr(knowledge, "families", None)
    return fn if callable(fn) else None


def _majority(values):
    counts = Counter(values)
    return counts.most_common(1)[0][0] if counts else None


def baselines(works: list[dict], covers=None, families=None) -> dict:
    """Majority-class predictions, scored by the same scorers as ficdex."""
    n = len(works)
    g = {k: [w.get(k) or [] for w in works] for k in ("warnings", "category", "fandoms", "relationships", "characters")}
    rating = _majority(w.get("rating") for w in works if w.get("rating") in RATINGS)
    usable = [tuple(sorted(names.warning_key(x) for x in ws)) for ws in g["warnings"] if warnings_scored(ws)]
    warn = list(_majority(usable) or ())
    cat = list(_majority(tuple(sorted(c)) for c in g["category"] if c) or ())
    fandom = _majority(k for fs in g["fandoms"] for k in {k for f in fs for k in names.fandom_keys(f)})
    rels = [t for t, _ in Counter(r[0] for r in g["relationships"] if r).most_common(TOP_K_RELATIONSHIPS)]
    chars = [names.name_forms(t) for t, _ in Counter(t for cs in g["characters"] for t in cs if names.is_person_tag(t)).most_common(3)]
    r = score_rating([w.get("rating") for w in works], [rating] * n)
    return {
        "predictions": {"rating": rating, "warnings": warn, "category": cat, "fandom": fandom, "relationships": rels},
        "rating_accuracy": r["accuracy"],
        "explicit_recall": r["explicit_recall"],
        "explicit_precision": r["explicit_precision"],
        "mature_or_explicit_as_general": r["mature_or_explicit_as_general"],
        "warnings": {k: {"precision": v["precision"], "recall": v["recall"]} for k, v in score_warnings(g["warnings"], [warn] * n).items()},
        "category_accuracy": score_category(g["category"], [cat] * n)["exact"],
        "category_primary_accuracy": score_category(g["category"], [cat] * n)["primary"],
        "fandom_accuracy": score_fandoms(g["fandoms"], [[fandom] if fandom else []] * n, families=families)["accuracy"],
        "fandom_accuracy_covered": score_fandoms(g["fandoms"], [[fandom] if fandom else []] * n, covers, families)["covered_accuracy"],
        "fandom_accuracy_strict": score_fandoms(g["fandoms"], [[fandom] if fandom else []] * n)["accuracy"],
        "fandom_accuracy_covered_strict": score_fandoms(g["fandoms"], [[fandom] if fandom else []] * n, covers)["covered_accuracy"],
        "relationship_top3_recall": score_relationships(g["relationships"], [rels] * n)["top3_recall"],
        "character_recall": score_characters(g["characters"], [chars] * n)["recall"],
    }


def cross_validated_ratings(works: list[dict], stories: list[Story], k: int,
                            fandoms: list | None = None) -> list[str | None]:
    """The content stage's rating of each work by a rating model trained
    without it (k folds, stratified; see train.content.stage_ratings_cv).
    `fandoms`: the pipeline's fandoms per work, when the shipped model reads
    them (its fandom prior is then refitted in every fold too)."""
    from ..analysis.content import signals, story_paragraphs
    from ..analysis.rating import RatingModel
    from ..train.content import stage_ratings_cv

    sigs = [signals(s.text, story_paragraphs(s)) for s in stories]
    y = [RATINGS.index(w["rating"]) if w.get("rating") in RATINGS else -1 for w in works]
    reads = RatingModel.load().fandom_prior is not None
    return stage_ratings_cv(sigs, y, k, fandoms if reads else None)


def evaluate_ao3(gold_path: str | Path, *, limit: int | None = None, runner: EvalRunner | None = None, on_work=None,
                 cv: int = 0) -> dict:
    """Analyse every gold work from its text and score it.  `on_work(i, n)`
    is called after each work (for a progress bar).  With `cv` = k > 1 the
    rating rows come from k-fold cross-validation of the rating model (the
    shipped one was trained on these works), everything else as shipped."""
    works = load_gold(gold_path, limit)
    runner = runner or EvalRunner()
    preds, stories = [], []
    for i, work in enumerate(works):
        story = story_from_text(work.get("text") or "", Source(path=f"{gold_path}#{work.get('id', i)}", format="text"))
        preds.append(predictions(runner.analyze(story, work.get("id", str(i))), runner.built_keys()))
        stories.append(story)
        if on_work:
            on_work(i + 1, len(works))
    built = runner.built_keys()
    if cv > 1 and "rating" in built:
        fandoms = [p["fandoms"] or [] for p in preds] if "fandoms" in built else None
        for p, tag in zip(preds, cross_validated_ratings(works, stories, cv, fandoms)):
            if tag is not None:
                p["rating"] = tag

    def column(key):
        return None if key not in built else [p[key] for p in preds]

    def gold(key):
        return [w.get(key) or [] for w in works]

    covers = knowledge_covers()
    rating = score_rating([w.get("rating") for w in works], column("rating"))
    warnings = score_warnings(gold("warnings"), column("warnings"))
    category = score_category(gold("category"), column("category"))
    families = knowledge_families()
    fandoms = score_fandoms(gold("fandoms"), column("fandoms"), covers, families)
    strict = score_fandoms(gold("fandoms"), column("fandoms"), covers)
    rels = score_relationships(gold("relationships"), column("relationships"))
    chars = score_characters(gold("characters"), column("characters"))
    return {
        "works": len(works),
        "rating_cv_folds": cv if cv > 1 and "rating" in built else None,
        "rating_accuracy": rating["accuracy"],
        "explicit_recall": rating["explicit_recall"],
        "explicit_precision": rating["explicit_precision"],
        "mature_or_explicit_as_general": rating["mature_or_explicit_as_general"],
        "warnings": {k: {"precision": v["precision"], "recall": v["recall"]} for k, v in warnings.items()},
        "category_accuracy": category["exact"],
        "category_primary_accuracy": category["primary"],
        "relationship_top3_recall": rels["top3_recall"],
        "fandom_accuracy": fandoms["accuracy"],
        "fandom_accuracy_covered": fandoms["covered_accuracy"],
        "fandom_accuracy_strict": strict["accuracy"],
        "fandom_accuracy_covered_strict": strict["covered_accuracy"],
        "character_recall": chars["recall"],
        "words_per_second": runner.words_per_second,
        "words": runner.words,
        "confusion": rating["confusion"],
        "counts": {
            "rated": rating["n"],
            "explicit": rating["n_explicit"],
            "warnings_scored": warnings[names.NO_WARNINGS]["n"],
            "warnings_gold": {k: v["gold"] for k, v in warnings.items()},
            "category": category["n"],
            "fandoms": fandoms["n"],
            "fandoms_covered": fandoms["n_covered"],
            "relationships": rels["n"],
            "character_tags": chars["n"],
        },
        "built": {k: k in built for k in ("rating", "warnings", "category", "fandoms", "relationships", "characters")},
        "baselines": baselines(works, covers, families),
        "notes": runner.notes(),
    }


def print_ao3(result: dict, console) -> None:
    from .report import figure_table, matrix_table, print_notes

    b, c, on = result["baselines"], result["counts"], result["built"]
    rows = [
        ("rating accuracy", result["rating_accuracy"], b["rating_accuracy"], c["rated"], "pct", on["rating"]),
        ("Explicit recall", result["explicit_recall"], b["explicit_recall"], c["explicit"], "pct", on["rating"]),
        ("Explicit precision", result["explicit_precision"], b["explicit_precision"], None, "pct", on["rating"]),
        ("Mature/Explicit rated General (lower is better)", result["mature_or_explicit_as_general"],
         b["mature_or_explicit_as_general"], None, "pct", on["rating"]),
    ]
    for w, v in result["warnings"].items():
        bw = b["warnings"][w]
        rows.append((f"{w}: precision", v["precision"], bw["precision"], None, "pct", on["warnings"]))
        rows.append((f"{w}: recall", v["recall"], bw["recall"], c["warnings_gold"][w], "pct", on["warnings"]))
    rows += [
        ("category, exact set", result["category_accuracy"], b["category_accuracy"], c["category"], "pct", on["category"]),
        ("category, primary", result["category_primary_accuracy"], b["category_primary_accuracy"], c["category"], "pct", on["category"]),
        ("fandom (top fandom is the author's, or its KB family)", result["fandom_accuracy"], b["fandom_accuracy"],
         c["fandoms"], "pct", on["fandoms"]),
        ("fandom, works the knowledge base covers", result["fandom_accuracy_covered"], b["fandom_accuracy_covered"],
         c["fandoms_covered"], "pct", on["fandoms"] and c["fandoms_covered"] is not None),
        ("fandom, strict (same words only)", result["fandom_accuracy_strict"], b["fandom_accuracy_strict"],
         c["fandoms"], "pct", on["fandoms"]),
        ("fandom, strict, works the KB covers", result["fandom_accuracy_covered_strict"],
         b["fandom_accuracy_covered_strict"], c["fandoms_covered"], "pct", on["fandoms"] and c["fandoms_covered"] is not None),
        ("first relationship in top 3", result["relationship_top3_recall"], b["relationship_top3_recall"],
         c["relationships"], "pct", on["relationships"]),
        ("character tag recall", result["character_recall"], b["character_recall"], c["character_tags"], "pct", on["characters"]),
        ("words per second", result["words_per_second"], None, result["words"], "rate", True),
    ]
    console.print(figure_table(f"ficdex eval ao3 — {result['works']:,} works", rows))
    console.print(
        f"baseline: always {b['predictions']['rating']!r}, warnings {b['predictions']['warnings']}, "
        f"category {b['predictions']['category']}, fandom {b['predictions']['fandom']!r}, "
        f"relationships {b['predictions']['relationships']}, the 3 most frequent character tags",
        soft_wrap=True,
        highlight=False,
    )
    if result["confusion"] is not None:
        console.print(matrix_table("rating confusion (works not 'Not Rated')", list(RATINGS), result["confusion"]))
        # The shipped rating model is trained on the AO3 dev works: scored on
        # them, its rows measure fit.  Say so, as `eval litbank` does.
        folds = result.get("rating_cv_folds")
        console.print(
            f"note: rating rows are {folds}-fold cross-validated: each work rated by a model trained without it."
            if folds else
            "note: the shipped rating model was trained on the AO3 dev works; on those works the rating rows "
            "are in-sample. Held-out figures: `--cv 5`.",
            soft_wrap=True,
            highlight=False,
        )
    print_notes(console, result["notes"])
