"""Finding one work for a URL: ids checked before anything else sees them,
Explicit works hidden when the server says so, and AO3's adult-content
interstitial for Mature and Explicit works."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import RedirectResponse

from ..errors import NotFoundError
from ..library import Store, Work
from .render import ADULT, render

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
