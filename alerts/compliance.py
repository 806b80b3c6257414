"""The disclosure (compliance) rule: a required phrase, said early by the agent.

It is judged on audio time, once the agent's segments up to the deadline are
in: on the first segment *of the agent* (or of a mixed stream, `unknown`,
which counts as the agent) that starts after the deadline while no disclosure
was heard, or when the call ends without one (if anything was said at all: a
silent call has nothing to report). A caller's segment past the deadline
proves nothing: the agent's track is recognised in parallel and an earlier
agent segment holding the disclosure may still be on its way.

Under overload an agent line from inside the window can go late
(`ingest.pipeline.recognition_queue`): the agent's later lines are stored
without it, and it comes back after them, maybe at the call's end. The worker
says so (`UtteranceLate`); while such a line waits, the deadline holds its
verdict, which is given once the last of them has settled (recognised and
judged, or found empty), or at the call's end, which waits for them anyway.

The phrase is matched tolerantly (`ingest.analysis.phrases`): "good call may
be recorded", "this call maybe recorded" and the translation "This call can
be recorded" all count; "this call may be transferred" does not. It fires at
most once per call.

On a noisy line (babble: other agents talking behind this one) the agent's
lines can come back as a few of their words drowned in guessed ones: "you
got boggling customer service fiscal leave the record" for "thank you for
calling customer service, this call may be recorded". Such a line cannot
show that the phrase was missing, and SPEC.md says segments below the
confidence thresholds raise no alert. So the rule judges only agent lines at
the segment gate (`AlertSettings.min_sentiment_confidence`, below which a
line's sentiment is not believed either):

- the phrase heard (in any line, however unclear): nothing;
- only part of it heard ("fiscal leave the record", "it already recorded":
  closer to a phrase than `DisclosureRule.near_cost` but not within
  `max_cost`) where the engine guessed at a word of that part or next to it,
  or a word of the phrase ("call", "recorded") among three or more guessed
  words: a disclosure garbled by noise, which can neither be verified nor
  show the phrase missing: the `disclosure_unverified` notice below. A part
  heard surely is about something else ("the irish records are patchy");
- an agent line of the window heard clearly, and no phrase: the urgent
  `missing_disclosure` alert, as before. An agent who spoke clearly and
  never disclosed is always reported, noise or not;
- every agent line of the window too unclear to judge: no urgent alert, but a
  `disclosure_unverified` notice (a warning by default): stored with the
  call's alerts, shown on the dashboard (warnings go to no channel unless it
  asks for them) and found by QA's alert filter, so whoever reviews the call
  knows the recording must be listened to. It says what it is ("could not
  verify"), never that the agent failed;
- no agent line in the window at all, but speech later: `missing_disclosure`
  (nothing was said, so nothing was disclosed).

On a mixed stream (`unknown`, both parties on one recording) a clearly heard
line may be the caller's, so it cannot show the agent spoke clearly: one
unclear line in the window leaves the disclosure unverified; only when every
line of the window was clear does a missing phrase raise the alert.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from alerts.rules import DisclosureRule, RuleHit
from alerts.state import CallAlertState
from ingest.analysis.phrases import FUNCTION_WORDS, find_any_phrase
from ingest.events import TranscriptSegment, UtteranceLate

_TAIL_WORDS = 20
_NOT_WORD = re.compile(r"[^\w']+")


UNVERIFIED = "disclosure_unverified"
"""The notice's rule name: the disclosure could not be judged (see the module doc)."""


