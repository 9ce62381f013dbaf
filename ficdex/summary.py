"""The readable summary `ficdex analyze --format text` prints for one story.

It renders the same JSON document the machine-readable output carries, so the
two can never disagree.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

NOT_BUILT = "[dim]not built yet[/dim]"


def _tags(items) -> str:
    if items is None:
        return NOT_BUILT
    if isinstance(items, dict):
        items = [items]
    if not items:
        return "[dim]none[/dim]"
    return ", ".join(f"{i['tag']}" + (f" [dim]({i['confidence']:.2f})[/dim]" if i.get("confidence") is not None else "") for i in items)


def print_summary(out: Console, data: dict) -> None:
    src = data["source"]
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("Title", data["title"] or "[dim]untitled[/dim]")
    head.add_row("Author", ", ".join(data["authors"]) or "[dim]unknown[/dim]")
    head.add_row(
        "Source",
        f"{src['path']} ({src['format']}, {src['encoding'] or 'binary'}"
        + (", mojibake repaired" if src.get("repaired") else "")
        + ")",
    )
    head.add_row("Words", f"{data['words']:,} in {len(data['chapters'])} chapter(s)")
    for m in data["front_matter"]:
        head.add_row(m["kind"].replace("_", " ").capitalize(), m["text"][:200])
    for m in data["back_matter"]:
        head.add_row(m["kind"].replace("_", " ").capitalize(), m["text"][:200])
    if data["declared"]:
        d = data["declared"]
        for key in ("rating", "warnings", "category", "fandoms", "relationships", "characters", "freeforms"):
            value = d.get(key)
            if value:
                head.add_row(f"Declared {key}", value if isinstance(value, str) else ", ".join(value))

    inf = data["inferred"]
    tags = Table.grid(padding=(0, 2))
    tags.add_column(style="bold cyan")
    tags.add_column()
    tags.add_row("Rating", _tags(inf["rating"]))
    tags.add_row("Warnings", _tags(inf["warnings"]))
    tags.add_row("Category", _tags(inf["category"]))
    tags.add_row("Fandoms", _tags(inf["fandoms"]))
    tags.add_row("Relationships", _tags(inf["relationships"]))
    tags.add_row("Additional tags", _tags(inf["additional_tags"]))
    chars = inf["characters"]
    if chars is None:
        tags.add_row("Characters", NOT_BUILT)
    else:
        tags.add_row(
            "Characters",
            "\n".join(
                f"{c['name']} [dim]{c.get('gender') or ''} · {c['mentions']} mention{'' if c['mentions'] == 1 else 's'}"
                + (f" · aka {', '.join(a for a in c['aliases'] if a != c['name'])}" if len(c["aliases"]) > 1 else "")
                + "[/dim]"
                for c in chars[:12]
            )
            or "[dim]none[/dim]",
        )
    quotes = inf["quotes"]
    tags.add_row("Quotes", NOT_BUILT if quotes is None else _quotes_line(quotes, inf.get("conversations")))
    talk = (inf.get("conversations") or {}).get("pairs") or []
    if talk:
        tags.add_row(
            "Who talks with whom",
            "\n".join(f"{escape(p['a_name'])} ↔ {escape(p['b_name'])} [dim]· {p['exchanges']} exchange{'' if p['exchanges'] == 1 else 's'}[/dim]" for p in talk[:5]),
        )
    out.print(Panel(head, title=f"[bold]{data['title'] or data['id']}[/bold]", subtitle=data["id"]))
    out.print(Panel(tags, title="Inferred by ficdex"))
    why = _evidence_rows(inf)
    if why.row_count:
        out.print(Panel(why, title="Why (the passages that decided each tag)"))


def _quotes_line(quotes: list, conversations: dict | None) -> str:
    """How many quotes, and who speaks them: the speaker counts are what a
    reader checks first ("does it think Lex talks more than Clark?")."""
    line = f"{len(quotes)}"
    speakers = (conversations or {}).get("speakers") or []
    if speakers:
        unattributed = sum(1 for q in quotes if q.get("type", "speech") == "speech" and not q.get("speaker"))
        parts = [f"{escape(s['name'])} {s['quotes']} [dim]({s['words']} words)[/dim]" for s in speakers[:6]]
        if unattributed:
            parts.append(f"[dim]no speaker {unattributed}[/dim]")
        line += " · " + " · ".join(parts)
    return line


def _evidence_rows(inf: dict) -> Table:
    """The first passage behind the rating, each warning and each
    relationship: a reader should be able to check a tag without the JSON."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    items = [inf["rating"]] if inf["rating"] else []
    items += (inf["warnings"] or []) + (inf["relationships"] or [])[:3]
    for item in items:
        passages = [e for e in item.get("evidence") or [] if e.get("excerpt")]
        if passages:
            e = passages[0]
            grid.add_row(escape(item["tag"]), f"[italic]“{escape(e['excerpt'][:160])}”[/italic] [dim]{escape(e.get('why') or '')}[/dim]")
    return grid
