"""Relationships and category: the stage on hand-made mentions, the pair
features, the seeds, and the trained model against AO3 authors' tags."""

from __future__ import annotations

import re

import pytest

from ficdex.analysis import pairs as P
from ficdex.analysis.pipeline import Analysis
from ficdex.analysis.relationships import MAX_PAIRS, Relationships, pair_category
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


def _doc(paras, characters=CHARACTERS, stage=None):
    story = build_story([RawChapter(None, paras)], source=Source("mem", "text"))
    mentions = [
        {"start": m.start(), "end": m.end(), "character": IDS[m.group()], "kind": "name"}
        for m in re.finditer(r"\b(?:Theo|Mara|Jonah)\b", story.text)
    ]
    doc = Analysis(story)
    doc.inferred["characters"] = characters
    doc.scratch["mentions"] = mentions
    return (stage or Relationships())(doc)


def test_the_kissing_pair_ranks_first_with_its_passages():
    doc = _doc(PARAS)
    rels = doc.inferred["relationships"]
    assert rels[0]["tag"] == "Mara Lind/Theo Grant" and rels[0]["type"] == "romantic"
    assert rels[0]["evidence"] and all(re.search(r"kiss|love|hand", e["why"]) for e in rels[0]["evidence"])
    assert all(doc.story.text[e["start"]:e["end"]].startswith(e["excerpt"][:20]) for e in rels[0]["evidence"])
    assert 1 <= len(rels) <= MAX_PAIRS
    # AO3 syntax: names in alphabetical order, "/" romantic, " & " platonic
    for r in rels:
        sep = "/" if r["type"] == "romantic" else " & "
        assert r["tag"] == sep.join(sorted(r["characters"], key=str.casefold))
    assert [r["score"] for r in rels] == sorted((r["score"] for r in rels), reverse=True)
    assert [c["tag"] for c in doc.inferred["category"]] == ["F/M"]


def test_no_romance_is_gen():
    doc = _doc(PARAS[3:])
    assert [c["tag"] for c in doc.inferred["category"]] == ["Gen"]
    # nothing romantic is shown: the passage they share, said to be no more
    for r in doc.inferred["relationships"]:
        assert r["evidence"] and all("no romantic passage" in e["why"] for e in r["evidence"])


def test_category_follows_the_genders():
    chars = [dict(c) for c in CHARACTERS]
    chars[1]["gender"] = "male"
    assert [c["tag"] for c in _doc(PARAS, chars).inferred["category"]] == ["M/M"]
    assert pair_category({"gender": "nonbinary"}, {"gender": "male"}) == "Other"
    assert pair_category({"gender": "female"}, {"gender": "female"}) == "F/F"
    # a gender the text never gave is read as AO3's most common pairing
    assert pair_category({"gender": "female"}, {"gender": None}) == "F/M"
    assert pair_category({"gender": "female"}, {"id": P.READER}) == "F/F"
    assert pair_category({"gender": "male"}, {"id": P.READER}) == "F/M"


def test_second_person_story_pairs_with_the_reader():
    paras = [
        "You wait for Theo by the river. You have waited all week.",
        "Theo arrives late. You kiss him before he can apologise, and he kisses you back.",
        "You tell Theo you love him. Your heart is pounding. You have never said it before.",
        "Theo takes your hand. You walk home together and you do not let go.",
    ]
    doc = _doc(paras, CHARACTERS[:1])
    assert P.second_person(doc.story.text)
    rels = doc.inferred["relationships"]
    assert rels and rels[0]["tag"] == "Reader/Theo Grant"
    assert [c["tag"] for c in doc.inferred["category"]] == ["F/M"]
    third = "Theo waited by the river. He kissed Mara. She told him she loved him and you could see it."
    assert not P.second_person(third * 4)


