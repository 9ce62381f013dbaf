"""Nominal speakers: people the story only ever describes ("the mariner",
"the croupier"), who speak all the same.

A minor character of a single scene often has no name at all: `"Yes," said
the mariner.`  Without a character for them, their quotes go to whoever of
the named people is nearest, and the conversation's turn-taking is thrown
off for everyone else.  A description becomes a character of its own when

* it is the subject of a speech verb right beside a quote at least twice
  ("said the mariner", "the mariner asked");
* its head word is a role, not a word that describes anybody ("the man",
  "the girl", "the stranger", "the other"), nor a title or kinship word:
  those are the named characters' epithets ("said the girl" is Nancy), and
  titles are already their one holder's (`people.lone_titles`);
* it belongs to one part of the story: its mentions (middle 80%) span at
  most `MAX_SPREAD` of the text.  A role that runs through the whole book
  ("the beadle", "the painter") is what the narration calls a named
  character, while a walk-on is met in one scene or a few;
* the text never sets it beside a name ("Mr. Sowerberry, the undertaker",
  "the undertaker, Mr. Sowerberry"), which says whose role it is.

Every occurrence of the description is then a nominal mention of that
character; its gender comes from the role word where it tells ("landlady",
"policeman"), else from the pronouns that follow it (as for names).

Names written with the article ("the Invisible Man", `with_article`) keep
it too: the story's way of naming them, like a walk-on's description.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from .names import HONORIFICS, Cluster, parse

# measured on PDNC: a walk-on's mentions span 0-26% of the novel, a named
# character's role 28-65% (see docs/eval.md)
MAX_SPREAD = 0.3
MIN_SPEECHES = 2

_VERBS: str | None = None
SPEECH: set = set()
_WORD = r"[a-z][a-z'’-]*"
# words that end a description: "said the solicitor with a bow"
_LINK = {"in", "with"}
# "said the man in the same tone": how it was said, not who
_MANNER = set("voice tone smile air manner look bow laugh grin sigh way same greatest utmost".split())
_STOP = set("with to in and who whom as at of on for from by into upon but or then again while whilst".split())
# words any person may be called, for a named character as much as anyone
_GENERIC = set(
    "man woman men women girl boy lady gentleman gent child person people fellow lad lass youth stranger visitor "
    "voice other others one first second third former latter elder younger eldest youngest old young figure "
    "creature thing speaker two both same last new little poor good whole rest company party crowd group kid "
    "teen teenager blond blonde brunette redhead older taller shorter smaller bigger friend newcomer guest "
    "host hostess couple pair baby infant individual soul wretch villain hero heroine fool idiot beast animal "
    "doctor nurse".split()
)
_KIN = set(
    "father mother brother sister uncle aunt son daughter wife husband cousin nephew niece grandmother "
    "grandfather grandson granddaughter parent parents papa mama mamma mum dad mom widow widower bride "
    "bridegroom groom fiancé fiancée fiance fiancee lover".split()
)
_FEMALE = re.compile(r"(?:woman|ess|maid|lady|wife|girl|widow)$")
_MALE = re.compile(r"(?:man|boy|master)$")


def _verbs() -> str:
    global _VERBS
    if _VERBS is None:
        from .speakers import SPEECH_VERBS

        SPEECH.update(SPEECH_VERBS)
        _VERBS = "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
    return _VERBS


def _trim(words: list[str]) -> tuple[str, ...]:
    out = []
    for k, w in enumerate(words):
        if w in _LINK and words[k + 1 : k + 2] == ["the"] and out:
            # "the gentleman in the white waistcoat": what sets one apart
            tail = _trim(words[k + 2 : k + 4])
            if tail and not _MANNER & set(tail):
                return tuple(out) + (w, "the") + tail
            return tuple(out)
        if w in _STOP or w in SPEECH or w.endswith(("ly", "ing")):
            break
        out.append(w)
    return tuple(out)


def speaking_descriptions(text: str, quote_spans: list[tuple[int, int]]) -> Counter:
    """("the", ..., head) -> times it is a speech verb's subject beside a
    quote (`quote_spans` with their marks)."""
    v = _verbs()
    after = re.compile(rf"[\s,;:.!?—–\-'\"”’…)]*(?:(?:{v})\s+(the(?:\s+{_WORD}){{1,6}})|"
                       rf"(the(?:\s+{_WORD}){{1,3}}?)\s+(?:\w+ly\s+)?(?:{v})\b)")
    got: Counter = Counter()
    for _, e in quote_spans:
        m = after.match(text, e, e + 80)
        if m:
            words = _trim((m.group(1) or m.group(2)).split()[1:])
            if words:
                got[("the",) + words] += 1
    return got


def _role(words: tuple[str, ...]) -> bool:
    if _LINK & set(words):
        return True  # "the man with the black beard": no epithet of anyone
    head = words[-1]
    return not (head in _GENERIC or head in _KIN or head in HONORIFICS or len(head) < 3
                or any(w in _GENERIC or w in _KIN for w in words[1:-1]))


def nominal_speakers(text: str, quote_spans: list[tuple[int, int]],
                     taken: list[tuple[int, int]]) -> list[tuple[str, str | None, list[tuple[int, int]]]]:
    """(description, gender, mention spans) for each walk-on speaker.
    `taken`: the name mentions' spans, which a description never overlaps."""
    out = []
    for words, n in speaking_descriptions(text, quote_spans).items():
        if n < MIN_SPEECHES or not _role(words):
            continue
        phrase = " ".join(words)
        body = r"\s+".join(map(re.escape, words[1:]))
        # the description's own words first (a literal the regex finds fast), then its article
        hits = [(m.start(), m.end()) for m in re.finditer(rf"{body}(?![\w'’-])", text)
                if not m.start() or not (text[m.start() - 1].isalnum() or text[m.start() - 1] in "'’-_")]
        spans = [(a, e) for s, e in hits if (a := _article_start(text, s)) is not None]
        if not spans or _spread(spans, len(text)) > MAX_SPREAD or _beside_a_name(text, hits):
            continue
        starts = [a for a, _ in taken]
        spans = [(s, e) for s, e in spans if not _overlaps(taken, starts, s, e)]
        head = words[-1]
        gender = "female" if _FEMALE.search(head) else "male" if _MALE.search(head) else None
        out.append((phrase, gender, spans))
    return out


