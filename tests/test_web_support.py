"""Fixtures for the web tests: a library built from samples/, analysed by
the real pipeline, and hostile stories.

The entity tagger (ficdex/models/ner) is trained, not shipped in git.  When
it is absent, a stand-in tags capitalised names as people so the characters,
quotes and relationships stages still run and the pages have something to
show; the web tests check what the pages do with an analysis, not how good
the analysis is (the stages' own tests do that).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
NER_MODEL = ROOT / "ficdex" / "models" / "ner" / "meta.json"

_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)*\b")
_NOT_NAMES = {"The", "He", "She", "It", "They", "We", "I", "You", "A", "An", "But", "And", "Then", "When",
              "What", "His", "Her", "Their", "This", "That", "There", "If", "Also", "Below", "Thank", "Four",
              "Three", "Take", "Yes", "No", "Not", "One", "Two", "In", "On", "At", "So", "Oh", "Well", "Chapter"}


class StandInEntities:
    """Capitalised words that are not sentence-opening function words, as PER."""

    name = "entities"
    requires: tuple = ()
    assigns = ("entities",)

    def __call__(self, doc):
        text = doc.story.text
        found = []
        for m in _NAME.finditer(text):
            words = m.group().split()
            while words and words[0] in _NOT_NAMES:
                words = words[1:]
            if words:
                name = " ".join(words)
                found.append((m.end() - len(name), m.end(), name))
        # A capitalised word only ever seen opening a sentence or a quote is
        # far more often an ordinary word ("Traffic,") than a name.
        mid = {n for s, _, n in found if re.search(r"[a-z,;] $", text[max(0, s - 2):s])}
        doc.inferred["entities"] = [{"start": s, "end": e, "label": "PER", "text": n}
                                    for s, e, n in found if n in mid or n.split()[0] in mid]
        return doc


def analysis_pipeline():
    from ficdex.analysis import pipeline

    if NER_MODEL.exists():
        return pipeline.default_pipeline()
    pipeline.load_stages()
    stages = [StandInEntities()] + [pipeline.REGISTRY[n]() for n in pipeline.DEFAULT_STAGES
                                    if n != "entities" and n in pipeline.REGISTRY]
    return pipeline.Pipeline(stages)


@pytest.fixture(scope="module")
def pipeline_ready():
    """Make `ficdex.api` analyse with `analysis_pipeline()` for one test
    module, and put the default back so other modules never see the stand-in."""
    from ficdex.analysis import pipeline

    old = pipeline._DEFAULT
    pipeline._DEFAULT = analysis_pipeline()
    yield
    pipeline._DEFAULT = old


def build_library(path: Path, files) -> list[str]:
    """A library at `path` holding `files`, analysed; returns the work ids."""
    from ficdex.library import open_store
    from ficdex.library.catalog import add_files

    with open_store(path) as store:
        outcomes = list(add_files(store, [str(f) for f in files]))
    bad = [o.error for o in outcomes if o.error]
    assert not bad, bad
    return [o.work_id for o in outcomes]


HOSTILE = """Title: <script>alert('title')</script> Evil & "Quoted"
Author: <img src=x onerror=alert('author')>
Fandom: <b onmouseover=alert(1)>Batman</b>
Rating: Teen And Up Audiences
Summary: </textarea><script>alert('summary')</script><a href="javascript:alert('s')">click</a>

"Stay here," Bruce said. <script>alert('text')</script> He looked at Dick.

"No," Dick said. <img src=x onerror=alert('img')> It was raining on the rooftops of Gotham.

<a href="javascript:alert('link')">a link</a> and </textarea></title><iframe src="javascript:alert(1)"></iframe> "Fine," Bruce said to Dick. {{ 7*7 }} ${7*7}

Dick laughed and Bruce did not. The rain went on over the city for a long time, and they watched it.
"""


def hostile_ao3_html() -> str:
    """The AO3 sample with markup smuggled into every field: entities that
    decode to tags in the title, author, summary, tags and chapter title,
    and live script, handlers and javascript: links in the text."""
    html = (SAMPLES / "hogwarts-library-ao3.html").read_text(encoding="utf-8")
    evil = "&lt;script&gt;alert('{0}')&lt;/script&gt;&lt;img src=x onerror=alert('{0}')&gt;"
    swaps = [
        ("<h1>The Restricted Section</h1>", f"<h1>{evil.format('title')} Forbidden</h1>"),
        (">ficdex_samples</a></div>", f">{evil.format('author')}</a></div>"),
        ("<p>Hermione needs one book.", "<p>&lt;/textarea&gt;&lt;/title&gt;" + evil.format("summary")
         + "<script>alert('live summary')</script><a href=\"javascript:alert(1)\">x</a> Hermione needs one book."),
        (">Friendship</a>", ">" + evil.format("freeform") + "</a>"),
        (">Irma Pince</a>", ">\"&gt;&lt;svg onload=alert('character')&gt;</a>"),
        ("Chapter 1: After Hours", "Chapter 1: " + evil.format("chapter")),
        ("<p>The library was nearly empty", "<p><script>alert('text')</script><img src=x onerror=alert(9)>"
         "<a href=\"javascript:alert('link')\">link</a> &lt;/textarea&gt;&lt;script&gt;alert('escaped')&lt;/script&gt;"
         " {{ 7*7 }} The library was nearly empty"),
    ]
    for old, new in swaps:
        assert old in html, old
        html = html.replace(old, new, 1)
    return html
