"""Every search filter against a small hand-made library with known answers,
on each backend.  Works are inserted as analysis documents with hand-written
tags; each assert compares the whole list of work ids returned."""

from __future__ import annotations

import pytest
from test_library_support import db_url, doc, store  # noqa: F401 - fixtures

from ficdex.errors import NotFoundError, QueryError
from ficdex.library import SearchQuery
from ficdex.library import kb
from ficdex.library.tags import apply_override

RAIN, ROOF, LIB, FINEST, BARE, TORM, FIVE = (f"{n:016x}" for n in range(1, 8))
NAW, MCD, CNTW = "No Archive Warnings Apply", "Major Character Death", "Choose Not To Use Archive Warnings"


def build(store):
    works = [
        doc(RAIN, "Rain Check", "The storm broke over the cornfields. Clark carried a crate of apples to the mansion.",
            declared={"rating": "Teen And Up Audiences", "warnings": [NAW], "category": ["M/M"],
                      "fandoms": ["Smallville"], "relationships": ["Clark Kent/Lex Luthor"],
                      "characters": ["Clark Kent", "Lex Luthor"], "freeforms": ["Fluff", "Slow Burn"],
                      "language": "English", "chapters": "1/1"},
            inferred={"rating": {"tag": "General Audiences", "confidence": 0.6, "evidence": []}},
            words=1200, authors=("marigold",)),
        doc(ROOF, "Rooftops", "Rain on the rooftops of Gotham. Bruce watched the city and waited for the signal.",
            declared={"rating": "Mature", "warnings": ["Graphic Depictions Of Violence"], "category": ["Gen"],
                      "fandoms": ["Batman"], "characters": ["Bruce Wayne", "Dick Grayson"],
                      "freeforms": ["Angst", "Hurt/Comfort"], "language": "English", "chapters": "2/5"},
            words=3400, authors=("zed",)),
        doc(LIB, "The Library After Hours", "Hermione found the restricted section unlocked and Ron asleep on a book.",
            declared={"rating": "General Audiences", "warnings": [NAW], "category": ["F/M"],
                      "fandoms": ["Harry Potter - J. K. Rowling"], "relationships": ["Hermione Granger/Ron Weasley"],
                      "characters": ["Hermione Granger", "Ron Weasley"], "freeforms": ["Fluff"],
                      "language": "English", "chapters": "1/1"},
            words=800, authors=("bookworm",)),
        doc(FINEST, "World's Finest", "Two heroes met on a rooftop in the rain; only one walked away from the storm.",
            declared={"rating": "Explicit", "warnings": [MCD], "category": ["M/M"],
                      "fandoms": ["Smallville", "Batman"], "relationships": ["Bruce Wayne/Clark Kent"],
                      "characters": ["Clark Kent", "Bruce Wayne"], "freeforms": ["Angst"],
                      "language": "English", "chapters": "10/10"},
            words=15000, authors=("marigold",)),
        doc(BARE, "untitled", "Farm boy pulled the tractor out of the ditch while the barn burned behind him.",
            inferred={"rating": {"tag": "Mature", "confidence": 0.7, "evidence": []},
                      "characters": [{"id": "c1", "name": "Clark", "tag": "Clark Kent",
                                      "aliases": {"Clark": 4, "Farm Boy": 2}, "mentions": 9, "gender": "male"}],
                      "fandoms": [{"tag": "Smallville", "confidence": 0.9}],
                      "additional_tags": [{"tag": "Hurt/Comfort", "confidence": 0.8}]},
            words=500, authors=()),
        doc(TORM, "La tormenta", "La tormenta llegó a Smallville y Chloe escribió toda la noche.",
            declared={"rating": "Teen And Up Audiences", "warnings": [NAW], "category": ["Gen"],
                      "fandoms": ["Smallville"], "characters": ["Chloe Sullivan"], "language": "es",
                      "chapters": "3/?"},
            words=2000, authors=("nube",)),
        doc(FIVE, "Five Fragments", "Five jumped through time again and landed in the kitchen with a coffee.",
            declared={"rating": "Not Rated", "warnings": [CNTW], "category": ["Gen"],
                      "fandoms": ["The Umbrella Academy (TV)", "The Umbrella Academy (Comics)"],
                      "characters": ["Number Five | The Boy (Umbrella Academy)"], "freeforms": ["Angst"]},
            words=300, authors=("hazel",)),
    ]
    for w in works:
        assert store.put(w).status == "added"
    return works


