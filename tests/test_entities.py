"""The entity tagger: LitBank reading, the shipped model, the pipeline stage.

Sentences here are the project's own, made up for these tests.  LitBank and
the seed stories are read in place from ../shared and never copied.
"""

from __future__ import annotations

import pytest

from ficdex.analysis import entities as ent
from ficdex.analysis.pipeline import REGISTRY, Analysis, Pipeline
from ficdex.errors import ModelError
from ficdex.model import RawChapter, Source, build_story

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

MADE_UP = (
    "Mr. Halloway Brisk walked from Kettering Cross to the harbour at Dunmere, "
    "where Annika Voss was waiting for him with a letter from Sir Peregrine Tallow.\n\n"
    '"You are late," said Annika. Brisk shrugged and looked out over Lake Orrin.\n\n'
    "The next morning they took the train to Paris, and Mrs. Ottoline Grey met them in London."
)


def _spans(found, label=None):
    return {e["text"] for e in found if label is None or e["label"] == label}


def _covered(found, name, labels):
    """`name` (or a span containing it) was tagged with one of `labels`."""
    return any(name in e["text"] and e["label"] in labels for e in found)


@pytest.fixture(scope="module")
def model():
    if not (ent.MODEL_DIR / "meta.json").exists():
        pytest.skip("the shipped tagger ficdex/models/ner is absent")
    return ent.load_model()


def test_people_and_places_in_made_up_prose(model):
    found = ent.find_entities(MADE_UP)
    for e in found:
        assert MADE_UP[e["start"] : e["end"]] == e["text"]
        assert e["label"] in {"PER", "LOC", "GPE", "FAC", "ORG", "VEH"}
    people = _spans(found, "PER")
    for name in ("Annika Voss", "Annika"):
        assert name in people, (name, found)
    assert _covered(found, "Halloway Brisk", {"PER"})
    assert _covered(found, "Ottoline Grey", {"PER"})
    for place in ("Paris", "London"):
        assert _covered(found, place, {"GPE", "LOC", "FAC"}), (place, found)
        assert place not in people
    # Common nouns are never names.
    assert not any(e["text"].lower() in {"the harbour", "the train", "harbour"} for e in found)


def test_the_stage_sets_offsets_into_story_text(model):
    paras = MADE_UP.split("\n\n")
    story = build_story([RawChapter("One", paras)], source=Source(path="made-up.txt", format="text"))
    stage = REGISTRY["entities"]()
    assert (stage.name, stage.requires, stage.assigns) == ("entities", (), ("entities",))
    doc = Pipeline([stage])(story)
    found = doc.inferred["entities"]
    assert found and all(story.text[e["start"] : e["end"]] == e["text"] for e in found)
    assert sorted(found, key=lambda e: e["start"]) == found


NAMELESS = (
    "He walked along the shore for an hour and then he sat down on the sand. "
    "It was cold, and the wind came off the water in long grey gusts. "
    "She did not come, and he had not really thought she would."
)


def test_windows_leave_out_text_with_no_possible_name():
    text = NAMELESS + "\n\n" + "At noon Ferris Quade rode in from Holloway Marsh. " + NAMELESS
    windows = ent.name_windows(text, 0, len(text), before=3, after=2)
    assert len(windows) == 1
    s, e = windows[0]
    # Three words before the names and two after, cut at word edges.
    words = text.split()
    first, last = words.index("Ferris"), words.index("Marsh.")
    assert text[s:e].split() == words[first - 3 : last + 3]
    # Sentence openers, "I" and contractions of closed-class words are no names.
    assert ent.name_windows("He said I'm fine. Don't. It's late.", 0, 35) == []
    # A possessive is still a name.
    assert ent.name_windows("They took Quade's horse.", 0, 24) == [(0, 24)]


def test_windows_never_cross_the_chunk_and_lower_case_stories_are_read_whole():
    text = "the end. Ferris Quade came."
    start = text.index("Ferris")
    assert ent.name_windows(text, start, len(text), before=5, after=5) == [(start, len(text))]
    lower = "ferris and quade rode out at dawn and did not come back until the snow had gone. " * 20
    assert ent.name_windows(lower, 0, len(lower)) == [(0, len(lower.rstrip()))]
    assert ent.name_windows("   ", 0, 3) == []


