"""The web layer's one error shape, and the errors only the web raises.

Every failure becomes `FicdexError.as_dict()` — ``{"error", "message",
"path"}`` — for JSON URLs and API clients, and an HTML page with the same
message for browsers.  Here `path` is the URL that failed (a per-file upload
error keeps the file's name instead, as the CLI does).
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    FicdexError, FileTooLargeError, InputError, LibraryError, NotFoundError, QueryError,
)

log = logging.getLogger("ficdex.web")


class WebError(FicdexError):
    """A request the web layer refuses before the library sees it."""

    code = "bad_request"
    status = 400


class BadRequest(WebError):
    """A malformed request: a bad parameter or form field."""

    code = "bad_request"


class Invalid(WebError):
    """A request FastAPI's own validation rejected."""

    code = "invalid"
    status = 422


class Unauthorized(WebError):
    """A write without the server's token."""

    code = "unauthorized"
    status = 401


class Forbidden(WebError):
    """A write posted from another site (cross-site request forgery)."""

    code = "forbidden"
    status = 403


class RequestTooLarge(WebError):
    """A request body over the server's limit."""

    code = "request_too_large"
    status = 413


class PageNotFound(WebError):
    """No page at this URL."""

    code = "not_found"
    status = 404


class MethodNotAllowed(WebError):
    """The URL exists but not for this HTTP method."""

    code = "method_not_allowed"
    status = 405


class ServerError(WebError):
    """A bug: logged with its traceback, reported without one."""

    code = "internal"
    status = 500


def status_of(e: FicdexError) -> int:
    if isinstance(e, WebError):
        return e.status
    if isinstance(e, NotFoundError):
        return 404
    if isinstance(e, FileTooLargeError):
        return 413
    if isinstance(e, (QueryError, InputError)):
        return 400
    if isinstance(e, LibraryError):
        return 500
    return 400


def wants_json(request: Request) -> bool:
    """JSON for .json URLs and for clients that do not ask for HTML; a
    browser navigating always sends text/html in Accept."""
    path = request.url.path
    if path.endswith(".json") or path.startswith("/opds"):
        return True
    accept = request.headers.get("accept", "")
    return "text/html" not in accept


def body(e: FicdexError, request: Request) -> dict:
    out = e.as_dict()
    out["path"] = request.url.path
    return out


def error_response(request: Request, e: FicdexError):
    status = status_of(e)
    if wants_json(request):
        return JSONResponse(body(e, request), status_code=status)
    from .render import render

    return render(request, "error.html", {"status": status, "err": body(e, request)}, status=status)


def install(app) -> None:
    """Route every failure through `error_response`."""

    @app.exception_handler(FicdexError)
    async def _ficdex(request: Request, e: FicdexError):
        if status_of(e) >= 500:
            log.error("%s %s: %s", request.method, request.url.path, e)
        return error_response(request, e)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException):
        if e.status_code == 404:
            err: FicdexError = PageNotFound("no page at this address")
        elif e.status_code == 405:
            err = MethodNotAllowed(f"{request.method} is not allowed here")
        elif e.status_code == 413:
            err = RequestTooLarge(str(e.detail))
        else:
            err = WebError(str(e.detail))
            err.status = e.status_code
        return error_response(request, err)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError):
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return error_response(request, Invalid(f"{where}: {first.get('msg', 'invalid request')}"))

    @app.exception_handler(Exception)
    async def _bug(request: Request, e: Exception):
        log.exception("%s %s failed", request.method, request.url.path)
        return error_response(request, ServerError("the server failed to answer; the error is in its log"))
