"""The characters stage on made-up texts (entities given by hand, so what is
tested is the clustering, not the tagger) and on the two seeds."""

from __future__ import annotations

import re

import pytest

from ficdex.analysis.entities import find_entities

from ficdex import knowledge
from ficdex.analysis.characters import CharacterStage
from ficdex.analysis.fandoms import FandomStage
from ficdex.analysis.pipeline import Analysis
from ficdex.ingest import read
from ficdex.model import RawChapter, Source, build_story

EMPTY_KB = knowledge.KnowledgeBase([])


def tagged(text: str, names: dict[str, str]):
    """An Analysis of `text` whose entities are every occurrence of the given
    names (longest first) with the given labels."""
    story = build_story([RawChapter(None, text.split("\n\n"))], source=Source("t.txt", "text"))
    rx = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    doc = Analysis(story)
    doc.inferred["entities"] = [
        {"start": m.start(), "end": m.end(), "label": names[m.group()], "text": m.group()}
        for m in rx.finditer(story.text)
    ]
    return doc


def run(doc, kb=EMPTY_KB):
    return CharacterStage(kb)(doc)


def by_name(doc):
    return {c["name"]: c for c in doc.inferred["characters"]}


def test_short_forms_join_the_full_name():
    doc = run(tagged(
        "Alexander Thorne walked in. Alex smiled at the clerk. Thorne sat down, and Mr. Thorne's coat "
        "dripped. Everyone knew Alex's temper.",
        dict.fromkeys(["Alexander Thorne", "Alex", "Thorne", "Mr. Thorne's", "Alex's"], "PER"),
    ))
    chars = by_name(doc)
    assert list(chars) == ["Alexander Thorne"]
    assert chars["Alexander Thorne"]["aliases"] == {"Alex": 2, "Alexander Thorne": 1, "Thorne": 1, "Mr. Thorne": 1}
    assert chars["Alexander Thorne"]["gender"] == "male"


def test_honorifics_keep_a_family_apart():
    doc = run(tagged(
        "Mr. Bennet read. Mrs. Bennet talked. Jane Bennet and Elizabeth Bennet walked out. Mrs. Bennet sighed. "
        "Lizzy laughed; Mr. Bennet smiled at Jane.",
        dict.fromkeys(["Mr. Bennet", "Mrs. Bennet", "Jane Bennet", "Elizabeth Bennet", "Lizzy", "Jane"], "PER"),
    ))
    chars = by_name(doc)
    assert set(chars) == {"Mr. Bennet", "Mrs. Bennet", "Jane Bennet", "Elizabeth Bennet"}
    assert chars["Mr. Bennet"]["gender"] == "male" and chars["Mrs. Bennet"]["gender"] == "female"
    assert "Lizzy" in chars["Elizabeth Bennet"]["aliases"]
    assert chars["Jane Bennet"]["aliases"]["Jane"] == 1


def test_kb_places_and_companies_are_never_characters():
    text = "Lex Luthor looked over Metropolis from the top of LexCorp. Clark flew in from Smallville. Lex smiled."
    doc = run(tagged(text, dict.fromkeys(["Lex Luthor", "Metropolis", "LexCorp", "Clark", "Smallville", "Lex"], "PER")),
              knowledge.load())
    names = set(by_name(doc))
    assert not names & {"Metropolis", "LexCorp", "Smallville"}
    assert {p["name"] for p in doc.inferred["places"]} >= {"Metropolis", "Smallville"}
    assert [o["name"] for o in doc.inferred["organizations"]] == ["LexCorp"]


def test_place_nickname_counts_only_as_a_vocative():
    text = ('Lex Luthor met Clark Kent at the farm in Smallville. "Hey, Smallville," Lex said. '
            'Clark grinned. He had never left Smallville.')
    doc = run(tagged(text, dict.fromkeys(["Lex Luthor", "Clark Kent", "Smallville", "Lex", "Clark"], "PER")),
              knowledge.load())
    clark = by_name(doc)["Clark Kent"]
    assert clark["aliases"].get("Smallville") == 1
    assert [p["mentions"] for p in doc.inferred["places"] if p["name"] == "Smallville"] == [2]


def test_secret_identity_from_the_kb_and_from_a_text_cue():
    kb_doc = run(tagged("Superman landed. Clark Kent adjusted his glasses. Clark sighed.",
                        dict.fromkeys(["Superman", "Clark Kent", "Clark"], "PER")), knowledge.load())
    assert by_name(kb_doc)["Clark Kent"]["aliases"]["Superman"] == 1
    cue = run(tagged("Nightshade struck again. Everyone whispered that Nightshade really is Anna Vale. "
                     "Anna Vale only laughed.", dict.fromkeys(["Nightshade", "Anna Vale"], "PER")))
    assert len(cue.inferred["characters"]) == 1
    assert cue.inferred["characters"][0]["name"] == "Anna Vale"


