"""The works index's query string: AO3's filter sidebar as URL parameters.

Every filter is a plain GET parameter named after its tag type, so a search
is a URL that can be bookmarked, shared and replayed against `/works.json`:

    /works?q=rain&include_fandom=Smallville&exclude_warning=Major+Character+Death
          &words_from=1000&complete=true&sort=words&page=2

Tag values are names, not ids, so the URL still reads as the search it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from ..library import SearchQuery
from ..library.query import SORTS, TAG_SOURCES
from ..library.tags import TAG_TYPES
from .errors import BadRequest

# "tag" is AO3's "Other tags": a tag of any type.
FILTER_TYPES = TAG_TYPES + ("tag",)
SORT_LABELS = {"best": "Best Match", "title": "Title", "author": "Creator", "words": "Word Count",
               "added": "Date Added"}
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_VALUES = 50  # tags per filter: more is a mistake or an attack, not a search
MAX_TEXT = 500


@dataclass
class WorksQuery:
    text: str = ""
    include: dict[str, list[str]] = field(default_factory=dict)
    exclude: dict[str, list[str]] = field(default_factory=dict)
    words_from: int | None = None
    words_to: int | None = None
    complete: bool | None = None
    crossover: bool | None = None
    language: str = ""
    tags_from: str = "effective"
    sort: str = "best"
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the library (sort and page do not)."""
        return bool(self.text.strip() or self.include or self.exclude or self.words_from is not None
                    or self.words_to is not None or self.complete is not None
                    or self.crossover is not None or self.language or self.tags_from != "effective")

    def pairs(self, **changes) -> list[tuple[str, str]]:
        """The query as URL parameters, defaults left out; `changes`
        replaces single values (page=2)."""
        v = {**self.__dict__, **changes}
        out: list[tuple[str, str]] = []
        if v["text"]:
            out.append(("q", v["text"]))
        for side in ("include", "exclude"):
            for t in FILTER_TYPES:
                out.extend((f"{side}_{t}", name) for name in v[side].get(t, ()))
        for key in ("words_from", "words_to"):
            if v[key] is not None:
                out.append((key, str(v[key])))
        for key in ("complete", "crossover"):
            if v[key] is not None:
                out.append((key, "true" if v[key] else "false"))
        if v["language"]:
            out.append(("language", v["language"]))
        if v["tags_from"] != "effective":
            out.append(("tags_from", v["tags_from"]))
        if v["sort"] != "best":
            out.append(("sort", v["sort"]))
        if v["per_page"] != PER_PAGE:
            out.append(("per_page", str(v["per_page"])))
        if v["page"] != 1:
            out.append(("page", str(v["page"])))
        return out

    def url(self, base: str = "/works", **changes) -> str:
        pairs = self.pairs(**changes)
        return base + ("?" + urlencode(pairs) if pairs else "")

    def to_search(self, hide_explicit: bool = False) -> SearchQuery:
        exclude = {t: list(v) for t, v in self.exclude.items()}
        if hide_explicit:
            exclude.setdefault("rating", []).append("Explicit")
        return SearchQuery(
            text=self.text or None, include=self.include, exclude=exclude, words_from=self.words_from,
            words_to=self.words_to, complete=self.complete, language=self.language or None,
            crossover=self.crossover, tags_from=self.tags_from, sort=self.sort, page=self.page,
            per_page=self.per_page)

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}

    def selected(self, side: str, tag_type: str, name: str) -> bool:
        return name in getattr(self, side).get(tag_type, ())


def _int(name: str, raw: str | None, lo: int, hi: int) -> int | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw.strip().replace(",", ""))
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not lo <= value <= hi:
        raise BadRequest(f"{name} must be between {lo:,} and {hi:,}")
    return value


def _bool(name: str, raw: str | None) -> bool | None:
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes", "t"):
        return True
    if raw.lower() in ("false", "0", "no", "f"):
        return False
    raise BadRequest(f"{name} must be true, false or empty, not {raw[:40]!r}")


def parse(params) -> WorksQuery:
    """A `WorksQuery` from a request's query parameters (a multi-dict);
    unknown parameters are ignored, bad values are a `BadRequest`."""
    q = WorksQuery()
    q.text = (params.get("q") or "").strip()
    if len(q.text) > MAX_TEXT:
        raise BadRequest(f"the search text is over {MAX_TEXT} characters")
    for side in ("include", "exclude"):
        for t in FILTER_TYPES:
            names = [n.strip() for n in params.getlist(f"{side}_{t}") if n and n.strip()]
            # "Other tags" arrive as one comma-separated text field, as on AO3.
            if t == "tag":
                names = [p.strip() for n in names for p in n.split(",") if p.strip()]
            if len(names) > MAX_VALUES:
                raise BadRequest(f"{side}_{t}: at most {MAX_VALUES} tags")
            if any(len(n) > 300 for n in names):
                raise BadRequest(f"{side}_{t}: a tag name is over 300 characters")
            if names:
                getattr(q, side)[t] = list(dict.fromkeys(names))
    q.words_from = _int("words_from", params.get("words_from"), 0, 10**9)
    q.words_to = _int("words_to", params.get("words_to"), 0, 10**9)
    q.complete = _bool("complete", params.get("complete"))
    q.crossover = _bool("crossover", params.get("crossover"))
    q.language = (params.get("language") or "").strip()[:60]
    q.tags_from = params.get("tags_from") or "effective"
    if q.tags_from not in TAG_SOURCES:
        raise BadRequest(f"tags_from must be one of {', '.join(TAG_SOURCES)}")
    q.sort = params.get("sort") or "best"
    if q.sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
    q.page = _int("page", params.get("page"), 1, 100_000) or 1
    q.per_page = _int("per_page", params.get("per_page"), 1, MAX_PER_PAGE) or PER_PAGE
    return q


def tag_url(tag_type: str, name: str) -> str:
    """The index filtered to one tag: where every tag on a page links."""
    return "/works?" + urlencode([(f"include_{tag_type}", name)])