def test_skipping_nameless_text_keeps_what_the_model_tags(model):
    text = "\n\n".join([NAMELESS, MADE_UP, NAMELESS, NAMELESS, MADE_UP])
    whole = ent.tag(model, text, skip_nameless=False, propagate_names=False)
    windows, docs = ent.tag(model, text, skip_nameless=True, propagate_names=False, keep_docs=True)
    assert whole == windows
    # The model read less than all of the text.
    assert sum(len(d.text) for _, d in docs) < 0.8 * len(text)


def test_propagation_tags_repeats_and_unifies_labels():
    text = "Wendeline met Castor in Brightwater. Later Wendeline wrote to Brightwater, and Castor came."
    def at(name, after, label):
        i = text.index(name, after)
        return {"start": i, "end": i + len(name), "label": label, "text": name}

    model_found = [at("Wendeline", 0, "PER"), at("Castor", 0, "GPE"), at("Brightwater", 0, "GPE"), at("Castor", 40, "PER")]
    out = ent.propagate(text, model_found, unify=True)
    by_start = {e["start"]: e for e in out}
    assert all(text[e["start"] : e["end"]] == e["text"] for e in out)
    second = text.index("Wendeline", 5)
    assert by_start[second]["text"] == "Wendeline" and by_start[second]["label"] == "PER"
    assert by_start[text.index("Brightwater", 40)]["label"] == "GPE"
    # A person/place tie goes to the place, for every mention of the name.
    assert {e["label"] for e in out if e["text"] == "Castor"} == {"GPE"}
    # Not inside other words, and nothing found twice.
    one = [{"start": 0, "end": 9, "label": "PER", "text": "Wendeline"}]
    assert ent.propagate("Wendeline saw Wendelines.", one) == one
    assert len({(e["start"], e["end"]) for e in out}) == len(out)


def test_words_of_a_full_name_are_names_unless_written_in_lower_case():
    text = "Judge Orrin Hale came to town. Hale smiled; the judge in him did not. Orrin left. Judge Blane stayed."
    i = text.index("Judge Orrin Hale")
    found = [{"start": i, "end": i + 16, "label": "PER", "text": "Judge Orrin Hale"}]
    out = ent.propagate(text, found)
    tagged = {(e["text"], e["start"]) for e in out if e["label"] == "PER"}
    assert ("Hale", text.index("Hale smiled")) in tagged
    assert ("Orrin", text.index("Orrin left")) in tagged
    # "judge" is an everyday word in this story, so "Judge" is no name.
    assert not any(e["text"] == "Judge" for e in out)
    assert ent.propagate(text, found, parts=False) == found


def test_chunks_cover_long_paragraphs_without_losing_text():
    text = ("One sentence here. " * 3000).strip() + "\n\nA second paragraph."
    chunks = ent.chunk_ranges(ent.paragraph_ranges(text), text, limit=5000)
    assert len(chunks) > 10
    assert all(e - s <= 5000 for s, e in chunks)
    joined = " ".join(text[s:e] for s, e in chunks)
    assert joined.split() == text.split()


def test_missing_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError):
        ent.load_model(tmp_path / "nowhere")
    stage_error = None
    try:
        ent.EntityStage(tmp_path / "nowhere")
    except ModelError as exc:
        stage_error = exc
    assert stage_error is not None and "train" in str(stage_error)


def test_empty_story_gives_no_entities(model):
    assert ent.find_entities("") == []
    doc = ent.EntityStage()(Analysis(build_story([], source=Source(path="x", format="text"))))
    assert doc.inferred["entities"] == []


# --- LitBank, read in place -------------------------------------------------


@pytest.fixture(scope="module")
def litbank(shared_data):
    from ficdex.train.litbank import read_litbank

    path = shared_data / "litbank"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path, read_litbank(path)


