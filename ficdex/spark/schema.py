"""The Spark output table: the analysis document (docs/schema.md) as typed
columns, plus the whole document as JSON.

Typed columns are for querying a corpus in SQL without parsing JSON
(`WHERE rating = 'Explicit'`, `explode(characters)`); the `document` column is
the exact document `ficdex analyze` prints, so nothing is lost when a field
has no column yet.  `null` keeps the document's meaning: "the component that
fills it was not in the pipeline", while an empty array means it ran and
found nothing.

Declared tags never share a column with inferred ones: the source's own
declarations are the `declared` struct, and tag columns carried over from an
input table are prefixed `declared_` by the job.
"""

from __future__ import annotations

import json

from pyspark.sql import types as T

_S, _I, _L, _D, _B = T.StringType(), T.IntegerType(), T.LongType(), T.DoubleType(), T.BooleanType()


def _f(name, dtype, nullable=True):
    return T.StructField(name, dtype, nullable)


def _strings():
    return T.ArrayType(_S)


EVIDENCE = T.StructType(
    [
        _f("field", _S),  # rating, warnings, category, fandoms, relationships, additional_tags
        _f("tag", _S),
        _f("start", _I),
        _f("end", _I),
        _f("excerpt", _S),
        _f("why", _S),
        _f("where", _S),  # null for story text, "front_matter" for notes/disclaimers
    ]
)

CHARACTER = T.StructType(
    [
        _f("id", _S),
        _f("name", _S),
        _f("tag", _S),
        _f("aliases", T.MapType(_S, _I)),
        _f("mentions", _I),
        _f("name_mentions", _I),
        _f("gender", _S),
    ]
)

RELATIONSHIP = T.StructType(
    [_f("tag", _S), _f("type", _S), _f("characters", _strings()), _f("score", _D)]
)

SPEAKER = T.StructType([_f("character", _S), _f("name", _S), _f("quotes", _I)])

QUOTES = T.StructType(
    [
        _f("count", _I),
        _f("speech", _I),
        _f("thought", _I),
        _f("attributed", _I),
        _f("by_speaker", T.ArrayType(SPEAKER)),
    ]
)

DECLARED = T.StructType(
    [
        _f("rating", _S),
        _f("warnings", _strings()),
        _f("category", _strings()),
        _f("fandoms", _strings()),
        _f("relationships", _strings()),
        _f("characters", _strings()),
        _f("freeforms", _strings()),
        _f("language", _S),
        _f("words", _L),
        _f("chapters", _S),
        _f("url", _S),
    ]
)

# The columns every output has, in order; the job appends `declared_*`.
RESULT = T.StructType(
    [
        _f("id", _S),  # the input's key: the table's id, or the file's path
        _f("path", _S),
        _f("story_id", _S),  # ficdex's content hash (docs/schema.md `id`)
        _f("format", _S),
        _f("title", _S),
        _f("authors", _strings()),
        _f("summary", _S),
        _f("words", _L),
        _f("chapters", _I),
        _f("declared", DECLARED),
        _f("rating", _S),
        _f("rating_confidence", _D),
        _f("warnings", _strings()),
        _f("category", _strings()),
        _f("fandoms", _strings()),
        _f("additional_tags", _strings()),
        _f("relationships", T.ArrayType(RELATIONSHIP)),
        _f("characters", T.ArrayType(CHARACTER)),
        _f("places", _strings()),
        _f("organizations", _strings()),
        _f("entities", _I),
        _f("quotes", QUOTES),
        _f("evidence", T.ArrayType(EVIDENCE)),
        _f("stages", _strings()),
        _f("seconds", _D),
        _f("worker", _S),  # host:pid of the Python worker, to find stragglers and memory hogs
        _f("worker_loads", _I),  # pipelines that worker had built by then: 1 unless worker reuse is off
        _f("document", _S),  # the analysis document as JSON, exactly as `ficdex analyze` prints it
        _f("story", _S),  # Story.to_dict() as JSON: text and offsets, so the library can search and re-analyse
        _f("ficdex_version", _S),
        _f("error", _S),  # "ErrorClass: one-line message"; null when the work analysed
        _f("error_code", _S),  # FicdexError.code, or "crash" for a bug in a stage
    ]
)

RESULT_COLUMNS = [f.name for f in RESULT.fields]


def _int(v):
    return None if v is None else int(v)


def _float(v):
    return None if v is None else float(v)


def _str(v):
    return None if v is None else str(v)


def _tags(items):
    """A list of `{tag, …}` (or a `null` "not built") as a list of tag names."""
    if items is None:
        return None
    return [_str(i.get("tag") if isinstance(i, dict) else i) for i in items]


