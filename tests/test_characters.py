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
        "Mr. Pellowe read. Mrs. Pellowe talked. Clara Pellowe and Sophia Pellowe walked out. Mrs. Pellowe sighed. "
        "Sophie laughed; Mr. Pellowe smiled at Clara.",
        dict.fromkeys(["Mr. Pellowe", "Mrs. Pellowe", "Clara Pellowe", "Sophia Pellowe", "Sophie", "Clara"], "PER"),
    ))
    chars = by_name(doc)
    assert set(chars) == {"Mr. Pellowe", "Mrs. Pellowe", "Clara Pellowe", "Sophia Pellowe"}
    assert chars["Mr. Pellowe"]["gender"] == "male" and chars["Mrs. Pellowe"]["gender"] == "female"
    assert "Sophie" in chars["Sophia Pellowe"]["aliases"]
    assert chars["Clara Pellowe"]["aliases"]["Clara"] == 1


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
        "Peggy coughed. Lady Margaret frowned at Peggy. Sir William Ambrey bowed; William Dorvell bowed lower. "
        "Sir William smiled.",
        dict.fromkeys(["Peggy", "Lady Margaret", "Sir William Ambrey", "William Dorvell", "Sir William"], "PER"),
    ))
    chars = by_name(doc)
    assert "Lady Margaret" in chars and "Peggy" in chars
    assert chars["Sir William Ambrey"]["aliases"].get("Sir William") == 1


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
        "Varnock growled. Mr. Varnock took his hat. Monsieur Quillet bowed; Mr. Quillet smiled. Varnock left.",
        dict.fromkeys(["Varnock", "Mr. Varnock", "Monsieur Quillet", "Mr. Quillet"], "PER"),
    ))
    chars = by_name(doc)
    assert len(chars) == 2
    sikes = next(c for c in chars.values() if "Varnock" in c["aliases"])
    assert sikes["aliases"] == {"Varnock": 2, "Mr. Varnock": 1}
    poirot = next(c for c in chars.values() if "Mr. Quillet" in c["aliases"])
    assert set(poirot["aliases"]) == {"Monsieur Quillet", "Mr. Quillet"}


def test_bare_surname_of_a_family_goes_to_the_man_unless_a_pronoun_says_otherwise():
    doc = run(tagged(
        "Mr. Hasklow came. Miss Hasklow sneered. Mr. Hasklow laughed. Miss Hasklow left. "
        "Hasklow smiled at everyone. Later Hasklow said she was tired.",
        dict.fromkeys(["Mr. Hasklow", "Miss Hasklow", "Hasklow"], "PER"),
    ))
    chars = {c["id"]: c for c in doc.inferred["characters"]}
    mr = next(c for c in chars.values() if "Mr. Hasklow" in c["aliases"])
    miss = next(c for c in chars.values() if "Miss Hasklow" in c["aliases"])
    assert mr["aliases"].get("Hasklow") == 1 and miss["aliases"].get("Hasklow") == 1


def test_epithets_and_surnames_tagged_as_places_do_not_split_a_man():
    # "old Fenmore" must not stand beside George Fenmore as a second
    # candidate for "Mr. Fenmore"; bare "Fenmore" tagged as a place is the man
    # (his surname after "Mr."), and goes to him rather than to Mrs. Fenmore.
    text = ("George Fenmore arrived. Mr. Fenmore bowed to everyone. Poor Fenmore! Then old Fenmore laughed. "
            "Mrs. Fenmore smiled at her sister. Fenmore sat down and he smiled. Mr. Fenmore left. Fenmore was gone.")
    doc = tagged(text, {"George Fenmore": "PER", "Mr. Fenmore": "PER", "Poor Fenmore": "PER",
                        "old Fenmore": "PER", "Mrs. Fenmore": "PER", "Fenmore": "GPE"})
    chars = by_name(run(doc))
    george = chars["George Fenmore"]
    assert george["aliases"]["Mr. Fenmore"] == 2 and george["aliases"]["Fenmore"] >= 2
    assert chars["Mrs. Fenmore"]["aliases"] == {"Mrs. Fenmore": 1}
    assert not doc.inferred["places"]


