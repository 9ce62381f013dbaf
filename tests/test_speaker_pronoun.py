"""The "he said" evidence: a possessive speech-verb subject ("said her
mother") and the role and salience cues of `speaker_pronoun.py`, on
made-up text with mention lists built here."""

from __future__ import annotations

import re

from ficdex.analysis.dialogue import attribute, run_quotes
from ficdex.analysis.quotes import detect_quotes
from ficdex.analysis.speaker_pronoun import add_pronoun_features, possessed, role, same_gender_ranks
from ficdex.analysis.speakers import _Sieve

CHARS = [
    {"id": "c0", "name": "Mira Talvek", "gender": "female"},
    {"id": "c1", "name": "Mrs. Talvek", "gender": "female"},
    {"id": "c2", "name": "Oren Vasque", "gender": "male"},
    {"id": "c3", "name": "Tobin Reede", "gender": "male"},
]
NAMES = {"Mira": "c0", "Mrs. Talvek": "c1", "Oren": "c2", "Tobin": "c3"}


def mentions(text, pronouns=()):
    """Names by table; `pronouns`: (occurrence text, character) for pronoun mentions."""
    rx = re.compile("|".join(map(re.escape, sorted(NAMES, key=len, reverse=True))))
    out = [{"start": m.start(), "end": m.end(), "character": NAMES[m.group()], "kind": "name"} for m in rx.finditer(text)]
    for phrase, c in pronouns:
        at = text.index(phrase)
        word = phrase.split()[-1] if phrase.split()[-1] in ("he", "she", "him", "her", "his") else phrase.split()[0]
        s = at + phrase.index(word)
        out.append({"start": s, "end": s + len(word), "character": c, "kind": "pronoun"})
    return sorted(out, key=lambda m: m["start"])


def paras(text):
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]


def test_possessed_noun_after_a_possessive_subject():
    assert possessed("pronoun", "her", " mother, smiling.") == "mother"
    assert possessed("pronoun", "his", " old father.") == "father"
    assert possessed("name", None, "'s aunt, coldly.") == "aunt"
    # the subject itself speaks
    assert possessed("pronoun", "he", " quietly.") is None
    assert possessed("name", None, ", turning away.") is None
    assert possessed("pronoun", "her", " softly.") is None
    assert possessed("pronoun", "her", " and left.") is None


def test_said_her_mother_is_not_she():
    text = 'Mira sat by the fire. Mrs. Talvek came in.\n"You are tired," said her mother.\n"A little," Mira said.'
    got, _ = run_quotes(text, paras(text), mentions(text, [("her mother", "c0")]), CHARS, model=False)
    assert [q["speaker_name"] for q in got] == ["Mrs. Talvek", "Mira Talvek"]


def test_said_her_father_takes_the_kin_words_gender():
    text = 'Oren and Mira walked home.\n"It is late," said her father.'
    got, _ = run_quotes(text, paras(text), mentions(text, [("her father", "c0")]), CHARS, model=False)
    assert got[0]["speaker_name"] == "Oren Vasque"


def test_role_of_a_mention():
    text = "Oren handed Tobin his coat. Then Mira's dog barked at him."
    ps = paras(text)
    ms = mentions(text, [("his coat", "c2"), ("at him", "c3")])
    sv = _Sieve(text, ps, [], ms, CHARS)
    got = {text[m["start"] : m["end"]] + str(m["start"]): role(sv, m, 0) for m in sv.narr}
    assert got == {"Oren0": "subj", "Tobin12": "obj", "his18": "poss", "Mira33": "poss", "him54": "obj"}


def test_pronoun_cues_for_candidates_of_the_pronouns_gender():
    text = ('Oren came in. Mira smiled at Tobin and took his hand.\n'
            '"Sit down," he said.')
    ps = paras(text)
    ms = mentions(text, [("his hand", "c3")])
    qs = detect_quotes(text, ps)
    sv = _Sieve(text, ps, qs, ms, CHARS)
    ranks = same_gender_ranks(sv, 0, qs[0].start, "male", ps[1][0], ps[0][0])
    # latest man first; each one's latest mention and its role
    assert ranks.recent == ["c3", "c2"]
    assert ranks.role == {"c3": ("poss", "prev"), "c2": ("subj", "prev")}
    assert ranks.count == {"c3": 2, "c2": 1}
    rows = [{}, {}, {}]
    add_pronoun_features(rows, ["c2", "c3", "c0"], "male", sv, ranks, None, set())
    assert rows[0]["pg_last_subj_prev"] == 1.0 and rows[0]["pg_salient1"] == 1.0
    assert rows[1]["pg_last_poss"] == 1.0 and rows[1]["pg_salient0"] == 1.0 and rows[1]["pg_recent0"] == 1.0
    assert rows[2] == {}  # a woman gets no "he said" cue


def test_ranker_features_mark_the_possessor_and_the_family():
    text = 'Mira sat by the fire. Mrs. Talvek came in. Oren waved.\n"You are tired," said her mother.'
    ps = paras(text)
    qs = detect_quotes(text, ps)
    feats: list = []
    attribute(text, ps, qs, mentions(text, [("her mother", "c0")]), CHARS, model=False, collect=feats)
    (_, cands, rows), = feats
    f = dict(zip(cands, rows))
    assert f["c0"].get("kin_possessor") == 1.0
    assert f["c1"].get("kin_family") == 1.0 and f["c1"].get("pron_match") == 1.0
    assert f["c2"].get("pron_mismatch") == 1.0


def test_second_pass_keeps_he_said_when_the_first_pass_changed_the_answer():
    text = 'Oren came in. Mira smiled at him.\n"Sit down," he said.'
    ps = paras(text)
    qs = detect_quotes(text, ps)
    # first-pass weights that overturn "he said" (the sieve's Oren) for the woman
    model = {"weights": {"vocab": ["pron_mismatch"], "w": [10.0]}, "protect": []}
    feats: list = []
    attribute(text, ps, qs, mentions(text), CHARS, model=model, collect=feats)
    (_, cands, rows), = feats
    f = dict(zip(cands, rows))
    assert f["c0"].get("sieve_ranked") == 1.0  # the first pass changed it
    assert f["c0"].get("pron_mismatch") == 1.0 and f["c2"].get("pron_match") == 1.0
