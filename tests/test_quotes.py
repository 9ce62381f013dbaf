"""Quote detection, speaker attribution and the `quotes` stage.

Detection and attribution are tested apart, on made-up snippets with
mention lists built here, so neither depends on the characters stage.  The
seed test runs the whole pipeline against a hand annotation
(tests/data/seed_speakers.json: quote indices and names, no text).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ficdex.analysis.dialogue import QuotesStage, run_quotes
from ficdex.analysis.pipeline import Analysis
from ficdex.analysis.quotes import DOUBLE, SINGLE, detect_quotes, document_convention
from ficdex.model import RawChapter, Source, build_story

ANNOTATION = Path(__file__).parent / "data" / "seed_speakers.json"


def spans(text, **kw):
    return [(text[q.start : q.end], q.type) for q in detect_quotes(text, **kw)]


# -- detection -----------------------------------------------------------------


def test_straight_double_quotes_exact_offsets():
    text = '"Hi," said Lex. "Bye."'
    assert [(q.start, q.end, q.type) for q in detect_quotes(text)] == [(1, 4, "speech"), (17, 21, "speech")]


def test_curly_double_quotes_with_nested_single():
    text = "“She said ‘no’ to me,” Clark said."
    assert spans(text) == [("She said ‘no’ to me,", "speech")]


def test_british_single_quotes_and_apostrophes():
    text = (
        "'I don't know,' said Lex. 'The dogs' bowl is empty.' He fed 'em in the '90s.\n\n"
        "'Rock 'n' roll,' she said."
    )
    assert document_convention(text) == SINGLE
    assert spans(text) == [
        ("I don't know,", "speech"),
        ("The dogs' bowl is empty.", "speech"),
        ("Rock 'n' roll,", "speech"),
    ]


def test_apostrophes_in_double_quote_document_are_not_quotes():
    text = "Lex's car wasn't there. The boys' bikes were. \"It's fine,\" he said."
    assert document_convention(text) == DOUBLE
    assert spans(text) == [("It's fine,", "speech")]


def test_em_dash_dialogue():
    text = "— Where are you going? — asked Lex. — Home.\n\nHe left — quietly — at dawn."
    assert spans(text) == [("Where are you going?", "speech"), ("Home.", "speech")]


def test_guillemets_both_directions():
    assert spans("«Bonjour», dit Lex. «Ça va?»") == [("Bonjour", "speech"), ("Ça va?", "speech")]
    assert spans("»Hallo«, sagte Lex. »Gut?«") == [("Hallo", "speech"), ("Gut?", "speech")]


def test_quote_running_over_paragraphs():
    text = '"First part of the story.\n\n"Second part.\n\n"And the end," he said.\n\nNarration.'
    assert spans(text) == [('First part of the story.\n\n"Second part.\n\n"And the end,', "speech")]


def test_unclosed_quote_stops_at_its_paragraph():
    chapter = "\n\n".join(["Narration that goes on and on."] * 20)
    text = '"I never closed this, Lex said.\n\n' + chapter + '\n\n"Closed," he said.'
    assert spans(text) == [("I never closed this, Lex said.", "speech"), ("Closed,", "speech")]


def test_stray_closing_curly_quote_is_ignored():
    text = "He waited” for a while. “Now,” he said."
    assert spans(text) == [("Now,", "speech")]


def test_interrupted_quote_is_two_spans():
    assert spans('"Well," Lex said, "maybe."') == [("Well,", "speech"), ("maybe.", "speech")]


def test_asterisk_and_underscore_thoughts_apart_from_speech():
    text = '*I hate this*, Lex thought. "It is *really* fine," he said. _Not again._'
    assert spans(text) == [("I hate this", "thought"), ("It is *really* fine,", "speech"), ("Not again.", "thought")]


def test_single_emphasised_word_is_not_a_thought():
    assert spans("He was *so* tired.") == []


# -- attribution ---------------------------------------------------------------

CHARS = [
    {"id": "c0", "name": "Lex Luthor", "gender": "male"},
    {"id": "c1", "name": "Clark Kent", "gender": "male"},
    {"id": "c2", "name": "Lois Lane", "gender": "female"},
]
ALIASES = {"Lex": "c0", "Luthor": "c0", "Clark": "c1", "Lois": "c2"}


def names_only(text):
    rx = re.compile(r"\b(?:" + "|".join(ALIASES) + r")\b")
    return [{"start": m.start(), "end": m.end(), "character": ALIASES[m.group()], "kind": "name"} for m in rx.finditer(text)]


def attribute(text, mentions=None):
    paras = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    quotes, conv = run_quotes(text, paras, names_only(text) if mentions is None else mentions, CHARS)
    return [(q["text"], q["speaker_name"], q["rule"]) for q in quotes], conv


def test_explicit_speech_verbs_in_either_order():
    got, _ = attribute('"Hello," said Lex.\n"Hi," Clark drawled.\nLois frowned. "Well?" she asked.')
    assert got == [("Hello,", "Lex Luthor", "explicit"), ("Hi,", "Clark Kent", "explicit"), ("Well?", "Lois Lane", "explicit")]


def test_pronoun_from_mention_list_wins_over_recency():
    text = 'Lex looked at Clark.\n"Yes," he said.'
    he = text.index("he said")
    mentions = names_only(text) + [{"start": he, "end": he + 2, "character": "c0", "kind": "pronoun"}]
    got, _ = attribute(text, sorted(mentions, key=lambda m: m["start"]))
    assert got == [("Yes,", "Lex Luthor", "explicit")]


def test_interrupted_quote_shares_speaker():
    got, _ = attribute('"Well," Lex said, "maybe."')
    assert [g[1] for g in got] == ["Lex Luthor", "Lex Luthor"]


def test_acting_character_of_paragraph():
    got, _ = attribute('Lex smiled. "Thank you."')
    assert got == [("Thank you.", "Lex Luthor", "acting")]


def test_turn_taking_and_vocative_in_two_person_talk():
    text = '"You came," said Lex.\n"I did," said Clark.\n"Why?"\n"Because I missed you."\n"Thank you, Clark."'
    got, conv = attribute(text)
    assert [g[1] for g in got] == ["Lex Luthor", "Clark Kent", "Lex Luthor", "Clark Kent", "Lex Luthor"]
    assert conv["pairs"] == [{"a": "c0", "b": "c1", "a_name": "Lex Luthor", "b_name": "Clark Kent", "exchanges": 5}]
    assert [(s["name"], s["quotes"]) for s in conv["speakers"]] == [("Lex Luthor", 3), ("Clark Kent", 2)]


def test_vocative_speaker_is_the_other_one():
    got, _ = attribute('Lex and Clark stood on the roof.\n"Thank you, Clark."\n"Any time," Clark said.')
    assert [g[1] for g in got] == ["Lex Luthor", "Clark Kent"]


def test_no_characters_means_no_speaker_not_a_crash():
    quotes, conv = run_quotes('"Hello," he said.', [(0, 17)], [], [])
    assert [(q["speaker"], q["confidence"]) for q in quotes] == [(None, 0.0)]
    assert conv == {"speakers": [], "pairs": []}


def test_stage_contract_and_record_shape():
    story = build_story([RawChapter(None, ['"Hi," said Lex.', "Clark nodded."])], source=Source("x", "text"))
    doc = Analysis(story)
    doc.inferred["characters"] = CHARS
    doc.scratch["mentions"] = names_only(story.text)
    stage = QuotesStage()
    assert (stage.name, stage.requires, stage.assigns) == ("quotes", ("characters",), ("quotes", "conversations"))
    q = stage(doc).inferred["quotes"]
    assert 0.9 <= q[0].pop("confidence") <= 1.0  # the ranker's probability
    assert q == [
        {"start": 1, "end": 4, "text": "Hi,", "type": "speech", "speaker": "c0", "speaker_name": "Lex Luthor",
         "addressee": None, "rule": "explicit"}
    ]


def _decoded(scores, fixed=(), **params):
    """Joint decoding of one conversation, one quote per turn: `scores` are
    each turn's candidate probabilities as the ranker would give them."""
    import math

    from ficdex.analysis.dialogue import _Turn
    from ficdex.analysis.speaker_model import decode

    turns = [_Turn(n, n, [n]) for n in range(len(scores))]
    scored = {n: {c: math.log(p) for c, p in s.items()} for n, s in enumerate(scores)}
    out = [{"speaker": max(s, key=s.get), "rule": "ranked", "addressee": None, "_fixed": n in fixed}
           for n, s in enumerate(scores)]
    decode([turns], scored, out, params)
    return [r["speaker"] for r in out]


