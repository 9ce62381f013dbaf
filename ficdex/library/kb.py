"""Aliases from the fandom knowledge base in `ficdex/knowledge/`, when it exists.

The knowledge base is written by another part of the project and may be
absent, empty or still changing shape; the library only needs "these names
are one character".  So this reads it by duck typing: a function the package
exposes if it has one, else any JSON or TOML data file, in which every object
with `aliases` and a name (`tag`, `name` or `canonical`) is a group of names
for one character.  Whatever fails to load is skipped: a library search must
never break because the knowledge base is half-written.
"""

from __future__ import annotations

import json
import logging
import tomllib
from functools import lru_cache
from pathlib import Path

from .tags import norm

log = logging.getLogger(__name__)

_NAME_KEYS = ("tag", "name", "canonical", "ao3_tag")
_ALIAS_KEYS = ("aliases", "alias", "secret_identities", "identities", "names")


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):  # {alias: count} as the analysis writes it
        return [k for k in value if isinstance(k, str)]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _walk(node, out: list[set[str]]) -> None:
    if isinstance(node, dict):
        names = [n for k in _NAME_KEYS for n in _strings(node.get(k))]
        aliases = [a for k in _ALIAS_KEYS for a in _strings(node.get(k))]
        if names and aliases:
            out.append({norm(n) for n in names + aliases if n.strip()})
        for v in node.values():
            _walk(v, out)
    elif isinstance(node, list):
        for v in node:
            _walk(v, out)


def _from_package() -> list[set[str]] | None:
    try:
        import ficdex.knowledge as knowledge
    except Exception:  # noqa: BLE001 - an absent or broken KB is no KB
        return None
    for attr in ("character_aliases", "alias_groups", "aliases"):
        fn = getattr(knowledge, attr, None)
        if callable(fn):
            try:
                data = fn()
            except Exception as e:  # noqa: BLE001
                log.debug("knowledge.%s() failed: %s", attr, e)
                continue
            groups: list[set[str]] = []
            if isinstance(data, dict):
                for name, aliases in data.items():
                    groups.append({norm(name)} | {norm(a) for a in _strings(aliases)})
            else:
                _walk(data, groups)
            return groups
    return None


def _from_files() -> list[set[str]]:
    groups: list[set[str]] = []
    root = Path(__file__).resolve().parent.parent / "knowledge"
    if not root.is_dir():
        return groups
    for path in sorted(root.rglob("*")):
        try:
            if path.suffix == ".json":
                data = json.loads(path.read_text("utf-8"))
            elif path.suffix == ".toml":
                data = tomllib.loads(path.read_text("utf-8"))
            else:
                continue
        except Exception as e:  # noqa: BLE001
            log.debug("skipping knowledge file %s: %s", path, e)
            continue
        _walk(data, groups)
    return groups


@lru_cache(maxsize=1)
def alias_index() -> dict[str, frozenset[str]]:
    """Normal form of any known name -> every name of that character."""
    groups = _from_package()
    if groups is None:
        groups = _from_files()
    index: dict[str, set[str]] = {}
    for g in groups:
        merged = set(g)
        for n in g:
            merged |= index.get(n, set())
        for n in merged:
            index[n] = merged
    return {k: frozenset(v) for k, v in index.items()}


def aliases_for(name: str) -> set[str]:
    """Other names the knowledge base knows `name` by (normal forms)."""
    n = norm(name)
    return set(alias_index().get(n, ())) - {n}