@pytest.fixture
def lib(store):
    build(store)
    return store


def ids(store, **kw):
    return sorted(w.id for w in store.search(SearchQuery(per_page=100, **kw)).works)


ALL = sorted([RAIN, ROOF, LIB, FINEST, BARE, TORM, FIVE])


@pytest.mark.parametrize("kw, expected", [
    ({}, ALL),
    ({"include": {"rating": ["Teen And Up Audiences"]}}, [RAIN, TORM]),
    ({"include": {"rating": ["Teen"]}}, [RAIN, TORM]),  # other spellings of AO3's ratings
    ({"include": {"rating": ["General Audiences", "Not Rated"]}}, [LIB, FIVE]),  # several ratings: any
    ({"include": {"rating": ["Mature"]}}, [ROOF, BARE]),  # BARE's rating is inferred only
    ({"exclude": {"warning": [MCD]}}, sorted([RAIN, ROOF, LIB, BARE, TORM, FIVE])),
    ({"include": {"warning": [NAW]}}, [RAIN, LIB, TORM]),
    ({"include": {"category": ["M/M"]}}, [RAIN, FINEST]),
    ({"include": {"category": ["slash"]}}, [RAIN, FINEST]),
    ({"include": {"fandom": ["Smallville"]}}, [RAIN, FINEST, BARE, TORM]),
    ({"include": {"fandom": ["smallville"]}, "exclude": {"fandom": ["Batman"]}}, [RAIN, BARE, TORM]),
    ({"include": {"relationship": ["Clark Kent/Lex Luthor"]}}, [RAIN]),
    ({"include": {"character": ["Clark Kent"]}}, [RAIN, FINEST, BARE]),
    ({"include": {"character": ["Farm Boy"]}}, [RAIN, FINEST, BARE]),  # an alias the analysis saw
    ({"include": {"character": ["Number Five"]}}, [FIVE]),  # AO3's "A | B (Fandom)" names
    ({"include": {"character": ["the boy"]}}, [FIVE]),
    ({"include": {"character": ["Clark Kent", "Bruce Wayne"]}}, [FINEST]),  # includes are all required
    ({"include": {"freeform": ["Angst"]}}, [ROOF, FINEST, FIVE]),
    ({"include": {"tag": ["Angst", "Hurt/Comfort"]}}, [ROOF]),
    ({"include": {"tag": ["Clark Kent"]}}, [RAIN, FINEST, BARE]),  # --tag matches any type
    ({"exclude": {"tag": ["Angst"]}}, [RAIN, LIB, BARE, TORM]),
    ({"include": {"character": ["Nobody At All"]}}, []),
    ({"words_from": 1000, "words_to": 5000}, [RAIN, ROOF, TORM]),
    ({"words_to": 500}, [BARE, FIVE]),
    ({"complete": True}, [RAIN, LIB, FINEST]),
    ({"complete": False}, [ROOF, TORM]),
    ({"language": "English"}, [RAIN, ROOF, LIB, FINEST]),
    ({"language": "es"}, [TORM]),
    ({"language": "Español"}, [TORM]),
    ({"crossover": True}, [FINEST]),  # TV + Comics of one fandom is no crossover
    ({"crossover": False}, sorted([RAIN, ROOF, LIB, BARE, TORM, FIVE])),
    ({"include": {"rating": ["Mature"]}, "tags_from": "declared"}, [ROOF]),
    ({"include": {"rating": ["Mature"]}, "tags_from": "inferred"}, [BARE]),
    ({"include": {"rating": ["General Audiences"]}, "tags_from": "inferred"}, [RAIN]),
    ({"include": {"fandom": ["Smallville"]}, "tags_from": "declared"}, [RAIN, FINEST, TORM]),
])
def test_library_filters(lib, kw, expected):
    assert ids(lib, **kw) == expected


