"""The `entities` stage: proper names of people, places, facilities,
organisations and vehicles, found by ficdex's own spaCy tagger.

The tagger (``ficdex/models/ner``) is trained on LitBank's proper-name
mentions (see ``ficdex.train``).  It tags names only — "Clark", "Mrs. Kent",
"Metropolis", "Wayne Tech" — never "the reporter" or "he": the characters
stage builds people from the PER names, and the other labels tell it which
capitalised words are places or companies rather than characters.

Text is tagged in chunks of whole paragraphs so spaCy never sees a 500k-word
document (its memory and time grow with length) while `nlp.pipe` still
batches many small paragraphs together.  Within a chunk only the words near
a capitalised word that could be a name go through the model (see
`name_windows`): about half of a story's words are nowhere near one, and the
tagger is most of the analysis's time.
"""

from __future__ import annotations

import re
from bisect import bisect_right
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
# Whether a second pass decides name by name which capitalised words are
# people (`nametypes`): LitBank 5-fold CV F1 0.756 -> 0.796 (docs/ner.md).
SECOND_PASS = True

# Whether the model reads only the words near a possible name (see
# `name_windows`) rather than every word; False is the reference the
# windows are measured against (docs/scale.md).
SKIP_NAMELESS = True
# Pieces of text per nlp.pipe batch: windows are a few dozen words, and the
# parser steps through a batch's pieces side by side, so more of them share
# each step (256: tagger CPU -20% against 64; 1,000 is no better).  Whole
# chunks are up to 1,500 words, so fewer of those keep a batch's memory down.
BATCH_SIZE = 256
CHUNK_BATCH_SIZE = 64
# Words of context kept before and after a possible name.  The tagger's CNN
# sees two tokens either side of a token and its NER state reads the token
# before, so with three words before and two after (each one token or more)
# of the real text around it, every decision the model makes on a possible
# name is the one it makes on the whole chunk.  Two before loses real names
# ("the Black Panther"); 3/2, 3/3 and 4/4 differ from the whole text in the
# same ~38 of 15,368 mentions on 300 AO3 works + 2 PDNC novels, runaway
# spans and '…' tagged as a name.
CONTEXT_BEFORE = 3
CONTEXT_AFTER = 2
# Below this share of capitalised words a chunk is written in lower case
# ("jonas and gabriel"): no capital marks its names, so it is tagged whole.
MIN_CAPITALISED = 0.02

# Capitalised only because they open a sentence (or are "I"): a stretch whose
# capitalised words are all of these holds no name.  Closed-class words and
# sentence adverbs the model never tagged in 300 AO3 works: other
# interjections and adjectives ("God", "Sorry", "Little", "Long") are names
# in some stories and are tagged so by the model often enough to keep.
FUNCTION_WORDS = frozenset(
    """
    i me my mine myself you your yours yourself yourselves he him his himself she her hers herself
    it its itself we us our ours ourselves they them their theirs themselves
    this that these those the a an there here then than so and but or nor yet if when whenever
    while where wherever why how what whatever which who whom whose because though although unless
    since as once after before during between into onto upon about above against along among around
    at behind below beneath beside beyond by despite down from in inside near of off on out outside
    over past through throughout to toward towards under underneath up with within without
    is am are was were be been being do does did doing have has had having will would shall should
    can could may might must not never always sometimes often maybe perhaps just only even still
    also too very really quite almost again now all any some each every both either neither few
    many much more most other another such no yes yeah okay ok oh ah um hmm hey well
    someone somebody something anyone anybody anything everyone everybody everything nobody nothing
    for let can't won't ain't please thank thanks however instead suddenly finally besides somehow
    anyway eventually meanwhile hello goodbye alright uh huh sure
    """.split()
)
_CONTRACTED = re.compile(r"(?:'s|'m|'re|'ve|'ll|'d|n't)$")
# A word starting with a letter that is not a-z: capitals, and the rare
# non-ASCII lower case, which `_maybe_name` turns away.
_CAP_START = re.compile(r"\b[^\W\da-z_][\w'’]*")
_WORD = re.compile(r"\S+")

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
        _numpy_matmul(nlp)
        _NLP[key] = nlp
    return nlp


