"""The library commands end to end, on each backend: add (idempotent, bad
files, killed mid-run), tag, reanalyze, search, show, remove, stats."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_library_support import db_url, no_stages  # noqa: F401 - fixtures
from typer.testing import CliRunner

from ficdex import __version__, api
from ficdex.cli import app
from ficdex.errors import FicdexError
from ficdex.ingest import read
from ficdex.library import SearchQuery, open_store

# A `ficdex` that analyses with no stages, for subprocesses.
FICDEX = ("import sys, ficdex.analysis.pipeline as p; p._DEFAULT = p.Pipeline([]); "
          "from ficdex.cli import app; app(prog_name='ficdex')")
WORDS = ("rain storm clark lex apple barn field road night light door quiet laugh river city roof "
         "cape letter train winter summer coffee kitchen window garden fire smoke bell song").split()


def run(*args):
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def write_story(path: Path, seed: int, words: int = 120) -> Path:
    rng = random.Random(seed)
    paras = [" ".join(rng.choice(WORDS) for _ in range(words // 4)).capitalize() + "." for _ in range(4)]
    path.write_text(f"Story {seed}\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
    return path


def sample_ids(samples: Path) -> dict[str, str]:
    return {str(p): read(p).id for p in sorted(samples.iterdir())}


def snapshot(db) -> list[dict]:
    with open_store(db) as s:
        return [s.get(w).to_dict() for w in s.ids()]


def test_library_cli_add_is_idempotent(db_url, no_stages, samples):
    ids = sample_ids(samples)
    code, out, err = run("add", samples, "--db", db_url)
    assert (code, sorted(out.splitlines())) == (0, sorted(f"added {i} {p}" for p, i in ids.items()))
    assert err == "3 added\n"
    before = snapshot(db_url)
    code, out, err = run("add", samples, "--db", db_url)
    assert (code, sorted(out.splitlines()), err) == (
        0, sorted(f"unchanged {i} {p}" for p, i in ids.items()), "3 unchanged\n")
    assert snapshot(db_url) == before


def test_library_cli_bad_files_are_reported_and_skipped(db_url, no_stages, tmp_path):
    folder = tmp_path / "fics"
    folder.mkdir()
    good = write_story(folder / "good.txt", 1)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    missing = tmp_path / "missing"
    expected = []
    for p in (folder / "binary.txt", folder / "empty.txt"):
        with pytest.raises(FicdexError) as e:
            read(p)
        expected.append(f"Error: {e.value}")
    code, out, err = run("add", folder, missing, "--db", db_url)
    assert code == 1
    assert out == f"added {read(good).id} {good}\n"
    assert err.splitlines() == [f"Error: {missing}: no such file or folder", *expected, "1 added, 3 error"]
    with open_store(db_url) as s:
        assert (s.ids(), s.check()) == ([read(good).id], [])


def test_library_cli_tag_override_survives_reanalyze(db_url, no_stages, samples):
    run("add", samples, "--db", db_url)
    wid = read(samples / "gotham-rooftops.txt").id
    code, out, _ = run("tag", wid[:8], "--set", "rating=M", "--add", "characters=Clark Kent",
                       "--remove", "character=Bruce Wayne", "--db", db_url)
    assert code == 0
    with open_store(db_url) as s:
        declared = s.get(wid).declared
    chars = [c for c in declared["character"] if c != "Bruce Wayne"] + ["Clark Kent"]
    assert out == f"rating: Mature\ncharacter: {', '.join(chars)}\n"
    code, out, _ = run("reanalyze", "--db", db_url)
    assert (code, sorted(out.split("\n")[:-1])) == (0, sorted(f"updated {i}" for i in sample_ids(samples).values()))
    code, out, _ = run("show", wid, "--format", "json", "--db", db_url)
    shown = json.loads(out)
    assert (shown["effective"]["rating"], shown["effective"]["character"]) == (["Mature"], chars)
    assert shown["overrides"] == {"rating": {"set": ["Mature"]},
                                  "character": {"add": ["Clark Kent"], "remove": ["Bruce Wayne"]}}


def test_library_cli_reanalyze_outdated(db_url, no_stages, samples):
    paths = sorted(samples.iterdir())
    old = read(paths[0])
    with open_store(db_url) as s:
        s.put(api.to_json(api.analyze_story(old)) | {"ficdex_version": "0.0.1"}, old.to_dict())
    run("add", *paths[1:], "--db", db_url)
    code, out, err = run("reanalyze", "--outdated", "--db", db_url)
    assert (code, out, err) == (0, f"updated {old.id}\n", "2 skipped, 1 updated\n")
    with open_store(db_url) as s:
        assert set(s.versions().values()) == {__version__}


def test_library_cli_search_json_is_the_store_result(db_url, no_stages, samples):
    run("add", samples, "--db", db_url)
    code, out, _ = run("search", "library OR rain", "--exclude-rating", "Explicit", "--sort", "title",
                       "--format", "json", "--db", db_url)
    with open_store(db_url) as s:
        expected = s.search(SearchQuery(text="library OR rain", exclude={"rating": ["Explicit"]}, sort="title"))
    assert (code, json.loads(out)) == (0, expected.to_dict())
    assert expected.total >= 1


def test_library_cli_search_errors_are_one_line(db_url):
    code, out, err = run("search", "rain OR NOT storm", "--db", db_url)
    assert (code, out, err) == (1, "", "Error: a search cannot be made only of NOT terms inside OR or brackets\n")


def test_library_cli_show_and_remove(db_url, no_stages, samples):
    run("add", samples, "--db", db_url)
    wid = read(samples / "hogwarts-library-ao3.html").id
    code, out, _ = run("remove", wid[:6], "--db", db_url)
    assert (code, out) == (0, f"removed {wid}\n")
    assert run("show", wid, "--db", db_url) == (1, "", f"Error: {wid}: no such work in the library\n")
    with open_store(db_url) as s:
        assert (s.count(), s.check()) == (2, [])


def test_library_cli_bad_db(tmp_path):
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not a database, just text " * 200)
    code, out, err = run("search", "--db", bad)
    assert (code, out) == (1, "")
    assert err == f"Error: {bad}: cannot open the library: file is not a database\n"
    assert bad.read_bytes() == b"this is not a database, just text " * 200


def test_library_cli_stats(db_url, no_stages, samples, tmp_path):
    run("add", samples, "--db", db_url)
    png = tmp_path / "stats.png"
    code, out, _ = run("stats", "--png", png, "--format", "json", "--db", db_url)
    data = json.loads(out)
    with open_store(db_url) as s:
        fandoms = s.tag_counts("fandom", 10)
    assert (code, data["works"], [tuple(x) for x in data["fandoms"]]) == (0, 3, fandoms)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_library_cli_add_killed_mid_run_leaves_a_consistent_library(db_url, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(400):
        write_story(folder / f"story-{i:03d}.txt", i, words=200)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", FICDEX, "add", str(folder), "--db", db_url],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    reported = []
    for line in proc.stdout:
        if line.startswith("added "):
            reported.append(line.split()[1])
        if len(reported) == 60:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with open_store(db_url) as s:
        assert s.check() == []
        assert all(s.has(w) for w in reported)
        assert 60 <= s.count() < 400
        # Every stored work is whole: searchable by its own words and tags.
        assert s.search(SearchQuery(per_page=1000)).total == s.count()
    # Adding again finishes the job and re-adds nothing.
    done = subprocess.run([sys.executable, "-c", FICDEX, "add", str(folder), "--db", db_url],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0
    again = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("unchanged ")]
    assert set(reported) <= set(again)
    with open_store(db_url) as s:
        assert (s.count(), s.check()) == (400, [])