def test_miss_surname_joins_the_one_woman_of_that_surname():
    # Captain and General Tavering could be Henry or Eleanor, so they stand
    # apart; "Miss Tavering" is no captain or general, so she is Eleanor.
    text = ("Eleanor Tavering walked in with Henry Tavering. Captain Tavering and General Tavering followed. Miss Tavering "
            "sat down; Captain Tavering stood. Miss Tavering smiled at Eleanor.")
    doc = run(tagged(text, dict.fromkeys(["Eleanor Tavering", "Henry Tavering", "Captain Tavering", "General Tavering",
                                          "Miss Tavering", "Eleanor"], "PER")))
    chars = by_name(doc)
    assert chars["Eleanor Tavering"]["aliases"]["Miss Tavering"] == 2
    assert "Miss Tavering" not in chars["Captain Tavering"]["aliases"]


def test_mrs_beside_several_daughters_is_their_mother():
    text = ("Clara Pellowe and Sophia Pellowe came in. Miss Sophia Pellowe sat. Harriet Pellowe laughed. "
            "Miss Harriet Pellowe ran. Mrs. Pellowe talked. Mrs. Pellowe sighed.")
    doc = run(tagged(text, dict.fromkeys(["Clara Pellowe", "Sophia Pellowe", "Miss Sophia Pellowe", "Harriet Pellowe",
                                          "Miss Harriet Pellowe", "Mrs. Pellowe"], "PER")))
    chars = by_name(doc)
    assert chars["Mrs. Pellowe"]["aliases"] == {"Mrs. Pellowe": 2}
    assert chars["Clara Pellowe"]["aliases"] == {"Clara Pellowe": 1}


def test_overlong_tagger_spans_are_cut_to_the_name():
    from ficdex.analysis.people import tidy

    text = 'Mrs. Pellowe;--she left. Miss Orrin have a drink, have two drinks." They knew the Collector.'
    s = text.index("Miss")
    assert text[slice(*tidy(text, 0, 17))] == "Mrs. Pellowe"
    assert text[slice(*tidy(text, s, len(text) - 1))] == "Miss Orrin"
    assert tidy(text, 0, 11) == (0, 11)
    assert tidy(text, text.index("have a"), len(text) - 1) is None


def test_a_name_heard_speaking_is_a_person_though_tagged_a_place():
    # The tagger calls "Grumbold" a place and misses "Catherine" altogether;
    # "said Grumbold" three times says otherwise.
    text = ('"Good morning," said Grumbold. "Is it?" asked Catherine. "Yes," said Grumbold. "No," Catherine said. '
            '"Well," said Grumbold gloomily. Grumbold walked away from Catherine. "Bye," replied Catherine.')
    doc = tagged(text, {"Grumbold": "GPE"})
    chars = by_name(run(doc))
    assert chars["Grumbold"]["aliases"]["Grumbold"] == 4 and chars["Catherine"]["aliases"]["Catherine"] == 4
    assert not doc.inferred["places"]


def test_a_title_alone_is_its_one_holder():
    text = ("Colonel Ravel arrived with Mr. Stroud. The Colonel bowed. \"Good day,\" said the colonel. "
            "Colonel was tired. Mrs. Pimm laughed at the Colonel Ravel story.")
    doc = run(tagged(text, dict.fromkeys(["Colonel Ravel", "Mr. Stroud", "Colonel", "Mrs. Pimm"], "PER")))
    chars = by_name(doc)
    # (the helper tags "Colonel" in "The Colonel" too)
    assert chars["Colonel Ravel"]["aliases"] == {"Colonel Ravel": 2, "Colonel": 2, "the colonel": 1}
    nominal = [m for m in doc.scratch["mentions"] if m["kind"] == "nominal"]
    assert [text[m["start"]:m["end"]] for m in nominal] == ["the colonel"]


def test_a_title_two_people_hold_names_nobody():
    text = "Colonel Ashby and Colonel Dunmere met. The Colonel bowed."
    doc = run(tagged(text, dict.fromkeys(["Colonel Ashby", "Colonel Dunmere"], "PER")))
    assert not [m for m in doc.scratch["mentions"] if m["kind"] == "nominal"]


def test_names_only_sworn_by_are_no_characters():
    text = '"By God, no!" cried Tom Hardy. "Good God," said Lucy Grey. Tom Hardy swore to God and Heaven.'
    doc = run(tagged(text, dict.fromkeys(["God", "Tom Hardy", "Lucy Grey", "Heaven"], "PER")))
    assert set(by_name(doc)) == {"Tom Hardy", "Lucy Grey"}