def _evidence(field: str, tag, items) -> list[dict]:
    out = []
    for e in items or ():
        out.append(
            {
                "field": field,
                "tag": _str(tag),
                "start": _int(e.get("start")),
                "end": _int(e.get("end")),
                "excerpt": _str(e.get("excerpt")),
                "why": _str(e.get("why")),
                "where": _str(e.get("where")),
            }
        )
    return out


def _all_evidence(inf: dict) -> list[dict] | None:
    out: list[dict] = []
    rating = inf.get("rating")
    if rating:
        out += _evidence("rating", rating.get("tag"), rating.get("evidence"))
    for field in ("warnings", "category", "fandoms", "relationships", "additional_tags"):
        for item in inf.get(field) or ():
            out += _evidence(field, item.get("tag"), item.get("evidence"))
    return out


def _characters(chars):
    if chars is None:
        return None
    return [
        {
            "id": _str(c.get("id")),
            "name": _str(c.get("name")),
            "tag": _str(c.get("tag")),
            "aliases": {str(k): int(v) for k, v in (c.get("aliases") or {}).items()},
            "mentions": _int(c.get("mentions")),
            "name_mentions": _int(c.get("name_mentions")),
            "gender": _str(c.get("gender")),
        }
        for c in chars
    ]


def _quotes(quotes, characters):
    """Counts only: the quotes themselves stay in the document, where their
    offsets make sense next to the text."""
    if quotes is None:
        return None
    names = {c.get("id"): c.get("name") for c in characters or ()}
    per: dict[str, int] = {}
    for q in quotes:
        if q.get("speaker") is not None:
            per[q["speaker"]] = per.get(q["speaker"], 0) + 1
    ranked = sorted(per.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return {
        "count": len(quotes),
        "speech": sum(q.get("type") == "speech" for q in quotes),
        "thought": sum(q.get("type") == "thought" for q in quotes),
        "attributed": sum(per.values()),
        "by_speaker": [{"character": _str(k), "name": _str(names.get(k)), "quotes": n} for k, n in ranked],
    }


def _declared(d):
    if not d:
        return None
    return {f.name: (_int(d.get(f.name)) if f.name == "words" else d.get(f.name)) for f in DECLARED.fields}


def result_row(key: str, doc: dict, seconds: float, stages: list[str], story: dict | None = None) -> dict:
    """One output row from an analysis document (`ficdex.api.to_json`)."""
    inf = doc["inferred"]
    rating = inf.get("rating")
    relationships = inf.get("relationships")
    return {
        "id": key,
        "path": doc["source"]["path"],
        "story_id": doc["id"],
        "format": doc["source"]["format"],
        "title": doc["title"],
        "authors": list(doc["authors"] or []),
        "summary": doc["summary"],
        "words": doc["words"],
        "chapters": len(doc["chapters"]),
        "declared": _declared(doc["declared"]),
        "rating": _str(rating.get("tag")) if rating else None,
        "rating_confidence": _float(rating.get("confidence")) if rating else None,
        "warnings": _tags(inf.get("warnings")),
        "category": _tags(inf.get("category")),
        "fandoms": _tags(inf.get("fandoms")),
        "additional_tags": _tags(inf.get("additional_tags")),
        "relationships": None
        if relationships is None
        else [
            {
                "tag": _str(r.get("tag")),
                "type": _str(r.get("type")),
                "characters": [str(c) for c in r.get("characters") or ()],
                "score": _float(r.get("score")),
            }
            for r in relationships
        ],
        "characters": _characters(inf.get("characters")),
        "places": None if inf.get("places") is None else [_str(p.get("name")) for p in inf["places"]],
        "organizations": None
        if inf.get("organizations") is None
        else [_str(o.get("name")) for o in inf["organizations"]],
        "entities": None if inf.get("entities") is None else len(inf["entities"]),
        "quotes": _quotes(inf.get("quotes"), inf.get("characters")),
        "evidence": _all_evidence(inf),
        "stages": stages,
        "seconds": seconds,
        "document": json.dumps(doc, ensure_ascii=False),
        "story": None if story is None else json.dumps(story, ensure_ascii=False),
        "ficdex_version": doc["ficdex_version"],
        "error": None,
        "error_code": None,
    }


def error_row(key: str, path: str | None, error: str, code: str, version: str) -> dict:
    row = dict.fromkeys(RESULT_COLUMNS)
    row.update(id=key, path=path, error=error, error_code=code, ficdex_version=version)
    return row
