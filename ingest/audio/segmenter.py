"""Voice-activity segmentation of one track into utterances.

`UtteranceSegmenter` is a pure state machine: 20 ms frames with a voiced flag
go in, finished `SpeechSpan`s come out. Every decision is made on audio time
(the frames' own timestamps), never on wall-clock time, so a call replayed
faster than real time is cut exactly as it would be live.

`TrackSegmenter` wraps it with the I/O-free but stateful parts that touch real
audio: the voice detector's voiced/unvoiced decision (Silero or webrtcvad,
`ingest.audio.voice_activity`), re-framing of arbitrary chunk sizes into 20 ms
frames, and resampling of rates the detectors cannot take.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from ingest.audio.resample import StreamResampler
from ingest.audio.voice_activity import WebRtcDetector, make_detector
from ingest.settings import VadSettings

FRAME_MS = 20
VAD_RATES = (8000, 16000, 32000, 48000)
TRIM_STRONG_DB = 6.0
"""A speaker's strong frames are within this of the utterance's loud frames (its 95th
percentile): vowels of their words, above babble peaks some 10-15 dB below them."""
TRIM_KEEP_S = 0.3
"""Audio kept before the first strong frame and after the last (soft onsets and endings)."""
TRIM_MIN_LEAD_S = 0.5
TRIM_MIN_TAIL_S = 1.0
"""Shorter stretches before or after the speaker are left as they are."""


@dataclass(frozen=True, slots=True)
class SpeechSpan:
    """One utterance as cut by the segmenter, at the track's sample rate."""

    start: float
    end: float
    pcm: bytes
    sample_rate: int
    voiced_end: float
    """Audio time where the last voiced frame ended (end-of-speech)."""


