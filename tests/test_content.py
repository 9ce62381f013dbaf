"""The content stage: lexicon context rules, rating, warnings, tags, seeds.

Made-up texts here are original sentences written for these tests."""

from __future__ import annotations


import numpy as np
import pytest

from ficdex.analysis import lexicon
from ficdex.analysis.content import RATINGS, ContentStage, features, signals
from ficdex.analysis.rating import RatingModel, explicit_backed
from ficdex.analysis.pipeline import Analysis, Pipeline
from ficdex.errors import PipelineError
from ficdex.ingest import read
from ficdex.model import RawChapter, Source, build_story
from ficdex.train import content as trainer


class GivenFandoms:
    """Stands in for the fandoms stage (which needs the entity tagger): the
    shipped rating model reads the fandoms, so the content stage requires them."""

    name, requires, assigns = "fandoms", (), ("fandoms",)

    def __init__(self, *tags: str):
        self.tags = tags

    def __call__(self, doc):
        doc.inferred["fandoms"] = [{"tag": t, "confidence": 1.0, "evidence": []} for t in self.tags]
        return doc


@pytest.fixture(scope="module")
def pipe():
    return Pipeline([GivenFandoms(), ContentStage()])


def story(*paragraphs: str):
    return build_story([RawChapter(None, list(paragraphs))], source=Source("test", "text"))


def hits(text: str, cat: str) -> list[str]:
    sig = signals(text)
    return [text[a:b].lower() for a, b in sig.hits[cat]]


# ---- context rules ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "He cocked the gun and waited by the door.",
    "She cocked her head at the question.",
    "Somewhere past the barn a cock crowed twice.",
    "Dick Grayson came into the kitchen for coffee.",
    "She came inside the house to get warm.",
    "Fuck off, he said, and slammed the door.",
])
def test_casual_uses_are_not_explicit(text):
    assert hits(text, "sex_explicit") == []


def test_anatomical_use_is_explicit():
    assert hits("He wrapped his hand around his cock and groaned.", "sex_explicit") == ["cock"]


def test_insult_is_language_not_anatomy():
    text = "You absolute dick, she laughed. Fuck you too."
    assert hits(text, "sex_explicit") == []
    assert len(hits(text, "swear_strong")) == 1


def test_negated_and_figurative_death_is_dropped():
    assert hits("He wasn't dead. She had not died. I'm dying to see it. He was dead tired.", "death") == []
    assert hits("By morning the old captain was dead.", "death") == ["dead"]


def test_come_needs_a_sexual_frame():
    assert hits("Will you come to dinner? He came in from the rain.", "sex_explicit") == []
    assert hits('"I\'m going to come," he gasped.', "sex_explicit") == ["going to come"]


def test_present_tense_acts_are_explicit_but_ordinary_motion_is_not():
    scene = "Tobin fucks her slowly. Later he makes her come, and she slides into him again."
    assert hits(scene, "sex_explicit") == ["fucks her", "makes her come", "slides into him"]
    plain = ("Mira slides into her seat. He pushes him away from the door. She enters her office, "
             "and he pushed her, then ran. The noise makes him come back inside.")
    assert hits(plain, "sex_explicit") == []


def test_sex_scene_vocabulary_is_read_per_block():
    """Unnamed acts: no explicit term, but the scene's words crowd one block;
    the same words spread through a long story make no dense block."""
    scene = ("Mira groaned as Tobin's tongue traced her collarbone, her hips rocking into his, "
             "and she arched against the sheets, panting, his thighs slick and trembling.")
    sig = signals(scene)
    assert sig.count("sex_explicit") == 0
    assert sig.count("scene") >= 7 and sig.block_max("scene") == sig.count("scene")
    filler = "The committee met again on Tuesday to discuss the harbour budget in detail. " * 30
    paras = [filler + w for w in ("She gasped.", "He arched an eyebrow.", "Her hips ached.")]
    text = "\n\n".join(paras)
    spread = signals(text, [(text.index(p), text.index(p) + len(p)) for p in paras])
    assert spread.count("scene") == 3 and spread.block_max("scene") == 1


