"""Near-duplicates: an edited repost is flagged when added and grouped by
`ficdex duplicates`; different stories are not."""

from __future__ import annotations

import json
import random

import pytest
from test_library_support import db_url, doc, no_stages, store  # noqa: F401 - fixtures
from typer.testing import CliRunner

from ficdex.cli import app
from ficdex.library import dedupe
from ficdex.model import story_id

SYLLABLES = "ka lo mi ren sa tu vel ar on is el dor fin gal".split()
VOCAB = sorted({"".join(random.Random(i).choices(SYLLABLES, k=3)) for i in range(800)})


def story_text(seed: int, words: int = 600) -> str:
    rng = random.Random(seed)
    sentences = [" ".join(rng.choice(VOCAB) for _ in range(12)).capitalize() + "." for _ in range(words // 12)]
    return "\n\n".join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5))


def edited(text: str, seed: int, changes: int) -> str:
    """A repost: `changes` words swapped for others, and a new closing line."""
    rng = random.Random(seed)
    words = text.split(" ")
    for i in rng.sample(range(len(words)), changes):
        words[i] = rng.choice(VOCAB)
    return " ".join(words) + ("\n\nThanks for reading!" if changes else "")


ORIGINAL = story_text(1)
EDITED = edited(ORIGINAL, seed=2, changes=12)
OTHER = story_text(3)


def test_library_dedupe_signature_estimates_jaccard():
    a, b = dedupe.shingles(ORIGINAL), dedupe.shingles(EDITED)
    jaccard = len(a & b) / len(a | b)
    estimate = dedupe.similarity(dedupe.signature(ORIGINAL), dedupe.signature(EDITED))
    assert abs(estimate - jaccard) < 0.12
    assert dedupe.similarity(dedupe.signature(ORIGINAL), dedupe.signature(OTHER)) < 0.1


def test_library_dedupe_signature_is_stable():
    # Signatures are stored: the same text must give the same bytes in every process.
    assert dedupe.to_bytes(dedupe.signature("one two three four five six")) == \
        dedupe.to_bytes(dedupe.signature("One two, three four five six!"))


def test_library_dedupe_edited_copy_is_flagged(store):
    a, b, c = (story_id(t) for t in (ORIGINAL, EDITED, OTHER))
    assert store.put(doc(a, "The Original", ORIGINAL)).duplicates == []
    assert store.put(doc(c, "Something Else", OTHER)).duplicates == []
    flagged = store.put(doc(b, "Reposted Under Another Name", EDITED)).duplicates
    assert [w for w, _ in flagged] == [a]
    assert flagged[0][1] >= dedupe.THRESHOLD
    groups = store.duplicate_groups()
    assert [[w for w, _ in g] for g in groups] == [sorted([a, b])]


def test_library_dedupe_groups_chain_and_removal(store):
    # Two light edits of one original: still alike once the original is gone.
    texts = [ORIGINAL, edited(ORIGINAL, seed=5, changes=4), edited(ORIGINAL, seed=6, changes=4), OTHER]
    wids = [story_id(t) for t in texts]
    for i, t in enumerate(texts):
        store.put(doc(wids[i], f"t{i}", t))
    assert [[w for w, _ in g] for g in store.duplicate_groups()] == [sorted(wids[:3])]
    store.remove(wids[0])
    assert [[w for w, _ in g] for g in store.duplicate_groups()] == [sorted(wids[1:3])]


def test_library_cli_duplicates(db_url, no_stages, tmp_path):
    folder = tmp_path / "fics"
    folder.mkdir()
    (folder / "a.txt").write_text("Original\n\n" + ORIGINAL, encoding="utf-8")
    (folder / "b.txt").write_text("Original (repost)\n\n" + EDITED, encoding="utf-8")
    runner = CliRunner()
    added = runner.invoke(app, ["add", str(folder / "a.txt"), "--db", db_url])
    assert added.exit_code == 0
    result = runner.invoke(app, ["add", str(folder / "b.txt"), "--db", db_url])
    first, dup = (line.split()[1] for line in added.stdout.splitlines() + result.stdout.splitlines()[:1])
    lines = result.stdout.splitlines()
    assert lines[0] == f"added {dup} {folder / 'b.txt'}"
    assert lines[1].startswith(f"  near-duplicate of {first} (") and len(lines) == 2
    listed = json.loads(runner.invoke(app, ["duplicates", "--format", "json", "--db", db_url]).stdout)
    assert [[w["id"] for w in g] for g in listed] == [sorted([first, dup])]


@pytest.mark.parametrize("changes", [0, 3, 20])
def test_library_dedupe_similarity_falls_with_edits(changes):
    sims = dedupe.similarity(dedupe.signature(ORIGINAL), dedupe.signature(edited(ORIGINAL, 7, changes)))
    assert sims == 1.0 if changes == 0 else 0.6 < sims < 1.0


def test_library_dedupe_empty_text_has_no_signature():
    assert (dedupe.signature(""), dedupe.signature("... !!!")) == (None, None)