class UtteranceSegmenter:
    """Pure: frames + voiced flags in, utterances out."""

    def __init__(self, settings: VadSettings, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._end_silence = max(1, settings.end_silence_ms // FRAME_MS)
        self._max_frames = max(1, int(settings.max_utterance_s * 1000) // FRAME_MS)
        self._min_speech = max(1, settings.min_speech_ms // FRAME_MS)
        self._padding = max(0, settings.padding_ms // FRAME_MS)
        window = 2 * self._min_speech
        self._recent_voiced: deque[bool] = deque(maxlen=window)
        self._recent_voiced_count = 0
        """sum(self._recent_voiced), kept as frames come and go (it runs per frame)."""
        self._pre_roll: deque[tuple[float, bytes]] = deque(maxlen=self._padding + window)
        self._frames: list[tuple[float, bytes]] = []
        self._in_speech = False
        self._silent_run = 0
        self._voiced_frames = 0
        self._last_voiced_index = -1
        self.voiced_seen = 0
        """Voiced frames pushed so far (lets callers time the last one)."""
        self._trim = settings.speaker_range_db > 0
        """Trim background talk off the utterance's ends (`trimmed_to_speaker`), with the
        gate's speaker check (the same setting turns both on)."""

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def push(self, frame: bytes, voiced: bool, audio_time: float) -> SpeechSpan | None:
        """Feed one 20 ms frame that starts at `audio_time` seconds."""
        self.voiced_seen += voiced
        if not self._in_speech:
            self._pre_roll.append((audio_time, frame))
            recent = self._recent_voiced
            if len(recent) == recent.maxlen:
                self._recent_voiced_count -= recent[0]  # about to fall out of the window
            recent.append(voiced)
            self._recent_voiced_count += voiced
            if self._recent_voiced_count >= self._min_speech:
                self._open()
            return None

        self._frames.append((audio_time, frame))
        if voiced:
            self._silent_run = 0
            self._voiced_frames += 1
            self._last_voiced_index = len(self._frames) - 1
        else:
            self._silent_run += 1
        if self._silent_run >= self._end_silence:
            return self._close(keep_speaking=False)
        if len(self._frames) >= self._max_frames:
            return self._close(keep_speaking=True)
        return None

    def flush(self) -> SpeechSpan | None:
        """End of track: the utterance in progress, if it had enough speech."""
        if not self._in_speech:
            return None
        return self._close(keep_speaking=False)

    def _open(self) -> None:
        self._in_speech = True
        frames = list(self._pre_roll)
        voiced_flags = list(self._recent_voiced)
        # The newest frames of the pre-roll are the voiced window; keep
        # `padding` frames before its first voiced frame, no more.
        window_start = len(frames) - len(voiced_flags)
        first_voiced = window_start + voiced_flags.index(True)
        keep_from = max(0, first_voiced - self._padding)
        self._frames = frames[keep_from:]
        self._voiced_frames = sum(voiced_flags)
        last_voiced = max(i for i, v in enumerate(voiced_flags) if v)
        self._last_voiced_index = window_start + last_voiced - keep_from
        self._silent_run = len(voiced_flags) - 1 - last_voiced
        self._pre_roll.clear()
        self._recent_voiced.clear()
        self._recent_voiced_count = 0

    def _close(self, *, keep_speaking: bool) -> SpeechSpan | None:
        frames = self._frames
        # Keep a little trailing silence (engines like a soft ending), unless cut mid-speech.
        cut = len(frames) if keep_speaking else min(len(frames), self._last_voiced_index + 1 + self._padding)
        kept = frames[:cut]
        if self._trim:
            kept = trimmed_to_speaker(kept, trim_end=not keep_speaking)
        frame_s = FRAME_MS / 1000
        end = kept[-1][0] + frame_s
        voiced_end = frames[self._last_voiced_index][0] + frame_s if self._last_voiced_index >= 0 else end
        span = SpeechSpan(
            start=kept[0][0],
            end=end,
            pcm=b"".join(f for _, f in kept),
            sample_rate=self.sample_rate,
            voiced_end=min(voiced_end, end),
        )
        enough = self._voiced_frames >= self._min_speech
        self._frames = []
        self._voiced_frames = 0
        self._silent_run = 0
        self._last_voiced_index = -1
        self._in_speech = keep_speaking
        return span if enough or keep_speaking else None


def trimmed_to_speaker(frames: list[tuple[float, bytes]], *, trim_end: bool) -> list[tuple[float, bytes]]:
    """`frames` (one utterance) without long stretches before the speaker's first strong
    frame and after their last: background talk the utterance opened on or ran into.

    A track's first line, or one after the speaker has listened for more than 15 s,
    starts before the gate knows the speaker's level (`NoiseFloorGate`), so under
    babble the utterance opens on the room's talk, seconds before the speaker, and the
    recogniser turns those seconds into words. Once the utterance is whole, its own
    loud frames say how loud the speaker is. A stretch is cut only when it is long
    (`TRIM_MIN_LEAD_S`, `TRIM_MIN_TAIL_S`): on a quiet line the utterance already
    starts 200 ms before the voice and ends soon after it, and nothing is cut."""
    if len(frames) < 2:
        return frames
    size = len(frames[0][1])
    if any(len(frame) != size for _, frame in frames):
        return frames
    samples = np.frombuffer(b"".join(frame for _, frame in frames), dtype="<i2").astype(np.float32)
    by_frame = samples.reshape(len(frames), size // 2)
    levels = np.einsum("ij,ij->i", by_frame, by_frame)
    strong = np.flatnonzero(levels >= float(np.percentile(levels, 95)) * 10 ** (-TRIM_STRONG_DB / 10))
    if not len(strong):
        return frames
    frame_s = FRAME_MS / 1000
    keep = round(TRIM_KEEP_S / frame_s)
    start = max(0, int(strong[0]) - keep)
    end = min(len(frames), int(strong[-1]) + 1 + keep)
    if start * frame_s < TRIM_MIN_LEAD_S:
        start = 0
    if not trim_end or (len(frames) - end) * frame_s < TRIM_MIN_TAIL_S:
        end = len(frames)
    return frames[start:end]


class TrackSegmenter:
    """Arbitrary PCM chunks of one track in, utterances out."""

    def __init__(self, settings: VadSettings, sample_rate: int) -> None:
        self._settings = settings
        self.input_rate = sample_rate
        self._resampler = None if sample_rate in VAD_RATES else StreamResampler(sample_rate)
        rate = sample_rate if self._resampler is None else self._resampler.to_rate
        self._rate = rate
        self._detector = make_detector(settings, rate)
        self._decide_now = self._detector.decide if isinstance(self._detector, WebRtcDetector) else None
        """A detector that decides every frame at once skips the queue of undecided frames."""
        self._frame_bytes = rate * FRAME_MS // 1000 * 2
        self._pending = bytearray()
        self._pending_time: float | None = None
        self._undecided: deque[tuple[float, bytes]] = deque()
        """Frames fed to the detector and not yet decided: (audio time, frame)."""
        self.segmenter = UtteranceSegmenter(settings, rate)

    @property
    def sample_rate(self) -> int:
        """Rate of the utterances this track produces."""
        return self._rate

    def feed(self, pcm: bytes, audio_time: float) -> list[SpeechSpan]:
        if self._resampler is not None:
            pcm = self._resampler.feed(pcm)
        if not self._pending and len(pcm) == self._frame_bytes:
            # The usual case, a whole 20 ms frame with nothing pending (Twilio, AudioSocket):
            # no buffering. It runs per frame on every live track. (With nothing pending,
            # the next chunk takes its time from its own `audio_time`.)
            return self._judged(pcm, audio_time)
        if self._pending_time is None or not self._pending:
            self._pending_time = audio_time - len(self._pending) / (2 * self._rate)
        self._pending += pcm
        spans: list[SpeechSpan] = []
        size = self._frame_bytes
        usable = len(self._pending) - len(self._pending) % size
        frame_s = FRAME_MS / 1000
        time = self._pending_time
        for offset in range(0, usable, size):
            spans += self._judged(bytes(self._pending[offset : offset + size]), time)
            time += frame_s
        del self._pending[:usable]
        self._pending_time = time
        return spans

    def _judged(self, frame: bytes, audio_time: float) -> list[SpeechSpan]:
        """Hand one frame to the detector and the frames it has now decided (in order)
        to the segmenter."""
        if self._decide_now is not None:
            span = self.segmenter.push(frame, self._decide_now(frame), audio_time)
            return [] if span is None else [span]
        decisions = self._detector.feed(frame)
        if not self._undecided and len(decisions) == 1:
            span = self.segmenter.push(frame, decisions[0], audio_time)
            return [] if span is None else [span]
        self._undecided.append((audio_time, frame))
        return self._push(decisions)

    def _push(self, decisions: list[bool]) -> list[SpeechSpan]:
        spans = []
        for voiced in decisions:
            audio_time, frame = self._undecided.popleft()
            span = self.segmenter.push(frame, voiced, audio_time)
            if span is not None:
                spans.append(span)
        return spans

    def flush(self) -> list[SpeechSpan]:
        spans = self._push(self._detector.flush())
        span = self.segmenter.flush()
        self._pending.clear()
        return [*spans, span] if span is not None else spans