def test_sex_scene_first_letter_filter_keeps_every_term():
    """The scan looks at a word's first letter before the alternation, so
    each term must start with a plain letter, and every term must still match."""
    from ficdex.analysis import sex_scene

    assert all(t[0].isalpha() for t in sex_scene.TERMS)
    samples = ["Groaned", "moans", "panting", "arched", "hips", "tongue", "bra", "inside her", "on top of him",
               "bit his lip", "licked", "rocked against"]
    assert [len(sex_scene.scan(w)) for w in samples] == [1] * len(samples)


def test_word_count_includes_text_between_paragraphs():
    from ficdex.model import count_words

    text = "A Title Here\n\nMira ran home.\n\n* * *\n\nTobin followed her later.\n\nauthor's note"
    paras = [(text.index("Mira"), text.index("home.") + 5), (text.index("Tobin"), text.index("later.") + 6)]
    assert signals(text, paras).words == count_words(text) == signals(text).words


def test_consent_cues_are_words_not_prefixes():
    assert hits("The lab kept the non-contaminated samples apart.", "noncon") == []
    assert hits("The president had him whored out to the highest bidder.", "noncon") == ["whored out"]
    assert hits("He didn't want to wake her.", "coercion") == []
    assert hits("Please don't, she said.", "coercion") == ["please don't"]


# ---- the stage on made-up texts --------------------------------------------------

NEUTRAL = [
    "The bakery opened at six and the bread was warm by seven.",
    "Maria counted the change twice, then smiled at the boy with the umbrella.",
    "They walked along the river and talked about the exam, the weather and a cat they both liked.",
]


def test_neutral_text_is_general_without_warnings(pipe):
    doc = pipe(story(*NEUTRAL * 5))
    assert doc.inferred["rating"]["tag"] == "General Audiences"
    assert [w["tag"] for w in doc.inferred["warnings"]] == ["No Archive Warnings Apply"]


def test_one_explicit_scene_in_a_long_story_is_not_diluted(pipe):
    scene = ("He pushed her thighs apart and slid inside her, his cock thick and slow, and she came hard with a cry, "
             "her orgasm pulling him over; he came inside her with a groan.")
    paras = [f"{NEUTRAL[i % 3]} Day {i} went by like the others." for i in range(400)]
    paras.insert(200, scene)
    s = story(*paras)
    doc = pipe(s)
    rating = doc.inferred["rating"]
    assert RATINGS.index(rating["tag"]) >= RATINGS.index("Mature")
    p = list(s.paragraphs())[200]
    assert any(p.start <= e["start"] < p.end for e in rating["evidence"])


def test_evidence_offsets_point_at_the_excerpt(pipe):
    s = story("They argued about the map.", "He shoved her against the wall and forced a kiss on her while she said no, stop.")
    doc = pipe(s)
    evidence = [e for w in doc.inferred["warnings"] for e in w["evidence"]]
    evidence += [e for t in doc.inferred["additional_tags"] for e in t["evidence"]]
    assert evidence
    for e in evidence:
        assert s.text[e["start"]:e["end"]] == e["excerpt"] and len(e["excerpt"]) <= 200 and e["why"]


def test_forced_kiss_gets_a_consent_tag(pipe):
    doc = pipe(story("The party was loud.", "He pinned her to the wall and kissed her hard while she struggled against his grip."))
    tags = {w["tag"] for w in doc.inferred["warnings"]} | {t["tag"] for t in doc.inferred["additional_tags"]}
    assert tags & {"Rape/Non-Con", "Dubious Consent"}


def test_age_with_sexual_content_warns_underage_but_age_alone_does_not(pipe):
    young = "When he was fifteen he worked at the stables."
    doc = pipe(story(young, "That summer the older man undressed him and touched him between his legs."))
    assert "Underage" in {w["tag"] for w in doc.inferred["warnings"]}
    doc = pipe(story(young, "He learned to ride and to mend saddles."))
    assert "Underage" not in {w["tag"] for w in doc.inferred["warnings"]}


