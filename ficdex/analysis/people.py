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

from .. import knowledge
from ..knowledge import match
from .fandoms import lower_aliases, lower_case_story
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
        return _trailing_words(surface, s, e)
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


def _trailing_words(surface: str, s: int, e: int) -> tuple[int, int]:
    """"Miss Morstan s demeanor" (an apostrophe lost): lower-case words after
    the name, with no capitalised word after them, are no part of it."""
    toks = list(_TOKEN.finditer(surface))
    k = next((i for i in range(1, len(toks)) if toks[i].group()[:1].islower()
              and toks[i].group().lower() not in _PARTICLES and toks[i - 1].group()[:1].isupper()), None)
    if k is None or any(t.group()[:1].isupper() for t in toks[k:]):
        return s, e
    return s, s + toks[k - 1].end()


def tidy_entities(text: str, entities: list[dict]) -> list[dict]:
    out = []
    for e in entities:
        span = tidy(text, e["start"], e["end"])
        if span == (e["start"], e["end"]):
            out.append(e)
        elif span:
            out.append({**e, "start": span[0], "end": span[1], "text": text[span[0] : span[1]]})
    return out


# Titles that open a second name inside one tagged span ("Mr. Hastings
# Miss Howard"), and words that end a place's name ("Barton Park").
_INNER_TITLES = set("mr mrs miss ms dr sir lady lord madame monsieur mme mlle".split())
_PLACE_WORDS = set("street square road hall park house court abbey lodge place avenue castle manor church chapel "
                   "college hotel cottage terrace gardens bridge farm inn station".split())


def split_names(text: str, entities: list[dict]) -> list[dict]:
    """Person spans holding two names or a place: "Mr. Hastings Miss Howard"
    and "Jane and Kitty" are two people; "Bounderby Hall" and "Barton Park" are places, and
    "Mill Street Archer" is Archer.  (Not "Jenny Hall", "Lois Lane": a
    first name before the word makes it a surname.)"""
    from .names import FIRST_NAME_GENDER, NICKNAMES

    out = []
    for e in entities:
        toks = list(_TOKEN.finditer(e["text"])) if e["label"] == "PER" else []
        if len(toks) < 2:
            out.append(e)
            continue
        words = [t.group().rstrip(".,").casefold() for t in toks]
        s = e["start"]
        cut = next((k for k in range(1, len(toks) - 1) if words[k] in _INNER_TITLES
                    and toks[k - 1].group()[:1].isupper() and toks[k + 1].group()[:1].isupper()), None)
        # "Jane and Kitty" is two people (and one span would join them).
        conj = next((k for k in range(1, len(toks) - 1) if words[k] in ("and", "or", "&")
                     and toks[k - 1].group()[:1].isupper() and toks[k + 1].group()[:1].isupper()), None)
        if conj is not None:
            for a, b in ((0, conj - 1), (conj + 1, len(toks) - 1)):
                if words[a] in _INNER_TITLES and a == b:
                    continue
                start, end = s + toks[a].start(), s + toks[b].end()
                out.append({**e, "start": start, "end": end, "text": text[start:end]})
            continue
        place = None
        if words[0] not in HONORIFICS and words[0] not in FIRST_NAME_GENDER and words[0] not in NICKNAMES:
            place = next((k for k in range(len(toks) - 1, 0, -1) if words[k] in _PLACE_WORDS), None)
        if cut is not None:
            for a, b in ((0, cut - 1), (cut, len(toks) - 1)):
                start, end = s + toks[a].start(), s + toks[b].end()
                out.append({**e, "start": start, "end": end, "text": text[start:end]})
        elif place is not None:
            end = s + toks[place].end()
            out.append({**e, "end": end, "text": text[s:end], "label": "FAC"})
            if place < len(toks) - 1:
                start = s + toks[place + 1].start()
                out.append({**e, "start": start, "text": text[start : e["end"]]})
        else:
            out.append(e)
    return out


