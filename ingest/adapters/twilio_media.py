"""Twilio Media Streams: one WebSocket's JSON messages -> call events.

`MediaStreamSession` knows nothing about web frameworks: the endpoint in
`http_app.py` feeds it each text message and tells it when the socket closed.
Twilio's inbound track is the caller, the outbound track the agent. Audio
positions come from each frame's `timestamp` (ms since the stream started), so
dropped frames are filled with silence and the two tracks stay aligned.

Bad input is logged (a few lines per reason per connection) and dropped; the
connection and every other call carry on.
"""

from __future__ import annotations

import binascii
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ingest.adapters.pacing import KEY_PRESS_S, OFF, AudioPacer, Pace, PacingPolicy, keypad_policy
from ingest.adapters.stream_tokens import TOKEN_PARAMETER, stream_token_valid, token_expiry
from ingest.adapters.twilio_limits import (
    MAX_PARAMETER_NAME,
    MAX_PARAMETER_VALUE,
    RESERVED_PARAMETERS,
    parameters_problem,
)
from ingest.audio.mulaw import decode_mulaw, silence_pcm
from ingest.events import (
    AudioReceived,
    CallEnded,
    CallEventSink,
    CallStarted,
    DtmfReceived,
    Speaker,
)
from ingest.pipeline.admission import CallAdmission

log = logging.getLogger(__name__)

SAMPLE_RATE = 8000
_SAMPLES_PER_MS = SAMPLE_RATE // 1000
MEDIA_TRACK_SPEAKERS: dict[str, Speaker] = {"inbound": "caller", "outbound": "agent"}
# `dtmf` messages name tracks "inbound_track"; accept both spellings.
DTMF_TRACK_SPEAKERS: dict[str, Speaker] = {
    **MEDIA_TRACK_SPEAKERS,
    "inbound_track": "caller",
    "outbound_track": "agent",
}
DTMF_DIGITS = frozenset("0123456789*#ABCD")
# Timestamps are whole milliseconds and may jitter; a gap or overlap shorter
# than half a frame is not worth a silence chunk or a trim.
_JITTER_SAMPLES = 10 * _SAMPLES_PER_MS
_COMPLAINTS_LOGGED_PER_REASON = 3


@dataclass(slots=True)
class _TrackClock:
    """Where the next sample of one track goes, in samples since stream start."""

    speaker: Speaker
    pacer: AudioPacer
    emitted: int = 0
    skipped: int = 0
    """Timestamp samples dropped by capped gaps or pacing: later timestamps are shifted back by it."""


@dataclass(slots=True)
class StreamStats:
    """Counters for one stream, logged when it ends."""

    frames: int = 0
    gaps_filled: int = 0
    silence_samples: int = 0
    frames_dropped: int = 0
    ignored_messages: int = 0
    paced_frames_dropped: int = 0
    """Frames dropped because the stream ran ahead of real time (`ingest.adapters.pacing`)."""


class _ComplaintLog:
    """Logs each reason for dropping input a few times per connection, then counts."""

    def __init__(self, connection: str) -> None:
        self._connection = connection
        self._counts: Counter[str] = Counter()

    def __call__(self, reason: str, detail: str = "") -> None:
        self._counts[reason] += 1
        seen = self._counts[reason]
        if seen <= _COMPLAINTS_LOGGED_PER_REASON:
            suffix = " (further ones not logged)" if seen == _COMPLAINTS_LOGGED_PER_REASON else ""
            log.warning(
                "twilio stream %s: %s%s%s", self._connection, reason, f": {detail}" if detail else "", suffix
            )

    def summarise(self) -> None:
        hidden = {
            r: n - _COMPLAINTS_LOGGED_PER_REASON
            for r, n in self._counts.items()
            if n > _COMPLAINTS_LOGGED_PER_REASON
        }
        if hidden:
            log.warning("twilio stream %s: unlogged repeats: %s", self._connection, hidden)


