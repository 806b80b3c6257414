"""Whether a keyword is aimed at the company or only mentioned.

"My cousin's a lawyer", "I'm a shift supervisor", "my lender's legal team",
"a court artist", "the food court", "is it legal from fourteen": each holds a
legal_threat or keyword_detected word and threatens nothing. Six unseen call
corpora in a row raised such alerts on quiet calls, and a list of phrases
(`DEFAULT_EXCEPTIONS`) only ever caught the senses already seen. This module
reads the word's grammatical place instead, which carries over to words and
names nobody listed:

- *identity*: the word names what someone is ("X's a lawyer", "I'm a shift
  supervisor", "she works as a solicitor");
- *someone else's*: a third party owns it ("my lender's legal team", "the
  club's team manager", "grandfather's solicitor's practice");
- *modifier*: a legal word describing the noun after it ("court artist",
  "legal team"), unless that noun is itself a threat ("court action",
  "legal proceedings");
- *place*: a court named by the word before it ("food court", "Rowan
  Court"), unless that word names a court of law ("county court", "small
  claims court"), or someone else being in court ("she's in court all week");
- *legal as a quality*: "is it legal", "it's legal from fourteen".

The same shapes carry real threats. A lawyer who is said to act on the matter
("my son's a solicitor and he'll be in touch", "...and she's drafting the
letter") is aimed; and a mention only excuses the word when the caller is calm
(the caller rule decides that: `alerts.rules`), for threats said in anger. A word the speaker owns
("my lawyer", "our solicitors", "your manager") is never a mention. A keyword
joined to the word before it by a hyphen ("noise-cancelling") is part of
another word and never a keyword at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from ingest.analysis.phrases import FUNCTION_WORDS

Sense = Literal["aimed", "mention", "compound"]

MENTIONABLE = frozenset(
    {"lawyer", "attorney", "solicitor", "court", "legal", "regulator", "manager", "supervisor"}
)
"""Keywords that name a person, a place or a quality and so can be merely mentioned.
Not cancel, refund, complaint, escalate, unacceptable: said calmly, they are still
what the rule is for."""
PEOPLE = frozenset({"lawyer", "attorney", "solicitor", "manager", "supervisor"})
LEGAL_WORDS = frozenset({"lawyer", "attorney", "solicitor", "court", "legal", "regulator"})

OWNERS = frozenset({"my", "our", "your", "me", "us", "mine", "ours"})
"""Before the word (directly or one word apart), these make it the speaker's own
or the company's: aimed, never a mention."""
COPULAS = frozenset({
    "is", "was", "am", "are", "were", "be", "been", "being", "become", "became", "as",
    "i'm", "he's", "she's", "they're", "we're", "you're", "who's",
})  # fmt: skip
NOT_OWNERS = frozenset({
    "it's", "that's", "there's", "here's", "what's", "where's", "let's", "who's", "he's",
    "she's", "how's", "this's",
})  # fmt: skip
"""Words ending in 's that are a pronoun and "is", not someone owning something."""
THREAT_NOUNS = frozenset({
    "action", "actions", "advice", "proceedings", "route", "steps", "letter", "letters", "claim",
    "claims", "case", "cases", "challenge", "fees", "costs", "papers", "summons", "date",
    "hearing", "dispute", "battle", "fight", "threat", "avenue", "avenues", "options", "help",
    "representation", "department", "departments", "people", "matter", "process", "complaint",
    "complaints", "report", "investigation", "ruling", "judgment", "judgement",
})  # fmt: skip
"""After a legal word, these make it the threat itself ("legal action", "court
claim", "our legal department")."""
COURTS_OF_LAW = frozenset({
    "county", "claims", "high", "crown", "magistrates", "magistrates'", "supreme", "district",
    "federal", "civil", "criminal", "family", "small", "appeal", "appeals", "employment",
    "circuit", "superior", "sheriff", "sheriff's", "housing", "consumer", "local", "state",
    "european", "human", "industrial", "kangaroo",
})  # fmt: skip
NOT_NOUNS = frozenset({
    "today", "tomorrow", "tonight", "yesterday", "now", "then", "soon", "next", "again", "over",
    "about", "if", "when", "unless", "because", "so", "and", "or", "but", "too", "as", "than",
    "involved", "will", "would", "who", "which", "that", "what", "said", "says", "told",
    "are", "is", "was", "were", "has", "have", "had", "can", "could", "should", "most", "all",
    "every", "each", "last", "first", "week", "weeks", "day", "days", "month", "months", "year",
    "years", "time", "yet", "either", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "morning", "afternoon", "please", "mate", "pal",
})  # fmt: skip
"""Words after a legal word that show it is not describing a following noun."""
AFTER_QUALITY = frozenset(
    {"to", "from", "in", "for", "here", "there", "now", "at", "under", "or", "and", "but"}
)

