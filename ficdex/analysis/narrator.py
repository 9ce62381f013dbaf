"""Who "I" is: the first-person narrator's identity, for the characters stage.

In fan fiction the narrator is nearly always a canon character, and an
AO3 author tags their pairing by name (`Katniss Everdeen/Peeta Mellark`),
never as "Narrator".  The narration itself seldom names its "I", so the
evidence is what the others say and what the knowledge base knows:

* the narrator names themself ("my name is X", or "I'm X" in their own
  line of dialogue);
* a letter signed at the end ("Love, X"): epistolary fic is first person;
* the others address them ("X," in dialogue) while the narration, which says
  "I", names them seldom or never;
* a knowledge-base character of the story's fandom named in dialogue and
  never in narration, while narration names the others freely;
* the canon's own first-person narrator (``narrator = true`` in the fandom
  file), unless the narration speaks of them as a third person.

The rules are tried in that order, the surest first.  A reader-insert
("Y/N" where the reader's name goes) has no canon narrator: its "I" is the
reader, whom the relationships stage tags `Reader`.  A narrator none of
them names stays an unnamed character ("Narrator"), which AO3 has no tag
for.
"""

from __future__ import annotations

import re
from collections import Counter

from . import coref
from .names import HONORIFICS, Cluster, find

_SELF_NAMED = re.compile(r"\b(?:[Mm]y name is|I am|I'm|I’m|call me)\s+$")
# What a family calls its own ("Grandmamma, do sit down"): addressed, never a narrator's name.
_KIN_WORDS = set("grandmamma grandmama granny gran grandpapa mamma mummy mum mom momma daddy dad nurse nanny".split())
_HONORIFICS = set(HONORIFICS)
# A letter's closing line just before the signature ("Love always,", "Yours truly,", "- ").
_CLOSING = re.compile(
    r"(?:\b(?:love|yours|sincerely|regards|cheers|xoxo|always|forever|truly|faithfully|affectionately|best)\b[^\n.!?]{0,20}"
    r",?|[-–—~])\s*$", re.IGNORECASE)
# How far from the end a signature may stand (a "Fin" or an author's note may follow).
_SIGNATURE_TAIL = 40
# "Y/N", "(y/n)", "[Y/N]": where a reader-insert puts the reader's name.
PLACEHOLDER = re.compile(r"(?<![\w/])[Yy]/[Nn](?![\w/])")
PLACEHOLDER_MIN = 2  # one "y/n" may be a yes-or-no
# First-person pronouns in the narration of a paragraph: the quote in it is the narrator's.
_I_SUBJECT = re.compile(r"\bI\b")


class _Counts:
    """Per cluster: name mentions in dialogue and in narration, and how often
    a line of dialogue addresses them."""

    def __init__(self, text, quotes, people, mention_cluster, vocative):
        self.inside: Counter = Counter()
        self.outside: Counter = Counter()
        self.called: Counter = Counter()
        self.by_id: dict[int, Cluster] = {}
        for i, (s, e, _) in enumerate(people):
            c = find(mention_cluster[i])
            self.by_id[id(c)] = c
            (self.inside if s in quotes else self.outside)[id(c)] += 1
            self.called[id(c)] += vocative(text, s, e, quotes)


def identify(kb, text: str, quotes, people, mention_cluster, clusters, active, vocative) -> Cluster | None:
    """The narrator's cluster (an unnamed one when no rule names them), or
    None when the story is not told in the first person.  `vocative` is the
    characters stage's test for a name used to address someone."""
    if not coref.first_person_narrated(text, quotes):
        return None
    if len(PLACEHOLDER.findall(text)) >= PLACEHOLDER_MIN:
        return Cluster()
    for i, (s, e, _) in enumerate(people):
        if s not in quotes and _SELF_NAMED.search(text[max(0, s - 12) : s]):
            return find(mention_cluster[i])
    n = _Counts(text, quotes, people, mention_cluster, vocative)
    return (_signed(text, people, mention_cluster)
            or _introduced(text, quotes, people, mention_cluster)
            or _addressed(n, mention_cluster)
            or _only_in_dialogue(n, active)
            or _canon_narrator(kb, n, clusters, active, text, people, mention_cluster)
            or Cluster())