def test_mr_surname_named_beside_the_sons_first_name_is_another_man():
    # Narration that says "Mr. Hallam" and "George" in one breath, again
    # and again, is about two men: George Hallam and his father.
    text = ("George Hallam came in. Mr. Hallam looked at George. George smiled at Mr. Hallam. "
            "Mr. Hallam laughed, and George sat down. Later Mr. Hallam slept.")
    doc = run(tagged(text, dict.fromkeys(["George Hallam", "Mr. Hallam", "George"], "PER")))
    chars = by_name(doc)
    assert chars["George Hallam"]["aliases"] == {"George": 3, "George Hallam": 1}
    assert chars["Mr. Hallam"]["aliases"] == {"Mr. Hallam": 4}


def test_miss_surname_beside_her_first_name_stays_her():
    text = "Katharine Wexley came in. Miss Wexley smiled; Katharine sat. Katharine and Miss Wexley were one."
    doc = run(tagged(text, dict.fromkeys(["Katharine Wexley", "Miss Wexley", "Katharine"], "PER")))
    assert by_name(doc)["Katharine Wexley"]["aliases"]["Miss Wexley"] == 2


def test_titled_surname_goes_to_the_one_of_its_sex_in_the_family():
    # "Quill Dorrow" could be anyone; Henry is the one Dorrow known to be a man.
    text = "Henry Dorrow met Quill Dorrow and Mary Dorrow. Mr. Dorrow bowed. Mary laughed. Mr. Dorrow left."
    doc = run(tagged(text, dict.fromkeys(["Henry Dorrow", "Quill Dorrow", "Mary Dorrow", "Mr. Dorrow", "Mary"], "PER")))
    chars = by_name(doc)
    assert chars["Henry Dorrow"]["aliases"] == {"Mr. Dorrow": 2, "Henry Dorrow": 1}
    assert "Mr. Dorrow" not in chars


def test_a_first_name_used_only_as_a_surname_is_one_man():
    text = "Colonel Dean came in. Dean sat down. Colonel Dean smiled, and Dean laughed."
    doc = run(tagged(text, dict.fromkeys(["Colonel Dean", "Dean"], "PER")))
    assert [c["aliases"] for c in doc.inferred["characters"]] == [{"Colonel Dean": 2, "Dean": 2}]


def test_a_first_name_cut_from_its_surname_takes_it_back():
    # The tagger kept "Tom" alone; "Mr Wick" says "Wick" is a surname here.
    text = "Everyone knew Tom Wick. Mr Wick was late. Tom Wick's dog barked. Tom smiled at the wick of the lamp."
    doc = run(tagged(text, {"Tom": "PER", "Mr Wick": "PER"}))
    chars = by_name(doc)
    assert list(chars) == ["Tom Wick"]
    assert chars["Tom Wick"]["aliases"] == {"Tom Wick": 2, "Mr Wick": 1, "Tom": 1}


def test_a_name_seen_acting_or_addressed_is_a_person_though_tagged_a_place():
    text = ('"Come inside, Quorvik," said Anna Vale. Quorvik nodded and came in. "Here, Quorvik!" Anna called. '
            'They had lived in Dunmere for years; Dunmere was cold, and Quorvik hated it.')
    doc = run(tagged(text, {"Quorvik": "GPE", "Anna Vale": "PER", "Dunmere": "GPE"}))
    chars = by_name(doc)
    assert chars["Quorvik"]["aliases"] == {"Quorvik": 4}
    assert "Dunmere" not in chars and [p["name"] for p in doc.inferred["places"]] == ["Dunmere"]


def test_run_on_names_and_places_are_taken_apart():
    text = ("Mr. Orley Miss Tamsin came to tea. Miss Tamsin sat. They went home to Hurst Park; "
            "Mr. Orley laughed and Jenny Park smiled.")
    doc = run(tagged(text, dict.fromkeys(["Mr. Orley Miss Tamsin", "Miss Tamsin", "Hurst Park", "Mr. Orley",
                                          "Jenny Park"], "PER")))
    chars = by_name(doc)
    assert set(chars) == {"Mr. Orley", "Miss Tamsin", "Jenny Park"}
    assert chars["Mr. Orley"]["aliases"] == {"Mr. Orley": 2} and chars["Miss Tamsin"]["aliases"] == {"Miss Tamsin": 2}
    assert [p["name"] for p in doc.inferred["places"]] == ["Hurst Park"]