def observe_disclosure(
    rule: DisclosureRule, call: CallAlertState, segment: TranscriptSegment, min_confidence: float = 0.0
) -> CallAlertState:
    """Note whether this segment (with the agent's previous words) holds a disclosure,
    and whether it was heard clearly enough to show one missing."""
    if not rule.enabled or call.disclosure_heard or segment.speaker not in rule.speakers:
        return call
    if segment.start > rule.within_s:
        return call  # too late to count
    if segment.confidence >= min_confidence:
        # On a mixed stream a clear line may be the caller's: it cannot show that
        # the agent spoke clearly (an unclear line of it may be the agent's disclosure).
        if segment.speaker != "unknown":
            call = dataclasses.replace(call, agent_heard=True)
    else:
        call = dataclasses.replace(call, agent_unclear=call.agent_unclear + 1)
    # The utterance may have been cut in the middle of the phrase.
    spoken = f"{call.agent_tail} {normalise(segment.text)}".strip()
    candidates = [spoken, normalise(segment.translation or "")]
    wanted = (*rule.phrases, *rule.variants)
    heard = any(find_any_phrase(text, wanted, rule.max_cost) for text in candidates if text) or (
        rule.any_recording_wording and any(says_calls_are_recorded(text) for text in candidates if text)
    )
    near = call.disclosure_near
    if not heard and not near:
        near = _heard_in_part(rule, segment, candidates, min_confidence)
    if not heard and not near:
        near = _garbled_phrase_word(rule, segment)
    tail = " ".join(spoken.split()[-_TAIL_WORDS:])
    return dataclasses.replace(call, disclosure_heard=heard, disclosure_near=near, agent_tail=tail)


CHANNEL_WORDS = frozenset({
    "call", "calls", "call's", "conversation", "conversations", "conversation's", "line", "lines",
    "line's", "chat", "chats", "chat's",
})  # fmt: skip
"""What a disclosure says is recorded."""
SAID_WORDS = frozenset({"everything", "everything's", "anything", "you", "you're"})
"""Subjects that say what is said is recorded ("everything we say is recorded",
"you're being recorded"): right before "recorded" but for AUXILIARIES (and for
everything, the SPEECH words: "everything said here"). Unlike a call, "you are
recorded as the account holder" notes a fact, so with these a following
NOTED_AS word says "noted"."""
AUXILIARIES = frozenset({
    "is", "are", "be", "being", "been", "may", "might", "will", "could", "can", "would", "also",
    "always", "all", "am", "was", "were", "get", "gets", "getting",
})  # fmt: skip
SPEECH = frozenset({"we", "you", "i", "say", "said", "discuss", "tell", "here", "today"})
NOTED_AS = frozenset({"as", "on", "in", "against", "under", "at", "with", "onto", "into", "to"})
POSTAL = frozenset({"delivery", "post", "mail", "signed"})
"""After "recorded": the postal service ("sent by recorded delivery"), never a disclosure."""
RECORDED_WORDS = frozenset({"recorded", "monitored"})
PROGRESSIVE = frozenset({"is", "are", "be", "being", "we're", "i'm", "am", "call's", "line's"})
RECORDERS = frozenset({"we", "we're", "do", "i'm"})
"""Before "record"/"recording": who records ("we record our calls", "I'm recording
this call"). Not "I'll record", which is mostly noting down ("I'll record the call
reference")."""
CALL_DETAILS = frozenset({
    "reference", "ref", "number", "numbers", "id", "details", "notes", "log", "logs", "time",
    "times", "date", "outcome", "summary", "history", "back", "length", "duration", "charge",
    "charges", "cost", "costs", "rate", "rates", "reason", "type", "queue", "centre", "center",
    "volumes", "handler", "handlers", "script",
})  # fmt: skip
"""After a channel word, a detail of the call, which is what gets noted down ("I'm
recording the call reference"), not the call."""
SOMETHING_ELSE = frozenset({"a", "an", "some", "my", "his", "her", "their", "its"})
"""Right after "we're recording": an object that is not this call."""
THESE_CALLS = frozenset({"this", "our", "all", "these", "every", "your", "each"})
NOT_SO = frozenset({"not", "never", "isn't", "aren't", "won't", "wasn't", "don't", "no"})
RECORDED_REACH = 5
"""How many words before "recorded" the call or line may be ("calls here may be recorded")."""
ON_STATES = frozenset({"on", "running", "active", "enabled", "switched", "turned"})
"""After "recording is": recording as a state that is on ("recording is on for this call")."""
NOT_AN_OBJECT = frozenset({
    "for", "so", "to", "now", "as", "because", "and", "here", "today", "throughout",
    "how", "what", "can", "may", "please", "ok", "okay", "right", "but", "if", "on", "while", "whilst",
    "thanks", "thank", "who", "by", "before",
})  # fmt: skip
"""Right after "we're recording" (past "just", "only", "also"), a word that starts no object:
the call itself is what is recorded ("we're recording, just for our records"), or the next
clause begins ("i need to let you know we're recording, how can i help": round 18)."""
RECORDING_REACH = 7
"""How many words after "we record" the call may be ("we're recording this one, as we do all calls")."""