_CLAUSE_END = re.compile(r"[.,;:!?]")
_WORD = re.compile(r"[\w'’-]+")


def keyword_senses(text: str, occurrences: list[tuple[int, int, str]]) -> Mapping[str, Sense]:
    """Each keyword's sense in `text`, from its `(start, end, keyword)` spans: the
    keyword is a mention (or a compound part) only if every occurrence is; one
    aimed occurrence makes it aimed."""
    senses: dict[str, Sense] = {}
    for start, end, keyword in occurrences:
        sense = occurrence_sense(text, start, end, keyword)
        known = senses.get(keyword)
        if known is None or _RANK[sense] > _RANK[known]:
            senses[keyword] = sense
    return senses


_RANK: dict[Sense, int] = {"compound": 0, "mention": 1, "aimed": 2}


def occurrence_sense(text: str, start: int, end: int, keyword: str) -> Sense:
    """The sense of the keyword spoken at ``text[start:end]``."""
    if start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():
        return "compound"
    if keyword not in MENTIONABLE:
        return "aimed"
    before = _words(_clause_before(text[:start]))
    after_text = text[end:]
    possessive = after_text.startswith(("'s", "’s"))
    after = _words(_clause_after(after_text[2:] if possessive else after_text))
    if keyword in LEGAL_WORDS and _speaker_is(before):
        return "aimed"  # "i'm a lawyer and this contract is unenforceable": the law in person
    if _someone_elses(before) or (not _owned_by_speaker(before) and _identity(before, keyword)):
        # "my son's a solicitor and he'll be in touch": that someone acting on this.
        return "aimed" if keyword in LEGAL_WORDS and _acts_on_it(text[end:]) else "mention"
    if _owned_by_speaker(before):
        return "aimed"
    single_word = " " not in text[start:end].strip()  # not "legal action", "small claims"
    if keyword in LEGAL_WORDS and single_word and not possessive and _describes_next(after):
        return "mention"
    if keyword == "court" and (_named_place(before) or _someone_in_court(before)):
        return "mention"
    if keyword == "legal" and _quality(before, after):
        return "mention"
    return "aimed"


def _words(text: str) -> list[str]:
    return [word.replace("’", "'").strip("-'") for word in _WORD.findall(text.lower())]


def _clause_before(text: str) -> str:
    parts = _CLAUSE_END.split(text)
    return parts[-1] if parts else ""


def _clause_after(text: str) -> str:
    return _CLAUSE_END.split(text, maxsplit=1)[0]


def _owned_by_speaker(before: list[str]) -> bool:
    """ "my lawyer", "our solicitors", "my divorce lawyer", "your manager"."""
    if before and before[-1] in OWNERS:
        return True
    return len(before) >= 2 and before[-2] in OWNERS and before[-1] not in ("a", "an")


def _identity(before: list[str], keyword: str) -> bool:
    """What someone is: "…'s a lawyer", "i'm a shift supervisor", "works as a solicitor"."""
    if keyword not in PEOPLE:
        return False
    for skip in (0, 1):  # "a lawyer", "a family lawyer"
        if len(before) >= 2 + skip and before[-1 - skip] in ("a", "an"):
            at = len(before) - 2 - skip
            return before[at] in COPULAS or _owner_noun(before, at) or before[at] == "works"
    return False


