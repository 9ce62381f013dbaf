"""The entity tagger's second pass: is this capitalised word a person here?

The tagger decides one mention at a time from a few words either side, so
its errors come in whole names: a name it never tags in a story although
the story says "said Quenby" a dozen times, a person it reads as a place in
most of her mentions, a common word it tagged once and propagation then
spread ("Fog").  A reader decides at the level of the name, from everything
the story does with it: titles before it, speech verbs after it, a
possessive, being addressed, being written in lower case elsewhere.

`features` gathers that evidence for each capitalised word type of a story
from the text and the tagger's own (unpropagated) tags; a small logistic
regression (``ficdex/models/ner/nametypes.json``, trained by
``ficdex.train.nametypes`` on LitBank, out-of-fold tagger output) turns it
into P(person); `apply` then tags every capitalised occurrence of a likely
person as PER and drops PER mentions made only of unlikely ones.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left, bisect_right
from pathlib import Path

from ..errors import ModelError
from .entities import FUNCTION_WORDS
from .names import FIRST_NAME_GENDER, NICKNAMES

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "ner" / "nametypes.json"

# A name used fewer times than this is dropped only below LO_ONCE: one
# mention gives the pass no more to go on than the tagger had.  It costs
# LitBank CV F1 ~0.005 and keeps AO3 characters named once (docs/ner.md).
MIN_DROP = 2
LO_ONCE = 0.2
# Whether a place/organisation mention is relabelled PER when any of its
# words is a likely person and none unlikely (else: all of them likely).
RELABEL_ANY = True
# Whether PER spans are mended as LitBank draws them (see `_repair`).
REPAIR = True

_TOKEN = re.compile(r"\w+|[^\w\s]")
_TITLES = frozenset(
    "mr mrs ms miss master dr sir lady lord madam madame mme mlle monsieur captain capt colonel "
    "col general major professor prof aunt uncle father mother sister brother saint st king queen "
    "prince princess duke duchess earl count countess baron judge inspector sergeant lieutenant "
    "doctor reverend rev mistress herr frau signor signora".split()
)
_SPEECH = frozenset(
    "said says asked replied answered cried exclaimed whispered shouted muttered called added "
    "continued began observed returned remarked told murmured repeated declared insisted sighed "
    "laughed smiled nodded interrupted screamed yelled snapped".split()
)
_ACTS = frozenset(
    "was had looked felt knew thought turned went came saw took made gave sat stood walked ran "
    "wanted loved married died lived seemed stopped opened put got heard tried found left kept "
    "would could did is has does will can grinned frowned shrugged wept glanced stared".split()
)
_PLACE_PREP = frozenset("in at to from near into towards toward through across of".split())
_OPEN = frozenset('." ! ? " “ ‘ : ; ( — -'.split()) | {'"'}
_FIRST = frozenset(FIRST_NAME_GENDER) | frozenset(NICKNAMES)
# The second word of a place or institution's name ("Quenby Hall").
_PLACE_NOUNS = frozenset(
    "street road lane avenue square hall house park inn island court castle abbey church chapel "
    "college school river lake mountain mount hill bay town city grange manor place bridge "
    "station hotel company club society bank farm wood woods forest valley gardens "
    "cottage tower palace harbour harbor port field heath common green row terrace ".split()
)
_PRONOUNS = frozenset("he she him her his hers himself herself".split())
_PLACE_SUFFIX = re.compile(r"(?:ton|ville|shire|ford|land|burg|bury|ham|field|port|ia|chester|wick|mouth|don|ington|stead|wood|dale|sex)$")
_PEOPLE_SUFFIX = re.compile(r"(?:ish|ese|ian|ians|ans|ic|ites|ists|men)$")

FEATURES = (
    "log_n", "initial", "lower", "tag_per", "tag_place", "tag_other", "tag_per_multi",
    "titled", "speech_after", "speech_before", "possessive", "vocative", "acts",
    "place_prep", "the_before", "in_sequence", "first_name", "length",
    "all_caps", "untagged", "place_noun_after", "pronoun_near", "place_suffix", "people_suffix",
)

_MODEL: dict | None = None


def load(path: str | Path | None = None) -> dict | None:
    """The shipped second pass, or None when it is absent (the tagger then
    runs alone, as it did before the pass existed)."""
    global _MODEL
    if path is None and _MODEL is not None:
        return _MODEL
    p = Path(path) if path else MODEL_PATH
    if not p.exists():
        return None
    try:
        model = json.loads(p.read_text(encoding="utf-8"))
        if list(model["features"]) != list(FEATURES):
            raise ValueError("its features are not this code's")
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"the name-type model cannot be read: {exc}", str(p)) from exc
    if path is None:
        _MODEL = model
    return model


def candidate(word: str) -> bool:
    # Titles are judged with the name after them, never alone.
    low = word.lower()
    return len(word) > 1 and word[0].isupper() and word.isalpha() and low not in FUNCTION_WORDS and low not in _TITLES


def features(text: str, raw: list[dict]) -> tuple[list[tuple[int, int]], dict[str, list[int]], dict[str, list[float]]]:
    """Tokens, each candidate type's token indices, and its feature vector
    (see FEATURES) from `text` and the tagger's unpropagated entities."""
    toks = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    words = [text[s:e] for s, e in toks]
    occ: dict[str, list[int]] = {}
    lower: dict[str, int] = {}
    for i, w in enumerate(words):
        c = w[0]
        if c.isupper():
            if candidate(w):
                occ.setdefault(w, []).append(i)
        elif c.islower():
            lower[w] = lower.get(w, 0) + 1
    if not occ:
        return toks, occ, {}
    # Which tokens the tagger put inside which kind of entity.
    starts = [s for s, _ in toks]
    inside: dict[int, tuple[str, bool]] = {}
    for e in raw:
        i = bisect_left(starts, e["start"])
        multi = " " in e["text"].strip()
        while i < len(toks) and toks[i][1] <= e["end"]:
            inside[i] = (e["label"], multi)
            i += 1
    out: dict[str, list[float]] = {}
    n_tok = len(words)
    for w, idx in occ.items():
        n = len(idx)
        f = dict.fromkeys(FEATURES, 0.0)
        for i in idx:
            prev = words[i - 1] if i else "\n"
            nxt = words[i + 1] if i + 1 < n_tok else "\n"
            newline = i == 0 or "\n" in text[toks[i - 1][1] : toks[i][0]]
            if newline or prev in _OPEN:
                f["initial"] += 1
            lab = inside.get(i)
            if lab is None:
                f["untagged"] += 1
            elif lab[0] == "PER":
                f["tag_per"] += 1
                f["tag_per_multi"] += lab[1]
            elif lab[0] in ("GPE", "LOC", "FAC"):
                f["tag_place"] += 1
            else:
                f["tag_other"] += 1
            p1 = prev.lower()
            if p1 in _TITLES or (prev == "." and i > 1 and words[i - 2].lower() in _TITLES):
                f["titled"] += 1
            nl = nxt.lower()
            if nl in _SPEECH:
                f["speech_after"] += 1
            if p1 in _SPEECH:
                f["speech_before"] += 1
            if nxt in ("'", "’") and i + 2 < n_tok and words[i + 2] == "s":
                f["possessive"] += 1
            if prev in (",", '"', "“") and nxt in (",", "!", "?"):
                f["vocative"] += 1
            if nl in _ACTS:
                f["acts"] += 1
            if p1 in _PLACE_PREP:
                f["place_prep"] += 1
            if p1 == "the":
                f["the_before"] += 1
            if nl in _PLACE_NOUNS:
                f["place_noun_after"] += 1
            if any(x.lower() in _PRONOUNS for x in words[i + 1 : i + 4]):
                f["pronoun_near"] += 1
            if (nxt[:1].isupper() and nxt.isalpha()) or (not newline and prev[:1].isupper() and prev.isalpha() and p1 not in _TITLES):
                f["in_sequence"] += 1
        for k in FEATURES:
            f[k] /= n
        low = lower.get(w.lower(), 0)
        f["log_n"] = math.log1p(n)
        f["lower"] = math.log1p(low) / (1 + math.log1p(n))
        f["first_name"] = float(w.lower() in _FIRST)
        f["length"] = min(len(w), 12) / 12
        f["all_caps"] = float(w.isupper())
        f["place_suffix"] = float(bool(_PLACE_SUFFIX.search(w)))
        f["people_suffix"] = float(bool(_PEOPLE_SUFFIX.search(w)))
        out[w] = [f[k] for k in FEATURES]
    return toks, occ, out


