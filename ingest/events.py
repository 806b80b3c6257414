"""The one catalogue of events shared by ingest, alerts and the dashboard.

Adapters (AudioSocket, Twilio, recordings) turn wire messages into the
*call events* below; nothing downstream of an adapter knows which protocol a
call came from. The pipeline turns audio into *transcript events*. Every event
is a small frozen dataclass and serialises to a JSON-ready dict with `to_dict()`
(the ``type`` key names the class), which is what the bus carries;
`ingest.event_codec.decode_event` turns such a dict back into the dataclass.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Speaker = Literal["agent", "caller", "unknown"]
Source = Literal["audiosocket", "twilio", "import", "simulated"]
SPEAKERS: tuple[Speaker, ...] = ("agent", "caller", "unknown")
AlertLevel = Literal["warning", "urgent", "critical"]
ALERT_LEVELS: tuple[AlertLevel, ...] = ("warning", "urgent", "critical")
"""Alert levels, lowest first. Defined here because `AlertRaised` carries one
(and the bus decoder refuses any other); `alerts.levels` ranks them."""


def now() -> float:
    """Wall-clock time as a Unix epoch in seconds (what we store)."""
    return time.time()


class Event:
    """Base for every event: `to_dict()` for the bus, `type` names the class on the wire
    (and in logs); code dispatches on the class itself."""

    @property
    def type(self) -> str:
        return type(self).__name__

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]  # every Event subclass is a dataclass
            value = getattr(self, f.name)
            if isinstance(value, bytes):
                continue  # audio never travels on the bus
            if isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                # Nested records (a segment's words) travel as objects, as orjson writes them.
                value = [dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for v in value]  # type: ignore[arg-type]  # is_dataclass narrows to instance or class
            data[f.name] = value
        return data


# --------------------------------------------------------------------------
# Call events: produced by the protocol adapters.
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallStarted(Event):
    """A call (or the first leg of one) connected."""

    call_id: str
    source: Source
    started_at: float = field(default_factory=now)
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AudioReceived(Event):
    """A chunk of one speaker's audio: signed 16-bit little-endian mono PCM.

    `audio_time` is the position of the chunk's first sample, in seconds of
    audio since the track began; adapters fill gaps so it never jumps back.
    """

    call_id: str
    speaker: Speaker
    pcm: bytes
    sample_rate: int
    audio_time: float


@dataclass(frozen=True, slots=True)
class DtmfReceived(Event):
    """A key pressed by one party."""

    call_id: str
    speaker: Speaker
    digit: str
    audio_time: float
    received_at: float = field(default_factory=now)


@dataclass(frozen=True, slots=True)
class CallErrorReported(Event):
    """The telephony side reported an error on the call (AudioSocket 0xff)."""

    call_id: str
    code: int | None
    description: str
    received_at: float = field(default_factory=now)


@dataclass(frozen=True, slots=True)
class LegEnded(Event):
    """One leg (one connection) of a call ended; the call may go on."""

    call_id: str
    speaker: Speaker
    reason: str
    ended_at: float = field(default_factory=now)


@dataclass(frozen=True, slots=True)
class CallEnded(Event):
    """The call is over: hangup, EOF, Twilio `stop`, or an error."""

    call_id: str
    reason: str
    ended_at: float = field(default_factory=now)


CallEvent = CallStarted | AudioReceived | DtmfReceived | CallErrorReported | LegEnded | CallEnded


class CallEventSink(Protocol):
    """Where adapters deliver call events. `submit` never blocks and never raises
    for a well-formed event; ordering per call is preserved."""

    def submit(self, event: CallEvent) -> None: ...


# --------------------------------------------------------------------------
# Transcript events: produced by the pipeline, consumed by storage, bus,
# alerts and the dashboard.
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Utterance:
    """One speaker's stretch of speech, cut by voice activity.

    `pcm` is 16 kHz signed 16-bit mono. `start`/`end` are audio seconds since
    the track began. `closed_at` is `time.monotonic()` when the segmenter
    closed it (for latency measurement); `last_audio_at` is monotonic time of
    the last voiced frame's arrival.
    """

    call_id: str
    speaker: Speaker
    start: float
    end: float
    pcm: bytes
    closed_at: float
    last_audio_at: float


@dataclass(frozen=True, slots=True)
class WordConfidence:
    """One recognised word and the engine's confidence in it (0..1).

    `start`/`end` are seconds from the utterance's start (0 when the engine
    gives no times). Alert rules gate a keyword on its own word's confidence:
    a clearly heard "lawyer" in a mumbled sentence still counts.
    """

    word: str
    confidence: float
    start: float = 0.0
    end: float = 0.0


@dataclass(frozen=True, slots=True)
class Recognition:
    """What a speech-to-text engine heard in one utterance.

    `not_transcribed` says why there is no text when the engine refused to
    guess ("no model for es"): such an utterance is stored with that reason,
    no text, no score and raises no alert.
    """

    text: str
    confidence: float
    language: str | None = None
    words: tuple[WordConfidence, ...] = ()
    spotted: tuple[WordConfidence, ...] = ()
    """Keyphrases a keyword-spotting pass found, with its own confidence."""
    not_transcribed: str | None = None


@dataclass(frozen=True, slots=True)
class InterimTranscript(Event):
    """A partial hypothesis that the engine may still revise (not stored)."""

    call_id: str
    speaker: Speaker
    start: float
    text: str


@dataclass(frozen=True, slots=True)
class TranscriptSegment(Event):
    """A final, analysed, stored segment of one speaker's speech."""

    call_id: str
    speaker: Speaker
    start: float
    end: float
    text: str
    confidence: float
    language: str | None
    engine: str
    sentiment_score: float
    sentiment_label: str
    keywords: tuple[str, ...] = ()
    profanity: tuple[str, ...] = ()
    translation: str | None = None
    rolling_sentiment: float = 0.0
    consecutive_negative: int = 0
    created_at: float = field(default_factory=now)
    id: int | None = None
    words: tuple[WordConfidence, ...] = ()
    """Per-word confidences from the engine (empty when it gives none)."""
    spotted: tuple[WordConfidence, ...] = ()
    """Keyphrases the engine's keyword-spotting pass found, each with its own
    confidence; counted by the keyword rules like words of the text."""
    not_transcribed: str | None = None
    """Why this stretch of speech has no text ("no model for es"); None when it has."""
    late: bool = False
    """Recognised after waiting beyond the overload deadline (spooled and
    transcribed when capacity returned), so its alerts came late."""

    @property
    def transcribed(self) -> bool:
        return self.not_transcribed is None