def test_pronouns_resolve_by_gender_and_feed_mentions():
    doc = run(tagged("Mary met John at the gate. She smiled at him. He waved back, and she laughed.",
                     dict.fromkeys(["Mary", "John"], "PER")))
    chars = by_name(doc)
    mentions = doc.scratch["mentions"]
    assert [m["kind"] for m in mentions] == ["name", "name", "pronoun", "pronoun", "pronoun", "pronoun"]
    who = {m["start"]: m["character"] for m in mentions}
    text = doc.story.text
    assert who[text.index("She")] == chars["Mary"]["id"]
    assert who[text.index("him")] == chars["John"]["id"]
    assert chars["Mary"]["mentions"] == 3 and chars["Mary"]["name_mentions"] == 1


def test_first_person_narrator_is_a_character():
    text = ("My name is Tom Hale. I woke early. I made my coffee and I read the paper. Then I walked to the "
            "shop where Rosa Diaz worked. She waved at me and I waved back.")
    doc = run(tagged(text, dict.fromkeys(["Tom Hale", "Rosa Diaz"], "PER")))
    chars = by_name(doc)
    assert chars["Tom Hale"]["mentions"] >= 7
    assert chars["Rosa Diaz"]["gender"] == "female"


def test_output_schema_and_order():
    doc = run(tagged("Ann met Bob. Bob, Bob and Bob.", dict.fromkeys(["Ann", "Bob"], "PER")))
    chars = doc.inferred["characters"]
    assert [c["name"] for c in chars] == ["Bob", "Ann"]
    assert [c["id"] for c in chars] == ["c0", "c1"]
    assert set(chars[0]) == {"id", "name", "tag", "aliases", "mentions", "name_mentions", "gender", "first"}
    starts = [m["start"] for m in doc.scratch["mentions"]]
    assert starts == sorted(starts)


# --- the seeds ---------------------------------------------------------------
def analyse_seed(seeds, prefix):
    path = next(seeds.glob(prefix + "*.txt"))
    doc = Analysis(read(path))
    doc.inferred["entities"] = find_entities(doc.story.text)
    return FandomStage()(CharacterStage()(doc))


@pytest.fixture(scope="module")
def seed0(seeds):
    return analyse_seed(seeds, "000_")


@pytest.fixture(scope="module")
def seed4(seeds):
    return analyse_seed(seeds, "004_")


def test_seed_000_characters(seed0):
    chars = by_name(seed0)
    for who in ("Lex Luthor", "Clark Kent", "Bruce Wayne", "Chloe Sullivan", "Mercy Graves", "Lois Lane",
                "Dick Grayson", "Alfred Pennyworth"):
        assert who in chars, who
    assert "Superman" in chars["Clark Kent"]["aliases"]
    assert not set(chars) & {"Metropolis", "Gotham", "Smallville", "Wayne Tech", "Cadmus Labs", "Superman"}
    top = [c["name"] for c in seed0.inferred["characters"][:3]]
    assert set(top) == {"Lex Luthor", "Clark Kent", "Bruce Wayne"}


def test_seed_000_fandoms(seed0):
    tags = [f["tag"] for f in seed0.inferred["fandoms"]]
    assert {"Smallville", "Batman - All Media Types"} <= set(tags)


def test_seed_004(seed4):
    chars = by_name(seed4)
    assert {"Lex Luthor", "Clark Kent", "Lois Lane", "Lana Lang"} <= set(chars)
    assert "Superman" in chars["Clark Kent"]["aliases"]
    assert [f["tag"] for f in seed4.inferred["fandoms"]][:1] == ["Smallville"]


def test_titled_name_is_not_a_nickname_and_titles_disambiguate():
    doc = run(tagged(
        "Kitty coughed. Lady Catherine frowned at Kitty. Sir William Lucas bowed; William Collins bowed lower. "
        "Sir William smiled.",
        dict.fromkeys(["Kitty", "Lady Catherine", "Sir William Lucas", "William Collins", "Sir William"], "PER"),
    ))
    chars = by_name(doc)
    assert "Lady Catherine" in chars and "Kitty" in chars
    assert chars["Sir William Lucas"]["aliases"].get("Sir William") == 1


def test_unnamed_narrator_of_a_known_fandom_is_its_canon_narrator():
    text = ('I hear Peeta Mellark in the kitchen before I see him. I pull on my boots. "Katniss," Peeta calls, '
            '"breakfast." I go down. Peeta smiles at me and I smile back. Haymitch is asleep on the couch again.')
    doc = run(tagged(text, dict.fromkeys(["Peeta Mellark", "Peeta", "Katniss", "Haymitch"], "PER")), knowledge.load())
    katniss = by_name(doc)["Katniss Everdeen"]
    assert katniss["aliases"]["I"] >= 5 and katniss["aliases"]["Katniss"] == 1


