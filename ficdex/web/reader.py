"""Reading a work: the lookup every work URL goes through (ids checked
before anything else sees them, Explicit works hidden when the server says
so), AO3's adult-content interstitial, the reader — the entire work
(`/works/ID/read`) or one chapter (`/works/ID/chapters/N`) — and the
downloads (`/works/ID.epub`, `/works/ID.html`).

Font size, the dark theme and the reading position are the browser's
business (static/reader.js keeps them in localStorage), so the server
stays stateless.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ..errors import NotFoundError
from ..export import sections, slug
from ..library import Store, Work
from .render import ADULT, paragraphs_html, render

router = APIRouter()

# Library ids are 16 hex digits; a unique prefix of 4 or more also names a
# work, as short git hashes do.  Nothing else reaches the library.
_ID = re.compile(r"^[0-9a-f]{4,16}$")
ADULT_COOKIE = "ficdex_adult"


def valid_id(work_id: str) -> str:
    wid = work_id.strip().lower()
    if not _ID.match(wid):
        raise NotFoundError("no such work in the library: a work id is 4 to 16 hex digits", work_id[:40])
    return wid


def load(request: Request, store: Store, work_id: str) -> Work:
    """The work a URL names, or NotFoundError (also for an Explicit work on
    a server that hides them: the page must not reveal it exists)."""
    work = store.get(valid_id(work_id))
    if request.app.state.hide_explicit and "Explicit" in work.effective["rating"]:
        raise NotFoundError("no such work in the library", work_id)
    return work


def canonical_redirect(request: Request, work: Work, work_id: str):
    """A short id prefix answers with a redirect to the full id's URL."""
    if work_id == work.id:
        return None
    path = request.url.path.replace(f"/works/{work_id}", f"/works/{work.id}", 1)
    return RedirectResponse(path + (f"?{request.url.query}" if request.url.query else ""), 308)


def adult_gate(request: Request, work: Work):
    """(response, remember): the interstitial to show instead of the page,
    or None; `remember` says the reader just agreed, so the view sets the
    session cookie on its own response."""
    if not set(work.effective["rating"]) & ADULT:
        return None, False
    if request.query_params.get("view_adult") == "true":
        return None, True
    if request.cookies.get(ADULT_COOKIE) == "1":
        return None, False
    proceed = request.url.include_query_params(view_adult="true")
    ctx = {"work": work, "proceed": str(proceed.path) + "?" + proceed.query}
    return render(request, "interstitial.html", ctx), False


def remember_adult(response) -> None:
    # A session cookie: agreeing lasts until the browser closes, as on AO3.
    response.set_cookie(ADULT_COOKIE, "1", httponly=True, samesite="lax")



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


def _download(request: Request, work_id: str, fmt: str) -> Response:
    work, secs = _sections(request, work_id)
    if fmt == "epub":
        from ..export.epub import epub_bytes

        data, mime = epub_bytes(work, secs), "application/epub+zip"
    else:
        from ..export.html import html_page

        data, mime = html_page(work, secs).encode("utf-8"), "text/html; charset=utf-8"
    name = f"{slug(work.title)}-{work.id[:8]}.{fmt}"
    disposition = "attachment" if fmt == "epub" or request.url.path.endswith("/download.html") else "inline"
    return Response(data, media_type=mime, headers={"content-disposition": f'{disposition}; filename="{name}"'})


@router.get("/works/{work_id}.epub", summary="Download a work as EPUB 3", response_class=Response)
def work_epub(request: Request, work_id: str):
    return _download(request, work_id, "epub")


@router.get("/works/{work_id}.html", summary="A work as one standalone HTML page", response_class=Response)
@router.get("/works/{work_id}/download.html", include_in_schema=False)
def work_html(request: Request, work_id: str):
    return _download(request, work_id, "html")
