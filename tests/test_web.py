"""Every route of the web app through FastAPI's TestClient, over a library
built from samples/; answers are compared with what the library itself says."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from test_web_support import SAMPLES, build_library, pipeline_ready  # noqa: F401 - fixture

from ficdex.export import sections
from ficdex.library import SearchQuery, open_store
from ficdex.library.tags import TAG_TYPES, apply_override
from ficdex.web.app import create_app

HTML = {"accept": "text/html"}
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def lib(tmp_path_factory, pipeline_ready):  # noqa: F811
    db = tmp_path_factory.mktemp("web") / "library.db"
    ids = build_library(db, sorted(SAMPLES.iterdir()))
    with open_store(db) as store:
        titles = {store.get(i).title: i for i in ids}
    return {"db": db, "ids": ids, "by_title": titles}


@pytest.fixture(scope="module")
def client(lib):
    with TestClient(create_app(lib["db"]), raise_server_exceptions=False) as c:
        yield c


def _store(lib):
    return open_store(lib["db"])


def _ids(search):
    return [w.id for w in search.works]


# -- index -------------------------------------------------------------------
def test_web_index_lists_every_work(client, lib):
    with _store(lib) as store:
        titles = sorted(store.get(i).title or "Untitled" for i in store.ids())
    for url in ("/", "/works"):
        r = client.get(url, headers=HTML)
        assert r.status_code == 200
        assert sorted(t.strip() for t in _between(r.text, '<h4 class="heading"><a href="/works/', "</a>")) == titles


def _between(text, start, end):
    out, pos = [], 0
    while (i := text.find(start, pos)) >= 0:
        j = text.find(end, i)
        out.append(text[text.find(">", i + len(start)) + 1: j])
        pos = j
    return out


def test_web_works_json_matches_the_library(client, lib):
    data = client.get("/works.json").json()
    with _store(lib) as store:
        expected = store.search(SearchQuery())
        facets = {t: [{"name": n, "count": c} for n, c in store.tag_counts(t, 10)] for t in TAG_TYPES}
    assert [w["id"] for w in data["works"]] == _ids(expected)
    assert data["total"] == expected.total and data["facets"] == facets and data["facets_exact"] is True
    assert data["links"] == {"self": "/works.json", "html": "/works"}
    first = data["works"][0]
    assert set(first) >= {"id", "title", "authors", "words", "tags", "summary", "chapters", "url"}


@pytest.mark.parametrize("qs, query", [
    ("include_fandom=Batman", SearchQuery(include={"fandom": ["Batman"]})),
    ("exclude_rating=General+Audiences", SearchQuery(exclude={"rating": ["General Audiences"]})),
    ("q=rain", SearchQuery(text="rain")),
    ("words_from=300&words_to=450", SearchQuery(words_from=300, words_to=450)),
    ("sort=title", SearchQuery(sort="title")),
    ("include_tag=Hermione+Granger", SearchQuery(include={"tag": ["Hermione Granger"]})),
])
def test_web_filters_are_the_library_search(client, lib, qs, query):
    data = client.get(f"/works.json?{qs}").json()
    with _store(lib) as store:
        assert [w["id"] for w in data["works"]] == _ids(store.search(query))
    # Facets of a filtered search count the works matched.
    for t in TAG_TYPES:
        counted = {}
        for w in data["works"]:
            for name in w["tags"][t]:
                counted[name] = counted.get(name, 0) + 1
        # The ten most common; a tag filtered on stays listed (count null) so
        # the sidebar can untick it.
        top = sorted(counted.items(), key=lambda x: (-x[1], x[0]))[:10]
        assert [(f["name"], f["count"]) for f in data["facets"][t] if f["count"] is not None] == top
    for side, t, name in [(s, t, n) for s in ("include", "exclude") for t, ns in getattr(query, s).items()
                          for n in ns if t in TAG_TYPES]:
        assert name in [f["name"] for f in data["facets"][t]]


def test_web_facets_count_every_work_matched_not_the_page(client, lib):
    # One work a page: the sidebar still counts every work the search matched.
    data = client.get("/works.json?exclude_rating=Explicit&per_page=1").json()
    assert len(data["works"]) == 1 and data["total"] > 1 and data["facets_exact"] is True
    everything = client.get("/works.json?exclude_rating=Explicit&per_page=100").json()
    for t in TAG_TYPES:
        counted = {}
        for w in everything["works"]:
            for name in w["tags"][t]:
                counted[name] = counted.get(name, 0) + 1
        top = sorted(counted.items(), key=lambda x: (-x[1], x[0]))[:10]
        assert [(f["name"], f["count"]) for f in data["facets"][t] if f["count"] is not None] == top
    with _store(lib) as store:
        expected = store.facet_counts(SearchQuery(exclude={"rating": ["Explicit"]}), 10)
    assert {t: [(f["name"], f["count"]) for f in fs if f["count"] is not None]
            for t, fs in data["facets"].items()} == expected


def test_web_index_url_is_canonical(client):
    r = client.get("/works?q=&sort=best&include_fandom=Batman&words_from=&include_tag=", headers=HTML,
                   follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/works?include_fandom=Batman")
    r = client.get("/works?include_fandom=Batman", headers=HTML)
    assert r.status_code == 200 and 'value="Batman" checked' in r.text


def test_web_paging(client, lib):
    data = client.get("/works.json?per_page=1&page=2&sort=title").json()
    with _store(lib) as store:
        assert [w["id"] for w in data["works"]] == _ids(store.search(SearchQuery(sort="title", per_page=1, page=2)))
    assert data["links"] == {"self": "/works.json?sort=title&per_page=1&page=2",
                             "html": "/works?sort=title&per_page=1&page=2",
                             "next": "/works.json?sort=title&per_page=1&page=3",
                             "prev": "/works.json?sort=title&per_page=1"}
    assert data["pages"] == 3


# -- errors ------------------------------------------------------------------
@pytest.mark.parametrize("method, url, status, body", [
    ("get", "/works.json?sort=bogus", 400,
     {"error": "bad_request", "message": "sort must be one of best, title, author, words, added", "path": "/works.json"}),
    ("get", "/works.json?words_from=lots", 400,
     {"error": "bad_request", "message": "words_from must be a whole number, not 'lots'", "path": "/works.json"}),
    ("get", "/works/0123456789abcdef.json", 404,
     {"error": "not_found", "message": "no such work in the library", "path": "/works/0123456789abcdef.json"}),
    ("get", "/works/not-an-id", 404,
     {"error": "not_found", "message": "no such work in the library: a work id is 4 to 16 hex digits",
      "path": "/works/not-an-id"}),
    ("get", "/no/such/page", 404, {"error": "not_found", "message": "no page at this address", "path": "/no/such/page"}),
    ("put", "/upload", 405, {"error": "method_not_allowed", "message": "PUT is not allowed here", "path": "/upload"}),
    ("get", "/works.json?page=x", 422,
     {"error": "invalid", "message": "query.page: Input should be a valid integer, unable to parse string as an integer",
      "path": "/works.json"}),
])
def test_web_one_error_shape(client, method, url, status, body):
    r = getattr(client, method)(url)
    assert (r.status_code, r.json()) == (status, body)


def test_web_errors_are_pages_for_browsers(client):
    r = client.get("/works/0123456789abcdef", headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "no such work in the library" in r.text


def test_web_server_error_keeps_the_shape(lib, monkeypatch):
    app = create_app(lib["db"])

    def broken(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.state.library, "search_with_facets", broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/works.json?q=x")
    assert (r.status_code, r.json()) == (500, {"error": "internal", "path": "/works.json",
                                               "message": "the server failed to answer; the error is in its log"})


# -- work page, JSON, reader ---------------------------------------------------
def test_web_work_page_shows_tags_evidence_characters(client, lib):
    wid = lib["by_title"]["Rooftops"]
    with _store(lib) as store:
        work = store.get(wid)
    html = client.get(f"/works/{wid}", headers=HTML).text
    for t in TAG_TYPES:
        for name in work.effective[t]:
            assert f'href="/works?include_{t}={_q(name)}"' in html
    for c in work.analysis["inferred"]["characters"]:
        assert (c["tag"] or c["name"]) in html
    for w in work.analysis["inferred"]["warnings"]:
        assert f"Warning: {w['tag']}" in html
        for e in w["evidence"]:
            assert _esc(e["excerpt"]) in html
    assert html.count("<circle") == len(client.get(f"/works/{wid}.json").json()["graph"]["nodes"])


def _q(name):
    from urllib.parse import quote_plus

    return _esc(quote_plus(name))


def _esc(text):
    from markupsafe import escape

    return str(escape(text))


def test_web_work_json_is_the_analysis_plus_tags(client, lib):
    wid = lib["by_title"]["Rooftops"]
    data = client.get(f"/works/{wid}.json").json()
    with _store(lib) as store:
        work = store.get(wid)
    assert {k: data[k] for k in work.analysis} == work.analysis
    assert data["tags"]["effective"] == work.effective and data["tags"]["declared"] == work.declared
    assert data["tags"]["source"]["fandom"] == "declared"
    names = [n["name"] for n in data["graph"]["nodes"]]
    assert names == [c["tag"] or c["name"] for c in work.analysis["inferred"]["characters"]][:12]


def test_web_short_id_redirects(client, lib):
    wid = lib["by_title"]["Rooftops"]
    r = client.get(f"/works/{wid[:8]}", headers=HTML, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (308, f"/works/{wid}")


def test_web_reader_whole_work_and_chapters(client, lib):
    wid = lib["by_title"]["The Restricted Section"]
    with _store(lib) as store:
        secs = sections(store, store.get(wid))
    assert len(secs) == 2
    html = client.get(f"/works/{wid}/read", headers=HTML).text
    assert html.count("<p data-p=") == sum(len(s.paragraphs) for s in secs)
    ch2 = client.get(f"/works/{wid}/chapters/2", headers=HTML).text
    assert f'href="/works/{wid}/chapters/1">← Previous Chapter' in ch2 and "Next Chapter" not in ch2
    assert ch2.count("<p data-p=") == len(secs[1].paragraphs)
    assert f'<p data-p="{len(secs[0].paragraphs)}">' in ch2  # numbered across the work
    assert client.get(f"/works/{wid}/chapters/2.json").json() == {
        "id": wid, "n": 2, "chapters": 2, "title": secs[1].title, "paragraphs": secs[1].paragraphs}
    assert client.get(f"/works/{wid}/chapters/3.json").json()["error"] == "not_found"


def test_web_downloads(client, lib):
    wid = lib["by_title"]["Rooftops"]
    r = client.get(f"/works/{wid}.epub")
    assert r.headers["content-type"] == "application/epub+zip"
    assert r.headers["content-disposition"] == f'attachment; filename="rooftops-{wid[:8]}.epub"'
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert z.read("mimetype") == b"application/epub+zip"
    page = client.get(f"/works/{wid}.html")
    assert page.status_code == 200 and "<h1>Rooftops</h1>" in page.text
    assert client.get(f"/works/{wid}/download.html").headers["content-disposition"].startswith("attachment")


# -- adult content -------------------------------------------------------------
def test_web_interstitial_for_mature_works(lib, tmp_path):
    db = tmp_path / "adult.db"
    ids = build_library(db, [SAMPLES / "gotham-rooftops.txt"])
    with open_store(db) as store:
        store.set_overrides(ids[0], apply_override({}, "rating", set=["Mature"]))
    with TestClient(create_app(db)) as c:
        gate = c.get(f"/works/{ids[0]}", headers=HTML)
        assert "This work could have adult content. If you continue, you have agreed that you are willing " \
               "to see such content." in gate.text
        assert f'href="/works/{ids[0]}?view_adult=true">Proceed' in gate.text
        assert "<p data-p" not in c.get(f"/works/{ids[0]}/read", headers=HTML).text
        agreed = c.get(f"/works/{ids[0]}?view_adult=true", headers=HTML)
        assert "dl class=\"work meta" in agreed.text and agreed.cookies.get("ficdex_adult") == "1"
        # Remembered for the session: the cookie has no expiry.
        assert "expires" not in agreed.headers["set-cookie"].lower()
        assert "<p data-p" in c.get(f"/works/{ids[0]}/read", headers=HTML).text
        assert c.get(f"/works/{ids[0]}.json").status_code == 200  # the API is not gated


def test_web_hide_explicit(lib, tmp_path):
    db = tmp_path / "explicit.db"
    ids = build_library(db, [SAMPLES / "gotham-rooftops.txt", SAMPLES / "smallville-rain-check.txt"])
    with open_store(db) as store:
        store.set_overrides(ids[0], apply_override({}, "rating", set=["Explicit"]))
    with TestClient(create_app(db, hide_explicit=True)) as c:
        assert [w["id"] for w in c.get("/works.json").json()["works"]] == [ids[1]]
        for url in (f"/works/{ids[0]}.json", f"/works/{ids[0]}.epub", f"/works/{ids[0]}/read"):
            assert c.get(url).json()["error"] == "not_found"
        assert ids[0] not in c.get("/opds/works").text
    with TestClient(create_app(db)) as c:
        assert len(c.get("/works.json").json()["works"]) == 2


# -- upload and overrides ------------------------------------------------------
def test_web_upload_files(tmp_path, pipeline_ready):  # noqa: F811
    db = tmp_path / "up.db"
    with TestClient(create_app(db, max_file_bytes=20_000)) as c:
        story = (SAMPLES / "gotham-rooftops.txt").read_bytes()
        files = [("files", ("fics/rooftops.txt", story, "text/plain")),
                 ("files", ("fics/empty.txt", b"   \n", "text/plain")),
                 ("files", ("fics/big.txt", b"word " * 5000, "text/plain")),
                 ("files", ("fics/image.bin", bytes(range(256)) * 20, "application/octet-stream"))]
        data = c.post("/upload", files=files).json()
        with open_store(db) as store:
            wid = store.ids()[0]
        assert [r["status"] for r in data["results"]] == ["added", "error", "error", "error"]
        assert data["results"][0] == {"file": "fics/rooftops.txt", "status": "added", "id": wid,
                                      "title": "Rooftops", "duplicates": []}
        assert data["results"][1]["error"] == {"error": "empty_file", "message": "file is empty",
                                               "path": "fics/empty.txt"}
        assert data["results"][2]["error"]["error"] == "file_too_large"
        assert data["results"][3]["error"]["error"] == "binary_file"
        assert data["counts"] == {"added": 1, "unchanged": 0, "updated": 0, "error": 3}
        again = c.post("/upload", files=files[:1], headers=HTML)
        assert "<b>unchanged</b>" in again.text
        assert c.post("/upload", files=[]).json()["error"] == "bad_request"


def test_web_override_a_tag(lib, tmp_path):
    db = tmp_path / "tags.db"
    ids = build_library(db, [SAMPLES / "smallville-rain-check.txt"])
    with TestClient(create_app(db)) as c:
        r = c.post(f"/works/{ids[0]}/tags", json={"type": "freeform", "action": "add", "tag": "Rain, Apples"})
        assert r.json()["effective"]["freeform"][-2:] == ["Rain", "Apples"]
        r = c.post(f"/works/{ids[0]}/tags", data={"type": "rating", "action": "set", "tag": "Mature"},
                   headers=HTML, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, f"/works/{ids[0]}?saved=rating#tags")
        with open_store(db) as store:
            w = store.get(ids[0])
        assert w.effective["rating"] == ["Mature"] and w.overrides["freeform"]["add"] == ["Rain", "Apples"]
        assert c.get(f"/works.json?include_freeform=Apples").json()["total"] == 1
        r = c.post(f"/works/{ids[0]}/tags", json={"type": "freeform", "action": "clear"})
        assert "freeform" not in r.json()["overrides"]
        bad = c.post(f"/works/{ids[0]}/tags", json={"type": "colour", "action": "set", "tag": "x"})
        assert (bad.status_code, bad.json()["error"]) == (400, "bad_request")


# -- OPDS and OpenAPI ----------------------------------------------------------
def test_web_opds(client, lib):
    root = ElementTree.fromstring(client.get("/opds").content)
    hrefs = [l.get("href") for l in root.iter(f"{ATOM}link") if l.get("rel") == "subsection"]
    assert "/opds/works?sort=added" in hrefs and "/opds/fandoms" in hrefs
    feed = ElementTree.fromstring(client.get("/opds/works").content)
    entries = feed.findall(f"{ATOM}entry")
    assert sorted(e.find(f"{ATOM}id").text for e in entries) == sorted(f"urn:ficdex:{i}" for i in lib["ids"])
    for e in entries:
        acq = [l for l in e.findall(f"{ATOM}link") if l.get("rel") == "http://opds-spec.org/acquisition"]
        assert [l.get("type") for l in acq] == ["application/epub+zip"]
        assert client.get(acq[0].get("href")).status_code == 200
    fandoms = ElementTree.fromstring(client.get("/opds/fandoms").content)
    assert len(fandoms.findall(f"{ATOM}entry")) == len(client.get("/works.json").json()["facets"]["fandom"])
    search = client.get("/opds/search.xml").text
    assert 'template="/opds/works?q={searchTerms}"' in search
    hit = ElementTree.fromstring(client.get("/opds/works?q=rooftops").content)
    assert [e.find(f"{ATOM}title").text for e in hit.findall(f"{ATOM}entry")] == ["Rooftops"]


def test_web_openapi_documents_the_json_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/works.json", "/works/{work_id}.json", "/works/{work_id}/tags", "/upload",
              "/works/{work_id}/chapters/{n}.json", "/opds/works"):
        assert p in paths, p


def test_evidence_without_a_passage_shows_its_reason_and_no_empty_quote():
    # the rating's fandom note and the category's reasoning carry a `why`
    # but no excerpt: the page shows the reason, not an empty blockquote
    from ficdex.web.render import env

    item = {"evidence": [{"why": "a made-up reason"}, {"excerpt": "A made-up passage.", "why": "kissing"}]}
    html = env.get_template("_evidence.html").render(i=item)
    assert html.count("<blockquote") == 1
    assert "a made-up reason" in html and "A made-up passage." in html
