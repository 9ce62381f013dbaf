"""Templates, and the small pieces of presentation they share: AO3's
required-tags square, tag links, and story text made safe.

Jinja autoescapes everything; story text additionally goes through nh3 with
a tiny allow-list after it is escaped, so a bug in a template or here still
cannot let a stored story carry markup into the page.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import nh3
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .. import __version__
from ..library.tags import TAG_TYPES
from .params import tag_url

HERE = Path(__file__).resolve().parent
LABELS = {"rating": "Rating", "warning": "Archive Warnings", "category": "Categories", "fandom": "Fandoms",
          "relationship": "Relationships", "character": "Characters", "freeform": "Additional Tags",
          "tag": "Other Tags"}
SINGULAR = {"rating": "Rating", "warning": "Warning", "category": "Category", "fandom": "Fandom",
            "relationship": "Relationship", "character": "Character", "freeform": "Additional Tag"}
# The blurb's tag line, in AO3's order.
BLURB_TYPES = ("warning", "relationship", "character", "freeform")
ADULT = {"Mature", "Explicit"}

_RATING = {"General Audiences": ("general-audience", "G"), "Teen And Up Audiences": ("teen", "T"),
           "Mature": ("mature", "M"), "Explicit": ("explicit", "E"), "Not Rated": ("notrated", "")}
_CATEGORY = {"F/F": "femslash", "F/M": "het", "M/M": "slash", "Gen": "gen", "Multi": "multi", "Other": "other"}
_ALLOWED = {"p", "em", "strong", "hr", "br"}

env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "xml"]),
                  trim_blocks=True, lstrip_blocks=True)


def symbols(tags: dict, complete) -> list[dict]:
    """AO3's 2x2 square: rating, warnings, category, completion, each as
    {css class, letter, title} so the square reads without images."""
    rating = (tags.get("rating") or ["Not Rated"])[0]
    rcls, rletter = _RATING.get(rating, ("notrated", ""))
    warnings = tags.get("warning") or []
    real = [w for w in warnings if w not in ("No Archive Warnings Apply", "Choose Not To Use Archive Warnings")]
    if real:
        wcls, wletter = "warning-yes", "!"
    elif "Choose Not To Use Archive Warnings" in warnings or not warnings:
        wcls, wletter = "warning-choosenotto", "?"
    else:
        wcls, wletter = "warning-no", ""
    cats = tags.get("category") or []
    ccls = "category-none" if not cats else "category-multi" if len(cats) > 1 else \
        f"category-{_CATEGORY.get(cats[0], 'other')}"
    done = {True: ("complete-yes", "✓", "Complete Work"), False: ("complete-no", "…", "Work in Progress"),
            None: ("complete-unknown", "", "Completion unknown")}[complete]
    return [
        {"cls": f"rating rating-{rcls}", "text": rletter, "title": rating},
        {"cls": f"warnings {wcls}", "text": wletter, "title": ", ".join(warnings) or "No warnings given"},
        {"cls": f"category {ccls}", "text": "", "title": ", ".join(cats) or "No category"},
        {"cls": f"iswip {done[0]}", "text": done[1], "title": done[2]},
    ]


def chapters_label(chapters: int, complete, declared: str | None) -> str:
    if declared and "/" in declared:
        return declared
    return f"{chapters}/{chapters if complete else '?'}"


def paragraphs_html(paragraphs: list[str], first_index: int = 0) -> Markup:
    """Story paragraphs as <p> elements numbered for the reading position."""
    parts = [f'<p data-p="{first_index + i}">{escape(p)}</p>' for i, p in enumerate(paragraphs)]
    return Markup(nh3.clean("\n".join(parts), tags=_ALLOWED, attributes={"p": {"data-p"}},
                            link_rel=None, url_schemes=set()))


def text_html(text: str | None) -> Markup:
    """A summary or note: plain text with its blank-line paragraphs kept."""
    if not text:
        return Markup("")
    paras = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup(nh3.clean("".join(f"<p>{escape(p)}</p>" for p in paras), tags=_ALLOWED, link_rel=None,
                            url_schemes=set()))


env.globals.update(TAG_TYPES=TAG_TYPES, LABELS=LABELS, SINGULAR=SINGULAR, BLURB_TYPES=BLURB_TYPES,
                   tag_url=tag_url, symbols=symbols, chapters_label=chapters_label, version=__version__)
env.filters["num"] = lambda n: f"{n:,}" if isinstance(n, int) else n
env.filters["pct"] = lambda x: f"{x:.0%}" if isinstance(x, (int, float)) else ""
env.filters["text_html"] = text_html


def render(request: Request, template: str, ctx: dict, status: int = 200) -> HTMLResponse:
    app = request.app.state
    html = env.get_template(template).render(
        request=request, hide_explicit=app.hide_explicit, writable=app.writable(request), **ctx)
    return HTMLResponse(html, status_code=status)
