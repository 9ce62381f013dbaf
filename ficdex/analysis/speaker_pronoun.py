"""Evidence for the pronoun of "'…,' he said": which of the men (or women)
near the quote it means.

The sieve resolves the pronoun by one rule (the paragraph's last subject of
that gender, else the latest named), the characters stage by its own; on
PDNC a fifth of the quotes attributed through a pronoun still go to the
wrong character of the right gender, and no single rule covers them.  A
reader weighs several cues at once: who of that gender was named last, or
last as a sentence subject, or in this paragraph; who spoke the turn before
(and so probably does not speak now) and whom it addressed (and so probably
answers); whom the quote itself addresses by name ("…, John," he said: not
John).  The ranker already has most of these cues for every quote, but one
weight each: "the previous turn's speaker" counts the same after "he said"
as in an unattributed turn, where alternation decides.  Here the cues are
given again, only for candidates of the pronoun's gender and only for
quotes whose speech verb has a third-person pronoun, so a linear ranker
learns their weight for this case apart (the conjunction a hidden layer
would otherwise have to find).  The same is done, under "im_", for the
turn-taking cues of quotes that no rule beside the quote decided.  The
ranker computes these only for weights that know them.
"""

from __future__ import annotations

import bisect
import re

# The speaker named by kinship or role to a possessor ("said her mother",
# "replied Lizzy's aunt"), with the gender the word gives.
KIN_GENDER = {w: "female" for w in (
    "mother mama mamma aunt sister wife daughter niece grandmother lady ladyship hostess mistress "
    "governess maid landlady widow bride girl".split())}
KIN_GENDER.update({w: "male" for w in (
    "father papa uncle brother husband son nephew grandfather lord lordship host master valet servant "
    "landlord boy guardian".split())})
_POSSESSED = re.compile(r"^(?P<s>['’]s)?\s+(?P<a>[a-z][a-z-]+)(?:\s+(?P<b>[a-z][a-z-]+))?")
_NOT_NOUN = frozenset("and but or to at in on with as that then who which for from of by into upon again "
                      "once now too so very".split())


def verb_subject(r: dict) -> tuple[str | None, str | None, str | None]:
    """What a record's speech verb says of its speaker, kept through a
    ranker change ("ranked"): (the pronoun of "he said", the gender it or
    "said her mother" asks for, the kin noun's possessor — not the speaker)."""
    how = r.get("_how") if r.get("rule") in ("explicit", "ranked") else None
    if how and how[0] in ("pronoun", "resolved"):
        return how[1], "male" if how[1] in ("he", "him") else "female" if how[1] in ("she", "her") else None, None
    if how and how[0] == "kin":
        return None, KIN_GENDER.get(how[1]), how[2]
    return None, None, None


def possessed(kind: str, form: str | None, rest: str) -> str | None:
    """The noun after a possessive speech-verb subject ("said her mother":
    "mother"), or None when the subject is the speaker itself."""
    m = _POSSESSED.match(rest) if rest else None
    if not m or (kind == "name") != bool(m.group("s")) or (kind != "name" and form not in ("his", "her", "their")):
        return None
    a, b = m.group("a"), m.group("b")
    if a in _NOT_NOUN or a.endswith("ly"):
        return None
    return b if b in KIN_GENDER and a not in KIN_GENDER else a


# Candidate features (speaker_model.quote_features) repeated for "he said"
# candidates of the pronoun's gender, under a "pg_" prefix.
CONJOIN = (
    "turn-1_strong", "turn-1_weak", "turn-2_strong", "turn-2_weak", "turn+1_strong", "turn+1_weak",
    "voc_prev", "voc_next", "addr_prev", "ment_before", "ment_after", "ment_prev_para", "subj_para",
    "conv_turns", "conv_opening", "alt_same", "alt_other", "named_in_quote", "log_dist",
    "sieve_explicit_pronoun", "sieve_explicit_resolved", "quoted_near", "log_count",
    "voc_this", "narrator", "sieve_explicit_kin", "kin_family", "kin_possessor",
)
_PG = {k: "pg_" + k for k in CONJOIN}
DEPTH = 4


class Ranks:
    """The characters of one gender in the order they were last mentioned
    before a quote: by any mention, by name only, as a sentence subject, and
    as a subject inside the quote's own paragraph."""

    __slots__ = ("recent", "named", "subj", "subj_para", "obj", "role", "count")

    def __init__(self):
        self.recent, self.named, self.subj, self.subj_para, self.obj = [], [], [], [], []
        # each one's latest mention: (role, where), and mentions counted
        self.role: dict[str, tuple[str, str]] = {}
        self.count: dict[str, int] = {}


_POSS_NEXT = re.compile(r"^\s+[a-z]")
_NOT_NOUN = frozenset("and but or to at in on with as that then who which for from of by into upon again "
                      "once now too so very the a an".split())