class MediaStreamSession:
    """Turns one Media Streams connection's messages into call events."""

    def __init__(
        self,
        sink: CallEventSink,
        *,
        connection: str = "?",
        max_gap_s: float = 5.0,
        admission: CallAdmission | None = None,
        auth_token: str | None = None,
        pacing: PacingPolicy = OFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`admission` is the worker's registry of live calls (a private one when None);
        with `auth_token` a `start` must carry a valid per-call token (see `stream_tokens`);
        `pacing` how far each track may run ahead of real time by `clock` (off unless given)."""
        self._sink = sink
        self._admission = admission if admission is not None else CallAdmission()
        self._auth_token = auth_token
        self._pacing = pacing
        self._clock = clock
        self.refusal: str | None = None
        """Why this stream was refused (the endpoint closes it with 1008), or None."""
        self._connection = connection
        self._max_gap_samples = int(max_gap_s * SAMPLE_RATE)
        self._complain = _ComplaintLog(connection)
        self._call_id: str | None = None
        self._ended = False
        self._clocks: dict[str, _TrackClock] = {}
        self._keypad = AudioPacer(keypad_policy(pacing), clock())
        self.stats = StreamStats()
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "media": self._on_media,
            "connected": self._on_connected,
            "start": self._on_start,
            "dtmf": self._on_dtmf,
            "mark": self._on_mark,
            "stop": self._on_stop,
        }

    @property
    def call_id(self) -> str | None:
        return self._call_id

    @property
    def ended(self) -> bool:
        return self._ended

    def receive_text(self, text: str | bytes) -> None:
        """Handle one WebSocket message as it arrived on the wire."""
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            self._ignore("malformed JSON", str(error))
            return
        self.receive_message(message)

    def receive_message(self, message: object) -> None:
        """Handle one decoded message."""
        if type(message) is not dict:
            self._ignore("message is not a JSON object", type(message).__name__)
            return
        event = message.get("event")
        handler = self._handlers.get(event) if type(event) is str else None
        if handler is None:
            self._ignore("unknown event", repr(event)[:40])
            return
        if self._ended:
            self._ignore("message after the stream ended", str(event))
            return
        handler(message)

    def refuse(self, reason: str) -> None:
        """Refuse the stream: nothing more from it reaches the pipeline."""
        self.refusal = reason
        self._ended = True
        log.warning("twilio stream %s: refused: %s", self._connection, reason)

    def close(self, reason: str = "disconnect") -> None:
        """The socket closed: end the call unless `stop` already did."""
        if self._call_id is not None and not self._ended:
            self._end(reason)
        self._complain.summarise()

    # -- handlers ------------------------------------------------------------

    def _on_connected(self, message: dict[str, Any]) -> None:
        protocol = message.get("protocol")
        if protocol != "Call":
            self._complain("unexpected protocol in connected", repr(protocol)[:40])
        log.debug(
            "twilio stream %s connected: protocol %s version %s",
            self._connection,
            protocol,
            message.get("version"),
        )

    def _on_start(self, message: dict[str, Any]) -> None:
        if self._call_id is not None:
            self._ignore("second start", self._call_id)
            return
        start = message.get("start")
        if type(start) is not dict:
            self._ignore("start without a start object")
            return
        call_sid = start.get("callSid")
        if type(call_sid) is not str or not call_sid:
            self._ignore("start without callSid")
            return
        if len(call_sid) > MAX_PARAMETER_NAME:
            self.refuse(f"callSid of {len(call_sid)} characters (limit {MAX_PARAMETER_NAME})")
            return
        format_problem = _media_format_problem(start.get("mediaFormat"))
        if format_problem:
            self._ignore("unsupported mediaFormat", format_problem)
            return
        custom = start.get("customParameters", {})
        tracks = start.get("tracks", ["inbound", "outbound"])
        if type(custom) is not dict or type(tracks) is not list:
            self._ignore("start with malformed customParameters or tracks")
            return
        problem = parameters_problem(custom)
        if problem:
            self.refuse(f"call {call_sid[:64]!r}: {problem}")
            return
        if self._auth_token is not None and not stream_token_valid(
            self._auth_token, call_sid, custom.get(TOKEN_PARAMETER)
        ):
            self.refuse(f"call {call_sid[:64]!r}: missing, expired or foreign {TOKEN_PARAMETER}")
            return
        refused = self._admission.claim(call_sid, self)
        if refused is None and self._auth_token is not None:
            token = str(custom.get(TOKEN_PARAMETER))
            refused = self._admission.spend(token, token_expiry(token))
            if refused is not None:
                self._admission.release(call_sid, self)
            else:
                self._admission.note_streamed(call_sid)
        if refused is not None:
            self.refuse(f"call {call_sid[:64]!r}: {refused}")
            return
        metadata = {
            str(k): v if type(v) is str else orjson.dumps(v).decode()
            for k, v in custom.items()
            if k not in RESERVED_PARAMETERS
        }
        media_format = start["mediaFormat"]
        metadata.update(
            {
                "stream_sid": str(start.get("streamSid") or message.get("streamSid") or "")[
                    :MAX_PARAMETER_VALUE
                ],
                "account_sid": str(start.get("accountSid") or "")[:MAX_PARAMETER_VALUE],
                "tracks": ",".join(str(t) for t in tracks)[:MAX_PARAMETER_VALUE],
                "media_format": f"{media_format['encoding']};rate={media_format['sampleRate']}"
                f";channels={media_format['channels']}",
            }
        )
        self._call_id = call_sid
        arrived = self._clock()
        self._clocks = {
            track: _TrackClock(speaker, AudioPacer(self._pacing, arrived))
            for track, speaker in MEDIA_TRACK_SPEAKERS.items()
        }
        log.info(
            "twilio stream %s: call %s started (stream %s)",
            self._connection,
            call_sid,
            metadata["stream_sid"],
        )
        self._sink.submit(CallStarted(call_id=call_sid, source="twilio", metadata=metadata))

    def _on_media(self, message: dict[str, Any]) -> None:
        # The hot path: ~100 messages per second per call. No logging unless bad.
        call_id = self._call_id
        if call_id is None:
            self._ignore("media before start")
            return
        media = message.get("media")
        if type(media) is not dict:
            self._ignore("media without a media object")
            return
        track = media.get("track")
        clock = self._clocks.get(track) if type(track) is str else None
        if clock is None:
            self._ignore("media with unknown track", repr(media.get("track"))[:40])
            return
        timestamp_ms = _parse_milliseconds(media.get("timestamp"))
        if timestamp_ms is None:
            self._ignore("media without a valid timestamp", repr(media.get("timestamp"))[:40])
            return
        payload = media.get("payload")
        if type(payload) is not str:
            self._ignore("media without payload")
            return
        try:
            mulaw = binascii.a2b_base64(payload, strict_mode=True)
        except (binascii.Error, ValueError) as error:
            self._ignore("media payload is not base64", str(error))
            return
        if not mulaw:
            self._ignore("media with empty payload")
            return
        self.stats.frames += 1
        lag = timestamp_ms * _SAMPLES_PER_MS - clock.skipped - clock.emitted
        if self._pacing.enabled and not self._paced(clock, lag, len(mulaw)):
            return
        # Almost every frame lands where the track's audio ends: no gap, no overlap.
        skip = 0 if -_JITTER_SAMPLES < lag < _JITTER_SAMPLES else self._place(clock, lag, len(mulaw), call_id)
        if skip >= len(mulaw):
            self.stats.frames_dropped += 1
            return
        audio = decode_mulaw(memoryview(mulaw)[skip:] if skip else mulaw)
        self._sink.submit(
            AudioReceived(call_id, clock.speaker, audio, SAMPLE_RATE, clock.emitted / SAMPLE_RATE)
        )
        clock.emitted += len(mulaw) - skip

    def _paced(self, clock: _TrackClock, lag: int, samples: int) -> bool:
        """True when this frame (and the silence that would fill a gap before it) may pass
        now. A dropped frame is lost on the wire: the track's audio time does not move for
        it, and the next frame does not count it as a gap. A stream that keeps flooding is
        ended and refused (the endpoint closes it with 1008). `lag`: samples between
        where the track's audio ends and where this frame's timestamp puts it."""
        gap = min(lag, self._max_gap_samples) if lag >= _JITTER_SAMPLES else 0
        pace = clock.pacer.admit((gap + samples) / SAMPLE_RATE, self._clock())
        if pace is Pace.ADMIT:
            return True
        self.stats.paced_frames_dropped += 1
        self._admission.count_dropped("twilio", (gap + samples) / SAMPLE_RATE)
        clock.skipped += max(0, lag + samples)
        if pace is Pace.CLOSE:
            reason = (
                f"flood: audio faster than real time, {clock.pacer.dropped_s:.1f} s dropped on the "
                f"{clock.speaker} track (burst {self._pacing.burst_s:g} s, CALLMON_AUDIO_BURST_S)"
            )
            assert self._call_id is not None
            self._admission.count_flood("twilio", self._call_id)
            self._end("flood")
            self.refusal = reason
            log.warning("twilio stream %s: closing: %s", self._connection, reason)
        return False

    def _place(self, clock: _TrackClock, lag: int, samples: int, call_id: str) -> int:
        """Fill a gap of `lag` samples before a frame with silence; return how many of its
        samples overlap audio already sent (a negative `lag`)."""
        if lag >= _JITTER_SAMPLES:
            if lag > self._max_gap_samples:
                self._complain(
                    "gap too long, filled only in part",
                    f"{clock.speaker} track jumped {lag / SAMPLE_RATE:.1f} s",
                )
                clock.skipped += lag - self._max_gap_samples
                lag = self._max_gap_samples
            self._sink.submit(
                AudioReceived(
                    call_id, clock.speaker, silence_pcm(lag), SAMPLE_RATE, clock.emitted / SAMPLE_RATE
                )
            )
            clock.emitted += lag
            self.stats.gaps_filled += 1
            self.stats.silence_samples += lag
            return 0
        if lag <= -_JITTER_SAMPLES:
            # A duplicate or a timestamp that went back: audio time never moves back,
            # so the already-covered part of the frame is dropped.
            self._complain(
                "media timestamp overlaps audio already received",
                f"{clock.speaker} track back by {-lag / _SAMPLES_PER_MS:.0f} ms",
            )
            return min(-lag, samples)
        return 0

    def _on_dtmf(self, message: dict[str, Any]) -> None:
        if self._call_id is None:
            self._ignore("dtmf before start")
            return
        pace = self._keypad.admit(KEY_PRESS_S, self._clock())
        if pace is Pace.CLOSE:
            reason = "flood: key presses faster than a keypad (more than 10 a second)"
            self._admission.count_flood("twilio", self._call_id)
            self._end("flood")
            self.refusal = reason
            log.warning("twilio stream %s: closing: %s", self._connection, reason)
            return
        if pace is Pace.DROP:
            self._ignore("dtmf faster than a keypad")
            return
        dtmf = message.get("dtmf")
        if type(dtmf) is not dict:
            self._ignore("dtmf without a dtmf object")
            return
        track = dtmf.get("track")
        speaker: Speaker = DTMF_TRACK_SPEAKERS.get(track, "unknown") if type(track) is str else "unknown"
        digit = dtmf.get("digit")
        if type(digit) is not str or digit.upper() not in DTMF_DIGITS:
            self._ignore("dtmf with invalid digit", repr(digit)[:20])
            return
        clock = self._clocks["outbound" if speaker == "agent" else "inbound"]
        self._sink.submit(DtmfReceived(self._call_id, speaker, digit.upper(), clock.emitted / SAMPLE_RATE))

    def _on_mark(self, message: dict[str, Any]) -> None:
        mark = message.get("mark")
        log.debug(
            "twilio stream %s: mark %s", self._connection, mark.get("name") if type(mark) is dict else None
        )

    def _on_stop(self, message: dict[str, Any]) -> None:
        if self._call_id is None:
            self._ignore("stop before start")
            return
        self._end("stop")

    # -- helpers -------------------------------------------------------------

    def _end(self, reason: str) -> None:
        assert self._call_id is not None
        self._ended = True
        stats = self.stats
        log.info(
            "twilio stream %s: call %s ended (%s): %d frames, %d gaps (%.1f s silence), "
            "%d overlapping frames dropped, %d frames dropped for pacing, %d messages ignored",
            self._connection,
            self._call_id,
            reason,
            stats.frames,
            stats.gaps_filled,
            stats.silence_samples / SAMPLE_RATE,
            stats.frames_dropped,
            stats.paced_frames_dropped,
            stats.ignored_messages,
        )
        self._sink.submit(CallEnded(call_id=self._call_id, reason=reason))
        self._admission.release(self._call_id, self)

    def _ignore(self, reason: str, detail: str = "") -> None:
        self.stats.ignored_messages += 1
        self._complain(f"ignored message: {reason}", detail)


def _parse_milliseconds(value: object) -> int | None:
    """Twilio sends `timestamp` as a decimal string; tolerate a plain integer."""
    if type(value) is str:
        if not value.isdigit() or not value.isascii():
            return None
        return int(value)
    if type(value) is int and value >= 0:
        return value
    return None


def _media_format_problem(media_format: object) -> str | None:
    """Why a `start.mediaFormat` is not the 8 kHz mono mu-law we decode, or None."""
    if type(media_format) is not dict:
        return f"mediaFormat missing or not an object: {media_format!r}"[:80]
    encoding = media_format.get("encoding")
    rate = media_format.get("sampleRate")
    channels = media_format.get("channels")
    if encoding != "audio/x-mulaw" or str(rate) != "8000" or str(channels) != "1":
        return f"encoding {encoding!r} rate {rate!r} channels {channels!r}"[:80]
    return None
