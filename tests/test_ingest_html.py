"""HTML reader: hostile markup, generic chapter splitting, decoding, AO3 layout."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ficdex.ingest import read, read_data
from ficdex.ingest.html import read_html
from ficdex.ingest.sanitize import split_lines

HOSTILE = """<!DOCTYPE html><html><head><title>Quiet <script>t()</script>Harbour</title>
<style>body { content: "STYLE-LEAK" }</style><script>var s = "SCRIPT-HEAD";</script></head>
<body onload="BODY-HANDLER()">
<h1 onclick="H1-HANDLER()">Quiet Harbour</h1>
<p onmouseover="P-HANDLER()">The boats came in <script>document.write("SCRIPT-INLINE")</script>at dusk.</p>
<!-- COMMENT-LEAK -->
<noscript>NOSCRIPT-LEAK</noscript><template><p>TEMPLATE-LEAK</p></template>
<iframe src="x">IFRAME-LEAK</iframe><object>OBJECT-LEAK</object><embed src="y">
<svg><text>SVG-LEAK</text><script>SVG-SCRIPT</script></svg><math><mi>MATH-LEAK</mi></math>
<p>Nobody waved<style>p{x:"STYLE-INLINE"}</style>, and nobody minded.</p>
<p>&lt;script&gt;escaped text stays text&lt;/script&gt;</p>
<div hidden>HIDDEN-LEAK</div><p style="display:none">DISPLAY-LEAK</p>
<textarea>TEXTAREA-LEAK</textarea>
</body></html>"""
LEAKS = [
    "STYLE-LEAK", "SCRIPT-HEAD", "HANDLER", "SCRIPT-INLINE", "COMMENT-LEAK", "NOSCRIPT-LEAK", "TEMPLATE-LEAK",
    "IFRAME-LEAK", "OBJECT-LEAK", "SVG-LEAK", "SVG-SCRIPT", "MATH-LEAK", "STYLE-INLINE", "HIDDEN-LEAK",
    "DISPLAY-LEAK", "TEXTAREA-LEAK", "t()",
]


def _everything(story) -> str:
    """Every string a reader hands on: text, titles, matter, metadata."""
    parts = [story.text, story.title or "", story.summary or "", *story.authors]
    parts += [c.title or "" for c in story.chapters]
    parts += [m.text for m in story.front_matter + story.back_matter]
    parts.append(repr(story.declared))
    return "\n".join(parts)


def test_hostile_html_never_reaches_text():
    s = read_html(HOSTILE.encode(), "hostile.html")
    seen = _everything(s)
    for leak in LEAKS:
        assert leak not in seen, leak
    assert s.paragraph_texts() == [
        "The boats came in at dusk.",
        "Nobody waved, and nobody minded.",
        "<script>escaped text stays text</script>",  # the author's literal text, not markup
    ]
    assert s.title == "Quiet Harbour"


def test_hostile_ao3_preface_never_reaches_metadata():
    page = """<html><body><div id="preface"><div class="meta"><dl class="tags">
    <dt>Rating:</dt><dd><a href="#">General Audiences<script>RATING-SCRIPT</script></a></dd>
    <dt>Fandom:</dt><dd><a href="#" onclick="FANDOM-HANDLER">Tide<!-- FANDOM-COMMENT -->pools</a></dd>
    <dt>Stats:</dt><dd>Words: 5</dd></dl>
    <h1>Tide<style>TITLE-STYLE</style>line</h1><div class="byline">by <a rel="author">kelp<script>AUTHOR</script></a></div>
    <p>Summary</p><blockquote class="userstuff"><p>Short<iframe>SUMMARY-IFRAME</iframe>.</p></blockquote></div></div>
    <div id="chapters" class="userstuff"><div class="userstuff"><p>Water rose.<svg><text>BODY-SVG</text></svg></p></div></div>
    </body></html>"""
    s = read_html(page.encode(), "ao3.html")
    seen = _everything(s)
    for leak in ("RATING-SCRIPT", "FANDOM-HANDLER", "FANDOM-COMMENT", "TITLE-STYLE", "AUTHOR", "SUMMARY-IFRAME", "BODY-SVG"):
        assert leak not in seen, leak
    assert (s.declared.rating, s.declared.fandoms, s.title, s.authors) == ("General Audiences", ["Tidepools"], "Tideline", ["kelp"])
    assert s.text == "Water rose."


@pytest.mark.parametrize("tag", ["div", "blockquote", "ul><li", "span", "b"])
def test_deep_nesting_is_fast_and_keeps_text(tag):
    depth = 100_000
    close = "</" + tag.split("><")[-1] + ">"
    html = "<html><body>" + f"<{tag}>" * depth + "<p>Deep down it was quiet.</p>" + close * depth + "</body></html>"
    start = time.perf_counter()
    s = read_html(html.encode(), "deep.html")
    assert time.perf_counter() - start < 10  # lexbor alone needs minutes for this
    assert s.text == "Deep down it was quiet."


def test_gigantic_flat_html():
    html = "<html><body>" + "<p>One more line of the long night.</p>" * 100_000 + "</body></html>"
    s = read_html(html.encode(), "big.html")
    assert len(s.chapters[0].paragraphs) == 100_000


def test_generic_chapters_split_at_chapter_headings():
    html = """<html><head><title>The Copper Kettle</title></head><body>
    <h1>The Copper Kettle</h1><p>A note before the story.</p>
    <h2>Chapter One: Steam</h2><p>The kettle sang.</p><p>Nobody answered it.</p>
    <hr/><p>Later, it stopped.</p>
    <h2>Chapter Two: Rust</h2><p>Years passed.</p><h4>A small aside</h4><p>It rusted.</p>
    </body></html>"""
    s = read_html(html.encode(), "kettle.html")
    assert s.source.format == "html" and s.title == "The Copper Kettle"
    assert [c.title for c in s.chapters] == [None, "Chapter One: Steam", "Chapter Two: Rust"]
    assert s.chapter_text(1) == "The kettle sang.\n\nNobody answered it.\n\nLater, it stopped."
    assert [p.scene_break_before for p in s.chapters[1].paragraphs] == [False, False, True]
    assert "The Copper Kettle" not in s.text  # the title heading is not story text


def test_generic_headings_that_are_not_chapters_do_not_split():
    html = "<html><body><h1>A Single Story</h1><h3>Author's note</h3><p>Thanks.</p><p>Once upon a time.</p></body></html>"
    s = read_html(html.encode(), "one.html")
    assert len(s.chapters) == 1 and s.title == "A Single Story"


def test_scene_dividers_are_breaks_not_text():
    html = "<p>Before.</p><p>* * *</p><p>After.</p><p align='center'>~oOo~</p><p>Then.</p><p>“…”</p>"
    s = read_html(("<html><body>" + html + "</body></html>").encode(), "d.html")
    assert s.paragraph_texts() == ["Before.", "After.", "Then.", "“…”"]
    assert [p.scene_break_before for p in s.paragraphs()] == [False, True, True, False]


def test_br_handling():
    verse = "the gull, the grey\nthe long way home\nand salt on the tongue"
    assert split_lines(verse) == [verse]  # short lines that do not end sentences: verse
    prose = "She left at noon.\nHe stayed behind to watch the water for a while.\n“Why?” she asked."
    assert split_lines(prose) == prose.split("\n")  # <br> used instead of <p>
    wrapped = "It was the kind of afternoon that made the whole harbour seem to\nlean towards the sea, and every rope on every boat creaked in\nagreement with the wind."
    assert split_lines(wrapped) == [" ".join(wrapped.split())]
    assert split_lines("one.\n\ntwo.") == ["one.", "two."]


def test_decoding_meta_charset_and_mojibake(tmp_path: Path):
    html = '<html><head><meta charset="windows-1252"><title>Caf\xe9</title></head><body><p>\u201cCaf\xe9,\u201d she said.</p></body></html>'
    s = read_html(html.encode("cp1252"), "cp.html")
    assert s.text == "\u201cCaf\xe9,\u201d she said." and s.source.encoding == "cp1252"
    # UTF-8 bytes read once as cp1252 and saved again: ftfy repairs, curly quotes kept
    mojibake = "It\u2019s the Caf\xe9.".encode("utf-8").decode("cp1252")
    assert mojibake == "Itâ€™s the CafÃ©."
    s = read_html(f"<html><body><p>{mojibake}</p></body></html>".encode("utf-8"), "moji.html")
    assert s.text == "It\u2019s the Caf\xe9." and s.source.repaired
    bom = "\ufeff<html><body><p>Gr\xfc\xdfe.</p></body></html>".encode("utf-16-le")
    assert read_html(b"\xff\xfe" + bom[2:], "u16.html").text == "Gr\xfc\xdfe."


def test_dispatcher_sniffs_html_saved_as_txt(tmp_path: Path):
    p = tmp_path / "story.txt"
    p.write_text("<!DOCTYPE html><html><body><p>Misnamed, but HTML.</p></body></html>")
    s = read(p)
    assert s.source.format == "html" and s.text == "Misnamed, but HTML."


def test_ao3_multichapter_layout():
    page = """<html><body><div id="preface"><p class="message">Posted on the <a href="http://archiveofourown.org/">Archive of Our Own</a></p>
    <div class="meta"><dl class="tags"><dt>Rating:</dt><dd><a>Mature</a></dd>
    <dt>Stats:</dt><dd>Published: 2020-01-01 Completed: 2020-02-02 Chapters: 2/2 Words: 9</dd></dl>
    <h1>Two Rooms</h1><div class="byline">by Anonymous</div></div></div>
    <div id="chapters" class="userstuff">
    <div class="meta group"><h2 class="heading">First Room</h2><p>Chapter Notes</p><blockquote class="userstuff"><p>n1</p></blockquote></div>
    <div class="userstuff"><p>A bed.</p><p>A lamp.</p></div>
    <div class="meta" id="endnotes1"><p>Chapter End Notes</p><blockquote class="userstuff"><p>e1</p></blockquote></div>
    <div class="meta group"><h2 class="heading">Second Room</h2></div>
    <div class="userstuff"><p>A window, open.</p></div></div>
    <div id="afterword"><div class="meta"><div id="endnotes"><p>End Notes</p><blockquote class="userstuff"><p>bye</p></blockquote></div></div></div>
    </body></html>"""
    s = read_data(page.encode(), "rooms.html")
    assert s.source.format == "ao3-html" and s.authors == [] and s.title == "Two Rooms"
    assert [c.title for c in s.chapters] == ["First Room", "Second Room"]
    assert s.text == "A bed.\n\nA lamp.\n\nA window, open."
    assert [(m.kind, m.text, m.chapter) for m in s.front_matter] == [("notes", "n1", 0)]
    assert [(m.kind, m.text, m.chapter) for m in s.back_matter] == [("end_notes", "e1", 0), ("end_notes", "bye", None)]
    assert (s.declared.rating, s.declared.chapters, s.declared.complete, s.declared.words) == ("Mature", "2/2", True, 9)
    assert s.declared.extra["completed"] == "2020-02-02"
