"""`ficdex spark`: the Spark job gives exactly the single-process analysis,
bad works become error rows, and the results load into the library.

Spark runs in local[2] mode with a small session; the AO3 works are read
from ../shared at test time and written to a temporary JSONL, never copied
into the repository.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'ficdex[spark]')")
pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'ficdex[spark]')")
if shutil.which("java") is None:
    pytest.skip("no Java runtime: pyspark needs one (source .ci/java.sh)", allow_module_level=True)

from ficdex import api  # noqa: E402
from ficdex.analysis import analyze  # noqa: E402
from ficdex.analysis.pipeline import Pipeline  # noqa: E402
from ficdex.ingest import read  # noqa: E402
from ficdex.spark import job  # noqa: E402

pytestmark = pytest.mark.slow

N_WORKS = 50


@pytest.fixture(scope="module")
def stages():
    # The default stages whose models are on disk: the job and the reference
    # run the same ones, and once every model ships that is the default pipeline.
    names = job.buildable_stages()
    if not names:
        pytest.skip("no analysis stage can be built (models missing)")
    return names


@pytest.fixture(scope="module")
def spark():
    s = job.session(
        "local[2]",
        app="ficdex-tests",
        conf={
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.driver.memory": "1g",
            "spark.task.maxFailures": "1",
        },
    )
    yield s
    s.stop()


def _without_path(doc: dict) -> dict:
    # The one field that legitimately differs: the Spark row names its
    # table and id ("works.jsonl#ao3-1"), the reference run names its file.
    return {**doc, "source": {k: v for k, v in doc["source"].items() if k != "path"}}


def _reference(spark, stages, files: list[Path]) -> dict[str, dict]:
    """The single-process documents for `files`, made in a fresh Python with
    the hash seed Spark gives its workers (the driver's, or 0): a stage whose
    output follows set order would otherwise differ between any two
    processes, Spark or not, and this test is about the job."""
    import os
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from ficdex import api\n"
        "from ficdex.analysis import analyze\n"
        "from ficdex.ingest import read\n"
        "from ficdex.spark.job import pipeline_for\n"
        "p = pipeline_for(tuple(sys.argv[1].split(',')))\n"
        "for f in sys.argv[2:]:\n"
        "    print(json.dumps(api.to_json(analyze(read(f), p))))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": spark.sparkContext.environment["PYTHONHASHSEED"]}
    out = subprocess.run([sys.executable, "-c", code, ",".join(stages), *map(str, files)],
                         env=env, capture_output=True, text=True, check=True).stdout
    return {str(f): json.loads(line) for f, line in zip(files, out.splitlines())}


def _rows(path) -> dict[str, dict]:
    import pyarrow.parquet as pq

    return {r["id"]: r for r in pq.read_table(str(path)).to_pylist()}


def test_table_results_equal_the_single_process_run(spark, stages, shared_data, tmp_path):
    works = []
    with open(shared_data / "ao3-dev" / "gold.jsonl", encoding="utf-8") as f:
        for line in f:
            works.append(json.loads(line))
            if len(works) == N_WORKS:
                break
    works += [{"id": "bad-empty", "text": "", "rating": "Explicit"}, {"id": "bad-null", "text": None}]
    table = tmp_path / "works.jsonl"
    table.write_text("".join(json.dumps(w, ensure_ascii=False) + "\n" for w in works), encoding="utf-8")

    out = tmp_path / "out.parquet"
    summary = job.run(spark, str(table), str(out), job.Options(stages), partitions=4)
    rows = _rows(out)

    assert summary["works"] == len(works) == len(rows)
    assert summary["errors"] == 2
    assert rows["bad-empty"]["error_code"] == "empty_file" and rows["bad-empty"]["document"] is None
    assert rows["bad-null"]["error"].startswith("InputError: ")
    # Declared tags ride along under their own names, never in inferred columns.
    assert rows["bad-empty"]["declared_rating"] == "Explicit"
    # Models load once per Python worker, however many tasks and batches it runs.
    assert {r["worker_loads"] for r in rows.values()} == {1}
    assert 1 <= len({r["worker"] for r in rows.values()}) <= 2

    files = tmp_path / "files"
    files.mkdir()
    for w in works[:N_WORKS]:
        (files / f"{w['id']}.txt").write_bytes(w["text"].encode("utf-8"))
    reference = _reference(spark, stages, [files / f"{w['id']}.txt" for w in works[:N_WORKS]])
    for w in works[:N_WORKS]:
        row = rows[w["id"]]
        assert row["error"] is None, row["error"]
        assert row["stages"] == list(stages)
        assert row["declared_fandoms"] == w["fandoms"]
        expected = reference[str(files / f"{w['id']}.txt")]
        got = json.loads(row["document"])
        assert _without_path(got) == _without_path(expected), w["id"]
        assert got["source"]["path"] == f"{table}#{w['id']}"
        # The typed columns are read off the same document.
        assert row["story_id"] == expected["id"] and row["words"] == expected["words"]
        rating = expected["inferred"]["rating"]
        assert row["rating"] == (rating["tag"] if rating else None)


def test_folder_of_files_with_bad_ones(spark, stages, samples, tmp_path):
    folder = tmp_path / "fics"
    (folder / "nested").mkdir(parents=True)
    good = sorted(p for p in samples.iterdir() if p.suffix in {".txt", ".html"})
    for p in good:  # a space in a name: the path must survive Spark's URIs
        shutil.copy(p, folder / "nested" / p.name.replace("-", " ", 1))
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 100)  # not a story suffix: not read

    out = tmp_path / "out"
    summary = job.run(spark, str(folder), str(out), job.Options(stages))
    rows = _rows(out)

    # Spark never reads a zero-length file: it has no row, and the summary counts it.
    assert summary["works"] == len(good) + 1 and summary["errors"] == 1 and summary["unread"] == 1
    assert rows[str(folder / "binary.txt")]["error_code"] == "binary_file"
    assert str(folder / "empty.txt") not in rows
    paths = [folder / "nested" / p.name.replace("-", " ", 1) for p in good]
    reference = _reference(spark, stages, paths)
    for path in paths:
        # Same path as `ficdex analyze` prints: the documents are identical.
        assert json.loads(rows[str(path)]["document"]) == reference[str(path)]
    formats = {r["format"] for r in rows.values() if r["error"] is None}
    assert formats == {d["source"]["format"] for d in reference.values()}


def test_an_oversized_file_is_an_error_row_without_being_read(spark, stages, samples, tmp_path):
    folder = tmp_path / "fics"
    folder.mkdir()
    small, big = folder / "small.txt", folder / "big.txt"
    shutil.copy(samples / "gotham-rooftops.txt", small)
    big.write_text((samples / "gotham-rooftops.txt").read_text(encoding="utf-8") * 10, encoding="utf-8")
    limit = big.stat().st_size - 1
    assert small.stat().st_size <= limit
    job.run(spark, str(folder), str(tmp_path / "out"), job.Options(stages, max_bytes=limit))
    rows = _rows(tmp_path / "out")
    assert rows[str(small)]["error"] is None
    assert rows[str(big)]["error_code"] == "file_too_large"
    assert f"{big.stat().st_size:,} bytes" in rows[str(big)]["error"]


def test_a_crashing_stage_is_an_error_row_naming_the_stage(stages):
    class Broken:
        name = "broken"
        requires: tuple = ()
        assigns: tuple = ()

        def __call__(self, doc):
            raise ZeroDivisionError("division by zero in a stage")

    sample = Path(__file__).resolve().parent.parent / "samples" / "gotham-rooftops.txt"
    row = job.analyze_one("w1", sample.read_bytes(), str(sample), Pipeline([Broken()]))
    assert row["error_code"] == "crash"
    assert row["error"] == "ZeroDivisionError in stage 'broken': division by zero in a stage"
    assert row["id"] == "w1" and row["document"] is None


def test_a_work_over_the_time_limit_is_an_error_row_and_the_next_one_runs():
    import time

    class Slow:
        name = "slow"
        requires: tuple = ()
        assigns: tuple = ()

        def __call__(self, doc):
            if "slow" in doc.story.text:
                time.sleep(5)
            return doc

    options = job.Options(timeout=0.2)
    pipeline = Pipeline([Slow()])
    t0 = time.perf_counter()
    row = job.analyze_one("w1", b"A slow story.\n\nIt goes on.", "w1.txt", pipeline, options)
    assert time.perf_counter() - t0 < 2
    assert row["error_code"] == "timeout" and row["error"].startswith("TimeoutError in stage 'slow': ")
    # The alarm is disarmed after each work: a quick one is not cut short later.
    row = job.analyze_one("w2", b"A quick story.", "w2.txt", pipeline, options)
    time.sleep(0.3)
    assert row["error"] is None and row["stages"] == ["slow"]


def test_results_load_into_the_library(spark, stages, samples, tmp_path):
    library = pytest.importorskip("ficdex.library.store", reason="the library is not built yet")
    from ficdex.spark.index import index_results

    out = tmp_path / "out"
    job.run(spark, str(samples), str(out), job.Options(stages))
    rows = [r for r in _rows(out).values() if r["error"] is None]
    db = tmp_path / "library.db"
    counts = index_results(str(out), str(db))
    assert counts["indexed"] == len(rows) and counts["skipped"] == 0
    with library.open_store(str(db)) as store:
        assert store.count() == len(rows)
        for r in rows:
            work = store.get(r["story_id"])
            assert work.analysis == json.loads(r["document"])
            assert json.loads(r["story"])["text"] == store.text(r["story_id"])
    # Loading again (here through the CLI) changes nothing: the store keeps existing works.
    from typer.testing import CliRunner

    from ficdex.cli import app

    result = CliRunner().invoke(app, ["spark", "index", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"indexed {len(rows)} works" in result.output
    with library.open_store(str(db)) as store:
        assert store.count() == len(rows)


def test_cli_errors_are_one_line(spark, stages, tmp_path, samples):
    from typer.testing import CliRunner

    from ficdex.cli import app

    runner = CliRunner()
    taken = tmp_path / "taken"
    taken.mkdir()
    result = runner.invoke(app, ["spark", "analyze", str(samples), str(taken)])
    assert result.exit_code == 1 and "already exists" in result.output
    result = runner.invoke(app, ["spark", "analyze", str(tmp_path / "nowhere"), str(tmp_path / "out")])
    assert result.exit_code == 1 and "no such file or folder" in result.output
    assert len(result.output.strip().splitlines()) == 1
    table = tmp_path / "notes.jsonl"
    table.write_text('{"title": "no id, no text"}\n', encoding="utf-8")
    result = runner.invoke(app, ["spark", "analyze", str(table), str(tmp_path / "out"), "--stages", ",".join(stages)])
    assert result.exit_code == 1 and "needs id and text" in result.output
    result = runner.invoke(app, ["spark", "analyze", str(samples), str(tmp_path / "out"), "--stages", "no-such-stage"])
    assert result.exit_code == 1 and "no such stage: no-such-stage" in result.output


def test_table_metadata_fills_declared_never_inferred(samples):
    from ficdex.spark.index import with_table_metadata

    doc = api.to_json(analyze(read(samples / "gotham-rooftops.txt"), Pipeline([])))
    doc["declared"] = {"rating": "Mature"}  # what the file itself said wins
    row = {"declared_rating": "Explicit", "declared_fandoms": ["Batman"], "declared_words": "1234",
           "declared_author": "someone", "declared_source": "html/1.html"}
    out = with_table_metadata(doc, row)
    assert out["declared"]["rating"] == "Mature"
    assert out["declared"]["fandoms"] == ["Batman"] and out["declared"]["words"] == 1234
    assert out["inferred"] == doc["inferred"]
    assert out["authors"] == (doc["authors"] or ["someone"])
    assert "source" not in out["declared"] and doc["declared"] == {"rating": "Mature"}
