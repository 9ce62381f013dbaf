"""The tagger's static vectors: the unlabeled corpus and the floret table.

All text here is made up by the test (seeded nonsense words); the shipped
model is only loaded, never retrained.
"""

from __future__ import annotations

import json
import random

import pytest

from ficdex.train import vectors as vec

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _prose(seed: int, sentences: int) -> str:
    rng = random.Random(seed)
    words = ["".join(rng.choice("aeioustrnlmkd") for _ in range(rng.randint(2, 8))) for _ in range(300)]
    out = []
    for _ in range(sentences):
        out.append(" ".join(rng.choice(words) for _ in range(12)).capitalize() + ".")
    return " ".join(out)


def _fake_data(root, litbank_text: str | None):
    novels = {"Alpha": _prose(1, 80), "Beta": _prose(2, 80)}
    for name, text in novels.items():
        d = root / "pdnc" / "data" / name
        d.mkdir(parents=True)
        d.joinpath("novel_text.txt").write_text(text[:3000] + "\n\n" + text[3000:], encoding="utf-8")
    works = [{"id": "w1", "text": "Quorra ran.\n\nShe ran far.", "rating": "Explicit"}, {"id": "w2"}]
    (root / "ao3-dev").mkdir()
    (root / "ao3-dev" / "gold.jsonl").write_text("\n".join(json.dumps(w) for w in works) + "\n", encoding="utf-8")
    if litbank_text is not None:
        lb = root / "litbank"
        (lb / "entities" / "tsv").mkdir(parents=True)
        (lb / "coref" / "tsv").mkdir(parents=True)
        rows = "\n".join(f"{w}\tO\tO\tO\tO" for w in litbank_text.split())
        (lb / "entities" / "tsv" / "doc.tsv").write_text(rows + "\n", encoding="utf-8")
        (lb / "coref" / "tsv" / "doc.ann").write_text("", encoding="utf-8")
    return novels


def test_corpus_leaves_out_a_text_that_contains_a_litbank_document(tmp_path):
    # LitBank holds the opening of "Alpha" (as PDNC holds whole novels
    # LitBank opens); one shared sentence with "Beta" is not enough.
    opening = _prose(1, 80)[:2500] + " " + _prose(2, 80)[:80]
    novels = _fake_data(tmp_path, opening)
    stats = vec.build_corpus(tmp_path, tmp_path / "c.txt", litbank_dir=tmp_path / "litbank")
    assert stats["excluded"] == ["pdnc/Alpha"]
    assert stats["texts"] == 2  # Beta and the one AO3 work with text
    lines = (tmp_path / "c.txt").read_text(encoding="utf-8").splitlines()
    assert "Quorra ran ." in lines and "She ran far ." in lines
    beta = " ".join(novels["Beta"].split())
    long = [line.replace(" .", ".") for line in lines if len(line) > 100]
    assert len(long) == 2 and all(line in beta for line in long)
    # Without LitBank nothing is left out; the tags are never read.
    stats = vec.build_corpus(tmp_path, tmp_path / "d.txt", litbank_dir=None)
    assert stats["excluded"] == [] and stats["texts"] == 3
    assert "Explicit" not in (tmp_path / "d.txt").read_text(encoding="utf-8")


def test_no_unlabeled_text_is_an_input_error(tmp_path):
    from ficdex.errors import InputError

    with pytest.raises(InputError):
        vec.build_corpus(tmp_path, tmp_path / "c.txt")


def test_trained_vectors_are_a_floret_table_spacy_reads(tmp_path):
    pytest.importorskip("floret")
    import spacy

    _fake_data(tmp_path, None)
    small = {"dim": 8, "bucket": 500, "epoch": 2, "minCount": 1}
    stats = vec.train_vectors(tmp_path, tmp_path / "v", settings=small, log=lambda *_: None)
    assert stats["texts"] == 3 and stats["words"] > 1500
    nlp = spacy.load(tmp_path / "v")
    assert nlp.vocab.vectors.mode == "floret"
    assert nlp.vocab.vectors.shape == (500, 8)
    # A word never seen still gets a vector, built from its pieces.
    doc = nlp("Zzyzzqua")
    assert doc[0].has_vector and float(abs(doc[0].vector).sum()) > 0
    # No corpus word list is saved with the table.
    strings = json.loads((tmp_path / "v" / "vocab" / "strings.json").read_text(encoding="utf-8"))
    assert len(strings) < 2000
