"""The web app under attack: hostile stories, foreign sites, oversized
requests, forged ids.  Pages are parsed, not grepped, so an escaped
`&lt;script&gt;` passes and a live `<script>` anywhere fails."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from test_web_support import HOSTILE, build_library, hostile_ao3_html, pipeline_ready  # noqa: F401 - fixture

from ficdex.library import open_store
from ficdex.library.tags import apply_override
from ficdex.web.app import create_app
from ficdex.web.cli import is_loopback

HTML = {"accept": "text/html"}
OURS = {"/static/reader.js"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, pipeline_ready):  # noqa: F811
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "evil.txt").write_text(HOSTILE)
    (folder / "evil.html").write_text(hostile_ao3_html())
    db = folder / "library.db"
    wid, text_id = build_library(db, [folder / "evil.html", folder / "evil.txt"])
    # Hostile tags too: a reader's override is user input like any other.
    with open_store(db) as store:
        o = apply_override({}, "freeform", add=['<script>alert("tag")</script>', "<img src=x onerror=alert(2)>"])
        o = apply_override(o, "character", add=['"><svg onload=alert(3)>'])
        store.set_overrides(wid, o)
    return {"db": db, "id": wid, "text_id": text_id}


def assert_inert(html: str):
    """No script but ours, no event handler, no javascript: URL, no frame."""
    tree = HTMLParser(html)
    for node in tree.css("script"):
        assert node.attributes.get("src") in OURS and not node.text().strip(), node.html
    for node in tree.css("*"):
        for name, value in node.attributes.items():
            assert not name.lower().startswith("on"), node.html
            assert "javascript:" not in (value or "").lower().replace(" ", ""), node.html
    assert not tree.css("iframe, object, embed, img, base"), [n.html for n in tree.css("iframe, img")]


def test_web_hostile_story_is_inert_everywhere(hostile):
    with TestClient(create_app(hostile["db"])) as c:
        for wid in (hostile["id"], hostile["text_id"]):
            for url in ("/", "/works?q=library", f"/works/{wid}", f"/works/{wid}/read", f"/works/{wid}/chapters/1",
                        f"/works/{wid}.html", "/works?include_freeform=%3Cscript%3E", "/upload",
                        f"/works?include_character={quote_plus(chr(34) + '><svg onload=alert(3)>')}"):
                r = c.get(url, headers=HTML)
                assert r.status_code == 200, url
                assert_inert(r.text)
        wid = hostile["id"]
        page = c.get(f"/works/{wid}/read", headers=HTML).text
        work = c.get(f"/works/{wid}", headers=HTML).text
        index = c.get("/works", headers=HTML).text
    # The words are kept and shown as text, in every field.
    for field, html in (("escaped", page), ("chapter", page), ("title", work), ("summary", work), ("author", index),
                        ("freeform", work), ("title", index), ("summary", index)):
        # (Jinja writes ' as &#39;; nh3 leaves it bare: both are text.)
        assert f"&lt;script&gt;alert('{field}')&lt;/script&gt;" in html.replace("&#39;", "'"), field
    assert "&lt;script&gt;alert(&#34;tag&#34;)&lt;/script&gt;" in work
    assert "&lt;/textarea&gt;" in page and "&lt;/textarea&gt;" in work
    # Template syntax in a story is text, not code.
    assert "{{ 7*7 }}" in page and ">49<" not in page


def test_web_hostile_story_in_feeds_is_escaped(hostile):
    from xml.etree import ElementTree

    with TestClient(create_app(hostile["db"])) as c:
        feed = c.get("/opds/works").content
    root = ElementTree.fromstring(feed)  # well-formed despite the input
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert "<script>alert('title')</script><img src=x onerror=alert('title')> Forbidden" in titles
    assert b"<script>" not in feed and b"<img" not in feed


def test_web_hostile_error_messages_are_escaped(hostile):
    with TestClient(create_app(hostile["db"])) as c:
        r = c.get("/works?sort=<script>alert(1)</script>", headers=HTML)
        assert r.status_code == 400
        assert_inert(r.text)


def test_web_security_headers_on_every_answer(hostile):
    with TestClient(create_app(hostile["db"])) as c:
        for url in ("/", f"/works/{hostile['id']}.json", "/static/ficdex.css", "/nope", "/opds"):
            h = c.get(url).headers
            assert h["content-security-policy"].startswith("default-src 'self'"), url
            assert h["x-content-type-options"] == "nosniff", url


@pytest.mark.parametrize("url", ["/works/..%2F..%2Fpyproject.toml", "/static/../app.py", "/static/%2e%2e/app.py",
                                 "/works/abc%00def", "/works/" + "a" * 17, "/works/ABCDEF0123456789xyz.json"])
def test_web_no_url_reaches_the_file_system(hostile, url):
    with TestClient(create_app(hostile["db"])) as c:
        r = c.get(url)
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_web_token_guards_writes(hostile):
    wid = hostile["id"]
    body = {"type": "freeform", "action": "add", "tag": "Safe"}
    with TestClient(create_app(hostile["db"], token="s3cret")) as c:
        r = c.post(f"/works/{wid}/tags", json=body)
        assert (r.status_code, r.json()["error"]) == (401, "unauthorized")
        assert c.post("/upload", files=[("files", ("a.txt", b"hello there", "text/plain"))]).status_code == 401
        assert c.post(f"/works/{wid}/tags", json=body, headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.post(f"/works/{wid}/tags", json=body, headers={"authorization": "Bearer s3cret"}).status_code == 200
        # Reading needs no token.
        assert c.get(f"/works/{wid}.json").status_code == 200
        # ?token= once in a browser: a same-site cookie, and a clean URL.
        r = c.get("/works?token=s3cret&sort=title", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/works?sort=title")
        assert "samesite=strict" in r.headers["set-cookie"].lower() and "httponly" in r.headers["set-cookie"].lower()
        assert c.post(f"/works/{wid}/tags", json=body).status_code == 200
    with TestClient(create_app(hostile["db"], token="s3cret")) as c:
        r = c.get("/works?token=guess", follow_redirects=False)
        assert "set-cookie" not in r.headers
        assert c.post(f"/works/{wid}/tags", json=body).status_code == 401


def test_web_writes_from_other_sites_are_refused(hostile):
    wid = hostile["id"]
    with TestClient(create_app(hostile["db"])) as c:
        for headers in ({"origin": "http://evil.example"}, {"sec-fetch-site": "cross-site"},
                        {"referer": "http://evil.example/page"}, {"origin": "null"}):
            r = c.post(f"/works/{wid}/tags", data={"type": "rating", "action": "set", "tag": "General Audiences"},
                       headers=headers)
            assert (r.status_code, r.json()["error"]) == (403, "forbidden"), headers
        ok = c.post(f"/works/{wid}/tags", json={"type": "freeform", "action": "add", "tag": "Mine"},
                    headers={"origin": "http://testserver"})
        assert ok.status_code == 200


def test_web_request_size_limit(hostile):
    with TestClient(create_app(hostile["db"], max_request_bytes=10_000)) as c:
        r = c.post("/upload", files=[("files", ("big.txt", b"word " * 4000, "text/plain"))])
        assert r.status_code == 413
        assert r.json() == {"error": "request_too_large", "message": "the request is over the 10,000-byte limit",
                            "path": "/upload"}


def test_web_serve_binds_loopback_and_makes_a_token(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from ficdex.cli import app

    seen = {}
    monkeypatch.setattr("uvicorn.run", lambda a, **kw: seen.update(kw, token=a.state.token))
    runner = CliRunner()
    result = runner.invoke(app, ["serve", "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"], seen["token"]) == ("127.0.0.1", 8000, None)
    result = runner.invoke(app, ["serve", "--db", str(tmp_path / "a.db"), "--host", "0.0.0.0", "--port", "9000"])
    assert result.exit_code == 0 and seen["host"] == "0.0.0.0" and len(seen["token"]) >= 24
    assert f"?token={seen['token']}" in result.output


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("[::1]", True), ("127.0.0.2", True), ("0.0.0.0", False),
                                            ("192.168.1.5", False), ("example.com", False)])
def test_web_is_loopback(host, loopback):
    assert is_loopback(host) is loopback
