"""The `characters` stage: people from the tagger's PER names, one per person.

One person goes by many names in a story ("Lex", "Luthor", "Mr. Luthor",
"Lex Luthor", and "Superman" is Clark Kent).  Names are grouped in order of
informativeness: first those the fandom knowledge base knows (aliases and
secret identities of the fandoms the story gives evidence of), then full
names, then the short forms, each joining the one character it can stand for
(sub-sequence of a full name, nickname, honorific of compatible gender).  A
short form that could be several people is decided per mention by recency.
Text cues ("Superman really is Clark Kent") join two characters.  Pronouns
are then resolved (`coref`) for mention counts and gender.

Names the KB or the tagger says are places or companies ("Metropolis",
"Wayne Tech") are listed apart and never become characters.
"""

from __future__ import annotations

import re
from collections import Counter

from .. import knowledge
from ..knowledge import match
from . import coref
from . import narrator as narrator_
from . import nominals
from . import people as people_
from . import nonpeople
from .clusters import cluster, join_cues
from .slots import join_by_slots
from .names import FIRST_NAME_GENDER, HONORIFICS, NICKNAMES, Cluster, find as _find, parse
from .pipeline import Analysis, register

HONORIFICS_LOWER = set(HONORIFICS)

PLACE_LABELS = {"GPE", "LOC", "FAC"}

# A place name as a vocative ("Hey, Smallville." / "Smallville, wait"):
# inside dialogue, set off by commas or the quote, not after a preposition.
_VOCATIVE_BEFORE = re.compile(r"(?:[\"“]\s*|,\s*|\b(?:hey|hi|oh|morning|night|thanks|bye|yes|no)\s*,?\s*)$", re.IGNORECASE)
_VOCATIVE_AFTER = re.compile(r"^\s*[,.!?]")
_OATHS = set("god lord heaven heavens jesus christ jove gad goodness gosh".split())
_FIRST_PERSON = {"I", "me", "my", "mine", "myself", "Me", "My", "Mine", "Myself"}
# Where a capitalised word says nothing about being a name: at the start of a
# sentence, a line or a quotation.
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;]['\"”’)]*\s+|[\"“‘(]\s*|\n\s*|—\s*)$")
# A lower-case word (an occurrence of it lower case says it is not a name).
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][a-z'’-]*(?![\w'’-])")
# Object of a preposition or article: "something by Mozart", "like Elvis".
_OBJECT_BEFORE = re.compile(
    r"\b(?:by|of|like|than|about|from|to|with|the|a|an|as|on|in|at|for|into|unlike)\s+$", re.IGNORECASE
)