def test_a_known_triad_is_one_pairing_filed_as_multi(tmp_path, monkeypatch):
    """Three who pair off with each other, and whom the knowledge base knows
    as a three-person pairing, are tagged "A/B/C" and the story Multi; the
    same story without the entry lists pairs."""
    from ficdex import knowledge

    (tmp_path / "made_up.toml").write_text(
        'fandom = "Made Up"\ncharacters = [{name = "Theo Grant"}, {name = "Mara Lind"}, {name = "Jonah Grant"}]\n'
        'triads = [["Theo Grant", "Mara Lind", "Jonah Grant"]]\n', encoding="utf-8")
    kb = knowledge.load(str(tmp_path))
    paras = ["Mara kissed Theo and Jonah in turn, and Theo kissed Jonah.",
             "Later Mara, Theo and Jonah lay in bed together, naked, and Jonah told Mara and Theo he loved them.",
             "Theo kissed Mara. Jonah kissed Theo. Mara held Jonah's hand; they were in love, all three."] * 3
    chars = [dict(c, tag=c["name"], gender=g) for c, g in zip(CHARACTERS, ("male", "female", "male"))]
    chars[2]["name"] = chars[2]["tag"] = "Jonah Grant"
    plain = _doc(paras, chars).inferred
    assert all(r["tag"].count("/") <= 1 for r in plain["relationships"])
    monkeypatch.setattr(knowledge, "load", lambda directory=None: kb)
    inf = _doc(paras, chars).inferred
    top = inf["relationships"][0]
    assert top["tag"] == "Jonah Grant/Mara Lind/Theo Grant" and top["type"] == "romantic"
    assert top["evidence"] and len(inf["relationships"]) <= MAX_PAIRS
    assert [c["tag"] for c in inf["category"]] == ["Multi"]


def test_a_partner_never_named_is_guessed_and_said_to_be_a_guess():
    """A leading canon character whose partner the story only calls "she":
    the partner authors give them is listed after the text's pairings, with
    a reason and no passage; a story that names the partner gets no guess."""
    from ficdex.analysis.relationships import RelationshipModel

    model = RelationshipModel.load()
    model.partners = {"Theo Grant": ["Ivy Sol", 6, 9]}
    stage = Relationships(model)
    paras = ["Theo waited by the river. She came late, as she always did.",
             "She kissed him before he could say a word, and Theo laughed."]
    theo = [dict(CHARACTERS[0], tag="Theo Grant")]
    inf = _doc(paras, theo, stage).inferred
    guess = inf["relationships"][-1]
    assert guess["tag"] == "Ivy Sol/Theo Grant" and guess["type"] == "romantic"
    assert guess["evidence"] and all("start" not in e and "never named" in e["why"] for e in guess["evidence"])
    assert "guessed" not in guess and guess["score"] == round(6 / 9, 3)
    # a story that names anyone called Ivy has no unnamed partner to guess
    named = [dict(CHARACTERS[0], tag="Theo Grant"), dict(CHARACTERS[1], name="Ivy Marsh")]
    inf = _doc(PARAS[:3], named, stage).inferred
    assert all("Ivy Sol" not in r["tag"] for r in inf["relationships"])
    # a story that reads as Gen gets no romantic pairing on the fandom's word alone
    gen = ["Theo waited by the river and counted the boats.", "He walked home along the towpath, tired."]
    inf = _doc(gen, theo, stage).inferred
    assert [c["tag"] for c in inf["category"]] == ["Gen"]
    assert all("Ivy Sol" not in r["tag"] for r in inf["relationships"])
    # the shipped model guesses nothing for a character it has no record of
    assert all("never named" not in e["why"] for r in _doc(paras, CHARACTERS[:1]).inferred["relationships"]
               for e in r["evidence"])


def _seed(seeds, prefix):
    from ficdex.api import analyze_path

    path = next(seeds.glob(f"{prefix}_*.txt"))
    return analyze_path(path).inferred


def test_seeds(seeds):
    inf = _seed(seeds, "000")
    tags = [r["tag"] for r in inf["relationships"][:3]]
    assert {"Bruce Wayne/Lex Luthor", "Clark Kent/Lex Luthor"} <= set(tags)
    assert [c["tag"] for c in inf["category"]] == ["M/M"]
    inf = _seed(seeds, "004")
    assert inf["relationships"][0]["tag"] == "Clark Kent/Lex Luthor"
    assert [c["tag"] for c in inf["category"]] == ["M/M"]


