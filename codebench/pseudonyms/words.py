"""Words that are not names: the common-word list detection and the key consult.

A capitalised word in the middle of a sentence is a name candidate unless it
is an everyday word that happens to be capitalised (``I``, ``English``,
``Monday``, ``NHS``); and a key string gets a lower-case form only when that
is not an everyday word (``mark`` and ``pat`` stay unreplaced). The list is
deliberately small and plain: function words, the words people start
sentences with, calendar words, nationalities and languages, and the
acronyms of public bodies and terms every interview in the sector uses.
A study that needs more passes its own names to detection (``--name``) and
records "keep" decisions in its key.
"""

from __future__ import annotations

_FUNCTION = """
a about above after again against all also although always am an and another any anyone
anything are around as at back be because been before being below between both but by
can could did do does doing done down during each either else enough even ever every
everyone everything few for from further had has have having he her here hers herself
him himself his how however i if in into is it its itself just least less let like many
may me might mine more most much must my myself neither never no nobody none nor not
nothing now of off often on once one only or other others otherwise our ours ourselves
out over own per perhaps quite rather really same she should since so some somebody
someone something sometimes still such than that the their theirs them themselves then
there these they this those though through thus to together too under until up upon us
very was we well were what whatever when where whether which while who whoever whole
whom whose why will with within without would yet you your yours yourself yourselves
i'd i'm i've i'll we've we're we'd we'll it's that's there's they're they've they'd
you're you'd you've you'll she's he's what's let's who's isn't don't didn't can't won't
everything's payback's turnover's
"""

_STARTERS = """
yes yeah yep no nope ok okay oh ah um er erm uh hmm ha well so right sure honestly
actually basically obviously clearly frankly really truly finally firstly secondly
thirdly lastly mostly mainly partly probably possibly maybe definitely certainly
literally technically officially unofficially legally financially massively
enormously cautiously completely absolutely exactly hard good bad great fine better
best worse worst thanks thank please sorry pleasure interview interviewer question
answer looking going picking having compared relieved mixed messy chaotic silly simple
frightening uncertain distant freeze stay keep send look put bid gone double instead
time last long half ten two three four five six seven eight nine eleven twelve twenty
fourteen fifteen first second third new old big small little part day days week weeks
month months year years people staff teachers tutors learners families men women
children money pay payroll risk capital management data decisions letters libraries
colleges commissioners memberships reception reablement swimming sickness outreach
competition achievement completion relations turnout turnover texting visits older
things mind devil god bit council community adult adults legal sickness co-design
corporate national insurance living wage provider selection regime universal credit

"""

#: Names that are also everyday words in lower case: ``Mark`` is a name, ``mark`` a word.
_ALSO_NAMES = """
general major price mark pat bill rose grace hope joy faith frank dawn sky summer
will may june april august ray guy jack page cook baker mason marsh wood hill field
brown green white black king young park ward
"""

_CALENDAR = """
monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays
thursdays fridays saturdays sundays january february march april may june july august
september october november december christmas easter covid
"""

_PEOPLES = """
english british scottish welsh irish european asian african american polish punjabi
urdu bengali arabic somali romanian french spanish portuguese italian german chinese
"""

_ACRONYMS = """
nhs gp gps tupe esol it icb ccg agm ot vat hr cqc fe led mot diy sim id ceo cfo coo md
uk eu pc tv bbc a&e ae ofsted dwp hmrc lgps q a b c mp mps pa
"""


def word_set(text: str) -> frozenset[str]:
    """The words of ``text``, split on white space (lists here are written as prose)."""
    return frozenset(text.split())


COMMON: frozenset[str] = frozenset(
    (_FUNCTION + _STARTERS + _CALENDAR + _PEOPLES + _ACRONYMS).split()
)

#: Speaker labels that name a role, not a person.
ROLE_LABELS: frozenset[str] = word_set(
    """interviewer interviewee respondent participant moderator facilitator speaker
    researcher q a i r int resp iv ie p"""
)


def is_common(word: str) -> bool:
    """Whether ``word`` (any case, curly or straight apostrophe) is an everyday word."""
    return word.replace("\u2019", "'").casefold() in COMMON


#: Words a lower-case form of a key string must not be (see :func:`lower_case_word`).
LOWER_CASE_WORDS: frozenset[str] = COMMON | word_set(_ALSO_NAMES)


def lower_case_word(word: str) -> bool:
    """Whether ``word`` in lower case is an everyday word (``mark``, ``price``, ``general``)."""
    return word.replace("\u2019", "'").casefold() in LOWER_CASE_WORDS


def is_role_label(speaker: str) -> bool:
    """``Interviewer``, ``Q``, ``Speaker 2``, ``P3``: a role, not a name."""
    words = speaker.replace(".", " ").split()
    if not words:
        return True
    if all(w.casefold() in ROLE_LABELS or w.isdigit() for w in words):
        return True
    head = words[0].casefold().rstrip("0123456789")
    return len(words) == 1 and head in ROLE_LABELS and words[0][len(head) :].isdigit()
