"""The fandom knowledge base: one human-editable TOML file per fandom.

Each file names a fandom as AO3 tags it (every spelling AO3 uses for it, and
the umbrella tags it sits under), its canonical characters as AO3 tags them
with their aliases and secret identities, and its signature places and
organisations.  The characters stage links names to these entries; the
fandoms stage weighs the links into fandom tags.

File format (see ``smallville.toml`` for a full example)::

    fandom = "Smallville"                     # the tag ficdex reports
    tags = ["Smallville (TV)"]                # other AO3 spellings of it
    umbrella = ["DCU"]                        # wider tags it sits under
    titles = ["Smallville"]                   # names a disclaimer would use
    characters = [
      {name = "Clark Kent", gender = "male", aliases = ["Clark", "Superman"],
       nominals = ["the alien"], place_aliases = ["Smallville"]},
    ]
    places = [{name = "Metropolis", label = "GPE", aliases = []}]
    organizations = [{name = "LexCorp", aliases = ["Lex Corp"]}]
    triads = [["Alec Hardison", "Parker (Leverage)", "Eliot Spencer"]]

A character's ``tag`` defaults to its ``name``.  ``words`` lists aliases that
are also ordinary English words ("Five", "Door"): they are trusted only
mid-sentence.  ``place_aliases`` are nicknames that are also places
("Smallville" for Clark): they count as the character only as a vocative.
``narrator = true`` marks the canon's first-person narrator (Katniss): an
unnamed "I" in a story of that fandom is taken to be them.  ``age = 16`` is
the character's age through most of canon, for those who are canonically
under 18 (teen-era Clark, Hogwarts students, tributes); ``minor = true`` says
the same without an age.  The content stage reads it for the Underage
warning, because fic rarely restates an age the whole fandom knows.
``triads`` are the fandom's well-known three-person pairings (character
names): AO3 authors tag such a story "A/B/C", never as its three pairs, and
no text feature tells an OT3 from a love triangle as well as knowing it.
``families`` are groups of relatives (blood or adoptive, never a couple):
"Diego & Vanya", not "Diego/Vanya", is how most authors tag siblings, and a
story rarely says they are siblings.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import ModelError

DATA_DIR = Path(__file__).resolve().parent / "fandoms"

GENDERS = ("male", "female", "nonbinary", None)
PLACE_LABELS = ("GPE", "LOC", "FAC")

_SPACE = re.compile(r"\s+")
_PAREN = re.compile(r"\s*\([^()]*\)\s*$")


def norm(text: str) -> str:
    """The lookup key of a name or tag: case, curly quotes, dashes and spacing
    vary between authors and are not what tells two names apart."""
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    text = text.replace("“", '"').replace("”", '"').replace("é", "e").replace("á", "a")
    return _SPACE.sub(" ", text).strip().casefold()


def tag_names(tag: str) -> set[str]:
    """The names an AO3 character tag stands for: "Number Five | The Boy
    (Umbrella Academy)" -> {"number five", "the boy"}."""
    while True:
        stripped = _PAREN.sub("", tag)
        if stripped == tag:
            break
        tag = stripped
    return {norm(p) for p in tag.split("|") if p.strip()}


@dataclass
class Character:
    fandom: str
    name: str
    tag: str
    gender: str | None
    aliases: list[str]
    nominals: list[str] = field(default_factory=list)
    place_aliases: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    narrator: bool = False  # tells the canon in the first person
    age: int | None = None  # through most of canon; set only for canonical minors
    under_18: bool = False  # `minor = true` in the file, for a minor of no fixed age

    @property
    def minor(self) -> bool:
        return self.under_18 or (self.age is not None and self.age < 18)

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass
class Thing:
    """A place or organisation."""

    fandom: str
    name: str
    label: str
    aliases: list[str]

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass
class Fandom:
    key: str  # file stem
    tag: str
    tags: list[str]
    umbrella: list[str]
    titles: list[str]
    characters: list[Character]
    places: list[Thing]
    organizations: list[Thing]
    triads: list[tuple[str, str, str]] = field(default_factory=list)  # character tags
    families: list[tuple[str, ...]] = field(default_factory=list)  # character tags

    @property
    def all_tags(self) -> list[str]:
        return [self.tag, *self.tags]


def _need(entry: dict, key: str, kind: type, where: str):
    if key not in entry:
        raise ModelError(f"{where}: missing {key!r}")
    value = entry[key]
    if not isinstance(value, kind):
        raise ModelError(f"{where}: {key!r} should be {kind.__name__}")
    return value