@pytest.mark.slow
def test_cross_validated_model_beats_the_majority_on_ao3_dev(shared_data):
    """Train and score out of fold on 200 AO3 works: the author's first
    pairing among the top three, and the category, well above always
    answering the most common ones."""
    from ficdex.eval.ao3 import baselines, load_gold
    from ficdex.train import relationships as T

    works = load_gold(shared_data / "ao3-dev" / "gold.jsonl", 200)
    data = T.build(works, T.analyse(works, "gold.jsonl"))
    cv = T.cross_validate(data)
    base = baselines(works)
    assert cv["relationship_top3_recall"] >= base["relationship_top3_recall"] + 0.2
    assert cv["category_primary_accuracy"] >= base["category_primary_accuracy"] + 0.2
    assert 1.0 <= cv["pairings_per_work"] <= 3.0


def test_a_quoted_nickname_in_a_tag_is_a_name_of_its_own():
    """AO3 writes `Ada "Addie" Vell`; a story says "Addie" or "Ada Vell"."""
    from ficdex.eval import names

    assert names.pairings_match('Ada "Addie" Vell/Bo Rint', "Addie/Bo Rint")
    assert names.pairings_match("Ada 'Addie' Vell & Bo Rint", "Ada Vell & Bo")
    assert not names.pairings_match('Ada "Addie" Vell/Bo Rint', "Ada Rint/Bo Rint")
    assert names.name_forms("Meg Murry | Meg O'Keefe") == {"meg murry", "meg okeefe"}


def test_a_ship_written_with_x_is_a_romantic_pairing():
    """Authors' own tags write "Ada x Reader" for AO3's "Ada/Reader"."""
    from ficdex.eval import names

    assert names.pairings_match("Ada Vell x reader", "Ada Vell/Reader")
    assert names.pairings_match("bo X ada", "Ada Vell/Bo Rint")
    assert not names.pairings_match("Ada Vell x Bo Rint", "Ada Vell & Bo Rint")
    # a name ending in a capital X stays one name, and splits once from its partner
    assert names.split_pairing("Malcolm X")[0] == ""
    assert names.split_pairing("Professor X x Reader")[1][1] == {"reader", "you"}


# --- who "I" is, and the reader of a reader-insert ------------------------------
def _characters(text, names, kb=None):
    """The characters stage on `text`, whose entities are every occurrence of `names`."""
    from ficdex import knowledge
    from ficdex.analysis.characters import CharacterStage

    story = build_story([RawChapter(None, text.split("\n\n"))], source=Source("t.txt", "text"))
    rx = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    doc = Analysis(story)
    doc.inferred["entities"] = [{"start": m.start(), "end": m.end(), "label": "PER", "text": m.group()}
                                for m in rx.finditer(story.text)]
    return CharacterStage(kb or knowledge.KnowledgeBase([]))(doc)


def _narrator(doc):
    return [c["name"] for c in doc.inferred["characters"] if "I" in c["aliases"]]


def test_a_signed_letter_names_its_narrator():
    body = ("Dear Oskar,\n\nI went to the lake again today. I sat where we used to sit and I thought about the "
            "summer. Oskar, I miss you. I know I said I would not write, but I am writing anyway.\n\n")
    doc = _characters(body + "Love always,\n\nWren", ["Oskar", "Wren"])
    assert _narrator(doc) == ["Wren"]
    assert _narrator(_characters(body + "I will write again soon.", ["Oskar"])) == ["Narrator"]


