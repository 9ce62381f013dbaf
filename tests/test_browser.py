"""End to end in a real headless Chromium: the server runs on 127.0.0.1 over
a library built from samples/, and Playwright clicks through what a reader
does: search and filter, open a work, pass the adult-content interstitial,
read a chapter, upload a file, override a tag.

Set FICDEX_SCREENSHOTS=docs/screenshots to refresh the committed screenshots.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from test_web_support import SAMPLES, build_library, pipeline_ready  # noqa: F401 - fixture

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("FICDEX_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _need_browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}: run .ci/chromium.sh (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, pipeline_ready):  # noqa: F811
    _need_browser()
    import uvicorn

    from ficdex.library import open_store
    from ficdex.library.tags import apply_override
    from ficdex.web.app import create_app

    db = tmp_path_factory.mktemp("browser") / "library.db"
    ids = build_library(db, sorted(SAMPLES.iterdir()))
    with open_store(db) as store:
        titles = {store.get(i).title: i for i in ids}
        # The samples are General and Teen; one is made Mature, as a reader
        # would, so the interstitial has a work to guard.
        rooftops = titles["Rooftops"]
        store.set_overrides(rooftops, apply_override({}, "rating", set=["Mature"]))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started:
        if time.time() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "ids": titles, "db": db}
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server["url"])
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    assert errors == [], errors  # CSP violations and script errors show up here


def _shot(page, name: str, tmp_path: Path):
    out = Path(os.environ.get("FICDEX_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"{name}.png"))


def test_browser_search_and_filter(page, tmp_path):
    page.goto("/")
    assert page.locator("li.blurb").count() == 3
    _shot(page, "index", tmp_path)
    page.fill("#header input[name=q]", "rain")
    page.press("#header input[name=q]", "Enter")
    page.wait_for_url("**/works?q=rain")
    titles = page.locator("li.blurb h4 a").all_inner_texts()
    assert len(titles) >= 1 and page.locator("h2.heading").first.inner_text().endswith("for “rain”")
    # Tick a fandom in the sidebar and submit: the URL keeps the whole query.
    page.goto("/works")
    page.locator("details.facet:has(summary:text('Fandoms'))").first.locator("summary").click()
    box = page.locator("input[name=include_fandom][value='Batman']")
    box.check()
    page.locator("#work-filters button[type=submit]").first.click()
    page.wait_for_url("**/works?include_fandom=Batman*")
    assert page.locator("li.blurb h4 a").all_inner_texts() == ["Rooftops"]
    assert page.locator("input[name=include_fandom][value='Batman']").is_checked()


def test_browser_interstitial_work_page_and_reader(page, server, tmp_path):
    wid = server["ids"]["Rooftops"]
    page.goto(f"/works/{wid}")
    assert "This work could have adult content" in page.inner_text(".adult")
    page.click("text=Proceed")
    page.wait_for_selector("dl.work.meta")
    assert page.locator("dd.rating .source").inner_text() == "override"
    # The session cookie remembers the choice.
    page.goto(f"/works/{wid}")
    assert page.locator(".adult").count() == 0
    page.locator("details.evidence.warning summary").first.click()
    assert page.locator("details.evidence.warning blockquote.excerpt").first.is_visible()
    assert page.locator("svg.graph circle").count() >= 2
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "work", tmp_path)
    page.click("text=Entire Work")
    page.wait_for_selector("#reader p[data-p]")
    size = page.evaluate("getComputedStyle(document.getElementById('reader')).fontSize")
    page.click("#font-up")
    assert page.evaluate("getComputedStyle(document.getElementById('reader')).fontSize") != size
    page.click("#theme")
    assert "dark" in page.evaluate("document.body.className")
    page.click("#theme")
    _shot(page, "reader", tmp_path)
    # Scroll, then come back: the position is remembered by work id.
    page.set_viewport_size({"width": 600, "height": 300})
    page.locator("#reader p[data-p='10']").scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    saved = page.evaluate(f"JSON.parse(localStorage.getItem('ficdex:pos:{wid}'))")
    assert saved["url"] == f"/works/{wid}/read" and saved["p"] >= 5
    page.goto(f"/works/{wid}/chapters/1")
    assert page.locator("#reader h2.title").inner_text() == "Rooftops"


def test_browser_upload_and_override(page, server, tmp_path):
    story = tmp_path / "night-shift.txt"
    story.write_text("Title: Night Shift\nAuthor: tester\nFandom: Batman\n\n" + "\n\n".join(
        f'"Paragraph {i}," Bruce said to Dick, and the rain kept falling over Gotham.' for i in range(40)))
    page.goto("/upload")
    page.set_input_files("input[name=files][multiple]", str(story))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector(".upload-results")
    line = page.locator(".upload-results li").first
    assert line.inner_text().startswith("added Night Shift")
    line.locator("a").first.click()
    page.wait_for_selector("form.override")
    page.select_option("form.override select[name=type]", "freeform")
    page.select_option("form.override select[name=action]", "add")
    page.fill("form.override input[name=tag]", "Rain")
    page.click("form.override button[type=submit]")
    page.wait_for_selector(".notice.saved")
    assert page.locator("dd.freeform a.tag").all_inner_texts() == ["Rain"]
    assert page.locator("dd.freeform .source").inner_text() == "override"
