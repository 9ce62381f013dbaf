"""EPUB reader: archive guards, AO3 and FanFicFare layouts, generic EPUBs.

No real EPUBs ship with the project, so each test builds one in tmp_path that
mimics the layout of the real thing; all story text here is written for
these tests.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ficdex.errors import CorruptArchiveError, ZipBombError
from ficdex.ingest import read, read_data
from ficdex.ingest.epub import read_epub

XHTML = '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}</title></head><body>{body}</body></html>'
CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def make_epub(path: Path, docs: list[tuple[str, str, str]], metadata: str, ncx: bool = True) -> Path:
    """docs: (file name, TOC title, body html) in spine order."""
    items = "".join(
        f'<item id="d{i}" href="{name}" media-type="application/xhtml+xml"/>' for i, (name, _, _) in enumerate(docs)
    )
    spine = "".join(f'<itemref idref="d{i}"/>' for i in range(len(docs)))
    opf = f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">{metadata}</metadata>
  <manifest>{items}<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/></manifest>
  <spine toc="ncx">{spine}</spine>
</package>"""
    points = "".join(
        f'<navPoint id="n{i}" playOrder="{i + 1}"><navLabel><text>{title}</text></navLabel><content src="{name}"/></navPoint>'
        for i, (name, title, _) in enumerate(docs)
    )
    toc = f'<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>{points}</navMap></ncx>'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", CONTAINER)
        z.writestr("OEBPS/content.opf", opf, zipfile.ZIP_DEFLATED)
        if ncx:
            z.writestr("OEBPS/toc.ncx", toc, zipfile.ZIP_DEFLATED)
        for name, title, body in docs:
            z.writestr(f"OEBPS/{name}", XHTML.format(title=title, body=body), zipfile.ZIP_DEFLATED)
    return path


# --- AO3 layout ------------------------------------------------------------------

AO3_PREFACE = """<div id="preface">
<p class="message"><b>The Salt Ledger</b><br/>Posted originally on the <a href="http://archiveofourown.org/">Archive of Our Own</a>
at <a href="http://archiveofourown.org/works/424242">http://archiveofourown.org/works/424242</a>.</p>
<div class="meta"><dl class="tags">
<dt>Rating:</dt><dd><a href="#">Teen And Up Audiences</a></dd>
<dt>Archive Warning:</dt><dd><a href="#">No Archive Warnings Apply</a></dd>
<dt>Category:</dt><dd><a href="#">F/F</a>, <a href="#">Gen</a></dd>
<dt>Fandom:</dt><dd><a href="#">Lighthouse Keepers (Original Work)</a></dd>
<dt>Relationship:</dt><dd><a href="#">Maren/Ide</a></dd>
<dt>Character:</dt><dd><a href="#">Maren</a>, <a href="#">Ide</a>, <a href="#">The Harbourmaster</a></dd>
<dt>Additional Tags:</dt><dd><a href="#">Slow Burn</a>, <a href="#">Storms</a></dd>
<dt>Language:</dt><dd>English</dd>
<dt>Stats:</dt><dd>Published: 2021-03-04 Updated: 2021-05-06 Chapters: 2/3 Words: 61</dd>
</dl>
<h1>The Salt Ledger</h1>
<div class="byline">by <a rel="author" href="#">quillwright</a>, <a rel="author" href="#">second_hand</a></div>
<p>Summary</p><blockquote class="userstuff"><p>Two keepers count ships that never arrive.</p></blockquote>
<p>Notes</p><blockquote class="userstuff"><p>Written for a prompt about ledgers.</p></blockquote>
</div></div>"""


def ao3_chapter(n: int, title: str, paras: list[str], summary: str | None = None) -> str:
    meta = f'<p>Chapter Summary</p><blockquote class="userstuff"><p>{summary}</p></blockquote>' if summary else ""
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<div id="chapters" class="userstuff"><div class="meta group"><h2 class="heading">{title}</h2>{meta}</div>'
        f'<div class="userstuff">{body}</div></div>'
    )


AO3_AFTER = """<div id="afterword"><div class="meta"><div id="endnotes"><p>End Notes</p>
<blockquote class="userstuff"><p>Thanks for reading this far.</p></blockquote></div></div></div>"""

CH1 = ["The ledger smelled of tar and old rain.", "Maren wrote the date twice, out of habit."]
CH2 = ["Ide came up the stairs with two cups of tea.", "Neither of them mentioned the empty horizon."]


