"""The `entities` stage: proper names of people, places, facilities,
organisations and vehicles, found by ficdex's own spaCy tagger.

The tagger (``ficdex/models/ner``) is trained on LitBank's proper-name
mentions (see ``ficdex.train``).  It tags names only — "Clark", "Mrs. Kent",
"Metropolis", "Wayne Tech" — never "the reporter" or "he": the characters
stage builds people from the PER names, and the other labels tell it which
capitalised words are places or companies rather than characters.

Text is tagged in chunks of whole paragraphs so spaCy never sees a 500k-word
document (its memory and time grow with length) while `nlp.pipe` still
batches many small paragraphs together.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..errors import ModelError
from .pipeline import Analysis, register

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "ner"

# A chunk closes at the first paragraph end past this many characters
# (~1,500 words): long enough to give the CNN context, short enough that
# spaCy's per-document costs stay flat.
CHUNK_CHARS = 8000

# Whether the stage tags every occurrence of a name the model found once
# (see `propagate`); chosen by LitBank cross-validation, which scores both.
PROPAGATE = True
# Whether propagation also gives every mention of a name the one label the
# name has most often in the story (see `propagate`).
UNIFY = True
# Whether the words of a multi-word person name are names of their own
# ("Snake Anson" makes "Snake" a person); LitBank 5-fold CV
# F1 0.749 -> 0.755 (docs/ner.md).
PARTS = True

_CAP_WORD = re.compile(r"[A-Z][\w]*")
_LOWER_WORD = re.compile(r"\b[a-z]+\b")
_BLANK_LINES = re.compile(r"\n\s*\n")

_EMPTY = None  # set on first use: numpy is imported with spaCy

_NLP = {}  # path -> loaded Language, once per process


def load_model(path: str | Path | None = None):
    """The tagger, loaded once per process and per path."""
    key = str(Path(path) if path else MODEL_DIR)
    nlp = _NLP.get(key)
    if nlp is None:
        if not (Path(key) / "meta.json").exists():
            raise ModelError(
                "the entity tagger is missing; train it with "
                "`ficdex train ner ../shared/data/litbank --out ficdex/models/ner`",
                key,
            )
        import spacy

        try:
            nlp = spacy.load(key, exclude=["parser", "tagger", "lemmatizer"])
        except (OSError, ValueError) as exc:
            raise ModelError(f"the entity tagger cannot be loaded: {exc}", key) from exc
        _NLP[key] = nlp
    return nlp


def paragraph_ranges(text: str) -> list[tuple[int, int]]:
    """Paragraphs of plain text: runs separated by blank lines."""
    out, pos = [], 0
    for m in _BLANK_LINES.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


def chunk_ranges(ranges: list[tuple[int, int]], text: str, limit: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """Group consecutive paragraphs into chunks of about `limit` characters.
    A single paragraph longer than `limit` is cut at line ends or, failing
    that, at sentence-final punctuation, so no chunk grows without bound."""
    chunks: list[tuple[int, int]] = []
    start = end = None
    for s, e in ranges:
        for ps, pe in _split_long(text, s, e, limit):
            if start is None:
                start, end = ps, pe
            elif pe - start > limit:
                chunks.append((start, end))
                start, end = ps, pe
            else:
                end = pe
    if start is not None:
        chunks.append((start, end))
    return chunks


def _split_long(text: str, s: int, e: int, limit: int):
    while e - s > limit:
        window = text[s : s + limit]
        cut = window.rfind("\n")
        if cut < limit // 4:
            cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
            cut = cut + 1 if cut >= limit // 4 else window.rfind(" ")
        if cut <= 0:
            cut = limit
        yield s, s + cut
        s += cut
        while s < e and text[s].isspace():
            s += 1
    if e > s:
        yield s, e


def tag(
    nlp,
    text: str,
    ranges: list[tuple[int, int]] | None = None,
    *,
    keep_docs: bool = False,
    propagate_names: bool | None = None,
):
    """Entities of `text` as dicts with character offsets into `text`.

    `ranges` are its paragraphs (found from blank lines if not given).
    With `keep_docs`, also returns the list of (offset, spaCy Doc)."""
    global _EMPTY
    if _EMPTY is None:
        import numpy

        _EMPTY = numpy.zeros((0,), dtype="float32")
    chunks = chunk_ranges(ranges if ranges is not None else paragraph_ranges(text), text)
    entities: list[dict] = []
    docs = []
    pieces = (text[s:e] for s, e in chunks)
    for (s, _), sdoc in zip(chunks, nlp.pipe(pieces, batch_size=64)):
        for ent in sdoc.ents:
            entities.append(
                {
                    "start": s + ent.start_char,
                    "end": s + ent.end_char,
                    "label": ent.label_,
                    "text": ent.text,
                }
            )
        if keep_docs:
            # The tok2vec output (width floats per token) would be most of
            # the memory of a kept novel, and no later stage reads it.
            sdoc.tensor = _EMPTY
            docs.append((s, sdoc))
    if PROPAGATE if propagate_names is None else propagate_names:
        entities = propagate(text, entities)
    return (entities, docs) if keep_docs else entities


HONORIFICS = frozenset(
    "mr mr. mrs mrs. ms ms. miss master dr dr. sir lady lord madam madame mme mme. "
    "mlle mlle. monsieur captain capt. colonel col. general major professor prof. "
    "aunt uncle father mother sister brother saint st. king queen prince princess".split()
)


def propagate(text: str, entities: list[dict], *, parts: bool = PARTS, unify: bool = UNIFY) -> list[dict]:
    """Tag every other occurrence of a name the model tagged somewhere.

    A novel names its people hundreds of times; the tagger, looking a few
    words either side, misses some of them ("Grey was late." at a sentence
    start).  A name tagged once is a name everywhere in the same text: each
    exact, capitalised, whole-word occurrence not already inside an entity
    gets the label the name most often had (and, with `unify`, so do the
    model's own mentions of it).  With `parts`, the words of a
    multi-word person name (less honorifics) count as names too, unless
    the story also writes them in lower case: "The", "Good" or "Judge"
    open names but are everyday words.
    """
    votes: dict[str, Counter] = {}
    common = None
    for e in entities:
        votes.setdefault(e["text"], Counter())[e["label"]] += 1
        if parts and e["label"] == "PER" and " " in e["text"]:
            if common is None:
                common = set(_LOWER_WORD.findall(text))
            for w in e["text"].split():
                if w[:1].isupper() and w.lower() not in HONORIFICS and len(w) > 2 and w.lower() not in common:
                    votes.setdefault(w, Counter())["PER"] += 1
    label = {}
    for name, c in votes.items():
        ranked = c.most_common()
        lab, n = ranked[0]
        # A tie between a person and another kind goes to the other kind:
        # people outnumber places ten to one in the training data, so a
        # place reading that holds its own against that prior is the
        # likelier one ("a son of Metropolis" tagged PER once, GPE once).
        if lab == "PER" and len(ranked) > 1 and ranked[1][1] == n:
            lab = next(k for k, v in ranked if v == n and k != "PER")
        if _CAP_WORD.match(name) and "\n" not in name:
            label[name] = lab
    if unify:
        # One name, one kind within a story: relabel the model's own
        # mentions to the label the name has most often.
        entities = [
            {**e, "label": label[e["text"]]} if label.get(e["text"], e["label"]) != e["label"] else e
            for e in entities
        ]
    if not label:
        return entities
    # Names grouped by first letter run, longest first, so one scan over
    # capitalised words finds them all: a single regex alternation of a
    # thousand names would crawl over a 500k-word novel.
    by_head: dict[str, list[str]] = {}
    for name in sorted(label, key=len, reverse=True):
        by_head.setdefault(_CAP_WORD.match(name).group(), []).append(name)
    taken = sorted((e["start"], e["end"]) for e in entities)
    added = []
    i = last = 0
    for m in _CAP_WORD.finditer(text):
        s = m.start()
        if s < last or s and (text[s - 1].isalnum() or text[s - 1] in "'’-"):
            continue
        for name in by_head.get(m.group(), ()):
            e = s + len(name)
            if text.startswith(name, s) and not (e < len(text) and (text[e].isalnum() or text[e] in "'’-_")):
                break
        else:
            continue
        while i < len(taken) and taken[i][1] <= s:
            i += 1
        if i < len(taken) and taken[i][0] < e:
            continue  # overlaps an entity the model found: the model wins
        added.append({"start": s, "end": e, "label": label[name], "text": name})
        last = e
    return sorted(entities + added, key=lambda x: x["start"])


def find_entities(text: str, *, model: str | Path | None = None) -> list[dict]:
    """Proper-name entities in `text`: [{"start", "end", "label", "text"}]."""
    return tag(load_model(model), text)


class EntityStage:
    name = "entities"
    requires: tuple[str, ...] = ()
    assigns = ("entities",)

    def __init__(self, model: str | Path | None = None):
        self.nlp = load_model(model)

    def __call__(self, doc: Analysis) -> Analysis:
        story = doc.story
        ranges = [(p.start, p.end) for p in story.paragraphs()] or None
        entities, sdocs = tag(self.nlp, story.text, ranges, keep_docs=True)
        doc.inferred["entities"] = entities
        # Later stages (quotes, characters) reuse the tokenisation rather
        # than running spaCy again: (character offset of chunk, Doc).
        doc.scratch["spacy_docs"] = sdocs
        return doc


@register("entities")
def make_entity_stage() -> EntityStage:
    return EntityStage()
