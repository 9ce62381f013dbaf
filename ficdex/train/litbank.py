"""Reading LitBank (Bamman et al. 2019) for training and scoring the tagger.

LitBank is read in place (``../shared/data/litbank``) and never copied into
the repository.  Each of its documents is rebuilt as plain text: the
annotated tokens joined by single spaces, one sentence per line.  Gold
mentions are then character spans into that text, so the tagger is trained
and scored through exactly the path ficdex uses on a story (raw text in,
character offsets out) rather than on LitBank's own tokenisation.

The label scheme comes from the coreference layer (``coref/tsv/*.ann``),
whose MENTION lines carry both the entity type and whether the mention is a
proper name (PROP), a common noun phrase (NOM) or a pronoun (PRON).  The
nested BIO layers of ``entities/tsv`` cannot tell a name from "the old
man", and their outermost layer hides a quarter of the named people inside
longer common phrases ("[Tom]'s aunt"), so ficdex trains on PROP mentions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

LABELS = ("PER", "LOC", "GPE", "FAC", "ORG", "VEH")


@dataclass(frozen=True)
class Mention:
    start: int  # character offsets into LitDoc.text
    end: int
    label: str  # PER, LOC, GPE, FAC, ORG, VEH
    kind: str  # PROP, NOM, PRON
    text: str


@dataclass
class LitDoc:
    name: str
    text: str
    sentences: list[tuple[int, int]]  # character ranges, one per sentence
    mentions: list[Mention] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(len(self.text[s:e].split()) for s, e in self.sentences)

    def proper(self, label: str | None = None) -> list[Mention]:
        return [m for m in self.mentions if m.kind == "PROP" and (label is None or m.label == label)]


def _read_sentences(path: Path) -> list[list[str]]:
    # entities/tsv: one token per line (token + 4 BIO layers), blank line
    # between sentences.  Only the tokens are used; labels come from coref.
    sents: list[list[str]] = []
    cur: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if cur:
                sents.append(cur)
                cur = []
            continue
        cur.append(line.split("\t", 1)[0])
    if cur:
        sents.append(cur)
    return sents


def _layout(sents: list[list[str]]) -> tuple[str, list[tuple[int, int]], list[list[int]]]:
    """Text, sentence ranges, and each token's start offset."""
    parts: list[str] = []
    ranges: list[tuple[int, int]] = []
    starts: list[list[int]] = []
    pos = 0
    for si, toks in enumerate(sents):
        if si:
            parts.append("\n")
            pos += 1
        begin = pos
        offs = []
        for ti, tok in enumerate(toks):
            if ti:
                parts.append(" ")
                pos += 1
            offs.append(pos)
            parts.append(tok)
            pos += len(tok)
        ranges.append((begin, pos))
        starts.append(offs)
    return "".join(parts), ranges, starts


def read_document(litbank_dir: str | Path, name: str) -> LitDoc:
    root = Path(litbank_dir)
    tsv = root / "entities" / "tsv" / f"{name}.tsv"
    ann = root / "coref" / "tsv" / f"{name}.ann"
    if not tsv.exists() or not ann.exists():
        raise InputError(f"LitBank document {name!r} lacks entities/tsv or coref/tsv", str(root))
    sents = _read_sentences(tsv)
    text, ranges, starts = _layout(sents)
    doc = LitDoc(name=name, text=text, sentences=ranges)
    for line in ann.read_text(encoding="utf-8").splitlines():
        p = line.split("\t")
        if p[0] != "MENTION":
            continue
        # MENTION id sent tok_start sent tok_end(inclusive) text type kind
        s1, t1, s2, t2 = (int(x) for x in p[2:6])
        start = starts[s1][t1]
        end = starts[s2][t2] + len(sents[s2][t2])
        doc.mentions.append(Mention(start, end, p[7], p[8], text[start:end]))
    return doc


def document_names(litbank_dir: str | Path) -> list[str]:
    root = Path(litbank_dir) / "entities" / "tsv"
    if not root.is_dir():
        raise InputError("not a LitBank folder (no entities/tsv)", str(litbank_dir))
    return sorted(p.stem for p in root.glob("*.tsv"))


def read_litbank(litbank_dir: str | Path, names: list[str] | None = None) -> list[LitDoc]:
    """Every document (or the named ones), in sorted name order."""
    return [read_document(litbank_dir, n) for n in (names or document_names(litbank_dir))]


def gold_person_names(doc: LitDoc) -> set[tuple[int, int]]:
    """The scoring gold: character spans of proper-name person mentions."""
    return {(m.start, m.end) for m in doc.proper("PER")}