@pytest.fixture
def ao3_epub(tmp_path: Path) -> Path:
    meta = (
        "<dc:title>The Salt Ledger</dc:title><dc:creator>quillwright</dc:creator>"
        "<dc:publisher>Archive of Our Own</dc:publisher><dc:language>en</dc:language>"
    )
    docs = [
        ("preface.xhtml", "Preface", AO3_PREFACE),
        ("chapter_1.xhtml", "Chapter 1: Tar", ao3_chapter(1, "Chapter 1: Tar", CH1, "Counting begins.")),
        ("chapter_2.xhtml", "Chapter 2: Tea", ao3_chapter(2, "Chapter 2: Tea", CH2)),
        ("afterword.xhtml", "Afterword", AO3_AFTER),
    ]
    return make_epub(tmp_path / "salt.epub", docs, meta)


def test_ao3_epub_declared_and_chapters(ao3_epub: Path):
    s = read(ao3_epub)
    assert s.source.format == "ao3-epub"
    assert s.title == "The Salt Ledger"
    assert s.authors == ["quillwright", "second_hand"]
    d = s.declared
    assert d.rating == "Teen And Up Audiences"
    assert d.warnings == ["No Archive Warnings Apply"]
    assert d.category == ["F/F", "Gen"]
    assert d.fandoms == ["Lighthouse Keepers (Original Work)"]
    assert d.relationships == ["Maren/Ide"]
    assert d.characters == ["Maren", "Ide", "The Harbourmaster"]
    assert d.freeforms == ["Slow Burn", "Storms"]
    assert (d.language, d.published, d.updated, d.words, d.chapters) == ("English", "2021-03-04", "2021-05-06", 61, "2/3")
    assert d.complete is False
    assert d.url == "http://archiveofourown.org/works/424242"
    assert [c.title for c in s.chapters] == ["Chapter 1: Tar", "Chapter 2: Tea"]
    assert s.paragraph_texts() == CH1 + CH2
    assert s.summary == "Two keepers count ships that never arrive."
    assert [(m.kind, m.chapter) for m in s.front_matter] == [("notes", None), ("summary", 0)]
    assert [(m.kind, m.text) for m in s.back_matter] == [("end_notes", "Thanks for reading this far.")]
    # nothing from the preface leaks into the story text
    for leak in ("Slow Burn", "Summary", "Archive of Our Own", "ledgers", "Thanks for reading"):
        assert leak not in s.text


def test_ao3_epub_without_wrappers_uses_toc_titles(tmp_path: Path):
    """Chapter files that lost AO3's div wrappers (re-converted EPUBs) still
    give one chapter per file, titled from the TOC, heading not in the text."""
    docs = [
        ("preface.xhtml", "Preface", AO3_PREFACE),
        ("c1.xhtml", "Tar", "<h2>Tar</h2>" + "".join(f"<p>{p}</p>" for p in CH1)),
        ("c2.xhtml", "Tea", "<h2>Tea</h2>" + "".join(f"<p>{p}</p>" for p in CH2)),
    ]
    s = read(make_epub(tmp_path / "bare.epub", docs, "<dc:title>x</dc:title>"))
    assert s.source.format == "ao3-epub"
    assert [c.title for c in s.chapters] == ["Tar", "Tea"]
    assert s.paragraph_texts() == CH1 + CH2


# --- FanFicFare layout -------------------------------------------------------------

FFF_TITLE = """<h3><a href="https://www.fanfiction.net/s/999">Northbound</a> by <a class="authorlink" href="#">Tamsin Reed</a></h3>
<div>
<b>Category:</b> Railway Tales, Snow Country<br />
<b>Genre:</b> Adventure, Friendship<br />
<b>Language:</b> English<br />
<b>Characters:</b> Oskar, Lumi<br />
<b>Relationships:</b> Oskar &amp; Lumi<br />
<b>Status:</b> Completed<br />
<b>Published:</b> 2019-01-02<br />
<b>Updated:</b> 2019-02-03<br />
<b>Rating:</b> K+<br />
<b>Warnings:</b> None<br />
<b>Chapters:</b> 2<br />
<b>Words:</b> 1,234<br />
<b>Publisher:</b> www.fanfiction.net<br />
<b>Summary:</b> A night train, a lost ticket,<br/>and a conductor who never sleeps.<br />
</div>"""
FFF_CH1 = ["The train left at midnight, as it always did.", "Oskar counted the lamps in the corridor."]
FFF_CH2 = ["By dawn the snow had swallowed the rails.", "Lumi found the ticket inside her mitten."]
FFF_META = """<dc:title>Northbound</dc:title><dc:creator opf:role="aut">Tamsin Reed</dc:creator>
<dc:contributor opf:role="bkp">FanFicFare [https://github.com/JimmXinu/FanFicFare]</dc:contributor>
<dc:subject>FanFiction</dc:subject><dc:subject>Railway Tales</dc:subject><dc:subject>Adventure</dc:subject>
<dc:subject>Completed</dc:subject><dc:subject>Found Tickets</dc:subject>
<dc:description>&lt;p&gt;A night train, a lost ticket.&lt;/p&gt;</dc:description>
<dc:language>en</dc:language><dc:publisher>FanFiction.net</dc:publisher>
<dc:source>https://www.fanfiction.net/s/999</dc:source>
<meta name="calibre:series" content="Winter Lines"/><meta name="calibre:series_index" content="2"/>"""