class CharacterStage:
    name = "characters"
    requires = ("entities",)
    assigns = ("characters", "places", "organizations")

    def __init__(self, kb: knowledge.KnowledgeBase | None = None):
        self.kb = kb or knowledge.load()

    def __call__(self, doc: Analysis) -> Analysis:
        text = doc.story.text
        kb = self.kb
        quotes = coref.Spans(coref.quote_spans(text))
        people, things = [], []  # (start, end, surface), (start, end, surface, label, kb thing)
        entities = people_.split_names(text, people_.tidy_entities(text, doc.inferred.get("entities") or []))
        entities = people_.with_surnames(text, people_.acting_names(text, people_.speaking_names(text, entities), quotes))
        surnames = people_.surnames_as_places(text, entities)
        for e in entities:
            surface, _ = _clean_surface(e["text"])
            key = knowledge.norm(surface)
            kb_people, kb_things = kb.characters.get(key), kb.things.get(key)
            if kb.place_aliases.get(key) and _vocative(text, e["start"], e["end"], quotes):
                people.append((e["start"], e["end"], e["text"]))
            elif (e["label"] == "PER" or surface in surnames) and not (kb_things and not kb_people):
                people.append((e["start"], e["end"], e["text"]))
            elif e["label"] != "PER" and kb_people and not kb_things:
                people.append((e["start"], e["end"], e["text"]))
            elif e["label"] in PLACE_LABELS or e["label"] == "ORG" or kb_things:
                things.append((e["start"], e["end"], surface, e["label"], (kb_things or [None])[0]))

        # Which fandoms' names may be linked: those with evidence of their own.
        # Every KB name in the text counts, tagged or not ("Klaus", "Howl"
        # the tagger missed): the fandoms named this way are the ones the
        # fandoms stage reports.
        low_sight, low_people = people_.lower_case_names(kb, text, sorted((s, e) for s, e, *_ in people + things))
        seen = match.scan_all(kb, text)
        at = {s for s, *_ in seen}
        sight = [(a, s, e, x) for s, e, a, entries in seen for x in entries] + low_sight
        sight += [x for x in _sightings(kb, people, things) if x[1] not in at]
        active = match.evident(match.collect(kb, sight), len(people) + len(things))
        people += low_people
        taken = sorted((s, e) for s, e, *_ in people + things)
        for s, e, alias, entries in match.scan(kb, text, set(active), taken):
            ent = entries[0]
            key = knowledge.norm(alias)
            if isinstance(ent, knowledge.Character) or (kb.place_aliases.get(key) and _vocative(text, s, e, quotes)):
                people.append((s, e, alias))
            else:
                things.append((s, e, alias, ent.label, ent))
        # "Mr." alone names no one; "Don" of "Don't" is half a word
        people = sorted(p for p in people if parse(p[2]).key and not nonpeople.contraction(text, p[0], p[1]))
        lower = _lower_words(text)
        people = [p for p in (_trim_opening_word(text, p, lower, kb) for p in people) if parse(p[2]).key]

        clusters, mention_cluster = cluster(kb, people, active, text, quotes)
        join_cues(text, people, mention_cluster)
        doc.scratch["slot_joins"] = join_by_slots(
            text, [(p.start, p.end) for p in doc.story.paragraphs()], quotes, people, mention_cluster, lower)
        narrator = self._narrator(text, quotes, people, mention_cluster, clusters, active)

        # Final clusters and their name mentions, without the words the
        # tagger took for names ("Tonight", "Mr. Nice Guy").
        names_all = [(s, e, _find(mention_cluster[i])) for i, (s, e, _) in enumerate(people)]
        junk = _not_people(text, people, [c for _, _, c in names_all], lower)
        junk |= nonpeople.not_names(text, people, [c for _, _, c in names_all])
        # Towns and countries the tagger called people are listed as places.
        where = nonpeople.places(text, people, [c for _, _, c in names_all]) - junk
        things += [(s, e, _clean_surface(t)[0], "GPE", None) for (s, e, t), (_, _, c) in zip(people, names_all)
                   if id(c) in where]
        junk |= where
        # A title alone ("Colonel", "the count") is its one holder in the story.
        lone = people_.lone_titles({id(c): c for _, _, c in names_all if id(c) not in junk}.values())
        for i, (s, e, c) in enumerate(names_all):
            key = parse(people[i][2]).key
            if len(key) == 1 and not c.honorifics and lone.get(people_._SAME_TITLE.get(key[0], key[0])) not in (None, c):
                names_all[i] = (s, e, _find(lone[people_._SAME_TITLE.get(key[0], key[0])]))
        names = nominals.with_article(text, [n for n in names_all if id(n[2]) not in junk])
        finals = list({id(c): c for _, _, c in names}.values())
        if narrator is not None and _find(narrator) not in finals:
            finals.append(_find(narrator))
        walk_ons = nominals.walk_ons(text, quotes, names) + nominals.role_names(text, quotes, names)
        finals += [c for c, _ in walk_ons]
        ids = {id(c): f"x{i}" for i, c in enumerate(finals)}
        gender = {ids[id(c)]: c.gender() for c in finals}
        name_mentions = [(s, e, ids[id(c)]) for s, e, c in names]
        nominal = self._nominals(text, finals, ids, active, name_mentions)
        # A walk-on's description is the only name the story gives them:
        # "said the mariner" is as sure as "said Marvel".
        name_mentions = sorted(name_mentions + [(s, e, ids[id(c)]) for c, spans in walk_ons for s, e in spans])
        nominal += [(s, e, ids[id(c)]) for s, e, c in people_.title_nominals(
            text, {h: c for h, c in lone.items() if id(c) in ids}, sorted((s, e) for s, e, _ in name_mentions))]
        all_names = sorted(name_mentions + nominal)
        gender = _pronoun_gender(text, all_names, gender, quotes)
        narr_id = ids[id(_find(narrator))] if narrator is not None else None
        pronouns = coref.resolve(text, all_names, gender, narr_id, quotes)

        out = self._output(doc, finals, ids, gender, name_mentions, nominal, pronouns, narr_id)
        doc.inferred["places"], doc.inferred["organizations"] = _things(things)
        doc.scratch["kb_hits"] = match.collect(kb, _sightings(kb, [], things) + out)
        # Every KB name seen, linked or not ("Katniss" three times in a short
        # story is evidence of a fandom even when too little to link names).
        kept = [p for p, (_, _, c) in zip(people, names_all) if id(c) not in junk]
        sight = [(a, s, e, x) for s, e, a, entries in seen for x in entries]
        sight += [x for x in _sightings(kb, kept, things) if x[1] not in at]
        doc.scratch["kb_sightings"] = match.collect(kb, sight)
        doc.scratch["kb_active"] = active
        doc.scratch["name_mentions"] = len(name_mentions) + len(things)
        return doc

    def _narrator(self, text, quotes, people, mention_cluster, clusters, active):
        # Who "I" is: narrator.py's rules (self-naming, a signature, being addressed, the KB).
        return narrator_.identify(self.kb, text, quotes, people, mention_cluster, clusters, active, _vocative)

    def _nominals(self, text, finals, ids, active, name_mentions):
        """KB nominal aliases ("the alien") of characters already named."""
        out = []
        for c in finals:
            if c.kb is None or not c.kb.nominals or c.kb.fandom not in active:
                continue
            rx = re.compile(r"\b(?:" + "|".join(re.escape(a) for a in c.kb.nominals) + r")\b")
            for m in rx.finditer(text):
                out.append((m.start(), m.end(), ids[id(c)]))
                c.forms[m.group()] += 0  # listed among aliases, counted below
        return out

    # --- output -----------------------------------------------------------
    def _output(self, doc, finals, ids, gender, name_mentions, nominal, pronouns, narr_id):
        text = doc.story.text
        per: dict[str, dict] = {ids[id(c)]: {"names": 0, "all": 0, "aliases": Counter()} for c in finals}
        mentions = []
        for kind, rows in (("name", name_mentions), ("nominal", nominal), ("pronoun", pronouns)):
            for s, e, cid in rows:
                mentions.append({"start": s, "end": e, "character": cid, "kind": kind})
                per[cid]["all"] += 1
                if kind != "pronoun":
                    per[cid]["names"] += kind == "name"
                    per[cid]["aliases"][_clean_surface(text[s:e])[0]] += 1
        order = sorted(finals, key=lambda c: (-per[ids[id(c)]]["all"], c.first if c.first is not None else 1 << 62))
        renum = {ids[id(c)]: f"c{i}" for i, c in enumerate(order)}
        for m in mentions:
            m["character"] = renum[m["character"]]
        mentions.sort(key=lambda m: (m["start"], m["end"]))
        doc.scratch["mentions"] = mentions
        first_span = {}
        for m in mentions:
            first_span.setdefault(m["character"], (m["start"], m["end"]))
        chars, sightings = [], []
        for c in order:
            cid = ids[id(c)]
            p = per[cid]
            aliases = Counter(p["aliases"])
            if cid == narr_id:
                aliases["I"] = sum(1 for m in pronouns if m[2] == cid and text[m[0]:m[1]] in _FIRST_PERSON)
            start, end = first_span.get(renum[cid], (None, None))
            chars.append(
                {
                    "id": renum[cid],
                    "name": c.kb.name if c.kb else _canonical(c),
                    "tag": c.kb.tag if c.kb else None,
                    "aliases": dict(aliases.most_common()),
                    "mentions": p["all"],
                    "name_mentions": p["names"],
                    "gender": gender.get(cid),
                    "first": start,
                }
            )
            if c.kb is None:
                continue
            # Evidence for every fandom that knows this character by the
            # names the story uses ("Clark" is in Smallville and Superman).
            for alias, n in p["aliases"].items():
                for entry in self.kb.characters.get(knowledge.norm(alias), []):
                    if entry.tag == c.kb.tag:
                        sightings += [(alias, start, end, entry)] * n
        doc.inferred["characters"] = chars
        return sightings


