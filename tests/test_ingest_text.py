"""Plain-text reading: encodings, mojibake, front and back matter, structure."""

from __future__ import annotations

import codecs

import pytest

from ficdex.errors import BinaryFileError, EmptyFileError, EncodingError, FileTooLargeError, InputError
from ficdex.ingest import read, read_data
from ficdex.model import count_words

STORY = (
    "Disclaimer: the characters belong to their creators. I am only borrowing them.\n\n"
    "A/N: Thanks to my beta.\n\n"
    "Chapter One\n\n"
    "Mara pushed open the café door. “Late again,” said Theo – without looking up…\n\n"
    "* * *\n\n"
    "The espresso machine hissed.\n\n"
    "Chapter Two\n\n"
    "Theo’s apron was on backwards.\n\n"
    "END\n"
)


def test_structure_of_a_raw_fic(tmp_path):
    path = tmp_path / "fic.txt"
    path.write_text(STORY, encoding="utf-8")
    story = read(path)
    assert [(m.kind, m.text) for m in story.front_matter] == [
        ("disclaimer", "Disclaimer: the characters belong to their creators. I am only borrowing them."),
        ("notes", "A/N: Thanks to my beta."),
    ]
    assert [(m.kind, m.text) for m in story.back_matter] == [("end_marker", "END")]
    assert [c.title for c in story.chapters] == ["Chapter One", "Chapter Two"]
    assert story.paragraph_texts() == [
        "Mara pushed open the café door. “Late again,” said Theo – without looking up…",
        "The espresso machine hissed.",
        "Theo’s apron was on backwards.",
    ]
    assert [p.scene_break_before for p in story.paragraphs()] == [False, True, False]
    assert "Disclaimer" not in story.text and "END" not in story.text
    # offsets are stable: every paragraph's slice is its text
    for p, t in zip(story.paragraphs(), story.paragraph_texts()):
        assert story.text[p.start : p.end] == t
    assert story.words == count_words(story.text) == 22


@pytest.mark.parametrize(
    "encoding,prefix",
    [
        ("utf-8", b""),
        ("utf-8-sig", b""),
        ("utf-16", b""),  # Python writes the BOM
        ("utf-16-le", b""),  # no BOM at all
        ("cp1252", b""),
    ],
)
def test_encodings_decode_to_the_same_story(tmp_path, encoding, prefix):
    text = "Chapter 1\n\n“Déjà vu,” she said — twice.\n\nHe smiled at the naïve façade.\n"
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(prefix + text.encode(encoding))
    story = read(path)
    assert story.paragraph_texts() == ["“Déjà vu,” she said — twice.", "He smiled at the naïve façade."]


def test_latin1_is_decoded(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Zoë walked to the café and ordered a crème brûlée. It was très bon.\n".encode("latin-1"))
    assert read(path).text == "Zoë walked to the café and ordered a crème brûlée. It was très bon."


def test_mojibake_is_repaired(tmp_path):
    # UTF-8 text that was once decoded as cp1252 and saved again as UTF-8.
    broken = "He paused â€“ a long pauseâ€¦ then â€œyesâ€\x9d.".encode("utf-8")
    path = tmp_path / "moji.txt"
    path.write_bytes(broken)
    story = read(path)
    assert story.text == "He paused – a long pause… then “yes”."
    assert story.source.repaired is True


def test_header_lines_are_declared_metadata(tmp_path):
    path = tmp_path / "h.txt"
    path.write_text(
        "Title: Night Shift\nAuthor: someone\nRating: PG-13\nPairing: Theo/Mara\nWarnings: none\n\n"
        "The night shift began at ten.\n",
        encoding="utf-8",
    )
    story = read(path)
    assert story.title == "Night Shift" and story.authors == ["someone"]
    assert story.declared.rating == "PG-13"
    assert story.declared.relationships == ["Theo/Mara"]
    assert story.declared.warnings == ["none"]
    assert story.text == "The night shift began at ten."


def test_one_paragraph_per_line_files(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("First line of the story.\nSecond paragraph here.\nThird one.\n", encoding="utf-8")
    assert read(path).paragraph_texts() == ["First line of the story.", "Second paragraph here.", "Third one."]


def test_same_text_same_id_whatever_the_file(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("One paragraph.\n\nAnother one.\n", encoding="utf-8")
    b.write_bytes("One paragraph.\r\n\r\nAnother   one.\r\n".encode("utf-16"))
    assert read(a).id == read(b).id


@pytest.mark.parametrize(
    "data,error,reason",
    [
        (b"", EmptyFileError, "file is empty"),
        (b"   \n\n  \t\n", EmptyFileError, "file is empty"),
        (bytes(range(256)) * 40, BinaryFileError, "binary data"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"IHDR", BinaryFileError, "binary data"),
        # zero bytes at every other position, like UTF-16, but not text
        (b"".join(bytes([b, 0]) for b in range(1, 32)) * 40, BinaryFileError, "binary data"),
        (codecs.BOM_UTF8 + b"caf\xe9 au lait, \xff\xfe broken", EncodingError, "utf-8-sig"),
        (b"Disclaimer: not mine.\n\nEND\n", EmptyFileError, "no story text"),
    ],
)
def test_bad_input_is_one_line_naming_the_file(tmp_path, data, error, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(error) as info:
        read(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and reason in message and "\n" not in message


def test_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 5000, encoding="utf-8")
    with pytest.raises(FileTooLargeError, match=r"over the 1,000-byte limit"):
        read(path, max_bytes=1000)
    with pytest.raises(FileTooLargeError):
        read_data(b"x" * 2000, "upload.txt", max_bytes=1000)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        read(tmp_path / "nope.txt")


def test_seeds_mojibake_disclaimer_and_word_counts(seeds):
    """The two seed stories: mojibake repaired, disclaimer apart, words as counted by hand rules."""
    s0 = read(next(seeds.glob("000_*.txt")))
    raw = next(seeds.glob("000_*.txt")).read_text(encoding="utf-8")
    assert "â€" in raw and "â€" not in s0.text
    assert "–" in s0.text and "…" in s0.text
    assert s0.source.repaired
    assert [m.kind for m in s0.front_matter] == ["disclaimer"]
    assert s0.front_matter[0].text.startswith("Disclaimer:") and "DC Comics" in s0.front_matter[0].text
    assert "Disclaimer" not in s0.text
    assert [m.kind for m in s0.back_matter] == ["end_marker"]
    # the story's words are the file's words less the disclaimer's and END
    body = raw.split("\n", 1)[1].rsplit("END", 1)[0]
    assert s0.words == count_words(body.replace("â€“", "–").replace("â€¦", "…"))
    s4 = read(next(seeds.glob("004_*.txt")))
    assert s4.front_matter == [] and s4.back_matter == []
    assert s4.words == count_words(next(seeds.glob("004_*.txt")).read_text(encoding="utf-8"))
    assert 600 < s4.words < 700 and 9000 < s0.words < 10000


def test_a_title_line_at_the_top(tmp_path):
    prose = "The night bus was empty except for a woman knitting something long and green, and the driver hummed along to a radio only he could hear."
    path = tmp_path / "t.txt"
    path.write_text(f"A/N: for the exchange.\n\nThe Night Bus\n\n{prose}\n", encoding="utf-8")
    story = read(path)
    assert (story.title, story.text) == ("The Night Bus", prose)
    # a short opening sentence is story, not a title
    path.write_text(f"It was late.\n\n{prose}\n", encoding="utf-8")
    story = read(path)
    assert (story.title, story.paragraph_texts()) == (None, ["It was late.", prose])
