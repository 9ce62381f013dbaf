"""Personal names: honorifics, nicknames, first-name gender, normalisation.

The characters stage compares names as tuples of tokens after taking off
what varies between mentions of one person: a possessive ("Lex's"), an
honorific ("Mr. Luthor"), a nickname ("Lizzy" for Elizabeth).  The honorific
is kept apart because it carries gender, and gender is what keeps
"Mr. Bennet" and "Mrs. Bennet" two people.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# honorific (lower case, no full stop) -> the gender it implies, or None.
HONORIFICS: dict[str, str | None] = {
    **dict.fromkeys(
        "mr mister sir lord uncle king prince duke earl baron count father brother "
        "monsieur herr senor señor signor master lad grandpa grandfather papa pa".split(),
        "male",
    ),
    **dict.fromkeys(
        "mrs ms miss missus lady aunt auntie queen princess duchess countess baroness "
        "mother sister madame madam mme mlle mademoiselle frau fraulein senora señora "
        "signora dame grandma grandmother mama ma".split(),
        "female",
    ),
    **dict.fromkeys(
        "dr doctor professor prof captain capt colonel col major general lieutenant lt "
        "sergeant sgt detective det agent officer commander admiral inspector "
        "reverend rev judge president senator governor mx st saint".split(),
        None,
    ),
}

# Formal first name -> the short forms authors use for it.  A mention of any
# of them can join a character first named by any other.
_NICKNAMES = """
alexander: alex lex xander sasha al alec
alexandra: alex lexi sandra sasha alexa
elizabeth: lizzy lizzie liz eliza beth betsy bess betty lisa libby ellie
william: will bill billy willy liam
robert: rob bob bobby robbie bert
richard: rick ricky dick rich richie
james: jim jimmy jamie jem
john: johnny jack
jonathan: jon jonny
margaret: maggie meg peggy marge madge greta
katherine: kate katie kathy kat kitty kit cat
catherine: kate katie cathy kitty kit cat
christopher: chris kit topher
charles: charlie charley chuck chas
edward: ed eddie ted teddy ned
henry: harry hank hal
thomas: tom tommy
michael: mike mikey mick
nicholas: nick nicky
benjamin: ben benny
samuel: sam sammy
samantha: sam sammie
daniel: dan danny
matthew: matt matty
anthony: tony ant
joseph: joe joey
frederick: fred freddy freddie fritz
theodore: theo ted teddy
timothy: tim timmy
patrick: pat paddy
stephen: steve stevie
steven: steve stevie
andrew: andy drew
gregory: greg
jennifer: jen jenny
rebecca: becky becca
victoria: vicky tori
susan: sue susie
deborah: deb debbie
abigail: abby gail
isabella: bella belle izzy isabel
isabelle: bella belle izzy
sophia: sophie sophy
evelyn: evie
cecilia: cissy sissy
nancy: nance
reginald: reggie reg
tobias: toby
josephine: jo josie
eleanor: ellie nell nora
helena: lena nell
dorothy: dot dolly dottie
patricia: patty trish pat
jessica: jess jessie
natasha: nat tasha
nathaniel: nate nat nathan
nathan: nate
raleigh: rals
hermann: herm
primrose: prim
jacob: jake
geoffrey: geoff
jeffrey: jeff
lawrence: larry
leonard: leo len lenny
ronald: ron ronnie ronny
donald: don donny
gerald: gerry
harold: harry hal
walter: walt wally
albert: al bert bertie
alfred: alfie fred
douglas: doug
kenneth: ken kenny
lucas: luke
oliver: ollie nolly
zachary: zach zack
cassandra: cass cassie
stephanie: steph
barbara: babs barb
pamela: pam
jacqueline: jackie
christine: chris chrissy
louisa: lou loo
louis: lou
mary: molly polly mae
sarah: sally sadie
anne: annie nan nancy
ann: annie nan
caroline: carrie
frances: fanny frankie
francis: frank frankie
"""
NICKNAMES: dict[str, set[str]] = {}  # any form -> its formal names
for _line in _NICKNAMES.strip().splitlines():
    _formal, _short = _line.split(":")
    NICKNAMES.setdefault(_formal, set()).add(_formal)
    for _s in _short.split():
        NICKNAMES.setdefault(_s, set()).add(_formal)

# Common English first names and their usual gender.  Only a prior: pronouns
# resolved to a character and the KB outrank it.
_MALE = """
aaron adam adrian alan albert alex alexander alfred andrew anthony arthur austin ben benjamin
bill billy bob brad bradley brandon brian bruce carl charles charlie chris christopher colin
craig dan daniel david dean dennis derek dick donald douglas dylan ed eddie edward eliot
elliot eric ethan evan frank fred frederick gabriel gary george gerald greg gregory harold
harry henry howard hugh ian isaac jack jacob jake james jason jeff jeffrey jeremy
jerry jim jimmy joe joel john johnny jon jonah jonathan jordan joseph josh joshua juan julian
justin keith ken kevin kyle larry lawrence lee leo leon leonard liam lionel logan louis lucas luke
marcus mark martin matt matthew max michael mike nathan nathaniel neil nicholas nick noah
oliver oscar owen patrick paul pete peter philip phil ralph raymond remy richard rick robert
roger ron ronald roy russell ryan sam samuel scott sean sebastian simon stanley stephen steve steven
stuart ted terry theodore thomas cyril cecil josiah julius maurice toby tobias reggie reginald noah
ambrose basil bertram clement cuthbert edmund edgar ernest eustace gilbert horace humphrey jasper percy rupert silas tim timothy todd tom tommy tony tyler victor vincent walter wayne
wesley will william zach
""".split()
_FEMALE = """
abigail ada agnes alice alicia alison allison amanda amber amelia amy andrea angela ann anna anne
annie ashley audrey barbara beatrice beth betty bonnie brenda bridget caroline carol catherine
charlotte chloe christina christine claire clara cynthia daisy dana deborah diana diane donna
dorothy edith eleanor elena eliza elizabeth ella ellen emily emma erin esther eva eve evelyn fiona
florence frances gemma georgia grace hannah harriet heather helen helena holly irene isabel isabella
jane janet jean jennifer jenny jessica jill joan joanna josephine joy judith julia julie june karen
kate katherine kathleen katie kelly kim kitty lana laura lauren leah lily linda lisa lois
louisa louise lucy lydia lynn madeleine madge maggie margaret maria marie marion martha mary maya
megan melanie melissa mercy meg michelle mildred miranda molly monica nancy natalie natasha nicole
nora olivia paige rosa pamela patricia pauline penny phoebe polly rachel rebecca rose rosemary ruth sally
samantha sandra sara sarah selina sharon sophia sophie stephanie sue susan sylvia tara teresa tess
tiffany vanessa veronica victoria violet virginia wendy yvonne zoe cecilia elinor evie fannie fanny
julia marianne minnie sibyl sybil sophy adeline augusta beatrix cordelia henrietta millicent philippa
""".split()
FIRST_NAME_GENDER: dict[str, str] = {**dict.fromkeys(_MALE, "male"), **dict.fromkeys(_FEMALE, "female")}

_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$", re.IGNORECASE)
_TOKEN = re.compile(r"[^\s]+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Name:
    """A name mention taken apart."""

    surface: str  # the mention without its possessive
    honorific: str | None  # "mr", "lady", ... (lower case, no full stop)
    gender: str | None  # implied by the honorific
    tokens: tuple[str, ...]  # the rest, case kept
    possessive: bool

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(t.casefold() for t in self.tokens)

    @property
    def first(self) -> str | None:
        return self.key[0] if self.tokens else None

    @property
    def last(self) -> str | None:
        return self.key[-1] if self.tokens else None


def clean(text: str) -> tuple[str, bool]:
    """A mention's text without quotes, spacing noise or possessive."""
    text = _SPACE.sub(" ", text.replace("’", "'")).strip(" \"'“”.,;:!?-")
    possessive = bool(_POSSESSIVE.search(text))
    if possessive:
        text = _POSSESSIVE.sub("", text)
    return text, possessive