@pytest.mark.parametrize("text, expected", [
    ("storm", [RAIN, FINEST]),
    ("storms", [RAIN, FINEST]),  # stemmed, as AO3's search is
    ('"crate of apples"', [RAIN]),
    ('"apples crate"', []),
    ("storm AND rooftop", [FINEST]),
    ("storm rooftop", [FINEST]),  # adjacent words: AND
    ("tractor OR hermione", [BARE, LIB]),
    ("storm NOT rooftop", [RAIN]),
    ("storm -rooftop", [RAIN]),
    ("(tractor OR hermione) -ron", [BARE]),
    ("NOT rain", sorted([LIB, BARE, TORM, FIVE])),
    ("roof*", [ROOF, FINEST]),
    ('"slow burn"', [RAIN]),  # tags are searchable text
    ("marigold", []),
])
def test_library_free_text(lib, text, expected):
    assert ids(lib, text=text) == sorted(expected)


@pytest.mark.parametrize("text", ['"', "title:storm", "NEAR(storm rain)", "*", "storm AND", "') OR 1=1 --",
                                  "OR OR", "((((", "-", '"" AND ""', "rain^2", "storm OR NOT", "\x00", "a' ; DROP TABLE works"])
def test_library_free_text_cannot_break_the_query(lib, text):
    result = lib.search(SearchQuery(text=text, per_page=100))
    assert result.total == len(result.works)
    assert lib.count() == 7
    assert lib.check() == []


def test_library_negation_inside_or_is_a_named_error(lib):
    with pytest.raises(QueryError):
        lib.search(SearchQuery(text="storm OR NOT rain"))


def test_library_kb_aliases(lib):
    if "clark kent" not in kb.aliases_for("Superman"):
        pytest.skip("the fandom knowledge base does not (yet) know Superman is Clark Kent")
    assert ids(lib, include={"character": ["Superman"]}) == [RAIN, FINEST, BARE]


@pytest.mark.parametrize("sort, expected", [
    ("title", [FIVE, TORM, LIB, RAIN, ROOF, BARE, FINEST]),  # "The Library" sorts as "Library"
    ("words", [FINEST, ROOF, TORM, RAIN, LIB, BARE, FIVE]),
    ("added", [FIVE, TORM, BARE, FINEST, LIB, ROOF, RAIN]),
    ("author", [BARE, LIB, FIVE, RAIN, FINEST, TORM, ROOF]),  # no author first, then a-z, then title
])
def test_library_sort(lib, sort, expected):
    assert [w.id for w in lib.search(SearchQuery(sort=sort)).works] == expected


def test_library_best_match_ranks_title_words_first(lib):
    # "rain" is in ROOF's and FINEST's text but in RAIN's title.
    result = lib.search(SearchQuery(text="rain", sort="best"))
    assert [w.id for w in result.works][0] == RAIN
    assert sorted(w.id for w in result.works) == [RAIN, ROOF, FINEST]
    assert all(w.score is not None for w in result.works)