def role(sv, m, floor: int) -> str:
    """What a mention is in its sentence: the acting subject, a possessor
    ("his hat", "Lex's car") or else an object ("asked him", "to Lex")."""
    # "Then Lex's dog barked": a possessor even where a subject would stand
    after = sv.text[m["end"] : m["end"] + 16]
    if after[:1] in ("'", "’") and after[1:2] == "s":
        return "poss"
    form = sv.text[m["start"] : m["end"]].lower()
    if form == "his" or (form == "her" and _POSS_NEXT.match(after) and after.split()[0] not in _NOT_NOUN):
        return "poss"
    return "subj" if sv.is_subject(m, floor) else "obj"


def same_gender_ranks(sv, lo: int, pos: int, want: str, para_start: int, prev_start: int = -1) -> Ranks:
    """Walk the narration mentions back from `pos` (not before index `lo`)."""
    r = Ranks()
    j = bisect.bisect_left(sv.nstarts, pos, lo)
    for m in reversed(sv.narr[lo:j]):
        c = m["character"]
        if sv.gender.get(c) != want:
            continue
        r.count[c] = r.count.get(c, 0) + 1
        if c not in r.role:
            how = role(sv, m, 0)
            r.role[c] = (how, "para" if m["start"] >= para_start else "prev" if m["start"] >= prev_start else "old")
            if how == "obj" and len(r.obj) < DEPTH:
                r.obj.append(c)
        if c not in r.recent and len(r.recent) < DEPTH:
            r.recent.append(c)
        if m.get("kind", "name") == "name" and c not in r.named and len(r.named) < DEPTH:
            r.named.append(c)
        if c not in r.subj and len(r.subj) < DEPTH and sv.is_subject(m, 0):
            r.subj.append(c)
            if m["start"] >= para_start and c not in r.subj_para:
                r.subj_para.append(c)
    return r


def kin_family(names: dict, possessor: str, c: str) -> bool:
    """"said her mother": a candidate sharing the possessor's last name
    ("Mrs. Bennet" for "Elizabeth Bennet") is family."""
    a, b = (names.get(possessor) or "").split(), (names.get(c) or "").split()
    return bool(a and b and len(a[-1]) > 2 and a[-1].lower() == b[-1].lower())


def add_pronoun_features(rows: list[dict], cands: list[str], want: str, sv, ranks: Ranks,
                         this_voc: str | None, para_speakers: set) -> None:
    """Add the "pg_" features in place to the rows of candidates of gender `want`.
    `para_speakers`: the current answers for the other quotes of the paragraph."""
    same = [c for c in cands if sv.gender.get(c) == want]
    # "…, John," he said: when the quote addresses one man by name, the
    # speaker is another man
    voc_same = this_voc is not None and sv.gender.get(this_voc) == want
    salient = sorted(ranks.count, key=lambda c: -ranks.count[c])
    for c, f in zip(cands, rows):
        if sv.gender.get(c) != want:
            if sv.gender.get(c) is None:
                f["pg_unknown_gender"] = 1.0
            continue
        f.update({_PG[k]: f[k] for k in f.keys() & _PG.keys() if f[k]})
        for name, order in (("recent", ranks.recent), ("named", ranks.named), ("subj", ranks.subj),
                            ("subj_para", ranks.subj_para)):
            if c in order:
                f[f"pg_{name}{order.index(c)}"] = 1.0
            elif order:
                f[f"pg_{name}_none"] = 1.0
        if c in ranks.role:
            how, where = ranks.role[c]
            f[f"pg_last_{how}"] = 1.0
            f[f"pg_last_{how}_{where}"] = 1.0
        if c in ranks.obj:
            f[f"pg_obj{ranks.obj.index(c)}"] = 1.0
        if c in salient[:2]:
            f[f"pg_salient{salient.index(c)}"] = 1.0
        if voc_same and c != this_voc:
            f["pg_voc_other"] = 1.0
        if c in para_speakers:
            f["pg_para_speaker"] = 1.0
        if len(same) == 1:
            f["pg_only"] = 1.0


# Candidate features repeated, under an "im_" prefix, for quotes no rule
# beside the quote decided (no speech verb, no acting character; in the
# second pass also the quotes the first pass changed): there
# the turn-taking cues decide, and they weigh differently than where they
# only back up a speech verb.
IMPLICIT_RULES = (None, "turns", "addressed", "nearest", "ranked")
CONJOIN_IMPLICIT = (
    "turn-1_strong", "turn-1_weak", "turn-2_strong", "turn-2_weak", "turn+1_strong", "turn+1_weak",
    "turn+2_strong", "turn+2_weak", "voc_prev", "voc_next", "voc_this", "addr_prev", "alt_same", "alt_other",
    "conv_turns", "conv_speaker", "conv_addressed", "conv_opening", "gender_as_prev", "gender_not_prev",
    "subj_para", "ment_before", "ment_after", "ment_prev_para", "rank0", "rank1", "named_in_quote", "log_dist",
)


_IM = {k: "im_" + k for k in CONJOIN_IMPLICIT}


def add_implicit_features(rows: list[dict]) -> None:
    # set intersection: this runs for every candidate of half the quotes
    for f in rows:
        f.update({_IM[k]: f[k] for k in f.keys() & _IM.keys() if f[k]})