def _linked(text_story, fandom: str, name: str, tag: str) -> Analysis:
    """A document as the characters and fandoms stages would leave it: one
    linked character, every mention of its name, one fandom."""
    import re

    doc = Analysis(text_story)
    doc.inferred["characters"] = [{"id": "c0", "name": tag, "tag": tag}]
    doc.inferred["fandoms"] = [{"tag": fandom}]
    doc.scratch["mentions"] = [{"start": m.start(), "end": m.end(), "character": "c0", "kind": "name"}
                               for m in re.finditer(name, text_story.text)]
    return doc


SCENE = ("The barn was warm.", "Later Clark lay back in the hay while Lex undressed him, kissed his throat and "
         "touched him between his legs until he moaned.")


def test_canonical_minor_in_a_sexual_passage_warns_underage():
    """No age is stated: Smallville's Clark is a high-school student, the
    comics' Clark is not, and the evidence names who and why."""
    teen = ContentStage()(_linked(story(*SCENE), "Smallville", "Clark", "Clark Kent"))
    underage = [w for w in teen.inferred["warnings"] if w["tag"] == "Underage"]
    assert underage and "Clark Kent (canonically 16)" in underage[0]["evidence"][0]["why"]
    assert "undressed" in underage[0]["evidence"][0]["excerpt"]
    adult = ContentStage()(_linked(story(*SCENE), "Superman - All Media Types", "Clark", "Clark Kent"))
    assert "Underage" not in {w["tag"] for w in adult.inferred["warnings"]}


def test_aged_up_story_keeps_the_canonical_minor_out():
    aged = story("Years later, after the wedding, Clark was a married man with a husband.", *SCENE)
    doc = ContentStage()(_linked(aged, "Smallville", "Clark", "Clark Kent"))
    assert "Underage" not in {w["tag"] for w in doc.inferred["warnings"]}


def test_canonical_minor_kissing_in_an_unnamed_scene_warns_underage():
    """Kisses again and again, no sexual word, but a scene's vocabulary:
    warned; the same kisses in a chaste story are not."""
    kisses = ["Clark kissed Lex by the fence.", "Clark kissed him again in the loft.", "Clark kissed him at dawn."]
    hot = "Clark gasped, his hips pressed close, his shirt unbuttoned, Lex's tongue at his ear."
    doc = ContentStage()(_linked(story(*kisses, hot), "Smallville", "Clark", "Clark Kent"))
    underage = [w for w in doc.inferred["warnings"] if w["tag"] == "Underage"]
    assert underage and "kissing" in underage[0]["evidence"][0]["why"]
    chaste_story = story(*kisses, "Clark smiled at the sunrise.")
    chaste = ContentStage()(_linked(chaste_story, "Smallville", "Clark", "Clark Kent"))
    assert "Underage" not in {w["tag"] for w in chaste.inferred["warnings"]}


def test_canonical_minor_without_sexual_content_is_no_warning():
    doc = ContentStage()(_linked(story("Clark fixed the fence.", "Clark and Lex talked about the crops."),
                                 "Smallville", "Clark", "Clark Kent"))
    assert [w["tag"] for w in doc.inferred["warnings"]] == ["No Archive Warnings Apply"]


def test_output_shape(pipe):
    r = pipe(story(*NEUTRAL)).inferred["rating"]
    assert r["tag"] in RATINGS and 0 <= r["confidence"] <= 1
    assert abs(sum(r["scores"]["probabilities"].values()) - 1) < 0.01


# ---- seeds ------------------------------------------------------------------------

def _seed(seeds, prefix):
    return read(next(seeds.glob(f"{prefix}_*")))


