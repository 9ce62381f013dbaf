"""Whom the pronoun of "'…,' he said" means: a small model of its own over
the candidates of the pronoun's gender, whose answer the ranker weighs as
one more piece of evidence.

The ranker (`speaker_model.py`) scores every candidate of a quote, of
either gender, with one linear score; its "he said" cues (`pg_*`,
`speaker_pronoun.py`) are linear too, so "the latest man named" counts
the same whether he was named as the subject of the sentence before or as
the object three sentences back, and whether or not the previous turn was
his.  A reader resolves the pronoun first, among the men only, weighing
those cues against each other.  Here that is a conditional logit (softmax)
over the same-gender candidates alone, optionally with a few tanh hidden
units (`speaker_mlp`), trained only on PDNC's quotes whose speech verb has
the pronoun (gold speaker = the antecedent).  Its probability for each
candidate becomes the ranker features `pa_p` and `pa_best`.

Training (`benchmarks/quotes_train.py --antecedent`) is nested inside the
cross-validation by novel: the ranker's training novels get antecedent
probabilities from models that never saw them, or the ranker would trust
this feature more than it deserves on a new book.

The weights ride inside the ranker's own weight spec (key `antecedent`),
so whoever scores with a spec scores the pronoun model with it.
"""

from __future__ import annotations

import math

from .speaker_mlp import scorer_for

# the ranker features the antecedent model reads: the "he said" cues and
# the kinship cues ("said her mother"), given to same-gender candidates only
PREFIXES = ("pg_", "kin_")
FEATURES = ("pa_p", "pa_best")


def antecedent_group(rows: list[dict]) -> list[int]:
    """Indices of a quote's candidates of the speech verb's gender (the
    ranker marks them `pron_match`); empty when the verb has no pronoun."""
    return [k for k, f in enumerate(rows) if f.get("pron_match")]


def antecedent_row(f: dict) -> dict:
    return {k: v for k, v in f.items() if k.startswith(PREFIXES)}


def add_antecedent(feats, spec: dict | None) -> None:
    """Set (in place) the `pa_*` features of every quote's same-gender
    candidates from the antecedent model `spec`; drop stale ones."""
    groups, flat = [], []
    for _, _, rows in feats:
        for f in rows:
            for k in FEATURES:
                f.pop(k, None)
        if spec is None:
            continue
        idx = antecedent_group(rows)
        if len(idx) > 1:
            groups.append((rows, idx))
            flat.extend(antecedent_row(rows[k]) for k in idx)
    if not groups:
        return
    scores = scorer_for(spec).scores(flat).tolist()
    at = 0
    for rows, idx in groups:
        s = scores[at : at + len(idx)]
        at += len(idx)
        top = max(s)
        z = sum(math.exp(x - top) for x in s)
        for k, x in zip(idx, s):
            rows[k]["pa_p"] = math.exp(x - top) / z
        rows[idx[s.index(top)]]["pa_best"] = 1.0