def test_words_the_tagger_calls_people_are_dropped():
    text = ("Anna Vale came home late. Tonight had been long, and tonight she wanted sleep. Muscles aching, "
            "Anna sat down. She hummed something by Mozart. Mr. Nice Guy was gone; she was not nice and no guy "
            "would say so. Inevitably Anna smiled.")
    doc = run(tagged(text, dict.fromkeys(["Anna Vale", "Tonight", "Muscles", "Anna", "Mozart", "Mr. Nice Guy",
                                          "Inevitably Anna"], "PER")))
    assert list(by_name(doc)) == ["Anna Vale"]
    assert by_name(doc)["Anna Vale"]["aliases"]["Anna"] == 2


def test_titled_and_bare_surname_are_one_person():
    doc = run(tagged(
        "Sikes growled. Mr. Sikes took his hat. Monsieur Poirot bowed; Mr. Poirot smiled. Sikes left.",
        dict.fromkeys(["Sikes", "Mr. Sikes", "Monsieur Poirot", "Mr. Poirot"], "PER"),
    ))
    chars = by_name(doc)
    assert len(chars) == 2
    sikes = next(c for c in chars.values() if "Sikes" in c["aliases"])
    assert sikes["aliases"] == {"Sikes": 2, "Mr. Sikes": 1}
    poirot = next(c for c in chars.values() if "Mr. Poirot" in c["aliases"])
    assert set(poirot["aliases"]) == {"Monsieur Poirot", "Mr. Poirot"}


def test_bare_surname_of_a_family_goes_to_the_man_unless_a_pronoun_says_otherwise():
    doc = run(tagged(
        "Mr. Bingley came. Miss Bingley sneered. Mr. Bingley laughed. Miss Bingley left. "
        "Bingley smiled at everyone. Later Bingley said she was tired.",
        dict.fromkeys(["Mr. Bingley", "Miss Bingley", "Bingley"], "PER"),
    ))
    chars = {c["id"]: c for c in doc.inferred["characters"]}
    mr = next(c for c in chars.values() if "Mr. Bingley" in c["aliases"])
    miss = next(c for c in chars.values() if "Miss Bingley" in c["aliases"])
    assert mr["aliases"].get("Bingley") == 1 and miss["aliases"].get("Bingley") == 1


def test_epithets_and_surnames_tagged_as_places_do_not_split_a_man():
    # "old Wickham" must not stand beside George Wickham as a second
    # candidate for "Mr. Wickham"; bare "Wickham" tagged as a place is the man
    # (his surname after "Mr."), and goes to him rather than to Mrs. Wickham.
    text = ("George Wickham arrived. Mr. Wickham bowed to everyone. Poor Wickham! Then old Wickham laughed. "
            "Mrs. Wickham smiled at her sister. Wickham sat down and he smiled. Mr. Wickham left. Wickham was gone.")
    doc = tagged(text, {"George Wickham": "PER", "Mr. Wickham": "PER", "Poor Wickham": "PER",
                        "old Wickham": "PER", "Mrs. Wickham": "PER", "Wickham": "GPE"})
    chars = by_name(run(doc))
    george = chars["George Wickham"]
    assert george["aliases"]["Mr. Wickham"] == 2 and george["aliases"]["Wickham"] >= 2
    assert chars["Mrs. Wickham"]["aliases"] == {"Mrs. Wickham": 1}
    assert not doc.inferred["places"]


def test_miss_surname_joins_the_one_woman_of_that_surname():
    # Captain and General Tilney could be Henry or Eleanor, so they stand
    # apart; "Miss Tilney" is no captain or general, so she is Eleanor.
    text = ("Eleanor Tilney walked in with Henry Tilney. Captain Tilney and General Tilney followed. Miss Tilney "
            "sat down; Captain Tilney stood. Miss Tilney smiled at Eleanor.")
    doc = run(tagged(text, dict.fromkeys(["Eleanor Tilney", "Henry Tilney", "Captain Tilney", "General Tilney",
                                          "Miss Tilney", "Eleanor"], "PER")))
    chars = by_name(doc)
    assert chars["Eleanor Tilney"]["aliases"]["Miss Tilney"] == 2
    assert "Miss Tilney" not in chars["Captain Tilney"]["aliases"]


