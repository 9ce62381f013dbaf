"""A work's tags: what the author declared, what ficdex inferred, what the
reader overrode, and the effective tags the library filters on.

Effective tags are decided per tag type: the reader's override, else the
author's declared tags, else ficdex's inferred tags.  Declared tags win over
inferred ones because the author knows their story; an override wins over
both because the library belongs to the reader.

Names are matched through a normal form (case, spacing, curly quotes) and
through aliases, so `Superman` finds a work tagged `Clark Kent` once the
analysis or the fandom knowledge base says they are one person.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# AO3's tag types, in the order AO3 lists them on a work.  "freeform" is what
# AO3 calls the "Additional Tags".
TAG_TYPES = ("rating", "warning", "category", "fandom", "relationship", "character", "freeform")
# Single-valued types: setting one replaces the value, there is nothing to add.
SINGLE = {"rating"}

RATINGS = ("General Audiences", "Teen And Up Audiences", "Mature", "Explicit", "Not Rated")
WARNINGS = (
    "Choose Not To Use Archive Warnings",
    "Graphic Depictions Of Violence",
    "Major Character Death",
    "No Archive Warnings Apply",
    "Rape/Non-Con",
    "Underage",
)
CATEGORIES = ("F/F", "F/M", "Gen", "M/M", "Multi", "Other")

# Other spellings people and other archives use -> AO3's canonical name.
# FFN's K/K+/T/M and the film-style ratings are common in old text files.
_RATING_SYNONYMS = {
    "g": "General Audiences", "general": "General Audiences", "k": "General Audiences",
    "k+": "General Audiences", "pg": "General Audiences", "gen": "General Audiences",
    "t": "Teen And Up Audiences", "teen": "Teen And Up Audiences", "teen and up": "Teen And Up Audiences",
    "pg-13": "Teen And Up Audiences", "pg13": "Teen And Up Audiences",
    "m": "Mature", "r": "Mature", "ma": "Explicit", "e": "Explicit", "nc-17": "Explicit",
    "nc17": "Explicit", "x": "Explicit", "nr": "Not Rated", "unrated": "Not Rated",
}
_WARNING_SYNONYMS = {
    "underage sex": "Underage", "rape/non-consent": "Rape/Non-Con", "non-con": "Rape/Non-Con",
    "rape": "Rape/Non-Con", "mcd": "Major Character Death", "character death": "Major Character Death",
    "graphic violence": "Graphic Depictions Of Violence", "violence": "Graphic Depictions Of Violence",
    "no warnings": "No Archive Warnings Apply", "none": "No Archive Warnings Apply",
    "cntw": "Choose Not To Use Archive Warnings", "creator chose not to use archive warnings": "Choose Not To Use Archive Warnings",
}
_CATEGORY_SYNONYMS = {"slash": "M/M", "femslash": "F/F", "het": "F/M", "m/f": "F/M", "general": "Gen"}

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
# "Number Five | The Boy (Umbrella Academy)": AO3 disambiguates a character
# by fandom in parentheses and joins a character's names with " | ".
_DISAMBIGUATION = re.compile(r"\s*\([^()]*\)\s*$")


@lru_cache(maxsize=1 << 16)  # a library repeats a few thousand tag names endlessly
def norm(name: str) -> str:
    """The form tag names are compared in: NFKC, casefolded, one space."""
    name = unicodedata.normalize("NFKC", name).translate(_QUOTES)
    return _SPACE.sub(" ", name).strip().casefold()


def _canonical_from(name: str, names: tuple[str, ...], synonyms: dict[str, str]) -> str:
    n = norm(name)
    for canon in names:
        if norm(canon) == n:
            return canon
    return synonyms.get(n, name.strip())


def canonical(tag_type: str, name: str) -> str:
    """AO3's own spelling for ratings, warnings and categories; other tags as given."""
    if tag_type == "rating":
        return _canonical_from(name, RATINGS, _RATING_SYNONYMS)
    if tag_type == "warning":
        return _canonical_from(name, WARNINGS, _WARNING_SYNONYMS)
    if tag_type == "category":
        return _canonical_from(name, CATEGORIES, _CATEGORY_SYNONYMS)
    return _SPACE.sub(" ", name).strip()


_TYPE_NAMES = {
    "rating": "rating", "ratings": "rating", "warning": "warning", "warnings": "warning",
    "category": "category", "categories": "category", "fandom": "fandom", "fandoms": "fandom",
    "relationship": "relationship", "relationships": "relationship", "pairing": "relationship",
    "pairings": "relationship", "character": "character", "characters": "character",
    "freeform": "freeform", "freeforms": "freeform", "tag": "freeform", "tags": "freeform",
    "additional": "freeform", "additional_tags": "freeform", "additional-tags": "freeform",
}


def tag_type(name: str) -> str:
    """A tag type from how a person may write it ("warnings", "pairing", "tag")."""
    from ..errors import QueryError

    t = _TYPE_NAMES.get(name.strip().lower())
    if t is None:
        raise QueryError(f"unknown tag type {name!r}; use one of {', '.join(TAG_TYPES)}")
    return t