def _someone_elses(before: list[str]) -> bool:
    """A third party's, right before the word or before one word describing it:
    "my lender's legal team", "the club's team manager"."""
    if before and _owner_noun(before, len(before) - 1):
        return True
    return len(before) >= 2 and _owner_noun(before, len(before) - 2) and before[-1] not in FUNCTION_WORDS


DETERMINERS = frozenset({"my", "our", "his", "her", "their", "the"})
MENTIONABLE_FORMS = frozenset(
    {"lawyers", "attorneys", "solicitors", "courts", "regulators", "managers", "supervisors"}
)


def _owner_noun(before: list[str], at: int) -> bool:
    """Whether the word at `at` names someone owning what follows: "cousin's", or as
    speech to text writes it, without the apostrophe after a determiner ("my lenders
    legal team", "my sisters a solicitor")."""
    word = before[at]
    if word.endswith("'s"):
        return word not in NOT_OWNERS and word not in COPULAS
    return (
        at > 0
        and before[at - 1] in DETERMINERS
        and word.endswith("s")
        and not word.endswith("ss")
        and len(word) > 3
        and word.isalpha()
        and word not in FUNCTION_WORDS
        and word not in MENTIONABLE_FORMS
    )


def _describes_next(after: list[str]) -> bool:
    """ "court artist", "court sketch", "legal secretary": the word before a noun."""
    if not after:
        return False
    following = after[0]
    return (
        following.replace("'", "").isalpha()
        and following not in FUNCTION_WORDS
        and following not in NOT_NOUNS
        and following not in THREAT_NOUNS
        and not following.endswith("ly")
    )


def _named_place(before: list[str]) -> bool:
    """ "the food court", "rowan court"; not "county court", "small claims court"."""
    if not before:
        return False
    name = before[-1]
    return (
        name.isalpha()
        and name not in FUNCTION_WORDS
        and name not in COURTS_OF_LAW
        and name not in OWNERS
        and name not in ("into", "see", "go", "take", "taking", "off", "through", "via")
    )


ACTING = re.compile(
    r"\b(?:letters?|draft\w*|in touch|hear(?:ing)? (?:from|about)|look(?:ed|ing)? (?:at|into|over)|"
    r"involved|contact\w*|onto you|deal with|action|claims?|proceedings|su(?:e|ed|es|ing)|case|"
    r"warned|advised|says? (?:you|we|i)|told (?:me|us)|sort (?:you|this|it) out|breach|liable|"
    r"unlawful|illegal|rights|field day|about this)\b"
)
"""After the mention, words that show the lawyer acting on this dispute, or the law
brought to bear on it ("my dad's a lawyer, he'll sort you out", "...you're in breach")."""


def _acts_on_it(after: str) -> bool:
    return ACTING.search(after.lower()) is not None


def _someone_in_court(before: list[str]) -> bool:
    """ "she's in court most of that week", "he was in court": someone else there."""
    return len(before) >= 2 and before[-1] == "in" and before[-2] in THIRD_PARTY_THERE


THIRD_PARTY_THERE = frozenset({"she's", "he's", "they're", "she", "he", "they", "was", "were", "is", "been"})


def _speaker_is(before: list[str]) -> bool:
    """ "i'm a lawyer", "as a solicitor", "i work as a paralegal": the speaker's own trade."""
    return (
        len(before) >= 2
        and before[-1] in ("a", "an")
        and (
            before[-2] in ("i'm", "am", "we're")
            or (before[-2] == "as" and (len(before) == 2 or "i" in before[-5:-2]))
        )
    )


def _quality(before: list[str], after: list[str]) -> bool:
    """ "is it legal", "it's legal from fourteen", "perfectly legal"; not "that's not
    legal" or "is it even legal" (an accusation)."""
    if after and after[0] in THREAT_NOUNS:
        return False
    if any(word in ("not", "even", "hardly", "never") or word.endswith("n't") for word in before[-3:]):
        return False
    if not after or after[0] in AFTER_QUALITY:
        return True
    return bool(before) and (before[-1] in COPULAS or before[-1] in ("it's", "that's", "it", "that"))