def test_joint_decoding_alternates_between_anchors():
    # the middle turns lean weakly to the wrong one of two speakers; two
    # sure turns at either end and alternation decide them together
    weak = {"lex": 0.55, "clark": 0.45}
    scores = [{"lex": 0.95, "clark": 0.05}, weak, weak, {"lex": 0.05, "clark": 0.95}]
    assert _decoded(scores) == ["lex", "lex", "lex", "clark"]
    assert _decoded(scores, same=-0.5, alt=0.5) == ["lex", "clark", "lex", "clark"]


def test_joint_decoding_keeps_protected_answers_and_sure_turns():
    # a protected turn stays whatever the turn-taking says; a turn the
    # ranker is sure of is not overturned by a weak alternation bonus
    scores = [{"lex": 0.9, "clark": 0.1}, {"lex": 0.6, "clark": 0.4}, {"lex": 0.02, "clark": 0.98}]
    assert _decoded(scores, fixed={1}, same=-3, alt=0)[1] == "lex"
    assert _decoded(scores, same=-0.5, alt=0.5)[2] == "clark"


def test_scorer_reads_linear_weights_as_the_old_sum():
    from ficdex.analysis.speaker_mlp import Scorer

    weights = {"sieve_explicit_name": 3.0, "rank0": 0.5, "log_dist": -1.2}
    rows = [{"sieve_explicit_name": 1.0, "log_dist": 0.25}, {"rank0": 1.0, "unknown": 9.0}, {}]
    got = Scorer(weights).scores(rows)
    want = [sum(weights.get(k, 0.0) * v for k, v in f.items()) for f in rows]
    assert got.tolist() == pytest.approx(want)


