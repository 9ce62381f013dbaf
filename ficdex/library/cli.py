"""The library commands: add, reanalyze, search, show, remove, tag, stats,
export, duplicates.  Each parses its options and calls the library; errors
are one line naming the file or work ("Error: path: reason"), exit 1.

`register(app)` adds them to the main `ficdex` app as top-level commands.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape
from rich.console import Console
from rich.table import Table

from ..errors import FicdexError
from ..ingest import DEFAULT_MAX_BYTES
from .query import SearchQuery
from .store import open_store
from .tags import TAG_TYPES, apply_override, tag_type

DB_HELP = "Library file, or a postgresql:// URL (default: library.db in your data directory)."
FILTERS = ("rating", "warning", "category", "fandom", "relationship", "character", "tag")
out = Console(highlight=False, soft_wrap=True)


class Sort(str, Enum):
    best = "best"
    title = "title"
    author = "author"
    words = "words"
    added = "added"


class Output(str, Enum):
    table = "table"
    json = "json"


class ExportFormat(str, Enum):
    epub = "epub"
    html = "html"
    json = "json"


def _db():
    return typer.Option(None, "--db", envvar="FICDEX_DB", help=DB_HELP, show_default=False)


def _fail(e: FicdexError):
    from ..cli import error_line

    error_line(e)
    raise typer.Exit(1)


@contextmanager
def _library(db: Optional[str]):
    try:
        store = open_store(db)
    except FicdexError as e:
        _fail(e)
    try:
        yield store
    except FicdexError as e:
        _fail(e)
    finally:
        store.close()


def _json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _report(o) -> None:
    typer.echo(f"{o.status} {o.work_id} {o.path or ''}".rstrip())
    for dup, sim in o.duplicates:
        typer.echo(f"  near-duplicate of {dup} ({sim:.0%} similar)")


def add(
    paths: List[Path] = typer.Argument(..., help="Story files or folders (walked recursively)."),
    db: Optional[str] = _db(),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", help="Refuse files larger than this."),
):
    """Analyse stories and add them to the library; re-adding changes nothing.

    Prints "added ID PATH" as each work is committed, and flags near-duplicates.

    Example: ficdex add ~/fics/ --db fics.db
    """
    from ..cli import err, error_line, progress
    from .catalog import add_files, story_files

    files, bad = story_files(paths)
    for e in bad:
        error_line(e)
    counts: Counter = Counter({"error": len(bad)} if bad else {})
    with _library(db) as store, progress(len(files), enabled=len(files) > 3 and err.is_terminal) as bar:
        task = bar.add_task("adding", total=len(files))
        for o in add_files(store, files, max_bytes=max_bytes):
            bar.advance(task)
            counts[o.status] += 1
            if o.error:
                error_line(o.error)
            else:
                _report(o)
    err.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no story files")
    if counts["error"]:
        raise typer.Exit(1)


def reanalyze(
    works: Optional[List[str]] = typer.Argument(None, help="Work ids (default: every work)."),
    outdated: bool = typer.Option(False, "--outdated", help="Only works analysed by an older ficdex."),
    db: Optional[str] = _db(),
):
    """Analyse stored works again from their stored text; your tag overrides are kept.

    Example: ficdex reanalyze --outdated
    """
    from ..cli import err, error_line
    from .catalog import reanalyze as run

    counts: Counter = Counter()
    with _library(db) as store:
        for o in run(store, works, outdated=outdated):
            counts[o.status] += 1
            if o.error:
                error_line(o.error)
            elif o.status != "skipped":
                _report(o)
    err.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no works")
    if counts["error"]:
        raise typer.Exit(1)


def search(
    text: Optional[str] = typer.Argument(None, help='Free text: words, "phrases", AND, OR, NOT, -word.'),
    rating: Optional[List[str]] = typer.Option(None, "--rating", help="Include this rating (several: any of them)."),
    warning: Optional[List[str]] = typer.Option(None, "--warning"),
    category: Optional[List[str]] = typer.Option(None, "--category"),
    fandom: Optional[List[str]] = typer.Option(None, "--fandom"),
    relationship: Optional[List[str]] = typer.Option(None, "--relationship"),
    character: Optional[List[str]] = typer.Option(None, "--character"),
    tag: Optional[List[str]] = typer.Option(None, "--tag", help="Any tag (additional tags and the rest)."),
    exclude_rating: Optional[List[str]] = typer.Option(None, "--exclude-rating"),
    exclude_warning: Optional[List[str]] = typer.Option(None, "--exclude-warning"),
    exclude_category: Optional[List[str]] = typer.Option(None, "--exclude-category"),
    exclude_fandom: Optional[List[str]] = typer.Option(None, "--exclude-fandom"),
    exclude_relationship: Optional[List[str]] = typer.Option(None, "--exclude-relationship"),
    exclude_character: Optional[List[str]] = typer.Option(None, "--exclude-character"),
    exclude_tag: Optional[List[str]] = typer.Option(None, "--exclude-tag"),
    words_from: Optional[int] = typer.Option(None, "--words-from", min=0),
    words_to: Optional[int] = typer.Option(None, "--words-to", min=0),
    complete: Optional[bool] = typer.Option(None, "--complete/--incomplete", show_default=False),
    language: Optional[str] = typer.Option(None, "--language"),
    crossover: Optional[bool] = typer.Option(None, "--crossover/--no-crossover", show_default=False),
    only_inferred: bool = typer.Option(False, "--only-inferred", help="Filter on ficdex's inferred tags only."),
    only_declared: bool = typer.Option(False, "--only-declared", help="Filter on the author's declared tags only."),
    sort: Sort = typer.Option(Sort.best, "--sort"),
    page: int = typer.Option(1, "--page", min=1),
    per_page: int = typer.Option(20, "--per-page", min=1, max=1000),
    format: Output = typer.Option(Output.table, "--format", "-f"),
    db: Optional[str] = _db(),
):
    """Find works the way AO3's filters do: every included tag, no excluded one.

    Tags match through their aliases (Superman finds Clark Kent).

    Example: ficdex search "rain OR storm" --fandom Smallville --exclude-warning "Major Character Death"
    """
    given = locals()
    if only_inferred and only_declared:
        _fail(FicdexError("--only-inferred and --only-declared cannot be combined"))
    include = {t: given[t] for t in FILTERS if given[t]}
    exclude = {t: given[f"exclude_{t}"] for t in FILTERS if given[f"exclude_{t}"]}
    with _library(db) as store:
        query = SearchQuery(
            text=text, include=include, exclude=exclude, words_from=words_from, words_to=words_to,
            complete=complete, language=language, crossover=crossover,
            tags_from="inferred" if only_inferred else "declared" if only_declared else "effective",
            sort=sort.value, page=page, per_page=per_page,
        )
        result = store.search(query)
    if format is Output.json:
        return _json(result.to_dict())
    if not result.works:
        out.print(f"No works found ({result.total} in all)." if result.total else "No works found.")
        return
    first = (result.page - 1) * result.per_page + 1
    table = Table(title=f"{first}–{first + len(result.works) - 1} of {result.total:,} works", title_justify="left")
    # One AO3-style blurb a row: the tag lines wrap inside their own column,
    # which stays readable in an 80-column terminal.
    table.add_column("work", overflow="fold", ratio=1)
    table.add_column("tags", overflow="fold", ratio=2)
    for w in result.works:
        done = {True: "complete", False: "in progress", None: ""}[w.complete]
        table.add_row(
            f"[bold]{escape(w.title or '(untitled)')}[/bold]\n{escape(', '.join(w.authors) or 'unknown')}\n"
            f"[dim]{w.id[:10]} · {w.words:,} words {done}[/dim]",
            escape("\n".join(
                line for line in (
                    _few(w.tags["fandom"]),
                    " · ".join(w.tags["rating"] + w.tags["warning"] + w.tags["category"]),
                    _few(w.tags["relationship"], 3),
                ) if line
            )),
        )
    out.print(table)


def _few(tags: list[str], n: int = 2) -> str:
    return ", ".join(tags[:n]) + (f" +{len(tags) - n}" if len(tags) > n else "")


def show(
    work: str = typer.Argument(..., help="A work id (or a unique prefix of one)."),
    format: Output = typer.Option(Output.table, "--format", "-f"),
    db: Optional[str] = _db(),
):
    """Show one work: its effective tags, and where each came from.

    Example: ficdex show 3f2a9c
    """
    with _library(db) as store:
        w = store.get(work)
    if format is Output.json:
        return _json(w.to_dict())
    out.print(f"[bold]{w.title or '(untitled)'}[/bold] by {', '.join(w.authors) or 'unknown'}")
    out.print(f"id {w.id} · {w.words:,} words · {w.chapters} chapter(s) · "
              f"{ {True: 'complete', False: 'in progress', None: 'completion unknown'}[w.complete] }"
              + (f" · {w.language}" if w.language else "") + (" · crossover" if w.crossover else ""))
    out.print(f"source {w.source_path} ({w.source_format}) · analysed by ficdex {w.ficdex_version}")
    for t in TAG_TYPES:
        where = "override" if t in w.overrides else "declared" if w.declared[t] else "inferred" if w.inferred[t] else ""
        value = ", ".join(w.effective[t]) or "—"
        out.print(f"  {t:13} {value}" + (f"  [dim]({where})[/dim]" if where else ""))
    if w.summary:
        out.print(f"\n{w.summary}")


def remove(
    works: List[str] = typer.Argument(..., help="Work ids (or unique prefixes)."),
    db: Optional[str] = _db(),
):
    """Remove works from the library.

    Example: ficdex remove 3f2a9c
    """
    with _library(db) as store:
        for work in works:
            wid = store.resolve(work)
            store.remove(wid)
            typer.echo(f"removed {wid}")


def _pairs(values: Optional[List[str]], option: str) -> list[tuple[str, str]]:
    pairs = []
    for v in values or ():
        if "=" not in v:
            _fail(FicdexError(f"{option} {v!r}: write TYPE=TAG, e.g. {option} rating=Mature"))
        t, _, name = v.partition("=")
        try:
            pairs.append((tag_type(t), name.strip()))
        except FicdexError as e:
            _fail(e)
    return pairs


def tag(
    work: str = typer.Argument(..., help="A work id (or a unique prefix of one)."),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="TYPE=TAG: replace this type's tags."),
    add_: Optional[List[str]] = typer.Option(None, "--add", help="TYPE=TAG: add a tag."),
    remove_: Optional[List[str]] = typer.Option(None, "--remove", help="TYPE=TAG: remove a tag."),
    clear: Optional[List[str]] = typer.Option(None, "--clear", help="TYPE: drop your override for this type."),
    db: Optional[str] = _db(),
):
    """Override a work's tags: the override wins and survives re-analysis.

    Example: ficdex tag 3f2a9c --set rating=Mature --add character="Lex Luthor"
    """
    sets, adds, removes = _pairs(set_, "--set"), _pairs(add_, "--add"), _pairs(remove_, "--remove")
    with _library(db) as store:
        w = store.get(work)
        overrides = w.overrides
        for t in clear or ():
            overrides.pop(tag_type(t), None)
        grouped: dict[str, list[str]] = {}
        for t, name in sets:
            grouped.setdefault(t, []).append(name)
        for t, names in grouped.items():
            overrides = apply_override(overrides, t, set=names[-1:] if t == "rating" else names)
        for t, name in adds:
            if t == "rating":  # one rating per work: adding one replaces it
                overrides = apply_override(overrides, t, set=[name])
            else:
                overrides = apply_override(overrides, t, add=[name])
        for t, name in removes:
            overrides = apply_override(overrides, t, remove=[name])
        w = store.set_overrides(w.id, overrides)
    for t in TAG_TYPES:
        if t in w.overrides:
            typer.echo(f"{t}: {', '.join(w.effective[t]) or '—'}")


def stats(
    png: Optional[Path] = typer.Option(None, "--png", help="Also write bar charts to this PNG file."),
    top: int = typer.Option(10, "--top", min=1, help="How many fandoms and pairings to list."),
    format: Output = typer.Option(Output.table, "--format", "-f"),
    db: Optional[str] = _db(),
):
    """Works per fandom, rating and pairing.

    Example: ficdex stats --png library.png
    """
    from .stats import library_stats, write_png

    with _library(db) as store:
        data = library_stats(store, top=top)
        if png:
            write_png(data, png)
    if format is Output.json:
        return _json(data)
    out.print(f"[bold]{data['works']:,} works[/bold]")
    for key in ("ratings", "fandoms", "pairings", "friendships", "warnings", "categories"):
        if data[key]:
            out.print(f"\n[bold]{key}[/bold]")
            for name, n in data[key]:
                out.print(f"  {n:>7,}  {name}")
    if png:
        out.print(f"\nplot written to {png}")


def export(
    work: str = typer.Argument(..., help="A work id (or a unique prefix of one)."),
    format: ExportFormat = typer.Option(ExportFormat.epub, "--format", "-f"),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", help="File to write (default: TITLE-ID.EXT here)."),
    db: Optional[str] = _db(),
):
    """Write a work as EPUB 3, a standalone HTML page, or JSON, with its tags.

    Example: ficdex export 3f2a9c --format epub --out rain-check.epub
    """
    from ..export import export_work

    with _library(db) as store:
        path = export_work(store, work, format.value, out_path)
    typer.echo(str(path))


def duplicates(
    format: Output = typer.Option(Output.table, "--format", "-f"),
    db: Optional[str] = _db(),
):
    """List groups of near-duplicate works (the same story reposted with small edits).

    Example: ficdex duplicates
    """
    with _library(db) as store:
        groups = store.duplicate_groups()
        titles = {wid: store.get(wid).title for g in groups for wid, _ in g}
    if format is Output.json:
        return _json([[{"id": w, "title": titles[w], "similarity": s} for w, s in g] for g in groups])
    if not groups:
        out.print("No near-duplicates.")
    for i, g in enumerate(groups, 1):
        out.print(f"[bold]group {i}[/bold]")
        for wid, sim in g:
            out.print(f"  {wid}  {sim:>4.0%}  {titles[wid] or '(untitled)'}")


COMMANDS = {"add": add, "reanalyze": reanalyze, "search": search, "show": show, "remove": remove,
            "tag": tag, "stats": stats, "export": export, "duplicates": duplicates}


def register(app: typer.Typer) -> None:
    """Add the library commands to `app` as top-level commands."""
    for name, fn in COMMANDS.items():
        app.command(name)(fn)


app = typer.Typer(help="The ficdex library.", no_args_is_help=True, add_completion=False)
register(app)
