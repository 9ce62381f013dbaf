"""Every shipped fandom file loads and is well formed; the loader rejects
malformed ones by name."""

from __future__ import annotations

import pytest

from ficdex import knowledge
from ficdex.errors import ModelError

FILES = sorted(knowledge.DATA_DIR.glob("*.toml"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fandom_file_is_well_formed(path):
    f = knowledge.load_fandom(path)
    assert f.tag.strip() and f.characters, "a fandom needs its AO3 tag and characters"
    names = [knowledge.norm(c.name) for c in f.characters]
    assert len(names) == len(set(names))
    for c in f.characters:
        assert c.gender in ("male", "female", "nonbinary", None)
        assert c.tag.strip()
        assert all(w in c.names for w in c.words), f"{c.name}: 'words' must be among its aliases"
    for t in f.places:
        assert t.label in knowledge.PLACE_LABELS


def test_fandom_tags_do_not_collide():
    """Two files may share an umbrella tag ("DCU") but not a specific one."""
    owner: dict[str, str] = {}
    for path in FILES:
        f = knowledge.load_fandom(path)
        for t in f.all_tags:
            assert owner.setdefault(knowledge.norm(t), f.key) == f.key, t


def test_covers_normalises_tags():
    assert knowledge.covers("Smallville")
    assert knowledge.covers("  batman - ALL MEDIA TYPES ")
    assert knowledge.covers("DCU")
    assert knowledge.families("DCU") >= {"smallville", "batman", "superman"}
    assert not knowledge.covers("Original Work")


def test_tag_names_splits_alias_and_fandom():
    assert knowledge.tag_names("Number Five | The Boy (Umbrella Academy)") == {"number five", "the boy"}
    assert knowledge.tag_names("Nakia (Black Panther) (Mentioned)") == {"nakia"}


def test_canonical_minors_are_known_by_fandom():
    """The same name can be a teenager in one canon and an adult in another:
    Smallville's Clark is in high school, the comics' Clark is not."""
    kb = knowledge.load()
    clark = {c.fandom: c for cs in [kb.characters["clark kent"]] for c in cs}
    assert clark["smallville"].minor and not clark["superman"].minor
    assert kb.characters["stiles"][0].minor and not kb.characters["derek hale"][0].minor
    assert not any(c.minor for f in ("sherlock", "leverage") for c in kb.fandoms[f].characters)


def test_minor_without_an_age(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('fandom = "X"\ncharacters = [{name = "A", minor = true}, {name = "B", age = 40}]', encoding="utf-8")
    a, b = knowledge.load_fandom(path).characters
    assert a.minor and a.age is None and not b.minor


@pytest.mark.parametrize(
    "body, message",
    [
        ('fandom = "X"\ncharacters = [{name = "A", gender = "robot"}]', "gender"),
        ('fandom = "X"\ncharacters = [{name = "A"}, {name = "a"}]', "duplicate"),
        ('characters = [{name = "A"}]', "fandom"),
        ('fandom = "X"\ncharacters = [{name = "A", alias = ["B"]}]', "unknown"),
        ('fandom = "X"\nplaces = [{name = "Y", label = "PER"}]', "label"),
        ('fandom = "X"\ncharacters = [{name = "A", aliases = "B"}]', "list"),
        ('fandom = "X\n', "cannot read"),
        ('fandom = "X"\ncharacters = [{name = "A", age = "sixteen"}]', "age"),
        ('fandom = "X"\ncharacters = [{name = "A", minor = "yes"}]', "minor"),
    ],
)
def test_malformed_files_are_rejected(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        knowledge.load_fandom(path)


def test_empty_directory_is_an_error(tmp_path):
    with pytest.raises(ModelError):
        knowledge.load(str(tmp_path))


def test_triads_name_the_fandoms_own_characters(tmp_path):
    body = ('fandom = "Made Up"\ncharacters = [{name = "Ada Vell"}, {name = "Bo Rint", tag = "Bo (Made Up)"},'
            ' {name = "Cy Onde"}]\n')
    ok = tmp_path / "made_up.toml"
    ok.write_text(body + 'triads = [["Ada Vell", "Bo Rint", "Cy Onde"]]\n', encoding="utf-8")
    assert knowledge.load_fandom(ok).triads == [("Ada Vell", "Bo (Made Up)", "Cy Onde")]
    for bad in ('[["Ada Vell", "Bo Rint", "Di Nobody"]]', '[["Ada Vell", "Bo Rint"]]', '[["Ada Vell", "Ada Vell", "Cy Onde"]]'):
        ok.write_text(body + f"triads = {bad}\n", encoding="utf-8")
        with pytest.raises(ModelError, match="triads"):
            knowledge.load_fandom(ok)


def test_families_are_relatives_by_tag(tmp_path):
    body = 'fandom = "Made Up"\ncharacters = [{name = "Ada Vell"}, {name = "Bo Vell", tag = "Bo (Made Up)"}, {name = "Cy Onde"}]\n'
    ok = tmp_path / "made_up.toml"
    ok.write_text(body + 'families = [["Ada Vell", "Bo Vell"]]\n', encoding="utf-8")
    kb = knowledge.KnowledgeBase([knowledge.load_fandom(ok)])
    assert frozenset(("Ada Vell", "Bo (Made Up)")) in kb.kin
    assert frozenset(("Ada Vell", "Cy Onde")) not in kb.kin
    for bad in ('[["Ada Vell"]]', '[["Ada Vell", "Di Nobody"]]'):
        ok.write_text(body + f"families = {bad}\n", encoding="utf-8")
        with pytest.raises(ModelError, match="families"):
            knowledge.load_fandom(ok)