def test_seed_000_is_explicit_with_the_forced_kiss_as_consent_evidence(pipe, seeds):
    doc = pipe(_seed(seeds, "000"))
    assert doc.inferred["rating"]["tag"] == "Explicit"
    consent = [x for x in doc.inferred["warnings"] + doc.inferred["additional_tags"]
               if x["tag"] in ("Rape/Non-Con", "Dubious Consent")]
    assert consent
    excerpts = [e["excerpt"].lower() for x in consent for e in x["evidence"]]
    assert any("kiss" in e and ("force" in e or "will" in e) for e in excerpts)


def test_seed_004_is_teen_or_general_without_warnings(pipe, seeds):
    doc = pipe(_seed(seeds, "004"))
    assert doc.inferred["rating"]["tag"] in ("Teen And Up Audiences", "General Audiences")
    assert [w["tag"] for w in doc.inferred["warnings"]] == ["No Archive Warnings Apply"]


def test_seeds_with_characters_and_fandoms(seeds):
    """The whole default pipeline, where the content stage also knows who is
    in the story: the teen first kiss stays unwarned (Smallville's Clark is a
    canonical minor, but there is no sexual content), the explicit seed keeps
    both of its warnings."""
    from ficdex.analysis.pipeline import analyze

    teen = analyze(_seed(seeds, "004"))
    assert [w["tag"] for w in teen.inferred["warnings"]] == ["No Archive Warnings Apply"]
    explicit = analyze(_seed(seeds, "000"))
    assert {"Rape/Non-Con", "Underage"} <= {w["tag"] for w in explicit.inferred["warnings"]}


_LEXICON_TEXT = (
    "She cried out as his cock pressed against her. He bled out and died on the floor; "
    "the blood pooled. Fuck, Mira whispered. Tomas stabbed the guard."
)


def _case_blind_scan(text):
    # The reference: every lexicon's own re.I regex on the original text.
    return {
        name: sorted(m.span() for lex in lexicons for m in lex.finditer(text, None))
        for name, lexicons in lexicon.LEXICONS.items()
    }


@pytest.mark.parametrize(
    "text",
    [
        _LEXICON_TEXT,
        "\u0130stanbul. " + _LEXICON_TEXT,  # 'İ'.lower() is two characters: offsets would move
        _LEXICON_TEXT.replace("s", "\u017f"),  # long s: re.I reads it as 's', lower() does not
        "\u0131 " + _LEXICON_TEXT.upper(),  # dotless i
    ],
)
def test_lower_cased_scan_finds_what_the_case_blind_regexes_find(text):
    found = lexicon.scan(text)
    assert found == _case_blind_scan(text)
    assert found["sex_explicit"] and found["death"] and found["swear_strong"]
    assert len(found["violence"]) == 3  # 'stabbed' is found with its long s too


# ---- trainer ----------------------------------------------------------------------

def test_folds_are_stratified_and_deterministic():
    y = np.array([0] * 50 + [1] * 30 + [3] * 10)
    a, b = trainer.stratified_folds(y), trainer.stratified_folds(y)
    assert (a == b).all()
    for f in range(trainer.FOLDS):
        assert ((a == f) & (y == 3)).sum() == 2


def test_logistic_fit_separates_and_decisions_are_ordinal():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int) * 3
    params = trainer.fit_levels(X, y)
    pred = trainer.decide(trainer.cumulative(params, X), [0.5, 0.5, 0.5])
    assert (pred == y).mean() > 0.9
    cum = np.array([[0.2, 0.9, 0.9]])  # >=Mature but not >=Teen cannot happen
    assert trainer.decide(cum, [0.5, 0.5, 0.5]).tolist() == [0]