def _article_start(text: str, s: int) -> int | None:
    """Where "the"/"The" begins, when it comes right before offset `s`."""
    j = s
    while j > s - 3 and j > 0 and text[j - 1].isspace():
        j -= 1
    if j == s or j < 3 or text[j - 3 : j] not in ("the", "The"):
        return None
    return j - 3 if j == 3 or not (text[j - 4].isalnum() or text[j - 4] in "'’-_") else None


def _overlaps(taken: list[tuple[int, int]], starts: list[int], s: int, e: int) -> bool:
    i = bisect.bisect_left(starts, e) - 1
    return i >= 0 and taken[i][1] > s


def _spread(spans: list[tuple[int, int]], length: int) -> float:
    k = len(spans)
    lo, hi = spans[int(k * 0.1)][0], spans[max(0, int(k * 0.9) - 1)][0]
    return (hi - lo) / max(1, length)


def _beside_a_name(text: str, hits: list[tuple[int, int]]) -> bool:
    """"Mr. Sowerberry, the (parochial) undertaker" / "the undertaker, Mr. Sowerberry"."""
    for s, e in hits:
        if _NAME_THEN.search(text, max(0, s - 80), s) or (
                _article_start(text, s) is not None and _THEN_NAME.match(text, e)):
            return True
    return False


_NAME = r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*"
_NAME_THEN = re.compile(rf"{_NAME},\s+(?:the|a|an)\s+(?:{_WORD}\s+)?$")
_THEN_NAME = re.compile(rf",\s+(?:(?:Mr|Mrs|Miss|Dr|Ms)\.?\s*)?{_NAME}")


