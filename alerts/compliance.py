"""The disclosure (compliance) rule: a required phrase, said early by the agent.

It is judged on audio time, once the agent's segments up to the deadline are
in: on the first segment *of the agent* (or of a mixed stream, `unknown`,
which counts as the agent) that starts after the deadline while no disclosure
was heard, or when the call ends without one (if anything was said at all: a
silent call has nothing to report). A caller's segment past the deadline
proves nothing: the agent's track is recognised in parallel and an earlier
agent segment holding the disclosure may still be on its way.

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
  `max_cost`): a disclosure garbled by noise, which can neither be verified
  nor show the phrase missing: the `disclosure_unverified` notice below;
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
import re

from alerts.rules import DisclosureRule, RuleHit
from alerts.state import CallAlertState
from ingest.analysis.phrases import find_any_phrase
from ingest.events import TranscriptSegment

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
    loosest = max(rule.max_cost, rule.near_cost)
    matches = [
        (match, text) for text in candidates if text if (match := find_any_phrase(text, wanted, loosest))
    ]
    heard = any(match.cost <= rule.max_cost for match, _ in matches)
    near = call.disclosure_near
    if not heard and matches and not near:
        match, text = min(matches, key=lambda found: found[0].cost)
        near = " ".join(text.split()[match.start : match.end])
    tail = " ".join(spoken.split()[-_TAIL_WORDS:])
    return dataclasses.replace(call, disclosure_heard=heard, disclosure_near=near, agent_tail=tail)


def check_disclosure_deadline(
    rule: DisclosureRule, call: CallAlertState, segment: TranscriptSegment
) -> RuleHit | None:
    """Fires when the agent's `segment` starts past the deadline and no disclosure was heard."""
    if segment.start <= rule.within_s or segment.speaker not in rule.speakers:
        return None
    return _missing(rule, call)


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