def test_mrs_with_a_mans_full_name_is_his_wife():
    text = ("Rowan Thistle came home. Rowan Thistle hung up his coat. Later Rowan Thistle said he was tired. "
            "Mrs. Rowan Thistle poured the tea; she smiled.")
    doc = run(tagged(text, dict.fromkeys(["Rowan Thistle", "Mrs. Rowan Thistle"], "PER")))
    chars = by_name(doc)
    assert chars["Rowan Thistle"]["aliases"] == {"Rowan Thistle": 3} and chars["Rowan Thistle"]["gender"] == "male"
    assert chars["Mrs. Rowan Thistle"]["aliases"] == {"Mrs. Rowan Thistle": 1}


def test_pdnc_rule_counts_no_pseudo_speaker_and_finds_a_joined_character():
    from collections import Counter

    from ficdex.eval.characters import score_characters

    doc = run(tagged("Anna Vale came in. Anna sat. Anna Vale laughed. Anna left.", dict.fromkeys(["Anna Vale", "Anna"], "PER")))
    chars = {"Anna Vale": {"Anna Vale", "Anna"}, "Unknowable": {"Unknowable", "Unknown"}, "_group": {"_group"}}
    got = score_characters(doc, chars, Counter({"Anna Vale": 5, "Unknowable": 9, "_group": 7}))
    assert (got["characters"], got["found"], got["missed"]) == (1, 1, [])


def _made_up_fandom():
    from ficdex.knowledge import Character, Fandom

    cast = [Character("lanternfall", "Orrin Vask", "Orrin Vask", "male", ["Orrin", "Vask"]),
            Character("lanternfall", "Teodora Quill", "Teodora Quill", "female", ["Teodora", "Teo"]),
            Character("lanternfall", "Number Nine", "Number Nine", "male", ["Nine"], words=["Nine"])]
    return knowledge.KnowledgeBase([Fandom("lanternfall", "Lanternfall (TV)", [], [], ["Lanternfall"], cast, [], [])])


def test_a_story_written_in_lower_case_finds_its_fandoms_characters():
    kb = _made_up_fandom()
    text = ("orrin woke before the bells. teodora was already at the window. \"you're late,\" teo said. "
            "orrin shrugged and poured the tea. vask, she thought, was always late. they walked to the river. "
            "teodora laughed at him. the boats were out.")
    doc = Analysis(build_story([RawChapter(None, [text])], source=Source("t.txt", "text")))
    doc.inferred["entities"] = []  # the tagger reads capitals: nothing here
    chars = by_name(run(doc, kb))
    assert set(chars) == {"Orrin Vask", "Teodora Quill"}
    assert chars["Orrin Vask"]["aliases"] == {"orrin": 2, "vask": 1} and chars["Orrin Vask"]["tag"] == "Orrin Vask"
    assert chars["Teodora Quill"]["aliases"] == {"teodora": 2, "teo": 1}
    # One name once is no evidence of the fandom: the word stays a word.
    once = Analysis(build_story([RawChapter(None, [text.replace("teodora", "she").replace("teo", "she")
                                                   .replace("vask", "he").replace("orrin shrugged", "he shrugged")])],
                                source=Source("t.txt", "text")))
    once.inferred["entities"] = []
    assert run(once, kb).inferred["characters"] == []
    # An alias that is a word counts where it is used as a name, twice or more.
    nine = Analysis(build_story([RawChapter(None, [text + " nine frowned at them. nine minutes later nine was gone."])],
                                source=Source("t.txt", "text")))
    nine.inferred["entities"] = []
    assert by_name(run(nine, kb))["Number Nine"]["aliases"] == {"nine": 2}


def test_the_one_who_answers_to_a_name_in_dialogue_is_that_name():
    talk = ('"Edmund, you are late," said Ruth Amsel.\n\n"I know," said Mr. Quarle.\n\n'
            '"Then sit down, Edmund."\n\n"Thank you," said Mr. Quarle.\n\n"Edmund, the tea is cold."\n\n'
            'Ruth Amsel poured it anyway.')
    names = dict.fromkeys(["Edmund", "Ruth Amsel", "Mr. Quarle"], "PER")
    chars = by_name(run(tagged(talk, names)))
    assert set(chars) == {"Ruth Amsel", "Edmund"}
    assert chars["Edmund"]["aliases"] == {"Edmund": 3, "Mr. Quarle": 2}
    # Named in one sentence of the narration, they are two people.
    apart = by_name(run(tagged(talk + " Mr. Quarle watched Edmund drink.", names)))
    assert {"Edmund", "Mr. Quarle"} <= set(apart)


