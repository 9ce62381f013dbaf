"""The measuring stick: scorers on hand-made gold/prediction pairs, the
offset map, BookNLP's published figure on the real data, and the CLI."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from ficdex.analysis.pipeline import Pipeline
from ficdex.errors import InputError
from ficdex.eval import ao3, names, pdnc
from ficdex.eval.align import NonSpace, OffsetMap
from ficdex.eval.cli import app
from ficdex.eval.report import EvalRunner

GA, T, M, E = ao3.RATINGS


# --- names ------------------------------------------------------------------


def test_name_forms_strip_fandom_alias_and_title():
    assert names.name_forms("Number Five | The Boy (Umbrella Academy)") == {"number five", "the boy"}
    assert names.name_forms("Calcifer (Howl Series)") == {"calcifer"}
    assert names.name_forms("Mr. Darcy") == {"darcy"}
    assert names.name_forms("Dr. Hérmann  Gottlieb") == {"hermann gottlieb"}


def test_first_name_and_surname_rules():
    assert names.forms_match("katniss", "katniss everdeen")
    assert names.forms_match("everdeen", "katniss everdeen")
    assert not names.forms_match("primrose everdeen", "katniss everdeen")
    assert not names.forms_match("kat", "katniss everdeen")
    assert names.names_match(names.name_forms("The Boy"), names.name_forms("Number Five | The Boy (Umbrella Academy)"))


def test_pairings_keep_slash_and_ampersand_apart():
    assert names.pairings_match("Howl Pendragon/Sophie Hatter", "Sophie Hatter/Howl Pendragon (Howl Series)")
    assert names.pairings_match("Number Five | The Boy/Delores", "Delores/Number Five")
    assert not names.pairings_match("Arthur Dent/Ford Prefect", "Arthur Dent & Ford Prefect")
    assert not names.pairings_match("Arthur Dent/Ford Prefect", "Arthur Dent/Ford Prefect/Trillian")
    assert names.pairings_match("Alec Hardison/Parker/Eliot Spencer", "Parker/Eliot/Hardison")
    # AO3 files "You" under "Reader"; a different person still does not match.
    assert names.pairings_match("Bucky Barnes/You", "Bucky Barnes/Reader")
    assert not names.pairings_match("Bucky Barnes/You", "Bucky Barnes/Steve Rogers")


def test_warning_and_fandom_keys():
    assert names.warning_key("Choose Not To Use Archive Warnings") == names.warning_key(
        "Creator Chose Not To Use Archive Warnings"
    )
    assert names.fandom_keys("Hunger Games Trilogy - Suzanne Collins") == {"hunger games"}
    assert names.fandom_keys("Howl no Ugoku Shiro | Howl's Moving Castle") == {"howl no ugoku shiro", "howls moving castle"}
    assert names.fandoms_match("The Hunger Games (Movies)", "Hunger Games Series - All Media Types")
    assert not names.fandoms_match("American Gods (TV)", "Neverwhere - Neil Gaiman")
    assert not names.is_person_tag("Original Female Character(s)")
    assert names.is_person_tag("Parker (Leverage)")


# --- AO3 scorers ---------------------------------------------------------------


def test_rating_confusion_and_figures():
    gold = [GA, GA, T, M, E, E, "Not Rated"]
    pred = [GA, E, T, GA, E, M, E]
    r = ao3.score_rating(gold, pred)
    assert r["confusion"] == {GA: {GA: 1, E: 1}, T: {T: 1}, M: {GA: 1}, E: {E: 1, M: 1}}
    assert (r["n"], r["accuracy"]) == (6, 3 / 6)
    assert (r["explicit_recall"], r["explicit_precision"]) == (1 / 2, 1 / 2)
    assert r["mature_or_explicit_as_general"] == 1 / 3
    assert ao3.score_rating(gold, None)["accuracy"] is None


def test_warnings_skip_opt_out_works():
    nawa, mcd = names.NO_WARNINGS, "Major Character Death"
    gold = [[nawa], [mcd], [mcd, "Underage"], ["Choose Not To Use Archive Warnings"], []]
    pred = [[nawa], [nawa], [mcd], [mcd], [mcd]]
    r = ao3.score_warnings(gold, pred)
    assert r[mcd] == {"precision": 1.0, "recall": 0.5, "gold": 2, "n": 3}
    assert r[nawa] == {"precision": 0.5, "recall": 1.0, "gold": 1, "n": 3}
    assert r["Underage"]["precision"] is None and r["Underage"]["recall"] == 0.0


def test_category_fandom_relationship_character_scores():
    cat = ao3.score_category([["M/M"], ["F/M", "Gen"], [], ["F/F"]], [["M/M"], ["Gen"], ["Gen"], []])
    assert cat == {"exact": 1 / 3, "primary": 2 / 3, "n": 3}

    gold_f = [["Hunger Games Trilogy - Suzanne Collins", "The Hunger Games (Movies)"], ["Leverage"], ["Supernatural"]]
    pred_f = [["Hunger Games Series - All Media Types"], ["Supernatural", "Leverage"], []]
    fan = ao3.score_fandoms(gold_f, pred_f, covers=lambda t: "Leverage" in t or "Hunger" in t)
    assert fan == {"n": 3, "n_covered": 2, "accuracy": 1 / 3, "covered_accuracy": 1 / 2}

    gold_r = [["Sophie Hatter/Howl Pendragon", "Calcifer & Michael Fisher"], ["Parker & Eliot Spencer"], []]
    pred_r = [["Markl/Sophie", "Calcifer/Howl", "Howl/Sophie"], ["Parker/Eliot Spencer"], ["X/Y"]]
    assert ao3.score_relationships(gold_r, pred_r) == {"top3_recall": 1 / 2, "n": 2}

    gold_c = [["Katniss Everdeen", "Peeta Mellark", "Original Male Character(s)"], ["Number Five | The Boy (Umbrella Academy)"]]
    pred_c = [[ao3.character_forms({"name": "Katniss", "aliases": {"Kat": 2}})], [ao3.character_forms({"name": "The Boy"})]]
    assert ao3.score_characters(gold_c, pred_c) == {"recall": 2 / 3, "n": 3}


def test_baselines_are_majority_classes():
    works = [
        {"rating": GA, "warnings": [names.NO_WARNINGS], "category": ["Gen"], "fandoms": ["Leverage"]},
        {"rating": GA, "warnings": [names.NO_WARNINGS], "category": ["Gen"], "fandoms": ["Leverage (TV)"]},
        {"rating": E, "warnings": ["Underage"], "category": ["M/M"], "fandoms": ["Supernatural"]},
        {"rating": "Not Rated", "warnings": ["Choose Not To Use Archive Warnings"], "category": ["Gen"]},
    ]
    b = ao3.baselines(works)
    assert b["predictions"]["rating"] == GA and b["predictions"]["fandom"] == "leverage"
    assert (b["rating_accuracy"], b["explicit_recall"], b["mature_or_explicit_as_general"]) == (2 / 3, 0.0, 1.0)
    assert b["warnings"][names.NO_WARNINGS] == {"precision": 2 / 3, "recall": 1.0}
    assert (b["category_accuracy"], b["fandom_accuracy"]) == (3 / 4, 2 / 3)


def test_unbuilt_components_are_null_not_zero(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "w1", "rating": T, "text": "One.\n\nTwo words."}) + "\n")
    r = ao3.evaluate_ao3(gold, runner=EvalRunner(Pipeline([])))
    assert r["works"] == 1 and r["rating_accuracy"] is None and r["character_recall"] is None
    assert r["baselines"]["rating_accuracy"] == 1.0 and r["words"] == 3


# --- alignment -------------------------------------------------------------------


def test_offset_map_carries_spans_across_whitespace():
    src = 'He said,\n  "Come   here,"\nand left.'
    dst = 'He said, "Come here," and left.'
    m = OffsetMap(src, dst)
    s, e = src.index('"Come'), src.index('and') - 1
    assert m.span(s, e) == (9, 21) and dst[9:21] == '"Come here,"'
    assert m.span(src.index("\n  "), src.index('"')) == (9, 9)
    assert NonSpace(src).find("Come here , \"", 0)[:2] == (src.index("Come"), src.index("\nand"))
    with pytest.raises(InputError):
        OffsetMap("abc", "abd")


# --- PDNC ---------------------------------------------------------------------------

TOY_TEXT = '"Tea,"\nsaid Ann, "is ready."\n\n"Good," said Bob.\n\n"No!" cried\nAnn.\n'


def _toy_pdnc(tmp_path):
    folder = tmp_path / "pdnc" / "data" / "Toy"
    folder.mkdir(parents=True)
    (folder / "novel_text.txt").write_text(TOY_TEXT)
    spans = [m.span() for m in re.finditer(r'"[^"]+"', TOY_TEXT)]
    (folder / "character_info.csv").write_text(
        "Character ID,Main Name,Aliases,Gender,Category\n"
        "0,Ann Lee,\"{'Ann', 'Miss Lee'}\",F,major\n1,Bob,['Bob'],M,minor\n"
    )
    rows = ["quoteID,quoteText,subQuotationList,quoteByteSpans,speaker"]
    for qid, sp, who in (("Q0", [spans[0], spans[1]], "Ann"), ("Q1", [spans[2]], "Bob"), ("Q2", [spans[3]], "Ann Lee")):
        rows.append(f'{qid},x,[],"{[list(s) for s in sp]}",{who}')
    (folder / "quotation_info.csv").write_text("\n".join(rows) + "\n")
    bk = tmp_path / "booknlp" / "Toy"
    bk.mkdir(parents=True)
    (bk / "Toy.quotes").write_text(
        "quote_start\tquote_end\tmention_start\tmention_end\tmention_phrase\tchar_id\tquote\n"
        '0\t3\t4\t5\tAnn\t7\t" Tea , "\n6\t10\t4\t5\tAnn\t7\t" is ready . "\n'
        '11\t14\t16\t16\tBob\t8\t" Good , "\n18\t21\t22\t22\tAnn\t8\t" No ! "\n'
    )
    (bk / "coref_matches.csv").write_text('COREF,matches,pdncID\n7,[0],0\n8,"[1, 0]",-1\n')
    return tmp_path / "pdnc", tmp_path / "booknlp"


class _ToyQuotes:
    """Finds every double-quoted run and gives it to the one character it knows."""

    name, requires, assigns = "toy", (), ("quotes", "characters")

    def __call__(self, doc):
        doc.inferred["characters"] = [{"id": "c0", "name": "Miss Lee", "aliases": {"Ann": 2}}]
        doc.inferred["quotes"] = [
            {"start": m.start(), "end": m.end(), "speaker": "c0"} for m in re.finditer(r'"[^"]+"', doc.story.text)
        ]
        return doc


def test_pdnc_scores_whole_and_sub_quotes(tmp_path):
    root, booknlp = _toy_pdnc(tmp_path)
    r = pdnc.evaluate_pdnc(root, booknlp=booknlp, runner=EvalRunner(Pipeline([_ToyQuotes()])))
    # Q0 (two sub-spans) and Q2 are Ann's; Bob's Q1 is detected but misattributed.
    assert (r["quotes"], r["detection_recall"], r["speaker_accuracy"]) == (3, 1.0, 2 / 3)
    assert r["speaker_accuracy_subquote"] == 3 / 4
    # BookNLP: cluster 7 is Ann; cluster 8's matches disagree, so it maps to
    # no one (-1) and both quotes given to it are wrong.
    assert (r["booknlp_detection_recall"], r["booknlp_speaker_accuracy"]) == (1.0, 1 / 3)
    assert r["booknlp_speaker_accuracy_subquote"] == 2 / 4


def test_score_units_needs_half_the_characters():
    idx = NonSpace('"abcd" x "ef"')
    gold = [([(0, 6), (9, 13)], 1)]
    assert pdnc.score_units(idx, gold, [(0, 3, 1)]) == {"quotes": 1, "detected": 0, "correct": 0}
    assert pdnc.score_units(idx, gold, [(0, 6, 2), (9, 11, 1)]) == {"quotes": 1, "detected": 1, "correct": 0}


def test_character_mapping_votes_and_refuses_ties():
    aliases = {0: {"ann", "miss lee"}, 1: {"bob"}, 2: {"miss lee", "jo lee"}}
    chars = [{"id": "a", "name": "Ann", "aliases": {"Miss Lee": 3}}, {"id": "b", "name": "Miss Lee"}, {"id": "c", "name": "Zed"}]
    assert pdnc.map_characters(chars, aliases) == {"a": 0, "b": None, "c": None}


@pytest.mark.slow
def test_booknlp_published_figure_reproduces(shared_data):
    r = pdnc.evaluate_pdnc(shared_data / "pdnc", booknlp=shared_data / "booknlp-pdnc", runner=EvalRunner(Pipeline([])))
    assert r["booknlp_novels"] == 15 and r["speaker_accuracy"] is None
    assert 0.30 <= r["booknlp_speaker_accuracy"] <= 0.50
    # Vishnubhotla et al. (2023) report 41% scoring per sub-quotation.
    assert 0.38 <= r["booknlp_speaker_accuracy_subquote"] <= 0.44


# --- CLI ---------------------------------------------------------------------------------

AO3_KEYS = {
    "works", "rating_accuracy", "explicit_recall", "explicit_precision", "mature_or_explicit_as_general",
    "warnings", "category_accuracy", "relationship_top3_recall", "fandom_accuracy", "character_recall",
    "words_per_second",
}


def test_cli_ao3_writes_every_key(shared_data, tmp_path):
    out = tmp_path / "ao3.json"
    result = CliRunner().invoke(app, ["ao3", str(shared_data / "ao3-dev" / "gold.jsonl"), "--limit", "20", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert AO3_KEYS <= set(data) and data["works"] == 20
    assert set(data["warnings"]) == set(ao3.WARNINGS)
    assert "rating accuracy" in result.output


def test_cli_pdnc_on_toy_data(tmp_path):
    root, booknlp = _toy_pdnc(tmp_path)
    out = tmp_path / "p.json"
    result = CliRunner().invoke(app, ["pdnc", str(root), "--booknlp", str(booknlp), "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert {"quotes", "detection_recall", "speaker_accuracy", "booknlp_speaker_accuracy", "words_per_second"} <= set(data)
    assert data["quotes"] == 3 and data["booknlp_speaker_accuracy"] == pytest.approx(1 / 3)


def test_cli_reports_a_missing_gold_file(tmp_path):
    result = CliRunner().invoke(app, ["ao3", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1 and "no such gold file" in result.output
