"""The web app: AO3's reading experience over a ficdex library.

    >>> from ficdex.web.app import create_app
    >>> app = create_app("library.db")            # then: uvicorn.run(app)

Pages are rendered on the server with Jinja2; each has a JSON twin at a
stable URL (`/works.json`, `/works/ID.json`, …) documented at
`/openapi.json`.  Views live in small modules by page; this module puts
them together with the error handlers and the safety middleware.
"""

from __future__ import annotations

import os
import secrets
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from . import errors
from .access import Library
from .render import HERE
from .security import TOKEN_COOKIE, BodyLimit, SecurityHeaders, has_token

# One file per upload and the whole request; the per-file limit is well
# under the CLI's because a browser upload is analysed while someone waits.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_REQUEST_BYTES = 64 * 1024 * 1024
MAX_FILES = 200


def create_app(db=None, *, token: str | None = None, hide_explicit: bool = False,
               max_file_bytes: int = MAX_FILE_BYTES, max_request_bytes: int = MAX_REQUEST_BYTES) -> FastAPI:
    """The app over one library.

    :param db: a library path or postgresql:// URL (default: ficdex's
        default library, as the CLI's), or an open `Store`.
    :param token: when given, every write needs it (see `security`).
    :param hide_explicit: leave Explicit works out of every page and feed.
    """
    if db is None:
        from ..library import default_db

        db = os.environ.get("FICDEX_DB") or default_db()
    library = Library(db)

    @asynccontextmanager
    async def lifespan(app):
        yield
        library.close()

    app = FastAPI(
        lifespan=lifespan,
        title="ficdex",
        version=__version__,
        description="A fan-fiction library: AO3-style search over your own works, with the evidence "
                    "for every inferred tag. Every failure answers `{\"error\", \"message\", \"path\"}`.",
        docs_url="/api", redoc_url=None,
    )
    # What every view reads from request.app.state.
    app.state.library = library
    app.state.token = token
    app.state.hide_explicit = hide_explicit
    app.state.max_file_bytes = max_file_bytes
    app.state.writable = has_token
    errors.install(app)

    @app.middleware("http")
    async def token_cookie(request: Request, call_next):
        # ?token=… once in a browser becomes a cookie, and the URL is cleaned
        # so the token is not left in history or bookmarks.
        given = request.query_params.get("token")
        if given is not None and request.method == "GET" and token is not None:
            clean = request.url.remove_query_params("token")
            response = RedirectResponse(str(clean.path) + (f"?{clean.query}" if clean.query else ""), 303)
            if secrets.compare_digest(given.encode(), token.encode()):
                response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="strict")
            return response
        return await call_next(request)

    from . import index, reader, upload, work

    # reader before work: its /works/ID.epub must match before /works/{id}.
    for module in (index, reader, work, upload):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    # Outermost last: the size cap sees the raw body before anything parses it.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, limit=max_request_bytes)
    return app