def says_calls_are_recorded(text: str) -> bool:
    """Any wording that says the call is recorded, not only the listed ones. Round 14
    (blind15's agents disclosed in 22 wordings) and round 15 (blind16's 23):

    - the call recorded: "this conversation is recorded", "calls here may be
      monitored", "this line's recorded";
    - what is said recorded: "everything we say is recorded", "you're being
      recorded" (not "you're recorded as the account holder");
    - someone recording it: "we record these calls", "I'm recording this call",
      "we're recording this one, as we do all calls" (not "I'm recording the
      call reference");
    - recordings of it: "we keep recordings of our phone calls", "a recording of
      this call will be kept".

    Exact words only (the listed wordings carry the tolerance for misheard ones);
    a negation between the two ("this call is not recorded") says the opposite."""
    words = normalise(text).split()
    return any(_discloses_at(words, index) for index in range(len(words)))


def _discloses_at(words: list[str], index: int) -> bool:
    word = words[index]
    previous = words[index - 1] if index else ""
    if word in RECORDED_WORDS or (word == "recording" and previous in PROGRESSIVE):
        before = words[max(0, index - RECORDED_REACH) : index]
        if any(w in NOT_SO for w in before):
            return False
        following = words[index + 1] if index + 1 < len(words) else ""
        if following in POSTAL:
            return False
        if any(w in CHANNEL_WORDS for w in before) or (
            _said_is_the_subject(before) and following not in NOTED_AS
        ):
            return True
        if previous == "a" and following in CHANNEL_WORDS:
            return True  # "you're on a recorded line", "this is a monitored call"
    if word in ("record", "recording") and _recorder_before(words, index):
        after = words[index + 1 : index + 1 + RECORDING_REACH]
        return _names_the_call(after) or (word == "recording" and _no_object(after))
    if word in ("recording", "recording's") and _recording_is_on(words, index):
        return True
    if word in ("recording", "recordings") and index + 1 < len(words) and words[index + 1] == "of":
        # "recordings of (all) our phone calls": a determiner, a word or two, then the call.
        after = words[index + 2 : index + 6]
        return bool(after) and after[0] in THESE_CALLS and _names_the_call(after[1:])
    return False


def _said_is_the_subject(before: list[str]) -> bool:
    """ "you're being recorded", "everything we say is recorded", not "thank you,
    your payment is recorded" (`before`: the words before "recorded", in order)."""
    at = len(before) - 1
    while at >= 0 and before[at] in AUXILIARIES:
        at -= 1
    if at >= 0 and before[at] in SAID_WORDS:
        return True
    subject = at
    while subject >= 0 and at - subject < 3 and before[subject] in SPEECH:
        subject -= 1
    return subject < at and subject >= 0 and before[subject] in ("everything", "everything's", "anything")


def _recorder_before(words: list[str], index: int) -> bool:
    previous = words[index - 1] if index else ""
    if previous in RECORDERS:
        return True
    # "I am recording", "we are recording"
    return previous in ("am", "are") and index >= 2 and words[index - 2] in ("i", "we")


def _no_object(after: list[str]) -> bool:
    """ "we're recording, just for our records", "i'm recording now": recording with
    no object, so the call is what is recorded; not "we're recording a new message"."""
    rest = after[1:] if after[:1] in (["just"], ["only"], ["also"]) else after
    return not rest or rest[0] in NOT_AN_OBJECT


def _recording_is_on(words: list[str], index: int) -> bool:
    """ "recording is on for this call", "call recording's on": recording as a state of
    the call, with the call named before or after it."""
    at = index + 1 if words[index] == "recording's" else index + 2
    if at == index + 2 and words[index + 1 : index + 2] != ["is"]:
        return False
    if at >= len(words) or words[at] not in ON_STATES:
        return False
    near = (*words[max(0, index - 2) : index], *words[index + 2 : index + 2 + RECORDED_REACH])
    return any(w in CHANNEL_WORDS for w in near)


