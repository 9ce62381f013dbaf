"""What keeps a served library safe: headers on every response, a cap on
request bodies, and the token and same-origin checks on every write.

The server binds to loopback unless told otherwise.  Bound to a public
address it requires a token for writes (`ficdex serve` makes one up when
none is given); the token arrives as a bearer header for API clients, or
once as `?token=` in a browser, which turns it into a same-site-only
cookie.  Writes from another site's page are refused whatever the token, so
a malicious page cannot post to a server on 127.0.0.1.
"""

from __future__ import annotations

import hmac
import json
from urllib.parse import urlsplit

from fastapi import Request

from .errors import Forbidden, RequestTooLarge, Unauthorized

TOKEN_COOKIE = "ficdex_token"
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Pure ASGI, so streamed downloads are not buffered to add headers."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", ())}
                message["headers"] = list(message.get("headers", ())) + [h for h in HEADERS if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse a body over `limit` bytes: at once from Content-Length, or
    as soon as a chunked body passes it, before it is all read."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers", ())).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._refuse(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise RequestTooLarge(f"the request is over the {self.limit:,}-byte limit")
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope, receive, send):
        from .errors import error_response

        request = Request(scope, receive)
        response = error_response(request, RequestTooLarge(f"the request is over the {self.limit:,}-byte limit"))
        response.headers["connection"] = "close"
        await response(scope, receive, send)


def _given_token(request: Request, form_token: str | None) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-ficdex-token") or form_token or request.cookies.get(TOKEN_COOKIE)


def has_token(request: Request, form_token: str | None = None) -> bool:
    token = request.app.state.token
    if token is None:
        return True
    given = _given_token(request, form_token)
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def same_origin(request: Request) -> bool:
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        # API clients send neither; browsers always send Origin on a POST.
        return origin != "null"
    return urlsplit(origin).netloc == request.headers.get("host", "")


def check_write(request: Request, form_token: str | None = None) -> None:
    """Raise unless this request may change the library."""
    if not same_origin(request):
        raise Forbidden("writes are only accepted from this server's own pages")
    if not has_token(request, form_token):
        raise Unauthorized("this server needs its token to change the library; "
                           "open it once with ?token=… or send Authorization: Bearer …")


async def json_or_form(request: Request) -> dict:
    """A write's fields, from a JSON body or a form."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        from .errors import BadRequest

        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            raise BadRequest("the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("the body must be a JSON object")
        return data
    form = await request.form(max_files=0, max_fields=100)
    return {k: form.getlist(k) if len(form.getlist(k)) > 1 else form.get(k) for k in form.keys()}