def _lower_words(text: str) -> set[str]:
    return set(_LOWER_WORD.findall(text))


def _sentence_initial(text: str, s: int) -> bool:
    return bool(_SENTENCE_START.search(text[max(0, s - 12) : s]))


def _trim_opening_word(text, person, lower, kb):
    """"Inevitably Superman would show up": a sentence's first word is
    capitalised for the sentence, not for the name, when the text also has it
    lower case (or it is an -ly adverb)."""
    s, e, surface = person
    words = surface.split(" ", 1)
    if len(words) < 2 or not _sentence_initial(text, s) or knowledge.norm(surface) in kb.characters:
        return person
    w = words[0]
    if w.casefold() in HONORIFICS_LOWER or not w[:1].isupper():
        return person
    if w.casefold() in lower or (w.endswith("ly") and len(w) > 4):
        rest = words[1].lstrip()
        return (s + len(surface) - len(rest), e, rest) if rest[:1].isupper() else person
    return person


def _not_people(text, people, clusters, lower):
    """Clusters (not linked to the KB) that are ordinary words the tagger
    called a person, by general rules on how the name is used:

    * every mention opens a sentence and the word occurs lower case too
      ("Tonight had been a triumph" beside "tonight");
    * one mention only, opening a sentence, and not a known first name
      ("Muscles quivered", "Funnier still");
    * a title before two or more words all found lower case elsewhere,
      named at most twice ("Mr. Nice Guy");
    * one mention only, of a one-word name that is no first name, as the
      object of a preposition ("something by Mozart"): a famous name in
      passing, not a character;
    * a name only ever sworn by ("God", "Heavens", "Jove"): the ranker
      would otherwise hear "By God!" as God speaking.
    """
    by = nonpeople.unlinked(clusters)
    junk = set()
    for cid, idx in by.items():
        parsed = [parse(people[i][2]) for i in idx]
        initial = [_sentence_initial(text, people[i][0]) for i in idx]
        single = all(len(n.tokens) == 1 and n.honorific is None for n in parsed)
        first_name = any(n.key and (n.key[0] in FIRST_NAME_GENDER or n.key[0] in NICKNAMES) for n in parsed)
        if single and all(initial) and all(n.key[0] in lower for n in parsed):
            junk.add(cid)
        elif single and len(idx) == 1 and initial[0] and not first_name:
            junk.add(cid)
        elif len(idx) <= 2 and all(n.honorific and len(n.key) > 1 and all(t in lower for t in n.key) for n in parsed):
            junk.add(cid)
        elif (single and len(idx) == 1 and not first_name and people[idx[0]][2][:1].isupper()
              and _OBJECT_BEFORE.search(text[max(0, people[idx[0]][0] - 10) : people[idx[0]][0]])):
            junk.add(cid)
        elif all(n.key and n.key[0] in _OATHS and n.honorific is None for n in parsed):
            junk.add(cid)
    return junk


