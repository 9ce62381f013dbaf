"""Clustering name mentions into characters (the core of the `characters` stage).

Names are grouped in order of informativeness: first those the fandom
knowledge base knows, then full names, then short forms, each joining the one
character it can stand for.  A short form that could be several people is
decided per mention by recency.  Text cues ("Superman really is Clark Kent")
join two characters.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from .. import knowledge
from .coref import THIRD_PERSON
from .names import (FIRST_NAME_GENDER, MARRIED, NICKNAMES, SURNAME_HONORIFICS, UNMARRIED, Cluster, Name, compatible,
                    find as _find, lady_surname, merge as _merge, parse, same_first)

# "X, also known as Y", "Mr. Claypole, otherwise Bolter", "Y really is X", "X was Y."
# between two name mentions.
_ALIAS_CUE = re.compile(
    r"^(?:,?\s*(?:also|otherwise|better)\s+known\s+as\s+|,?\s*a\.?k\.?a\.?\s+|,?\s*\(?(?:alias|otherwise)\s+(?:the\s+)?"
    r"|\s+(?:really|actually|secretly|truly|in fact|was really|is really|had been)?\s*(?:is|was|=)\s+)$",
    re.IGNORECASE,
)
_AFTER_CUE = re.compile(r"^(?:[.;!?,\"”)]|\s+all along|\s*$|\s+and always)")
# A quote and the speech verb after it, ending where a name starts.
_QUOTE_SAID = re.compile(r"[\"“]([^\"“”]{1,200})[\"”]\s*(?:said|cried|called|shouted|asked|exclaimed|replied)\s+$")
# Kinship in apposition: "Aunt Celia, Mrs. Milvain, who…", "Mrs. Milvain, her
# aunt Celia, a…" (not a list: "Granny Mingott, Mrs. Welland, Mrs. …").
_KIN = "aunt uncle cousin granny grandmother grandfather".split()
_KIN_CUE = re.compile(rf"^,\s*(?:(?:her|his|my|your|their|our)\s+(?:{'|'.join(_KIN)})\s+)?$", re.IGNORECASE)
_KIN_AFTER = re.compile(r"^(?:,\s+(?:who|whom|whose|a|an|the|[a-z]+ly)\b|\s*[.;:!?)—])")

NEAR = 100
# "Miss Surname" is decided among at least this many sisters.
SISTERS = 2
# A man named this many times as often as any other of his surname is the "Mr.".
DOMINANT = 3
# "Archer looked at her": an object pronoun after a name is mostly someone
# else; "he"/"she" mostly the one named.
_SUBJECT = re.compile(r"\b(?:he|she)\b", re.IGNORECASE)


def cluster(kb, people, active, text, quotes=()):
    """Group the name mentions `people` ((start, end, surface), in text
    order) into clusters; returns (clusters, mention index -> cluster).
    `quotes`: what tells dialogue from narration (`pos in quotes`)."""
    parsed = [parse(t) for _, _, t in people]
    forms: dict[tuple, list[int]] = {}
    for i, n in enumerate(parsed):
        forms.setdefault((n.honorific, n.key), []).append(i)
    def _together(idx, c) -> int:
        """Mentions of this form with, on its own, a first name of c within
        `NEAR` characters: one person is rarely named two ways at once."""
        # Narration only: dialogue says "Mr. Denham" where narration says "Ralph".
        firsts = {v[0] for v in c.variants if len(v) > 1}
        theirs = sorted(people[i][0] for f in firsts for i in forms.get((None, (f,)), ()) if people[i][0] not in quotes)
        if not theirs:
            return 0
        n = 0
        for i in (i for i in idx if people[i][0] not in quotes):
            k = bisect.bisect_left(theirs, people[i][0] - NEAR)
            n += k < len(theirs) and theirs[k] <= people[i][0] + NEAR
        return n

    def _calls(idx, c) -> bool:
        """'"George!" cried Mr. Emerson': this form speaks a quote that
        calls c by a first name, so it is someone else."""
        firsts = {v[0] for v in c.variants if len(v) > 1}
        for i in idx:
            m = _QUOTE_SAID.search(text, max(0, people[i][0] - 240), people[i][0])
            if m and any(w.casefold() in firsts for w in re.findall(r"[A-Z]\w+", m.group(1))):
                return True
        return False

    def _his(idx) -> bool:
        votes: Counter = Counter()
        for i in idx:
            stop = people[i + 1][0] if i + 1 < len(people) else len(text)
            votes[_pronoun_after(text, people[i][1], stop, THIRD_PERSON)] += 1  # "his coat" says it too
        return votes["male"] >= 2 and votes["male"] > 2 * votes["female"]

    clusters: list[Cluster] = []
    by_kb: dict[str, Cluster] = {}
    mention_cluster: dict[int, Cluster] = {}
    ambiguous: dict[int, list[Cluster]] = {}

    def kb_entry(n: Name):
        # Linkable: the fandoms with evidence, and characters whose full
        # name the story already used ("Clark Kent" unlocks "Superman").
        cands = [c for c in kb.characters.get(knowledge.norm(n.surface), []) if c.fandom in active or c.tag in by_kb]
        if not cands:
            cands = [c for c in kb.place_aliases.get(knowledge.norm(n.surface), []) if c.fandom in active]
        if not cands and n.honorific is None and len(n.tokens) > 1:
            cands = kb.characters.get(knowledge.norm(n.surface), [])  # full names link anywhere
        if not cands:
            return None
        if len({c.tag for c in cands}) > 1 and len({c.fandom for c in cands}) > 1:
            # "Ford" is Ford Prefect or Nathan Ford: the fandom the story
            # gives most evidence of decides.
            top = max((c.fandom for c in cands), key=lambda f: active.get(f, 0.0))
            cands = [c for c in cands if c.fandom == top]
        tags = {c.tag for c in cands}
        if len(tags) > 1:
            # the same alias for two people ("Mr. Luthor"): prefer a
            # character whose canonical name contains the mention.
            exact = [c for c in cands if n.key and n.key[-1] in knowledge.norm(c.name).split()]
            if len({c.tag for c in exact}) != 1:
                return None
            cands = exact
        return max(cands, key=lambda c: active.get(c.fandom, 0.0))

    # Most informative first: more tokens, then more frequent.
    # Bare before titled at equal length ("Elizabeth Bennet" before
    # "Miss Elizabeth Bennet").
    # One-word names the other way round: "Mr. Sikes" and "Mrs. Hall"
    # before bare "Sikes" and "Hall", so that a bare surname joins the titled
    # person of that name (or is decided per mention between a family's).
    # A first name the story only ever uses as a surname ("Colonel Brandon",
    # "Mr. Brandon", never "Brandon Smith") is a surname here.
    surnames = ({k[0] for h, k in forms if h in SURNAME_HONORIFICS and len(k) == 1}
                - {k[0] for _, k in forms if len(k) > 1})
    order = sorted(forms, key=lambda f: (-len(f[1]), (f[0] is not None) == (
        len(f[1]) > 1 or (_first_name(f[1][0]) and f[1][0] not in surnames)), -len(forms[f])))
    for form in order:
        idx = forms[form]
        n = parsed[idx[0]]
        if not n.key:
            continue
        entry = kb_entry(n)
        if entry is not None:
            c = by_kb.get(entry.tag)
            if c is None:
                c = by_kb[entry.tag] = Cluster(entry)
                c.variants |= {tuple(knowledge.norm(a).split()) for a in entry.names if len(a.split()) > 1}
                clusters.append(c)
        else:
            cands = list({id(_find(c)): _find(c) for c in clusters if _find(c).matches(n)}.values())
            # "Elizabeth Bennet" beside "Miss Elizabeth Bennet" and "Eliza
            # Bennet": the character already known by this very name.
            # A one-word name seen only after a title ("Mrs. Wickham") is no
            # more this bare "Wickham" than George Wickham is.
            exact = [c for c in cands if n.key in c.variants and (len(n.key) > 1 or n.honorific or n.key not in c.titled)]
            if len(cands) > 1 and len(exact) == 1:
                cands = exact
            if len(n.key) > 1 and len(cands) != 1:
                cands = []  # a full name unlike any other starts its own character
            # "Mrs. Newland Archer" is his wife when "Newland Archer" alone
            # is followed by "he".
            if n.honorific in MARRIED and len(n.key) > 1 and cands and _his(forms.get((None, n.key), ())):
                cands = []
            # "Sir William" beside Sir William Lucas and William Collins:
            # the one known by the same title.
            # "Mr. Emerson" is not George Emerson when the two are named in
            # one sentence ("'George!' cried Mr. Emerson"): his father.  Twice
            # is enough, however often "Mr. Emerson" is named elsewhere (a
            # share of his mentions let a much-named father absorb the son).
            # (Not "Miss Hilbery" beside "Katharine": one woman, named by
            # her title in the same breath far more often than a father.)
            # Nor "Master Bates" beside "Charley": "Master" is the boy himself.
            if n.honorific and n.honorific not in UNMARRIED and n.honorific not in ("lady", "master") and len(n.key) == 1:
                # (But "Mr. Noah Claypole" makes "Mr. Claypole" beside "Noah" himself.)
                cands = [c for c in cands if (c.honorifics[n.honorific] and not _calls(idx, c)) or _together(idx, c) < 2]
            # "Captain Morstan" followed by "he" is not Mary Morstan.
            if cands and n.honorific and n.gender is None and len(n.key) == 1 and _his(idx):
                cands = [c for c in cands if c.gender() != "female"]
            if n.honorific in UNMARRIED and len(n.key) == 1 and cands:
                cands = _eldest(n.key[0], clusters, forms, cands)
            same = [c for c in cands if n.honorific and c.honorifics[n.honorific]]
            if len(cands) > 1 and len(same) == 1:
                cands = same
            # "Mr. Crawford" beside Henry and Mary Crawford (and a stray
            # "'Tis Crawford" of unknown sex): the one man of that name.
            if len(cands) > 1 and n.gender and len(n.key) == 1:
                sexed = [c for c in cands if c.gender() == n.gender]
                if len(sexed) == 1:
                    cands = sexed
            # "Mr. Ferrars" beside Edward Ferrars, named two hundred times,
            # and a brother named four: the one the story is about.
            # So is "Miss Louisa" beside Louisa Bounderby and one "Loo Gradgrind".
            if len(cands) > 1 and len(n.key) == 1 and ((n.honorific in SURNAME_HONORIFICS and n.gender == "male") or (
                    n.honorific in UNMARRIED and _first_name(n.key[0]))):
                cands = _dominant(cands, mention_cluster) or cands
            # Bare "Oliver" beside Oliver Twist and a "Mr. Oliver": a
            # known first name goes to the one it is the first name of.
            if len(cands) > 1 and n.honorific is None and len(n.key) == 1 and _first_name(n.key[0]):
                firsts = [c for c in cands if any(len(v) > 1 and same_first(n.key[0], v[0]) for v in c.variants)]
                if len(firsts) == 1:
                    cands = firsts
                # Bare "Henry" beside Henry Otway and Harry Sandys: the same
                # first name outranks a nickname of it.
                own = [c for c in firsts if any(len(v) > 1 and n.key[0] == v[0] for v in c.variants)]
                if len(firsts) > 1 and own and len(own) < len(firsts):
                    cands = own
            # "Mrs. Bennet" beside Jane, Elizabeth and Lydia Bennet is their
            # mother, not whichever daughter was never called "Miss"; so is
            # "Lady Bertram" beside Julia and Maria Bertram ("Lady" before a
            # surname, not a first name, is a married title).
            if cands and (n.honorific in MARRIED or lady_surname(n)) and len(n.key) == 1 and len({
                    id(_find(c)) for c in clusters
                    if _find(c).gender() == "female" and any(len(v) > 1 and v[-1] == n.key[0] for v in _find(c).variants)}) > 1:
                cands = []
            if len(cands) == 1:
                c = cands[0]
            elif not cands or (n.honorific and not all(c.kb for c in cands)):
                # "Mrs. Bennet" beside Jane and Elizabeth Bennet is a
                # third person; bare "Bennet" is decided per mention.
                c = Cluster()
                clusters.append(c)
            else:
                for i in idx:
                    ambiguous[i] = cands
                continue
        c = _find(c)
        if len(n.key) > 1 or not c.variants:
            if n.key not in c.variants and n.honorific:
                c.titled.add(n.key)
            elif not n.honorific:
                c.titled.discard(n.key)
            c.variants.add(n.key)
        if n.honorific:
            c.honorifics[n.honorific] += len(idx)
        if n.gender:
            c.honor_gender[n.gender] += len(idx)
        for i in idx:
            mention_cluster[i] = c
    # Ambiguous short forms ("Bingley" beside Mr. and Miss Bingley): those
    # whose gender agrees with the pronoun that follows, else the men (a
    # bare surname is how narration names a man), then the most named.
    named: Counter = Counter()
    for c in mention_cluster.values():
        named[id(_find(c))] += 1
    for i in range(len(people)):
        if i in ambiguous:
            cands = [_find(c) for c in ambiguous[i]]
            stop = people[i + 1][0] if i + 1 < len(people) else len(text)
            g = _pronoun_after(text, people[i][1], stop)
            by_gender = [c for c in cands if c.gender() == g] if g else [c for c in cands if c.gender() == "male"]
            if by_gender:
                cands = by_gender
            mention_cluster[i] = max(cands, key=lambda c: named[id(c)])
        c = _find(mention_cluster[i])
        c.forms[parsed[i].surface] += 1
        if c.first is None or people[i][0] < c.first:
            c.first = people[i][0]
    return clusters, mention_cluster


def _dominant(cands, mention_cluster):
    """[the candidate named `DOMINANT` times as often as any other so far], or []."""
    sizes = Counter(id(_find(c)) for c in mention_cluster.values())
    top = sorted(cands, key=lambda c: -sizes[id(c)])
    return top[:1] if sizes[id(top[0])] >= DOMINANT * max(1, sizes[id(top[1])]) else []


def _eldest(surname, clusters, forms, cands):
    """"Miss Bennet" among the Bennet sisters is the eldest, the one never
    called "Miss" + her first name ("Miss Lydia", "Miss Elizabeth Bennet"
    are the younger ones).  With no such one, nobody's: a character of its own."""
    sisters: dict[int, tuple] = {}
    for c in {id(_find(c)): _find(c) for c in clusters}.values():
        if c.gender() == "female" and not any(c.honorifics[h] for h in MARRIED):
            firsts = {v[0] for v in c.variants if len(v) == 2 and v[-1] == surname}
            if firsts:
                sisters[id(c)] = (c, firsts)
    if len(sisters) < SISTERS:
        return cands
    eldest = [c for c, firsts in sisters.values()
              if not any(forms.get((h, k)) for h in UNMARRIED for f in firsts for k in ((f,), (f, surname)))]
    if len(eldest) != 1:
        return []
    # One "Annie Miller" twice beside "Daisy" is her formal name, not an
    # elder sister: the eldest goes by her first name as well.
    bare = sum(len(forms.get((None, (f,)), ())) for f in sisters[id(eldest[0])][1])
    return eldest if 2 * bare >= len(forms.get(("miss", (surname,)), ())) else cands


