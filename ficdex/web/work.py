"""One work: its page (`/works/ID`), its data (`/works/ID.json`) and the
reader's tag override (POST `/works/ID/tags`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ..library.tags import SINGLE, TAG_TYPES, apply_override, canonical
from . import graph as graphs
from .errors import BadRequest
from .reader import adult_gate, canonical_redirect, load, remember_adult, valid_id
from .render import render
from .security import check_write, json_or_form

router = APIRouter()

# Where each tag type's inferred value (with its evidence) sits in the analysis.
INFERRED_KEY = {"rating": "rating", "warning": "warnings", "category": "category", "fandom": "fandoms",
                "relationship": "relationships", "character": "characters", "freeform": "additional_tags"}
ACTIONS = ("set", "add", "remove", "clear")


def _inferred_items(doc: dict, t: str) -> list[dict]:
    value = (doc.get("inferred") or {}).get(INFERRED_KEY[t])
    if isinstance(value, dict):
        value = [value]
    out = []
    for item in value or ():
        name = item.get("tag") or item.get("name") if isinstance(item, dict) else None
        if name:
            out.append({"tag": canonical(t, name), "confidence": item.get("confidence"),
                        "evidence": item.get("evidence") or [], "scores": item.get("scores")})
    return out


def tag_rows(work) -> list[dict]:
    """Per tag type: the effective tags and where they came from, beside
    what the author declared and what ficdex inferred (with evidence)."""
    rows = []
    for t in TAG_TYPES:
        source = ("override" if t in work.overrides else "declared" if work.declared[t]
                  else "inferred" if work.inferred[t] else None)
        rows.append({"type": t, "effective": work.effective[t], "declared": work.declared[t],
                     "inferred": _inferred_items(work.analysis, t), "override": work.overrides.get(t),
                     "source": source})
    return rows


def characters(doc: dict) -> list[dict]:
    inf = doc.get("inferred") or {}
    spoken = {s.get("character"): s for s in (inf.get("conversations") or {}).get("speakers") or ()}
    out = []
    for c in inf.get("characters") or ():
        if not isinstance(c, dict):
            continue
        s = spoken.get(c.get("id"), {})
        aliases = sorted((c.get("aliases") or {}).items(), key=lambda x: (-x[1], x[0]))
        out.append({**c, "aliases": aliases, "quotes": s.get("quotes", 0), "spoken_words": s.get("words", 0)})
    return out


def page_data(work) -> dict:
    doc = work.analysis
    g = graphs.graph(doc)
    return {"work": work, "tags": tag_rows(work), "characters": characters(doc),
            "relationships": [r for r in (doc.get("inferred") or {}).get("relationships") or ()
                              if isinstance(r, dict)],
            "chapters": doc.get("chapters") or [], "graph": g}


def _get(request: Request, work_id: str):
    with request.app.state.library.store() as store:
        return load(request, store, work_id)


@router.get("/works/{work_id}.json", summary="One work: its analysis document and tags")
def work_json(request: Request, work_id: str):
    """The analysis document (docs/schema.md) plus `tags` (effective,
    declared, inferred, overrides) and the interaction `graph`."""
    work = _get(request, work_id)
    data = page_data(work)
    body = {**work.analysis,
            "tags": {"effective": work.effective, "declared": work.declared, "inferred": work.inferred,
                     "overrides": work.overrides, "source": {r["type"]: r["source"] for r in data["tags"]}},
            "library": {"added_at": work.added_at, "complete": work.complete, "language": work.language,
                        "crossover": work.crossover, "chapters": work.chapters},
            "graph": data["graph"]}
    return JSONResponse(body)


@router.get("/works/{work_id}", summary="A work's page (HTML)", response_class=Response)
def work_page(request: Request, work_id: str):
    work = _get(request, work_id)
    redirect = canonical_redirect(request, work, work_id)
    if redirect:
        return redirect
    gate, agreed = adult_gate(request, work)
    if gate:
        return gate
    data = page_data(work)
    response = render(request, "work.html", {**data, "graph_svg": graphs.svg(data["graph"]),
                                             "actions": ACTIONS, "notice": request.query_params.get("saved")})
    if agreed:
        remember_adult(response)
    return response


def _override(request: Request, work_id: str, fields: dict):
    t, action = fields.get("type"), fields.get("action") or "set"
    if t not in TAG_TYPES:
        raise BadRequest(f"type must be one of {', '.join(TAG_TYPES)}")
    if action not in ACTIONS:
        raise BadRequest(f"action must be one of {', '.join(ACTIONS)}")
    raw = fields.get("tag") or []
    names = [raw] if isinstance(raw, str) else list(raw)
    # A form's text field may hold several tags, comma-separated, as AO3's does.
    names = [n.strip() for v in names for n in str(v).split(",") if n.strip()]
    if action != "clear" and not names and action != "set":
        raise BadRequest("give a tag to add or remove")
    if any(len(n) > 300 for n in names) or len(names) > 50:
        raise BadRequest("at most 50 tags of up to 300 characters each")
    state = request.app.state
    with state.library.store() as store:
        work = load(request, store, valid_id(work_id))
        overrides = work.overrides
        if action == "clear":
            overrides.pop(t, None)
        elif action == "set" or t in SINGLE:
            overrides = apply_override(overrides, t, set=names[-1:] if t in SINGLE else names)
        elif action == "add":
            overrides = apply_override(overrides, t, add=names)
        else:
            overrides = apply_override(overrides, t, remove=names)
        work = store.set_overrides(work.id, overrides)
    state.library.changed(work.id)
    return work


@router.post("/works/{work_id}/tags", summary="Override a work's tags",
             description="Fields (form or JSON): type (a tag type), action (set, add, remove, clear), "
                         "tag (a name, or several comma-separated). Needs the server's token when it has one.")
async def override_tags(request: Request, work_id: str):
    fields = await json_or_form(request)
    check_write(request, fields.get("token") if isinstance(fields.get("token"), str) else None)
    work = await run_in_threadpool(_override, request, work_id, fields)
    if request.headers.get("content-type", "").startswith("application/json") or \
            "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"id": work.id, "effective": work.effective, "overrides": work.overrides})
    return RedirectResponse(f"/works/{work.id}?saved={fields.get('type')}#tags", 303)