def probabilities(model: dict, feats: dict[str, list[float]]) -> dict[str, float]:
    import numpy

    if not feats:
        return {}
    names = list(feats)
    x = numpy.asarray([feats[n] for n in names], dtype="float64")
    x = (x - numpy.asarray(model["mean"])) / numpy.asarray(model["scale"])
    z = x @ numpy.asarray(model["weights"]) + model["bias"]
    p = 1.0 / (1.0 + numpy.exp(-z))
    return dict(zip(names, p.tolist()))


def apply(
    text: str,
    raw: list[dict],
    entities: list[dict],
    model: dict | None,
    *,
    hi: float | None = None,
    lo: float | None = None,
    probs: dict[str, float] | None = None,
    parsed=None,
) -> list[dict]:
    """`entities` (the propagated tags) with the type-level decisions made:
    a likely person (P ≥ hi) is PER at every capitalised occurrence, with a
    title before it inside the span ("Mr. Quenby"); a PER mention whose
    candidate words are all unlikely persons (P < lo) is dropped."""
    if model is None and probs is None:
        return entities
    hi = model["hi"] if hi is None else hi
    lo = model["lo"] if lo is None else lo
    toks, occ, feats = parsed if parsed is not None else features(text, raw)
    if probs is None:
        probs = probabilities(model, feats)
    if not probs:
        return entities
    person = {w for w, p in probs.items() if p >= hi} | _always_addressed(text, toks, occ)
    once = min(lo, LO_ONCE)
    unlikely = {w for w, p in probs.items() if p < (lo if len(occ.get(w, ())) >= MIN_DROP else once)}

    def words_of(e):
        return [w for w in _TOKEN.findall(e["text"]) if w in probs]

    kept = []
    for e in entities:
        ws = words_of(e)
        # A titled mention stays: "Colonel Quenby" is a person even where
        # "Quenby" is mostly a house or a firm.
        titled = e["text"].split(None, 1)[0].rstrip(".").lower() in _TITLES
        if e["label"] == "PER" and ws and not titled and all(w in unlikely for w in ws):
            continue
        if e["label"] != "PER" and ws and _relabel(ws, person, unlikely):
            e = {**e, "label": "PER"}
        kept.append(e)
    if not person:
        return _repair(text, kept) if REPAIR else kept
    out = sorted(kept + _occurrences(text, toks, occ, person, kept), key=lambda x: x["start"])
    return _repair(text, out) if REPAIR else out


