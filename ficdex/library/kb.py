"""What the library takes from the fandom knowledge base (`ficdex.knowledge`):
character aliases, and which fandom tags name one source.

The knowledge base is another part of ficdex and may be missing or
half-written; every use here is guarded, and without it the library falls
back to what the analysis and AO3's tag conventions say.  A search must never
break because a knowledge file does not load.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from .tags import fandom_family, norm

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _kb():
    try:
        from ..knowledge import load

        return load()
    except Exception as e:  # noqa: BLE001 - absent or broken KB: no KB
        log.debug("no fandom knowledge base: %s", e)
        return None


@lru_cache(maxsize=1)
def alias_index() -> dict[str, frozenset[str]]:
    """Normal form of any known character name -> every name of that character."""
    kb = _kb()
    index: dict[str, set[str]] = {}
    try:
        fandoms = list(kb.fandoms.values()) if kb is not None else []
        for f in fandoms:
            for c in f.characters:
                group = {norm(n) for n in [c.tag, c.name, *c.aliases] if isinstance(n, str) and n.strip()}
                for n in list(group):
                    group |= index.get(n, set())
                for n in group:
                    index[n] = group
    except Exception as e:  # noqa: BLE001 - a KB of another shape: no aliases
        log.debug("cannot read character aliases from the knowledge base: %s", e)
        return {}
    return {k: frozenset(v) for k, v in index.items()}


def aliases_for(name: str) -> set[str]:
    """Other names the knowledge base knows a character by (normal forms)."""
    n = norm(name)
    return set(alias_index().get(n, ())) - {n}


def _families(fandom: str) -> set[str]:
    kb = _kb()
    if kb is not None:
        try:
            keys = set(kb.families(fandom))
            if keys:
                return keys
        except Exception:  # noqa: BLE001
            pass
    return {"~" + fandom_family(fandom)}


def is_crossover(fandoms: list[str]) -> bool:
    """More than one source among the fandom tags.  Tags the knowledge base
    places in one family ("Smallville" and "Smallville (TV)") count once, as
    do tags with one name under different media ("(TV)", "(Comics)")."""
    groups: list[set[str]] = []
    for f in fandoms:
        fam = _families(f)
        merged = [g for g in groups if g & fam]
        for g in merged:
            groups.remove(g)
            fam |= g
        groups.append(fam)
    return len(groups) > 1
