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


def observe_disclosure(
    rule: DisclosureRule, call: CallAlertState, segment: TranscriptSegment
) -> CallAlertState:
    """Note whether this segment (with the agent's previous words) holds a disclosure."""
    if not rule.enabled or call.disclosure_heard or segment.speaker not in rule.speakers:
        return call
    if segment.start > rule.within_s:
        return call  # too late to count
    # The utterance may have been cut in the middle of the phrase.
    spoken = f"{call.agent_tail} {normalise(segment.text)}".strip()
    candidates = [spoken, normalise(segment.translation or "")]
    wanted = (*rule.phrases, *rule.variants)
    heard = any(find_any_phrase(text, wanted, rule.max_cost) is not None for text in candidates if text)
    tail = " ".join(spoken.split()[-_TAIL_WORDS:])
    return dataclasses.replace(call, disclosure_heard=heard, agent_tail=tail)


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
    return RuleHit(
        rule.name,
        rule.level,
        f'required disclosure ("{rule.phrases[0]}") not said by the agent in the first {rule.within_s:g} s',
    )