def test_litbank_documents_and_gold_match_the_tsv(litbank):
    from ficdex.train.litbank import gold_person_names, training_spans

    path, docs = litbank
    tsv = sorted((path / "entities" / "tsv").glob("*.tsv"))
    assert len(docs) == len(tsv) == 80
    for lit, f in zip(docs[:10], tsv[:10]):
        assert lit.name == f.stem
        lines = f.read_text(encoding="utf-8").splitlines()
        tokens = [line.split("\t")[0] for line in lines if line.strip()]
        assert lit.text.split() == tokens
        # Every PROP PER line of the coref file is one gold span, whose
        # text is the mention text the file gives.
        ann = (path / "coref" / "tsv" / f"{lit.name}.ann").read_text(encoding="utf-8")
        rows = [r.split("\t") for r in ann.splitlines() if r.startswith("MENTION")]
        prop_per = [r for r in rows if r[7] == "PER" and r[8] == "PROP"]
        gold = gold_person_names(lit)
        assert len(gold) == len({(r[2], r[3], r[5]) for r in prop_per})
        assert sorted(lit.text[s:e] for s, e in gold) == sorted({(r[2], r[3], r[5]): r[6] for r in prop_per}.values())
        flat = training_spans(lit)
        assert all(a.end <= b.start for a, b in zip(flat, flat[1:]))


def test_folds_are_by_document_and_deterministic(litbank):
    from ficdex.train.ner import folds

    _, docs = litbank
    names = [d.name for d in docs]
    fs = folds(names, 5)
    assert fs == folds(list(reversed(names)), 5)
    assert sorted(n for f in fs for n in f) == sorted(names)
    assert all(not set(a) & set(b) for i, a in enumerate(fs) for b in fs[i + 1 :])


@pytest.mark.slow
def test_shipped_model_on_a_few_litbank_documents(litbank, model):
    from ficdex.eval.litbank import evaluate_litbank

    path, _ = litbank
    res = evaluate_litbank(path, limit=4)
    # These documents are in the shipped model's training set, so this
    # checks the model loads and fits, not how well it generalises (the
    # cross-validated figure is far below what it scores here).
    assert res["on_training_data"] is True
    assert res["documents"] == 4
    assert res["f1"] > 0.6 and res["precision"] > 0.6 and res["recall"] > 0.6
    assert res["words_per_second"] > 1000


def test_seed_story_names_are_tagged_by_kind(seeds, model):
    files = sorted(seeds.glob("000_*.txt"))
    if not files:
        pytest.skip("no seed 000_*.txt")
    text = files[0].read_text(encoding="utf-8", errors="replace")
    found = ent.find_entities(text)
    people = {e["text"] for e in found if e["label"] == "PER"}
    others = {e["text"] for e in found if e["label"] != "PER"}
    for name in ("Lex", "Clark"):
        if name in text:
            assert any(name in p.split() for p in people), name
    for place in ("Metropolis", "Smallville"):
        if place in text:
            assert any(place in o for o in others), place
            assert place not in people


def test_name_swapping_moves_spans_with_the_names():
    import random

    from ficdex.train.litbank import Mention, _swap_names

    text = "Then Mr. Orlin Vake rode from Tessaly to see Pomm."
    spans = [
        Mention(5, 19, "PER", "PROP", "Mr. Orlin Vake"),
        Mention(30, 37, "GPE", "PROP", "Tessaly"),
        Mention(45, 49, "PER", "PROP", "Pomm"),
    ]
    pool = {"PER": ["Jessamy Rook"], "GPE": ["Quillon"]}
    new, moved = _swap_names(text, spans, pool, random.Random(3), 1.0)
    assert [lab for _, _, lab in moved] == ["PER", "GPE", "PER"]
    # What lies between the names is untouched; an honorific is kept.
    assert new.startswith("Then Mr. ") and " rode from " in new and " to see " in new
    gaps = [new[a:b] for (_, a, _), (b, _, _) in zip(moved, moved[1:])]
    assert gaps == [" rode from ", " to see "]
    assert new[moved[-1][1] :] == "."


def test_train_cli_rejects_a_folder_that_is_not_litbank(tmp_path):
    from typer.testing import CliRunner

    from ficdex.train.cli import app

    result = CliRunner().invoke(app, ["ner", str(tmp_path), "--out", str(tmp_path / "model")])
    assert result.exit_code == 1
    assert "not a LitBank folder" in " ".join(result.output.split())
    assert not (tmp_path / "model").exists()