def test_hidden_units_let_the_context_decide_what_a_feature_is_worth():
    # "the previous turn's speaker" is the wrong answer in a two-person
    # exchange but the right one after "he said" resolved to him: a linear
    # score cannot do both, the fitted hidden layer does
    import numpy as np

    from ficdex.analysis.speaker_mlp import Scorer, to_spec
    from ficdex.analysis.speaker_mlp import fit

    rng = np.random.default_rng(1)
    vocab = ["turn-1", "ctx_pron3", "noise"]
    X, groups, gold, quotes = [], [], [], []
    for g in range(400):
        pron = float(g % 2)
        rows = [[1.0, pron, rng.random()], [0.0, pron, rng.random()]]
        X += rows
        groups += [g, g]
        gold.append(2 * g + (0 if pron else 1))
        quotes.append(rows)
    X, groups, gold = np.array(X), np.array(groups), np.array(gold)

    def accuracy(params):
        sc = Scorer(to_spec(vocab, params))
        right = 0
        for g, rows in enumerate(quotes):
            s = sc.scores([dict(zip(vocab, r)) for r in rows])
            right += 2 * g + int(np.argmax(s)) == gold[g]
        return right / len(quotes)

    assert accuracy(fit(X, groups, gold, hidden=0, l2=0.1)) <= 0.6
    assert accuracy(fit(X, groups, gold, hidden=4, l2=0.1, l2_hidden=0.1)) >= 0.95


# -- seeds: hand-checked speakers ------------------------------------------------


def _score(quotes, characters, expected, names):
    by_id = {c["id"]: c for c in characters}
    speech = [q for q in quotes if q["type"] == "speech"]
    right = 0
    for i, who in expected:
        c = by_id.get(speech[i]["speaker"]) if i < len(speech) else None
        known = {c["name"], *(c.get("aliases") or ())} if c else set()
        right += bool(known & set(names[who]))
    return right / len(expected)