# Titles that are no name on their own: "Mrs" or "Sir" alone names no one
# (but "Doctor" or "Captain" may be what everyone calls a character).
BARE_TITLES = set("mr mrs ms miss mister missus sir madam madame mme mlle monsieur mademoiselle".split())
# Words that may come before a title without being part of the name:
# "Dear Miss Morland", "the unfortunate Mrs. Tilney", "poor Mr. Woodhouse".
_BEFORE_TITLE = set("dear dearest my poor old young little good kind the a unfortunate late".split())


def parse(text: str) -> Name:
    surface, possessive = clean(text)
    toks = _TOKEN.findall(surface)
    if toks and toks[0].casefold() == "the" and len(toks) > 1:
        toks = toks[1:]
    # "Dear Miss Morland" -> "Miss Morland"
    for k in range(1, min(len(toks) - 1, 3)):
        if toks[k].rstrip(".").casefold() in HONORIFICS:
            if all(t.casefold() in _BEFORE_TITLE or t[:1].islower() for t in toks[:k]):
                toks = toks[k:]
                surface = " ".join(toks)
            break
    # "old Wickham", "poor young Heaslop": a lower-case word (or one of the
    # usual epithets) before a capitalised one is no part of the name, and a
    # stray "old Wickham" variant would make "Mr. Wickham" ambiguous.
    k = 0
    while k < len(toks) - 1 and (toks[k][:1].islower() or toks[k].casefold() in _BEFORE_TITLE) and toks[k + 1][:1].isupper():
        k += 1
    if k:
        toks = toks[k:]
        surface = " ".join(toks)
    if len(toks) == 1 and toks[0].rstrip(".").casefold() in BARE_TITLES:
        toks = []
    honorific = gender = None
    # "Lord Mr. X" never happens; one leading honorific is enough, but keep
    # "Aunt May" style pairs where the honorific is the only cue.
    if len(toks) > 1:
        h = toks[0].rstrip(".").casefold()
        if h in HONORIFICS:
            honorific, gender = h, HONORIFICS[h]
            toks = toks[1:]
    return Name(surface, honorific, gender, tuple(toks), possessive)