def test_pretraining_corpus_is_paragraphs_of_the_unlabeled_fiction(tmp_path):
    import json

    from ficdex.train.pretrain import build_corpus, pretrain_config

    novel = tmp_path / "pdnc" / "data" / "Made" / "novel_text.txt"
    novel.parent.mkdir(parents=True)
    novel.write_text("Orla Venn came\nhome late.\n\n  Tamsin waited.\n\n\n", encoding="utf-8")
    gold = tmp_path / "ao3-dev" / "gold.jsonl"
    gold.parent.mkdir()
    gold.write_text(json.dumps({"id": 7, "text": "Bram  Holt sang.", "characters": ["Bram Holt"]}) + "\n", encoding="utf-8")
    stats = build_corpus(tmp_path, tmp_path / "c.jsonl")
    lines = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    # One paragraph a line, whitespace folded; the work's tags are never read.
    assert lines == [{"text": "Orla Venn came home late."}, {"text": "Tamsin waited."}, {"text": "Bram Holt sang."}]
    assert stats["texts"] == 2 and stats["words"] == 10
    cfg = pretrain_config(overrides={"paths.raw_text": "x.jsonl"})
    # The weights must fit the tagger's own tok2vec: same component, same widths.
    assert cfg["pretraining"]["component"] == "tok2vec"
    assert cfg["components"]["tok2vec"]["model"]["encode"]["width"] == 64
    assert cfg["paths"]["raw_text"] == "x.jsonl"


def test_training_from_missing_pretrained_weights_is_an_input_error(tmp_path):
    from ficdex.errors import InputError
    from ficdex.train.pretrain import overrides

    with pytest.raises(InputError):
        overrides(tmp_path / "tok2vec.bin")


def test_cross_validation_starts_from_the_weights_the_tagger_started_from(tmp_path):
    import json

    from ficdex.eval.litbank import shipped_pretrained

    weights = tmp_path / "tok2vec.bin"
    meta = {"ficdex": {"pretrained": {"weights": str(weights)}}}
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    # A build artefact that is gone cannot be reused: the folds then start from random weights.
    assert shipped_pretrained(tmp_path) is None
    weights.write_bytes(b"x")
    assert shipped_pretrained(tmp_path) == weights
    (tmp_path / "meta.json").write_text(json.dumps({"ficdex": {"pretrained": None}}), encoding="utf-8")
    assert shipped_pretrained(tmp_path) is None


# --- the second pass: name types -------------------------------------------

TYPES_TEXT = (
    'Mr. Quenby came in from the fog. "Sit down, Quenby," said Marla.\n'
    "Quenby said nothing. Quenby's hat was wet, and he put it by the Fog Lantern.\n"
    "They walked to Ostrava at noon; the fog lay on Ostrava all day."
)


def _ent(text, name, label, nth=0):
    i = -1
    for _ in range(nth + 1):
        i = text.index(name, i + 1)
    return {"start": i, "end": i + len(name), "label": label, "text": name}


def test_name_type_features_count_what_a_reader_counts():
    from ficdex.analysis import nametypes as nt

    raw = [_ent(TYPES_TEXT, "Ostrava", "GPE"), _ent(TYPES_TEXT, "Marla", "PER")]
    toks, occ, feats = nt.features(TYPES_TEXT, raw)
    f = {w: dict(zip(nt.FEATURES, v)) for w, v in feats.items()}
    assert set(f) >= {"Quenby", "Marla", "Ostrava", "Fog", "Lantern"}
    assert "Mr" not in f and "They" not in f  # titles and function words are no types
    q = f["Quenby"]
    assert len(occ["Quenby"]) == 4
    assert q["titled"] == 0.25 and q["possessive"] == 0.25 and q["vocative"] == 0.25
    assert q["speech_after"] == 0.25 and q["untagged"] == 1.0 and q["tag_per"] == 0.0
    assert f["Marla"]["speech_before"] == 1.0 and f["Marla"]["tag_per"] == 1.0
    assert f["Ostrava"]["tag_place"] == 0.5 and f["Ostrava"]["place_prep"] == 0.5  # "to", not "on"
    assert f["Fog"]["lower"] > 0 and q["lower"] == 0
    assert f["Fog"]["place_noun_after"] == 0 and f["Fog"]["in_sequence"] == 1.0


