"""The fandoms stage on made-up texts: disclaimers, crossovers, and no
guessing from common first names."""

from __future__ import annotations

import re

from ficdex.analysis.characters import CharacterStage
from ficdex.analysis.fandoms import FandomStage
from ficdex.analysis.pipeline import Analysis
from ficdex.model import Matter, RawChapter, Source, build_story


def analyse(text: str, names: list[str], front: list[Matter] | None = None):
    story = build_story([RawChapter(None, [text])], source=Source("t.txt", "text"), front_matter=front)
    rx = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) or "(?!)")
    doc = Analysis(story)
    doc.inferred["entities"] = [
        {"start": m.start(), "end": m.end(), "label": "PER", "text": m.group()} for m in rx.finditer(story.text)
    ]
    return FandomStage()(CharacterStage()(doc))


def tags(doc):
    return [f["tag"] for f in doc.inferred["fandoms"]]


def test_common_first_names_are_no_evidence():
    doc = analyse("John met Mary in London. John smiled. Mary laughed. John and Mary went home.", ["John", "Mary"])
    assert tags(doc) == []


def test_distinctive_names_give_the_fandom_with_evidence():
    text = "Katniss drew her bow. Peeta watched her from the bakery door. Haymitch drank. Katniss sighed."
    doc = analyse(text, ["Katniss", "Peeta", "Haymitch"])
    assert tags(doc) == ["Hunger Games Trilogy - Suzanne Collins"]
    ev = doc.inferred["fandoms"][0]["evidence"]
    assert ev and all(doc.story.text[e["start"] : e["end"]] in text for e in ev)


def test_disclaimer_names_the_fandoms():
    front = [Matter("disclaimer", "Disclaimer: Sherlock and Supernatural belong to the BBC and the CW, not me.")]
    doc = analyse("The rain fell all night.", [], front)
    assert set(tags(doc)) == {"Sherlock (TV)", "Supernatural"}
    assert all(f["evidence"][0]["where"] == "front_matter" for f in doc.inferred["fandoms"])


def test_shared_cast_is_one_fandom_and_a_crossover_is_two():
    one = analyse("Clark Kent flew over Smallville. Lex Luthor watched from the Luthor mansion. Chloe Sullivan typed.",
                  ["Clark Kent", "Smallville", "Lex Luthor", "Chloe Sullivan"])
    assert tags(one) == ["Smallville"]
    two = analyse("Clark Kent flew over Smallville. Chloe Sullivan typed. Lex Luthor called Bruce Wayne in Gotham; "
                  "Alfred Pennyworth answered from Wayne Manor.",
                  ["Clark Kent", "Smallville", "Lex Luthor", "Chloe Sullivan", "Bruce Wayne", "Gotham",
                   "Alfred Pennyworth"])
    assert set(tags(two)) == {"Smallville", "Batman - All Media Types"}


def test_names_the_tagger_missed_still_count():
    doc = analyse("Katniss drew her bow while Peeta watched.", [])
    assert tags(doc) == ["Hunger Games Trilogy - Suzanne Collins"]


def test_a_story_written_in_lower_case_still_names_its_fandom():
    text = ("katniss drew her bow. peeta watched her from the bakery door. haymitch drank again. "
            "katniss sighed. peeta laughed at her. haymitch said nothing at all.")
    assert tags(analyse(text, [])) == ["Hunger Games Trilogy - Suzanne Collins"]
    # lower case common first names are still no evidence
    assert tags(analyse("john met mary in london. john smiled. mary laughed. john and mary went home. "
                        "they ate. they slept.", [])) == []