def formal(token: str) -> set[str]:
    """The formal first names a (lower-case) first name may stand for,
    itself included."""
    return NICKNAMES.get(token, set()) | {token}


def same_first(a: str, b: str) -> bool:
    return a == b or bool(formal(a) & formal(b))


def name_gender(name: Name) -> str | None:
    if name.gender:
        return name.gender
    if len(name.tokens) >= 1 and name.honorific is None:
        g = FIRST_NAME_GENDER.get(name.key[0])
        if g is None:
            # "Kit" is Christopher or Katherine: no gender when they disagree.
            gs = {FIRST_NAME_GENDER[f] for f in formal(name.key[0]) if f in FIRST_NAME_GENDER}
            g = gs.pop() if len(gs) == 1 else None
        return g
    return None


def lady_surname(n: Name) -> bool:
    """"Lady Bertram": "Lady" before a surname, not a woman's first name
    ("Lady Catherine"), is a married title."""
    return n.honorific == "lady" and len(n.key) == 1 and name_gender(Name("", None, None, n.key, False)) != "female"


def compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


# Honorifics that go with a surname ("Mr. Darcy", "Colonel Fitzwilliam" is
# not Fitzwilliam Darcy); "Lady Catherine", "Aunt May" take a first name.
SURNAME_HONORIFICS = set(
    "mr mrs ms mister missus dr doctor professor prof captain capt colonel col major general lieutenant "
    "lt sergeant sgt detective det agent officer commander admiral inspector senator governor president "
    "judge reverend rev".split()
)


MARRIED = {"mrs", "missus", "madame", "mme", "senora", "señora", "signora", "frau"}
UNMARRIED = {"miss", "mlle", "mademoiselle", "senorita", "señorita", "signorina", "fraulein"}


