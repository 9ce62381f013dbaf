"""The reader: the entire work (`/works/ID/read`) or one chapter
(`/works/ID/chapters/N`), with chapter navigation.  Font size, the dark
theme and the reading position are the browser's business (static/reader.js
keeps them in localStorage), so the server stays stateless."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import NotFoundError
from ..export import sections
from .render import paragraphs_html, render
from .works import adult_gate, canonical_redirect, load, remember_adult

router = APIRouter()


def _sections(request: Request, work_id: str):
    with request.app.state.library.store() as store:
        work = load(request, store, work_id)
        return work, sections(store, work)


def _chapter(secs, n: int):
    if not 1 <= n <= len(secs):
        raise NotFoundError(f"this work has {len(secs)} chapter(s); there is no chapter {n}")
    return secs[n - 1]


def _page(request: Request, work_id: str, n: int | None):
    work, secs = _sections(request, work_id)
    redirect = canonical_redirect(request, work, work_id)
    if redirect:
        return redirect
    if n is not None:
        _chapter(secs, n)
    gate, agreed = adult_gate(request, work)
    if gate:
        return gate
    # Paragraphs are numbered across the whole work, so a position saved in
    # chapter view still finds its paragraph in the entire-work view.
    starts, count = [], 0
    for s in secs:
        starts.append(count)
        count += len(s.paragraphs)
    shown = range(len(secs)) if n is None else [n - 1]
    chapters = [{"n": i + 1, "title": secs[i].title, "html": paragraphs_html(secs[i].paragraphs, starts[i])}
                for i in shown]
    response = render(request, "reader.html", {
        "work": work, "chapters": chapters, "toc": [s.title for s in secs], "n": n, "count": len(secs)})
    if agreed:
        remember_adult(response)
    return response


@router.get("/works/{work_id}/read", summary="Read the entire work (HTML)", response_class=Response)
def read_all(request: Request, work_id: str):
    return _page(request, work_id, None)


@router.get("/works/{work_id}/chapters/{n}.json", summary="One chapter's text")
def chapter_json(request: Request, work_id: str, n: int):
    work, secs = _sections(request, work_id)
    s = _chapter(secs, n)
    return JSONResponse({"id": work.id, "n": n, "chapters": len(secs), "title": s.title,
                         "paragraphs": s.paragraphs})


@router.get("/works/{work_id}/chapters/{n}", summary="Read one chapter (HTML)", response_class=Response)
def read_chapter(request: Request, work_id: str, n: int):
    return _page(request, work_id, n)