def _names_the_call(after: list[str]) -> bool:
    """A channel word among `after` that is the call itself, not a detail of it, nor
    something else that is being recorded ("a new hold message for the calls queue")."""
    if after and after[0] in SOMETHING_ELSE:
        return False
    for position, word in enumerate(after):
        if word in CHANNEL_WORDS:
            following = after[position + 1] if position + 1 < len(after) else ""
            return following not in CALL_DETAILS
    return False


def _heard_in_part(
    rule: DisclosureRule, segment: TranscriptSegment, candidates: list[str], min_confidence: float
) -> str:
    """The stretch of the agent's words closer to a wording than `near_cost` (but not
    within `max_cost`) where the engine guessed, or "". Only wordings that hold the
    words most wordings share ("call", "recorded") are looked for in part: part of a
    wording without them ("you're on a recorded line") is too near everyday words
    ("which resort are you staying in")."""
    typical = _typical_wordings((*rule.phrases, *rule.variants))
    loosest = max(rule.max_cost, rule.near_cost)
    matches = [
        (match, text) for text in candidates if text if (match := find_any_phrase(text, typical, loosest))
    ]
    if not matches:
        return ""
    match, text = min(matches, key=lambda found: found[0].cost)
    if not _garbled(segment, text, match.start, match.end, min_confidence):
        return ""
    return " ".join(text.split()[match.start : match.end])


NEAR_WORD_CONFIDENCE = 0.5
"""A part of the phrase shows a garbled disclosure only where the engine guessed at a
word of it or next to it (below this probability): "cold our recorded for training"
(cold 0.16, our 0.08). Words heard surely say what was said: "the irish records
before 1864 are patchy" (0.95, 0.89, 0.86) is about archives, not a disclosure."""


def _garbled(segment: TranscriptSegment, text: str, start: int, end: int, min_confidence: float) -> bool:
    """Whether the words `start:end` of `text` (the agent's recent words, ending with
    `segment`'s), with a word either side, may be a disclosure misheard: the line is
    below the segment gate, or one of those words was heard unsurely.

    A part found in a translation, or in a line whose engine gave no word
    confidences, is judged by the line's confidence alone; a part that lies wholly
    in the tail of an earlier line counts as garbled, as every part did before."""
    if segment.confidence < min_confidence:
        return True
    own = [(token, word.confidence) for word in segment.words for token in normalise(word.word).split()]
    tokens = text.split()
    offset = len(tokens) - len(own)
    if not own or offset < 0 or [token for token, _ in own] != tokens[offset:]:
        return False  # no word confidences for this text (a translation, an engine without them)
    window = range(max(start - 1, offset), min(end + 1, len(tokens)))
    if not window:
        return True  # the part lies in the tail of an earlier line: judged as before
    return any(own[at - offset][1] < NEAR_WORD_CONFIDENCE for at in window)


GARBLED_RUN = 3
"""This many words in a row heard below `NEAR_WORD_CONFIDENCE` are a stretch the engine
could not make out: as long as the shortest wording of the phrase ("calls are recorded")."""


def _garbled_phrase_word(rule: DisclosureRule, segment: TranscriptSegment) -> str:
    """A word of the phrase ("call", "recorded") inside, or next to, a stretch of words
    the engine could not make out: the disclosure garbled beyond alignment ("kip higher
    cold or a call or go ahead" for "skip hire, calls are recorded, go ahead"). A
    business name guessed at ("high shear bliss salon") holds no word of the phrase."""
    stems = _phrase_word_forms((*rule.phrases, *rule.variants), share=0.5)
    words = segment.words
    run_start = None
    for index in range(len(words) + 1):
        unsure = index < len(words) and words[index].confidence < NEAR_WORD_CONFIDENCE
        if unsure and run_start is None:
            run_start = index
        if not unsure and run_start is not None:
            if index - run_start >= GARBLED_RUN:
                for word in words[max(0, run_start - 1) : index + 1]:
                    token = normalise(word.word)
                    if token in stems:
                        return token
            run_start = None
    return ""


def _phrase_word_forms(phrases: tuple[str, ...], share: float) -> frozenset[str]:
    """The content words that at least `share` of the phrases hold, with their plain
    inflections: "call", "calls", "called", "record", "recorded", ... ("calling", as in
    "thanks for calling", is not one)."""
    return frozenset(
        f"{stem}{ending}" for stem in _common_stems(phrases, share) for ending in ("", "s", "ed")
    )


