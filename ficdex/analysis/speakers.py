"""Speaker attribution: a sieve after Muzny et al. (2017), "A two-stage sieve
approach for quote attribution".

`attribute(text, paragraphs, quotes, mentions, characters)` takes the quotes
from `quotes.detect_quotes` and the character mentions of the characters
stage (names and resolved pronouns, sorted by start) and decides, per quote,
a speaker, an addressee, a confidence and the rule that decided.

The sieve runs from the most to the least reliable evidence; a quote keeps
the first answer it gets:

1. explicit   - a speech verb next to the quote with a character as subject,
                either order ("said Lex", "Lex drawled", "he asked");
                "Lex's voice ..." counts too.
2. paragraph  - other quotes of the same paragraph (an interrupted quote has
                one speaker); then the paragraph's one acting character,
                the only character that is a sentence subject in its
                narration ("Lex smiled. 'Thank you.'").
3. vocative   - "Thank you, Clark." is addressed to Clark, so it is spoken
                by the other side of the conversation.
4. turns      - in a run of dialogue paragraphs speakers alternate: a turn
                takes the speaker of the turn two back (or two ahead).
5. fallback   - the other participant of the conversation, else the
                character last mentioned before the quote.

All of it is regular expressions over short windows with the mentions
masked as placeholders, which keeps the stage far faster than parsing.
Pronouns the mention list leaves unresolved are resolved here by the
nearest preceding name of a matching gender.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from .lexicon import by_first_letter  # of names (_CAP words): never refused
from .quotes import Quote
from .speaker_pronoun import KIN_GENDER, possessed


def _forms(spec: str) -> set[str]:
    """Verb forms from lemmas: "ask" -> ask asks asked; "say:says:said" lists
    irregular forms outright."""
    out = set()
    for lemma in spec.split():
        if ":" in lemma:
            # "go_on:goes_on:went_on": a phrasal verb stays whole, or "on" and "in" become speech verbs
            out.update(f.replace("_", " ") for f in lemma.split(":"))
            continue
        third = lemma + "es" if lemma.endswith(("s", "sh", "ch", "x", "z")) else lemma + "s"
        past = lemma + "d" if lemma.endswith("e") else lemma + "ed"
        if re.search(r"[^aeiou]y$", lemma):
            third, past = lemma[:-1] + "ies", lemma[:-1] + "ied"
        out.update((lemma, third, past))
    return out


# Curated for adjacency to a quote: "smiled" is not a speech verb, but
# '"Yes," he smiled.' attributes as surely as "said" does.
SPEECH_VERBS = _forms(
    "say:says:said tell:tells:told speak:speaks:spoke begin:begins:began go_on:goes_on:went_on "
    "put_in:puts_in cut_in:cuts_in chime_in:chimes_in shoot_back:shoots_back:shot_back "
    "snap:snaps:snapped sob:sobs:sobbed beg:begs:begged admit:admits:admitted quip:quips:quipped "
    "spit:spits:spat stammer stutter ask reply whisper drawl murmur mutter shout yell cry exclaim "
    "answer add continue repeat call demand inquire enquire retort return observe remark respond "
    "suggest insist explain agree protest growl hiss sigh laugh chuckle grin smirk smile groan moan "
    "gasp breathe purr tease offer interrupt interject plead warn announce declare state mumble "
    "blurt scream roar bellow bark sneer scoff snort huff grumble complain joke concede acknowledge "
    "confess remind urge order command instruct caution venture persist resume rejoin conclude "
    "assent object wail shriek pant whimper croak rasp manage correct counter argue note inform "
    "assure promise guess prompt press pipe_up:pipes_up:piped_up giggle snicker sniff sing coo rumble drone squeak "
    "squeal yelp howl muse observe comment reason hazard falter query question counsel "
    # found beside PDNC's quotes, where they hand the quote to their subject
    "interpose pursue ejaculate remonstrate acquiesce assert bawl thunder quaver pronounce "
    "proclaim bluster reassure screech expostulate grunt chatter opine snarl lisp nod:nods:nodded echo:echoes:echoed"
)
THOUGHT_VERBS = _forms("think:thinks:thought wonder ponder reflect")

_VERB = r"(?:" + "|".join(sorted(SPEECH_VERBS | THOUGHT_VERBS, key=len, reverse=True)) + r")"
_PRON = r"(?:he|she|i|we|they)"
_WHO = rf"(?:@(?P<k>\d+)@|(?P<p>{_PRON}))"
_ADV = r"(?:(?:\w+ly|then|again|finally|at last|also|now|had|has|have|was|simply|just|only|still|quickly|softly)\s+){0,2}"
_LEAD = r"^[\s,;:.!?—–\-'\"”’…)]*"
# "…," said Lex / "…," Lex said / "…," he asked quietly
_AFTER = [
    re.compile(rf"{_LEAD}{_WHO}\s+{_ADV}(?P<v>{_VERB})\b", re.I),
    re.compile(rf"{_LEAD}(?P<v>{_VERB})\s+{_ADV}{_WHO}(?!\w)", re.I),
    re.compile(rf"{_LEAD}@(?P<k>\d+)@['’]s?\s+(?:\w+\s+){{0,2}}(?P<v>voice|tone|words|reply|answer|whisper)\b", re.I),
    # "…" was Mr. Allen's consolation / was his only reply
    re.compile(rf"{_LEAD}(?:was|were)\s+@(?P<k>\d+)@(?:['’]s)?\s+(?:\w+\s+){{0,2}}(?P<v>reply|answer|rejoinder|remark|"
               rf"exclamation|consolation|observation|comment|retort|response|cry|question|greeting|salutation)\b", re.I),
]
# Lex said, "…" / Lex turned to him and said: "…"
_BEFORE = re.compile(rf"{_WHO}\s+{_ADV}(?P<v>{_VERB})\b[^.!?@]{{0,40}}?[,:]?\s*$", re.I)
# Isabella had only time to press her hand and say, "…": the clause's subject speaks
_AND_SAY = re.compile(rf"\b(?:and|to|then|,)\s+{_ADV}(?P<v>{_VERB})\s*[,:]?\s*$", re.I)
# "Ben, who had not seen him, said in husky tones, "…"": the relative clause's antecedent
_WHO_CLAUSE = re.compile(rf"@(?P<k>\d+)@,\s+who\b[^@\"“”.!?;]{{0,80}}?\b(?P<v>{_VERB})\b[^.!?@]{{0,40}}?[,:]?\s*$", re.I)
# a paragraph that hands over to the quote opening the next one
_INTRO_END = re.compile(r"(?:[,:]|--|—)\s*$")
_TO = re.compile(r"^\s*(?:\w+ly\s+)?to\s+@(\d+)@", re.I)
_SUBJECT_PRE = re.compile(r"(?:[.!?;:…]['\"”’]?|\b(?:and|but|then|so|now|when|as))\s*$", re.I)
_PRON_SUBJ = re.compile(r"(?:^|[.!?;:…]['\"”’]?\s+|\b(?:and|but|then)\s+)(he|she)\b(?!['’])", re.I)
_VOC_PRE = re.compile(r"(?:^|[,;!?.—–]\s*|\b(?:dear|my dear|oh|o|hey|hi|hello|thanks|yes|no|well)\s+)$", re.I)
_VOC_POST = re.compile(r"^(?:\s*[,.!?;—–…]|\s*$)")
_WORDS = re.compile(r"\w+")
_GENDERS = {"m": "male", "male": "male", "he": "male", "f": "female", "female": "female", "she": "female"}

CONFIDENCE = {"explicit": 0.95, "voice": 0.85, "paragraph": 0.9, "acting": 0.75, "vocative": 0.7,
              "turns": 0.65, "addressed": 0.6, "other": 0.45, "nearest": 0.3}


def _gender(value) -> str | None:
    return _GENDERS.get(str(value).lower().split("/")[0]) if value else None


class _Sieve:
    def __init__(self, text, paragraphs, quotes, mentions, characters):
        self.text = text
        self.paras = paragraphs
        self.quotes = quotes
        self.qstarts = [q.start for q in quotes]
        self.gender = {c["id"]: _gender(c.get("gender")) for c in characters}
        self.names = {c["id"]: c.get("name") for c in characters}
        spans = [(q.start - 1, q.end + 1) for q in quotes if q.type == "speech"]
        inside = _inside(mentions, spans)
        self.narr = [m for m, ins in zip(mentions, inside) if not ins and m.get("character")]
        self.inq = [m for m, ins in zip(mentions, inside) if ins and m.get("character")]
        self.nstarts = [m["start"] for m in self.narr]
        self.istarts = [m["start"] for m in self.inq]
        self.narrator = None
        self.narrator = find_narrator(self)
        self.avoid: tuple = ()
        self.kinds: list = []
        self.how = None
        self.floor = 0  # start of the paragraph being attributed

    # -- windows with mentions masked ------------------------------------
    def masked(self, a: int, b: int) -> tuple[str, list[str], list[int]]:
        """text[a:b] with each character mention replaced by @k@; the k-th
        entry of the returned lists is its character and start."""
        out, ids, pos, at = [], [], a, []
        self.kinds = []
        i = bisect.bisect_left(self.nstarts, a)
        while i < len(self.narr) and self.narr[i]["start"] < b:
            m = self.narr[i]
            if m["start"] >= pos and m["end"] <= b:
                out.append(self.text[pos : m["start"]])
                out.append(f"@{len(ids)}@")
                ids.append(m["character"])
                self.kinds.append((m.get("kind", "name"), self.text[m["start"] : m["end"]].lower()))
                at.append(m["start"])
                pos = m["end"]
            i += 1
        out.append(self.text[pos:b])
        return "".join(out), ids, at

    def resolve(self, pron: str, pos: int) -> str | None:
        """An unresolved he/she/I: the nearest earlier narration name of that
        gender, passing over the characters in `self.avoid` (the quote's
        addressee, the previous turn's speaker) when another one fits."""
        p = pron.lower()
        if p in ("i", "we"):
            return self.narrator
        want = "male" if p == "he" else "female" if p == "she" else None
        i = bisect.bisect_left(self.nstarts, pos) - 1
        # the paragraph's last sentence subject first ("Lex shifts closer to
        # Clark. 'Do you miss it?' he asks." is Lex), then plain recency
        j = i
        while j >= 0 and self.narr[j]["start"] >= self.floor:
            m = self.narr[j]
            c = m["character"]
            if (want is None or self.gender.get(c) in (want, None)) and c not in self.avoid and self.is_subject(m, self.floor):
                return c
            j -= 1
        stop, first = pos - 4000, None
        while i >= 0 and self.narr[i]["start"] > stop:
            c = self.narr[i]["character"]
            if want is None or self.gender.get(c) in (want, None):
                if c not in self.avoid:
                    return c
                first = first or c
            i -= 1
        return first

    def who(self, m, ids, base, rest: str = "") -> str | None:
        """The subject of a speech verb; `self.how` records how it was found:
        ("name", None), ("pronoun", "he") resolved by the characters stage,
        ("resolved", "he") resolved here, or ("kin", "mother", possessor)
        for "said her mother" (`rest`: the text after the match)."""
        k, pron = m.group("k"), m.groupdict().get("p")
        if k is not None:
            kind, form = self.kinds[int(k)]
            noun = possessed(kind, form, rest)
            if noun:  # "said her mother" is not she (PDNC: ~190 quotes, a third right read so)
                self.how = ("kin", noun, ids[int(k)])
                avoid, self.avoid = self.avoid, self.avoid + (ids[int(k)],)
                g = KIN_GENDER.get(noun)
                got = self.resolve("he" if g == "male" else "she" if g == "female" else "they", base + m.end())
                self.avoid = avoid
                return got
            self.how = (kind, form if kind != "name" else None)
            return ids[int(k)]
        self.how = ("resolved", pron.lower())
        return self.resolve(pron, base + m.start("p"))

    # -- rule 1: explicit speech verbs ---------------------------------------
    def explicit(self, q: Quote, after_end: int, before_start: int):
        """(speaker, rule, verb, addressee) from a speech verb beside the quote."""
        win, ids, _ = self.masked(q.end, min(after_end, q.end + 120))
        for n, rx in enumerate(_AFTER):
            m = rx.match(win)
            if m:
                who = self.who(m, ids, q.end, win[m.end() : m.end() + 40] if n == 1 else "")
                if who:
                    to = _TO.match(win, m.end())
                    return who, ("voice" if n == 2 else "explicit"), m.group("v").lower(), ids[int(to.group(1))] if to else None
        got = self._before(max(before_start, q.start - 120), q.start)
        if got or self.text[before_start : q.start - 1].strip():
            return got
        # 'Mrs. Bennet instantly answered,' may end the paragraph before the quote's own
        p = q.paragraph
        if p < 1 or self.paras[p][0] != before_start:
            return None
        ps, pe = self.paras[p - 1]
        k = bisect.bisect_left(self.qstarts, pe) - 1
        a = max(ps, pe - 160, self.quotes[k].end + 1 if k >= 0 and self.quotes[k].end >= ps else ps)
        if a >= pe or not _INTRO_END.search(self.text, a, pe):
            return None
        floor, self.floor = self.floor, ps
        got, self.floor = self._before(a, pe), floor
        return got

    def _before(self, a: int, b: int):
        """A speech verb before the quote, in text[a:b]: "Lex said, ", "Lex,
        who had waited, said: ", "Lex turned and said: "."""
        win, ids, _ = self.masked(a, b)
        m = _BEFORE.search(win) or _WHO_CLAUSE.search(win)
        if m:
            who = self.who(m, ids, a)
            if who:
                return who, "explicit", m.group("v").lower(), None
        m = _AND_SAY.search(self.text, a, b - 1)
        if m:
            i = bisect.bisect_left(self.nstarts, m.start()) - 1
            while i >= 0 and self.narr[i]["start"] >= max(self.floor, a - 200):
                if self.is_subject(self.narr[i], self.floor):
                    self.how = ("clause", None)
                    return self.narr[i]["character"], "explicit", m.group("v").lower(), None
                i -= 1
        return None

    # -- rule 2: the acting character of a paragraph ---------------------------
    def subjects_between(self, a: int, b: int, floor: int) -> set[str]:
        """Characters named as a sentence subject in narration between a and b."""
        got: set[str] = set()
        i = bisect.bisect_left(self.nstarts, a)
        while i < len(self.narr) and self.narr[i]["start"] < b:
            m = self.narr[i]
            if self.is_subject(m, floor):
                got.add(m["character"])
            i += 1
        return got

    def acting(self, s: int, e: int, pquotes: list[Quote]) -> str | None:
        cuts = [s] + [x for q in pquotes for x in (q.start - 1, q.end + 1)] + [e]
        subjects: set[str] = set()
        for a, b in zip(cuts[::2], cuts[1::2]):
            if b <= a:
                continue
            subjects |= self.subjects_between(a, b, a)
            seg = self.text[a:b]
            for pm in _PRON_SUBJ.finditer(seg):
                c = self.resolve(pm.group(1), a + pm.start(1))
                if c:
                    subjects.add(c)
        return subjects.pop() if len(subjects) == 1 else None

    def is_subject(self, m, floor: int) -> bool:
        """A mention that opens its sentence or clause: the one acting."""
        pre = self.text[max(floor, m["start"] - 30) : m["start"]]
        return m["start"] - floor <= 2 or bool(_SUBJECT_PRE.search(pre))

    # -- rule 3: vocatives ----------------------------------------------------
    def vocative(self, q: Quote) -> str | None:
        i = bisect.bisect_left(self.istarts, q.start)
        while i < len(self.inq) and self.inq[i]["start"] < q.end:
            m = self.inq[i]
            i += 1
            if m.get("kind", "name") != "name":
                continue
            pre = self.text[max(q.start, m["start"] - 12) : m["start"]]
            if (m["start"] == q.start or _VOC_PRE.search(pre)) and _VOC_POST.match(self.text[m["end"] : q.end + 1]):
                # "Bingley." alone answers a question; it addresses nobody
                rest = self.text[q.start : m["start"]] + self.text[m["end"] : q.end]
                if len(_WORDS.findall(rest)) >= 2:
                    return m["character"]
        return None

    def nearest(self, pos: int, exclude=()) -> str | None:
        i = bisect.bisect_left(self.nstarts, pos) - 1
        while i >= 0 and self.narr[i]["start"] > pos - 3000:
            c = self.narr[i]["character"]
            if c not in exclude:
                return c
            i -= 1
        return None


def _inside(mentions, spans) -> list[bool]:
    out, j = [], 0
    for m in mentions:
        while j < len(spans) and spans[j][1] <= m["start"]:
            j += 1
        out.append(j < len(spans) and spans[j][0] <= m["start"] < spans[j][1])
    return out


def find_narrator(sieve: _Sieve) -> str | None:
    """In first-person narration ("I said"), the narrator is the character
    named far more often inside quotes (by others) than in the narration."""
    if len(re.findall(r"\bI\s+(?:said|asked|answered|replied|says|asks)\b", sieve.text[:400000])) < 5:
        return None
    inside = Counter(m["character"] for m in sieve.inq if m.get("kind", "name") == "name")
    outside = Counter(m["character"] for m in sieve.narr if m.get("kind", "name") == "name")
    scored = [(n / (outside[c] + 5), c) for c, n in inside.items() if n >= 8]
    return max(scored)[1] if scored else None


_CAP = re.compile(r"[A-Z][^\W\d_]+(?:[-'’][A-Z]?[^\W\d_]+)?")


def extend_mentions(text: str, mentions: list[dict], characters: list[dict]) -> list[dict]:
    """Add the bare surname or first name of a character where the mention
    list has nothing: the entity tagger may tag "Dr. Aziz" and miss the
    hundreds of plain "Aziz" that follow.  A word qualifies when it is part
    of the aliases of one character only (or of one far more than any
    other), is no title, and is written capitalised nearly everywhere in the
    text (so "Dear" of "Dear Dr. Aziz" is no name).  Used for attribution
    only; the characters stage's output is not changed."""
    from .names import HONORIFICS

    owners: dict[str, Counter] = {}
    for c in characters:
        for alias, n in (c.get("aliases") or {c.get("name") or "": 1}).items():
            for w in _CAP.findall(alias or ""):
                if len(w) > 2 and w.lower() not in HONORIFICS:
                    owners.setdefault(w, Counter())[c["id"]] += n
    # The same person split in several characters ("Monsieur Poirot", "Mr.
    # Poirot", "Hercule Poirot") shares the word with nobody else: one
    # gender, titles of that gender, at most one first name.
    forms: dict[str, dict[str, set]] = {}
    for c in characters:
        for alias in c.get("aliases") or {c.get("name") or "": 1}:
            words = (alias or "").replace(".", " ").split()
            for k, w in enumerate(words):
                if k and w in owners:
                    f = forms.setdefault(w, {"titles": set(), "first": set()})
                    prev = words[k - 1].lower()
                    if prev in HONORIFICS:
                        f["titles"].add(HONORIFICS[prev] or "?")
                    else:
                        f["first"].add(prev)
    gender = {c["id"]: _gender(c.get("gender")) for c in characters}
    chosen: dict[str, str] = {}
    for w, votes in owners.items():
        (top, n), *rest = votes.most_common(2) + [(None, 0)]
        if rest[0][1] * 4 > n:
            f = forms.get(w, {"titles": set(), "first": set()})
            genders = {gender[c] for c in votes} - {None}
            if len(f["first"]) > 1 or len(f["titles"] - {"?"}) > 1 or "?" in f["titles"] or len(genders) > 1:
                continue
        chosen[w] = top
    if not chosen:
        return mentions
    rx = re.compile(by_first_letter([re.escape(w) for w in sorted(chosen, key=len, reverse=True)], r"[\w.]") + r"(?![\w'’-])")
    hits = list(rx.finditer(text))
    caps = Counter(m.group() for m in hits)
    lower = Counter()  # each distinct word tested once: the text has far more words than forms
    for w, n in Counter(re.findall(r"\b[a-z][\w'’-]+\b", text)).items():
        if w[0].islower() and w.capitalize() in caps:
            lower[w.lower()] += n
    ok = {w for w, n in caps.items() if n >= 2 and lower[w.lower()] * 10 < n}
    starts, added = [m["start"] for m in mentions], []
    for m in hits:
        w = m.group()
        if w not in ok:
            continue
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and mentions[i]["end"] > m.start():
            continue  # inside a mention already
        if i + 1 < len(mentions) and mentions[i + 1]["start"] < m.end():
            continue
        pre = text[max(0, m.start() - 6) : m.start()].split()
        if pre and pre[-1].lower().rstrip(".") in HONORIFICS:
            continue  # "Mrs. Heaslop" the tagger did not tag: whose, unknown
        added.append({"start": m.start(), "end": m.end(), "character": chosen[w], "kind": "name", "extended": True})
    return sorted(mentions + added, key=lambda x: x["start"]) if added else mentions