def _signed(text, people, mention_cluster) -> Cluster | None:
    """A letter's signature: the story's last name mention alone on its line
    near the end, after a closing ("Love," / "Yours always," / "—")."""
    if not people:
        return None
    i = len(people) - 1
    s, e, _ = people[i]
    line_start = text.rfind("\n", 0, s) + 1
    line_end = text.find("\n", e)
    line_end = len(text) if line_end < 0 else line_end
    if len(text.rstrip()) - e > _SIGNATURE_TAIL or text[line_start:s].strip(" -–—~") or text[e:line_end].strip(" .!"):
        return None
    before = text[max(0, line_start - 40) : line_start].rstrip()
    dash = text[line_start:s].strip() != ""
    return find(mention_cluster[i]) if dash or _CLOSING.search(before) else None


def _introduced(text, quotes, people, mention_cluster) -> Cluster | None:
    """"I'm X" in a line of dialogue whose paragraph's narration says "I"
    and names no one else: the narrator introducing themself."""
    for i, (s, e, _) in enumerate(people):
        if s not in quotes or not _SELF_NAMED.search(text[max(0, s - 12) : s]):
            continue
        p0 = text.rfind("\n", 0, s) + 1
        p1 = text.find("\n", e)
        p1 = len(text) if p1 < 0 else p1
        narration = "".join(text[k] if k not in quotes else " " for k in range(p0, p1))
        others = [j for j, (s2, _, _) in enumerate(people) if p0 <= s2 < p1 and j != i and s2 not in quotes]
        if _I_SUBJECT.search(narration) and not others:
            return find(mention_cluster[i])
    return None


def _addressed(n: _Counts, mention_cluster) -> Cluster | None:
    """Others name the narrator when they speak to them ("Katniss," Peeta
    says) while the narration itself says "I"."""
    # The one character named almost only inside dialogue, clearly more than anyone else so.
    voc = sorted(((k, cid) for cid, k in n.inside.items() if k >= 2 and k >= 3 * n.outside[cid]), reverse=True)
    if voc and (len(voc) == 1 or voc[0][0] >= 2 * voc[1][0]):
        return n.by_id[voc[0][1]]
    # Failing that, the one most often *addressed* ("Watson," / ", Jake.")
    # for how rarely the narration names them: a villain much talked about
    # is not spoken to.
    kin = {cid for cid, c in n.by_id.items() if c.forms and all(
        len(f.split()) == 1 and (f.lower() in _HONORIFICS or f.lower() in _KIN_WORDS) for f in c.forms)}
    voc = sorted(((n.called[cid] / (n.outside[cid] + 2), cid) for cid, k in n.inside.items()
                  if n.called[cid] >= 3 and k >= 3 * n.outside[cid] and cid not in kin), reverse=True)
    if voc and (len(voc) == 1 or voc[0][0] >= 1.5 * voc[1][0]):
        return n.by_id[voc[0][1]]
    return None


def _only_in_dialogue(n: _Counts, active) -> Cluster | None:
    """A canon character of the story's fandom whom the dialogue names and
    the narration never does, while it names the others: the one person the
    narration has no need to name is the one saying "I".  Only canon
    characters, because an invented one talked of and never seen ("Have you
    heard from Tom?") is as likely."""
    if not active:
        return None
    told = sum(n.outside.values())
    found = [cid for cid, k in n.inside.items()
             if not n.outside[cid] and n.by_id[cid].kb is not None and n.by_id[cid].kb.fandom in active]
    if len(found) == 1 and told >= 3:
        return n.by_id[found[0]]
    return None


def _canon_narrator(kb, n: _Counts, clusters, active, text, people, mention_cluster) -> Cluster | None:
    """The canon's own first-person narrator, when the story's fandom has
    one and the narration does not speak of them as a third person."""
    if not active:
        return None
    top = max(active, key=active.get)
    for entry in kb.fandoms[top].characters:
        if not entry.narrator:
            continue
        known = [find(c) for c in clusters if find(c).kb is entry]
        c = known[0] if known else Cluster(entry)
        if not known or n.outside[id(c)] <= n.inside[id(c)]:
            return c
    return None