def test_a_canon_character_named_only_in_dialogue_is_the_narrator(tmp_path):
    """The narration names everyone but the one saying "I"; the knowledge
    base says that one is a character of the story's fandom."""
    from ficdex import knowledge

    (tmp_path / "made_up.toml").write_text(
        'fandom = "Made Up"\ncharacters = [{name = "Ilse Varga", gender = "female", aliases = ["Ilse"]}, '
        '{name = "Bram Holt", gender = "male", aliases = ["Bram"]}, {name = "Cato Renn", aliases = ["Cato"]}]\n',
        encoding="utf-8")
    text = ("Bram Holt was waiting at the gate when I got there. I waved. Bram did not wave back.\n\n"
            "\"Ilse, you're late,\" Bram said. I shrugged and I followed him in. Cato Renn was already at the "
            "table, and Cato had eaten my bread.\n\nI sat down anyway. Bram laughed at me and I laughed too.")
    names = ["Bram Holt", "Bram", "Ilse", "Cato Renn", "Cato"]
    assert _narrator(_characters(text, names, knowledge.load(str(tmp_path)))) == ["Ilse Varga"]
    assert _narrator(_characters(text, names)) == ["Narrator"]


def test_a_placeholder_reader_pairs_as_reader():
    """"Y/N" is where a reader-insert puts the reader's name: the reader is a
    character (`Reader`), also in a story told in the first person."""
    paras = [
        "Y/N waited for Theo by the river. She had waited all week.",
        "Theo arrived late. Y/N kissed him before he could apologise, and he kissed her back.",
        "Y/N told Theo she loved him. Theo took her hand and they walked home together.",
    ]
    rels = _doc(paras, CHARACTERS[:1]).inferred["relationships"]
    assert rels and rels[0]["tag"] == "Reader/Theo Grant"
    first = ["I waited for Theo by the river. \"Y/N,\" he called. I had waited all week.",
             "Theo kissed me and I kissed him back. I told Theo I loved him. \"I love you, Y/N.\""]
    doc = _characters("\n\n".join(first), ["Theo"])
    assert _narrator(doc) == ["Narrator"]  # no canon narrator in a reader-insert
    rels = Relationships()(doc).inferred["relationships"]
    assert rels and rels[0]["tag"] == "Reader/Theo"


def test_the_pair_prior_is_what_authors_made_of_the_pair():
    """Two canon characters whom authors always tagged `A/B` read as more
    romantic, and more likely tagged, than the same two always tagged `A & B`
    or never tagged; an unseen pair reads as the base rates."""
    from ficdex.analysis.relationships import PairPrior, RelationshipModel, decide, pair_key, work_features

    prior = PairPrior({"A\tB": [10, 4, 3]}, 0.2, 0.8)
    assert prior.row("C\tD") == pytest.approx([0.2, 0.8, 0.0])
    assert prior.row(None) == prior.row("C\tD")
    assert prior.row("A\tB", (10, 4, 3)) == prior.row("C\tD")  # a work's own tags taken out
    assert prior.row("A\tB")[0] > 0.2 and prior.row("A\tB")[2] > 0
    chars = [dict(c, tag=c["name"]) for c in CHARACTERS]
    key = pair_key(chars[0], chars[1])
    assert key == "Mara Lind\tTheo Grant" and pair_key(chars[0], dict(chars[0])) is None
    doc = Analysis(build_story([RawChapter(None, PARAS)], source=Source("mem", "text")))
    doc.inferred["characters"] = chars
    doc.scratch["mentions"] = [{"start": m.start(), "end": m.end(), "character": IDS[m.group()], "kind": "name"}
                               for m in re.finditer(r"\b(?:Theo|Mara|Jonah)\b", doc.story.text)]
    cand = P.candidates(doc)
    model = RelationshipModel.load()

    def verdict(counts):
        model.prior = PairPrior({key: counts}, model.prior.base_tagged, model.prior.base_romantic)
        rels, _ = decide(model, cand.chars, cand.keys, cand.rows, work_features(cand.rows, cand.work), P.bag(doc.story.text))
        return next(r for r in rels if set(r["ids"]) == {"c0", "c1"})

    romantic, platonic, never = verdict([20, 20, 20]), verdict([20, 20, 0]), verdict([20, 0, 0])
    assert romantic["romantic"] > platonic["romantic"]
    assert romantic["score"] > never["score"] and platonic["score"] > never["score"]