def test_threshold_search_picks_what_a_loop_over_every_triple_picks():
    """The vectorised search scores the same objective as a plain loop over
    the grid, with floors and caps, and breaks ties the same way."""
    from itertools import product

    rng = np.random.default_rng(7)
    y = rng.choice(4, 150, p=[0.5, 0.3, 0.12, 0.08])
    cum = np.sort(rng.random((150, 3)) * (0.3 + 0.2 * y[:, None]), axis=1)[:, ::-1]
    floors, caps = rng.choice([0, 2, 3], 150, p=[0.9, 0.05, 0.05]), rng.choice([2, 3], 150, p=[0.3, 0.7])
    for ew, gw in ((0.0, 0.0), (1.0, 2.0)):
        best, best_t = -1e9, None
        for t in product(trainer.GRID, trainer.GRID, trainer.GRID):
            pred = np.minimum(np.maximum(trainer.decide(cum, t), floors), caps)
            score = ((pred == y).mean() - ew * max(0.0, 0.95 - (pred[y == 3] == 3).mean())
                     - gw * max(0.0, (pred[y >= 2] == 0).mean() - 0.02))
            if score > best + 1e-12:
                best, best_t = score, [float(v) for v in t]
        assert trainer.choose_thresholds(y, cum, floors, ew, gw, caps) == best_t


def test_shipped_model_loads_and_records_its_cross_validation():
    model = RatingModel.load()
    assert len(model.levels) == 3 and len(model.thresholds) == 3
    assert len(model.names) == len(model.mean) == len(model.levels[0]["w"])
    # a new signal category in the stage needs a retrained model file; the
    # fandom prior's columns come last, and only with the prior's table
    prior = ["fandom.teen", "fandom.mature", "fandom.explicit"] if model.fandom_prior is not None else []
    assert model.names == list(features(signals(""))) + prior
    assert ContentStage(model).requires == (("fandoms",) if prior else ())


def test_bag_of_words_model_points_at_its_words():
    """A model file with a vocabulary: the words move the score, and the
    rating evidence quotes passages holding them, with exact offsets."""
    base = RatingModel.load()
    n = len(trainer.FEATURES)  # the lexicon features only: this model reads no fandoms
    data = {"features": base.names[:n], "mean": base.mean[:n], "scale": base.scale[:n],
            "levels": [{"w": [0.0] * n, "b": -3.0} for _ in range(3)],
            "thresholds": [0.5, 0.5, 0.5], "vocab": {"velvet": [8.0, 8.0, 0.0], "rope": [6.0, 6.0, 0.0]}}
    model = RatingModel(data)
    s = story("They met at the station.", "The velvet rope was coiled on the chair, velvet on velvet.", "Tea followed.")
    doc = Pipeline([ContentStage(model)])(s)
    rating = doc.inferred["rating"]
    assert rating["tag"] == "Mature"
    words = [e for e in rating["evidence"] if e["why"].startswith("words the model")]
    assert words and "velvet" in words[0]["why"]
    for e in rating["evidence"]:
        assert s.text[e["start"]:e["end"]] == e["excerpt"]
    plain = Pipeline([ContentStage(model)])(story("They met at the station.", "Tea followed."))
    assert plain.inferred["rating"]["tag"] == "General Audiences"


def _prior_model(prior):
    """A made-up model whose only weight is on the fandom prior's Teen column."""
    names = trainer.FEATURES + ["fandom.teen", "fandom.mature", "fandom.explicit"]
    w = [0.0] * len(names)
    w[names.index("fandom.teen")] = 2.0
    return RatingModel({"features": names, "mean": [0.0] * len(names), "scale": [1.0] * len(names),
                        "levels": [{"w": w, "b": 0.0}, {"w": [0.0] * len(names), "b": -5.0},
                                   {"w": [0.0] * len(names), "b": -5.0}],
                        "thresholds": [0.6, 0.5, 0.5], "fandom_prior": prior})


def test_fandom_prior_is_required_and_moves_the_rating():
    model = _prior_model({"Quillmere Chronicles": [1.5, 0.0, 0.0], "Lantern Bay": [-1.5, 0.0, 0.0]})
    with pytest.raises(PipelineError):
        Pipeline([ContentStage(model)])
    s = story("They met at the station.", "Tea followed, and a long walk by the river.")
    leaning = Pipeline([GivenFandoms("Quillmere Chronicles"), ContentStage(model)])(s).inferred["rating"]
    assert leaning["tag"] == "Teen And Up Audiences"
    assert any("Quillmere Chronicles" in e["why"] for e in leaning["evidence"])
    for tags in (("Lantern Bay",), ("Nowhere Known",), ()):
        assert Pipeline([GivenFandoms(*tags), ContentStage(model)])(s).inferred["rating"]["tag"] == "General Audiences"