def with_article(text, names):
    """"the Invisible Man", "the Voice": a name the text writes after "the"
    (4 times in 5, at least 3 times) is named with it — the article is
    part of how the story names them, and "The Invisible Man" opening a
    sentence is its subject."""
    seen, after_the = Counter(), Counter()
    for s, e, _ in names:
        form = text[s:e]
        seen[form] += 1
        after_the[form] += _article_start(text, s) is not None
    takes = {f for f, n in after_the.items() if n >= 3 and n >= 0.8 * seen[f] and not parse(f).honorific}
    if not takes:
        return names
    out = []
    for s, e, c in names:
        a = _article_start(text, s) if text[s:e] in takes else None
        out.append((s if a is None else a, e, c))
    return out


def walk_ons(text, quotes, names):
    """Characters for the descriptions that speak ("said the mariner"):
    (cluster, mention spans), see `nominal_speakers`."""
    out = []
    for phrase, g, spans in nominal_speakers(
            text, list(zip(quotes.starts, quotes.ends)), sorted((s, e) for s, e, _ in names)):
        if not spans:
            continue
        c = Cluster()
        c.forms[phrase] = len(spans)  # its name in the output: the description
        c.first = spans[0][0]
        if g:
            c.honor_gender[g] += 1
        out.append((c, spans))
    return out


# Kin and household roles some families use as a name, with no article or
# possessive ("said nanny", "Mother said"), and the gender they tell.
_ROLE_NAMES = {
    **dict.fromkeys("nanny nurse mother mamma mama mummy mum mom ma granny gran grandma grandmother auntie "
                    "matron missus".split(), "female"),
    **dict.fromkeys("father papa pa daddy dad grandpa grandfather".split(), "male"),
    "cook": None,
}
_ROLE_RX: re.Pattern | None = None
_DETERMINED = re.compile(r"(?:\b(?:the|a|an|his|her|my|your|our|their|its|whose|this|that|dear|poor|old|own)|['’]s?)\s+$",
                         re.IGNORECASE)


def role_names(text, quotes, names):
    """Characters for a role a family uses as a name ("said nanny", "Nanny
    said"): bare, it is the subject of a speech verb beside a quote at
    least `MIN_SPEECHES` times, and no name of the story is that word.
    Every bare occurrence is then a mention: (cluster, mention spans)."""
    global _ROLE_RX
    if _ROLE_RX is None:
        # compiled once: the speech verbs make a long alternation
        words, v = "|".join(_ROLE_NAMES), _verbs()
        _ROLE_RX = re.compile(rf"[\s,;:.!?—–\-'\"”’…)]*(?:(?:{v})\s+({words})\b|({words})\s+(?:\w+ly\s+)?(?:{v})\b)",
                              re.IGNORECASE)
    rx = _ROLE_RX
    spoke: Counter = Counter()
    for e in quotes.ends:
        m = rx.match(text, e, e + 60)
        if m:
            g = 1 if m.group(1) else 2
            if not _DETERMINED.search(text, max(0, m.start(g) - 8), m.start(g)):
                spoke[m.group(g).lower()] += 1
    named = {text[s:e].lower() for s, e, _ in names}
    taken = sorted((s, e) for s, e, _ in names)
    starts = [s for s, _ in taken]
    out = []
    for word, n in spoke.items():
        if n < MIN_SPEECHES or word in named:
            continue
        spans = [(m.start(), m.end()) for m in re.finditer(rf"\b{word}\b", text, re.IGNORECASE)
                 if not _DETERMINED.search(text, max(0, m.start() - 8), m.start())
                 and not _overlaps(taken, starts, m.start(), m.end())]
        c = Cluster()
        c.forms[word.capitalize()] = len(spans)
        c.first = spans[0][0]
        if _ROLE_NAMES[word]:
            c.honor_gender[_ROLE_NAMES[word]] += 1
        out.append((c, spans))
    return out
