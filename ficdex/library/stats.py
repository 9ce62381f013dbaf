"""Counts over the library: works per fandom, rating and pairing, and a plot.

Counts use effective tags, so they agree with what `ficdex search` filters
on.  "Pairings" are AO3's romantic relationship tags (A/B); the platonic
A & B tags are counted apart as friendships.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LibraryError
from .store import Store
from .tags import RATINGS


def library_stats(store: Store, top: int = 10) -> dict:
    """:param top: how many fandoms, pairings and friendships to list."""
    ratings = dict(store.tag_counts("rating"))
    relationships = store.tag_counts("relationship")
    return {
        "works": store.count(),
        # Every AO3 rating appears, zeros included, in AO3's order.
        "ratings": [(r, ratings.get(r, 0)) for r in RATINGS],
        "fandoms": store.tag_counts("fandom", top),
        "pairings": [(t, c) for t, c in relationships if "/" in t][:top],
        "friendships": [(t, c) for t, c in relationships if "/" not in t][:top],
        "warnings": store.tag_counts("warning"),
        "categories": store.tag_counts("category"),
    }


def write_png(stats: dict, path: str | Path) -> Path:
    """Bar charts of fandoms, ratings and pairings, written as one PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    import matplotlib.pyplot as plt

    panels = [("Works per fandom", stats["fandoms"]), ("Works per rating", stats["ratings"]),
              ("Works per pairing", stats["pairings"])]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 3 + 0.35 * sum(len(p[1]) for p in panels)))
    for ax, (title, rows) in zip(axes, panels):
        labels = [_short(t) for t, _ in rows][::-1]
        values = [c for _, c in rows][::-1]
        ax.barh(labels or ["(none)"], values or [0], color="#990000")
        ax.set_title(title, loc="left", fontsize=11)
        ax.tick_params(axis="y", labelsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(f"{stats['works']:,} works", x=0.01, ha="left")
    fig.tight_layout()
    path = Path(path)
    try:
        fig.savefig(path, dpi=110)
    except OSError as e:
        raise LibraryError(f"cannot write the plot: {e.strerror or e}", str(path)) from e
    finally:
        plt.close(fig)
    return path


def _short(tag: str, width: int = 48) -> str:
    return tag if len(tag) <= width else tag[: width - 1] + "…"
