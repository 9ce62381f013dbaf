"""What two characters do together, as numbers a pairing model can weigh.

Every pair among a story's leading characters is a candidate; its features
say how much of the story the two share (paragraphs, sentences, dialogue
between them), what the shared passages hold (kisses, sex, declarations,
family and friendship words), how prominent each of the two is, and their
genders.  The relationships stage turns these into ranked AO3 pairings with
a model trained on AO3 authors' own tags (`ficdex train relationships`);
the features are computed here once so that training and the stage read
exactly the same numbers.

Second-person stories are AO3's "reader-inserts": "you" outside dialogue is
a character of its own, whom AO3 authors tag `Reader`.  So is the "Y/N"
("your name") placeholder such stories put where the reader's name goes,
and an unnamed first-person "I" in a story that has one.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .. import knowledge
from .coref import Spans, sentence_starts
from .narrator import PLACEHOLDER, PLACEHOLDER_MIN
from .pipeline import Analysis

# (pattern, weight).  Strong cues are hard to read any other way; weak ones
# only count when they pile up.
CUES = [
    (r"kiss(?:ed|es|ing)?|made out|making out|make out|snog\w*", 3.0),
    (r"(?:made|make|making) love|sex|had sex|in bed (?:together|with)|naked|moan(?:ed|ing|s)?|orgasm\w*|arous\w*", 3.0),
    (r"i love you|in love|fell for|falling for|lover|boyfriend|girlfriend|fianc[eé]e?|husband|wife|married|wedding|engaged|proposed", 3.0),
    (r"(?:first|a|our|their|on a|the) date|dating|crush on|flirt\w*|romantic|darling|sweetheart|babe|sweetie|"
     r"my love|beloved|soul ?mate", 2.0),
    (r"cuddl\w*|snuggl\w*|hold(?:ing)? hands|held (?:his|her|their) hand|caress\w*|nuzzl\w*|lips|blush\w*|embrac\w*|heart (?:pounding|raced|racing|skipped)", 1.0),
]
# One pattern, one group per cue weight, matched against the lower-cased
# text: a case-insensitive scan of this alternation is three times slower.
CUE_ALL = re.compile(r"\b(?:" + "|".join(rf"({p})" for p, _ in CUES) + r")\b")
CUE_ALL_I = re.compile(CUE_ALL.pattern, re.I)
FAMILY = re.compile(
    r"\b(?:brother|sister|sibling|mother|father|mom|mum|dad|son|daughter|aunt|uncle|cousin|grandm\w+|grandf\w+|niece|nephew)s?\b"
)
FRIEND = re.compile(r"\b(?:friend\w*|buddy|buddies|pal|mate|partner|team\w*|comrade\w*|ally|allies|mentor|student)\b")
FAMILY_I, FRIEND_I = re.compile(FAMILY.pattern, re.I), re.compile(FRIEND.pattern, re.I)
SECOND = re.compile(r"\b(?:you|your|yours|yourself)\b", re.I)
THIRD = re.compile(r"\b(?:he|him|his|she|her|hers|they|them|their)\b", re.I)
FIRST = re.compile(r"\b(?:I|me|my|mine)\b")

# The work model's bag of words: letter runs written in lower case (so not
# names), weight 1 + log(count), scaled to unit length.  Kept here rather
# than shared with the content stage so that the shipped vocabulary always
# meets the tokens it was trained on.
_WORD = re.compile(r"(?<![A-Za-z])[a-z]+(?![A-Za-z])")


def bag(text: str) -> dict[str, float]:
    counts = Counter(_WORD.findall(text))
    vals = {t: 1.0 + math.log(c) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vals.values())) or 1.0
    return {t: v / norm for t, v in vals.items()}


# Dialogue, for telling narration's "you" from a character's: plain quote
# marks are enough here, and cheaper than the quotes stage's detector.
_QUOTE = re.compile(r"“[^”]*”|\"[^\"\n]*\"|«[^»]*»")


def _quotes(text: str) -> Spans:
    return Spans([m.span() for m in _QUOTE.finditer(text)])


SCENE_WINDOW = 2  # paragraphs a character stays "in the scene" after being named
CANDIDATES = 8  # leading characters whose pairs are considered
READER = "reader"

FEATURES = (
    "shared", "shared_frac", "sentences", "romance", "romance_sent", "romance_share", "strong",
    "family", "friend", "rank_lo", "rank_hi", "share_lo", "share_hi", "top2", "lead", "romance_lead",
    "dialogue", "mm", "ff", "fm", "gender_unknown", "narrator", "reader", "surname", "tagged",
    "work_romance", "shared_rel", "sentences_rel", "dialogue_rel", "pair_rank", "rel_lo", "kin",
)


@dataclass
class PairStats:
    shared: int = 0
    sentences: int = 0
    romance: float = 0.0
    romance_sent: float = 0.0
    strong: int = 0
    family: int = 0
    friend: int = 0
    dialogue: int = 0
    first: tuple[int, int] | None = None  # the first paragraph they share
    evidence: list = field(default_factory=list)  # (weight, start, end, why)


class CueIndex:
    """Every cue in a story, found in one pass, so the weight of any
    paragraph or sentence is a lookup rather than five more regex scans."""

    def __init__(self, text: str):
        low = text.lower()
        # lower() may change the length of a few scripts' text, and offsets must hold
        same = len(low) == len(text)
        found = CUE_ALL.finditer(low) if same else CUE_ALL_I.finditer(text)
        self.hits = [(m.start(), m.lastindex - 1, m.group().lower()) for m in found]
        self.starts = [h[0] for h in self.hits]
        self.family = [m.start() for m in (FAMILY.finditer(low) if same else FAMILY_I.finditer(text))]
        self.friend = [m.start() for m in (FRIEND.finditer(low) if same else FRIEND_I.finditer(text))]

    @staticmethod
    def within(starts: list[int], lo: int, hi: int) -> bool:
        return bisect.bisect_left(starts, lo) < bisect.bisect_left(starts, hi)

    def weight(self, lo: int, hi: int, family: bool, cap: int = 3) -> tuple[float, int, list[str]]:
        """Summed cue weight, strong-cue count and the cue words of a passage.
        Family talk ("his mother", "I love you, Dad") makes love words and
        tenderness ambiguous and a kiss may be a parent's: there only kisses
        and sex count, and kisses at half weight."""
        i, j = bisect.bisect_left(self.starts, lo), bisect.bisect_left(self.starts, hi)
        if i == j:
            return 0.0, 0, []
        count = [0] * len(CUES)
        first: list[str | None] = [None] * len(CUES)
        for _, group, word in self.hits[i:j]:
            count[group] += 1
            first[group] = first[group] or word
        weight, strong, whys = 0.0, 0, []
        for group, (n, (_, w)) in enumerate(zip(count, CUES)):
            if not n or (family and group >= 2):
                continue
            weight += w * min(n, cap) * (0.5 if family and group == 0 else 1.0)
            strong += n if w >= 3 else 0
            whys.append(first[group])
        return weight, strong, whys


def second_person(text: str) -> bool:
    """Narrated to "you": more second-person pronouns outside dialogue than
    first- or third-person ones, and enough of them to be a habit."""
    if len(SECOND.findall(text)) < 8:
        return False
    quotes = _quotes(text)
    you = sum(1 for m in SECOND.finditer(text) if m.start() not in quotes)
    if you < 8:
        return False
    third = sum(1 for m in THIRD.finditer(text) if m.start() not in quotes)
    first = sum(1 for m in FIRST.finditer(text) if m.start() not in quotes)
    return you >= 0.35 * third and you >= first


def reader_mentions(text: str) -> list[dict]:
    quotes = _quotes(text)
    return [{"start": m.start(), "end": m.end(), "character": READER, "kind": "pronoun"}
            for m in SECOND.finditer(text) if m.start() not in quotes]


def placeholder_mentions(text: str) -> list[dict]:
    """The reader's "Y/N" placeholders, as name mentions of the Reader."""
    found = [{"start": m.start(), "end": m.end(), "character": READER, "kind": "name"}
             for m in PLACEHOLDER.finditer(text)]
    return found if len(found) >= PLACEHOLDER_MIN else []