def _numpy_matmul(nlp) -> None:
    """Let numpy multiply the tagger's matrices instead of thinc's BLIS.

    BLIS picks its kernels by the CPU model and falls back to its generic
    C loops on CPUs it does not recognise (an AMD EPYC under a VM here),
    3.5x slower than numpy's OpenBLAS, which picks by CPU features; the
    products are the same to float rounding (no entity changed on 300 AO3
    works), and the time of the whole tagger fell by a fifth."""
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        for node in model.walk() if model is not None else ():
            node.ops = ops


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


def _maybe_name(word: str) -> bool:
    if not word[0].isupper():
        return False
    low = word.lower().replace("’", "'")
    return low not in FUNCTION_WORDS and _CONTRACTED.sub("", low) not in FUNCTION_WORDS


def name_windows(
    text: str, start: int, end: int, before: int = CONTEXT_BEFORE, after: int = CONTEXT_AFTER
) -> list[tuple[int, int]]:
    """The parts of text[start:end] the tagger needs to read: every
    capitalised word that could be a name with `before` words before it and
    `after` after it, overlapping windows merged.  A window never crosses `start` or `end`, the
    chunk's own edges, so inside it the model sees exactly the tokens it
    would see in the whole chunk."""
    starts: list[int] = []
    ends: list[int] = []
    for m in _WORD.finditer(text, start, end):
        starts.append(m.start())
        ends.append(m.end())
    if not starts:
        return []
    windows: list[list[int]] = []
    capitals = 0
    for m in _CAP_START.finditer(text, start, end):
        word = m.group()
        capitals += word[0].isupper()
        if not _maybe_name(word):
            continue
        i = bisect_right(starts, m.start()) - 1
        lo, hi = max(0, i - before), min(len(starts) - 1, i + after)
        if windows and lo <= windows[-1][1] + 1:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    if capitals < MIN_CAPITALISED * len(starts):
        return [(starts[0], ends[-1])]
    return [(starts[lo], ends[hi]) for lo, hi in windows]


def tag(
    nlp,
    text: str,
    ranges: list[tuple[int, int]] | None = None,
    *,
    keep_docs: bool = False,
    propagate_names: bool | None = None,
    skip_nameless: bool | None = None,
):
    """Entities of `text` as dicts with character offsets into `text`.

    `ranges` are its paragraphs (found from blank lines if not given).
    With `keep_docs`, also returns the list of (offset, spaCy Doc) of the
    pieces the model read (only the windows around possible names, unless
    `skip_nameless` is False)."""
    global _EMPTY
    if _EMPTY is None:
        import numpy

        _EMPTY = numpy.zeros((0,), dtype="float32")
    chunks = chunk_ranges(ranges if ranges is not None else paragraph_ranges(text), text)
    if SKIP_NAMELESS if skip_nameless is None else skip_nameless:
        chunks = [w for s, e in chunks for w in name_windows(text, s, e)]
    # A lower-case story's windows are whole chunks: batch those as chunks.
    small = sum(e - s for s, e in chunks) <= len(chunks) * CHUNK_CHARS // 4
    batch = BATCH_SIZE if small else CHUNK_BATCH_SIZE
    entities: list[dict] = []
    docs = []
    pieces = (text[s:e] for s, e in chunks)
    for (s, _), sdoc in zip(chunks, nlp.pipe(pieces, batch_size=batch)):
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
        entities = finish(text, entities)
    return (entities, docs) if keep_docs else entities


def finish(text: str, raw: list[dict], *, second_pass: bool | None = None) -> list[dict]:
    """The tagger's mentions `raw` propagated, then judged name by name."""
    from . import nametypes

    spread = propagate(text, raw)
    use = SECOND_PASS if second_pass is None else second_pass
    return nametypes.apply(text, raw, spread, nametypes.load()) if use else spread


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
        # No spaCy Doc is kept for later stages: none reads one, and the
        # model now reads only windows of the text, not all of it.
        doc.inferred["entities"] = tag(self.nlp, story.text, ranges)
        return doc


@register("entities")
def make_entity_stage() -> EntityStage:
    return EntityStage()