def join_cues(text, people, mention_cluster):
    """Text cues ("Superman really is Clark Kent") join two characters."""
    for i in range(len(people) - 1):
        s1, e1, t1 = people[i]
        s2, e2, t2 = people[i + 1]
        if s2 - e1 > 40 or t1.endswith(("'s", "’s")) or t2.endswith(("'s", "’s")):
            continue
        cue = _ALIAS_CUE.match(text[e1:s2]) and _AFTER_CUE.match(text[e2 : e2 + 12])
        if not cue and _KIN_CUE.match(text[e1:s2]) and _KIN_AFTER.match(text[e2 : e2 + 12]):
            n1, n2 = parse(t1), parse(t2)
            kin = n1.honorific in _KIN or n2.honorific in _KIN or text[e1:s2].strip(", ")
            titled = (n1 if n1.honorific not in _KIN else n2).honorific in MARRIED | {"lady", "mr", "sir", "lord"}
            cue = kin and titled and len(n1.key) == len(n2.key) == 1
        if cue:
            a, b = _find(mention_cluster[i]), _find(mention_cluster[i + 1])
            if a is not b and compatible(a.gender(), b.gender()) and not (a.kb and b.kb):
                _merge(a, b)
    _diminutives(people, mention_cluster)


def _diminutives(people, mention_cluster):
    """"Skaggsy" beside "Mr. Skaggs": a bare word that is a titled surname
    and a pet ending is that man."""
    titled: dict[str, dict] = {}
    bare: dict[str, list[int]] = {}
    for i, (_, _, t) in enumerate(people):
        n = parse(t)
        if len(n.key) == 1 and n.honorific:
            c = _find(mention_cluster[i])
            titled.setdefault(n.key[0], {})[id(c)] = c
        elif len(n.key) == 1:
            bare.setdefault(n.key[0], []).append(i)
    for w, idx in bare.items():
        stem = next((w[: -len(x)] for x in ("sy", "ey", "ie", "y") if w.endswith(x) and w[: -len(x)] in titled), None)
        if stem and len(stem) >= 3 and len(titled[stem]) == 1 and not _first_name(w):
            him = next(iter(titled[stem].values()))
            for i in idx:
                c = _find(mention_cluster[i])
                if c is not him and compatible(c.gender(), him.gender()) and not (c.kb and him.kb):
                    _merge(him, c)


def _first_name(token: str) -> bool:
    return token in FIRST_NAME_GENDER or token in NICKNAMES


def _pronoun_after(text: str, end: int, stop: int, rx=_SUBJECT) -> str | None:
    """The gender of the first third-person pronoun (`rx`) after a mention,
    in the same sentence and before the next name."""
    window = text[end : min(stop, end + 120)]
    cut = re.search(r"[.!?;\n]", window)
    m = rx.search(window, 0, cut.start() if cut else len(window))
    if not m:
        return None
    return "female" if m.group().lower().startswith(("she", "her")) else "male"