def implied_aliases(name: str) -> set[str]:
    """Names a tag answers to without anyone saying so: the part before AO3's
    fandom disambiguation, and each name of a "A | B" character tag."""
    out: set[str] = set()
    bare = _DISAMBIGUATION.sub("", name)
    if bare and bare != name:
        out.add(bare)
    if " | " in bare:
        out.update(p.strip() for p in bare.split(" | ") if p.strip())
    return {norm(a) for a in out} - {norm(name)}


def _names(items) -> list[str]:
    """Tag names from a list of strings or of {"tag": …} / {"name": …} dicts;
    None (a stage not built yet) is no tags."""
    out: list[str] = []
    for item in items or ():
        if isinstance(item, str):
            name = item
        elif isinstance(item, dict):
            name = item.get("tag") or item.get("name")
        else:
            name = None
        if name and isinstance(name, str) and name.strip():
            out.append(name)
    return out


def _dedupe(tag_type: str, names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for name in names:
        name = canonical(tag_type, name)
        if norm(name) not in seen:
            seen.add(norm(name))
            out.append(name)
    return out


def declared_tags(doc: dict) -> dict[str, list[str]]:
    """Tags the author declared, by type, from an analysis document."""
    d = doc.get("declared") or {}
    rating = d.get("rating")
    raw = {
        "rating": [rating] if rating else [],
        "warning": d.get("warnings"),
        "category": d.get("category"),
        "fandom": d.get("fandoms"),
        "relationship": d.get("relationships"),
        "character": d.get("characters"),
        "freeform": d.get("freeforms"),
    }
    return {t: _dedupe(t, _names(raw[t])) for t in TAG_TYPES}


def inferred_tags(doc: dict) -> dict[str, list[str]]:
    """Tags ficdex inferred, by type; stages not built yet give no tags."""
    inf = doc.get("inferred") or {}
    rating = inf.get("rating")
    if isinstance(rating, dict):
        rating = rating.get("tag")
    raw = {
        "rating": [rating] if isinstance(rating, str) else [],
        "warning": inf.get("warnings"),
        "category": inf.get("category"),
        "fandom": inf.get("fandoms"),
        "relationship": inf.get("relationships"),
        "character": inf.get("characters"),
        "freeform": inf.get("additional_tags"),
    }
    return {t: _dedupe(t, _names(raw[t])) for t in TAG_TYPES}


def character_aliases(doc: dict) -> dict[str, set[str]]:
    """Character tag -> the other names the analysis saw it called."""
    out: dict[str, set[str]] = {}
    for c in (doc.get("inferred") or {}).get("characters") or ():
        if not isinstance(c, dict):
            continue
        name = c.get("tag") or c.get("name")
        if not isinstance(name, str) or not name.strip():
            continue
        names = set(c.get("aliases") or {}) | {c.get("name") or name}
        out.setdefault(canonical("character", name), set()).update(
            norm(a) for a in names if isinstance(a, str) and a.strip()
        )
    return out


def effective(declared: dict, inferred: dict, overrides: dict) -> dict[str, list[str]]:
    """Per type: the override, else declared, else inferred.

    An override is {"set": [...]} (replaces the value) or {"add": [...],
    "remove": [...]} (edits whichever value would otherwise apply)."""
    out = {}
    for t in TAG_TYPES:
        base = declared.get(t) or inferred.get(t) or []
        o = overrides.get(t) or {}
        if "set" in o:
            base = o["set"]
        removed = {norm(n) for n in o.get("remove", ())}
        names = [n for n in list(base) + list(o.get("add", ())) if norm(n) not in removed]
        out[t] = _dedupe(t, names)
    return out


def apply_override(overrides: dict, tag_type: str, *, set: list[str] | None = None,
                   add: list[str] = (), remove: list[str] = ()) -> dict:
    """A new overrides dict with one change made; `set=[]` clears the type,
    `set=None` with nothing to add or remove drops the override."""
    out = {k: dict(v) for k, v in overrides.items()}
    o = out.setdefault(tag_type, {})
    if set is not None:
        o.clear()
        o["set"] = [canonical(tag_type, n) for n in set]
    for n in add:
        n = canonical(tag_type, n)
        if "set" in o:
            o["set"] = [x for x in o["set"] if norm(x) != norm(n)] + [n]
        else:
            o["remove"] = [x for x in o.get("remove", []) if norm(x) != norm(n)]
            o.setdefault("add", []).append(n)
    for n in remove:
        n = canonical(tag_type, n)
        if "set" in o:
            o["set"] = [x for x in o["set"] if norm(x) != norm(n)]
        else:
            o["add"] = [x for x in o.get("add", []) if norm(x) != norm(n)]
            o.setdefault("remove", []).append(n)
    if not o:
        del out[tag_type]
    return out


def fandom_family(name: str) -> str:
    """A key under which adaptations of one source count as one fandom, so a
    work tagged "The Umbrella Academy (TV)" and "(Comics)" is no crossover.
    AO3 decides this with metatags; without them, the name before the
    medium in parentheses or after " - " stands in for the metatag."""
    bare = _DISAMBIGUATION.sub("", name)
    bare = bare.split(" - ")[0]
    bare = bare.split(" | ")[-1]
    words = [w for w in norm(bare).split() if w not in {"the", "a", "an"}]
    # "Hunger Games Trilogy" and "Hunger Games Series" are one source.
    while words and words[-1] in {"series", "trilogy", "saga", "universe", "cycle", "books"}:
        words.pop()
    return " ".join(words)
