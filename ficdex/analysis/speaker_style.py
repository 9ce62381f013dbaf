"""What a quote says about its speaker, learned from the book itself.

The ranker's other features say where a quote is and who is near it.  A
reader also hears *who talks like this*: a child says "Papa", a servant
"sir", one man says "my dear fellow" and another never does; one character
exclaims, another speaks in long periods.  None of that can be known in
advance for a new book, but each book attributes a third of its quotes
surely (a speech verb with a name, "Lex's voice", and in the second pass
the first pass's confident answers), and those teach the book's own
voices.  Per document, from the sure quotes only (never gold):

* `vh_` vocative habits: the forms of address a quote uses (", sir.",
  "Papa, …", "…, my dear Emma!") against the forms each character used in
  its sure quotes, and the forms it was addressed with (the speaker of the
  turn before a sure quote, when another, is whom it answers);
* `id_` idiolect: a smoothed unigram model per character with enough sure
  speech, the quote's log-likelihood ratio against the book's background;
* `lp_` the local pair: the sure speakers on either side of the turn, and
  whether the candidate is outside a two-person exchange.

A quote never votes for itself: its own paragraph's sure quotes are left
out of what its candidates are measured against.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

# Quote words of address, so a phrase in vocative position that is not a
# name still counts ("…, my dear.", "Yes, sir!"); interjections at a
# quote's start are no address ("Well, I…").
ADDRESS = frozenset(
    "sir madam ma'am mam ma’am papa pa mamma mama mamma mother father dear darling love child boy girl lad lass "
    "uncle aunt miss master mistress lord lady ladyship lordship honour honor grace majesty gentlemen ladies "
    "friend fellow man woman sweetheart honey dearest brother sister son daughter cousin doctor captain "
    "colonel sister mum dad daddy mummy baby old".split())
INTERJECTIONS = frozenset(
    "well yes no oh ah o why now come indeed nay aye so then but and still however certainly really there here "
    "look listen please thank thanks good very i what hush pooh hm alas ay yet true nonsense stay wait "
    "perhaps of course nothing sure right hallo hello hey hullo eh ha you it that this is".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'’.]*")
# a phrase of one to three words standing alone between commas or
# sentence punctuation
_VOC = re.compile(r"(?:^|[,;!?.—–]\s*)((?:[A-Za-z][\w'’]*\.?\s+){0,2}[A-Za-z][\w'’]*)\s*(?=[,;!?.—–…]|$)")
_TOKEN = re.compile(r"[a-z']+|[!?;]|—|–|--|\.\.\.|…")
MIN_QUOTES, MIN_TOKENS = 4, 40
# a character's model mixes its own word frequencies with the book's at a
# fixed share (Jelinek-Mercer): a word it never said costs every character
# the same, where a Dirichlet prior made big talkers' unseen words dearest
LAMBDA = 0.5
# words a quote needs before its per-word ratio counts in full
SHRINK = 8


def address_forms(text: str) -> list[str]:
    """The forms of address of a quote's text, lower case: "sir", "papa",
    "my dear emma" (and its "my dear"), "mr. darcy"."""
    got = []
    for m in _VOC.finditer(text):
        phrase = m.group(1)
        words = phrase.split()
        low = [w.lower().strip(".") for w in words]
        at_start = m.start(1) == len(text) - len(text.lstrip())
        if low[0] in INTERJECTIONS or (at_start and len(words) > 1 and low[0] not in ("my", "dear", "mr", "mrs", "miss")):
            continue
        addr = any(w in ADDRESS for w in low)
        named = all(w[:1].isupper() for w in words if w.lower() not in ("my", "dear", "old")) and low[0] != "i"
        # mid-sentence ", however," is no address; a name or a word of address is
        if not (addr or (named and not at_start) or (named and len(words) == 1 and at_start and text[m.end(1):m.end(1) + 1] == ",")):
            continue
        form = " ".join(low)
        got.append(form)
        if len(low) > 1 and low[0] in ("my", "dear"):
            got.append(" ".join(low[:2]) if low[0] == "my" else "dear")
    return got


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


class Words:
    """Each speech quote's forms of address and word tokens, and the book's
    background word frequencies: the same in both ranker passes, so the
    caller builds it once per document (`dialogue.attribute`)."""

    def __init__(self, text: str, quotes):
        self.forms: list[list[str]] = []
        self.toks: list[list[str]] = []
        vocab: dict[str, int] = {}
        bg = Counter()
        for q in quotes:
            if q.type != "speech":
                self.forms.append([])
                self.toks.append([])
                continue
            t = text[q.start : q.end]
            ts = tokens(t)
            self.forms.append(address_forms(t))
            self.toks.append(ts)
            bg.update(ts)
        for w in bg:
            vocab[w] = len(vocab)
        self.vocab = vocab
        n_bg, V = sum(bg.values()), max(1, len(vocab))
        self.p_bg = (np.fromiter(bg.values(), dtype=float, count=len(bg)) + 0.5) / (n_bg + 0.5 * V) if bg else np.ones(1)
        self.log_bg = np.log(self.p_bg)
        self.idx = [np.fromiter((vocab[w] for w in ts), dtype=np.int64, count=len(ts)) for ts in self.toks]
        self.flat = np.concatenate(self.idx) if self.idx else np.zeros(0, dtype=np.int64)
        self.offsets = np.cumsum([0] + [len(x) for x in self.idx])
        self._background: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def background(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(1 - LAMBDA) * p_bg and log p_bg at quote i's words, for both passes."""
        got = self._background.get(i)
        if got is None:
            idx = self.idx[i]
            got = self._background[i] = ((1 - LAMBDA) * self.p_bg[idx], self.log_bg[idx])
        return got


