"""Export: EPUB 3 structure (and epubcheck when installed), sanitised HTML, JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from test_library_support import doc as make_doc
from test_library_support import no_stages  # noqa: F401 - fixture
from typer.testing import CliRunner

from ficdex import api
from ficdex.cli import app
from ficdex.export import export_work
from ficdex.library import open_store
from ficdex.model import Declared, RawChapter, Source, build_story

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "c": "urn:oasis:names:tc:opendocument:xmlns:container", "x": "http://www.w3.org/1999/xhtml"}
EVIL = '<script>alert("x")</script>'
CHAPTERS = ["The Signal", "Rooftops & Rain", f"Chapter {EVIL}"]


@pytest.fixture
def library(tmp_path, no_stages):
    story = build_story(
        [RawChapter(title, [f"Paragraph {i} of {title}. {EVIL} Bruce waited.", "The rain kept on."])
         for i, title in enumerate(CHAPTERS)],
        source=Source(path="rooftops.txt", format="text"),
        title="Rooftops <b>bold</b>", authors=["zed"], summary=f"Bruce & Dick. {EVIL}",
        declared=Declared(rating="Mature", warnings=["Graphic Depictions Of Violence"], category=["Gen"],
                          fandoms=["Batman"], characters=["Bruce Wayne", "Dick Grayson"],
                          freeforms=["Angst", "<i>Hurt</i>/Comfort"], chapters="3/3"),
    )
    store = open_store(tmp_path / "lib.db")
    store.put(api.to_json(api.analyze_story(story)), story.to_dict())
    # A work stored without its story (a metadata-only import).
    store.put(make_doc("00000000000000ab", "Bare", "First part.\n\nSecond part.", declared={"rating": "Teen"}))
    yield store, story.id
    store.close()


def epub_parts(path: Path):
    z = zipfile.ZipFile(path)
    container = etree.fromstring(z.read("META-INF/container.xml"))
    opf_path = container.find(".//c:rootfile", NS).get("full-path")
    opf = etree.fromstring(z.read(opf_path))
    base = str(Path(opf_path).parent)
    nav_href = opf.find(".//opf:item[@properties='nav']", NS).get("href")
    nav = etree.fromstring(z.read(f"{base}/{nav_href}"))
    return z, opf, nav, base


def test_export_epub_structure(library, tmp_path):
    store, wid = library
    path = export_work(store, wid, "epub", tmp_path / "w.epub")
    z, opf, nav, base = epub_parts(path)
    first = z.infolist()[0]
    assert (first.filename, first.compress_type, z.read("mimetype")) == (
        "mimetype", zipfile.ZIP_STORED, b"application/epub+zip")
    assert opf.get("version") == "3.0"
    work = store.get(wid)
    subjects = [e.text for e in opf.findall(".//dc:subject", NS)]
    assert sorted(subjects) == sorted(t for names in work.effective.values() for t in names)
    metas = {m.get("name"): m.get("content") for m in opf.findall(".//opf:meta[@name]", NS)}
    assert (metas["ficdex:rating"], metas["ficdex:warning"]) == ("Mature", "Graphic Depictions Of Violence")
    assert opf.find(".//dc:title", NS).text == "Rooftops <b>bold</b>"
    toc = [a.xpath("string()") for a in nav.findall(".//x:nav//x:a", NS)]
    assert toc == ["Title page", *CHAPTERS]
    title_page = z.read(f"{base}/title.xhtml").decode()
    assert "Mature" in title_page and "Graphic Depictions Of Violence" in title_page
    assert "<script" not in "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml"))


def test_export_epub_reopens_with_ebooklib(library, tmp_path):
    from ebooklib import ITEM_DOCUMENT, epub

    store, wid = library
    book = epub.read_epub(str(export_work(store, wid, "epub", tmp_path / "w.epub")))
    docs = [i.get_name() for i in book.get_items_of_type(ITEM_DOCUMENT)]
    assert [d for d in docs if d.startswith("chapter")] == ["chapter-001.xhtml", "chapter-002.xhtml", "chapter-003.xhtml"]
    assert book.get_metadata("DC", "title")[0][0] == "Rooftops <b>bold</b>"


def _epubcheck() -> list[str] | None:
    jar = Path("/usr/share/java/epubcheck.jar")
    if jar.exists() and shutil.which("java"):
        return ["java", "-jar", str(jar)]
    return None


@pytest.mark.slow
@pytest.mark.parametrize("which", ["story", "metadata-only"])
def test_export_epub_passes_epubcheck(library, tmp_path, which):
    cmd = _epubcheck()
    if cmd is None:
        pytest.skip("epubcheck is not installed (apt-get install epubcheck)")
    store, wid = library
    path = export_work(store, wid if which == "story" else "00000000000000ab", "epub", tmp_path / "w.epub")
    result = subprocess.run([*cmd, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors or warnings detected" in result.stdout


def test_export_html_is_escaped(library, tmp_path):
    store, wid = library
    page = export_work(store, wid, "html", tmp_path / "w.html").read_text("utf-8")
    assert "<script" not in page
    # summary 1, the third chapter's title 2 (nav and heading), each chapter's
    # text 3, and the third chapter's text quoting its title 1
    assert page.count("&lt;script&gt;") == 7
    assert "<title>Rooftops &lt;b&gt;bold&lt;/b&gt;</title>" in page
    assert "<dd>Angst, &lt;i&gt;Hurt&lt;/i&gt;/Comfort</dd>" in page


def test_export_json_round_trip(library, tmp_path):
    store, wid = library
    data = json.loads(export_work(store, wid, "json", tmp_path / "w.json").read_text("utf-8"))
    work = store.get(wid)
    assert data["effective"] == work.effective
    assert data["analysis"] == work.analysis
    assert [c["title"] for c in data["chapters"]] == CHAPTERS
    assert data["chapters"][1]["paragraphs"] == [f"Paragraph 1 of {CHAPTERS[1]}. {EVIL} Bruce waited.", "The rain kept on."]


def test_export_metadata_only_work(library, tmp_path):
    store, _ = library
    data = json.loads(export_work(store, "00000000000000ab", "json", tmp_path / "b.json").read_text("utf-8"))
    assert data["chapters"] == [{"title": "Bare", "paragraphs": ["First part.", "Second part."]}]


def test_export_cli_default_name(library, tmp_path, monkeypatch):
    store, wid = library
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["export", wid[:8], "--format", "html", "--db", store.url])
    assert (result.exit_code, result.stdout) == (0, f"rooftops-b-bold-b-{wid[:8]}.html\n")
    assert (tmp_path / f"rooftops-b-bold-b-{wid[:8]}.html").exists()


def test_export_cli_unwritable(library, tmp_path):
    store, wid = library
    out = tmp_path / "no" / "such" / "dir" / "w.epub"
    result = CliRunner().invoke(app, ["export", wid, "--out", str(out), "--db", store.url])
    assert (result.exit_code, result.stderr) == (1, f"Error: {out}: cannot write: No such file or directory\n")
