"""`ficdex analyze` as a user runs it: JSON out, one-line errors, the run goes on."""

from __future__ import annotations

import json
import zipfile

from typer.testing import CliRunner

from ficdex.analysis import INFERRED_KEYS
from ficdex.cli import app

runner = CliRunner()


def _analyze(*args):
    result = runner.invoke(app, ["analyze", "--format", "json", *map(str, args)])
    docs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result, docs


def test_samples_analyse_to_the_documented_json(samples):
    result, docs = _analyze(samples)
    assert result.exit_code == 0, result.output
    assert len(docs) == len(list(samples.iterdir()))
    for doc in docs:
        assert doc["schema"] == "ficdex.analysis/1"
        assert set(doc["inferred"]) == set(INFERRED_KEYS)
        assert doc["words"] == sum(c["words"] for c in doc["chapters"])
        assert doc["words"] > 200
    by_format = {d["source"]["format"]: d for d in docs}
    assert set(by_format) == {"text", "ao3-html"}


def test_seeds_json(seeds):
    result, docs = _analyze(*sorted(seeds.glob("*.txt")))
    assert result.exit_code == 0, result.output
    explicit, teen = docs
    assert explicit["front_matter"][0]["kind"] == "disclaimer"
    assert "Disclaimer" not in json.dumps(explicit["chapters"])
    assert explicit["source"]["repaired"] is True and teen["source"]["repaired"] is False
    assert 9000 < explicit["words"] < 10000 and 600 < teen["words"] < 700


def test_text_format_is_readable(samples):
    result = runner.invoke(app, ["analyze", "--format", "text", str(samples / "gotham-rooftops.txt")])
    assert result.exit_code == 0, result.output
    assert "Rooftops" in result.stdout and "Inferred by ficdex" in result.stdout


def test_bad_files_are_one_line_each_and_the_run_goes_on(tmp_path, samples):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a-good.txt").write_text((samples / "gotham-rooftops.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b-empty.txt").write_bytes(b"")
    (folder / "c-binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "d-truncated.epub").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    (folder / "e-not-a-zip.epub").write_bytes(b"this is not an archive at all")
    (folder / "f-huge.txt").write_text("word " * 300_000, encoding="utf-8")
    (folder / "g-hostile.html").write_text(
        "<html><body><script>document.write('pwned')</script><p onclick=\"alert(1)\">A quiet story"
        " about a lighthouse keeper and her cat.</p><style>p{}</style></body></html>",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["analyze", "--format", "json", "--max-bytes", "1000000", str(folder)])
    docs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.exit_code == 1
    assert sorted(d["source"]["path"].rsplit("/", 1)[1] for d in docs) == ["a-good.txt", "g-hostile.html"]
    hostile = next(d for d in docs if d["source"]["path"].endswith("g-hostile.html"))
    assert hostile["words"] == 10
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    named = {line.split(": ", 2)[1].rsplit("/", 1)[1] for line in errors}
    assert named == {"b-empty.txt", "c-binary.txt", "d-truncated.epub", "e-not-a-zip.epub", "f-huge.txt"}
    assert "4 of 7" not in result.stderr and "5 of 7 file(s) failed" in result.stderr


def test_missing_path_is_an_error_line(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path / "nowhere.txt")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {tmp_path / 'nowhere.txt'}: no such file or folder"


def test_zip_bomb_epub_is_refused(tmp_path):
    bomb = tmp_path / "bomb.epub"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        with z.open("OEBPS/chapter.xhtml", "w", force_zip64=True) as f:
            block = b"\x00" * (1 << 20)
            for _ in range(600):
                f.write(block)
    assert bomb.stat().st_size < 2_000_000
    result = runner.invoke(app, ["analyze", str(bomb)])
    assert result.exit_code == 1
    line, summary = result.stderr.strip().split("\n")
    assert line.startswith(f"Error: {bomb}: ") and "unpack" in line
    assert summary == "1 of 1 file(s) failed"


def test_text_format_shows_the_evidence(samples):
    result = runner.invoke(app, ["analyze", "--format", "text", str(samples / "smallville-rain-check.txt")])
    assert result.exit_code == 0, result.output
    why = result.stdout.split("Why (the passages that decided each tag)", 1)[1]
    assert "Clark Kent/Lex Luthor" in why and "kiss" in why


def test_text_format_names_who_speaks_and_to_whom(samples):
    """The readable summary carries the same speaker counts and pairs as the JSON."""
    story = str(samples / "gotham-rooftops.txt")
    data = json.loads(runner.invoke(app, ["analyze", "--format", "json", story]).stdout)
    talk = data["inferred"]["conversations"]
    assert talk["speakers"] and talk["pairs"]
    text = runner.invoke(app, ["analyze", "--format", "text", story], env={"COLUMNS": "250"}).stdout
    quotes_line = next(line for line in text.splitlines() if "Quotes" in line)
    for s in talk["speakers"][:3]:
        assert f"{s['name']} {s['quotes']} ({s['words']} words)" in quotes_line
    top = talk["pairs"][0]
    assert f"{top['a_name']} ↔ {top['b_name']}" in text