class BookStyle:
    """The sure quotes' vocative habits and idiolects of one document."""

    def __init__(self, text: str, quotes, out: list[dict], sure: list[bool], addressed: dict[int, str],
                 words: Words | None = None):
        w = self.words = words or Words(text, quotes)
        self.forms, self.toks, self.vocab, self.p_bg, self.log_bg = w.forms, w.toks, w.vocab, w.p_bg, w.log_bg
        self.sure = sure
        self.out = out
        self.para = [q.paragraph for q in quotes]
        # by paragraph: what to leave out for a quote of that paragraph
        self.own: dict[int, list[int]] = {}
        self._own_cache: dict[int, dict[str, np.ndarray]] = {}
        used: dict[str, Counter] = {}
        heard: dict[str, Counter] = {}
        self.addressed = addressed
        spoken: dict[str, Counter] = {}
        n_sure: Counter = Counter()
        for i, q in enumerate(quotes):
            if not sure[i] or q.type != "speech":
                continue
            fs, s = self.forms[i], out[i]["speaker"]
            self.own.setdefault(q.paragraph, []).append(i)
            used.setdefault(s, Counter()).update(set(fs))
            spoken.setdefault(s, Counter()).update(self.toks[i])
            n_sure[s] += 1
            a = addressed.get(i)
            if a and a != s:
                heard.setdefault(a, Counter()).update(set(fs))
        self.used, self.heard, self.spoken = used, heard, spoken
        self.form_total = Counter()
        for c in used.values():
            self.form_total.update(c)
        self.modelled = [c for c, n in n_sure.items() if n >= MIN_QUOTES and sum(spoken[c].values()) >= MIN_TOKENS]
        self.row = {c: k for k, c in enumerate(self.modelled)}
        self.n_tok = {c: sum(spoken[c].values()) for c in self.modelled}
        V = len(self.p_bg)
        L = np.zeros((len(self.modelled), V))
        self.counts = np.zeros((len(self.modelled), V))
        for k, c in enumerate(self.modelled):
            cnt = self.counts[k]
            ws = spoken[c]
            cnt[np.fromiter((self.vocab[x] for x in ws), dtype=np.int64, count=len(ws))] = list(ws.values())
            L[k] = np.log(LAMBDA * cnt / self.n_tok[c] + (1 - LAMBDA) * self.p_bg) - self.log_bg
        # every quote's ratio under every model at once (tokens summed per quote)
        if self.modelled and len(w.flat):
            cum = np.concatenate([np.zeros((len(self.modelled), 1)), np.cumsum(L[:, w.flat], axis=1)], axis=1)
            self.all_llr = (cum[:, w.offsets[1:]] - cum[:, w.offsets[:-1]]).T
        else:
            self.all_llr = None

    def _leave_out(self, i: int) -> list[int]:
        return self.own.get(self.para[i], [])

    def _own_tokens(self, i: int) -> dict[str, np.ndarray]:
        """Per modelled speaker of quote i's paragraph, the sorted word ids of
        its sure quotes there (the same for every quote of the paragraph)."""
        p = self.para[i]
        got = self._own_cache.get(p)
        if got is None:
            got = {}
            for c in {self.out[k]["speaker"] for k in self._leave_out(i)}:
                if c in self.row:
                    own = [self.words.idx[k] for k in self._leave_out(i) if self.out[k]["speaker"] == c]
                    got[c] = np.sort(np.concatenate(own))
            self._own_cache[p] = got
        return got

    def llr(self, i: int) -> dict[str, float]:
        """Each modelled character's log-likelihood ratio for quote i, with
        its own paragraph's sure quotes taken out of that character's model."""
        if self.all_llr is None or not self.toks[i]:
            return {}
        got = dict(zip(self.modelled, self.all_llr[i].tolist()))
        idx = self.words.idx[i]
        for c, own in self._own_tokens(i).items():
            # how often each of the quote's words is among the left-out ones
            minus = np.searchsorted(own, idx, "right") - np.searchsorted(own, idx, "left")
            n = max(self.n_tok[c] - len(own), 1)
            bg, log_bg = self.words.background(i)
            got[c] = float((np.log(LAMBDA * (self.counts[self.row[c], idx] - minus) / n + bg) - log_bg).sum())
        return got

    def add(self, i: int, cands: list[str], rows: list[dict]) -> None:
        """Add the vh_ and id_ features of quote i to its candidates' rows."""
        forms = set(self.forms[i])
        if forms:
            # the forms' counts without this quote's paragraph
            mine, mine_heard, mine_total = Counter(), Counter(), Counter()
            for k in self._leave_out(i):
                s, fs = self.out[k]["speaker"], set(self.forms[k])
                mine_total.update(fs)
                mine.update((s, f) for f in fs)
                a = self.addressed.get(k)
                if a and a != s:
                    mine_heard.update((a, f) for f in fs)
            live = [(f, t + 1.0) for f in forms for t in (self.form_total.get(f, 0) - mine_total[f],) if t > 0]
            for c, row in zip(cands, rows) if live else ():
                used, heard = self.used.get(c, {}), self.heard.get(c, {})
                best = max(0.0, max((used.get(f, 0) - mine[(c, f)]) / t for f, t in live))
                h = max(0.0, max((heard.get(f, 0) - mine_heard[(c, f)]) / t for f, t in live))
                if best:
                    row["vh_share"] = best
                else:
                    row["vh_never"] = 1.0
                if h:
                    row["vh_heard"] = h
        got = self.llr(i)
        if not got:
            return
        n_tok = len(self.toks[i])
        top = max(got.values())
        for c, row in zip(cands, rows):
            if c in got:
                x = got[c]
                row["id_llr"] = max(-12.0, min(12.0, x)) / 6
                row["id_gap"] = max(-12.0, x - top) / 6
                # per word, shrunk: "No." says nothing of its speaker
                row["id_mean"] = max(-1.0, min(1.0, x / (n_tok + SHRINK)))
                if x == top and n_tok >= SHRINK / 2:
                    row["id_best"] = 1.0
            else:
                row["id_none"] = 1.0