@functools.lru_cache(maxsize=16)
def _common_stems(phrases: tuple[str, ...], share: float) -> frozenset[str]:
    """The stems of the content words that at least `share` of the phrases hold. A word
    only some wordings use ("line" of "you're on a recorded line") says too little:
    "which resort are you staying in" came within `near_cost` of that wording. With no
    word that common (phrases of one's own), every content word of them counts."""
    stem_sets = [
        {
            _stem(word)
            for word in normalise(phrase).split()
            if word not in FUNCTION_WORDS and len(word) >= 4 and "'" not in word
        }
        for phrase in phrases
    ]
    every = set().union(*stem_sets)
    common = {stem for stem in every if sum(stem in stems for stems in stem_sets) >= share * len(stem_sets)}
    return frozenset(common or every)


@functools.lru_cache(maxsize=16)
def _typical_wordings(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The phrases that hold every word most of them share ("call", "recorded")."""
    common = _common_stems(phrases, 0.5)
    return tuple(
        phrase for phrase in phrases if {_stem(word) for word in normalise(phrase).split()} >= common
    )


def _stem(word: str) -> str:
    return word.rstrip("s").removesuffix("ed")


def check_disclosure_deadline(
    rule: DisclosureRule, call: CallAlertState, segment: TranscriptSegment
) -> tuple[CallAlertState, RuleHit | None]:
    """Fires when the agent's `segment` starts past the deadline and no disclosure was heard;
    holds the verdict while an agent line from inside the window is late."""
    if segment.start <= rule.within_s or segment.speaker not in rule.speakers:
        return call, None
    if call.late_in_window:
        if rule.enabled and not call.disclosure_heard and not call.disclosure_reported:
            call = dataclasses.replace(call, disclosure_held=True)
        return call, None
    return _reported(call, _missing(rule, call))


def note_late_utterance(
    rule: DisclosureRule, call: CallAlertState, late: UtteranceLate
) -> tuple[CallAlertState, RuleHit | None]:
    """An agent line of the window went late (remembered) or settled: once none
    waits, a verdict the deadline held is given."""
    if late.speaker not in rule.speakers or late.start > rule.within_s:
        return call, None
    if not late.settled:
        return dataclasses.replace(call, late_in_window=call.late_in_window | {late.start}), None
    call = dataclasses.replace(call, late_in_window=call.late_in_window - {late.start})
    if call.late_in_window or not call.disclosure_held:
        return call, None
    return _reported(dataclasses.replace(call, disclosure_held=False), _missing(rule, call))


def _reported(call: CallAlertState, hit: RuleHit | None) -> tuple[CallAlertState, RuleHit | None]:
    return (call, None) if hit is None else (dataclasses.replace(call, disclosure_reported=True), hit)


def check_disclosure_at_end(rule: DisclosureRule, call: CallAlertState) -> RuleHit | None:
    """Fires when a call with speech ends without the disclosure (and it was not reported)."""
    if call.segments_seen == 0:
        return None
    return _missing(rule, call)


def normalise(text: str) -> str:
    """Lower case, punctuation gone, single spaces: what phrase matching compares."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def _missing(rule: DisclosureRule, call: CallAlertState) -> RuleHit | None:
    if not rule.enabled or call.disclosure_heard or call.disclosure_reported:
        return None
    if call.disclosure_near or (call.agent_unclear and not call.agent_heard):
        if not rule.report_unverified:
            return None
        if call.disclosure_near:
            why = f'only part of it was heard ("{call.disclosure_near}")'
        else:
            lines = f"{call.agent_unclear} unclear line{'s' if call.agent_unclear != 1 else ''}"
            why = f"the agent's speech in the first {rule.within_s:g} s was too unclear to judge ({lines}; noise?)"
        return RuleHit(
            UNVERIFIED,
            rule.unverified_level,
            f'could not verify the required disclosure ("{rule.phrases[0]}"): {why}',
        )
    return RuleHit(
        rule.name,
        rule.level,
        f'required disclosure ("{rule.phrases[0]}") not said by the agent in the first {rule.within_s:g} s',
    )