def test_library_paging(lib):
    pages = [lib.search(SearchQuery(sort="words", page=p, per_page=3)) for p in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [7, 7, 7, 7]
    assert [[w.id for w in p.works] for p in pages] == [[FINEST, ROOF, TORM], [RAIN, LIB, BARE], [FIVE], []]


def test_library_hit_has_effective_tags(lib):
    (hit,) = lib.search(SearchQuery(include={"relationship": ["Clark Kent/Lex Luthor"]})).works
    assert hit.to_dict() | {"added_at": None} == {
        "id": RAIN, "title": "Rain Check", "authors": ["marigold"], "words": 1200, "complete": True,
        "language": "english", "added_at": None, "score": None,
        "tags": {"rating": ["Teen And Up Audiences"], "warning": [NAW], "category": ["M/M"],
                 "fandom": ["Smallville"], "relationship": ["Clark Kent/Lex Luthor"],
                 "character": ["Clark Kent", "Lex Luthor"], "freeform": ["Fluff", "Slow Burn"]},
    }


def test_library_override_wins_and_survives_reanalysis(lib):
    w = lib.get(BARE)
    lib.set_overrides(BARE, apply_override(w.overrides, "rating", set=["Explicit"]))
    lib.set_overrides(BARE, apply_override(lib.get(BARE).overrides, "freeform", add=["Farm Life"]))
    assert ids(lib, include={"rating": ["Explicit"]}) == [FINEST, BARE]
    assert ids(lib, include={"rating": ["Mature"]}, tags_from="inferred") == [BARE]
    # A newer analysis replaces the inferred tags but not the reader's word.
    newer = doc(BARE, "untitled", "Farm boy pulled the tractor out of the ditch while the barn burned behind him.",
                inferred={"rating": {"tag": "Teen And Up Audiences"}}, words=500, authors=(), version="9.9")
    assert lib.put(newer, replace=True).status == "updated"
    w = lib.get(BARE)
    assert (w.effective["rating"], w.effective["freeform"], w.inferred["rating"]) == (
        ["Explicit"], ["Farm Life"], ["Teen And Up Audiences"])
    assert ids(lib, text='"farm life"') == [BARE]
    assert lib.check() == []


def test_library_put_is_idempotent(lib):
    before = lib.get(RAIN).to_dict()
    assert lib.put(doc(RAIN, "Other Title", "different text")).status == "unchanged"
    assert lib.get(RAIN).to_dict() == before
    assert lib.count() == 7


def test_library_remove(lib):
    lib.remove(RAIN)
    assert ids(lib, text="storm") == [FINEST]
    assert ids(lib, include={"relationship": ["Clark Kent/Lex Luthor"]}) == []
    assert lib.count() == 6
    assert lib.check() == []
    with pytest.raises(NotFoundError) as e:
        lib.get(RAIN)
    assert str(e.value) == f"{RAIN}: no such work in the library"


def test_library_ambiguous_prefix(lib):
    with pytest.raises(NotFoundError) as e:
        lib.resolve("000000000000000")
    assert str(e.value) == "000000000000000: the id prefix matches several works; give more of the id"


def test_library_tag_counts(lib):
    assert lib.tag_counts("fandom") == [("Smallville", 4), ("Batman", 2), ("Harry Potter - J. K. Rowling", 1),
                                        ("The Umbrella Academy (Comics)", 1), ("The Umbrella Academy (TV)", 1)]


def test_library_schema_version(store):
    assert store.schema_version() == store.MIGRATIONS[-1][0]


@pytest.mark.parametrize("sort", ["words", "added", "title"])
def test_library_common_tag_walks_the_sort_index(store, sort):
    # The rarest included tag (30 works) lists far more works than the page
    # (1), so the store walks the sort index instead: same answer required.
    works = [doc(f"{i:016x}", f"W{(i * 7) % 61:02d}", f"text number {i}", words=(i * 37) % 101 + 1,
                 declared={"fandoms": ["Common"], "freeforms": ["Even"] if i % 2 == 0 else ["Odd"]})
             for i in range(1, 61)]
    store.put_many([(w, None) for w in works])
    even = [w for w in works if int(w["id"], 16) % 2 == 0]
    key = {"words": lambda w: (-w["words"], w["id"]), "added": lambda w: -int(w["id"], 16),
           "title": lambda w: w["title"].lower()}[sort]
    expected = [w["id"] for w in sorted(even, key=key)]
    for page in (1, 2, 17):
        result = store.search(SearchQuery(include={"fandom": ["Common"], "tag": ["Even"]}, sort=sort,
                                          page=page, per_page=1))
        assert (result.total, [w.id for w in result.works]) == (30, expected[page - 1 : page])


def _ranked(store):
    """Five works whose query word sits in different fields."""
    works = [
        doc("00000000000000a1", "Storm Front", "nothing to see", summary="a storm is coming",
            declared={"freeforms": ["Angst"]}),                                     # title + summary: 5
        doc("00000000000000a2", "Chasers", "nothing here", declared={"freeforms": ["Storm Chasing"]}),  # tags: 2
        doc("00000000000000a3", "Quiet", "nothing at all", summary="before the storm"),                 # summary: 1
        doc("00000000000000a4", "Plain", "the storm broke over the storm fields"),                     # text only: 0
        doc("00000000000000a5", "Storm", "nothing", declared={"freeforms": ["Storms"]}),               # title + tags: 6
        doc("00000000000000a6", "Later Text", "another storm in the text"),                            # text only: 0
    ]
    for w in works:
        store.put(w)
    return [w["id"] for w in works]


def test_library_best_match_field_scores(store):
    # Same whole order on every backend: title 4 + tags 2 + summary 1,
    # text-only hits after, ties newest first.
    a1, a2, a3, a4, a5, a6 = _ranked(store)
    result = store.search(SearchQuery(text="storm", sort="best"))
    assert [(w.id, w.score) for w in result.works] == [(a5, 6), (a1, 5), (a2, 2), (a3, 1), (a6, 0), (a4, 0)]
    assert result.total == 6
    # Paging through the ranking gives the same order.
    pages = [store.search(SearchQuery(text="storm", page=p, per_page=4)).works for p in (1, 2)]
    assert [w.id for p in pages for w in p] == [a5, a1, a2, a3, a6, a4]
    # Negation, AND and OR keep the field semantics.
    assert [w.id for w in store.search(SearchQuery(text="storm -angst")).works] == [a5, a2, a3, a6, a4]
    # Each word of an AND scores on its own: "storm" in a5's title and tags,
    # "nothing" in no title, tags or summary.
    assert [(w.id, w.score) for w in store.search(SearchQuery(text="storm nothing")).works] == [
        (a5, 6), (a1, 5), (a2, 2), (a3, 1)]
    assert [(w.id, w.score) for w in store.search(SearchQuery(text="storm quiet")).works] == [(a3, 5)]
    assert [w.id for w in store.search(SearchQuery(text="quiet OR chasers")).works] == [a3, a2]
    assert [w.id for w in store.search(SearchQuery(text="stor*")).works] == [a5, a1, a2, a3, a6, a4]


def _facets_by_hand(store, q, top=10):
    from ficdex.library.tags import TAG_TYPES

    hits = store.search(SearchQuery(**{**q.__dict__, "page": 1, "per_page": 1000})).works
    out = {}
    for t in TAG_TYPES:
        counts = {}
        for h in hits:
            for name in h.tags[t]:
                counts[name] = counts.get(name, 0) + 1
        out[t] = sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:top]
    return out