def _canonical(c: Cluster) -> str:
    """The fullest proper name seen; an honorific form only if nothing else."""
    if not c.forms or not any(c.forms.values()):
        return "Narrator"  # an "I" never named
    def rank(item):
        n = parse(item[0])
        return (n.honorific is None, len(n.tokens), item[1])
    return max(c.forms.items(), key=rank)[0]


def _clean_surface(text: str) -> tuple[str, bool]:
    from .names import clean

    return clean(text)


def _vocative(text: str, s: int, e: int, quotes) -> bool:
    return s in quotes and bool(_VOCATIVE_BEFORE.search(text[max(0, s - 12) : s])) and bool(
        _VOCATIVE_AFTER.match(text[e : e + 3])
    )


def _sightings(kb, people, things):
    out = []
    for s, e, t in people:
        surface = _clean_surface(t)[0]
        for c in kb.characters.get(knowledge.norm(surface), []):
            out.append((surface, s, e, c))
    for s, e, surface, _, thing in things:
        for t in kb.things.get(knowledge.norm(surface), []):
            out.append((surface, s, e, t))
    return out


def _pronoun_gender(text, names, gender, quotes):
    """Gender of characters nothing else sexes: the pronoun that most often
    follows their name before another name intervenes."""
    votes: dict[str, Counter] = {}
    named = Counter(cid for _, _, cid in names)
    for j, (s, e, cid) in enumerate(names):
        if gender.get(cid):
            continue
        stop = names[j + 1][0] if j + 1 < len(names) else len(text)
        m = coref.THIRD_PERSON.search(text, e, min(stop, e + 200))
        if m:
            votes.setdefault(cid, Counter())["female" if m.group().lower().startswith(("she", "her")) else "male"] += 1
    out = dict(gender)
    for cid, v in votes.items():
        (g, n), = v.most_common(1)
        if n >= min(2, named[cid]) and n >= 2 * (sum(v.values()) - n):
            out[cid] = g
    return out


def _things(things):
    places, orgs = Counter(), Counter()
    label = {}
    for _, _, surface, lab, thing in things:
        name = thing.name if thing is not None else surface
        lab = thing.label if thing is not None else lab
        if lab == "VEH":
            continue
        (orgs if lab == "ORG" else places)[name] += 1
        label[name] = lab
    return (
        [{"name": n, "mentions": k, "label": label[n]} for n, k in places.most_common()],
        [{"name": n, "mentions": k, "label": "ORG"} for n, k in orgs.most_common()],
    )


@register("characters")
def make_character_stage() -> CharacterStage:
    return CharacterStage()
