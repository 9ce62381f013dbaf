"""Names the tagger took for people that are not: places, peoples,
chapter headings and contractions, told apart by how the story uses them.

**Places** (`places`).

The tagger reads one mention at a time, and the name-type pass
(`nametypes.py`) learned on LitBank's 2,000-word openings; over a whole
novel a town or a country named a hundred times can come out a person
("Sawston", "Italy", "Chandrapore").  As a character it is harmful twice
over: it is a candidate speaker for every quote near it, and coreference
gives it the "he" and "she" of the people around it.

A reader knows a place by what the sentences do with it: people are
"in Italy", "at Sawston", "through Florence"; a person is the one who
says, asks, answers, and is called Mr. or Miss.  A cluster of name
mentions is a place when

* the story never writes a title before it ("Mr.", "Colonel": a person)
  and never makes it the subject of a speech verb ("said Tavish",
  "Tavish asked");
* it is named at least `MIN_MENTIONS` times (less is no evidence of use);
* at least `MIN_WHERE` of its mentions follow a preposition of place
  (in, at, into, near, through, across, towards, round), and at least
  `MIN_MOTION` follow those or one of going and belonging (to, from, of,
  for, on, via, leave, reach, visit).

People are often "to" or "from" someone (a letter from Jane, said to
Lucy) and sometimes "at" them (looked at Lucy), rarely "in" or "through"
them: hence the two shares.  On PDNC's 21 novels the pipeline's
characters that map to a PDNC character all stay below the pair of shares
(docs/quotes.md, "The speakers' characters", session 7).

**Other words** (`not_names`), a cluster most of whose mentions are

* a chapter heading, alone on its line with its number ("CHAPTER IV.",
  "Chapter 12: The Fall");
* a nationality or religion that is not "the X" ("English people", "the
  Hindus"): a people, while "the Frenchman" or "the American" may well be
  a character;
* a day said as a day ("on Sunday", "Monday morning"): "Wednesday" alone
  may be Wednesday Addams.

and a mention that is the first half of a contraction ("Don't", "'Tis":
the tagger reads "Don" and "Tis" as names) is no mention (`contraction`).
"""

from __future__ import annotations

import re

from .names import parse

MIN_MENTIONS = 3
MIN_WHERE = 0.2
MIN_MOTION = 0.5

_WHERE = r"in|at|into|near|through|across|towards?|round|around|within|throughout|beyond|outside|inside"
_MOTION = _WHERE + r"|to|from|of|for|on|via|leave|left|leaving|reach|reached|visit|visited|visiting"
_AFTER_WHERE = re.compile(rf"\b(?:{_WHERE})\s+(?:the\s+)?$", re.IGNORECASE)
# "looked at Ada", "smiled up at her": one looks at people where one is at places
_GAZE = re.compile(r"\b(?:look|stare|glance|gaze|glare|peer|smile|grin|laugh|frown|wink|nod|scowl|sneer|shout|yell|"
                   r"snap|point|wave|blink|beam|jeer|shake|growl|hiss|swear|swore|throw|threw)\w*\s+(?:\w+\s+)?at\s+$",
                   re.IGNORECASE)