# Floors measured on the annotation, a little under what the code reaches,
# so a regression fails: names-only mentions reach 10/11 and 47/50.
ORACLE_FLOOR = {"004_c355a5c7a1f84d53.txt": 0.9, "000_91b4a0c1c4cda303.txt": 0.9}


def test_seed_speakers_with_given_names(seeds):
    from ficdex.ingest import read

    ann = json.loads(ANNOTATION.read_text())
    chars = [{"id": f"c{i}", "name": n, "gender": "male"} for i, n in enumerate(ann["names"])]
    owner = {a: f"c{i}" for i, n in enumerate(ann["names"]) for a in ann["names"][n]}
    rx = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, owner), key=len, reverse=True)) + r")\b")
    for name, expected in ann["stories"].items():
        story = read(seeds / name)
        mentions = [{"start": m.start(), "end": m.end(), "character": owner[m.group()], "kind": "name"} for m in rx.finditer(story.text)]
        quotes, _ = run_quotes(story.text, [(p.start, p.end) for p in story.paragraphs()], mentions, chars)
        assert _score(quotes, chars, expected, ann["names"]) >= ORACLE_FLOOR[name], name


# The whole pipeline (entity tagger, characters, quotes) reaches 11/11 and
# 44/50 (the ranker of session 5: PDNC CV +0.5 points and LitBank +0.6 for
# one alternation flip here; 45/50 before, 47/50 on older characters); one
# miss more on 004 is allowed.
PIPELINE_FLOOR = {"004_c355a5c7a1f84d53.txt": 0.9, "000_91b4a0c1c4cda303.txt": 0.88}


@pytest.mark.slow
def test_seed_speakers_full_pipeline(seeds):
    from ficdex.analysis.entities import MODEL_DIR
    from ficdex.analysis.pipeline import REGISTRY, load_stages
    from ficdex.api import analyze_path

    load_stages()
    if "characters" not in REGISTRY or not (MODEL_DIR / "meta.json").exists():
        pytest.skip("the entity tagger or the characters stage is not built yet")
    ann = json.loads(ANNOTATION.read_text())
    for name, expected in ann["stories"].items():
        doc = analyze_path(seeds / name)
        acc = _score(doc.inferred["quotes"], doc.inferred["characters"], expected, ann["names"])
        print(f"{name}: {acc:.2f} of {len(expected)} hand-checked quotes")
        assert acc >= PIPELINE_FLOOR[name], name


def _pronoun_rows(text):
    """The ranker's candidate features for each speech quote of `text`."""
    from ficdex.analysis.dialogue import attribute as attribute_records
    from ficdex.analysis.quotes import detect_quotes

    paras = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    feats = []
    attribute_records(text, paras, detect_quotes(text, paras), names_only(text), CHARS, model=False, collect=feats)
    return {i: dict(zip(cands, rows)) for i, cands, rows in feats}


def test_he_said_evidence_is_given_to_the_men_only_and_ranked():
    text = 'Clark sat down. Lex poured two drinks. Lois watched them.\n"Thank you so much, Clark," he said.'
    rows = _pronoun_rows(text)[0]
    lex, clark, lois = rows["c0"], rows["c1"], rows["c2"]
    # Lex was the latest man named and the latest man as a subject
    assert lex.get("pg_recent0") and lex.get("pg_subj0") and clark.get("pg_recent1")
    # the quote addresses Clark by name: the other man is the likely speaker
    assert lex.get("pg_voc_other") and not clark.get("pg_voc_other")
    assert not any(k.startswith("pg_") for k in lois)


def test_no_he_said_evidence_without_a_third_person_pronoun():
    rows = _pronoun_rows('Clark sat down. Lex poured two drinks.\n"Thank you, Clark," said Lex.\n"Sure," I said.')
    assert rows and not any(k.startswith("pg_") for by_cand in rows.values() for f in by_cand.values() for k in f)