# --- characters as clusters of names ----------------------------------------
class Cluster:
    __slots__ = ("kb", "variants", "titled", "honorifics", "honor_gender", "forms", "first", "merged_into")

    def __init__(self, kb=None):
        self.kb = kb
        self.variants: set[tuple[str, ...]] = set()  # multi-token names, lower case
        self.titled: set[tuple[str, ...]] = set()  # variants only ever seen after a title
        self.honorifics: Counter = Counter()
        self.honor_gender: Counter = Counter()
        self.forms: Counter = Counter()  # surface -> name mentions
        self.first = None
        self.merged_into = None

    def gender(self) -> str | None:
        if self.kb is not None and self.kb.gender:
            return self.kb.gender
        if self.honor_gender:
            return self.honor_gender.most_common(1)[0][0]
        for v in sorted(self.variants, key=lambda v: (-len(v), v)):  # ties in a fixed order: sets vary by run
            g = name_gender(Name("", None, None, v, False))
            if g:
                return g
        return None

    def matches(self, n: Name) -> bool:
        """Can this (shorter) name stand for the character?"""
        key = n.key
        if not key or not compatible(n.gender, self.gender()):
            return False
        # A Miss is not a Mrs: "Mrs. Morland" is Catherine Morland's mother
        # once Catherine is known as "Miss Morland".
        # "Lady Bertram" (a surname, not "Lady Catherine") is a Mrs. too.
        if (n.honorific in MARRIED or lady_surname(n)) and any(self.honorifics[h] for h in UNMARRIED):
            return False
        # ("Miss Louisa" is Louisa before she became Mrs. Bounderby: a first name.)
        if n.honorific in UNMARRIED and (any(self.honorifics[h] for h in MARRIED) or (self.honorifics["lady"] and any(
                lady_surname(Name("", "lady", "female", v, False)) for v in self.variants))) and not any(
                len(v) > 1 and key[0] in formal(v[0]) for v in self.variants):
            return False
        # Two surname-only forms: "Miss Tilney" is not "Captain Tilney" nor
        # "General Tilney" unless that one is also known by a title of her sex.
        if (len(key) == 1 and n.gender and self.variants and all(len(v) == 1 for v in self.variants)
                and self.honorifics and not self.honor_gender[n.gender]):
            return False
        for v in self.variants:
            # "Lady Catherine" is not "Kitty": a nickname joins only a name
            # seen bare, not one known only with a title.
            # A full name with a title may still use a nickname ("Mr.
            # William Sikes" is Bill Sikes).
            # "Sir Thomas Bertram" is no Tom Bertram: only surname titles.
            exact = (v in self.titled or n.honorific is not None) and (
                len(key) == 1 or n.honorific not in SURNAME_HONORIFICS | {"master"})  # "Master Charles Bates" is Charley
            exact = exact and not (n.honorific in UNMARRIED and len(v) > 1 and key[0] in formal(v[0]))  # Miss Louisa: Loo
            # "Mr. Poirot" is "Monsieur Poirot": the same one word after
            # titles of compatible gender.
            if n.gender and v == key and v in self.titled and self.honor_gender[n.gender] == sum(self.honor_gender.values()):
                return True
            if subsequence(key, v, surname_only=n.honorific in SURNAME_HONORIFICS, exact=exact):
                return True
        return False


def subsequence(short: tuple[str, ...], full: tuple[str, ...], surname_only: bool = False, exact: bool = False) -> bool:
    """Is `short` a part of the name `full` ("lex" of "lex luthor", "mr
    luthor" of it only through the surname)?"""
    if len(short) > len(full):
        return False
    if len(short) == 1:
        t = short[0]
        if surname_only:
            return len(full) > 1 and full[-1] == t
        return (t == full[0] if exact else same_first(t, full[0])) or t in full[1:]
    i = 0
    for t in full:
        if i < len(short) and (short[i] == t if exact else same_first(short[i], t)):
            i += 1
    return i == len(short)


def find(c: Cluster) -> Cluster:
    while c.merged_into is not None:
        c = c.merged_into
    return c


def merge(a: Cluster, b: Cluster) -> Cluster:
    a, b = find(a), find(b)
    if a is b:
        return a
    if b.kb is not None and a.kb is None:
        a, b = b, a
    a.variants |= b.variants
    a.titled = (a.titled | b.titled) - (a.variants - a.titled - b.titled)
    a.honorifics.update(b.honorifics)
    a.honor_gender.update(b.honor_gender)
    a.forms.update(b.forms)
    b.merged_into = a
    return a