_AFTER_MOTION = re.compile(rf"\b(?:{_MOTION})\s+(?:the\s+)?$", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s?\b")
# The verbs that hand a quote to their subject most often; a place is
# never their subject ("said Tavish", "Tavish asked").
_SPEECH = ("said|says|asked|asks|replied|answered|cried|exclaimed|whispered|shouted|muttered|murmured|"
           "added|continued|returned|observed|rejoined|remarked|inquired|enquired|demanded|retorted|called")
_SPEECH_BEFORE = re.compile(rf"\b(?:{_SPEECH})\s+$")
_SPEECH_AFTER = re.compile(rf"\s+(?:\w+ly\s+)?(?:{_SPEECH})\b")


def _speaks(text: str, s: int, e: int) -> bool:
    return bool(_SPEECH_BEFORE.search(text, max(0, s - 30), s) or _SPEECH_AFTER.match(text, e, e + 30))


def unlinked(clusters: list) -> dict[int, list[int]]:
    """The mentions of each cluster the fandom knowledge base did not link,
    by cluster: only those may be judged no person (a KB character stays)."""
    by: dict[int, list[int]] = {}
    for i, c in enumerate(clusters):
        if c.kb is None:
            by.setdefault(id(c), []).append(i)
    return by


def places(text: str, people: list[tuple[int, int, str]], clusters: list) -> set[int]:
    """ids of the clusters (one per mention of `people`, not linked to the
    fandom knowledge base) that the story uses as places."""
    by = unlinked(clusters)
    out = set()
    for cid, idx in by.items():
        if len(idx) < MIN_MENTIONS:
            continue
        where = motion = 0
        person = False
        for i in idx:
            s, e, surface = people[i]
            if parse(surface).honorific is not None:
                person = True
                break
            left = text[max(0, s - 30) : s]
            if _speaks(text, s, e):
                person = True
                break
            if _POSSESSIVE.match(text, e, e + 2):
                continue  # "in Ada's room" says where the room is
            where += bool(_AFTER_WHERE.search(left)) and not _GAZE.search(left)
            motion += bool(_AFTER_MOTION.search(left))
        if not person and where >= MIN_WHERE * len(idx) and motion >= MIN_MOTION * len(idx):
            out.add(cid)
    return out


_HEADING = re.compile(r"[ \t]*(?:[IVXLC]+|\d+)\b[ \t]*[.:]?[^\n]{0,80}$", re.MULTILINE)
_LINE_START = re.compile(r"(?:^|\n)[ \t]*$")
# Nationalities and faiths, and the days: no one's name.  Those that are
# also a noun for one person ("the American", "an Indian") count only as
# adjectives or plurals; the rest ("English", "Swiss") count always.
_PEOPLE_NOUNS = frozenset(
    "american indian italian german russian roman european hindu moslem muslim mohammedan basque austrian "
    "christian catholic protestant saxon greek turk spaniard".split()
)
_PEOPLES = _PEOPLE_NOUNS | frozenset(
    "english french irish scotch scottish welsh dutch swiss british polish turkish spanish chinese japanese "
    "portuguese oriental anglo".split()
)
# Days are names too ("Wednesday Addams"): a day only when the text says when.
_DAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday christmas easter".split())
_WHEN_BEFORE = re.compile(r"\b(?:on|last|next|every|each|till|until|by|since|before|after|this|that|one|of|the|a|"
                          r"following|previous|same|another)\s+$", re.IGNORECASE)
_WHEN_AFTER = re.compile(r"['’]?s?\s+(?:morning|afternoon|evening|night|week|eve|day|dinner|holiday)s?\b", re.IGNORECASE)
_ARTICLE = re.compile(r"\b(?:the|a|an)\s+$", re.IGNORECASE)
# share of a cluster's mentions these must make up
MOST = 0.8


def _other_word(text: str, s: int, e: int, surface: str) -> bool:
    if _LINE_START.search(text, max(0, s - 20), s) and _HEADING.match(text, e):
        return True
    words = surface.lower().split()
    if len(words) == 1 and words[0] in _DAYS:
        return bool(_WHEN_BEFORE.search(text, max(0, s - 10), s) or _WHEN_AFTER.match(text, e))
    words = [w[:-1] if w.endswith("s") and w[:-1] in _PEOPLES else w for w in words]
    if not words or not all(w in _PEOPLES for w in words):
        return False
    one = len(words) == 1 and words[0] in _PEOPLE_NOUNS and not surface.lower().endswith("s")
    return not (one and _ARTICLE.search(text, max(0, s - 5), s))


def contraction(text: str, s: int, e: int) -> bool:
    """"Don't", "'Tis": the tagger's "Don" and "Tis" are half a word.  A
    mention, not a cluster: "Don Manuel" may be clustered with them."""
    return text[e : e + 2] in ("'t", "’t") or (s > 0 and text[s - 1] in "'’" and (s < 2 or not text[s - 2].isalnum()))


def not_names(text: str, people: list[tuple[int, int, str]], clusters: list) -> set[int]:
    """ids of the clusters (not linked to the KB) that are headings,
    peoples or days in most of their mentions and never speak."""
    by = unlinked(clusters)
    out = set()
    for cid, idx in by.items():
        hits = sum(_other_word(text, *people[i]) for i in idx)
        # "Irish murmured": a nickname that speaks is someone's name
        if hits >= MOST * len(idx) and not any(_speaks(text, people[i][0], people[i][1]) for i in idx):
            out.add(cid)
    return out