def _segments(surface: str):
    pos = 0
    for m in _CUT.finditer(surface):
        if m.start() > pos:
            yield pos, m.start()
        pos = m.end()
    if pos < len(surface):
        yield pos, len(surface)


_NEXT_WORD = re.compile(r"[ \t]+([A-Z][\w'’-]*)")


def with_surnames(text: str, entities: list[dict]) -> list[dict]:
    """A first name the tagger cut from its surname ("Tony" of "Tony
    Last", where "Last" is an everyday word) takes the surname back when
    the story also writes that surname after a title ("Mr Last"): it is
    the full name, and the one that ties "Tony" to "Mr Last"."""
    titled = set()
    for e in entities:
        if e["label"] == "PER":
            n = parse(e["text"])
            if n.honorific and len(n.tokens) == 1:
                titled.add(n.tokens[0])
    if not titled:
        return entities
    by_start = {e["start"]: e for e in entities}
    out, drop = [], set()
    for e in entities:
        if id(e) in drop:
            continue
        m = _NEXT_WORD.match(text, e["end"])
        n = parse(e["text"]) if m and e["label"] == "PER" else None
        if n and len(n.tokens) == 1 and not n.honorific and not n.possessive and parse(m.group(1)).surface in titled:
            nxt = by_start.get(m.start(1))
            if nxt is not None:
                drop.add(id(nxt))
            e = {**e, "end": m.end(1), "text": text[e["start"] : m.end(1)]}
        out.append(e)
    return out


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


# What only a person does right after being named ("Manning nodded",
# "said Slackbridge"), and how dialogue addresses one ("Here, Potapitch!").
_ACTS_AFTER = re.compile(r"\s+(?:said|says|cried|replied|asked|answered|exclaimed|whispered|shouted|murmured|muttered|"
                         r"laughed|smiled|nodded|sighed|frowned|grinned|looked|glanced|shook|wept|knocked|hesitated)\b")
_ACTS_BEFORE = re.compile(r"\b(?:said|cried|replied|asked|answered|exclaimed|whispered|shouted|murmured)\s+$")
_ADDRESS_BEFORE = re.compile(r"(?:[\"“]\s*|,\s+|\b(?:[Hh]ere|[Oo]h|[Cc]ome|[Yy]es|[Nn]o|[Ww]ell),?\s+)$")
_ADDRESS_AFTER = re.compile(r"[,!?]")
# A title right before the span: "Mlle. Blanche" where only "Blanche" was tagged (a place).
_TITLE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mlle|Mme|Madame|Monsieur|Mademoiselle|Lady|Sir|Signor|Signora|Herr|Frau)"
                           r"\.?\s+$")


def acting_names(text: str, entities: list[dict], quotes, min_count: int = 2) -> list[dict]:
    """Names (up to three words) the tagger calls places that the story
    treats as a person: seen acting ("Manning nodded", "said Slackbridge"),
    after a title ("Mlle. Blanche") or addressed in dialogue ("Come
    inside, Manning,") at least `min_count` times, twice
    as often as after "in", "near"…, and almost never written lower case.
    (The tagger gives a name one label per story, so a rare foreign or
    odd name may be a "place" throughout.)"""
    cues: Counter = Counter()
    placed: Counter = Counter()
    seen: Counter = Counter()
    for e in entities:
        t, s, end = e["text"], e["start"], e["end"]
        # Up to three capitalised words: "Alexis Ivanovitch" a "facility".
        if e["label"] == "PER" or not all(w[:1].isupper() for w in t.split()) or len(t.split()) > 3:
            continue
        seen[t] += 1
        before = text[max(0, s - 12) : s]
        if (_ACTS_AFTER.match(text, end) or _ACTS_BEFORE.search(before) or _TITLE_BEFORE.search(before)
                or (s in quotes and _ADDRESS_BEFORE.search(before) and _ADDRESS_AFTER.match(text, end))):
            cues[t] += 1
        placed[t] += bool(_LOCATIVE.search(before))
    ok = set()
    for t, n in cues.items():
        if n >= min_count and n >= 2 * placed[t]:
            lower = len(re.findall(r"(?<![\w'’-])" + re.escape(t.lower()) + r"(?![\w'’-])", text))
            if lower * 10 < seen[t]:
                ok.add(t)
    if not ok:
        return entities
    return [{**e, "label": "PER"} if e["label"] != "PER" and e["text"] in ok else e for e in entities]


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


