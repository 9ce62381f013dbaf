"""A work as one standalone HTML page, laid out like AO3's download.

Everything from the work — title, tags, summary, story text — is escaped;
the page body is then passed through nh3 with a small allow-list, so even a
bug here cannot let a stored fic carry script into someone's browser.
"""

from __future__ import annotations

from html import escape

import nh3

from ..library.tags import TAG_TYPES

LABELS = {"rating": "Rating", "warning": "Archive Warnings", "category": "Category", "fandom": "Fandoms",
          "relationship": "Relationships", "character": "Characters", "freeform": "Additional Tags"}
_ALLOWED = {"h1", "h2", "p", "dl", "dt", "dd", "div", "blockquote", "em", "strong", "hr", "a", "nav", "ol", "li"}
_STYLE = """body{max-width:40em;margin:2em auto;padding:0 1em;font:1.05em/1.55 Georgia,serif;color:#222}
dl.tags{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;font:.9em sans-serif}
dt{font-weight:bold}dd{margin:0}blockquote{font-style:italic}h2{margin-top:2em}"""


def tag_block(work) -> str:
    rows = []
    for t in TAG_TYPES:
        if work.effective[t]:
            rows.append(f"<dt>{LABELS[t]}:</dt><dd>{escape(', '.join(work.effective[t]))}</dd>")
    stats = f"Words: {work.words:,}" + (f" · Language: {escape(work.language)}" if work.language else "")
    rows.append(f"<dt>Stats:</dt><dd>{stats}</dd>")
    return '<dl class="tags">' + "".join(rows) + "</dl>"


def body(work, sections) -> str:
    parts = [f"<h1>{escape(work.title or 'Untitled')}</h1>"]
    if work.authors:
        parts.append(f"<p>by {escape(', '.join(work.authors))}</p>")
    parts.append(tag_block(work))
    if work.summary:
        parts.append(f"<p><strong>Summary</strong></p><blockquote>{escape(work.summary)}</blockquote>")
    if len(sections) > 1:
        items = "".join(f'<li><a href="#ch{i}">{escape(s.title)}</a></li>' for i, s in enumerate(sections, 1))
        parts.append(f"<nav><ol>{items}</ol></nav>")
    for i, s in enumerate(sections, 1):
        parts.append(f'<div id="ch{i}"><h2>{escape(s.title)}</h2>')
        parts.extend(f"<p>{escape(p)}</p>" for p in s.paragraphs)
        parts.append("</div>")
    return nh3.clean("\n".join(parts), tags=_ALLOWED, attributes={"dl": {"class"}, "div": {"id"}, "a": {"href"}},
                     link_rel=None, url_schemes=set())


def html_page(work, sections) -> str:
    lang = "en" if not work.language or work.language == "english" else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html{f" lang={chr(34)}{lang}{chr(34)}" if lang else ""}><head><meta charset="utf-8">'
        f"<title>{escape(work.title or 'Untitled')}</title>"
        f'<meta name="generator" content="ficdex"><style>{_STYLE}</style></head>\n'
        f"<body>\n{body(work, sections)}\n</body></html>\n"
    )
