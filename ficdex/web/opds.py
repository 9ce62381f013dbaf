"""An OPDS 1.2 catalogue, so e-reader apps (KOReader, Thorium, Moon+) can
browse the library and download EPUBs.

`/opds` is the navigation root; `/opds/works` is an acquisition feed that
takes the works index's own query string, so any search on the site is also
a feed; `/opds/search.xml` describes search for OpenSearch clients.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from . import params
from .index import run_search
from .render import env

router = APIRouter()
NAV = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQ = "application/atom+xml;profile=opds-catalog;kind=acquisition"
MAX_FANDOMS = 200


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