def _strings(entry: dict, key: str, where: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ModelError(f"{where}: {key!r} should be a list of non-empty strings")
    return value


def _groups(data: dict, kind: str, where: str, by_name: dict, shape: str, ok) -> list[tuple[str, ...]]:
    """The `kind` lists of character names (triads, families) as tuples of
    their characters' tags; a bad shape or an unknown name is a ModelError."""
    out = []
    for i, group in enumerate(data.get(kind, [])):
        at = f"{where}: {kind}[{i}]"
        if not isinstance(group, list) or not ok(group):
            raise ModelError(f"{at}: {shape}")
        missing = [n for n in group if not isinstance(n, str) or norm(n) not in by_name]
        if missing:
            raise ModelError(f"{at}: {missing} not among the fandom's characters")
        out.append(tuple(by_name[norm(n)].tag for n in group))
    return out


def load_fandom(path: Path) -> Fandom:
    """One data file, checked: a malformed entry fails loudly at load rather
    than silently never matching."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"cannot read knowledge file: {exc}", where) from exc
    key = path.stem
    chars, seen = [], set()
    for i, c in enumerate(data.get("characters", [])):
        at = f"{where}: characters[{i}]"
        name = _need(c, "name", str, at)
        gender = c.get("gender")
        if gender not in GENDERS:
            raise ModelError(f"{at}: gender {gender!r} is not one of male/female/nonbinary")
        if norm(name) in seen:
            raise ModelError(f"{at}: duplicate character {name!r}")
        seen.add(norm(name))
        unknown = set(c) - {"name", "tag", "gender", "aliases", "nominals", "place_aliases", "words", "narrator",
                            "age", "minor"}
        if unknown:
            raise ModelError(f"{at}: unknown fields {sorted(unknown)}")
        age = c.get("age")
        if age is not None and (not isinstance(age, int) or isinstance(age, bool) or not 0 <= age < 200):
            raise ModelError(f"{at}: age {age!r} should be a whole number of years")
        if not isinstance(c.get("minor", False), bool):
            raise ModelError(f"{at}: minor should be true or false")
        chars.append(
            Character(
                fandom=key,
                name=name,
                tag=c.get("tag", name),
                gender=gender,
                aliases=_strings(c, "aliases", at),
                nominals=_strings(c, "nominals", at),
                place_aliases=_strings(c, "place_aliases", at),
                words=_strings(c, "words", at),
                narrator=c.get("narrator") is True,
                age=age,
                under_18=c.get("minor") is True,
            )
        )
    things = {"places": [], "organizations": []}
    for kind in things:
        for i, p in enumerate(data.get(kind, [])):
            at = f"{where}: {kind}[{i}]"
            label = p.get("label", "ORG" if kind == "organizations" else "GPE")
            if kind == "places" and label not in PLACE_LABELS:
                raise ModelError(f"{at}: label {label!r} is not one of {PLACE_LABELS}")
            things[kind].append(Thing(key, _need(p, "name", str, at), label, _strings(p, "aliases", at)))
    by_name = {norm(c.name): c for c in chars}
    triads = _groups(
        data, "triads", where, by_name, "a triad is a list of three different character names",
        lambda t: len(t) == 3 and len({norm(str(n)) for n in t}) == 3,
    )
    families = _groups(
        data, "families", where, by_name, "a family is a list of at least two character names",
        lambda g: len(g) >= 2,
    )
    return Fandom(
        key=key,
        tag=_need(data, "fandom", str, where),
        tags=_strings(data, "tags", where),
        umbrella=_strings(data, "umbrella", where),
        titles=_strings(data, "titles", where),
        characters=chars,
        places=things["places"],
        organizations=things["organizations"],
        triads=triads,
        families=families,
    )


class KnowledgeBase:
    def __init__(self, fandoms: list[Fandom]):
        self.fandoms = {f.key: f for f in fandoms}
        self.characters: dict[str, list[Character]] = {}  # norm(alias) -> entries
        self.nominals: dict[str, list[Character]] = {}
        self.place_aliases: dict[str, list[Character]] = {}
        self.things: dict[str, list[Thing]] = {}  # places and organisations
        self.tag_index: dict[str, set[str]] = {}  # norm(fandom tag) -> fandom keys
        self.triads: list[tuple[str, str, str]] = [t for f in fandoms for t in f.triads]
        # Unordered pairs of character tags who are relatives.
        self.kin: set[frozenset[str]] = {frozenset((a, b)) for f in fandoms for g in f.families
                                         for a in g for b in g if a != b}
        for f in fandoms:
            for t in f.all_tags:
                self.tag_index.setdefault(norm(t), set()).add(f.key)
            for t in f.umbrella:
                self.tag_index.setdefault(norm(t), set()).add(f.key)
            for c in f.characters:
                for n in {norm(a) for a in c.names}:
                    self.characters.setdefault(n, []).append(c)
                for n in {norm(a) for a in c.nominals}:
                    self.nominals.setdefault(n, []).append(c)
                for n in {norm(a) for a in c.place_aliases}:
                    self.place_aliases.setdefault(n, []).append(c)
            for t in f.places + f.organizations:
                for n in {norm(a) for a in t.names}:
                    self.things.setdefault(n, []).append(t)

    def families(self, fandom_tag: str) -> set[str]:
        """Keys of the KB fandoms an AO3 fandom tag names (an umbrella tag
        such as "DCU" names several)."""
        return set(self.tag_index.get(norm(fandom_tag), ()))

    def covers(self, fandom_tag: str) -> bool:
        return bool(self.families(fandom_tag))


@lru_cache(maxsize=4)
def load(directory: str | None = None) -> KnowledgeBase:
    """Every fandom file in `directory` (the shipped one by default), once."""
    root = Path(directory) if directory else DATA_DIR
    paths = sorted(root.glob("*.toml"))
    if not paths:
        raise ModelError("no fandom knowledge files found", str(root))
    return KnowledgeBase([load_fandom(p) for p in paths])


def covers(fandom_tag: str) -> bool:
    """Is this AO3 fandom tag (after normalisation) covered by the KB?"""
    return load().covers(fandom_tag)


def families(fandom_tag: str) -> set[str]:
    return load().families(fandom_tag)


__all__ = ["KnowledgeBase", "Fandom", "Character", "Thing", "load", "load_fandom", "covers", "families", "norm", "tag_names"]