def test_mrs_beside_several_daughters_is_their_mother():
    text = ("Jane Bennet and Elizabeth Bennet came in. Miss Elizabeth Bennet sat. Lydia Bennet laughed. "
            "Miss Lydia Bennet ran. Mrs. Bennet talked. Mrs. Bennet sighed.")
    doc = run(tagged(text, dict.fromkeys(["Jane Bennet", "Elizabeth Bennet", "Miss Elizabeth Bennet", "Lydia Bennet",
                                          "Miss Lydia Bennet", "Mrs. Bennet"], "PER")))
    chars = by_name(doc)
    assert chars["Mrs. Bennet"]["aliases"] == {"Mrs. Bennet": 2}
    assert chars["Jane Bennet"]["aliases"] == {"Jane Bennet": 1}


def test_overlong_tagger_spans_are_cut_to_the_name():
    from ficdex.analysis.people import tidy

    text = 'Mrs. Bennet;--she left. Miss Quested have a drink, have two drinks." They knew the Collector.'
    s = text.index("Miss")
    assert text[slice(*tidy(text, 0, 17))] == "Mrs. Bennet"
    assert text[slice(*tidy(text, s, len(text) - 1))] == "Miss Quested"
    assert tidy(text, 0, 11) == (0, 11)
    assert tidy(text, text.index("have a"), len(text) - 1) is None


def test_a_name_heard_speaking_is_a_person_though_tagged_a_place():
    # The tagger calls "Eeyore" a place and misses "Catherine" altogether;
    # "said Eeyore" three times says otherwise.
    text = ('"Good morning," said Eeyore. "Is it?" asked Catherine. "Yes," said Eeyore. "No," Catherine said. '
            '"Well," said Eeyore gloomily. Eeyore walked away from Catherine. "Bye," replied Catherine.')
    doc = tagged(text, {"Eeyore": "GPE"})
    chars = by_name(run(doc))
    assert chars["Eeyore"]["aliases"]["Eeyore"] == 4 and chars["Catherine"]["aliases"]["Catherine"] == 4
    assert not doc.inferred["places"]


def test_a_title_alone_is_its_one_holder():
    text = ("Colonel Brandon arrived with Mr. Palmer. The Colonel bowed. \"Good day,\" said the colonel. "
            "Colonel was tired. Mrs. Jennings laughed at the Colonel Brandon story.")
    doc = run(tagged(text, dict.fromkeys(["Colonel Brandon", "Mr. Palmer", "Colonel", "Mrs. Jennings"], "PER")))
    chars = by_name(doc)
    # (the helper tags "Colonel" in "The Colonel" too)
    assert chars["Colonel Brandon"]["aliases"] == {"Colonel Brandon": 2, "Colonel": 2, "the colonel": 1}
    nominal = [m for m in doc.scratch["mentions"] if m["kind"] == "nominal"]
    assert [text[m["start"]:m["end"]] for m in nominal] == ["the colonel"]


def test_a_title_two_people_hold_names_nobody():
    text = "Colonel Forster and Colonel Fitzwilliam met. The Colonel bowed."
    doc = run(tagged(text, dict.fromkeys(["Colonel Forster", "Colonel Fitzwilliam"], "PER")))
    assert not [m for m in doc.scratch["mentions"] if m["kind"] == "nominal"]


def test_names_only_sworn_by_are_no_characters():
    text = '"By God, no!" cried Tom Hardy. "Good God," said Lucy Grey. Tom Hardy swore to God and Heaven.'
    doc = run(tagged(text, dict.fromkeys(["God", "Tom Hardy", "Lucy Grey", "Heaven"], "PER")))
    assert set(by_name(doc)) == {"Tom Hardy", "Lucy Grey"}


def test_mr_surname_named_beside_the_sons_first_name_is_another_man():
    # Narration that says "Mr. Emerson" and "George" in one breath, again
    # and again, is about two men: George Emerson and his father.
    text = ("George Emerson came in. Mr. Emerson looked at George. George smiled at Mr. Emerson. "
            "Mr. Emerson laughed, and George sat down. Later Mr. Emerson slept.")
    doc = run(tagged(text, dict.fromkeys(["George Emerson", "Mr. Emerson", "George"], "PER")))
    chars = by_name(doc)
    assert chars["George Emerson"]["aliases"] == {"George": 3, "George Emerson": 1}
    assert chars["Mr. Emerson"]["aliases"] == {"Mr. Emerson": 4}


def test_miss_surname_beside_her_first_name_stays_her():
    text = "Katharine Hilbery came in. Miss Hilbery smiled; Katharine sat. Katharine and Miss Hilbery were one."
    doc = run(tagged(text, dict.fromkeys(["Katharine Hilbery", "Miss Hilbery", "Katharine"], "PER")))
    assert by_name(doc)["Katharine Hilbery"]["aliases"]["Miss Hilbery"] == 2
