"""Whether a keyword is aimed at the company or only mentioned.

"My cousin's a lawyer", "I'm a shift supervisor", "my lender's legal team",
"a court artist", "Rowan Court", "is it legal from fourteen": each holds a
legal_threat or keyword_detected word and threatens nothing. Six unseen call
corpora in a row raised such alerts on quiet calls, and a list of phrases
(`DEFAULT_EXCEPTIONS`) only ever caught the senses already seen. This module
reads the word's grammatical place instead.

A threat lost costs far more than a false alert, so a word is a *mention* only
on positive evidence of one of these shapes; anything else is *aimed*:

- *someone else's*: owned by a third party the caller names ("my lender's
  legal team", "my running club's team manager", as speech to text writes
  it "my lenders legal team"); never the company's ("your firm's solicitors",
  "the shop's manager");
- *what someone else is*: "my aunt's a solicitor", "she's a barrister", and
  for a manager or supervisor the caller too ("I'm a shift supervisor"); the
  caller's own legal trade ("I'm a lawyer and...") is aimed;
- *a legal word before a noun that makes it a thing* from a short list
  ("court artist", "legal drama", "regulator valve");
- *a court named as a place*, capitalised as an address is ("Rowan Court");
  someone else in court ("she's in court all week");
- *legal as a plain question or fact*: "is it legal to...", "it's legal from
  sixteen", "perfectly legal".
- *a court as the place someone is* (round 17): "jury service at the crown
  court", "a judge at the county court", a squash or food court; not with a
  modal ("i'll see you at the county court");
- *what someone is, set off by commas*: "my neighbour, a retired solicitor,
  recommended you";
- *the caller's hedge*: "i'm not a lawyer, but that seems fair";
- *what the caller says they do not want* (cancel, refund, complaint,
  escalate, a manager): "i'm not ringing to cancel anything", "i'm not after a
  refund", "you don't need to escalate anything"; not when the sentence turns
  ("i don't want to cancel, but i will if...") or is a threat ("don't make me
  cancel");
- *a manager of somewhere else*: "the store manager in cork sorted it out";
  not the company's own ("the manager on duty", "...at head office needs to
  call me") nor one asked for ("put me through to the manager at the branch");
  a court with a game in the sentence ("my son plays basketball, the court's
  down the road");
- *someone else's word or deed*: a word reported after "quote" ("said his
  weight was, quote, unacceptable"); someone else sued ("is it true the club
  got sued by the marina"); the caller's own boss ("my line manager", "my old
  phd supervisor") or a manager of another place ("the practice manager at the
  surgery");
- (round 18) the caller's own job ("i'm a barrister, i have a court hearing on
  wednesday", "i work for a regulator"), unless brought to bear on the dispute
  ("i'm a solicitor, so i know what you owe me"); someone named by their title
  with or without commas ("my boss the regional manager"); a court hearing or
  date; the law for a private matter ("a statement for my solicitor, we're
  buying a house");
- *a legal word with nothing taking it up* (round 16): a legal word the caller
  does not take up is only named ("there's a lot of court post", "a present
  from the legal department"). It is aimed when its clause holds the caller
  ("i'll...", "...against me"), the caller's own lawyer ("my solicitor"), a
  step towards the law ("calling a lawyer", "going to court", "the small claims
  court"), this matter ("this will end up in court"), or anything anyone will
  or could do ("the regulator would want to know").

Round 19 (blind20, blind17, the probe): a person's word ("says", "reckons") acts on
the dispute only when what they said holds the caller, the company or this ("my
brother-in-law's a lawyer and reckons it's legal from fourteen" is a mention); a dead
person's estate is a private matter; a legal person's recommendation of the company
("my solicitor said you'd be quicker", "...says your contract looks very fair"); a
thing acts on nothing ("his court date is the third, i'll be driving him there") and a
device is no regulator ("the voltage regulator's shot, do you carry one"); "road
legal"; "the manager there" (of the place just named). Sense "other": a court of
another meaning (royal, sports, court shoes), a past cancellation told as why the
caller rings to book back in, a question of policy ("do you cancel on the day"), and
suing what nobody can take to court ("i'd sue the weather").

"Sue" as a name ("a boy named sue", "it's sue from the tuesday club") is no
keyword at all, calm or not; nor is a word in another meaning (sense "other",
round 17): something that grew worse ("the water fight escalated", "my fear
escalates the closer i get"), or a threat the speaker says is a joke ("he'll
sue you, no i'm kidding"), which an upset caller does not mean either. Round 18
added to "other": the act said to be none ("i'm suing no one", "there's no
complaint here"); an illness ("a thyroid complaint"); someone else's complaint
told as news ("a staff member made a complaint last year"; about the company,
"...about your trainer", it is aimed); a cancellation or refund that happened
elsewhere ("my flight got cancelled", "i got a refund from the airline", "i
cancelled with the other company"; not the caller's wish, "i want it
cancelled", nor the caller's or the company's act, "i cancelled my order",
"you cancelled it"). Round 17 read the last two as mentions, but the keyword's
own weight made such a line read upset, and a mention only excuses a calm caller.

Whatever the shape, the word is aimed when its clause speaks to the other party
("...legal team, they'll be writing to you"; a "you know" or "thank you" far from
the keyword is a filler, which speech to text writes without its commas) or doubts
the law ("how is that legal"), or when the person mentioned is said to act on the matter ("...and
he'll be in touch", "...she's drafting the letter"). A mention only excuses the
word when the caller is calm (the caller rule decides that: `alerts.rules`).
A keyword that is the participle half of a hyphenated word ("noise-cancelling")
is part of another word and never counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

Sense = Literal["aimed", "mention", "compound", "name", "other"]

MENTIONABLE = frozenset(
    {"lawyer", "attorney", "solicitor", "court", "legal", "regulator", "manager", "supervisor"}
)
"""Keywords that name a person, a place or a quality and so can be merely mentioned.
Not cancel, refund, complaint, escalate, unacceptable: said calmly, they are still
what the rule is for, unless a shape of their own says they are not the caller's
(someone else's complaint, a cancellation elsewhere, what the caller does not want)."""
PEOPLE = frozenset({"lawyer", "attorney", "solicitor", "manager", "supervisor"})
LEGAL_WORDS = frozenset({"lawyer", "attorney", "solicitor", "court", "legal", "regulator"})

THIRD_PARTY = frozenset({"my", "his", "her", "their"})
"""Before an owner ("my lender's"): someone the caller knows, not the company."""
THIRD_PERSON = frozenset({"he's", "she's", "they're"})
COURT_THINGS = frozenset({
    "artist", "artists", "sketch", "sketches", "reporter", "reporters", "usher", "ushers", "clerk",
    "stenographer", "drama", "dramas", "shoes", "shoe", "jester", "painting", "paintings", "dress",
    "jeweller", "musician", "musicians", "judge", "judges", "road", "street", "lane", "avenue", "close",
    "gardens", "mews", "flats", "apartments", "hotel", "farm", "hearing", "date", "appearance",
})  # fmt: skip
LEGAL_THINGS = frozenset({
    "drama", "dramas", "show", "shows", "series", "thriller", "thrillers", "pad", "pads", "paper",
    "size", "studies", "degree", "course", "career", "profession", "secretary", "assistant",
    "executive", "blonde", "eagles", "name", "names", "guardian", "guardians", "owner", "owners", "holder",
    "sector", "blind", "allowed",
})  # fmt: skip
THINGS = {
    "court": COURT_THINGS,
    "legal": LEGAL_THINGS,
    "regulator": frozenset({"valve", "spring", "hose", "cap", "knob", "dial", "bottle", "part"}),
    "lawyer": frozenset({"friend", "friends", "joke", "jokes", "show", "drama", "series"}),
}
"""Nouns after a legal word that make it a thing, not a threat ("court artist")."""
PEOPLE_OF_THE_LAW = frozenset({"judge", "judges", "clerk", "usher", "ushers", "reporter", "reporters"})
"""Of those, people, who may act on the dispute ("a county court judge will decide it")."""
SPORTS = frozenset({
    "tennis", "squash", "badminton", "basketball", "netball", "volleyball", "pickleball", "padel", "futsal",
    "racquetball", "handball", "dodgeball",
})  # fmt: skip
"""Anywhere in the sentence, a game played on a court ("my son plays basketball, the court's
just down the road")."""
KINDS_OF_COURT = SPORTS | {
    "food", "clay", "grass", "indoor", "outdoor", "centre", "center", "royal", "king's", "queen's",
}  # fmt: skip
"""Before "court", words that make it a place to play, eat or a royal household, not a court of law."""
AT_A_PLACE = frozenset({"at", "outside", "near", "opposite", "past", "beside", "behind", "by", "across"})
"""Right before "the ... court", where someone is, not where a dispute goes ("jury service at
the crown court", "a judge at the county court")."""
HEDGE = frozenset({"i'm", "im", "i", "am"})
COURTS_OF_LAW = frozenset({
    "county", "claims", "high", "crown", "magistrates", "supreme", "district", "federal", "civil",
    "criminal", "family", "small", "appeal", "appeals", "employment", "circuit", "superior",
    "sheriff", "housing", "consumer", "local", "state", "european", "four", "labour", "labor",
    "probate", "youth", "juvenile", "coroner's", "coroners", "sheriffs", "tribunal",
})  # fmt: skip
LISTENER = frozenset({
    "you", "your", "you're", "you've", "you'll", "yours", "yourself", "yourselves", "ye", "yous",
    "youse", "y'all",
})  # fmt: skip
"""In the keyword's clause, these aim it at the other party."""
DOUBT = frozenset({"not", "even", "how", "doubt", "surely", "hardly", "never", "really", "illegal"})
QUALITY_AFTER = frozenset({"to", "from", "in", "for", "here", "there", "now", "at", "under"})
QUALITY_BEFORE = frozenset({
    "it's", "perfectly", "completely", "totally", "entirely", "fully", "street", "road",
})  # fmt: skip
PARTICIPLE_PREFIXES_NOT = frozenset({"re", "counter", "pre", "co", "over", "under", "full", "self"})

FIRST_PERSON = frozenset({
    "i", "i'll", "i'm", "i've", "i'd", "im", "ive", "we", "we'll", "we're", "we've", "we'd", "me", "us",
    "myself", "ourselves",
})  # fmt: skip
TOWARDS_THE_LAW = frozenset({
    "call", "calling", "ring", "ringing", "phone", "phoning", "get", "getting", "hire", "hiring",
    "instruct", "instructing", "consult", "consulting", "contact", "contacting", "speak", "speaking",
    "talk", "talking", "see", "seeing", "take", "taking", "report", "reporting", "go", "going", "file",
    "filing", "expect", "send", "sending", "bring", "bringing", "involve", "involving", "threaten",
    "consider", "considering", "pursue", "pursuing", "straight", "until", "unless", "otherwise",
})  # fmt: skip
"""Before a legal word, these take the matter to the law ("calling a lawyer")."""
MODALS = frozenset({
    "will", "won't", "would", "wouldn't", "could", "can", "might", "may", "must", "should", "shall",
})  # fmt: skip
_MODAL = re.compile(r"\b(?:will|won't|would|could|can|might|must|should|shall|gonna)\b|'ll\b|\bgoing to\b")
REPORTING = frozenset({"said", "says", "called", "told", "wrote", "writes", "described", "reckoned"})
BEFORE_A_NAME = frozenset({
    "of", "for", "with", "wife", "husband", "sister", "brother", "mum", "mother", "daughter", "son", "aunt",
    "auntie", "friend", "colleague", "neighbour", "neighbor", "partner", "nan", "gran", "cousin", "niece",
    "boss", "little", "young", "miss", "mrs", "ms", "mr", "dr", "doctor", "nurse", "uncle", "grandma",
    "granny", "nana",
})  # fmt: skip
"""Right before "sue", a word after which it can only be a name ("care of sue", "my wife sue",
"little sue patel")."""
PERFECT = frozenset({"have", "has", "had", "'ve", "they've", "people've", "who've"})
LIVING = frozenset({"live", "lives", "living", "lived", "address", "moved", "moving"})
"""In the clause before "court", a home: "i live at seven willow court"."""
_NEXT_STEP = re.compile(r"\bnext (?:step|stop|port of call)\b")
NAMING = frozenset({"named", "called", "it's", "its", "i'm", "im", "name's", "names"})
PASSIVE = frozenset({"got", "get", "gets", "getting", "was", "were", "been", "being", "is", "are", "be"})
ASKING = frozenset({"want", "wanted", "need", "needs", "like", "have", "had", "has", "please", "get"})
ON_THE_JOB = frozenset({
    "charge", "duty", "shift", "call", "hand", "site", "today", "now", "head", "headquarters", "hq",
    "customer", "billing", "accounts", "complaints",
})  # fmt: skip
"""After "manager in"/"on": the company's own person at work ("the manager on duty")."""
WANTABLE = frozenset({"cancel", "refund", "complaint", "escalate", "manager", "supervisor"})
"""Keywords that name what a caller wants done, so a caller can say they do not want it."""
_NOT_WANTED = re.compile(
    r"\b(?:not|never)\s+(?:ringing|calling|phoning|writing|here|trying|going|planning|out|wanting|"
    r"looking|asking|wishing|hoping)\s+(?:to|for)(?:\s+(?:a|an|any))?\s*$"
    r"|\b(?:don't|doesn't|didn't|do not|does not|won't|wouldn't)\s+(?:want|need|wish|plan|intend)"
    r"(?:\s+to|\s+(?:a|an|any))\s*$"
    r"|\bnot\s+after\s+(?:a|an|any)\s*$"
)
"""Right before the keyword: the caller says they do not want it ("i'm not ringing to",
"i'm not after a", "you don't need to", "i'm not looking for a")."""
_BUT_LATER = re.compile(r"\b(?:but|unless|if|otherwise|or else|until|yet)\b|'ll\b|\bwill\b|\bgoing to\b")
SOMEONE_ELSES = frozenset({"the", "my", "our", "his", "her", "their", "a"})
"""Opening a clause, the subject is a thing or someone else ("the tennis club cancelled
practice", "my boss cancelled the meeting"); not "they", who may be the company."""
DISCOURSE = frozenset({"so", "and", "but", "well", "oh", "anyway", "yeah", "also", "because", "since", "as"})
RECEIVED = frozenset({"got", "get", "received", "had", "gave", "given", "sent", "issued"})
REQUESTING = frozenset({
    "speak", "speaking", "talk", "talking", "put", "through", "transfer", "see", "ask", "asking", "fetch",
    "call", "ring", "phone", "contact", "escalate", "where's", "who's",
})  # fmt: skip
"""Before "manager"/"supervisor", words that ask for the person ("put me through to the manager")."""
GREW = frozenset({"as", "quickly", "fast", "from", "into", "when", "after", "so", "and", "but", "then",
                  "very", "pretty", "badly", "a", "at", "over", "last", "out"})  # fmt: skip

COMPANY_ROLES = frozenset({
    "account", "accounts", "case", "relationship", "client", "customer", "claims", "claim", "portfolio",
    "service", "contract", "billing",
})  # fmt: skip
"""Before "manager"/"supervisor" after "my": a role the company gives the caller ("my account
manager"), not the caller's own boss ("my line manager", "my old phd supervisor")."""
COMPARATIVES = frozenset({"closer", "nearer", "more", "longer", "further", "worse", "later", "bigger"})
_JOKING = re.compile(
    r"\b(?:i'm|i am|im|he's|she's|they're|we're|he|she|they|only|just)\s+(?:\w+\s+)?"
    r"(?:kidding|joking|jokes|joked|jesting)\b|\b(?:jokes|joked|joking)\s+(?:that|about|he|she|they)\b|"
    r"\b(?:in jest|as a joke|jokingly)\b"
)
"""Someone's own jest: "no i'm kidding", "only joking", "my husband jokes he'll sue you";
not the caller's outrage ("are you kidding me", "you must be joking", "this is a joke")."""
_SERIOUS = re.compile(
    r"\b(?:not|no|n't|never)\s+(?:\w+\s+)?(?:jok\w*|kidding|kid|jest\w*)\b|\bjok\w*\s+aside\b|\bjokes? over\b"
)
"""A joke marker said not to hold: "i'm not joking", "no joke", "joking aside"."""

ACTING = re.compile(
    r"\b(?:letters?|draft\w*|in touch|hear(?:ing)? (?:from|about)|look(?:ed|ing)? (?:at|into|over)|"
    r"involved|contact\w*|onto you|deal(?:ing|s)? with|action|claims?|proceedings|su(?:e|ed|es|ing|it)|case|"
    r"fil(?:e|es|ed|ing)|against (?:you|y'all|your|ye|yous|the company|this)|"
    r"sort (?:you|this|it) out|breach|liable|unlawful|"
    r"illegal|rights|field day|about this|represent\w*|read (?:the|your|it|this)|seen (?:the|your)|"
    r"further|(?<!\bit)(?<!\bthat)(?<!\bthere)'ll|will|going to|gonna|shall|not happy|forward\w*|notice|pass(?:ed|ing)? (?:it|this|them)|"
    r"show(?:ed|n|ing)? (?:it|this|them|him|her))\b"
)
"""After a mention, words that show the person acting on this dispute, or anything
they will do ("my cousin's a solicitor and she'll ring you tomorrow")."""
_REPORTS = re.compile(r"\b(?:warn(?:s|ed)|advis(?:es|ed)|says?|said|told|tells|reckons?|thinks?|thought)\b")
"""After a mention, the person's word on something. It acts on this dispute only when
what they said (up to a new thought: ", but...", ", so...") holds the caller, the
company or this ("...and said i should sue you", "...told me to ring you"); not
"...and reckons it's legal from fourteen", "...says it should be settled by spring",
"...says hi" (round 19: the word alone read as acting)."""
_NEW_THOUGHT = re.compile(r"[,;:]\s*(?:but|though|although|so|and|because|cos|anyway)\b")
_ON_THIS = re.compile(
    r"\b(?:i|i'm|i'd|i'll|i've|me|my|we|we're|we'd|we'll|us|our|this|you|your|you're|"
    r"you've|you'll|ye|yous|y'all|company|firm|business|shop)\b"
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


_RANK: dict[Sense, int] = {"compound": 0, "name": 0, "other": 0, "mention": 1, "aimed": 2}


def occurrence_sense(text: str, start: int, end: int, keyword: str) -> Sense:
    """The sense of the keyword spoken at ``text[start:end]``."""
    said = text[start:end]
    if _participle_compound(text, start, said):
        return "compound"
    clause_before = _clause_before(text[:start])
    before = _words(clause_before)
    after_text = text[end:]
    possessive = after_text.startswith(("'s", "’s"))
    after = _words(_clause_after(after_text[2:] if possessive else after_text))
    if (
        keyword == "sue"
        and said.lower() == "sue"
        and _a_name(_words(text[:start]), before, after, after_text)
    ):
        return "name"  # "sue from accounts said you'd ring me" is no threat either
    if keyword in WANTABLE and _said_not_wanted(before, text[end:]):
        return "mention"  # "i'm not ringing to cancel anything", "you don't need to escalate"
    if keyword == "cancel" and _asks_how_you_cancel(before, after, said):
        return "other"  # "if there's a storm, do ye cancel on the day": a question of policy
    if keyword in ("sue", "complaint") and _none_of_it(before, after, text[end:], said):
        return "other"  # "i'm suing no one", "there's no complaint here": whatever the mood
    if _said_in_jest(_sentence_of(text, start)):
        return "other"  # "don't lose the hawk or he'll sue you, no i'm kidding"
    if (
        keyword in ("manager", "supervisor")
        and (_my_own_boss(before) or _at_another_place(after))
        and not _asks_for_someone(before)
    ):
        return "mention"  # "my old phd supervisor", "the practice manager at the surgery said..."
    if keyword in PEOPLE and _not_a_lawyer_myself(before, after_text) and not _acts_on_it(after_text):
        return "mention"  # "i'm not a lawyer, but that seems fair": a hedge, not a threat
    if keyword in PEOPLE and _recommended_you(_rest_of_sentence(after_text)):
        return "mention"  # "my solicitor said you'd be quicker than doing it myself"
    if _a_device(keyword, before):
        return "mention"  # "the voltage regulator's shot, do you carry the six volt one"
    if _addresses_listener((*before, *after), len(before)) or any(word in DOUBT for word in before):
        return "aimed"
    if _reported(_words(text[:start])):
        return "mention"  # someone else's word: "she said his weight was, quote, unacceptable"
    if keyword == "sue" and _sued_no_one_who_can_be(after):
        return "other"  # "i'll sue the weather if it rains on my wedding, ha ha": a joke
    if keyword == "sue":
        rest_of_sentence = _words(_rest_of_sentence(after_text))
        return "mention" if _someone_else_sued(before, said, rest_of_sentence) else "aimed"
    if keyword == "escalate":
        return "other" if _grew_worse(before, after, said) else "aimed"
    if (
        keyword == "complaint"
        and said.lower().startswith("complaint")
        and before[-1:]
        and before[-1] in AILING
    ):
        return "other"  # "she also has a thyroid complaint": an illness
    if keyword == "complaint" and (
        _someone_elses_complaint(before) or _complained_someone_else(before, said)
    ):
        # "our neighbour's only complaint so far is the shrieking": someone else's, about
        # something else, whatever the caller's mood (round 18: the word's own weight made
        # the line read upset); about the company ("...about your trainer") it is aimed.
        rest_of_sentence = _words(_rest_of_sentence(after_text))
        return "aimed" if any(word in LISTENER for word in rest_of_sentence) else "other"
    if keyword == "court" and _not_a_court_of_law(before, after, said):
        return "other"  # "the royal court series", "court shoes": another meaning, whatever the mood
    if keyword == "cancel" and _left_somewhere_else(after, said):
        return "other"  # "i cancelled with the other company, that's why i'm joining you"
    if keyword == "cancel" and _cancelled_and_coming_back(before, said, _rest_of_sentence(after_text)):
        return "other"  # "i cancelled my march appointment, i'm ringing to book back in"
    if keyword in ("cancel", "refund") and _done_by_someone_else(before, after, said):
        # "my flight got cancelled, so i'll be late", "i got a refund from the airline": news
        # of elsewhere, no request, whatever the caller's mood (round 18).
        return "other"
    if keyword not in MENTIONABLE:
        return "aimed"
    single_word = " " not in said.strip()
    if single_word and not possessive and _a_thing(keyword, after) and after[0] not in PEOPLE_OF_THE_LAW:
        # "his court date is the third": a thing, which acts on nothing, whatever else
        # the sentence says ("...i'll drive him there").
        return "mention"
    mention = (
        _someone_elses(before)
        or _what_someone_is(before, keyword)
        or (single_word and not possessive and _a_thing(keyword, after))
        or (keyword == "court" and (_named_place(clause_before, said) or _someone_in_court(before)))
        or (keyword == "court" and any(word in LIVING for word in before))
        or (keyword == "court" and _a_place_someone_is(before, said))
        or (keyword == "court" and bool(SPORTS & set(_words(_sentence_of(text, start)))))
        or (keyword in PEOPLE and _apposed_to_someone_else(text[:start], before))
        or (keyword == "legal" and _plain_quality(before, after))
    )
    if mention:
        if keyword in LEGAL_WORDS and (
            _acts_on_it(after_text) or _my_trade_in_use(before, keyword, after_text)
        ):
            return "aimed"
        return "mention"
    if keyword in LEGAL_WORDS and not _aimed_at_the_dispute(before, after, after_text, keyword, said):
        return "mention"
    if keyword in PEOPLE and _private_matter(_sentence_of(text, start)) and not _acts_on_it(after_text):
        return "mention"  # "i need a statement for my solicitor, we're buying a house"
    return "aimed"


def _participle_compound(text: str, start: int, said: str) -> bool:
    """ "noise-cancelling": the keyword as the participle half of another word; not
    "re-escalate", "counter-suing" or "county-court"."""
    if start < 2 or text[start - 1] != "-" or not text[start - 2].isalpha():
        return False
    prefix = _words(text[: start - 1])[-1:] or [""]
    return said.lower().endswith(("ing", "ed")) and prefix[0] not in PARTICIPLE_PREFIXES_NOT


def _rest_of_sentence(text_after: str) -> str:
    """`text_after` up to the end of its sentence (a full stop, question or exclamation mark)."""
    return re.split(r"[.?!]", text_after, maxsplit=1)[0]


def _words(text: str) -> list[str]:
    return [word.replace("’", "'").strip("-'") for word in _WORD.findall(text.lower())]


def _clause_before(text: str) -> str:
    parts = _CLAUSE_END.split(text)
    return parts[-1] if parts else ""


def _clause_after(text: str) -> str:
    return _CLAUSE_END.split(text, maxsplit=1)[0]


def _owner(before: list[str], at: int) -> bool:
    """The word at `at` is someone the caller knows, owning what follows: "my
    lender's", "my running club's", or without the apostrophe as speech to text
    writes it, "my lenders"."""
    if at < 1:
        return False
    word = before[at]
    known = before[at - 1] in THIRD_PARTY or (at >= 2 and before[at - 2] in THIRD_PARTY)
    if word.endswith("'s"):
        return known and word[:-2].replace("-", "").isalpha()  # "great-grandfather's"
    return (
        before[at - 1] in THIRD_PARTY
        and word.endswith("s")
        and not word.endswith("ss")
        and len(word) > 3
        and word.isalpha()
    )


def _someone_elses(before: list[str]) -> bool:
    """ "my lender's legal team", "my daughter's football manager"."""
    last = len(before) - 1
    return bool(before) and (
        _owner(before, last) or (last >= 1 and before[last - 1].endswith("'s") and _owner(before, last - 1))
    )


def _what_someone_is(before: list[str], keyword: str) -> bool:
    """ "my aunt's a solicitor", "she's a barrister", "i'm a shift supervisor"."""
    if keyword in LEGAL_WORDS and before[-4:-1] in (["i", "work", "for"], ["i", "work", "at"]):
        return before[-1] in ("a", "an", "the")  # "i work for a regulator myself"
    if keyword not in PEOPLE:
        return False
    for skip in (0, 1):  # "a lawyer", "a family lawyer"
        if len(before) >= 2 + skip and before[-1 - skip] in ("a", "an"):
            at = len(before) - 2 - skip
            link = before[at]
            if link in ("i'm", "im"):
                return True  # the caller's own job; a legal trade is aimed again by `_my_trade_in_use`
            return link in THIRD_PERSON or _owner(before, at)
    return False


def _a_thing(keyword: str, after: list[str]) -> bool:
    """ "court artist", "legal drama", "regulator valve"."""
    return bool(after) and after[0].removesuffix("'s") in THINGS.get(keyword, frozenset())


DEVICES = frozenset({
    "voltage", "pressure", "oxygen", "temperature", "flow", "propane", "butane", "fuel", "dive", "scuba",
    "speed", "charge", "charging", "boost", "vacuum", "co2", "argon", "welding",
})  # fmt: skip
"""Right before "regulator", a device: "the voltage regulator's shot", "a propane regulator"."""


def _a_device(keyword: str, before: list[str]) -> bool:
    return keyword == "regulator" and bool(before) and before[-1] in DEVICES


def _named_place(clause_before: str, said: str) -> bool:
    """ "Rowan Court": a capitalised name before a capitalised Court, as an address is
    written (speech to text that writes lower case never shows one)."""
    if not said[:1].isupper():
        return False
    names = _WORD.findall(clause_before)
    return bool(names) and names[-1][:1].isupper() and names[-1].lower() not in COURTS_OF_LAW


def _someone_in_court(before: list[str]) -> bool:
    """ "she's in court most of that week": someone else there."""
    return len(before) >= 2 and before[-1] == "in" and before[-2] in THIRD_PERSON


def _plain_quality(before: list[str], after: list[str]) -> bool:
    """ "is it legal to fly a drone", "it's legal from sixteen", "perfectly legal"."""
    asked = before[-2:] in (["is", "it"], ["is", "that"])
    stated = bool(before) and before[-1] in QUALITY_BEFORE
    return (asked or stated) and (not after or after[0] in QUALITY_AFTER)


def _acts_on_it(after: str) -> bool:
    lowered = _WILL_THE_DOCUMENT.sub("testament", after.lower())  # "handling his will"
    if ACTING.search(lowered) is not None:
        return True
    report = _REPORTS.search(_rest_of_sentence(lowered))
    if report is None:
        return False
    what_was_said = _NEW_THOUGHT.split(_rest_of_sentence(lowered)[report.end() :], maxsplit=1)[0]
    return _ON_THIS.search(what_was_said) is not None


_WILL_THE_DOCUMENT = re.compile(r"\b(?:his|her|their|my|our|a|the|mum's|dad's) will\b")
_AN_ESTATE = re.compile(r"\b(?:his|her|their|late|[a-z]+'s) estate\b")
"""A dead person's estate ("the solicitor sorting out dad's estate"), a probate matter;
not "your estate" nor "a housing estate"."""
PRIVATE_LAW = frozenset({
    "conveyancing", "probate", "testament", "buying", "selling", "purchase", "inheritance", "adoption",
    "prenup",
})  # fmt: skip
"""In a legal word's sentence: the law for a private matter ("i need a statement for my
solicitor, we're buying a house"), not a dispute. Not a lease, tenancy or mortgage: those
are what a letting agent's or a lender's callers dispute."""


def _private_matter(sentence: str) -> bool:
    """A private legal matter in the sentence, and nothing said to the listener."""
    words = _words(_AN_ESTATE.sub("probate", _WILL_THE_DOCUMENT.sub("testament", sentence.lower())))
    return any(word in PRIVATE_LAW for word in words) and not _addresses_listener(tuple(words))


def _aimed_at_the_dispute(
    before: list[str], after: list[str], after_text: str, keyword: str, said: str
) -> bool:
    """A legal word with no shape of a mention is still aimed when its clause shows
    the caller (or this matter) taking it up: the caller as a party ("i'll...",
    "...with me"), the caller's own lawyer ("my solicitor", "our legal team"), an
    action towards the law ("calling a lawyer", "take it to court", "the small
    claims court"), this matter ("this will end up in court"), or anything anyone
    will or could do ("the regulator would want to know"). Without any of these
    ("there's a lot of court post", "a present from the legal department") the
    word is only mentioned."""
    clause = (*before, *after)
    if len(clause) <= 3 or " " in said.strip():
        return True  # the caller's whole point ("next stop, the court"), or a phrase ("legal action")
    if said.lower().endswith("courts") or _NEXT_STEP.search(" ".join(clause)):
        return (
            True  # the law itself ("a matter for the courts now"), the next step ("is the regulator next?")
        )
    if any(word in FIRST_PERSON or word == "this" for word in clause):
        return True
    if any(word in ("my", "our") for word in before[-2:]) and not (
        len(before) >= 2 and before[-2] in ("my", "our") and before[-1].endswith("'s")
    ):
        return True  # "my solicitor", "our legal team"; not "my landlord's legal team"
    if any(word in TOWARDS_THE_LAW for word in before) or _MODAL.search(" ".join(before)):
        return True
    if keyword == "court" and before[-1:] in (["to"], ["in"]):
        return True  # "going to court", "it ends up in court"
    if keyword == "court" and any(word in COURTS_OF_LAW for word in before[-2:]):
        return True  # "the small claims court"
    return _acts_on_it(after_text) or any(word in MODALS for word in after)


FILLERS_WITH_YOU = frozenset({
    ("you", "know"), ("you", "see"), ("mind", "you"), ("thank", "you"), ("bless", "you"), ("if", "you"),
})  # fmt: skip
"""Pairs in which "you" is a filler or a courtesy, not the company: speech to text writes
"...got cancelled because of the ice storm you know" with no comma to set it off."""
FILLER_REACH = 4
"""A filler this near the keyword still aims it ("my cousin's a lawyer, you know")."""


def _addresses_listener(words: tuple[str, ...], keyword_at: int | None = None) -> bool:
    """A listener word in `words` that is not part of a filler ("you know", "thank you")
    said away from the keyword (`keyword_at`: where the keyword sits in the clause, left
    out of `words`; None when `words` is a whole sentence and no keyword is near)."""
    for at, word in enumerate(words):
        if word not in LISTENER:
            continue
        pairs = {tuple(words[at - 1 : at + 1]) if at else (), tuple(words[at : at + 2])}
        asked = ("if", "you") in pairs and words[at + 1 : at + 2] in (("like",), ("will",), ("ask",))
        far = keyword_at is None or abs(at - keyword_at) > FILLER_REACH
        if word == "you" and pairs & FILLERS_WITH_YOU and far and (asked or ("if", "you") not in pairs):
            continue
        return True
    return False


def _reported(words_before: list[str]) -> bool:
    """ "she said his weight was, quote, unacceptable": the word right after "quote",
    with someone's saying of it shortly before."""
    return words_before[-1:] == ["quote"] and any(word in REPORTING for word in words_before[-10:-1])


def _a_name(words_before: list[str], before: list[str], after: list[str], next_text: str) -> bool:
    """ "a boy named sue", "hello, it's sue from the tuesday club", "my wife, sue",
    "care of sue thompson", "sue, my sister, is the second holder"."""
    return (
        (bool(before) and before[-1] in NAMING)
        or (after[:1] == ["from"] and before[-1:] != ["to"])
        or (bool(words_before) and words_before[-1] in BEFORE_A_NAME)
        or (not before and next_text.lstrip().startswith(","))
        or _named_then_she(after, next_text)
    )


OBJECTS = frozenset({
    "you", "your", "them", "him", "her", "it", "us", "everyone", "everybody", "anyone", "anybody", "the",
    "this", "that", "yous", "ye", "y'all", "again", "now", "today", "tomorrow", "later", "too", "first",
})  # fmt: skip
"""After "sue": whom or when someone sues; a word not among these may be a surname."""


def _named_then_she(after: list[str], next_text: str) -> bool:
    """ "little sue patel, she's graded ninety eight": "sue", one more word (a surname),
    then a clause about her."""
    if len(after) != 1 or after[0] in OBJECTS or after[0] in MODALS or after[0] in FIRST_PERSON:
        return False
    clauses = _CLAUSE_END.split(next_text, maxsplit=2)
    return len(clauses) > 1 and _words(clauses[1])[:1] in (["she"], ["she's"], ["her"], ["shes"])


CANNOT_BE_SUED = frozenset({
    "weather", "rain", "snow", "wind", "sun", "fog", "heat", "cold", "cat", "cats", "dog", "dogs",
    "seagulls", "pigeons", "universe", "traffic", "alarm", "mondays", "monday", "myself", "gods",
    "hangover", "telly", "kettle",
})  # fmt: skip
"""After "sue (the)": something nobody can take to court, so the threat is a joke."""


def _sued_no_one_who_can_be(after: list[str]) -> bool:
    """ "i'll sue the weather", "i'd sue the cat for waking me up"; not "i'll sue the council"."""
    target = after[1:2] if after[:1] in (["the"], ["my"], ["our"]) else after[:1]
    return bool(target) and target[0] in CANNOT_BE_SUED


def _someone_else_sued(before: list[str], said: str, rest: list[str]) -> bool:
    """ "is it true the club got sued by the marina", "some bloke sued a burger chain
    years ago": someone else sued or was sued, told as news; not "i got sued because
    of you", "we're being sued", "people have sued for less", nor with the caller in
    the rest of the sentence ("he sued them and won, and i'll do the same")."""
    if not said.lower().endswith("sued") or not before:
        return False
    if any(word in FIRST_PERSON for word in (*before, *rest)):
        return False
    return before[-1] in PASSIVE or before[-1] not in PERFECT | MODALS


def _grew_worse(before: list[str], after: list[str], said: str) -> bool:
    """ "the kids' water fight escalated, as they do": something grew worse; not
    "i want this escalated", "it's been escalated", "escalate my complaint"."""
    return (
        said.lower() in ("escalated", "escalates", "escalating")
        and bool(before)
        and (
            before[-1] not in PASSIVE | {"keep", "keeps", "kept", "stop", "start", "be", "by"}
            # "prices are escalating everywhere": the progressive, nobody escalating anything
            or (said.lower() == "escalating" and before[-1] in ("is", "are", "was", "were", "'s"))
        )
        # "escalates" has its third-person subject right before it: a speech to text
        # line without commas may hold the caller anywhere earlier ("i am fine in
        # the train but the fear it escalates when...").
        and not any(
            word in FIRST_PERSON or word in ASKING
            for word in (before[-3:] if said.lower() == "escalates" else before)
        )
        and (
            not after
            or after[0] in GREW | {"everywhere", "again", "now", "lately", "fast"}
            or (after[:1] == ["the"] and len(after) > 1 and after[1] in COMPARATIVES)
        )
    )


def _said_in_jest(text: str) -> bool:
    """ "he'll sue you, no i'm kidding", "only joking": a joke marker in the keyword's
    sentence that nothing says is no joke ("i'm not joking", "joking aside")."""
    lowered = text.lower().replace("’", "'")
    return _JOKING.search(lowered) is not None and _SERIOUS.search(lowered) is None


def _my_own_boss(before: list[str]) -> bool:
    """ "my line manager", "my old phd supervisor", "her manager": the caller's or someone
    else's own boss; not "my account manager", a role the company gives the caller."""
    near = before[-3:]
    for at, word in enumerate(near):
        if word in THIRD_PARTY or word == "our":
            modifiers = near[at + 1 :]
            return not any(modifier in COMPANY_ROLES or modifier.endswith("'s") for modifier in modifiers)
    return _named_by_title(before)


KNOWN_PEOPLE = frozenset({
    "boss", "husband", "wife", "dad", "father", "mum", "mom", "mother", "brother", "sister", "son",
    "daughter", "friend", "colleague", "neighbour", "neighbor", "partner", "uncle", "aunt", "cousin",
    "mate", "buddy", "flatmate", "landlord", "landlady",
})  # fmt: skip


def _named_by_title(before: list[str]) -> bool:
    """ "my boss the regional manager", as speech to text writes "my boss, the regional
    manager," without the commas: someone the caller knows, then their title."""
    near = before[-5:]
    for at in range(len(near) - 2):
        if (
            near[at] in THIRD_PARTY | {"our"}
            and near[at + 1] in KNOWN_PEOPLE
            and near[at + 2] in ("the", "a", "an")
        ):
            return not any(word in COMPANY_ROLES for word in near[at + 3 :])
    return False


def _at_another_place(after: list[str]) -> bool:
    """ "the practice manager at the surgery", "a supervisor from my work", "the manager
    there forwarded it on": someone of another place; not "the manager at your branch",
    nor "is the manager there" or "the manager there now"."""
    return (
        len(after) >= 2
        and after[0] in ("at", "from", "in", "on", "there")
        and after[1] not in LISTENER | ON_THE_JOB | {"now", "please", "yet", "then"}
        and after[1:3] not in (["the", "phone"], ["the", "line"], ["this", "call"])
        and "please" not in after
        and not _MODAL.search(" ".join(after))
        and not {"need", "needs", "needed"} & set(after)
    )


def _asks_for_someone(before: list[str]) -> bool:
    """ "put me through to the manager at the cork branch", "i want the supervisor":
    the caller asks for the person, wherever they work."""
    return any(word in ASKING or word in REQUESTING for word in before)


def _sentence_of(text: str, start: int) -> str:
    """The sentence around `start` (between full stops, question or exclamation marks)."""
    opening = max(text.rfind(mark, 0, start) for mark in ".?!") + 1
    ends = [at for at in (text.find(mark, start) for mark in ".?!") if at != -1]
    return text[opening : min(ends) if ends else len(text)]


def _someone_elses_complaint(before: list[str]) -> bool:
    """ "our neighbour's only complaint", "my wife's one complaint": someone else's."""
    for at in range(max(1, len(before) - 3), len(before)):
        word = before[at]
        if word.endswith("'s") and before[at - 1] in THIRD_PARTY | {"our"} and word[:-2].isalpha():
            return True
    return False


AILING = frozenset({
    "thyroid", "skin", "chest", "stomach", "heart", "kidney", "liver", "bowel", "back", "knee", "lung",
    "bladder", "nervous", "digestive", "respiratory", "joint", "hip", "eye", "ear", "throat", "sinus",
    "tummy", "medical", "health", "spine", "spinal", "neck", "blood", "breathing", "muscle", "nerve",
    "foot", "hormone", "hormonal", "gut", "womb", "prostate", "chronic", "kidneys", "lungs",
})  # fmt: skip
"""Right before "complaint": an illness ("a thyroid complaint"), not a grievance."""
COMPLAINT_VERBS = frozenset({"made", "lodged", "filed", "raised", "put", "makes", "has", "had", "sent"})
"""Before "a complaint", verbs whose subject is the complaint's owner."""


def _complained_someone_else(before: list[str], said: str) -> bool:
    """ "a staff member made a complaint last year", "my nan complains about everything",
    "my colleague made a complaint about the canteen": someone else complained, told as
    news; not the caller ("i made a complaint"), the listener, nor "they" (the company's
    staff, or whoever the caller means by them)."""
    if not before or any(word in FIRST_PERSON or word in LISTENER or word == "they" for word in before):
        return False
    if said.lower().startswith("complaint"):
        if (
            len(before) < 3
            or before[-1] not in ("a", "an", "the", "another")
            or before[-2] not in COMPLAINT_VERBS
        ):
            return False
        subject = before[:-2]
    else:
        subject = before  # the verb: "my nan complains"
    subject = subject[1:] if subject[:1] and subject[0] in DISCOURSE else subject
    return bool(subject) and subject[0] in SOMEONE_ELSES | {"he", "she", "someone", "somebody"}


TRADE_IN_USE = frozenset({
    "rights", "know", "knows", "careful", "warn", "warning", "owe", "owed", "entitled", "law", "contract",
    "unenforceable", "enforceable", "terms", "this", "that's", "clause",
})  # fmt: skip
"""After "i'm a lawyer": words that bring the caller's trade to bear on this dispute."""


def _my_trade_in_use(before: list[str], keyword: str, after_text: str) -> bool:
    """ "i'm a solicitor myself, so i know exactly what you owe me", "i'm a lawyer and this
    contract is unenforceable": the caller's own legal trade brought to bear on the
    dispute; not "i'm a barrister, i have a court hearing on wednesday, so i need the
    lounge" nor "i'm a solicitor myself, and i just want to update my email address"."""
    if keyword not in PEOPLE or not any(word in ("i'm", "im") for word in before[-4:]):
        return False
    rest_of_sentence = _words(_rest_of_sentence(after_text))
    return any(word in LISTENER or word in TRADE_IN_USE for word in rest_of_sentence)


_RECOMMENDED = re.compile(
    r"\b(?:recommend\w*|put (?:me|us) (?:onto|on to|in touch with) you|sent (?:me|us) (?:to )?you|"
    r"(?:said|says|told (?:me|us)|reckons?|thinks?|thought) (?:that )?"
    r"(?:you're|you are|you'd be|you were|you'll be|you lot are|"
    r"your (?:\w+ ){1,2}(?:is|are|was|were|would be|looks?|seems?|reads?)) "
    r"(?:\w+ )?(?:quick\w*|cheap\w*|best|better|good|great|brilliant|reliable|fast\w*|excellent|lovely|"
    r"decent|honest|the people|the ones|the firm|the place|worth|fair|fine|reasonable|sound|solid|clear))\b"
)
"""After a legal person: a recommendation of the company ("my solicitor at home said
you'd be quicker than doing it myself", "my lawyer recommended you"), which is why
the caller rang, not a threat (round 19, blind20)."""
_IN_DISPUTE = re.compile(
    r"\b(?:su(?:e|ed|es|ing|it)|owe\w*|breach\w*|liable|claim\w*|court|action|rights|refund\w*|"
    r"compensat\w*|letter|against|complain\w*|unlawful|illegal)\b"
)


def _recommended_you(rest_of_sentence: str) -> bool:
    """A recommendation of the company after the keyword, and no word of a dispute."""
    lowered = rest_of_sentence.lower()
    return _RECOMMENDED.search(lowered) is not None and _IN_DISPUTE.search(lowered) is None


def _not_a_lawyer_myself(before: list[str], after_text: str) -> bool:
    """ "i'm not a lawyer, but that seems fair", "i'm no solicitor, so...": the
    caller's hedge before an opinion; not "i'm not a lawyer, i'm getting one"."""
    tail = before[-4:]
    return (
        len(tail) >= 2
        and (tail[-2:] in (["not", "a"], ["not", "an"]) or tail[-1] == "no")
        and any(word in HEDGE for word in tail)
        and bool({"but", "so", "though", "obviously"} & set(_words(after_text)[:2]))
    )


def _a_place_someone_is(before: list[str], said: str) -> bool:
    """ "i've got jury service at the crown court next week", "my dad's a judge at the
    county court", "meet me at the food court", "the squash court": a court as a
    place, not where this dispute goes. Not "the court", "courts" or a step to it
    ("i'll see you at the county court" is aimed by its modal and listener)."""
    if said.lower() != "court" or not before:
        return False
    if before[-1] in KINDS_OF_COURT:
        return True
    near = before[-4:]
    if "the" not in near:
        return False
    at = len(before) - len(near) + near.index("the") - 1
    return at >= 0 and before[at] in AT_A_PLACE and not _MODAL.search(" ".join(before))


def _apposed_to_someone_else(text_before: str, before: list[str]) -> bool:
    """ "my neighbour, a retired solicitor, recommended you", "my boss, the regional
    manager, may come too": the word names what someone the caller knows is, set off by
    commas after them."""
    if not before or before[0] not in ("a", "an", "the") or len(before) > 3:
        return False
    this_clause = _clause_before(text_before)
    previous_clause = _clause_before(text_before[: len(text_before) - len(this_clause)].rstrip(",; "))
    earlier = _words(previous_clause)
    return any(word in THIRD_PARTY for word in earlier[-3:]) or earlier[-3:] == ["friend", "of", "mine"]


def _said_not_wanted(before: list[str], rest: str) -> bool:
    """ "i'm not ringing to cancel anything", "i'm not after a refund", "you don't need to
    escalate anything": the caller says the thing is not wanted; not when the sentence
    goes on to a condition or a change of mind ("i don't want to cancel, but i will if
    ...", "don't make me escalate this" has no negation right before it)."""
    if not _NOT_WANTED.search(" ".join(before[-6:])):
        return False
    if any(word in ("make", "force", "let") for word in before[-4:]):
        return False  # "don't make me cancel", "don't force me to complain"
    rest_of_sentence = _rest_of_sentence(rest).lower()
    return _BUT_LATER.search(rest_of_sentence) is None


NOBODY = (["nobody"], ["no-one"], ["no", "one"], ["noone"])
ANYBODY = frozenset({"anyone", "anybody", "any"})


def _none_of_it(before: list[str], after: list[str], rest: str, said: str) -> bool:
    """The caller says there is none of it: nobody sued ("i'm suing no one", "i'll sue
    nobody, i'll just retire", "i'm not suing anyone"), no complaint ("there's no
    complaint here", "it's not a complaint"). Not when the sentence turns ("i'm not
    suing anyone yet", "it's not a complaint, but if it happens again...") nor when the
    missing complaint is itself the grievance ("you've got no complaint on file?",
    "why is there no complaint logged")."""
    if said.lower().startswith("su") and (after[:2] in NOBODY or after[:1] in NOBODY):
        return not {"but", "except", "besides"} & set(after)  # not "i'll sue nobody but you"
    rest_of_sentence = _rest_of_sentence(rest).lower()
    if _BUT_LATER.search(rest_of_sentence) is not None or "?" in rest[: len(rest_of_sentence) + 1]:
        return False
    if said.lower().startswith("su"):
        negated = any(word in ("not", "never") or word.endswith("n't") for word in before[-3:])
        return negated and after[:1] != [] and after[0] in ANYBODY
    if any(
        word in LISTENER or word in RECEIVED | PERFECT | {"logged", "record", "file"}
        for word in (*before, *after)
    ):
        return False  # "you've no complaint logged", "there's no complaint on record"
    return before[-1:] == ["no"] or before[-2:] in (["not", "a"], ["isn't", "a"], ["not", "any"])


ELSEWHERE = frozenset({"other", "old", "previous", "former", "another"})
PROVIDERS = frozenset({
    "company", "provider", "supplier", "network", "bank", "firm", "insurer", "gym", "broadband",
    "contract", "one", "lot", "crowd", "mob",
})  # fmt: skip


NOT_LAW_THINGS = frozenset({
    "shoes", "shoe", "dress", "jester", "jesters", "painting", "paintings", "jeweller", "musician",
    "musicians", "series", "card", "cards", "intrigue", "etiquette", "circular",
})  # fmt: skip
"""After "court", a thing of a royal court or of fashion ("court shoes"), not of a court of law."""


def _not_a_court_of_law(before: list[str], after: list[str], said: str) -> bool:
    """ "the royal court series", "a food court", "court shoes": a court in another
    meaning altogether (round 19: as a mention it still alerted on an upset caller)."""
    if said.lower() != "court":
        return False
    return (bool(before) and before[-1] in KINDS_OF_COURT) or (bool(after) and after[0] in NOT_LAW_THINGS)


_COMING_BACK = re.compile(
    r"\b(?:book(?:ing)? (?:back )?in again|book(?:ing)? back in|re-?book\w*|book(?:ing)? (?:it |another |a new )"
    r"|(?:make|making) (?:a new|another) (?:appointment|booking)|come back (?:in|on|for)|rearrange\w*)"
)


def _cancelled_and_coming_back(before: list[str], said: str, rest_of_sentence: str) -> bool:
    """ "i cancelled my march appointment a while back because of my knee, i'm ringing to
    book back in": the caller's past cancellation, told as why they ring to come back;
    not "i cancelled my order, where's my refund"."""
    if not said.lower().endswith("ed") or any(word in LISTENER for word in before):
        return False
    return _COMING_BACK.search(rest_of_sentence.lower()) is not None


def _asks_how_you_cancel(before: list[str], after: list[str], said: str) -> bool:
    """ "do you cancel on the day if it rains", "does the school cancel for snow": a
    question about the company's policy; not "can you cancel it", "why do you cancel
    every booking" (a complaint) nor "do you want me to cancel"."""
    if said.lower() != "cancel" or len(before) < 2 or "why" in before:
        return False
    if after[:1] and after[0] in ("my", "our", "it", "this", "that", "me", "us", "mine"):
        return False  # "do you cancel my order or do i": this booking, not a policy
    return before[-2] in ("do", "does") and before[-1] in LISTENER | {"they", "it", "yous"}


def _left_somewhere_else(after: list[str], said: str) -> bool:
    """ "i cancelled with the other company", "we cancelled our old provider": a contract
    ended with someone else, told as news; not "i cancelled with you", "i cancelled my
    last order" (with this company) nor "cancel my other account" (a wish: only the past
    tense counts)."""
    if not said.lower().startswith("cancel") or not said.lower().endswith("ed"):
        return False
    if any(word in LISTENER for word in after):
        return False
    near = after[:4]
    with_someone = after[:1] in (["with"], ["from"], ["at"])
    return bool(ELSEWHERE & set(near)) and (with_someone or bool(PROVIDERS & set(near)))


def _done_by_someone_else(before: list[str], after: list[str], said: str) -> bool:
    """A cancellation or refund that happened elsewhere, told as news: "my flight got
    cancelled", "the tennis club cancelled practice", "the council refunded my parking
    fine", "i got a refund from the airline". Not the caller's wish ("i want it
    cancelled", "can it be refunded"), the caller's act ("i cancelled it"), the company's
    ("you cancelled my order", "they cancelled it"), a refund missed ("i never got a
    refund") nor one asked of the company ("a refund from you")."""
    said = said.lower()
    wished = _MODAL.search(" ".join(before)) is not None or any(
        word in ASKING | FIRST_PERSON | DOUBT | {"to", "please"} or word.endswith("n't")
        for word in before[-4:]
    )  # "i want it cancelled", "it was supposed to be cancelled", "has it been cancelled"
    if said in ("cancelled", "canceled", "refunded") and before:
        if before[-1] in ("got", "was", "were", "been", "gets") and not wished:
            return True  # "my train was cancelled", "the match got cancelled"
        opening = before[1:] if before[0] in DISCOURSE else before
        return (
            len(opening) >= 2
            and opening[0] in SOMEONE_ELSES
            and not any(word in FIRST_PERSON or word in LISTENER or word in MODALS for word in opening)
            and opening[-1] not in PERFECT | MODALS | PASSIVE
            and not _MODAL.search(" ".join(opening))
        )
    if said == "refund" and len(before) >= 2 and before[-1] in ("a", "the", "my", "their"):
        received = any(word in RECEIVED for word in before[-3:-1])
        elsewhere = len(after) >= 2 and after[0] in ("from", "on") and after[1] not in LISTENER
        negated = any(word in DOUBT or word.endswith("n't") or word == "still" for word in before)
        return received and elsewhere and not negated
    return False