def test_lady_before_a_surname_is_the_mother_not_the_miss():
    doc = run(tagged(
        "Miss Clara Hesketh read. Miss Hesketh smiled at Lady Hesketh. Lady Hesketh sighed, and Clara laughed. "
        "Lady Hesketh slept. Lady Agnes came in.",
        dict.fromkeys(["Miss Clara Hesketh", "Miss Hesketh", "Lady Hesketh", "Clara", "Lady Agnes"], "PER"),
    ))
    chars = by_name(doc)
    assert chars["Lady Hesketh"]["aliases"] == {"Lady Hesketh": 3}
    assert chars["Clara"]["aliases"] == {"Miss Clara Hesketh": 1, "Miss Hesketh": 1, "Clara": 1}
    assert "Lady Agnes" in chars


def test_a_name_after_a_title_or_of_two_words_is_a_person_though_tagged_a_place():
    text = ("Mlle. Ottaline laughed. Later Mlle. Ottaline left for Dunmere. \"Petrus Vanovitch, sit,\" said Anna Vale. "
            "Petrus Vanovitch nodded. They drove to Dunmere.")
    doc = run(tagged(text, {"Ottaline": "GPE", "Petrus Vanovitch": "FAC", "Anna Vale": "PER", "Dunmere": "GPE"}))
    chars = by_name(doc)
    assert chars["Ottaline"]["aliases"] == {"Ottaline": 2}
    assert chars["Petrus Vanovitch"]["aliases"] == {"Petrus Vanovitch": 2}
    assert [p["name"] for p in doc.inferred["places"]] == ["Dunmere"]


def test_a_captain_followed_by_he_is_not_the_woman_of_his_surname():
    doc = run(tagged(
        "Mary Aldane opened the letter. Captain Aldane had written it; he was far away. Captain Aldane, he wrote, "
        "was well. Mary smiled.",
        dict.fromkeys(["Mary Aldane", "Captain Aldane", "Mary"], "PER"),
    ))
    chars = by_name(doc)
    assert chars["Captain Aldane"]["aliases"] == {"Captain Aldane": 2}
    assert chars["Mary Aldane"]["aliases"] == {"Mary Aldane": 1, "Mary": 1}


def test_lower_case_words_after_a_name_are_cut_from_the_span():
    from ficdex.analysis.people import tidy

    text = "She liked Miss Quell s manner. Lincoln s Inn Fields was busy."
    s = text.index("Miss")
    assert text[slice(*tidy(text, s, text.index(" manner") + 7))] == "Miss Quell"
    s = text.index("Lincoln")
    assert tidy(text, s, text.index(" was")) == (s, text.index(" was"))  # a capitalised word follows: one name


def test_mr_surname_twice_beside_the_sons_first_name_is_another_man_however_often_named():
    quiet = " The garden was long and quiet, and the bees were busy in it the whole afternoon."
    text = ("Jasper Pell came home. Mr. Pell looked up at Jasper from his chair." + quiet
            + "Later Mr. Pell spoke to Jasper again." + quiet
            + "".join(" Mr. Pell read the paper." + quiet for _ in range(50)) + " Jasper slept.")
    doc = run(tagged(text, dict.fromkeys(["Jasper Pell", "Mr. Pell", "Jasper"], "PER")))
    chars = by_name(doc)
    assert chars["Mr. Pell"]["aliases"] == {"Mr. Pell": 52}
    assert chars["Jasper Pell"]["aliases"] == {"Jasper Pell": 1, "Jasper": 3}


def test_master_is_the_boy_himself_and_dickensian_nicknames_join():
    text = ("Charles Wren came in. Charley sat down next to Master Wren. Master Wren grinned at Charley. "
            "Loo watched them; Louisa Wren always did.")
    doc = run(tagged(text, dict.fromkeys(["Charles Wren", "Charley", "Master Wren", "Loo", "Louisa Wren"], "PER")))
    chars = {frozenset(c["aliases"]): c for c in doc.inferred["characters"]}
    assert set(chars) == {frozenset({"Charles Wren", "Charley", "Master Wren"}), frozenset({"Loo", "Louisa Wren"})}