def fff_docs(title_page: str = FFF_TITLE) -> list[tuple[str, str, str]]:
    return [
        ("title_page.xhtml", "Title Page", title_page),
        ("toc_page.xhtml", "Table of Contents", '<a href="file0001.xhtml">Departure</a>'),
        ("file0001.xhtml", "Departure", "<h3>Departure</h3>" + "".join(f"<p>{p}</p>" for p in FFF_CH1)),
        ("file0002.xhtml", "Snow", "<h3>Snow</h3>" + "".join(f"<p>{p}</p>" for p in FFF_CH2)),
    ]


def test_fanficfare_epub(tmp_path: Path):
    s = read(make_epub(tmp_path / "north.epub", fff_docs(), FFF_META))
    assert s.source.format == "fanficfare-epub"
    assert (s.title, s.authors) == ("Northbound", ["Tamsin Reed"])
    d = s.declared
    assert d.rating == "K+"
    assert d.fandoms == ["Railway Tales", "Snow Country"]
    assert d.characters == ["Oskar", "Lumi"]
    assert d.relationships == ["Oskar & Lumi"]
    assert d.warnings == ["None"]
    # genres first, then the dc:subject tags the title page did not already give
    assert d.freeforms == ["Adventure", "Friendship", "Found Tickets"]
    assert (d.words, d.chapters, d.complete) == (1234, "2/2", True)
    assert (d.published, d.updated, d.language) == ("2019-01-02", "2019-02-03", "English")
    assert d.series == ["Winter Lines"] and d.extra["series_index"] == "2"
    assert d.url == "https://www.fanfiction.net/s/999"
    assert s.summary == "A night train, a lost ticket,\n\nand a conductor who never sleeps."
    assert [c.title for c in s.chapters] == ["Departure", "Snow"]
    assert s.paragraph_texts() == FFF_CH1 + FFF_CH2
    for leak in ("Rating", "Category", "Table of Contents", "Tamsin"):
        assert leak not in s.text


def test_fanficfare_table_title_page(tmp_path: Path):
    table = "<table>" + "".join(
        f"<tr><td><b>{k}:</b></td><td>{v}</td></tr>"
        for k, v in [("Rating", "T"), ("Category", "Railway Tales"), ("Status", "In-Progress"), ("Chapters", "2")]
    ) + "</table>"
    s = read(make_epub(tmp_path / "t.epub", fff_docs(table), FFF_META))
    assert (s.declared.rating, s.declared.fandoms, s.declared.chapters) == ("T", ["Railway Tales"], "2/?")
    assert s.paragraph_texts() == FFF_CH1 + FFF_CH2


# --- generic EPUB --------------------------------------------------------------------


def test_generic_epub_skips_cover_and_toc(tmp_path: Path):
    docs = [
        ("cover.xhtml", "Cover", '<img src="cover.jpg" alt="cover art"/>'),
        ("nav.xhtml", "Contents", "<ol><li>One</li></ol>"),
        ("one.xhtml", "One", "<h1>One</h1><p>The orchard was older than the town.</p><script>alert(1)</script>"),
        ("two.xhtml", "Two", "<h1>Two</h1><p>Every tree had a name, and <b>none</b> was kind.</p>"),
        ("afterword.xhtml", "Afterword", "<p>Thanks to my patient editor.</p>"),
    ]
    meta = "<dc:title>Orchard</dc:title><dc:creator>A. Writer</dc:creator><dc:creator>B. Writer</dc:creator><dc:subject>Trees</dc:subject>"
    s = read(make_epub(tmp_path / "orchard.epub", docs, meta))
    assert s.source.format == "epub"
    assert s.authors == ["A. Writer", "B. Writer"]
    assert s.declared.freeforms == ["Trees"]
    assert [c.title for c in s.chapters] == ["One", "Two"]
    assert s.paragraph_texts() == ["The orchard was older than the town.", "Every tree had a name, and none was kind."]
    assert s.back_matter[0].kind == "end_notes" and "editor" in s.back_matter[0].text