@dataclass(frozen=True, slots=True)
class UtteranceLate(Event):
    """An utterance of a live call went late under overload (``settled`` False:
    the call goes on without it, `ingest.pipeline.recognition_queue`), or its late
    recognition is over (``settled`` True), whether a segment came of it or not.

    Never published: the alert engine holds the disclosure's verdict while an
    agent line from inside its window waits (`alerts.compliance`)."""

    call_id: str
    speaker: Speaker
    start: float
    end: float
    settled: bool = False


@dataclass(frozen=True, slots=True)
class SentimentPoint(Event):
    """One point of a call's sentiment chart: what ``calls:sentiment:*`` carries
    instead of the whole segment, so charts need not parse transcripts."""

    call_id: str
    segment_id: int | None
    speaker: Speaker
    start: float
    end: float
    score: float
    label: str
    rolling: float
    consecutive_negative: int
    at: float

    @classmethod
    def of(cls, segment: TranscriptSegment) -> SentimentPoint:
        return cls(
            call_id=segment.call_id,
            segment_id=segment.id,
            speaker=segment.speaker,
            start=segment.start,
            end=segment.end,
            score=segment.sentiment_score,
            label=segment.sentiment_label,
            rolling=segment.rolling_sentiment,
            consecutive_negative=segment.consecutive_negative,
            at=segment.created_at,
        )


@dataclass(frozen=True, slots=True)
class CallSummary(Event):
    """A call's stored row, published on start, on metadata change and at end."""

    call_id: str
    source: str
    status: str
    started_at: float
    ended_at: float | None = None
    duration: float | None = None
    agent: str | None = None
    agent_name: str | None = None
    caller_number: str | None = None
    campaign: str | None = None
    in_group: str | None = None
    language: str | None = None
    avg_sentiment: float | None = None
    min_sentiment: float | None = None
    max_sentiment: float | None = None
    segment_count: int = 0
    positive_count: int = 0
    negative_count: int = 0
    neutral_count: int = 0
    keywords: tuple[str, ...] = ()
    alert_count: int = 0
    metadata: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------
# Alert events: produced by the alert engine (alerts/), shown by the dashboard.
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertRaised(Event):
    """One alert: every rule that fired on one utterance, at the highest level."""

    id: str
    call_id: str
    level: AlertLevel
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    text: str
    speaker: Speaker
    score: float | None
    rolling_score: float | None
    raised_at: float = field(default_factory=now)
    agent: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None


@dataclass(frozen=True, slots=True)
class AlertAcknowledged(Event):
    id: str
    call_id: str
    acknowledged_by: str
    acknowledged_at: float = field(default_factory=now)