@pytest.mark.parametrize("kw", [
    {},
    {"include": {"fandom": ["Smallville"]}},
    {"exclude": {"rating": ["Explicit"]}, "sort": "title"},
    {"text": "rain"},
    {"text": "storm", "include": {"fandom": ["Smallville"]}},
    {"text": "NOT rain"},
    {"include": {"rating": ["Mature"]}, "tags_from": "inferred"},
    {"words_from": 1000, "complete": True},
    {"include": {"fandom": ["Nowhere"]}},
])
@pytest.mark.parametrize("via", ["sql", "table"])
def test_library_facet_counts_are_exact(lib, kw, via, monkeypatch):
    from ficdex.library import facets

    # Few matches count in SQL; many through the cached tag table: both exact.
    monkeypatch.setattr(facets, "SQL_LIMIT", 10_000 if via == "sql" else 0)
    q = SearchQuery(**kw)
    assert lib.facet_counts(q) == _facets_by_hand(lib, q)
    assert lib.facet_counts(q, top=1) == _facets_by_hand(lib, q, top=1)


def test_library_facet_table_follows_writes(lib, monkeypatch):
    # The cached tag table is rebuilt when the library changes.
    from ficdex.library import facets

    monkeypatch.setattr(facets, "SQL_LIMIT", 0)
    q = SearchQuery(include={"fandom": ["Smallville"]})
    before = lib.facet_counts(q)
    assert ("Fluff", 1) in before["freeform"]
    gen = lib.generation()
    lib.set_overrides(BARE, apply_override(lib.get(BARE).overrides, "freeform", add=["Fluff"]))
    assert lib.generation() != gen
    assert ("Fluff", 2) in lib.facet_counts(q)["freeform"] and lib.facet_counts(q) == _facets_by_hand(lib, q)
    lib.remove(RAIN)
    assert lib.facet_counts(q) == _facets_by_hand(lib, q)