def test_master_with_the_formal_first_name_is_the_boy_of_the_nickname():
    doc = run(tagged("Charley Wren ran. Master Charles Wren, the letter said. Charley laughed.",
                     dict.fromkeys(["Charley Wren", "Master Charles Wren", "Charley"], "PER")))
    assert [c["aliases"] for c in doc.inferred["characters"]] == [
        {"Charley": 1, "Charley Wren": 1, "Master Charles Wren": 1}]


def test_two_names_joined_by_and_in_one_span_are_two_people():
    text = "Wenna Corlett and Tamsin Corlett came in. Wenna sat; Tamsin laughed. Later Wenna and Tamsin walked out."
    doc = run(tagged(text, dict.fromkeys(["Wenna Corlett and Tamsin Corlett", "Wenna and Tamsin", "Wenna", "Tamsin"],
                                         "PER")))
    chars = by_name(doc)
    assert chars["Wenna Corlett"]["aliases"] == {"Wenna": 2, "Wenna Corlett": 1}
    assert chars["Tamsin Corlett"]["aliases"] == {"Tamsin": 2, "Tamsin Corlett": 1}


SISTERS = ("Judith Trevail and Rose Trevail and Nessa Trevail came in. Judith sat; Rose laughed and Nessa ran. "
           "{rose} smiled. {nessa} danced. Miss Trevail poured the tea. Judith smiled. Miss Trevail sighed. "
           "Rose and Nessa went out.")
SISTER_NAMES = ["Judith Trevail", "Rose Trevail", "Nessa Trevail", "Judith", "Rose", "Nessa", "Miss Trevail",
                "Miss Rose", "Miss Nessa Trevail", "Miss Judith"]


def test_miss_surname_among_sisters_is_the_one_never_miss_firstname():
    # "Miss Rose", "Miss Nessa Trevail" are the younger ones: Miss Trevail is Judith.
    doc = run(tagged(SISTERS.format(rose="Miss Rose", nessa="Miss Nessa Trevail"), dict.fromkeys(SISTER_NAMES, "PER")))
    chars = by_name(doc)
    assert chars["Judith Trevail"]["aliases"]["Miss Trevail"] == 2
    assert "Miss Trevail" not in chars["Rose Trevail"]["aliases"]


def test_miss_surname_among_sisters_all_called_miss_firstname_is_nobody_s():
    doc = run(tagged(SISTERS.format(rose="Miss Rose", nessa="Miss Judith") + " Miss Nessa Trevail ran.",
                     dict.fromkeys(SISTER_NAMES, "PER")))
    chars = by_name(doc)
    assert chars["Miss Trevail"]["aliases"] == {"Miss Trevail": 2}


def test_mr_surname_beside_brothers_is_the_one_named_far_most():
    many = " ".join(["Edmund Corlett smiled. Edmund sat."] * 4)
    # (far from either first name: a "Mr." beside a son's first name is the father)
    filler = " The rain went on over the moor and the wind came in from the grey sea all night." * 2
    text = (f"Edmund Corlett and Walter Corlett came in. {many}{filler} Mr. Corlett laughed.{filler} Walter ran.{filler} "
            "Mr. Corlett sighed.")
    doc = run(tagged(text, dict.fromkeys(["Edmund Corlett", "Walter Corlett", "Edmund", "Walter", "Mr. Corlett"], "PER")))
    chars = by_name(doc)
    assert chars["Edmund Corlett"]["aliases"]["Mr. Corlett"] == 2
    even = text.replace("Walter ran.", "Walter ran. " + " ".join(["Walter Corlett ran. Walter sat."] * 4))
    chars = by_name(run(tagged(even, dict.fromkeys(["Edmund Corlett", "Walter Corlett", "Edmund", "Walter", "Mr. Corlett"],
                                                   "PER"))))
    assert "Mr. Corlett" not in chars["Edmund Corlett"]["aliases"] and "Mr. Corlett" not in chars["Walter Corlett"]["aliases"]


