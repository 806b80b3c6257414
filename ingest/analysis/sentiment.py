"""Sentiment of one utterance: VADER with a call-centre lexicon.

VADER scores word by word from a lexicon. On a support line that misreads a
lot: empathy ("I understand your frustration") scores negative, frustration
idioms ("fed up", "had enough") positive or nothing, implicit complaints
("down since Friday", "nobody ever calls me back") nothing, and claim
vocabulary ("storm damage") as distress. data/lexicon/phrases.toml holds the
corrections, each with its reason: word valences, and phrases.

VADER splits text on whitespace, so a multi-word entry can never match a
lexicon key. We join each known phrase into one token ("fed up" ->
"fed_up") before scoring and give that token the phrase's valence: the
phrase then counts once, as one word, its own words no longer count, and
VADER's rules still apply to it (a preceding "not" flips it, "really"
boosts it, ALL CAPS emphasises it, "but" weighs what follows).

Spelling variants are written the one way the lexicons know first
("dammit" -> "damn it", "pissed-off" -> "pissed off"; `ingest.analysis.spelling`).
Then implicit complaints ("I took the day off for it") are marked
by `ingest.analysis.complaints` and count once per line as a plainly
negative word, whatever negation precedes them (they carry their own), and
never on top of the line's other negative words: such a line reads as
negative as its strongest part. A
line that opens with the answer "no," or "fine," is scored without it:
"no, that's everything" answers a question, it is not negative, and a curt
"fine." is acceptance, not delight. A line that ends on a lone positive
interjection after a clause that is negative on its own ("so I was lied to,
brilliant") is sarcasm and scores as that clause (the interjections are in
data/lexicon/complaints.toml, [sarcasm]); so is an opening one with its lead
("oh great, another automated message").

Round 5 (issue 11) reads a few constructions before scoring: a line-final
term of address ("..., love") is dropped, ", though" contrasts as "but",
"nothing but X" is "only X" (not a negation). After scoring, a complaining
line's weakly positive words (below INCIDENTAL_POSITIVE, not thanks) do not
cancel the complaint, and an enquiry or request that states no complaint
("is there a penalty if I leave early") is neutral below ENQUIRY_NEUTRAL.

Issue 11's line model (`ingest.analysis.line_model`, weights in
data/lexicon/line_model.json) then reads the line from general features and
may overrule the rules' label when it disagrees with confidence: a line it
moves scores a plain +-0.5, and a line the rules read as extreme (beyond
MAX_OVERRIDE) or through a lexicon phrase keeps the rules' reading.
A line that insults the other party ("you people are useless", "what a
stupid question"; `ingest.analysis.abuse`) scores at most ABUSE_SCORE: a
supervisor reads abuse as extreme where VADER reads one negative word.
So does a line that reads negative with the f-word as an intensifier in it
(after the model's reading). A line extreme only through its alert keywords
(their valences add up) scores DEMAND_SCORE, short of very_negative, and a
legal word only mentioned ("my cousin's a lawyer") weighs nothing (round 19).
`score_by_rules` is the hand-written scorer alone; `read_line` keeps the
evidence (the model's probabilities and features) for --details prints.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol

from ingest.analysis.abuse import ABUSE_SCORE, directed_abuse, without_negated_insults
from ingest.analysis.complaints import (
    COMPLAINT_TOKEN,
    COMPLAINT_VALENCE,
    REPEATED_TOKEN,
    mark_complaints,
    sarcastic_clause,
    sarcastic_opening,
)
from ingest.analysis.keywords import (
    inflections,
    without_keywords,
    without_mentioned_law,
    without_plain_sense_swearing,
)
from ingest.analysis.line_model import LineModel, RulesReading, blend, default_model, line_features
from ingest.analysis.spelling import normalise_spelling
from ingest.analysis.thresholds import CRITICAL, LABEL_NEGATIVE, LABEL_POSITIVE

SentimentLabel = Literal["positive", "negative", "neutral"]

LEXICON_FILE = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "phrases.toml"

SLOTS: dict[str, tuple[str, ...]] = {
    "<day>": (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "yesterday", "last week", "the weekend", "this morning", "last night",
    ),
    "<n>": ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "several", "so many"),
    "<nth>": ("second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"),
}  # fmt: skip
"""Placeholders a phrase may use, and what each stands for."""


class Sentiment(NamedTuple):
    score: float
    """VADER compound score in [-1, 1]."""
    label: SentimentLabel


class LexiconEntry(NamedTuple):
    valence: float
    reason: str
    governs: bool = False
    """A frustration idiom whose object (what follows it in the clause) is part of it."""


GOVERNED_WORDS = 4
"""How many words after a governing idiom are its object."""
_CLAUSE_BREAK = r"(?:and|but|so|because|or|then|although|though)"
_ANSWER_NO = re.compile(
    r"^\s*(?:(?:oh|um|er|well)\s*,?\s+)?(?:no|fine)\s*(?:[,.!;]+\s*|$"
    r"|(?=(?:that|that's|thats|it|it's|its|i|i'm|i've|i'll|i'd|you|you're|we|we're|we've|they|they're"
    r"|he|she|there|there's|the|this|thanks|thank|not|sorry|fair|actually|just|everything|everyone|all)(?![\w'])))",
    re.IGNORECASE,
)
"""A line opening with the answer "no," or "fine,": an answer, not a feeling. Speech-to-text
writes no comma, so "no" before the start of a clause ("no that's all", "no you're right")
is the answer too; "no one", "no need", "no idea" are not answers (round 11)."""


HEDGED_FLOOR = -0.55
"""A line whose caller hedges their own feeling ("I was a bit disappointed,
half the biscuits were crushed and the jam had leaked") is negative but not
extreme: VADER sums each damage word on top of the feeling and reaches -0.8,
the very_negative range, which no corpus labels such a line (round 9, blind9).
Within the line model's override limit, so a model that reads the line
negative keeps it there."""
_HEDGED_FEELING = re.compile(
    r"(?<![\w'])(?:a bit|a little|a little bit|slightly|somewhat|mildly|a tad|a touch|kind of|sort of|kinda)\s+"
    r"(?:disappointed|disappointing|annoyed|annoying|frustrated|frustrating|upset|upsetting|concerned|"
    r"concerning|worried|worrying|confused|confusing|irritated|irritating|miffed|peeved|put out|let down|"
    r"cross|fed up|unhappy|disheartened|inconvenienced|inconvenient|surprised|stressed|anxious)(?![\w'])",
    re.IGNORECASE,
)
"""A downtoner on the caller's feeling word: the caller says the feeling is mild."""


class _Analyzer(Protocol):
    lexicon: dict[str, float]

    def polarity_scores(self, text: str) -> dict[str, float]: ...


def label_for(score: float) -> SentimentLabel:
    """VADER's convention: >= 0.05 positive, <= -0.05 negative, else neutral."""
    if score >= LABEL_POSITIVE:
        return "positive"
    if score <= LABEL_NEGATIVE:
        return "negative"
    return "neutral"


def score_sentiment(text: str) -> Sentiment:
    """Score one utterance (English; score a translation for other languages).

    The rules' score, which the learned line model may overrule (`read_line`).
    """
    return read_line(text).sentiment


class LineReading(NamedTuple):
    """The rules' score, the line model's view of the line, and the final score."""

    sentiment: Sentiment
    rules: Sentiment
    features: dict[str, float]
    probabilities: tuple[float, float, float] | None
    """P(negative, neutral, positive) from the line model; None without one."""


def read_line(text: str, model: LineModel | Literal["default"] | None = "default") -> LineReading:
    """Score one utterance and keep the evidence, for --details prints and the trainer."""
    rules = score_by_rules(text)
    chosen = _active_model() if model == "default" else model
    if chosen is None or not text.strip():
        return LineReading(_sworn(text, rules.score), rules, {}, None)
    reading = rules_reading(text, rules)
    features = line_features(text, reading)
    probabilities = chosen.probabilities(features)
    score = blend(rules.score, probabilities, phrase=reading.phrase)
    return LineReading(_sworn(text, score), rules, features, probabilities)


def _sworn(text: str, score: float) -> Sentiment:
    """`score`, or ABUSE_SCORE for a line that reads negative with the f-word as an
    intensifier in it ("your fucking website's fault", "sat in this fucking stink
    since seven"): round 19 found every corpus labelling such a line extreme, where
    VADER reads the word as a booster of nothing and the line only as negative."""
    if LABEL_NEGATIVE >= score > ABUSE_SCORE and _SWORN_INTENSIFIER.search(normalise_spelling(text)):
        score = ABUSE_SCORE
    return Sentiment(score, label_for(score))


def rules_reading(text: str, rules: Sentiment) -> RulesReading:
    """The rules' score with plain VADER's parts: the line model's dense inputs."""
    said = normalise_spelling(text)
    parts = _analyzer().polarity_scores(said)
    return RulesReading(
        compound=rules.score,
        vader_compound=float(parts["compound"]),
        vader_positive=float(parts["pos"]),
        vader_negative=float(parts["neg"]),
        vader_neutral=float(parts["neu"]),
        complaint=_marked(said) != said,
        phrase=_joined(_marked(said)) != _marked(said),
    )


# The rules and the line model's reading ask for the same line's complaint marks
# and joined phrases; the complaint patterns are the costliest step of scoring
# (~0.5 ms a line), so each line's are kept for the other asker.
@functools.lru_cache(maxsize=256)
def _marked(said: str) -> str:
    return mark_complaints(said)


@functools.lru_cache(maxsize=256)
def _joined(marked: str) -> str:
    return join_phrases(marked)


_MODEL_OVERRIDE: list[LineModel | None] = []
"""A model swapped in by `use_line_model` (the trainer's leave-one-corpus-out runs)."""


def _active_model() -> LineModel | None:
    return _MODEL_OVERRIDE[-1] if _MODEL_OVERRIDE else default_model()


@contextlib.contextmanager
def use_line_model(model: LineModel | None) -> Iterator[None]:
    """Score with `model` (None: the rules alone) inside the block."""
    _MODEL_OVERRIDE.append(model)
    try:
        yield
    finally:
        _MODEL_OVERRIDE.pop()


def score_by_rules(text: str) -> Sentiment:
    """The hand-written scorer alone: VADER, the lexicon, the complaint patterns
    and directed abuse (`ingest.analysis.abuse`: at most ABUSE_SCORE)."""
    sentiment = _score_words(text)
    said = normalise_spelling(text)
    if sentiment.score > ABUSE_SCORE and directed_abuse(said) is not None:
        return Sentiment(ABUSE_SCORE, label_for(ABUSE_SCORE))
    if _extreme_only_by_keywords(said, sentiment.score):
        # "i'd like this escalated, and if nothing moves the housing ombudsman is next"
        return Sentiment(DEMAND_SCORE, label_for(DEMAND_SCORE))
    if sentiment.score < HEDGED_FLOOR and _HEDGED_FEELING.search(said):
        return Sentiment(HEDGED_FLOOR, label_for(HEDGED_FLOOR))
    return sentiment


_SWORN_INTENSIFIER = re.compile(
    r"(?<![\w'])(?:fucking|fuckin|fucken|effing|f\*\*\*ing)(?![\w'])", re.IGNORECASE
)
"""The f-word as an intensifier: on a line that reads negative, a supervisor's extreme."""


DEMAND_SCORE = -0.65
"""The score of a line extreme only through alert keywords: plainly negative, short of
CRITICAL. The keywords' own valences (SPEC's cancel -2.0, complaint -2.0, our legal
words -1.5 to -2.0) add up, so a calm demand naming two or three of them ("i want to
cancel the transfer and get my money refunded", "...escalated to a supervisor and i
want to make a formal complaint") read extreme; every corpus labels such lines only
negative, and the keyword rules already raise them (round 19: caller lines read
extreme but labelled milder over all corpora 15 -> 9, none labelled extreme lost)."""
DEMAND_KEYWORDS = (
    "sue", "lawsuit", "attorney", "lawyer", "solicitor", "ombudsman", "regulator", "cancel",
    "cancellation", "refund", "escalate", "complaint", "supervisor", "manager",
)  # fmt: skip
"""The alert keywords the lexicon weighs negative, with their inflections."""


def _extreme_only_by_keywords(said: str, score: float) -> bool:
    """The line reads extreme, and would not without its alert keywords."""
    if score > CRITICAL:
        return False
    without = without_keywords(said, DEMAND_KEYWORDS)
    return without != said and _score_words(without).score > CRITICAL


def _score_words(text: str) -> Sentiment:
    if not text.strip():
        return Sentiment(0.0, "neutral")
    # VADER knows "damn", not "dammit": one spelling per word first.
    said = _ANSWER_NO.sub("", normalise_spelling(text))
    # "a big grey ass from the sanctuary": a profane word in its plain sense is no feeling.
    said = without_plain_sense_swearing(said)
    # "my brother-in-law's a lawyer": a legal word only mentioned is no threat either.
    said = without_mentioned_law(said)
    # "someone who isn't a complete moron": a negated insult is no praise.
    said = without_negated_insults(said)
    # "nothing but problems" means only problems: VADER reads "nothing" as a
    # negation (flipping "problems" to praise) and "but" as a contrast.
    said = _NOTHING_BUT.sub("only", said)
    # "..., love": a term of address is no feeling (VADER 'love' is +3.2).
    said = _VOCATIVE.sub("", said)
    # "I'd be grateful, though I was told that in July too": a mid-line
    # "though" contrasts as "but" does, and VADER knows only "but".
    said = _CONTRAST.sub(", but ", said)
    if not said.strip():
        return Sentiment(0.0, "neutral")
    clause = sarcastic_clause(said)
    if clause is not None:
        # "so I was lied to, brilliant": after a negative clause the lone
        # interjection is sarcasm, and the line is as negative as the clause.
        before = _score_words(clause)
        if before.label == "negative":
            return before
    opening = sarcastic_opening(said)
    if opening is not None:
        # "oh great, another automated message": before a clause that is
        # negative on its own the opening interjection is sarcasm too.
        after = _score_words(opening)
        if after.label == "negative":
            return after
        if _MORE_OF_THE_SAME.match(opening):
            # "oh great, another form": the bare "another <thing>" after the
            # interjection is the complaint, however neutral the thing.
            compound = _compound(COMPLAINT_TOKEN)
            return Sentiment(compound, label_for(compound))
    marked = _marked(said)
    compound = _compound(_joined(marked))
    if marked != said:
        # A stated fact does not stack on the line's other words: it makes the
        # line as negative as its strongest part, a complaint alone or the rest.
        rest = _compound(join_phrases(marked.replace(COMPLAINT_TOKEN, REPEATED_TOKEN)))
        if rest < INCIDENTAL_POSITIVE and not _GRATITUDE.search(said):
            # Positive words weaker than praise ("the courtesy car never turned
            # up", "my credit balance") are incidental: the complaint is the point.
            compound = min(rest, _compound(COMPLAINT_TOKEN))
        else:
            compound = max(compound, min(rest, _compound(COMPLAINT_TOKEN)))
    elif _ENQUIRY.match(said) and abs(compound) < ENQUIRY_NEUTRAL:
        # A question or request that states no complaint takes its words from
        # the topic ("is there a penalty", "the transfer value"), not a feeling.
        compound = 0.0
    return Sentiment(compound, label_for(compound))


_VOCATIVE = re.compile(
    r"\s*,\s*(?:my\s+)?(?:love|luv|pet|pal|mate|dear|darling|hun|hon|duck|sweetheart|chief|boss|buddy|friend)"
    r"\s*[.!?]*\s*$",
    re.IGNORECASE,
)
"""A line-final term of address ("..., love", "..., pal"): British and
American support calls are full of them, and they carry no sentiment."""
_MORE_OF_THE_SAME = re.compile(
    r"^\s*(?:yet\s+another|another|even\s+more|more)\s+(?:[\w'-]+\s+){0,2}[\w'-]+"
    r"(?:\s+to\s+[\w'-]+(?:\s+(?:in|out|through|up|on|off|for|with|about))?)?\s*(?:$|[,.;!?])",
    re.IGNORECASE,
)
"""The clause after a sarcastic opening that is only "another <thing>" ("oh
great, another form", "oh brilliant, more paperwork"; round 10), maybe with
the chore it brings ("another form to fill in", "more hoops to jump through";
round 11): up to three words and no finite verb, so "oh great, another slot
opened up" (real news) is not it."""
_NOTHING_BUT = re.compile(r"(?<![\w'])nothing\s+but(?![\w'])", re.IGNORECASE)
_CONTRAST = re.compile(r"\s*,\s*(?:though|although)\s+(?=\w)", re.IGNORECASE)
"""", though <clause>": a contrast VADER should weigh as it weighs "but"."""
_ENQUIRY = re.compile(
    r"^\s*(?:(?:ok|okay|so|and|hello|hi|hiya|right|please|um|er|oh)\s*,?\s+)*"
    r"(?:can|could|would|will|do|does|did|is|are|was|were|what(?!\s+an?\s)|what's|when|where|which|who"
    r"|how\s+(?:much|long|many|do|does|often)|i'd\s+like\s+to|i\s+would\s+like\s+to"
    r"|i\s+need\s+to|i\s+need\s+the|is\s+there|please\s+can|please\s+could"
    r"|i've\s+got\s+a\s+question|i\s+have\s+a\s+question|(?:i'm\s+)?just\s+checking"
    r"|i\s+wanted\s+to\s+(?:ask|check|know))(?![\w'])"
    # A report followed by its request ("the light is broken, can someone fix it").
    r"|^[^,]*,\s*(?:so\s+)?(?:can|could|would)\s+(?:you|someone|somebody|i)(?![\w'])",
    re.IGNORECASE,
)
"""How an enquiry or a request opens, or a one-clause report followed by its
request: the caller is asking for something, and the fault words name the
subject, not a feeling. "why" and "how can you" open protests,
and "I want to ..." on a support line is a demand ("I want to speak to your
manager"): all left out."""
INCIDENTAL_POSITIVE = 0.5
"""Below this the rest of a complaining line is incidental wording, not praise
that could outweigh the complaint ("two weeks, that's fine, no rush")."""
_GRATITUDE = re.compile(r"(?<![\w'])(?:thank|thanks|cheers|appreciate|grateful|ta)(?![\w'])", re.IGNORECASE)
"""Thanks is never incidental: "it took three weeks, thank you for sorting it"
weighs the complaint against the thanks as before."""
ENQUIRY_NEUTRAL = 0.5
"""An enquiry scored weaker than this either way is neutral: stronger words
("can you believe this rubbish", "could you thank her for me") still count."""


def _compound(prepared: str) -> float:
    prepared = _CLAUSE_END_NEGATION.sub(CLAUSE_END_TOKEN, prepared)
    return float(_analyzer().polarity_scores(_BUT.sub(_BUT_PADDED, prepared))["compound"])


_CLAUSE_END_NEGATION = re.compile(
    r"(?<![\w'])(?:not|never|nothing|none|nope|\w+n't)(?=\s*[,.;:!?])", re.IGNORECASE
)
"""A negator that ends its clause ("if it's not, I'm cancelling"): VADER would
let it flip the next clause's words (it looks three words back, across the
comma), so it is scored as this neutral token instead."""
CLAUSE_END_TOKEN = "callmon_clause_negation"
_BUT = re.compile(r"(?<![\w'])but(?![\w'])", re.IGNORECASE)
_BUT_PADDED = "but callmon_contrast callmon_contrast"
"""A negation does not reach across "but": VADER looks three words back, so in "not
cheap, but worth every penny" it flipped the praise after "but" to -0.58. Two
neutral tokens after "but" keep its look-back inside the second clause; "but" itself
still weighs what follows, and a negation after it ("but not great") still flips."""


def load_lexicon(path: Path = LEXICON_FILE) -> tuple[dict[str, LexiconEntry], dict[str, LexiconEntry]]:
    """(words, phrases) from a lexicon file; phrase slots expanded."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    words = {_squash(key): _entry(key, value) for key, value in data.get("words", {}).items()}
    # The file may add slots of its own ([slots] item = ["card", ...] -> <item>).
    slots = SLOTS | {
        f"<{name}>": tuple(_squash(str(word)) for word in members)
        for name, members in data.get("slots", {}).items()
    }
    phrases: dict[str, LexiconEntry] = {}
    for key, value in data.get("phrases", {}).items():
        entry = _entry(key, value)
        for phrase in expand_slots(_squash(key), slots):
            phrases.setdefault(phrase, entry)
    return words, phrases


def expand_slots(phrase: str, slots: Mapping[str, tuple[str, ...]] = SLOTS) -> Iterator[str]:
    """Every phrase a slotted one stands for: "down since <day>" -> "down since friday", ..."""
    parts = re.split(r"(<\w+>)", phrase)
    choices = [slots.get(part, (part,)) for part in parts]
    for combination in itertools.product(*choices):
        yield " ".join("".join(combination).split())


def join_phrases(text: str) -> str:
    """`text` with every lexicon phrase joined into its one token, longest first.

    A governing idiom takes its object with it ("sick of your excuses" ->
    "sick_of"), so the object's words do not count on top of the idiom.
    """
    governing, pattern, tokens = _phrase_pattern()
    if pattern is None:
        return text

    def token(match: re.Match[str]) -> str:
        said = match.group("phrase") or match.group(0)
        joined = tokens[_squash(said)]
        # Keep ALL CAPS so VADER's emphasis rule still sees it.
        return joined.upper() if said.isupper() else joined

    if governing is not None:
        text = governing.sub(token, text)
    return pattern.sub(token, text)


def _entry(key: str, value: Any) -> LexiconEntry:
    if not isinstance(value, Mapping) or not isinstance(value.get("valence"), (int, float)):
        raise ValueError(f"{LEXICON_FILE}: {key}: expected {{ valence = <number>, reason = <text> }}")
    if not str(value.get("reason", "")).strip():
        raise ValueError(f"{LEXICON_FILE}: {key}: every entry needs a reason")
    return LexiconEntry(float(value["valence"]), str(value["reason"]), bool(value.get("governs", False)))


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def _phrase_token(phrase: str) -> str:
    return "_".join(phrase.replace("'", "").split())


def _alternation(phrases: list[str]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(word) for word in phrase.split()) for phrase in ordered)


@functools.lru_cache(maxsize=1)
def _phrase_pattern() -> tuple[re.Pattern[str] | None, re.Pattern[str] | None, dict[str, str]]:
    """(governing idioms with their object, every phrase, phrase -> its token)."""
    _, phrases = load_lexicon()
    if not phrases:
        return None, None, {}
    pattern = re.compile(rf"(?<![\w'])(?P<phrase>{_alternation(list(phrases))})(?![\w'])", re.IGNORECASE)
    governing_phrases = [phrase for phrase, entry in phrases.items() if entry.governs]
    governing = None
    if governing_phrases:
        # The object: words up to a comma or a new clause ("and", "but").
        object_words = rf"(?:\s+(?!{_CLAUSE_BREAK}\b)[\w']+){{0,{GOVERNED_WORDS}}}"
        governing = re.compile(
            rf"(?<![\w'])(?P<phrase>{_alternation(governing_phrases)}){object_words}(?![\w'])", re.IGNORECASE
        )
    return governing, pattern, {phrase: _phrase_token(phrase) for phrase in phrases}


@functools.lru_cache(maxsize=1)
def _analyzer() -> _Analyzer:
    """The one VADER analyzer (loading its lexicon takes ~100 ms), built on first use."""
    # Lazy: vaderSentiment reads its lexicon file at construction.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: PLC0415 (see above)

    class CallCentreAnalyzer(SentimentIntensityAnalyzer):  # type: ignore[misc]  # untyped library
        def sentiment_valence(
            self, valence: float, sentitext: Any, item: str, i: int, sentiments: list[float]
        ) -> list[float]:
            # An implicit complaint carries its own negation ("didn't turn up"):
            # VADER's negation and boosters must not flip or scale it again.
            if item.lower() in _FIXED_TOKENS:
                sentiments.append(_FIXED_TOKENS[item.lower()])
                return sentiments
            result: list[float] = super().sentiment_valence(valence, sentitext, item, i, sentiments)
            return result

    analyzer: _Analyzer = CallCentreAnalyzer()
    words, phrases = load_lexicon()
    # A word's regular inflections carry its valence too ("complaints",
    # "cancelled"), unless VADER scores that form itself.
    for word, entry in words.items():
        for form in inflections(word):
            if form == word or form not in analyzer.lexicon:
                analyzer.lexicon[form] = entry.valence
    analyzer.lexicon.update({_phrase_token(phrase): entry.valence for phrase, entry in phrases.items()})
    analyzer.lexicon.update(_FIXED_TOKENS)
    return analyzer


_FIXED_TOKENS = {COMPLAINT_TOKEN: COMPLAINT_VALENCE, REPEATED_TOKEN: 0.0}
"""Tokens scored as they are, never negated or boosted."""


def _words_lexicon() -> dict[str, float]:
    return {word: entry.valence for word, entry in load_lexicon()[0].items()}


CALL_CENTRE_LEXICON: dict[str, float] = _words_lexicon()
"""The word valences we add to VADER's (data/lexicon/phrases.toml, [words])."""
