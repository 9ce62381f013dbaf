"""Curated term lists for the content stage, one compiled regex per lexicon.

Each lexicon is a single alternation so a story is scanned once per lexicon
rather than once per term; context rules run only on the (few) matches.  The
lists are hand-written, not learned: a reader who asks why a story was rated
Explicit should be able to find the term that fired here.

Context rules exist because the words that matter are ambiguous: "cock" the
gun, "came" into the room, "Dick" Grayson, "dead" tired, "dying to".  A rule
returns False to drop a match.  Negation ("he wasn't dead") is a generic rule
that lexicons opt into, because for anatomical words it only adds misses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

_AGE = r"(?:twelve|thirteen|fourteen|fifteen|sixteen|seventeen|1[2-7])"
_PRON = r"(?:him|her|me|you|them|us|each other|himself|herself)"
_POSS = r"(?:his|her|their|my|your|\w+['’]s)"

_NEG_BEFORE = re.compile(
    r"(?:\b(?:not|never|no|nor|without|hardly|barely|wasn['’]?t|isn['’]?t|weren['’]?t|aren['’]?t)|n['’]t)"
    r"\W+(?:\w+\W+){0,2}$",
    re.I,
)


def negated(text: str, start: int) -> bool:
    """A negator within three words before the match: "wasn't really dead"."""
    return bool(_NEG_BEFORE.search(text[max(0, start - 40) : start]))


def _after(text: str, m: re.Match, n: int = 30) -> str:
    return text[m.end() : m.end() + n].lower()


def _before(text: str, m: re.Match, n: int = 30) -> str:
    return text[max(0, m.start() - n) : m.start()].lower()


_GUN = re.compile(r"^\W*(?:the |a |his |her |their )?(?:\w+ )?(?:gun|pistol|rifle|revolver|shotgun|hammer|trigger|weapon|head|brow|eyebrow)")
_ROOSTER = re.compile(r"crow|rooster|hen\b|farm")


def _cock(text: str, m: re.Match) -> bool:
    # "cocked the gun", "cocked his head", "the cock crowed" are not sexual.
    word = m.group().lower()
    if word.startswith("cocked") or word.startswith("cocking"):
        return False
    if _GUN.match(_after(text, m, 40)):
        return False
    return not _ROOSTER.search(_after(text, m, 40) + _before(text, m, 20))


def _lower_dick(text: str, m: re.Match) -> bool:
    # "Dick" capitalised is nearly always Dick Grayson; "you dick" is an insult.
    if m.group()[0] == "D":
        return False
    return not re.search(r"\b(?:a|you|such|being|total|the)\s+(?:\w+\s+)?$", _before(text, m, 25))


def _anatomical(text: str, m: re.Match) -> bool:
    # "her cunt" is anatomy; "you cunt" is an insult and counts as profanity.
    return bool(re.search(rf"{_POSS}\s+(?:\w+\s+)?$", _before(text, m, 25), re.I))


def _figurative_death(text: str, m: re.Match) -> bool:
    after, before = _after(text, m, 14), _before(text, m, 14)
    if re.match(r"\s+(?:to\b|for\b|tired|serious|silent|center|centre|of night|end|set|weight|asleep|on (?:my|his|her) feet)", after):
        return False  # "dying to", "dead tired", "dead of night"
    if re.search(r"(?:could|would|wanna|gonna|drop|half|brain|play(?:ing|ed)?|over my|nearly|almost|near-?|about to|going to|than|rather|might|may|you|you['’](?:ve|d|ll))\s*$", before):
        return False  # "I could die", "drop dead", "playing dead"
    return True


def _not_guts_to(text: str, m: re.Match) -> bool:
    return not re.match(r"\s+to\b", _after(text, m, 6))


def _sexual_ass(text: str, m: re.Match) -> bool:
    return bool(re.search(rf"{_POSS}\s+(?:\w+\s+)?$", _before(text, m, 25), re.I))


@dataclass(frozen=True)
class Lexicon:
    name: str
    regex: re.Pattern
    negatable: bool = False
    check: Callable[[str, re.Match], bool] | None = None
    # The same regex, lower-cased and case-sensitive, for `lowered(text)`:
    # re.I makes the regex engine try every alternative of a thousand-term
    # alternation at each word; without it, it rules most out on their first
    # letter (the content stage's scan 3.5 -> 1.2 s on 200 AO3 works).
    fast: re.Pattern | None = None

    def finditer(self, text: str, lower: str | None | type(...) = ...):
        """Kept matches in `text`; `lower` is `lowered(text)` if the caller
        has it (offsets are the same, the context rules read `text`)."""
        if lower is ...:
            lower = lowered(text)
        it = self.fast.finditer(lower) if self.fast is not None and lower is not None else self.regex.finditer(text)
        for m in it:
            if self.check is not None and not self.check(text, m):
                continue
            if self.negatable and negated(text, m.start()):
                continue
            yield m


# Letters re.I equates with an ASCII letter that lower() does not turn into
# it (dotless i, long s); with them, only re.I gives the right answer.
_FOLDS_APART = re.compile("[\u0131\u017f]")


def lowered(text: str) -> str | None:
    """`text` lower-cased when that leaves every offset and every
    case-insensitive match as it was, else None."""
    low = text.lower()
    if len(low) != len(text) or (not text.isascii() and _FOLDS_APART.search(text)):
        return None
    return low


def _lower_pattern(pattern: str) -> str:
    # Letters of escapes (\b, \W, \S) keep their case: they are not literals.
    return re.sub(r"(\\.)|([A-Z])", lambda m: m.group(1) or m.group(2).lower(), pattern)


def _scan(pattern: str):
    """(index, character, depth) of each character of a regex that is not
    escaped or inside a character class: where its groups and bars are."""
    depth, k = 0, 0
    while k < len(pattern):
        ch = pattern[k]
        if ch == "\\":
            k += 2
            continue
        if ch == "[":
            k += 2 if pattern[k + 1 : k + 2] == "^" else 1
            k += pattern[k : k + 1] == "]"  # a "]" first in a class is a literal
            while k < len(pattern) and pattern[k] != "]":
                k += 2 if pattern[k] == "\\" else 1
            k += 1
            continue
        depth -= ch == ")"
        yield k, ch, depth
        depth += ch == "("
        k += 1


def _branches(pattern: str) -> list[str]:
    """A regex split at its top-level bars."""
    cuts = [k for k, ch, depth in _scan(pattern) if ch == "|" and depth == 0]
    return [pattern[a + 1 : b] for a, b in zip([-1] + cuts, cuts + [len(pattern)])]


_QUANTIFIER = ("*", "+", "?", "{")
_SYNTAX = re.compile(r"[(\[|{?*+]")


def _first_letters(term: str) -> list[tuple[str, str]] | None:
    """A term as an ordered alternation of (first character, rest): a
    leading group is multiplied out, "(?:his|her) hat" -> ("h", "is hat"),
    ("h", "er hat"), the order in which the regex engine tries them.  None
    when a branch starts with anything but a letter or digit (the \\b
    check moves after the first character, which must be a word character)."""
    out = []
    for branch in _branches(term):
        if branch[:1].isalnum() or branch[:1] == "_":  # \w: the boundary check may follow it
            if branch[1:2] in _QUANTIFIER:
                return None
            out.append((branch[0], branch[1:]))
        elif branch.startswith("(?:"):
            end = next(k for k, ch, depth in _scan(branch) if ch == ")" and depth == 0)
            if branch[end + 1 : end + 2] in _QUANTIFIER:
                return None
            inner = _first_letters(branch[3:end])
            if inner is None:
                return None
            out += [(c, rest + branch[end + 1 :]) for c, rest in inner]
        else:
            return None
    return out


def by_first_letter(terms: list[str], not_after: str = r"\w") -> str | None:
    """`\\b(?:t1|t2|…)\\b` over lower-case text, the terms grouped by their
    first character with the word boundary checked after it: "d(?<!\\w.)(?:ied|ead)".
    With a leading \\b the regex engine attempts a match at every character;
    led by letters it skips to the next one that can begin a term (200 AO3
    works: a one-letter lexicon ~8x, a many-letter one ~2x faster).  The
    same matches: terms of different first characters never match at the
    same place, and within a character their order is kept.  None when a
    term does not start with a plain letter or digit (after its leading
    groups), or has a capturing group (multiplying it out would renumber).
    `not_after`: what may not precede a match (\\b before a letter: \\w)."""
    groups: dict[str, list[str]] = {}
    for t in terms:
        if not _SYNTAX.search(t):  # a plain (escaped) string, most names: no need to scan it
            if not (t[:1].isalnum() or t[:1] == "_") or re.search(r"\\\d", t):
                return None
            groups.setdefault(t[0], []).append(t[1:])
            continue
        if re.search(r"\\\d", t) or any(ch == "(" and not t.startswith(("(?:", "(?=", "(?!", "(?<=", "(?<!"), k)
                                           for k, ch, _ in _scan(t)):
            return None
        got = _first_letters(t)
        if got is None:
            return None
        for c, rest in got:
            groups.setdefault(c, []).append(rest)
    return "(?:" + "|".join(rf"{c}(?<!{not_after}.)(?:" + "|".join(rest) + ")" for c, rest in groups.items()) + ")"


def make_lexicon(name: str, terms: list[str], negatable: bool = False, check=None, flags=re.I) -> Lexicon:
    pattern = r"\b(?:" + "|".join(terms) + r")\b"
    fast = None
    if flags & re.I:
        lower = [_lower_pattern(t) for t in terms]
        grouped = by_first_letter(lower)
        fast = re.compile(grouped + r"\b" if grouped else r"\b(?:" + "|".join(lower) + r")\b", flags & ~re.I)
    return Lexicon(name, re.compile(pattern, flags), negatable, check, fast)


# Explicit sexual content: anatomy and acts a Teen-rated story does not name.
SEX_EXPLICIT = [
    make_lexicon("sex_explicit", [r"cock(?:s|ed|ing)?", r"pricks?(?= (?:was|twitched|throbbed|leaked))"], check=_cock),
    make_lexicon("sex_explicit", [r"[Dd]icks?"], check=_lower_dick, flags=0),
    make_lexicon("sex_explicit", [r"cunts?", r"ass(?:hole)?"], check=_anatomical),
    make_lexicon("sex_explicit", [
        r"pussy", r"pussies", r"clit(?:oris)?", r"labia", r"vulva", r"penis(?:es)?", r"testicles", r"scrotum",
        r"foreskin", r"erections?", r"hard-?ons?", r"pre-?(?:come|cum)", r"cum(?:ming|med|s)?", r"semen",
        r"spunk", r"ejaculat\w*", r"orgasm\w*", r"climax(?:ed|ing)", r"lube[ds]?", r"lubricant", r"condoms?",
        r"blow ?jobs?", r"hand ?jobs?", r"rimm(?:ing|ed)", r"masturbat\w*", r"dildos?", r"vibrator",
        rf"finger(?:ed|ing) (?:{_PRON}|{_POSS} (?:hole|entrance|cunt|pussy))",
        rf"suck(?:ed|ing|s)? (?:{_PRON}) off", rf"(?:jerk|jack)(?:ed|ing|s)? (?:{_PRON} )?off",
        rf"{_POSS} (?:tight |wet |slick |stretched |)(?:hole|entrance)",
        rf"thrust(?:s|ed|ing)? (?:\w+ ){{0,2}}(?:into|inside) (?:{_PRON})",
        rf"(?:buried|burying|buries|sank|sinks|sinking|slid|slides|sliding|pushed|pushing) (?:himself|herself|themselves|his cock|into) (?:\w+ )?(?:into|inside|deep)",
        rf"inside (?:{_PRON}) (?:over and over|again and again)",
        # Present tense as well as past ("slides into her.", "enters him slowly"): many AO3 scenes are
        # written in it.  The pronoun must end the phrase, so "slides into her seat" stays innocent.
        rf"(?:(?:slid|slides|sliding|push(?:es|ed|ing)?) into|enter(?:s|ed|ing)?) (?:{_PRON})"
        r"(?=\s*[.,;!?\"”—-]| (?:again|slowly|deep|deeper|fully|completely|and|until|with|in one))",
        rf"fuck(?:ed|ing|s)? (?:{_PRON}) (?:hard|harder|deep|deeper|senseless|slow|open|into|through|raw)",
        rf"fuck(?:ed|ing|s) (?:{_PRON})(?! (?:over|up|off|around|with))",
        r"fucking (?:into|himself)",
        rf"(?:came|comes) (?:inside (?:{_PRON})|all over|hard|untouched|undone|apart|with a (?:cry|shout|moan|groan|gasp|sob))",
        rf"(?:make|makes|made|making|let|lets|letting) (?:{_PRON}) come(?=[.,!?\"”])", r"(?:going|gonna|about) to come(?=[.,!?\"”])",
        rf"spread(?:s|ing)? (?:{_POSS}|{_PRON}) (?:legs|thighs|cheeks|open|wide)", r"sixty-nine", r"deep-?throat\w*",
        r"wank\w*", r"(?:her|his) (?:damp|wet|slick|dripping) (?:sex|folds|heat)", r"(?:her|his) sex\b(?! (?:life|appeal|drive))",
    ]),
]

SEX_MILD = [make_lexicon("sex_mild", [
    r"naked", r"nude", r"undress\w*", r"strip(?:s|ped|ping) (?:off|down|naked)", r"arous(?:ed|al)", r"turned on",
    r"moan(?:s|ed|ing)?", r"erotic\w*", r"sex", r"sexual(?:ly)?", r"sexy", r"(?:made|make|makes|making) love",
    r"slept (?:with|together)", r"breasts?", r"nipples?", r"grind(?:ing|ed|s)? (?:against|into|down)",
    r"hips? (?:rolled|rocked|bucked|stuttered)", r"foreplay", r"lust(?:ful|ing)?", r"horny", r"kink(?:y|s)?",
    r"groin", r"stripp(?:ed|ing) (?:off )?(?:his|her) (?:clothes|shirt)", r"pleasure", r"crotch", r"underwear", r"boxers", r"panties", r"bulge", r"throbb\w*",
    r"(?:his|her) thighs", r"between (?:his|her|my) (?:legs|thighs)",
    # bodies in a sex scene, where the act itself is left unnamed
    r"straddl(?:e|ed|es|ing)", rf"(?:moves?|moved|moving|rocks?|rocked|rocking|rides?|riding|rode) (?:atop|above|on top of) (?:{_PRON})",
    rf"roll(?:s|ed)? off (?:of )?(?:{_PRON})", rf"(?:guid|grip|grabb|h[oe]ld)\w* (?:{_POSS}) hips",
], negatable=True), make_lexicon("sex_mild", [r"ass"], check=_sexual_ass)]

KISS = [make_lexicon("kiss", [
    r"kiss(?:ed|es|ing)?", r"lips (?:met|touched|pressed|brushed|collided|crashed)", r"ma(?:de|king|ke) out", r"make-?outs?",
], negatable=True)]

PROFANITY = [
    make_lexicon("swear_strong", [r"\w*fuck\w*", r"shit\w*", r"bullshit", r"motherfuck\w*", r"cocksucker\w*", r"dickhead"]),
    make_lexicon("swear_strong", [r"cunts?"], check=lambda t, m: not _anatomical(t, m)),
    make_lexicon("swear_mild", [r"damn\w*", r"goddamn\w*", r"bastards?", r"bitch\w*", r"asshole\w*", r"arsehole\w*",
                        r"crap\w*", r"piss(?:ed)?", r"bloody hell", r"what the hell", r"hell of a", r"go to hell"]),
]

VIOLENCE = [make_lexicon("violence", [
    r"blood(?:y|ied|ied)?", r"bleed\w*", r"bled", r"stab\w*", r"shot (?:him|her|them|me|at|dead)", r"gun(?:s|fire|shot)?",
    r"knife", r"knives", r"blade", r"punch(?:ed|es|ing)?", r"kick(?:ed|ing)", r"wound(?:s|ed)?", r"injur\w*",
    r"beat(?:en|ing)? (?:him|her|them|up)", r"strangl\w*", r"chok(?:ed|ing)", r"bruis\w*", r"kill(?:ed|ing|s|er)?",
    r"murder\w*", r"attack\w*", r"violen\w*", r"weapons?", r"slash(?:ed|ing)", r"sword", r"fought", r"fight(?:ing)?",
    r"scream(?:ed|ing)", r"explosion", r"bullet\w*",
], negatable=True)]

GORE = [
    make_lexicon("gore", [
        r"gor[ey]", r"entrails", r"intestines", r"viscera", r"sever(?:ed|ing)", r"decapitat\w*", r"dismember\w*",
        r"disembowel\w*", r"flay(?:ed|ing)", r"mutilat\w*", r"tortur\w*", r"gouged?", r"impal(?:ed|ing)",
        r"(?:pool|puddle|spray|gush|spurt)\w* of blood", r"blood (?:pooled|sprayed|gushed|spurted|spattered|splattered|soaked|poured|bubbled)",
        r"blood-?(?:soaked|stained|slick|spattered)", r"bloodstained", r"brain matter", r"exposed bone", r"bloody pulp",
        r"(?:skull|bones?|ribs?|neck|jaw|spine) (?:crack|snap|shatter|splinter|crunch)\w*",
        r"(?:cracked|snapped|shattered|broke|crushed) (?:his|her|their|\w+['’]s) (?:skull|neck|bones?|ribs?|jaw|spine|fingers?)",
        r"(?:ripped|tore|torn) (?:open|apart|out|flesh)", r"corpses?", r"maggots?", r"rotting", r"carcass",
    ], negatable=True),
    make_lexicon("gore", [r"guts"], check=_not_guts_to),
]

DEATH = [make_lexicon("death", [
    r"died", r"dies", r"die", r"dying", r"dead", r"death", r"funerals?", r"graves?(?:ide|stone|yard)?", r"corpses?",
    r"passed away", r"mourn\w*", r"buried", r"coffins?", r"caskets?", r"autopsy", r"last breath", r"eulog\w*",
    r"widow(?:ed|er)?", r"rest in peace", r"stopped breathing", r"no pulse", r"killed (?:him|her|them|himself|herself)",
    r"murdered", r"(?:his|her|their|\w+['’]s) (?:dead|lifeless|cold|limp) body", r"body (?:was|lay) (?:found|buried|cold|still|lifeless)",
    r"grief", r"griev\w*", r"the late", r"suicide", r"memorial", r"headstone", r"urn", r"ashes",
], negatable=True, check=_figurative_death)]

DRUGS = [make_lexicon("drugs", [
    r"cocaine", r"heroin", r"meth(?:amphetamine)?", r"weed", r"marijuana", r"cannabis",
    r"(?:smoked|smoking|rolled|rolling|passed|lit) (?:a |the )?joint", r"(?:got|get|getting|gets) high", r"high on (?:drugs|weed|pot|coke|pills|something)",
    r"mdma", r"lsd", r"shrooms", r"overdos\w*", r"snort\w*", r"stoned", r"junkie", r"drugs?", r"drugged",
    r"opium", r"needles?", r"addict\w*", r"withdrawal", r"dealer", r"crack pipe", r"pills", r"lines of coke",
], negatable=True)]

ALCOHOL = [make_lexicon("alcohol", [
    r"drunk(?:en|enly|ard)?", r"beers?", r"wine", r"whiske?y", r"vodka", r"tequila", r"bourbon", r"scotch", r"champagne",
    r"brandy", r"booze", r"alcohol\w*", r"hangover", r"hungover", r"tipsy", r"liquor", r"cocktails?", r"rum", r"gin",
], negatable=True)]

THEMES = [make_lexicon("themes", [
    r"suicid\w*", r"self-?harm\w*", r"cutting (?:himself|herself|myself)", r"kill (?:myself|himself|herself|themselves)",
    r"abus(?:e|ed|er|ive)", r"traum\w*", r"depress\w*", r"panic attacks?", r"nightmares?", r"flashbacks?", r"scars?",
], negatable=True)]

# Consent: "strong" cues name it; "context" cues only count where a sexual or
# kissing passage is within a paragraph or two (see content.py).
NONCON_STRONG = [make_lexicon("noncon", [
    r"rap(?:e|ed|es|ing|ist)", r"non-?con(?:sensual\w*|sent\w*)?", r"sexual(?:ly)? assault\w*", r"molest\w*",
    rf"against (?:{_POSS}|{_PRON}) will", rf"(?:did not|didn['’]t|never|couldn['’]t) consent\w*",
    r"without (?:\w+['’]s |his |her |my |their )?consent", r"forced himself on", r"forced herself on",
    r"prostitut\w*", r"brothels?", r"sexual(?:ly)? abus\w*", r"sold (?:her|him|his body|her body|themselves)",
    r"sex(?:ual)? slave\w*", r"whored (?:\w+ )?out", r"pimp(?:ed|ing)? (?:\w+ )?out", r"date[- ]rap\w*", r"roofie\w*",
    r"forced (?:prostitution|to (?:have sex|sleep with|service|pleasure|strip))", r"spiked (?:\w+ )?drink",
])]

NONCON_CONTEXT = [make_lexicon("coercion", [
    rf"(?:said|saying|says|begged|begging|pleaded|pleading|screamed|yelled|cried|gasped|whispered|told) (?:\w+ ){{0,2}}(?:no|stop)\b",
    rf"pinn(?:ed|ing) (?:{_PRON}|{_POSS} (?:\w+ )?(?:arms|wrists|hands)|them) (?:down|above|to|against|beneath|under)",
    r"struggl(?:ed|ing) (?:against|beneath|under|to (?:get|break) free)", rf"(?:tried|trying) to push (?:{_PRON}) away",
    rf"(?:forced|forcing|shoved) (?:{_POSS}) tongue", r"(?:forced|stolen|stole) (?:a |the )?kiss", r"unwanted",
    r"coerc\w*", r"dub-?con\w*", r"dubious consent", rf"took advantage of (?:{_PRON})", r"violated",
    r"(?:didn['’]t|did not) want (?:this|it)\b", r"pushed but", r"to no avail", rf"held (?:{_PRON}) down",
    rf"grabbed (?:hold of )?(?:{_POSS}) wrists", r"forcing it open", r"couldn['’]t (?:move|escape|get away)",
    rf"forced (?:{_PRON}) (?:down|onto|against|back|to (?:kneel|the (?:floor|ground|bed)))", r"clients?", r"whores?",
    rf"(?:tried|trying) to (?:recoil|pull away|get away|fight (?:{_PRON}) off)", rf"(?:mashed|crushed|forced) (?:{_POSS}) (?:lips|mouth)",
    rf"(?:grabbed|yanked|fisted) (?:\w+ )?(?:{_POSS}) hair",
    r"please (?:don['’]t|stop|no)\b", rf"(?:get|got) off (?:of )?(?:{_PRON})", rf"don['’]t touch (?:{_PRON})",
    r"customers?", r"drugged", r"too drunk", r"blackmail\w*",
])]

AGE = [make_lexicon("age", [
    rf"{_AGE}[- ]years?[- ]olds?", rf"aged? (?:of )?{_AGE}", rf"(?:when|since) (?:he|she|I|they|we|you) (?:was|were) (?:just |only )?(?:{_AGE}|a (?:boy|girl|kid|child|teenager))",
    r"high ?school(?:ers?)?", r"middle school", r"freshman", r"sophomore", r"teenage[dr]?s?", r"teen (?:boy|girl)s?",
    r"under-?age", r"a minor", r"jailbait", r"school ?(?:boy|girl)s?", r"young (?:boy|girl)", r"puberty",
    rf"(?:{_AGE}|fourteenth|fifteenth|sixteenth|seventeenth) birthday", r"(?:his|her) teens", r"barely legal", rf"at {_AGE}\b(?![:.]\d)", r"not (?:even )?old enough", r"little (?:boy|girl)",
])]

# Kept for a First Kiss tag once characters are available (it measured 0.09 precise without them).
FIRST = [make_lexicon("first", [
    r"first kiss", r"(?:never|hadn['’]t|had not|not) (?:\w+ )?kissed (?:anyone|anybody|before)", r"first time (?:they|he|she|we|I) kissed",
    r"(?:our|their) first", r"kissed (?:\w+ )?for the first time", r"first time",
])]

LEXICONS: dict[str, list[Lexicon]] = {}
for _group in (SEX_EXPLICIT, SEX_MILD, KISS, PROFANITY, VIOLENCE, GORE, DEATH, DRUGS, ALCOHOL, THEMES,
               NONCON_STRONG, NONCON_CONTEXT, AGE):
    for _l in _group:
        LEXICONS.setdefault(_l.name, []).append(_l)

CATEGORIES = tuple(LEXICONS)


def scan(text: str, low: str | None | type(...) = ...) -> dict[str, list[tuple[int, int]]]:
    """Every kept match, by category, as sorted (start, end) offsets; `low`
    is `lowered(text)` if the caller has it."""
    out: dict[str, list[tuple[int, int]]] = {}
    if low is ...:
        low = lowered(text)
    for name, lexicons in LEXICONS.items():
        spans = [m.span() for lex in lexicons for m in lex.finditer(text, low)]
        spans.sort()
        out[name] = spans
    return out
