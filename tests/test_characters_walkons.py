"""Walk-on speakers: descriptions that speak ("said the ferryman") become
characters of their own (`ficdex/analysis/nominals.py`).  Made-up text; the
names are tagged by hand, so what is tested is the rule, not the tagger."""

from __future__ import annotations

from ficdex.analysis.dialogue import attribute
from ficdex.analysis.quotes import detect_quotes
from ficdex.analysis.nominals import nominal_speakers

from tests.test_characters import by_name, run, tagged

NAMES = dict.fromkeys(["Orla", "Tobin Quist", "Tobin"], "PER")
# Enough of the story elsewhere that one scene is a small part of it.
FILLER = "\n\n".join(
    f"Orla walked along the cliff on day {k}, and Tobin counted the gulls. They talked of nets and weather."
    for k in range(40)
)
SCENE = (
    '"Two to cross," said Orla.\n\n'
    '"Two pennies each," said the ferryman.\n\n'
    '"That is robbery," Tobin said.\n\n'
    '"Then swim," the ferryman answered, and the ferryman spat into the river.'
)


def test_a_description_that_speaks_in_one_scene_is_a_character():
    doc = run(tagged(FILLER + "\n\n" + SCENE + "\n\n" + FILLER, NAMES))
    chars = by_name(doc)
    assert "the ferryman" in chars
    walk_on = chars["the ferryman"]
    assert walk_on["aliases"] == {"the ferryman": 3}
    assert walk_on["gender"] == "male"  # the role word says so
    mentions = [m for m in doc.scratch["mentions"] if m["character"] == walk_on["id"]]
    assert [doc.story.text[m["start"]:m["end"]] for m in mentions] == ["the ferryman"] * 3


def test_the_walk_on_is_the_explicit_speaker_of_its_lines():
    doc = run(tagged(FILLER + "\n\n" + SCENE, NAMES))
    text = doc.story.text
    paras = [(p.start, p.end) for p in doc.story.paragraphs()]
    quotes = detect_quotes(text, paras)
    recs = attribute(text, paras, quotes, doc.scratch["mentions"], doc.inferred["characters"], model=False)
    names = {c["id"]: c["name"] for c in doc.inferred["characters"]}
    got = [(text[q.start:q.end], names.get(r["speaker"]), r["rule"]) for q, r in zip(quotes, recs)]
    assert ("Two pennies each,", "the ferryman", "explicit") in got
    assert ("Then swim,", "the ferryman", "explicit") in got
    assert ("That is robbery,", "Tobin", "explicit") in got


def test_a_role_through_the_whole_story_is_no_walk_on():
    # "the ferryman" speaks at the start and at the end: what the narration
    # calls someone throughout, not a walk-on of one scene
    doc = run(tagged(SCENE + "\n\n" + FILLER + "\n\n" + FILLER + "\n\n" + SCENE, NAMES))
    assert "the ferryman" not in by_name(doc)


def test_descriptions_anyone_may_be_called_are_no_walk_ons():
    scene = SCENE.replace("the ferryman", "the girl").replace("The ferryman", "The girl")
    doc = run(tagged(FILLER + "\n\n" + scene + "\n\n" + FILLER, NAMES))
    assert "the girl" not in by_name(doc)
    scene = SCENE.replace("the ferryman", "her mother")
    assert not any(c["name"].startswith(("her", "the")) for c in run(tagged(FILLER + "\n\n" + scene, NAMES)).inferred["characters"])


def test_a_role_set_beside_a_name_is_that_named_one():
    intro = "Tobin Quist, the ferryman, waited by the boat."
    doc = run(tagged(FILLER + "\n\n" + intro + "\n\n" + SCENE + "\n\n" + FILLER, NAMES))
    assert "the ferryman" not in by_name(doc)


def test_a_description_with_what_sets_it_apart():
    text = FILLER + "\n\n" + (
        '"Tickets," said the man in the grey coat.\n\n'
        '"Here," said Orla.\n\n'
        '"Thank you," said the man in the grey coat with a smile.'
    ) + "\n\n" + FILLER
    spans = [(s - 1, e + 1) for s, e in ((q.start, q.end) for q in detect_quotes(text))]
    got = {phrase: len(where) for phrase, _, where in nominal_speakers(text, spans, [])}
    assert got == {"the man in the grey coat": 2}
    # "said the man with a smile" twice is how he said it, not who he is
    text = FILLER + "\n\n" + '"Yes," said the man with a smile.\n\n"No," said the man with a smile.' + "\n\n" + FILLER
    spans = [(q.start - 1, q.end + 1) for q in detect_quotes(text)]
    assert nominal_speakers(text, spans, []) == []


def test_a_name_written_after_the_article_keeps_it():
    # "the Tinker" is what the story calls him, always with the article
    text = FILLER + "\n\n" + (
        'The Tinker mended the pot. Orla paid the Tinker twice, and the Tinker thanked her.\n\n'
        'Tobin watched the Tinker go.'
    )
    doc = run(tagged(text, {**NAMES, "Tinker": "PER"}))
    tinker = next(c for c in doc.inferred["characters"] if "Tinker" in c["name"])
    assert tinker["aliases"] == {"the Tinker": 3, "The Tinker": 1}
    spans = [doc.story.text[m["start"]:m["end"]] for m in doc.scratch["mentions"] if m["character"] == tinker["id"]
             and m["kind"] == "name"]
    assert spans == ["The Tinker", "the Tinker", "the Tinker", "the Tinker"]
    # a name the article only sometimes precedes stays as it is
    text = FILLER + "\n\n" + "Orla met Tinker. The Tinker smiled. Tinker left, and Tobin followed Tinker."
    doc = run(tagged(text, {**NAMES, "Tinker": "PER"}))
    tinker = next(c for c in doc.inferred["characters"] if "Tinker" in c["name"])
    assert tinker["aliases"] == {"Tinker": 4}


def test_a_role_the_family_uses_as_a_name_is_a_character():
    # "said nanny" with no article or possessive: the household's name for her
    story = FILLER + "\n\n" + "\n\n".join([
        '"Bath time," said nanny.',
        '"Not yet," Orla said.',
        '"Now," nanny said firmly, and Orla went up with nanny.',
        '"Her nanny was kind," said Tobin.',
    ])
    chars = by_name(run(tagged(story, NAMES)))
    assert "Nanny" in chars
    assert chars["Nanny"]["gender"] == "female"
    assert chars["Nanny"]["aliases"] == {"nanny": 3}  # not "Her nanny"


def test_a_role_with_a_possessive_is_no_name():
    story = FILLER + "\n\n" + '"Bath time," said his nanny.\n\n"Now," her nanny said.'
    assert "Nanny" not in by_name(run(tagged(story, NAMES)))
