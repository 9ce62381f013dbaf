"""What a quote says about its speaker (`speaker_style.py`): forms of
address, per-character word habits and the local pair, on made-up text
with made-up names."""

from __future__ import annotations

import re

from ficdex.analysis.quotes import detect_quotes
from ficdex.analysis.speaker_style import BookStyle, address_forms, local_pair


def test_address_forms_finds_words_of_address_and_names():
    assert address_forms("Yes, sir.") == ["sir"]
    assert address_forms("Papa, you must come.") == ["papa"]
    assert address_forms("It will rain, my dear Orla!") == ["my dear orla", "my dear"]
    assert address_forms("Good morning, Mr. Vantreck.") == ["mr vantreck"]
    assert address_forms("Oh, Tamsin, do stop.") == ["tamsin"]


def test_address_forms_skips_interjections_and_asides():
    assert address_forms("Well, I never.") == []
    assert address_forms("I think, however, that it will rain.") == []
    assert address_forms("He went to Dunmore, and then home.") == []


def _book(lines):
    """lines: (speaker or None, sure?, quote text); one paragraph each."""
    text = "\n".join(f'"{q}"' for _, _, q in lines)
    paras = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    quotes = detect_quotes(text, paras)
    out = [{"speaker": s, "type": "speech", "rule": "explicit" if sure else None} for s, sure, _ in lines]
    return text, quotes, out, [bool(sure) for _, sure, _ in lines]


def test_vocative_habit_votes_for_who_used_the_form():
    lines = [("kit", True, "Papa, the carriage is here."), ("kit", True, "Papa, look at the ducks."),
             ("bran", True, "Yes, sir, at once."), ("bran", True, "Very good, sir."), ("bran", True, "The horses are ready."),
             (None, False, "Papa, may I go too?")]
    text, quotes, out, sure = _book(lines)
    st = BookStyle(text, quotes, out, sure, {})
    rows = [{}, {}]
    st.add(5, ["kit", "bran"], rows)
    assert rows[0]["vh_share"] > 0.5
    assert "vh_share" not in rows[1] and rows[1]["vh_never"] == 1.0


def test_a_sure_quote_never_votes_for_itself():
    lines = [("kit", True, "Papa, the carriage is here."), ("bran", True, "Yes, sir, at once.")]
    text, quotes, out, sure = _book(lines)
    st = BookStyle(text, quotes, out, sure, {})
    rows = [{}, {}]
    st.add(0, ["kit", "bran"], rows)
    # the only "papa" is the quote's own: no evidence either way
    assert "vh_share" not in rows[0] and "vh_never" not in rows[0]


def test_form_heard_goes_to_the_one_addressed():
    lines = [("kit", True, "Papa, the carriage is here."), ("kit", True, "Papa, look."), (None, False, "Papa, wait!")]
    text, quotes, out, sure = _book(lines)
    st = BookStyle(text, quotes, out, sure, {0: "oswin", 1: "oswin"})
    rows = [{}, {}]
    st.add(2, ["kit", "oswin"], rows)
    assert rows[1]["vh_heard"] > 0.5 and "vh_heard" not in rows[0]


def test_idiolect_prefers_the_candidate_who_talks_like_this():
    kit = ["Gosh, that is simply splendid!", "Gosh, splendid, simply splendid!", "Simply splendid, gosh!",
           "What a splendid day, gosh!", "Gosh! Splendid! What a simply splendid thing to do!"]
    bran = ["The accounts are in order and the rent is paid.", "The rent is due on the first of the month.",
            "The accounts show that the rent was paid in full.", "I have paid the rent and settled the accounts.",
            "The month's accounts are in the ledger."]
    lines = [("kit", True, q) for q in kit * 2] + [("bran", True, q) for q in bran * 2]
    lines += [(None, False, "Gosh, how splendid!"), (None, False, "Is the rent in the accounts?")]
    text, quotes, out, sure = _book(lines)
    st = BookStyle(text, quotes, out, sure, {})
    for i, who in ((20, 0), (21, 1)):
        rows = [{}, {}, {}]
        st.add(i, ["kit", "bran", "tova"], rows)
        assert rows[who].get("id_best") == 1.0 and rows[1 - who]["id_llr"] < rows[who]["id_llr"]
        # too few sure quotes for a model of her own
        assert rows[2]["id_none"] == 1.0 and "id_llr" not in rows[2]


class _T:
    def __init__(self, speaker, rule=None):
        self.speaker, self.rule, self.p = speaker, rule, None


def test_local_pair_marks_a_third_person_outside_a_two_person_exchange():
    sure = lambda t: t.rule == "explicit"  # noqa: E731
    conv = [_T("kit", "explicit"), _T("bran", "explicit"), _T("kit"), _T("bran"), _T(None), _T("kit"), _T("bran", "explicit")]
    rows = [{}, {}, {}]
    local_pair(conv, 4, sure, ["kit", "bran", "tova"], rows)
    # sure turns on either side: bran three turns back, bran two ahead
    # are one person, so no pair; the last four turns hold two people
    assert rows[2]["lp_out_two"] == 1.0 and rows[0]["lp_in_two"] == 1.0
    rows = [{}, {}, {}]
    local_pair(conv, 5, sure, ["kit", "bran", "tova"], rows)
    assert "lp_in_pair" not in rows[0]
    # bran sure three turns back, kit sure on the next turn: a pair
    conv[5].rule = "explicit"
    rows = [{}, {}, {}]
    local_pair(conv, 4, sure, ["kit", "bran", "tova"], rows)
    assert rows[0]["lp_in_pair"] == rows[1]["lp_in_pair"] == 1.0
    assert rows[2]["lp_out_pair"] == 1.0 and "lp_in_pair" not in rows[2]
    # kit sure on the turn before, bran sure two turns ahead: both sides'
    # alternation say bran
    conv[2].rule, conv[6].rule = "explicit", None
    conv[5].speaker = "bran"
    rows = [{}, {}, {}]
    local_pair(conv, 3, sure, ["kit", "bran", "tova"], rows)
    assert rows[1]["lp_both_expect"] == 1.0 and "lp_both_expect" not in rows[0]