def local_pair(conv, n: int, sure_turn, cands: list[str], rows: list[dict], k: int = 4) -> None:
    """`lp_` features: the sure speakers of the nearest sure turns before and
    after turn n, whether each side's alternation points at the candidate,
    and whether the candidate is outside the two people of the last k turns."""
    before = after = None
    for j in range(n - 1, max(-1, n - 9), -1):
        if sure_turn(conv[j]):
            before = (n - j, conv[j].speaker)
            break
    for j in range(n + 1, min(len(conv), n + 9)):
        if sure_turn(conv[j]):
            after = (j - n, conv[j].speaker)
            break
    pair = {before[1], after[1]} if before and after and before[1] != after[1] else None
    recent = [t.speaker for t in conv[max(0, n - k) : n] if t.speaker]
    local = set(recent)
    for c, f in zip(cands, rows):
        if pair and c in pair:
            f["lp_in_pair"] = 1.0
            exp_b = before[1] if before[0] % 2 == 0 else next(iter(pair - {before[1]}))
            exp_a = after[1] if after[0] % 2 == 0 else next(iter(pair - {after[1]}))
            if c == exp_b == exp_a:
                f["lp_both_expect"] = 1.0
            elif c in (exp_b, exp_a) and exp_a != exp_b:
                f["lp_one_expect"] = 1.0
        elif pair:
            f["lp_out_pair"] = 1.0
        if len(local) == 2 and len(recent) >= 3:
            f["lp_in_two" if c in local else "lp_out_two"] = 1.0


def book_style(text: str, quotes, out: list[dict], turn_of: dict, sure, words: Words | None = None) -> BookStyle:
    """The document's BookStyle from its current answers: `sure(record)`
    picks the quotes it learns from; a sure quote answers the speaker of the
    turn before it, when that is another."""
    ok = [bool(r["speaker"]) and r["type"] == "speech" and sure(r) for r in out]
    addressed = {}
    for i, s in enumerate(ok):
        if s and i in turn_of:
            conv, n = turn_of[i]
            if n and conv[n - 1].speaker and conv[n - 1].speaker != out[i]["speaker"]:
                addressed[i] = conv[n - 1].speaker
    return BookStyle(text, quotes, out, ok, addressed, words)