def _occurrences(text, toks, occ, person, kept) -> list[dict]:
    """A PER mention at every occurrence of a likely person that no mention
    covers yet, joined with its likely-person neighbours ("Quenby Marsh")
    and the title before it ("Mr. Quenby"), as LitBank spans them."""
    taken = sorted((e["start"], e["end"]) for e in kept)

    def free(i):
        s, e = toks[i]
        j = bisect_right(taken, (s, float("inf"))) - 1
        return not (j >= 0 and taken[j][1] > s) and not (j + 1 < len(taken) and taken[j + 1][0] < e)

    def word(i):
        return text[toks[i][0] : toks[i][1]]

    def joined(i, j):  # tokens i < j written with one space between
        return text[toks[i][1] : toks[j][0]] == " "

    covered: set[int] = set()
    added = []
    for w in person:
        for i in occ.get(w, ()):
            if i in covered or not free(i):
                continue
            a = b = i
            while a > 0 and word(a - 1) in person and free(a - 1) and joined(a - 1, a):
                a -= 1
            while b + 1 < len(toks) and word(b + 1) in person and free(b + 1) and joined(b, b + 1):
                b += 1
            j = a - 1
            if j >= 1 and word(j) == "." and word(j - 1).lower() in _ABBREVIATED:
                j -= 1
            if j >= 0 and word(j)[:1].isupper() and word(j).lower() in _TITLES and free(j):
                a = j
            covered.update(range(a, b + 1))
            s, e = toks[a][0], toks[b][1]
            added.append({"start": s, "end": e, "label": "PER", "text": text[s:e]})
    return added