def test_generic_epub_titles_from_headings_without_toc(tmp_path: Path):
    docs = [("a.xhtml", "", "<h2>The First Frost</h2><p>Ice came early.</p>"), ("b.xhtml", "", "<p>No heading here.</p>")]
    s = read(make_epub(tmp_path / "frost.epub", docs, "<dc:title>Frost</dc:title>", ncx=False))
    assert [c.title for c in s.chapters] == ["The First Frost", None]


# --- hostile archives ------------------------------------------------------------------


def test_truncated_epub_is_corrupt(ao3_epub: Path, tmp_path: Path):
    data = ao3_epub.read_bytes()
    cut = tmp_path / "cut.epub"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptArchiveError) as e:
        read(cut)
    assert str(e.value).startswith(str(cut) + ":") and "\n" not in str(e.value)


def test_not_a_zip_named_epub_is_corrupt(tmp_path: Path):
    p = tmp_path / "fake.epub"
    p.write_bytes(b"this is plain text wearing an epub name")
    with pytest.raises(CorruptArchiveError, match="fake.epub"):
        read(p)


def test_epub_without_opf_is_corrupt(tmp_path: Path):
    p = tmp_path / "noopf.epub"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("META-INF/container.xml", CONTAINER)
        z.writestr("OEBPS/chapter.xhtml", XHTML.format(title="x", body="<p>text</p>"))
    with pytest.raises(CorruptArchiveError, match="OPF") as e:
        read(p)
    assert str(e.value).startswith(str(p)) and "\n" not in str(e.value)


def test_epub_without_container_is_corrupt(tmp_path: Path):
    p = tmp_path / "nocontainer.epub"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
    with pytest.raises(CorruptArchiveError, match="container.xml"):
        read(p)


def _bomb(path: Path, size: int) -> Path:
    """An EPUB whose chapter inflates to `size` bytes of zeros, written in
    chunks so the test never holds the inflated data in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/container.xml", CONTAINER)
        with z.open("OEBPS/chapter.xhtml", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                f.write(block)
    return path


def test_zip_bomb_is_refused(tmp_path: Path):
    p = _bomb(tmp_path / "bomb.epub", 300 << 20)
    assert p.stat().st_size < 1 << 20  # 300 MB of zeros deflates to ~300 KB
    with pytest.raises(ZipBombError) as e:
        read(p)
    assert str(e.value).startswith(str(p) + ":") and "\n" not in str(e.value)


def test_zip_bomb_by_ratio_under_size_cap(tmp_path: Path):
    """4 MB of zeros is under the size cap but compresses ~1000x: refused on ratio."""
    p = _bomb(tmp_path / "ratio.epub", 4 << 20)
    with pytest.raises(ZipBombError, match="ratio"):
        read(p)


def test_reads_are_metered_not_trusted(ao3_epub: Path):
    """The cap is enforced on bytes actually inflated, not only on the sizes
    the headers declare: with a cap below what the chapters inflate to, the
    read itself stops."""
    import ficdex.ingest.epub as epub

    arc = epub._Archive(ao3_epub.read_bytes(), str(ao3_epub), max_bytes=50 << 20)
    arc.cap = 1000  # as if the headers had understated every size
    with pytest.raises(ZipBombError, match="more than 1,000 bytes"):
        for name in sorted(arc.names):
            arc.read(name)


def test_too_many_members(tmp_path: Path, monkeypatch):
    import ficdex.ingest.epub as epub

    monkeypatch.setattr(epub, "MAX_MEMBERS", 5)
    p = tmp_path / "many.epub"
    with zipfile.ZipFile(p, "w") as z:
        for i in range(6):
            z.writestr(f"f{i}.txt", "x")
    with pytest.raises(ZipBombError, match="members"):
        read(p)


def test_dispatcher_reads_epub_bytes_without_suffix(ao3_epub: Path):
    s = read_data(ao3_epub.read_bytes(), "download-no-extension")
    assert s.source.format == "ao3-epub" and s.source.bytes == ao3_epub.stat().st_size
    assert s.id == read_epub(ao3_epub.read_bytes(), str(ao3_epub), 50 << 20).id
