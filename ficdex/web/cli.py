"""`ficdex serve`: the web app on 127.0.0.1 unless told otherwise.

Bound to any other address, writes (upload, tag overrides) need a token;
one is made up and printed when none is given, so a library is never
writable by whoever can reach the port.
"""

from __future__ import annotations

import ipaddress
import secrets
from typing import Optional

import typer

from ..library.cli import DB_HELP


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def serve(
    db: Optional[str] = typer.Option(None, "--db", envvar="FICDEX_DB", help=DB_HELP, show_default=False),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    token: Optional[str] = typer.Option(None, "--token", envvar="FICDEX_TOKEN",
                                        help="Require this token for uploads and tag overrides."),
    hide_explicit: bool = typer.Option(False, "--hide-explicit", help="Leave Explicit works out everywhere."),
):
    """Browse, read and search the library in a web browser, AO3-style.

    Example: ficdex serve --db fics.db --port 8000
    """
    import uvicorn

    from ..cli import error_line
    from ..errors import FicdexError
    from .app import create_app

    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(24)
        typer.echo(f"Listening on {host}, which is not loopback: uploads and overrides need this token.")
        typer.echo(f"Open http://{host}:{port}/?token={token} once in your browser to unlock them.")
    try:
        app = create_app(db, token=token, hide_explicit=hide_explicit)
    except FicdexError as e:
        error_line(e)
        raise typer.Exit(1)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)


def register(app: typer.Typer) -> None:
    """Add `serve` to the main `ficdex` app as a top-level command."""
    app.command("serve")(serve)