# --- stories written all in lower case ------------------------------------
# Some AO3 authors write everything in lower case ("klaus woke up and five
# was already there").  The entity tagger reads capitals, so it finds no
# names there, and without names there are no characters, pairings or
# speakers.  The knowledge base still knows the cast: its characters'
# aliases are looked for case-blind (the fandoms stage's table: three
# letters or more, no English words), the fandoms with evidence among them
# are taken as the story's, and every alias of those fandoms' characters
# becomes a name mention for the characters stage to cluster and link as
# usual.  Only names of fandoms the story gives evidence of are taken, so a
# lower-case "ben" in a story of no known fandom stays a word.


def lower_case_names(kb: knowledge.KnowledgeBase, text: str, taken: list[tuple[int, int]]):
    """For a story written in lower case: (sightings, people), where
    `sightings` are (alias, start, end, entry) for every KB character
    alias seen case-blind (fandom evidence), and `people` the (start, end,
    surface) name mentions of characters of the fandoms that evidence
    supports, outside the spans in `taken` (sorted).  Both empty for a
    story written with capitals."""
    if not lower_case_story(text):
        return [], []
    rx, table = lower_aliases(kb)
    low = text.lower()
    if rx is None or len(low) != len(text):  # offsets must stay those of the text
        return [], []
    found = [(m.start(), m.end(), table[m.group()]) for m in rx.finditer(low)]
    # Weighed as the names would be if capitalised ("t'challa" as "T'Challa").
    sightings = [(text[s:e].title(), s, e, x) for s, e, entries in found for x in entries]
    active = match.evident(match.collect(kb, sightings))
    found += _word_names(kb, active, low, table)
    starts = [a for a, _ in taken]
    people = []
    for s, e, entries in sorted(found, key=lambda f: f[0]):
        if not any(x.fandom in active for x in entries):
            continue
        i = bisect.bisect_right(starts, s) - 1
        if (i >= 0 and taken[i][1] > s) or (i + 1 < len(taken) and taken[i + 1][0] < e):
            continue  # the tagger already has a name here
        people.append((s, e, text[s:e]))
    return sightings, people


# What follows a word used as a name ("five frowned", "five was", "po's"):
# a verb in the past, an adverb, a common auxiliary, a possessive.
_NAME_USE = re.compile(r"(?:['’]s\b|\s+(?:\w+ed|\w+ly|was|is|had|has|could|would|said|says|did|didn['’]t|"
                       r"wasn['’]t|needs|wants|looks|turns|just|never|always|only)\b)")
_WORD_NAME_MIN = 2


def _word_names(kb, active, low, table):
    """Aliases of the story's fandoms the case-blind table leaves out, being
    words or two letters ("five" for Number Five, "po"): taken where the
    text uses them as a name, and only when it does so at least twice."""
    words: dict[str, list] = {}
    for key in active:
        for c in kb.fandoms[key].characters:
            for a in c.names:
                w = a.casefold()
                if w not in table and len(w) >= 2 and " " not in w and w.isalpha():
                    words.setdefault(w, []).append(c)
    if not words:
        return []
    rx = re.compile(r"(?<![\w'’-])(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")(?![\w-])")
    hits = [m for m in rx.finditer(low) if _NAME_USE.match(low, m.end())]
    counts = Counter(m.group() for m in hits)
    return [(m.start(), m.end(), words[m.group()]) for m in hits if counts[m.group()] >= _WORD_NAME_MIN]
