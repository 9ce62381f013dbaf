"""The sieve's explicit rule on speech verbs before the quote (made-up text,
names tagged by hand): a relative clause's antecedent ("Ben, who said, …")
and a paragraph that hands over to the quote opening the next one."""

from __future__ import annotations

from ficdex.analysis.dialogue import attribute
from ficdex.analysis.quotes import detect_quotes

from tests.test_characters import run, tagged

NAMES = dict.fromkeys(["Clara", "Edmund", "Harriet"], "PER")


def speakers(text: str) -> dict[str, tuple[str | None, str | None]]:
    doc = run(tagged(text, NAMES))
    story = doc.story
    paras = [(p.start, p.end) for p in story.paragraphs()]
    quotes = detect_quotes(story.text, paras)
    recs = attribute(story.text, paras, quotes, doc.scratch["mentions"], doc.inferred["characters"], model=False)
    names = {c["id"]: c["name"] for c in doc.inferred["characters"]}
    return {story.text[q.start:q.end]: (names.get(r["speaker"]), r["rule"]) for q, r in zip(quotes, recs)}


def test_the_antecedent_of_who_said_speaks():
    got = speakers('Edmund looked at the sea. Clara watched Harriet, who, after a moment\'s thought, said, "The tide is turning."')
    assert got["The tide is turning."] == ("Harriet", "explicit")


def test_a_paragraph_ending_in_a_speech_verb_hands_over_to_the_next_quote():
    text = ('Harriet sat by the fire. Edmund laid his book aside, looked at Clara, and said:\n\n'
            '"We leave at dawn."\n\n'
            'Clara turned from the window and quietly answered,\n\n'
            '"Then we had better sleep."')
    got = speakers(text)
    assert got["We leave at dawn."] == ("Edmund", "explicit")
    assert got["Then we had better sleep."] == ("Clara", "explicit")


def test_a_paragraph_that_ends_its_sentence_hands_over_nothing():
    text = ('Harriet sat by the fire. Edmund laid his book aside and said nothing.\n\n'
            '"We leave at dawn."')
    got = speakers(text)
    assert got["We leave at dawn."][1] != "explicit"


def test_older_speech_verbs_hand_the_quote_to_their_subject():
    text = ('Harriet sat by the fire with Edmund and Clara.\n\n'
            '"We leave at dawn," said Edmund.\n\n'
            '"Not before breakfast," interposed Clara.\n\n'
            '"At dawn," Edmund pursued, "and not a minute later."')
    got = speakers(text)
    assert got["Not before breakfast,"] == ("Clara", "explicit")
    assert got["At dawn,"] == ("Edmund", "explicit")


def test_was_her_reply_names_the_speaker():
    text = ('Harriet sat by the fire with Edmund and Clara.\n\n'
            '"We leave at dawn," said Edmund.\n\n'
            '"Not before breakfast," was Clara\'s only reply.')
    assert speakers(text)["Not before breakfast,"] == ("Clara", "explicit")


def test_a_preposition_after_a_name_is_no_speech_verb():
    # "go on", "put in", "shoot back": only the whole phrase is a speech verb, never "on" or "back" alone
    text = ('Edmund and Clara sat by the fire.\n\n'
            'Harriet glanced at Clara, then at Edmund on the stair, "Who is it?"\n\n'
            '"Nobody," Clara went on, "only the wind."')
    got = speakers(text)
    assert got["Who is it?"][0] != "Edmund"
    assert got["Nobody,"] == ("Clara", "explicit")