def test_a_bare_first_name_goes_to_its_own_bearer_before_a_nickname_of_it():
    text = ("Henry Tremayne came in with Harry Polglase and Henry Pascoe. Polglase sat; Polglase laughed. "
            "Henry smiled. Henry sighed.")
    doc = run(tagged(text, dict.fromkeys(["Henry Tremayne", "Harry Polglase", "Henry Pascoe", "Polglase", "Henry"],
                                         "PER")))
    chars = by_name(doc)
    assert "Henry" not in chars["Harry Polglase"]["aliases"]
    assert sum(chars[n]["aliases"].get("Henry", 0) for n in ("Henry Tremayne", "Henry Pascoe")) == 2


def test_kin_in_apposition_joins_a_married_title_and_a_first_name():
    text = ("Aunt Wenna, Mrs. Polglase, who had come to tea, sat down. Wenna talked. Later Mrs. Polglase, her aunt "
            "Wenna, a tall woman, left. Aunt Loveday, Mrs. Tremayne, Mrs. Pascoe and Morwenna stayed.")
    doc = run(tagged(text, dict.fromkeys(["Aunt Wenna", "Mrs. Polglase", "Wenna", "Aunt Loveday", "Mrs. Tremayne",
                                          "Mrs. Pascoe", "Morwenna"], "PER")))
    chars = by_name(doc)
    assert chars["Wenna"]["aliases"] == {"Mrs. Polglase": 2, "Aunt Wenna": 1, "Wenna": 2}
    assert chars["Mrs. Tremayne"]["aliases"] == {"Mrs. Tremayne": 1}  # a list, not an apposition


def test_otherwise_joins_two_names_and_mr_with_his_full_name_beside_his_first_name_is_himself():
    text = ("Jory Pascoe ran in. Mr. Jory Pascoe sat. Mr. Pascoe looked at Jory's hat. Jory smiled as Mr. Pascoe "
            "laughed. \"Who's there?\" asked Mr. Pascoe, otherwise Trelawny, when Jory left.")
    doc = run(tagged(text, dict.fromkeys(["Jory Pascoe", "Mr. Jory Pascoe", "Mr. Pascoe", "Jory's", "Jory",
                                          "Trelawny"], "PER")))
    chars = by_name(doc)
    assert chars["Jory Pascoe"]["aliases"] == {"Jory": 3, "Mr. Pascoe": 3, "Jory Pascoe": 1, "Mr. Jory Pascoe": 1,
                                               "Trelawny": 1}


def test_mr_surname_who_calls_the_son_by_his_first_name_is_the_father_however_the_son_is_titled():
    text = ("George Hallam came in. Mr. George Hallam sat. Mr. Hallam looked at George. George smiled at Mr. Hallam. "
            "\"George!\" cried Mr. Hallam. Later Mr. Hallam slept.")
    doc = run(tagged(text, dict.fromkeys(["George Hallam", "Mr. George Hallam", "Mr. Hallam", "George"], "PER")))
    chars = by_name(doc)
    assert chars["Mr. Hallam"]["aliases"] == {"Mr. Hallam": 4}


def test_a_pet_form_of_a_titled_surname_is_that_man():
    text = "Mr. Trewin came in. \"Trewinsy, sit down,\" said Jory. Trewinsy sat. Mr. Trewin smiled at Jory."
    doc = run(tagged(text, dict.fromkeys(["Mr. Trewin", "Trewinsy", "Jory"], "PER")))
    aliases = [c["aliases"] for c in doc.inferred["characters"]]
    assert {"Mr. Trewin": 2, "Trewinsy": 2} in aliases and {"Jory": 2} in aliases


def test_miss_and_the_formal_first_name_is_the_married_woman_known_by_its_nickname():
    filler = " The rain went on over the moor and the wind came in from the grey sea all night." * 2
    many = " ".join([f"Loo smiled.{filler} Mrs. Tregear sat.{filler}"] * 3)
    text = f"Loo Tregear came in. {many} Loo Pascoe, they had called her once. \"Miss Louisa!\" cried the maid."
    doc = run(tagged(text, dict.fromkeys(["Loo Tregear", "Loo", "Mrs. Tregear", "Loo Pascoe", "Miss Louisa"], "PER")))
    chars = by_name(doc)
    assert chars["Loo Tregear"]["aliases"] == {"Loo": 3, "Mrs. Tregear": 3, "Loo Tregear": 1, "Miss Louisa": 1}
