"""The character-interaction graph, drawn on the server as SVG.

Nodes are characters sized by mentions; an edge joins two characters who
talk to each other (exchanges, from `inferred.conversations`) or speak in
the same scene (shared scenes, from the attributed quotes).  Nodes sit on a
circle in order of prominence, so the drawing is stable and needs no layout
library or script.
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

MAX_NODES = 12
# Quotes this far apart (in characters) are taken to be in different scenes
# when no chapter boundary says so; about two pages of prose.
SCENE_GAP = 4000
SIZE = 520


def scenes(doc: dict) -> list[set[str]]:
    """The speakers of each scene: quotes split at chapter ends and at long
    stretches with no dialogue."""
    bounds = sorted(c["start"] for c in doc.get("chapters") or ())
    out: list[set[str]] = []
    last_end, chapter = None, -1
    for q in sorted((doc.get("inferred") or {}).get("quotes") or (), key=lambda q: q.get("start", 0)):
        if q.get("type") != "speech" or not q.get("speaker"):
            continue
        ch = sum(1 for b in bounds if b <= q["start"]) - 1
        if last_end is None or ch != chapter or q["start"] - last_end > SCENE_GAP:
            out.append(set())
        out[-1].add(q["speaker"])
        last_end, chapter = q.get("end", q["start"]), ch
    return out


def graph(doc: dict) -> dict:
    """{nodes: [{id, name, mentions}], edges: [{a, b, exchanges, scenes, weight}]}."""
    inf = doc.get("inferred") or {}
    chars = [c for c in inf.get("characters") or () if isinstance(c, dict) and c.get("id")][:MAX_NODES]
    ids = {c["id"] for c in chars}
    edges: dict[tuple[str, str], dict] = {}

    def edge(a, b):
        key = tuple(sorted((a, b)))
        return edges.setdefault(key, {"a": key[0], "b": key[1], "exchanges": 0, "scenes": 0})

    for p in (inf.get("conversations") or {}).get("pairs") or ():
        if p.get("a") in ids and p.get("b") in ids and p["a"] != p["b"]:
            edge(p["a"], p["b"])["exchanges"] += int(p.get("exchanges") or 0)
    for speakers in scenes(doc):
        people = sorted(speakers & ids)
        for i, a in enumerate(people):
            for b in people[i + 1:]:
                edge(a, b)["scenes"] += 1
    for e in edges.values():
        e["weight"] = e["exchanges"] + e["scenes"]
    return {
        "nodes": [{"id": c["id"], "name": c.get("tag") or c.get("name") or c["id"],
                   "mentions": int(c.get("mentions") or 0)} for c in chars],
        "edges": sorted(edges.values(), key=lambda e: (-e["weight"], e["a"], e["b"])),
    }


def svg(g: dict) -> Markup:
    """The graph as an inline SVG element; every name is escaped."""
    nodes = g["nodes"]
    if not nodes:
        return Markup("")
    c = SIZE / 2
    ring = c - 90 if len(nodes) > 1 else 0
    top = max(n["mentions"] for n in nodes) or 1
    pos = {}
    for i, n in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / len(nodes)
        pos[n["id"]] = (c + ring * math.cos(angle), c + ring * math.sin(angle))
    heaviest = max((e["weight"] for e in g["edges"]), default=1) or 1
    parts = [f'<svg class="graph" viewBox="0 0 {SIZE} {SIZE}" role="img" '
             f'aria-label="Who talks with whom" xmlns="http://www.w3.org/2000/svg">']
    for e in g["edges"]:
        (x1, y1), (x2, y2) = pos[e["a"]], pos[e["b"]]
        width = 1 + 7 * e["weight"] / heaviest
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke-width="{width:.1f}">'
                     f'<title>{e["exchanges"]} exchanges, {e["scenes"]} shared scenes</title></line>')
    for n in nodes:
        x, y = pos[n["id"]]
        r = 8 + 26 * math.sqrt(n["mentions"] / top)
        below = y >= c - 1 or len(nodes) == 1
        ty = y + r + 15 if below else y - r - 7
        parts.append(f'<g class="node"><circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}">'
                     f'<title>{escape(n["name"])}: {n["mentions"]} mentions</title></circle>'
                     f'<text x="{x:.1f}" y="{ty:.1f}" text-anchor="middle">{escape(_short(n["name"]))}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
