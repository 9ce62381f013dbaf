"""Lists of works: the works index (`/`, `/works`), the same search as data
(`/works.json`) and as an OPDS 1.2 catalogue (`/opds…`), so e-reader apps
(KOReader, Thorium, Moon+) can browse the library and download EPUBs.  All
read the one query string `params` defines: any search on the site is also
a feed.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ..library.tags import TAG_TYPES
from . import params
from .render import env, render

router = APIRouter()
NAV = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQ = "application/atom+xml;profile=opds-catalog;kind=acquisition"
MAX_FANDOMS = 200

_QUERY_DOC = ("Same parameters as the page: q, include_TYPE / exclude_TYPE (TYPE: rating, warning, category, "
              "fandom, relationship, character, freeform, tag), words_from, words_to, complete, crossover, "
              "language, tags_from, sort, page, per_page.")


def blurb(hit, extra: dict) -> dict:
    """A search hit as a blurb shows it."""
    return {**hit.to_dict(), **extra, "url": f"/works/{hit.id}"}


def run_search(request: Request) -> dict:
    """The search behind both the page and its JSON: results, blurbs and
    facet counts, with the parsed query."""
    state = request.app.state
    q = params.parse(request.query_params)
    with state.library.store() as store:
        result, facets, exact = state.library.search_with_facets(
            store, q.to_search(state.hide_explicit), q.filtered or state.hide_explicit)
        extras = state.library.extras(store, [h.id for h in result.works])
    # A tag someone filtered on stays in the sidebar even when it is not
    # among the most common, so it can be unticked.
    for side in ("include", "exclude"):
        for t, names in getattr(q, side).items():
            if t in facets:
                have = {n for n, _ in facets[t]}
                facets[t] = list(facets[t]) + [(n, None) for n in names if n not in have]
    pages = max(1, -(-result.total // q.per_page))
    return {
        "query": q,
        "total": result.total,
        "page": q.page,
        "per_page": q.per_page,
        "pages": pages,
        "works": [blurb(h, extras[h.id]) for h in result.works],
        "facets": facets,
        "facets_exact": exact,
    }


def _page_links(page: int, pages: int) -> list[int | None]:
    """AO3's pager: first, last, and two either side; None is a gap."""
    keep = {1, pages} | set(range(page - 2, page + 3))
    out: list[int | None] = []
    for n in range(1, pages + 1):
        if n in keep:
            out.append(n)
        elif out and out[-1] is not None:
            out.append(None)
    return out


@router.get("/", include_in_schema=False)
@router.get("/works", summary="The works index (HTML)", description=_QUERY_DOC)
async def works_page(request: Request):
    # The sidebar form submits every field, empty or not; answer with the
    # short URL that means the same search, so what gets bookmarked is clean.
    q = params.parse(request.query_params)
    canonical = q.url(request.url.path)
    if sorted(request.query_params.multi_items()) != sorted(q.pairs()):
        return RedirectResponse(canonical, 303)
    data = await run_in_threadpool(run_search, request)
    return render(request, "index.html", {**data, "pager": _page_links(data["page"], data["pages"]),
                                          "sorts": params.SORT_LABELS})


@router.get("/works.json", summary="Search the library", description=_QUERY_DOC,
            response_description="Matching works as blurbs, facet counts per tag type, paging links.")
async def works_json(request: Request, q: str | None = Query(None, description="Free text: words, "
                     "\"phrases\", AND, OR, NOT, -word"), sort: str = Query("best"), page: int = Query(1)):
    data = await run_in_threadpool(run_search, request)
    query = data.pop("query")
    links = {"self": query.url("/works.json"), "html": query.url("/works")}
    if data["page"] < data["pages"]:
        links["next"] = query.url("/works.json", page=data["page"] + 1)
    if data["page"] > 1:
        links["prev"] = query.url("/works.json", page=data["page"] - 1)
    data["facets"] = {t: [{"name": n, "count": c} for n, c in data["facets"].get(t, ())] for t in TAG_TYPES}
    return JSONResponse({"query": query.to_dict(), **data, "links": links})


# -- OPDS ---------------------------------------------------------------------
def _iso(t: float | None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t or 0))


def _xml(template: str, media_type: str, **ctx) -> Response:
    body = env.get_template(template).render(now=_iso(time.time()), **ctx)
    return Response(body, media_type=media_type)


@router.get("/opds", summary="OPDS catalogue root (Atom navigation feed)", response_class=Response)
def root(request: Request):
    entries = [
        {"title": "Recently added", "href": "/opds/works?sort=added", "kind": ACQ,
         "content": "The newest works in the library"},
        {"title": "By fandom", "href": "/opds/fandoms", "kind": NAV, "content": "Works grouped by fandom"},
    ]
    ratings = ["General Audiences", "Teen And Up Audiences", "Mature"]
    if not request.app.state.hide_explicit:
        ratings.append("Explicit")
    entries += [{"title": r, "href": params.tag_url("rating", r).replace("/works", "/opds/works", 1),
                 "kind": ACQ, "content": f"Works rated {r}"} for r in ratings]
    return _xml("opds_nav.xml", NAV, feed_id="urn:ficdex:root", title="ficdex library", self_href="/opds",
                entries=entries)


@router.get("/opds/fandoms", summary="OPDS: fandoms (navigation feed)", response_class=Response)
def fandoms(request: Request):
    with request.app.state.library.store() as store:
        counts = store.tag_counts("fandom", MAX_FANDOMS)
    entries = [{"title": name, "href": params.tag_url("fandom", name).replace("/works", "/opds/works", 1),
                "kind": ACQ, "content": f"{n:,} work{'s' if n != 1 else ''}"} for name, n in counts]
    return _xml("opds_nav.xml", NAV, feed_id="urn:ficdex:fandoms", title="Fandoms", self_href="/opds/fandoms",
                entries=entries)


@router.get("/opds/works", summary="OPDS: works matching a search (acquisition feed)",
            description="Takes the same query string as /works.", response_class=Response)
async def works(request: Request):
    data = await run_in_threadpool(run_search, request)
    q = data["query"]
    links = {"self": q.url("/opds/works"), "start": "/opds"}
    if data["page"] < data["pages"]:
        links["next"] = q.url("/opds/works", page=data["page"] + 1)
    if data["page"] > 1:
        links["previous"] = q.url("/opds/works", page=data["page"] - 1)
        links["first"] = q.url("/opds/works", page=1)
    title = f"Search: {q.text}" if q.text else "Works"
    return _xml("opds_acq.xml", ACQ, feed_id="urn:ficdex:works:" + q.url(""), title=title, links=links,
                works=data["works"], total=data["total"], iso=_iso)


@router.get("/opds/search.xml", summary="OpenSearch description for the OPDS catalogue", response_class=Response)
def opensearch(request: Request):
    return _xml("opensearch.xml", "application/opensearchdescription+xml")