def _presence(doc: Analysis, mentions: list[dict]):
    """Per paragraph: (start, end, characters present, mentions inside)."""
    paras = list(doc.story.paragraphs())
    present: list[set[str]] = [set() for _ in paras]
    named: list[set[str]] = [set() for _ in paras]
    inside: list[list[dict]] = [[] for _ in paras]
    starts = [p.start for p in paras]
    for m in mentions:
        i = bisect.bisect_right(starts, m["start"]) - 1
        if i < 0 or m.get("character") is None or m["start"] >= paras[i].end:
            continue
        present[i].add(m["character"])
        inside[i].append(m)
        if m.get("kind") == "name":
            named[i].add(m["character"])
    out = []
    for k, p in enumerate(paras):
        chars = set(present[k])
        if len(chars) < 2:
            # "He kissed him" in a scene the previous paragraphs set up.
            for back in range(1, SCENE_WINDOW + 1):
                if k - back >= 0:
                    chars |= named[k - back]
        out.append((p.start, p.end, chars, inside[k]))
    return out


def pair_stats(doc: Analysis, mentions: list[dict], keep: set[str], cues: CueIndex) -> tuple[dict, int]:
    """Shared paragraphs and sentences of every pair of `keep` characters."""
    text = doc.story.text
    sents = sentence_starts(text)
    pairs: dict[tuple[str, str], PairStats] = defaultdict(PairStats)
    paras = _presence(doc, mentions)
    for start, end, chars, inside in paras:
        chars = chars & keep
        if len(chars) < 2:
            continue
        family = cues.within(cues.family, start, end)
        weight, strong, whys = cues.weight(start, end, family)
        friend = cues.within(cues.friend, start, end)
        by_sent: dict[int, set[str]] = defaultdict(set)
        for m in inside:
            if m["character"] in keep:
                by_sent[bisect.bisect_right(sents, m["start"]) - 1].add(m["character"])
        sent_cues: dict[int, float] = {}
        for s, who in by_sent.items():
            if len(who) >= 2:
                lo, hi = max(sents[s], start), min(sents[s + 1] if s + 1 < len(sents) else end, end)
                sent_cues[s] = cues.weight(lo, hi, family)[0]
        # In a crowded paragraph the cue may belong to any two of them.
        share = 1.0 if len(chars) == 2 else 2.0 / len(chars)
        for a in chars:
            for b in chars:
                if a < b:
                    p = pairs[(a, b)]
                    p.shared += 1
                    p.first = p.first or (start, end)
                    p.romance += weight * share
                    p.strong += strong if len(chars) <= 3 else 0
                    p.family += family
                    p.friend += friend
                    for s, who in by_sent.items():
                        if a in who and b in who:
                            p.sentences += 1
                            p.romance_sent += sent_cues.get(s, 0.0)
                    if weight:
                        p.evidence.append((weight, start, end, ", ".join(whys)))
    for q in doc.inferred.get("quotes") or []:
        a, b = q.get("speaker"), q.get("addressee")
        if a and b and a != b and a in keep and b in keep:
            pairs[tuple(sorted((a, b)))].dialogue += 1
    return pairs, len(paras)


