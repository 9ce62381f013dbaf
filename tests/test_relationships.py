"""Relationships and category from what characters do together (hand-made mentions)."""

from __future__ import annotations

import re

from ficdex.analysis.pipeline import Analysis
from ficdex.analysis.relationships import Relationships
from ficdex.model import RawChapter, Source, build_story

PARAS = [
    "Mara found Theo behind the counter, counting coffee beans.",
    "Theo looked up. Mara leaned across the counter and kissed him, and he kissed her back.",
    "Later Mara told Theo she was in love with him. Theo held her hand all the way home.",
    "Jonah, Theo's brother, rolled his eyes at the two of them.",
    "Jonah and Theo fixed the espresso machine together.",
    "Jonah and Theo argued about the fuse box.",
    "Jonah and Theo drove to the supplier.",
    "Jonah and Theo closed the shop at midnight.",
]
CHARACTERS = [
    {"id": "c0", "name": "Theo Grant", "tag": None, "aliases": {"Theo": 8}, "mentions": 8, "gender": "male"},
    {"id": "c1", "name": "Mara Lind", "tag": None, "aliases": {"Mara": 3}, "mentions": 3, "gender": "female"},
    {"id": "c2", "name": "Jonah Grant", "tag": None, "aliases": {"Jonah": 5}, "mentions": 5, "gender": "male"},
]
IDS = {"Theo": "c0", "Mara": "c1", "Jonah": "c2"}


def _doc(paras, characters=CHARACTERS):
    story = build_story([RawChapter(None, paras)], source=Source("mem", "text"))
    mentions = [
        {"start": m.start(), "end": m.end(), "character": IDS[m.group()], "kind": "name"}
        for m in re.finditer(r"\b(?:Theo|Mara|Jonah)\b", story.text)
    ]
    doc = Analysis(story)
    doc.inferred["characters"] = characters
    doc.scratch["mentions"] = mentions
    return Relationships()(doc)


def test_romantic_and_platonic_pairs_in_ao3_syntax():
    doc = _doc(PARAS)
    rels = doc.inferred["relationships"]
    assert [(r["tag"], r["type"]) for r in rels] == [
        ("Mara Lind/Theo Grant", "romantic"),
        ("Jonah Grant & Theo Grant", "platonic"),
    ]
    romance = rels[0]
    assert all("kiss" in e["why"] or "love" in e["why"] or "hand" in e["why"] for e in romance["evidence"])
    assert [c["tag"] for c in doc.inferred["category"]] == ["F/M"]


def test_no_romance_is_gen():
    doc = _doc(PARAS[3:])
    assert [r["type"] for r in doc.inferred["relationships"]] == ["platonic"]
    assert [c["tag"] for c in doc.inferred["category"]] == ["Gen"]


def test_same_gender_pair_and_unknown_gender():
    chars = [dict(c) for c in CHARACTERS]
    chars[1]["gender"] = "male"
    assert [c["tag"] for c in _doc(PARAS, chars).inferred["category"]] == ["M/M"]
    chars[1]["gender"] = None
    assert [c["tag"] for c in _doc(PARAS, chars).inferred["category"]] == ["Other"]


def test_family_scenes_do_not_make_a_pairing():
    paras = ["Jonah hugged Theo, his little brother, at the station. His brother had grown."] * 3
    doc = _doc(paras)
    assert all(r["type"] != "romantic" for r in doc.inferred["relationships"])