def _relabel(ws, person, unlikely) -> bool:
    if RELABEL_ANY:
        return any(w in person for w in ws) and not any(w in unlikely for w in ws)
    return all(w in person for w in ws)


# Titles written with a full stop; any other word before one ends a
# sentence ("... the Prince. Quenby"), so it is no part of the name.
_ABBREVIATED = frozenset("mr mrs ms dr st capt col prof rev mme mlle gen lt sgt messrs".split())


# forms of address that stand only before a person's name ("Madam Pince"),
# unlike "General", "King" or "St" that also begin places and things
_ADDRESS = frozenset("mr mrs ms miss mister missus madam madame mme mlle mademoiselle monsieur dr professor".split())


def _always_addressed(text: str, toks, occ) -> set[str]:
    """Words the story writes at least twice and only after a form of
    address: a name, however little else the story says of it (a walk-on
    named "Madam Pince" twice is untagged and says nothing else)."""
    def after_address(i: int) -> bool:
        k = i - 1
        if k >= 0 and text[toks[k][0] : toks[k][1]] == ".":
            k -= 1
        return k >= 0 and text[toks[k][0] : toks[k][1]].lower() in _ADDRESS

    return {w for w, ix in occ.items() if len(ix) >= 2 and all(after_address(i) for i in ix)}


def _is_title(word: str, stop: str) -> bool:
    low = word.lower()
    return low in _TITLES and (not stop or low in _ABBREVIATED)


# Sentence openers that the tagger folds into a name; not "The", which
# LitBank keeps ("The Quenbys", "the late Quenby").
_OPENERS = FUNCTION_WORDS - {"the", "a", "an"}


_TITLE_BEFORE = re.compile(r"\b([A-Z][a-z]*)(\.?) $")


def _repair(text: str, ents: list[dict]) -> list[dict]:
    """LitBank's span for a person: a title before the name belongs to it
    ("Uncle Quenby"), a sentence opener does not ("Finally Quenby"), and a
    first and last name written together are one mention, not two."""
    out: list[dict] = []
    for e in ents:
        if e["label"] == "PER":
            s, t = e["start"], e["text"]
            first, _, rest = t.partition(" ")
            while rest and first[:1].isupper() and first.lower() in _OPENERS:
                s += len(first) + 1
                t = rest
                first, _, rest = t.partition(" ")
            m = _TITLE_BEFORE.search(text, max(0, s - 16), s)
            if m and _is_title(m.group(1), m.group(2)) and not (out and out[-1]["end"] > m.start()):
                s = m.start()
            prev = out[-1] if out else None
            if prev and prev["label"] == "PER" and text[prev["end"] : s] == " " and t.split()[0].lower() not in _TITLES:
                s = prev["start"]
                out.pop()
            if s != e["start"]:
                e = {**e, "start": s, "text": text[s : e["end"]]}
        out.append(e)
    return out