def _surname(name: str) -> str | None:
    words = name.split()
    return words[-1].lower() if len(words) > 1 else None


@dataclass
class Candidates:
    chars: list[dict]  # the leading characters, most mentioned first
    stats: dict  # (id, id) -> PairStats
    keys: list[tuple[str, str]]  # one per row
    rows: list[list[float]]  # FEATURES per pair
    work: dict  # story-level values the category model reads


def candidates(doc: Analysis) -> Candidates:
    """The leading characters (with a Reader in second-person stories), the
    stats of every pair among them, and one feature row per pair."""
    text = doc.story.text
    everyone = doc.inferred.get("characters") or []
    chars = [c for c in everyone if c.get("name") != "Narrator"]
    mentions = list(doc.scratch.get("mentions") or [])
    you = placeholder_mentions(text)
    if you:
        # A reader-insert told in the first person: its unnamed "I" is the reader.
        unnamed = {c["id"] for c in everyone if c.get("name") == "Narrator"}
        you += [dict(m, character=READER) for m in mentions if m.get("character") in unnamed]
        mentions = [m for m in mentions if m.get("character") not in unnamed]
    if second_person(text):
        you += reader_mentions(text)
    if you:
        chars = chars + [{"id": READER, "name": "Reader", "tag": "Reader", "gender": None, "mentions": len(you),
                          "reader": True}]
        mentions = sorted(mentions + you, key=lambda m: m["start"])
    chars = sorted(chars, key=lambda c: -(c.get("mentions") or 0))[:CANDIDATES]
    words = max(1, len(text.split()))
    cues = CueIndex(text)
    work_romance, strong, _ = cues.weight(0, len(text), False, cap=1 << 30)
    work = {"romance": math.log1p(work_romance * 1000.0 / words), "strong": math.log1p(strong * 1000.0 / words),
            "reader": float(any(c["id"] == READER for c in chars)),
            "characters": math.log1p(len(chars))}
    if len(chars) < 2:
        return Candidates(chars, {}, [], [], work)
    keep = {c["id"] for c in chars}
    stats, n_paras = pair_stats(doc, mentions, keep, cues)
    rank = {c["id"]: i for i, c in enumerate(chars)}
    total = sum(c.get("mentions") or 0 for c in chars) or 1
    top_shared = max((p.shared for p in stats.values()), default=0)
    top_romance = max((p.romance for p in stats.values()), default=0.0)
    top_sent = max((p.sentences for p in stats.values()), default=0) or 1
    top_dialogue = max((p.dialogue for p in stats.values()), default=0) or 1
    top_mentions = max((c.get("mentions") or 0 for c in chars), default=0) or 1
    order = sorted(stats, key=lambda k: (-stats[k].shared, -stats[k].sentences, k))
    pair_rank = {k: i for i, k in enumerate(order)}
    kin = knowledge.load().kin
    keys, rows = [], []
    for i, a in enumerate(chars):
        for b in chars[i + 1:]:
            key = tuple(sorted((a["id"], b["id"])))
            p = stats.get(key) or PairStats()
            ra, rb = sorted((rank[a["id"]], rank[b["id"]]))
            sa, sb = sorted(((a.get("mentions") or 0) / total, (b.get("mentions") or 0) / total))
            g = sorted(str(c.get("gender")) for c in (a, b))
            sur = _surname(a.get("name") or "")
            f = {
                "shared": math.log1p(p.shared), "shared_frac": p.shared / max(1, n_paras),
                "sentences": math.log1p(p.sentences), "romance": math.log1p(p.romance),
                "romance_sent": math.log1p(p.romance_sent),
                "romance_share": p.romance / top_romance if top_romance else 0.0,
                "strong": math.log1p(p.strong), "family": p.family / max(1, p.shared),
                "friend": p.friend / max(1, p.shared), "rank_lo": math.log1p(ra), "rank_hi": math.log1p(rb),
                "share_lo": sa, "share_hi": sb, "top2": float(rb == 1),
                "lead": float(top_shared > 0 and p.shared == top_shared),
                "romance_lead": float(top_romance > 0 and p.romance == top_romance),
                "dialogue": math.log1p(p.dialogue), "mm": float(g == ["male", "male"]),
                "ff": float(g == ["female", "female"]), "fm": float(g == ["female", "male"]),
                "gender_unknown": float(not set(g) <= {"male", "female"}),
                "narrator": float(any("I" in (c.get("aliases") or {}) for c in (a, b))),
                "reader": float(READER in key), "surname": float(sur is not None and sur == _surname(b.get("name") or "")),
                "tagged": float(bool(a.get("tag")) + bool(b.get("tag"))) / 2,
                "work_romance": work["romance"],
                "shared_rel": p.shared / top_shared if top_shared else 0.0, "sentences_rel": p.sentences / top_sent,
                "dialogue_rel": p.dialogue / top_dialogue, "pair_rank": math.log1p(pair_rank.get(key, len(order))),
                "rel_lo": min(a.get("mentions") or 0, b.get("mentions") or 0) / top_mentions,
                # relatives by the knowledge base (fic seldom restates a canon family
                # tie), or one surname and family words where they meet
                "kin": float((bool(a.get("tag") and b.get("tag")) and frozenset((a["tag"], b["tag"])) in kin)
                             or (sur is not None and sur == _surname(b.get("name") or "") and p.family > 0)),
            }
            keys.append(key)
            rows.append([f[n] for n in FEATURES])
    return Candidates(chars, stats, keys, rows, work)
