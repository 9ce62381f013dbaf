"""One person under two unrelated names, told by the dialogue.

Novels call one person by names that share no word: "Cecil" and
"Mr. Vyse", "Charlotte" and "Mrs. Palmer", "Gino" and "Signor Carella".
Spelling cannot join those; how the dialogue uses them can.  In a
conversation the turns alternate, so the person one turn addresses by name
("Cecil, do listen") is, more often than not, the one who answers in the
next turn ("…," said Mr. Vyse, or the one name of that turn's narration),
and the one a turn is said by is the one the reply addresses.  Each such
pairing of a speaker's name with a vocative in the neighbouring turn is a
vote that the two names are one person; a name that speaks and is
addressed in the *same* turn is someone else ('"Cecil," said Mr. Beebe'
makes Cecil and Mr. Beebe two people).

A wrong join costs as much as a miss, so the votes must repeat
(`MIN_VOTES`), be most of the rarer name's votes, outweigh what speaks
against them (the two names in one turn, in neighbouring turns' same
slot, in one sentence of the narration), and nothing in the names may
forbid it: different genders (by title, first name or the "he"/"she"
after them), two different first names or surnames, two different
knowledge-base entries.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from .names import (FIRST_NAME_GENDER, MARRIED, NICKNAMES, SURNAME_HONORIFICS, compatible, find as _find,
                    merge as _merge, parse, same_first)

MIN_VOTES = 2
# A bare word of no known kind ("Slackbridge", "Zizi", "Frenchman") may be
# a surname, a nickname or a description of someone else: it needs more.
MIN_VOTES_BARE = 5
# Votes against per narration sentence naming both: strong, but not a veto
# ("said the Jew" beside "Fagin" is a description of the man named).
NARRATION = 3
# Share of a name's slot votes the partner must hold (the rest are
# three-way conversations, where the reply is not the addressee's).
MIN_SHARE = 0.5

# Not first names: "De Griers".
_PARTICLES = {"de", "van", "von", "du", "la", "le", "del", "da", "di", "st"}
_SPEECH = (r"(?:said|says|cried|replied|asked|answered|exclaimed|returned|added|continued|observed|rejoined|"
           r"whispered|shouted|called|remarked|murmured|repeated|interrupted|resumed|retorted|began|inquired|"
           r"enquired|protested|urged|pleaded|demanded|went on)")
# '"…," said Mr. Vyse' / '"…" Mr. Vyse said' / 'Mr. Vyse said, "…'
_SAID_BEFORE = re.compile(rf"[\"”’']\s*{_SPEECH}\s+(?:the\s+)?$")
_QUOTE_END_BEFORE = re.compile(r"[\"”’']\s*$")
_SAID_AFTER = re.compile(rf"\s+{_SPEECH}\b")
_SAYS_OPENING = re.compile(rf"\s+{_SPEECH}\s*[,:]?\s*[\"“]")
_VOCATIVE_BEFORE = re.compile(r"(?:[\"“]\s*|,\s*|\b(?:[Oo]h|[Dd]ear|[Mm]y dear|[Yy]es|[Nn]o|[Ww]ell|[Cc]ome),?\s*)$")
_VOCATIVE_AFTER = re.compile(r"\s*[,.!?;—-]")
# Sentence ends, not the full stop of "Mr." or "Dr.".  The titles are
# looked behind from after the first mark, so the regex starts with a mark
# the engine can skip to instead of trying every character.
_NOT_TITLE = r"(?<!\bMr.)(?<!\bMrs.)(?<!\bMs.)(?<!\bDr.)(?<!\bSt.)"
_SENTENCE = re.compile("|".join(rf"\{mark}{_NOT_TITLE}[.!?]*['\"”’)]*\s+" for mark in ".!?") + r"|\n")


def _turns(text, paragraphs, quotes, people, mention_cluster):
    """Per paragraph holding speech, in order: (paragraph index, speaker
    mention indices, vocative mention indices)."""
    starts = [s for s, _, _ in people]
    out = []
    for k, (ps, pe) in enumerate(paragraphs):
        q = bisect.bisect_right(quotes.ends, ps)  # the first quote ending inside or after it
        if q == len(quotes.ends) or quotes.starts[q] >= pe:
            continue
        lo, hi = bisect.bisect_left(starts, ps), bisect.bisect_left(starts, pe)
        speakers, vocatives, narrated = [], [], []
        for i in range(lo, hi):
            s, e, _ = people[i]
            if s in quotes:
                if _VOCATIVE_BEFORE.search(text[max(ps, s - 12) : s]) and _VOCATIVE_AFTER.match(text, e):
                    vocatives.append(i)
            elif (_SAID_BEFORE.search(text[max(ps, s - 20) : s])
                  or (_QUOTE_END_BEFORE.search(text[max(ps, s - 4) : s]) and _SAID_AFTER.match(text, e))
                  or _SAYS_OPENING.match(text, e)):
                speakers.append(i)
            else:
                narrated.append(i)
        # No "said X": the one name of the narration, if there is one.
        if not speakers and len({id(_find(mention_cluster[i])) for i in narrated}) == 1:
            speakers = narrated[:1]
        if speakers or vocatives:
            out.append((k, speakers, vocatives))
    return out


def _narration_pairs(text, paragraphs, quotes, people, cid):
    """Pairs of clusters named in one sentence of the narration, and in
    how many sentences."""
    together: Counter = Counter()
    starts = [s for s, _, _ in people]
    for ps, pe in paragraphs:
        lo, hi = bisect.bisect_left(starts, ps), bisect.bisect_left(starts, pe)
        if hi - lo < 2:
            continue
        cuts = [ps] + [m.end() for m in _SENTENCE.finditer(text, ps, pe)] + [pe]
        by_sentence: dict[int, set] = {}
        for i in range(lo, hi):
            if people[i][0] in quotes:
                continue
            by_sentence.setdefault(bisect.bisect_right(cuts, people[i][0]), set()).add(cid(i))
        for group in by_sentence.values():
            together.update(frozenset((a, b)) for a in group for b in group if a < b)
    return together


def slot_votes(text, paragraphs, quotes, people, mention_cluster):
    """(votes, against, clusters): Counters of frozenset({cluster id,
    cluster id}) -> slot votes that the two are one person, and -> cues
    that they are two; and the id -> cluster map.

    For: a speaker and the vocative of the next turn (the reply addresses
    who just spoke), and two turns apart the same slot (alternation: the
    speakers of turns t and t+2, or the names they address, are one).
    Against: the speakers, or the vocatives, of two neighbouring turns
    (they talk to each other), a speaker and a vocative of one turn, two
    names in one sentence of the narration."""
    clusters = {}

    def cid(i):
        c = _find(mention_cluster[i])
        clusters[id(c)] = c
        return id(c)

    votes: Counter = Counter()
    against: Counter = Counter()
    turns = [(k, {cid(i) for i in sp}, {cid(i) for i in voc})
             for k, sp, voc in _turns(text, paragraphs, quotes, people, mention_cluster)]

    def add(counter, xs, ys):
        for a in xs:
            for b in ys:
                if a != b:
                    counter[frozenset((a, b))] += 1

    for t, (k, said, called) in enumerate(turns):
        add(against, said, called)
        if t + 1 < len(turns) and turns[t + 1][0] == k + 1:  # the next paragraph answers this one
            _, nsaid, ncalled = turns[t + 1]
            add(votes, said, ncalled)
            add(votes, called, nsaid)
            add(against, said, nsaid)
            add(against, called, ncalled)
            if t + 2 < len(turns) and turns[t + 2][0] == k + 2:
                _, nnsaid, nncalled = turns[t + 2]
                add(votes, said, nnsaid)
                add(votes, called, nncalled)
    # A sentence of the narration naming both outweighs a slot vote
    # ("said the Jew" beside "Fagin" is a description, not a second man).
    for pair, n in _narration_pairs(text, paragraphs, quotes, people, cid).items():
        against[frozenset(pair)] += NARRATION * n
    return votes, against, clusters


def join_by_slots(text, paragraphs, quotes, people, mention_cluster, lower=frozenset()) -> list[tuple]:
    """Join the names the dialogue's turns say are one person; returns the
    joined pairs as (name, name, votes), for the record.  `lower`: the
    words the text also writes lower case ("Lord", "Voice" are no names)."""
    votes, against, clusters = slot_votes(text, paragraphs, quotes, people, mention_cluster)
    total: Counter = Counter()
    for pair, n in votes.items():
        for c in pair:
            total[c] += n
    sex = _pronoun_sex(text, people, mention_cluster)
    joined = []
    for pair, n in sorted(votes.items(), key=lambda x: -x[1]):
        a, b = (clusters[c] for c in pair)
        # The rarer name is the alias: most of its votes must point here.
        rare = min(pair, key=lambda c: sum(clusters[c].forms.values()))
        if n < MIN_VOTES or 2 * against[pair] >= n or n < MIN_SHARE * total[rare]:
            continue
        a, b = _find(a), _find(b)
        if a is b or not compatible(a.gender() or sex.get(id(a)), b.gender() or sex.get(id(b))) or (a.kb and b.kb) \
                or _word(a, lower) or _word(b, lower):
            continue
        if _two_people(a, b) or (n < MIN_VOTES_BARE and not (_name_like(a) and _name_like(b))):
            continue
        joined.append((_top(a), _top(b), n))
        _merge(a, b)
    return joined


def _pronoun_sex(text, people, mention_cluster) -> dict:
    """Cluster id -> the sex the "he"/"she" after its names agrees on (the
    clusters' own gender comes from titles and first names only, and
    "Aziz" has neither)."""
    from .clusters import _pronoun_after

    votes: dict[int, Counter] = {}
    for i, (_, e, _) in enumerate(people):
        stop = people[i + 1][0] if i + 1 < len(people) else len(text)
        g = _pronoun_after(text, e, stop)
        if g:
            votes.setdefault(id(_find(mention_cluster[i])), Counter())[g] += 1
    out = {}
    for cid, v in votes.items():
        (g, n), = v.most_common(1)
        if n >= 2 and n >= 2 * (sum(v.values()) - n):
            out[cid] = g
    return out


def _word(c, lower) -> bool:
    """A cluster that is only an everyday word the tagger took for a name."""
    return all(len(f.split()) == 1 and f.casefold() in lower for f in c.forms)


def _name_like(c) -> bool:
    """Known by a full name, a title or a known first name."""
    fa, sa = _names(c)
    return bool(fa or sa or 2 * sum(c.honorifics.values()) >= sum(c.forms.values()))


def _names(c):
    """(first names, surnames) a cluster is known by."""
    firsts, surnames = set(), set()
    for f in c.forms:
        n = parse(f)
        if not n.key:
            continue
        if len(n.key) > 1:
            if n.honorific not in SURNAME_HONORIFICS and n.key[0] not in _PARTICLES:
                firsts.add(n.key[0])
            surnames.add(n.key[-1])
        elif n.honorific in SURNAME_HONORIFICS:
            surnames.add(n.key[0])
        elif n.key[0] in FIRST_NAME_GENDER or n.key[0] in NICKNAMES:
            firsts.add(n.key[0])
    return firsts, surnames


def _two_people(a, b) -> bool:
    """What the names themselves say against one person: two different
    first names ("Edward", "Christopher"); two different surnames, unless
    one is a married woman's ("Louisa" Gradgrind is "Mrs. Bounderby"); a
    "Mrs." of a surname a woman with a first name bears (her mother)."""
    fa, sa = _names(a)
    fb, sb = _names(b)
    if fa and fb and not any(same_first(x, y) for x in fa for y in fb):
        return True
    married = any(a.honorifics[h] for h in MARRIED) or any(b.honorifics[h] for h in MARRIED)
    if sa and sb and not sa & sb and not married:
        return True
    if sa & sb and married and (fa or fb):
        return True
    return False


def _top(c) -> str:
    return c.forms.most_common(1)[0][0] if c.forms else "?"