def test_name_type_decisions_tag_drop_and_relabel():
    from ficdex.analysis import nametypes as nt

    raw = [_ent(TYPES_TEXT, "Ostrava", "GPE"), _ent(TYPES_TEXT, "Fog Lantern", "PER")]
    spread = sorted(raw + [_ent(TYPES_TEXT, "Ostrava", "GPE", 1)], key=lambda e: e["start"])
    probs = {"Quenby": 0.95, "Marla": 0.9, "Fog": 0.02, "Lantern": 0.05, "Ostrava": 0.9}
    out = nt.apply(TYPES_TEXT, raw, spread, {"hi": 0.5, "lo": 0.1}, probs=probs)
    per = [TYPES_TEXT[e["start"] : e["end"]] for e in out if e["label"] == "PER"]
    assert all(TYPES_TEXT[e["start"] : e["end"]] == e["text"] for e in out)
    # Every capitalised "Quenby" is a person, the title inside the span.
    assert per.count("Mr. Quenby") == 1 and per.count("Quenby") == 3
    assert "Marla" in per and "Fog Lantern" not in per and per.count("Ostrava") == 2
    # Undecided (between lo and hi): nothing changes.
    same = nt.apply(TYPES_TEXT, raw, spread, {"hi": 0.99, "lo": 0.01}, probs=probs)
    assert same == spread
    # A titled mention survives an unlikely name.
    titled = [_ent(TYPES_TEXT, "Mr. Quenby", "PER")]
    assert nt.apply(TYPES_TEXT, titled, titled, {"hi": 0.9, "lo": 0.5}, probs={"Quenby": 0.1}) == titled


def test_logistic_fit_separates_and_is_deterministic():
    from ficdex.analysis import nametypes as nt
    from ficdex.train.nametypes import fit

    width = len(nt.FEATURES)
    x = [[float(i % 3 == j % 3) + 0.1 * j for j in range(width)] for i in range(60)]
    y = [int(i % 3 == 0) for i in range(60)]
    a, b = fit(x, y), fit(x, y)
    assert a == b
    model = {**a, "hi": 0.5, "lo": 0.5}
    probs = nt.probabilities(model, {str(i): x[i] for i in range(6)})
    assert all((probs[str(i)] > 0.5) == bool(y[i]) for i in range(6))


def test_shipped_name_type_model_reads_a_story_like_a_reader():
    from ficdex.analysis import nametypes as nt

    model = nt.load()
    if model is None:
        pytest.skip("ficdex/models/ner/nametypes.json is absent")
    text = (
        '"Come in, Tabbert," said Mrs. Oakhollow. Tabbert smiled and sat down.\n'
        "Fog lay over the yard. Tabbert's coat was wet through; the fog had followed him in.\n"
        '"Tea?" asked Tabbert. Fog again, he thought, looking at the fog on the glass.\n'
        "Mr. Tabbert drank his tea, and Tabbert said nothing more."
    )
    fog = [_ent(text, "Fog", "PER"), _ent(text, "Fog", "PER", 1)]
    probs = nt.probabilities(model, nt.features(text, fog)[2])
    # The tagger missed every "Tabbert" here; the pass still reads a person.
    assert probs["Tabbert"] >= model["hi"] > model["lo"] > probs["Fog"]
    out = nt.apply(text, fog, fog, model)
    per = [e["text"] for e in out if e["label"] == "PER"]
    assert "Fog" not in per and "Mr. Tabbert" in per and per.count("Tabbert") == 5


def test_a_name_used_once_keeps_the_taggers_reading():
    from ficdex.analysis import nametypes as nt

    text = "Then Brannock came, and the fog with him. The fog stayed."
    once = [_ent(text, "Brannock", "PER")]
    model = {"hi": 0.9, "lo": 0.5}
    assert nt.apply(text, once, once, model, probs={"Brannock": 0.3}) == once
    assert nt.apply(text, once, once, model, probs={"Brannock": 0.05}) == []


def test_a_name_written_only_after_a_form_of_address_is_a_person():
    """A walk-on the tagger never tags and the story only calls "Madam Quillon"
    is a person even when the pass is undecided; "General Hospital" (a title
    that also begins places) and a name addressed once are left alone."""
    from ficdex.analysis import nametypes as nt

    text = ("Madam Quillon swept in out of the rain at the General Hospital.\n\n"
            "Madam Quillon shook out her shawl. Dr. Ostlevy stayed by the General Hospital door.")
    undecided = {w: 0.5 for w in ("Quillon", "Ostlevy", "Hospital")}
    out = nt.apply(text, [], [], {"hi": 0.9, "lo": 0.1}, probs=undecided)
    assert [(text[e["start"] : e["end"]], e["label"]) for e in out] == [("Madam Quillon", "PER")] * 2