def training_spans(doc: LitDoc) -> list[Mention]:
    """Non-overlapping proper-name mentions for a flat NER tagger.

    Proper names almost never nest in LitBank (2 of ~2,000 person names);
    where they do, or a place name overlaps a person's ("the Duke of
    [York]"), the person wins, then the longer span, so the one flat layer
    keeps what ficdex scores.
    """
    props = sorted(doc.proper(), key=lambda m: (m.label != "PER", -(m.end - m.start), m.start))
    kept: list[Mention] = []
    for m in props:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


_ONSETS = "b br c ch d dr f g gr h j k l m n p pr r s sh st t th tr v w z".split()
_VOWELS = "a e i o u ai ea ie oa ou y".split()
_CODAS = ["", "", "n", "r", "l", "s", "th", "ck", "nd", "rt", "m", "x"]


def _pseudo_name(rng) -> str:
    word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 3)))
    return (word + rng.choice(_CODAS)).capitalize()


def _swap_names(text: str, spans: list[Mention], pool: dict[str, list[str]], rng, p: float):
    """`text` with some names replaced, and the spans moved to match.

    A tagger trained on a few hundred names learns the names themselves and
    then misses "Clark" or "Metropolis"; swapping each name (with chance
    `p`) for another name of its kind, or an invented one, makes it rely on
    what surrounds a name — the part that carries over to fan fiction.
    """
    from ..analysis.entities import HONORIFICS

    parts, out, pos, shift = [], [], 0, 0
    for m in spans:
        new = m.text
        if rng.random() < p:
            words = m.text.split()
            keep = words[0] if m.label == "PER" and len(words) > 1 and words[0].lower() in HONORIFICS else None
            if rng.random() < 0.5 and pool.get(m.label):
                new = rng.choice(pool[m.label])
            else:
                new = " ".join(_pseudo_name(rng) for _ in range(rng.choice((1, 1, 2))))
            if keep and new.split()[0].lower() not in HONORIFICS:
                new = f"{keep} {new}"
        parts.append(text[pos : m.start])
        out.append((m.start + shift, m.start + shift + len(new), m.label))
        parts.append(new)
        shift += len(new) - (m.end - m.start)
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts), out


def to_spacy_docs(nlp, docs: list[LitDoc], *, chunk: int = 0, augment: int = 0, swap: float = 0.5, seed: int = 0):
    """spaCy Docs with gold `ents`, tokenised by `nlp`'s own tokenizer so
    training sees what inference sees.  `chunk` > 0 cuts each document into
    pieces of that many sentences (more, smaller training examples);
    `augment` adds that many copies of each piece with names swapped (names
    come only from `docs`, so a held-out fold stays unseen)."""
    import random

    rng = random.Random(seed)
    pool: dict[str, list[str]] = {}
    for lit in docs:
        for m in training_spans(lit):
            if "\n" not in m.text:
                pool.setdefault(m.label, []).append(m.text)
    out = []
    for lit in docs:
        groups = [lit.sentences] if chunk <= 0 else [
            lit.sentences[i : i + chunk] for i in range(0, len(lit.sentences), chunk)
        ]
        spans = training_spans(lit)
        for g in groups:
            lo, hi = g[0][0], g[-1][1]
            inside = [Mention(m.start - lo, m.end - lo, m.label, m.kind, m.text) for m in spans if m.start >= lo and m.end <= hi]
            versions = [(lit.text[lo:hi], [(m.start, m.end, m.label) for m in inside])]
            for _ in range(augment):
                versions.append(_swap_names(lit.text[lo:hi], inside, pool, rng, swap))
            for text, ents in versions:
                sdoc = nlp.make_doc(text)
                sdoc.ents = [
                    sp
                    for sp in (sdoc.char_span(s, e, label=lab, alignment_mode="expand") for s, e, lab in ents)
                    if sp is not None
                ]
                out.append(sdoc)
    return out


def to_docbin(nlp, docs: list[LitDoc], path: str | Path, **kw) -> int:
    from spacy.tokens import DocBin

    db = DocBin(store_user_data=False)
    sdocs = to_spacy_docs(nlp, docs, **kw)
    for d in sdocs:
        db.add(d)
    db.to_disk(path)
    return len(sdocs)


__all__ = [
    "LABELS",
    "LitDoc",
    "Mention",
    "document_names",
    "gold_person_names",
    "read_document",
    "read_litbank",
    "to_docbin",
    "to_spacy_docs",
    "training_spans",
]
