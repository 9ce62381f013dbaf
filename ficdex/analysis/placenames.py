"""Places the tagger took for people, told apart by how the story uses them.

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


def places(text: str, people: list[tuple[int, int, str]], clusters: list) -> set[int]:
    """ids of the clusters (one per mention of `people`, not linked to the
    fandom knowledge base) that the story uses as places."""
    by: dict[int, list[int]] = {}
    for i, c in enumerate(clusters):
        if c.kb is None:
            by.setdefault(id(c), []).append(i)
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
            if _SPEECH_BEFORE.search(left) or _SPEECH_AFTER.match(text, e, e + 30):
                person = True
                break
            if _POSSESSIVE.match(text, e, e + 2):
                continue  # "in Ada's room" says where the room is
            where += bool(_AFTER_WHERE.search(left)) and not _GAZE.search(left)
            motion += bool(_AFTER_MOTION.search(left))
        if not person and where >= MIN_WHERE * len(idx) and motion >= MIN_MOTION * len(idx):
            out.add(cid)
    return out
