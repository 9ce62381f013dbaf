"""Places the tagger took for people (`ficdex/analysis/nonpeople.py`) are
places, not characters.  Made-up text with made-up names, tagged by hand:
what is tested is the rule, not the tagger."""

from __future__ import annotations

from tests.test_characters import by_name, run, tagged

# "Quarrowby" is tagged a person at every mention, as the tagger does with
# a town a novel names a hundred times; the story only ever goes there.
STORY = "\n\n".join([
    "Ilsa Varn had lived in Quarrowby all her life. \"The trains are late again,\" said Ilsa.",
    "Dorran Pike came to Quarrowby in the spring. \"Late as always,\" Dorran answered.",
    "They walked through Quarrowby at dusk, and Ilsa pointed at the mill.",
    "Letters from Quarrowby reached the coast slowly. Ilsa wrote one every week.",
    "\"Stay,\" Dorran said. Ilsa smiled and went back to Quarrowby alone.",
])
NAMES = dict.fromkeys(["Ilsa Varn", "Ilsa", "Dorran Pike", "Dorran", "Quarrowby"], "PER")


def test_a_name_only_ever_gone_to_is_a_place():
    doc = run(tagged(STORY, NAMES))
    chars = by_name(doc)
    assert "Quarrowby" not in chars
    assert {"Ilsa Varn", "Dorran Pike"} <= set(chars)
    assert "Quarrowby" in {p["name"] for p in doc.inferred["places"]}
    # no pronoun or mention of the story is left pointing at the place
    ids = {c["id"] for c in doc.inferred["characters"]}
    assert all(m["character"] in ids for m in doc.scratch["mentions"])


def test_a_person_who_speaks_stays_a_person_wherever_she_is_found():
    # the same uses of the name, and once the subject of a speech verb
    story = STORY + "\n\n\"I am tired of trains,\" said Quarrowby."
    assert "Quarrowby" in by_name(run(tagged(story, NAMES)))


def test_a_titled_name_stays_a_person():
    story = STORY + "\n\nThey did not see Mr. Quarrowby."
    names = NAMES | {"Mr. Quarrowby": "PER"}
    chars = by_name(run(tagged(story, names)))
    assert any("Quarrowby" in c["aliases"] or c["name"].endswith("Quarrowby") for c in chars.values())


def test_people_one_goes_to_or_hears_from_are_no_places():
    # "to Ilsa", "from Ilsa", "at Ilsa": people are gone to and looked at,
    # but rarely "in" or "through"
    story = "\n\n".join([
        "Dorran Pike wrote to Ilsa Varn. A letter from Ilsa came back.",
        "Dorran looked at Ilsa and gave the basket to Ilsa.",
        "He turned to Ilsa; a word from Ilsa would do.",
    ])
    assert "Ilsa Varn" in by_name(run(tagged(story, NAMES)))


def test_chapter_headings_contractions_and_peoples_are_no_characters():
    story = "\n\n".join(
        f"CHAPTER {n}\n\nIlsa Varn met Dorran Pike on Sunday. \"Don't go,\" said Ilsa. "
        f"The Brellish talk of Brellish things, and the Brellish never stop. \"'Tis late,\" Dorran said."
        for n in ("I", "II", "III", "IV")
    ).replace("Brellish", "English")
    names = NAMES | dict.fromkeys(["CHAPTER", "Sunday", "Don", "English", "Tis"], "PER")
    chars = by_name(run(tagged(story, names)))
    assert set(chars) == {"Ilsa Varn", "Dorran Pike"}


def test_a_nationality_with_the_article_may_be_a_character():
    # "the American" is someone; "American" in "American tobacco" is not
    story = "\n\n".join(["\"Two tickets,\" said the American. Ilsa Varn sold him two.",
                         "The American paid, and Ilsa smiled at the American.",
                         "\"Thank you,\" said Ilsa."])
    chars = by_name(run(tagged(story, NAMES | {"American": "PER"})))
    assert "American" in chars
    adjective = "\n\n".join(["Ilsa Varn sold American tobacco. \"Two tins,\" said Ilsa.",
                             "American tobacco was dear, and American papers said so.",
                             "\"Thank you,\" said Ilsa."])
    chars = by_name(run(tagged(adjective, NAMES | {"American": "PER"})))
    assert "American" not in chars


def test_a_day_is_a_day_only_when_the_text_says_when():
    story = ("On Wednesday Ilsa Varn baked. \"Bread again,\" said Ilsa. Wednesday morning came; "
             "by Wednesday the loaves were gone.")
    assert "Wednesday" not in by_name(run(tagged(story, NAMES | {"Wednesday": "PER"})))
    # a girl called Wednesday is no day
    story = "Wednesday frowned. \"Bread again,\" said Wednesday. Ilsa Varn laughed at Wednesday."
    assert "Wednesday" in by_name(run(tagged(story, NAMES | {"Wednesday": "PER"})))


def test_a_nationality_that_speaks_is_a_nickname():
    # the cowhand everyone calls "Irish"
    story = "\"Rain tonight,\" Irish murmured. Ilsa Varn shrugged. Irish rode on; Irish was right."
    assert "Irish" in by_name(run(tagged(story, NAMES | {"Irish": "PER"})))
