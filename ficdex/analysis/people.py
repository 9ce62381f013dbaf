"""Which tagged spans are people: the tagger's entities corrected by what
the story itself says about a name.

The entity tagger looks a few words either side and then, to be
consistent, gives a name one label for the whole story.  Both go wrong in
ways the story can put right:

* a span that ran over a quotation mark or a dash ("Mrs. Bennet;--she",
  a whole paragraph starting "Winnie-the-Pooh sat down ...") is cut to
  the name it starts with;
* a surname also used after "Mr." is the person even where the tagger
  chose "place" for it ("Wickham", "Fielding" as GPE);
* a name that is the subject of a speech verb beside a quote ("said
  Eeyore", "Catherine cried") is a speaker, so a person, wherever the
  story writes it capitalised, tagged or not.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from .names import HONORIFICS, parse

_LOCATIVE = re.compile(r"\b(?:in|into|near|towards?|through|across|via|outside|inside|within|reach|reached)\s+$",
                       re.IGNORECASE)
# Where a tagged span stops being a name.
_CUT = re.compile(r"\s*(?:--+|[—–;:\"“”()!?,]|\.(?=\S)|\.\s+(?=[a-z])|\n\s*\n)\s*")
_TOKEN = re.compile(r"\S+")
_PARTICLES = {"de", "van", "der", "von", "du", "la", "le", "of", "the", "st", "st."}
_MAX_TOKENS = 5

# "…," said Eeyore / "…," Eeyore said / "…!" cried Christopher Robin
_SPEECH = (r"(?:said|says|cried|replied|asked|answered|exclaimed|returned|added|continued|observed|rejoined|"
           r"whispered|shouted|called|remarked|murmured|repeated|interrupted|resumed|went on)")
_NAME = r"([A-Z][a-z][\w'’-]*(?:[ -][A-Z][a-z][\w'’-]*)?)"
_AFTER_QUOTE = re.compile(rf"[,!?.—-][\"”’']\s+(?:{_SPEECH}\s+{_NAME}|{_NAME}\s+{_SPEECH})\b")
_NOT_NAMES = {"He", "She", "They", "We", "It", "The", "This", "That", "There", "Then", "And", "But", "So", "You",
              "His", "Her", "Their", "One", "Some", "All", "Both", "Each", "Everyone", "Somebody", "Nobody", "Who"}


def tidy(text: str, s: int, e: int) -> tuple[int, int] | None:
    """The span cut to the name it holds, or None when it holds none."""
    surface = text[s:e]
    if not _CUT.search(surface) and len(_TOKEN.findall(surface)) <= _MAX_TOKENS:
        return s, e
    for seg in _segments(surface):
        a, b = seg
        toks = list(_TOKEN.finditer(surface, a, b))
        keep = []
        for t in toks:
            w = t.group()
            if w[:1].isupper() or (keep and w.lower() in _PARTICLES):
                keep.append(t)
            else:
                break
        while keep and keep[-1].group().lower() in _PARTICLES:
            keep.pop()
        if keep and len(keep) <= _MAX_TOKENS:
            return s + keep[0].start(), s + keep[-1].end()
        if toks and len(_TOKEN.findall(surface)) > _MAX_TOKENS:
            return None  # a long span opening with no name is noise
    return None


def tidy_entities(text: str, entities: list[dict]) -> list[dict]:
    out = []
    for e in entities:
        span = tidy(text, e["start"], e["end"])
        if span == (e["start"], e["end"]):
            out.append(e)
        elif span:
            out.append({**e, "start": span[0], "end": span[1], "text": text[span[0] : span[1]]})
    return out


def _segments(surface: str):
    pos = 0
    for m in _CUT.finditer(surface):
        if m.start() > pos:
            yield pos, m.start()
        pos = m.end()
    if pos < len(surface):
        yield pos, len(surface)


def surnames_as_places(text: str, entities: list[dict]) -> set[str]:
    """One-word names tagged as places or companies that are a person's
    surname in this very story ("Mr. Wickham" beside a hundred bare
    "Wickham" tagged GPE): unless they mostly follow "in", "into", "near"…,
    they are the person."""
    titled = Counter()
    for e in entities:
        if e["label"] == "PER":
            n = parse(e["text"])
            if n.honorific and len(n.tokens) == 1:
                titled[n.tokens[0]] += 1
    out: Counter = Counter()
    placed: Counter = Counter()
    for e in entities:
        if e["label"] != "PER" and titled[e["text"]] >= 2:
            out[e["text"]] += 1
            placed[e["text"]] += bool(_LOCATIVE.search(text[max(0, e["start"] - 12) : e["start"]]))
    return {w for w, n in out.items() if placed[w] < 0.3 * n}


def speaking_names(text: str, entities: list[dict], min_count: int = 3) -> list[dict]:
    """PER mentions for names heard speaking ("said Eeyore") at least
    `min_count` times where the tagger has no person: every capitalised
    occurrence of the name, replacing the tagger's other labels for it.
    The name must be written lower case almost nowhere (so "Rabbit", not
    "Well")."""
    person_at = {e["start"] for e in entities if e["label"] == "PER"}
    heard: Counter = Counter()
    for m in _AFTER_QUOTE.finditer(text):
        g = 1 if m.group(1) else 2
        name = m.group(g)
        if m.start(g) in person_at or name.split()[0] in _NOT_NAMES or name.split()[0].lower() in HONORIFICS:
            continue
        heard[name] += 1
    names = [n for n, k in heard.items() if k >= min_count]
    if not names:
        return entities
    rx = re.compile(r"(?<![\w'’-])(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")(?![\w'’-])")
    hits = list(rx.finditer(text))
    caps = Counter(m.group() for m in hits)
    ok = set()
    for n in names:
        lower = len(re.findall(r"(?<![\w'’-])" + re.escape(n.lower()) + r"(?![\w'’-])", text))
        if lower * 10 < caps[n]:
            ok.add(n)
    if not ok:
        return entities
    kept = [e for e in entities if not (e["label"] != "PER" and e["text"] in ok)]
    taken = sorted((e["start"], e["end"]) for e in kept)
    starts = [a for a, _ in taken]
    added = []
    for m in hits:
        if m.group() not in ok:
            continue
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and taken[i][1] > m.start():
            continue
        if i + 1 < len(taken) and taken[i + 1][0] < m.end():
            continue
        added.append({"start": m.start(), "end": m.end(), "label": "PER", "text": m.group()})
    return sorted(kept + added, key=lambda x: x["start"])


# Titles that name one person when the story has one holder ("the Colonel",
# "said the count"): not Mr/Mrs/Miss, which every adult has, nor kinship.
_KIN = set("uncle aunt auntie father mother brother sister grandpa grandfather grandma grandmother papa pa mama ma "
           "master lad saint st mx".split())
_SAME_TITLE = {"dr": "doctor", "capt": "captain", "col": "colonel", "prof": "professor", "lt": "lieutenant",
               "sgt": "sergeant", "det": "detective", "rev": "reverend", "mme": "madame", "mlle": "mademoiselle"}


def lone_titles(clusters) -> dict:
    """Title -> the one final cluster known by it."""
    from .names import BARE_TITLES

    holders: dict[str, set] = {}
    for c in clusters:
        for h, n in c.honorifics.items():
            h = _SAME_TITLE.get(h, h)
            if n and h not in BARE_TITLES and h not in _KIN:
                holders.setdefault(h, {})[id(c)] = c
    return {h: next(iter(cs.values())) for h, cs in holders.items() if len(cs) == 1}


def title_nominals(text: str, lone: dict, taken: list[tuple[int, int]]) -> list[tuple[int, int, object]]:
    """"the Colonel", "the count" as mentions of the title's one holder
    (not "the Colonel Brandon", and not inside a name mention)."""
    if not lone:
        return []
    rx = re.compile(r"\b[Tt]he\s+(" + "|".join(map(re.escape, sorted(lone, key=len, reverse=True)))
                    + r")\b(?!\s+[A-Z])(?![\w'’-])", re.IGNORECASE)
    starts = [s for s, _ in taken]
    out = []
    for m in rx.finditer(text):
        i = bisect.bisect_right(starts, m.end()) - 1
        if i >= 0 and taken[i][1] > m.start():
            continue
        out.append((m.start(), m.end(), lone[m.group(1).lower()]))
    return out