def test_library_facet_counts_known_answer(lib):
    got = lib.facet_counts(SearchQuery(include={"fandom": ["Smallville"]}), top=3, types=("rating", "character"))
    assert got == {"rating": [("Teen And Up Audiences", 2), ("Explicit", 1), ("Mature", 1)],
                   "character": [("Clark Kent", 3), ("Bruce Wayne", 1), ("Chloe Sullivan", 1)]}


def test_library_upgrades_from_schema_v1(db_url, monkeypatch):
    # A library written by the first schema (only migration 1 applied) opens,
    # upgrades to the latest version, and answers as a new one does.
    from ficdex.library import open_store
    from ficdex.library.postgres import PostgresStore
    from ficdex.library.sqlite import SQLiteStore

    cls = PostgresStore if db_url.startswith("postgresql") else SQLiteStore
    latest = cls.MIGRATIONS
    assert [v for v, _ in latest] == list(range(1, len(latest) + 1)) and len(latest) >= 2
    monkeypatch.setattr(cls, "MIGRATIONS", latest[:1])
    if cls is SQLiteStore:  # v1 wrote one full-text index
        monkeypatch.setattr(cls, "_fts_insert", lambda self, n, new: self._do(
            "INSERT INTO works_fts (rowid, title, summary, text, tags) VALUES (?, ?, ?, ?, ?)", (n, *new)))
    else:  # v1's tsvector was a generated column of work_data
        monkeypatch.setattr(cls, "_fts_insert", lambda self, n, new: None)
        monkeypatch.setattr(cls, "_fts_delete", lambda self, n, old: None)
    with open_store(db_url) as old:
        assert old.schema_version() == 1
        build(old)
        ids = _ranked(old)
    monkeypatch.undo()
    with open_store(db_url) as new:
        assert new.schema_version() == latest[-1][0]
        assert new.check() == []
        assert new.count() == 7 + len(ids)
        a1, a2, a3, a4, a5, a6 = ids
        assert [w.id for w in new.search(SearchQuery(text="storm", include={"tag": ["Angst"]}))
                .works] == [a1, FINEST]
        assert [w.id for w in new.search(SearchQuery(text="storm -rain")).works] == [a5, a1, a2, a3, a6, a4]
        # Writes after the upgrade keep both indexes in step.
        new.set_overrides(a4, apply_override({}, "freeform", set=["Storm Warning"]))
        assert [w.id for w in new.search(SearchQuery(text="storm -rain")).works][:3] == [a5, a1, a4]
        assert new.check() == []
    # A library newer than this ficdex is refused.
    monkeypatch.setattr(cls, "MIGRATIONS", latest[:1])
    from ficdex.errors import LibraryError

    with pytest.raises(LibraryError, match="newer"):
        open_store(db_url)
