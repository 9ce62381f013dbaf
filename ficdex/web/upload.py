"""Adding stories through the browser: one file, several, or a folder.

Each file is read from memory (never written anywhere under a name the
browser chose), analysed and stored in its own transaction, exactly as
`ficdex add` does; a bad file gets one line saying why and the rest go on.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from .. import api
from ..errors import FicdexError, FileTooLargeError
from ..ingest import read_data
from .errors import BadRequest
from .render import render
from .security import check_write

router = APIRouter()
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _label(name: str | None) -> str:
    """The browser's file name as a label only (folder uploads send
    `folder/sub/file.txt`): control characters out, length capped."""
    return _CONTROL.sub("", name or "upload")[-200:] or "upload"


def _add(state, data: bytes, name: str) -> dict:
    try:
        story = read_data(data, name, max_bytes=state.max_file_bytes)
        with state.library.store() as store:
            if store.has(story.id):
                return {"file": name, "status": "unchanged", "id": story.id, "title": story.title}
        try:
            doc = api.to_json(api.analyze_story(story))
        except FicdexError:
            raise
        except Exception as e:  # noqa: BLE001 - one story's analysis bug must not fail the others
            raise FicdexError(f"analysis failed: {type(e).__name__}: {e}") from e
        with state.library.store() as store:
            result = store.put(doc, story.to_dict())
        state.library.changed(result.id)
        return {"file": name, "status": result.status, "id": result.id, "title": story.title,
                "duplicates": [{"id": d, "similarity": s} for d, s in result.duplicates]}
    except FicdexError as e:
        e.path = name
        return {"file": name, "status": "error", "error": e.as_dict()}


async def _read_limited(f: UploadFile, limit: int, name: str) -> bytes:
    data = await f.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(f"over the {limit:,}-byte limit for one file", name)
    return data


@router.get("/upload", summary="The upload form (HTML)", response_class=Response)
def upload_page(request: Request):
    return render(request, "upload.html", {"results": None, "limit": request.app.state.max_file_bytes})


@router.post("/upload", summary="Add stories to the library",
             description="multipart/form-data with one or more `files` (plain text, HTML, AO3 downloads, "
                         "EPUB). Each file gets a result line: added, unchanged (already in the library) or "
                         "error with the one error shape. Needs the server's token when it has one.")
@router.post("/upload.json", include_in_schema=False)
async def upload(request: Request):
    from .app import MAX_FILES

    state = request.app.state
    form = await request.form(max_files=MAX_FILES, max_fields=20)
    token = form.get("token")
    check_write(request, token if isinstance(token, str) else None)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    files = [f for f in files if f.filename or f.size]
    if not files:
        raise BadRequest("choose at least one file to upload")
    results = []
    for f in files:
        name = _label(f.filename)
        try:
            data = await _read_limited(f, state.max_file_bytes, name)
        except FicdexError as e:
            results.append({"file": name, "status": "error", "error": e.as_dict()})
            continue
        finally:
            await f.close()
        results.append(await run_in_threadpool(_add, state, data, name))
    summary = {s: sum(r["status"] == s for r in results) for s in ("added", "unchanged", "updated", "error")}
    if request.url.path.endswith(".json") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"results": results, "counts": summary})
    return render(request, "upload.html", {"results": results, "counts": summary,
                                           "limit": state.max_file_bytes})
