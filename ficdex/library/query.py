"""What a search asks for, and the free-text language people type into AO3.

`SearchQuery` is the AO3 filter sidebar as a value: tags to include and to
exclude by type, word range, completion, language, crossover, sort and page.
`parse_text` turns the search box into a small tree (terms, "phrases", AND,
OR, NOT, -term, parentheses, prefix*), which each backend renders into its
own full-text syntax.  Rendering works from the tree, never by pasting the
user's string, so no input can break or widen the database query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import QueryError
from .tags import TAG_TYPES

SORTS = ("best", "title", "author", "words", "added")
TAG_SOURCES = ("effective", "declared", "inferred")


@dataclass
class SearchQuery:
    text: str | None = None
    # tag type -> names; "tag" matches a tag of any type, as AO3's "Other tags" field does
    include: dict[str, list[str]] = field(default_factory=dict)  # every name required
    exclude: dict[str, list[str]] = field(default_factory=dict)  # no name allowed
    words_from: int | None = None
    words_to: int | None = None
    complete: bool | None = None
    language: str | None = None
    crossover: bool | None = None
    tags_from: str = "effective"  # or "declared" / "inferred"
    sort: str = "best"
    page: int = 1
    per_page: int = 20

    def __post_init__(self):
        for side in (self.include, self.exclude):
            bad = set(side) - set(TAG_TYPES) - {"tag"}
            if bad:
                raise QueryError(f"unknown tag type {sorted(bad)[0]!r}; use one of {', '.join(TAG_TYPES)}")
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r}; use one of {', '.join(SORTS)}")
        if self.tags_from not in TAG_SOURCES:
            raise QueryError(f"unknown tag source {self.tags_from!r}")
        if self.page < 1 or not 1 <= self.per_page <= 1000:
            raise QueryError("page must be 1 or more and per-page between 1 and 1000")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


# The tree.  Leaves carry the words; rendering decides quoting.
@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


# Quoted phrases, parentheses, a leading "-", then runs of anything else.
_TOKEN = re.compile(r'"([^"]*)"?|(\()|(\))|(-)(?=[\w"(])|([^\s()"]+)')
# What full-text indexes keep of a word: letters and digits (apostrophes
# inside words split them, as both FTS5's and PostgreSQL's tokenisers do).
_WORDCHARS = re.compile(r"\w+", re.UNICODE)


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(text):
        phrase, lp, rp, minus, word = m.groups()
        if phrase is not None:
            out.append(("phrase", phrase))
        elif lp:
            out.append(("(", lp))
        elif rp:
            out.append((")", rp))
        elif minus:
            out.append(("not", minus))
        elif word in ("AND", "&&"):
            out.append(("and", word))
        elif word in ("OR", "||"):
            out.append(("or", word))
        elif word in ("NOT", "!"):
            out.append(("not", word))
        else:
            out.append(("word", word))
    return out


def _leaf(kind: str, value: str):
    if kind == "phrase":
        words = tuple(_WORDCHARS.findall(value.lower()))
        if not words:
            return None
        return Term(words[0]) if len(words) == 1 else Phrase(words)
    prefix = value.endswith("*")
    words = _WORDCHARS.findall(value.lower())
    if not words:
        return None  # punctuation only: nothing an index could match
    if len(words) > 1:  # "don't", "x-men": the index sees a phrase
        return Phrase(tuple(words))
    return Term(words[0], prefix=prefix)


class _Parser:
    """or := and (OR and)* ; and := unary (AND? unary)* ; unary := NOT unary | atom"""

    def __init__(self, tokens):
        self.toks = tokens
        self.i = 0

    def peek(self):
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self):
        self.i += 1
        return self.toks[self.i - 1]

    def parse_or(self):
        items = [self.parse_and()]
        while self.peek() == "or":
            self.take()
            items.append(self.parse_and())
        items = [x for x in items if x is not None]
        if not items:
            return None
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self):
        items = []
        while self.peek() not in (None, ")", "or"):
            if self.peek() == "and":
                self.take()
                continue
            item = self.parse_unary()
            # "a (b -c)" is "a b -c": flat, so a NOT always sits beside positives
            items.extend(item.items if isinstance(item, And) else [item])
        items = [x for x in items if x is not None]
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self):
        kind = self.peek()
        if kind == "not":
            self.take()
            item = self.parse_unary()
            return None if item is None else Not(item)
        if kind in (None, ")", "or", "and"):  # a NOT with nothing after it
            return None
        if kind == "(":
            self.take()
            item = self.parse_or()
            if self.peek() == ")":
                self.take()
            return item
        return _leaf(*self.take())


def parse_text(text: str | None):
    """The search box as a tree, or None when it holds nothing searchable.
    Stray operators and unbalanced brackets are forgiven, as AO3 does."""
    if not text or not text.strip():
        return None
    parser = _Parser(_tokens(text))
    out = parser.parse_or()
    while parser.i < len(parser.toks):  # a stray ")" ends parse_or early
        parser.take()
        rest = parser.parse_or()
        if rest is not None:
            out = rest if out is None else And((out, rest))
    return out


def check(node) -> None:
    """Refuse what no full-text index can answer: a NOT alone inside an OR or
    a bracket ("a OR NOT b" means nearly every work).  A query that is only
    NOT terms at the top is fine: the store negates the match."""
    def walk(n, allowed: bool):  # allowed: may this node match by exclusion only?
        if is_negative(n) and not allowed:
            raise QueryError("a search cannot be made only of NOT terms inside OR or brackets")
        if isinstance(n, Not):
            walk(n.item, False)
        elif isinstance(n, And):  # "a -b": the NOT beside a positive term is fine
            for i in n.items:
                walk(i, isinstance(i, Not))
        elif isinstance(n, Or):
            for i in n.items:
                walk(i, False)

    if node is not None:
        walk(node, True)


def is_negative(node) -> bool:
    """True when the node only excludes (NOT x), which a full-text index
    cannot answer alone: the backend matches the inner part and negates."""
    if isinstance(node, Not):
        return True
    if isinstance(node, And):
        return all(is_negative(i) for i in node.items)
    return False


def render_fts5(node) -> str:
    """FTS5 query syntax.  Every word goes inside double quotes, so FTS5
    keywords and column filters in the input stay plain words."""
    if isinstance(node, Term):
        return f'"{node.word}"' + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return '"' + " ".join(node.words) + '"'
    if isinstance(node, Or):
        return "(" + " OR ".join(render_fts5(i) for i in node.items) + ")"
    if isinstance(node, And):
        pos = [i for i in node.items if not isinstance(i, Not)]
        neg = [i.item for i in node.items if isinstance(i, Not)]
        if not pos:
            raise QueryError("a search cannot be made only of NOT terms inside OR")
        out = "(" + " AND ".join(render_fts5(i) for i in pos) + ")"
        for n in neg:  # FTS5's NOT is binary: a NOT b
            out = f"({out} NOT {render_fts5(n)})"
        return out
    if isinstance(node, Not):
        raise QueryError("a search cannot be made only of NOT terms inside OR")
    raise TypeError(node)


def render_tsquery(node, config: str = "english") -> tuple[str, list]:
    """A PostgreSQL tsquery expression built from parameters: each word or
    phrase goes through to_tsquery functions as a bound value, never as SQL."""
    if isinstance(node, Term):
        if node.prefix:
            return f"to_tsquery('{config}', %s)", [node.word + ":*"]
        return f"plainto_tsquery('{config}', %s)", [node.word]
    if isinstance(node, Phrase):
        return f"phraseto_tsquery('{config}', %s)", [" ".join(node.words)]
    if isinstance(node, Not):
        sql, params = render_tsquery(node.item, config)
        return f"(!!{sql})", params
    op = " && " if isinstance(node, And) else " || "
    parts = [render_tsquery(i, config) for i in node.items]
    return "(" + op.join(p[0] for p in parts) + ")", [v for p in parts for v in p[1]]


def scored_parts(node, limit: int = 8) -> list:
    """What best match scores separately: each positive item of a top-level
    AND ("time travel" scores "time" and "travel" on their own, so a word in
    the title and another in the tags both count), else the whole query.
    Each part scores title 4, tags 2, summary 1 where it matches."""
    if isinstance(node, And):
        return [i for i in node.items if not isinstance(i, Not)][:limit]
    return [node]


def negated_part(node):
    """For a purely negative node, what its matches must not match."""
    if isinstance(node, Not):
        return node.item
    if isinstance(node, And):
        inner = tuple(negated_part(i) for i in node.items)
        return inner[0] if len(inner) == 1 else Or(inner)
    raise TypeError(node)