def test_fandom_prior_is_smoothed_and_never_reads_a_works_own_label():
    tags = [["Quillmere Chronicles"]] * 20 + [["Lantern Bay"]] * 20 + [["Solo Fandom"]]
    y = np.array([3] * 20 + [0] * 20 + [3])
    prior = trainer.fandom_prior(tags, y)
    assert all(v > 0 for v in prior["Quillmere Chronicles"]) and all(v < 0 for v in prior["Lantern Bay"])
    # one work is little evidence: smoothed toward the overall mix
    assert 0 < prior["Solo Fandom"][2] < prior["Quillmere Chronicles"][2]
    cols = trainer.prior_columns(tags, y, np.ones(len(y), dtype=bool))
    # the only work of its fandom: without it, the fandom is unknown
    assert cols[-1].tolist() == [0.0, 0.0, 0.0]
    assert (cols[:20, 2] > 0).all() and (cols[20:40, 2] < 0).all()


def test_dual_fit_matches_primal():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 5))
    y = (X[:, 0] + 0.5 * rng.normal(size=120) > 0).astype(float)
    w, b = trainer.fit_logistic(X, y, l2=1.0)
    a, b2 = trainer.fit_dual(X @ X.T, y, 1.0)
    assert np.allclose(X.T @ a, w, atol=1e-4) and abs(b - b2) < 1e-4


def test_stage_cross_validation_rates_each_work_as_the_stage_would():
    """Made-up works, two of them Explicit-labelled without a sexual passage:
    the fold models' ratings go through the stage's rules, so those can be
    Mature at most, and unrated works get no rating."""
    scene = "He slid inside her, his cock thick and slow, and she came hard with a cry; he came inside her."
    texts, y = [], []
    for i in range(30):
        texts.append(" ".join(NEUTRAL) + f" Day {i}.")
        y.append(0)
        texts.append(f"{scene} Night {i}." if i < 28 else f"She moaned against him in the dark. Night {i}.")
        y.append(3)
    texts.append(scene)
    y.append(-1)
    sigs = [signals(t) for t in texts]
    tags = trainer.stage_ratings_cv(sigs, y, k=3)
    assert tags[-1] is None
    assert all(t in RATINGS for t in tags[:-1])
    plain = [RATINGS.index(t) for t, lab in zip(tags, y) if lab == 0]
    scenes = [RATINGS.index(t) for t, lab in zip(tags, y) if lab == 3][:28]
    assert scenes.count(3) >= 24 and max(plain) < 3
    unbacked = [t for t, s in zip(tags, sigs) if not explicit_backed(s.count("sex_explicit"), s.block_max("sex_mild"))]
    assert len(unbacked) >= 30 and "Explicit" not in unbacked


def test_boosted_trees_learn_an_interaction_the_linear_levels_cannot():
    """The trees measured beside the rating model (train/content_trees.py):
    a level that depends on two signals together, as a kiss only counts in
    some fandoms, is learned by the trees and missed by the linear fit."""
    from ficdex.train import content_trees as trees

    rng = np.random.default_rng(7)
    X = rng.normal(size=(600, 4))
    y = np.where(X[:, 0] * X[:, 1] > 0, 3, 0)
    tr, te = np.arange(400), np.arange(400, 600)
    cum = trees.cumulative_trees(trees.fit_trees(X[tr], y[tr]), X[te])
    lin = trainer.cumulative(trainer.fit_levels(X[tr], y[tr]), X[te])
    assert trees.auc(cum[:, 2], y[te] == 3) > 0.85
    assert abs(trees.auc(lin[:, 2], y[te] == 3) - 0.5) < 0.15
    assert (np.diff(cum, axis=1) <= 0).all()  # "at least Explicit" never above "at least Mature"
