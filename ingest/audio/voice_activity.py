"""Is this 20 ms frame speech? Two detectors behind one interface.

- `SileroDetector` (the default): the Silero VAD network that ships inside the
  faster-whisper wheel (`faster_whisper/assets/silero_vad_v6.onnx`), run with
  onnxruntime, one 32 ms window at a time with the network's state carried per
  track. It keeps telling speech from noise at 15 dB SNR, where webrtcvad
  hears speech in the noise and never closes an utterance. It opens speech
  at a probability of 0.2, not the 0.5 Silero's own examples use: behind a
  sharp telephone band (nothing below 300 Hz, so no voice fundamental) the
  network's probability for plain speech sits between 0.2 and 0.5 for
  seconds, and at 0.5 utterances lost their first 0.4-2 s or were missed
  (bench/vad, condition `band`). Noise is kept out by the noise-floor gate
  and the segmenter's minimum speech, not by a high threshold: at 0.2 the
  hiss and babble figures of bench/vad are unchanged.
- `WebRtcDetector`: webrtcvad's GMM, about 50 times cheaper: the light option
  for quiet lines or very many calls per core.

Each detector is per track (it keeps state); the ONNX session is shared by all.

Frames go in one by one and their decisions come out in order, possibly a
little later (`VoiceDetector.feed`): Silero judges a track's audio in runs of
up to `SILERO_BATCH_WINDOWS` windows (96 ms) per network call, because one
call costs about 170 us of which 100 is fixed overhead, and every 20 ms frame
gets the decision of the window complete two windows before its end (the lag
the detector had when it judged frame by frame; see SILERO_LABEL_LAG_WINDOWS). While a track sits at its noise floor (no frame in a run
passes `NoiseFloorGate`) no speech can pass, so the network is not run for
that stretch; its state starts afresh, as at a stream's start, when the line
rises again. On a conversation that skips about half the runs. Together this
took Silero from about 8 ms to under 2 ms of CPU per audio second and track
(bench/vad) at the cost of up to about 100 ms more wall-clock time before a
decision (the segmenter, on audio time, cuts the same places).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections import deque
from typing import Any, Protocol

import numpy as np
import webrtcvad

from ingest.audio.resample import StreamResampler
from ingest.settings import VadSettings

VAD_ENGINES = ("silero", "webrtc")
SILERO_RATE = 16000
_WINDOW = 512  # samples at 16 kHz: 32 ms, what the network was trained on
_CONTEXT = 64  # samples of the previous window the v6 network reads first
_STATE_SHAPE = (1, 1, 128)


class VoiceDetector(Protocol):
    """Frames in, in order; their decisions out in the same order, possibly later."""

    def feed(self, frame: bytes) -> list[bool]:
        """Take the track's next 20 ms of s16le mono PCM; return the decisions now known
        for the oldest frames still undecided (none, this one, or several)."""
        ...

    def flush(self) -> list[bool]:
        """The track ended: decide every frame still undecided."""
        ...


class VadUnavailable(RuntimeError):
    """The Silero model or onnxruntime is missing."""


BACKGROUND_PERCENTILE = 30.0
"""The line's background level for the speaker check (`NoiseFloorGate`): this percentile
of the last 5 s, higher than the floor's 10th, because babble dips between words and a
floor read in its dips let the room's talk through (bench/vad babble 15 dB: speech share 0.57
against 0.71); on a quiet line it is still near zero while the speaker talks under 70% of
the time, and the check stands aside."""


class NoiseFloorGate:
    """Speech must stand out from the line's own background.

    Both detectors hear *speech*, so talkers in the background (babble) read
    as voice. The caller is louder than the room behind them, so a frame counts
    only when both of these hold:

    - its level is `margin_db` above the noise floor, the low percentile of
      recent frame levels (word gaps expose the background even while someone
      talks). On a quiet line the floor is near zero and this always passes;
    - it is within `speaker_range_db` of the speaker's own level (a high
      percentile of the levels of the last `speaker_window_frames`, 15 s), or
      as far above the line's background (`BACKGROUND_PERCENTILE`). Under
      babble 15 dB below the caller, the room's talk otherwise passes the
      first test whenever it swells, the detector hears speech in it, and the
      caller's utterance runs on through the stretch where they only listen
      (median 7.5 s against 3.0 s on clean lines, bench/vad); the recogniser
      turns that stretch into invented words. Speech keeps a syllable within
      that range of its loudest every few hundred ms, so pauses inside a line
      are unchanged. On a quiet line the background is near zero, so "as far
      above the background" lets through everything the first test does: a
      check without that part split lines at commas and trimmed their soft
      endings (pocketsphinx's WER on the clean insight calls rose from 0.309
      to 0.347, bench/asr_calls). Where nobody has spoken for 15 s the
      percentile is the background's own peak, and the check passes it.
      Off when `speaker_range_db` is 0.
    """

    def __init__(
        self,
        margin_db: float = 6.0,
        window_frames: int = 250,
        percentile: float = 10.0,
        speaker_range_db: float = 0.0,
        speaker_window_frames: int = 750,
        speaker_percentile: float = 95.0,
    ) -> None:
        # Rings of recent levels: a percentile reads the array as it is (order does not
        # matter), where a deque would be copied into one every time.
        self._levels = np.zeros(window_frames, dtype=np.float64)
        self._margin = 10 ** (margin_db / 10)
        self._percentile = percentile
        self._floor = 0.0
        self._count = 0
        self._speaker_levels = np.zeros(
            speaker_window_frames if speaker_range_db > 0 else 1, dtype=np.float64
        )
        self._speaker_range = 10 ** (-speaker_range_db / 10) if speaker_range_db > 0 else None
        self._speaker_percentile = speaker_percentile
        self._speaker_bar = 0.0

    def passes(self, frame: bytes) -> bool:
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32)
        level = float(np.dot(samples, samples)) / len(samples) if len(samples) else 0.0
        count = self._count
        self._levels[count % len(self._levels)] = level
        if self._speaker_range is not None:
            self._speaker_levels[count % len(self._speaker_levels)] = level
        self._count = count = count + 1
        if count % 10 == 1:  # the levels move slowly: no need to sort every frame
            recent = self._levels[: min(count, len(self._levels))]
            if self._speaker_range is None:
                self._floor = float(np.percentile(recent, self._percentile))
            else:
                floor, background = np.percentile(recent, (self._percentile, BACKGROUND_PERCENTILE))
                self._floor = float(floor)
                self._speaker_bar = self._speaker_check(count, float(background))
        return level > self._floor * self._margin and level > self._speaker_bar

    def _speaker_check(self, count: int, background: float) -> float:
        """The level a frame must pass to be the speaker's: within the range of the
        speaker's loud frames, or as far above the line's background."""
        assert self._speaker_range is not None
        recent = self._speaker_levels[: min(count, len(self._speaker_levels))]
        speaker = float(np.percentile(recent, self._speaker_percentile)) * self._speaker_range
        return min(speaker, background / self._speaker_range)


class WebRtcDetector:
    def __init__(self, aggressiveness: int, sample_rate: int) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)
        self._rate = sample_rate

    def decide(self, frame: bytes) -> bool:
        """This frame's decision, at once (`TrackSegmenter` calls it directly: it runs
        per frame on every live track)."""
        return bool(self._vad.is_speech(frame, self._rate))

    def feed(self, frame: bytes) -> list[bool]:
        return [self.decide(frame)]

    def flush(self) -> list[bool]:
        return []


SILERO_BATCH_WINDOWS = 3
"""Windows judged per network call once a track has them (see the module docstring)."""
SILERO_QUIET_WINDOWS_BEFORE_SKIP = 16
"""The network is not run once the line has sat at its noise floor this long (0.5 s):
its state then starts afresh, as at a stream's start. Skipping sooner (any quiet 96 ms)
reset the network inside lines, between soft syllables, and under hiss at 10 dB SNR
line starts were found up to 2 s late (bench/vad onset p95)."""
SILERO_LABEL_LAG_WINDOWS = 2
"""A frame takes the decision of the window complete this many windows before its end.
Judged frame by frame, the detector used to resample each 20 ms frame on its own, and
the resampler's filter held back 12-100 ms of audio, so a frame's decision came from
audio about 70 ms older than the frame; the thresholds and the recognisers were
measured with that lag. Without it utterances started and ended 75 ms earlier (less
trailing audio), and pocketsphinx's word error rose from 0.305 to 0.321
(bench/insight_e2e clean, same load)."""
_FRAME_16K = SILERO_RATE * 20 // 1000
_RECENT_FRAMES = 64
"""More than the frames a run of windows can hold plus what the resampler holds back."""


class SileroDetector:
    def __init__(
        self,
        sample_rate: int,
        threshold: float = 0.2,
        release_threshold: float = 0.1,
        speaker_range_db: float = 0.0,
    ) -> None:
        self._session = _silero_session()
        self._threshold = threshold
        # Hysteresis: once in speech, stay until the probability falls below this.
        self._release = min(release_threshold, threshold)
        self._resampler = None if sample_rate == SILERO_RATE else StreamResampler(sample_rate, SILERO_RATE)
        self._ratio = SILERO_RATE / sample_rate
        self._unresampled = bytearray()
        self._samples = np.zeros(0, dtype=np.float32)
        """16 kHz samples not yet in a judged window."""
        self._context = np.zeros(_CONTEXT, dtype=np.float32)
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._speaking = False
        self._gate = NoiseFloorGate(speaker_range_db=speaker_range_db)
        self._loud: deque[bool] = deque()
        """The gate's verdict on each undecided frame, oldest first."""
        self._recent_loud: deque[bool] = deque(maxlen=_RECENT_FRAMES)
        """The gate's verdict on the newest frames fed, decided or not."""
        self._frames_fed = 0
        self._frames_decided = 0
        self._windows_judged = 0
        self._window_speech: deque[bool] = deque()
        """Speech or not for judged windows from `_first_window` on."""
        self._first_window = 0
        self._quiet_windows = 0
        """Windows in a row, up to the newest judged, with no frame above the noise floor."""
        self.runs = 0
        self.runs_skipped = 0

    def feed(self, frame: bytes) -> list[bool]:
        loud = self._gate.passes(frame)
        self._loud.append(loud)
        self._recent_loud.append(loud)
        self._frames_fed += 1
        self._unresampled += frame
        wanted = SILERO_BATCH_WINDOWS * _WINDOW - len(self._samples)
        if len(self._unresampled) // 2 * self._ratio >= wanted:
            self._take_unresampled()
            while len(self._samples) >= SILERO_BATCH_WINDOWS * _WINDOW:
                self._judge(SILERO_BATCH_WINDOWS)
        return self._decided()

    def flush(self) -> list[bool]:
        self._take_unresampled()
        if len(self._samples) >= _WINDOW:
            self._judge(len(self._samples) // _WINDOW)
        decided = self._decided()
        # The last few frames (under one window, or held in the resampler's filter)
        # take the newest window's decision.
        while self._loud:
            loud = self._loud.popleft()
            decided.append(self._speaking and loud)
            self._frames_decided += 1
        return decided

    def _take_unresampled(self) -> None:
        pcm = bytes(self._unresampled)
        self._unresampled.clear()
        if self._resampler is not None:
            pcm = self._resampler.feed(pcm)
        fresh = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        self._samples = np.concatenate((self._samples, fresh)) if len(self._samples) else fresh

    def _judge(self, count: int) -> None:
        """Judge the next `count` whole windows of `_samples` in one network call, or
        skip them when no frame they hold stands above the noise floor and none has
        for `SILERO_QUIET_WINDOWS_BEFORE_SKIP` windows before them."""
        first = self._windows_judged
        recent = self._recent_loud
        oldest_recent = self._frames_fed - len(recent)
        frames = range(
            max(oldest_recent, first * _WINDOW // _FRAME_16K),
            min(self._frames_fed, -(-(first + count) * _WINDOW // _FRAME_16K)),
        )
        windows = self._samples[: count * _WINDOW].reshape(count, _WINDOW)
        self._samples = self._samples[count * _WINDOW :]
        quiet = not any(recent[k - oldest_recent] for k in frames)
        quiet_before, self._quiet_windows = self._quiet_windows, self._quiet_windows + count if quiet else 0
        if quiet and quiet_before >= SILERO_QUIET_WINDOWS_BEFORE_SKIP:
            self.runs_skipped += 1
            if quiet_before < SILERO_QUIET_WINDOWS_BEFORE_SKIP + count:  # the first run skipped
                self._context = np.zeros(_CONTEXT, dtype=np.float32)
                self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
                self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
                self._speaking = False
            self._window_speech.extend([False] * count)
        else:
            self.runs += 1
            contexts = np.concatenate((self._context[np.newaxis, :], windows[:-1, -_CONTEXT:]))
            self._context = windows[-1, -_CONTEXT:].copy()
            batch = np.concatenate((contexts, windows), axis=1)
            probabilities, self._h, self._c = self._session.run(
                None, {"input": batch, "h": self._h, "c": self._c}
            )
            for probability in np.asarray(probabilities, dtype=np.float64).reshape(-1).tolist():
                self._speaking = probability >= (self._release if self._speaking else self._threshold)
                self._window_speech.append(self._speaking)
        self._windows_judged += count

    def _decided(self) -> list[bool]:
        """Decisions for the undecided frames whose window has been judged: a frame takes
        the decision of the window complete `SILERO_LABEL_LAG_WINDOWS` before its end."""
        decided: list[bool] = []
        while self._loud:
            window = (self._frames_decided + 1) * _FRAME_16K // _WINDOW - 1 - SILERO_LABEL_LAG_WINDOWS
            if window >= self._windows_judged:
                break
            while self._first_window < window:
                self._window_speech.popleft()
                self._first_window += 1
            loud = self._loud.popleft()
            decided.append(window >= 0 and self._window_speech[0] and loud)
            self._frames_decided += 1
        return decided


def make_detector(settings: VadSettings, sample_rate: int) -> VoiceDetector:
    if settings.engine == "webrtc":
        return WebRtcDetector(settings.aggressiveness, sample_rate)
    return SileroDetector(
        sample_rate, settings.threshold, settings.release_threshold, settings.speaker_range_db
    )


def silero_model_path() -> str:
    """Inside the faster-whisper wheel; found without importing it (and CTranslate2)."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or spec.origin is None:
        raise VadUnavailable("faster-whisper is not installed; set CALLMON_VAD_ENGINE=webrtc")
    return os.path.join(os.path.dirname(spec.origin), "assets", "silero_vad_v6.onnx")


@functools.cache
def _silero_session() -> Any:  # an onnxruntime.InferenceSession (the library is untyped)
    try:
        import onnxruntime  # noqa: PLC0415 (heavy; webrtc-only workers never load it)
    except ImportError as error:
        raise VadUnavailable(
            "Silero VAD needs onnxruntime (installed with faster-whisper); set CALLMON_VAD_ENGINE=webrtc"
        ) from error
    path = silero_model_path()
    if not os.path.exists(path):
        raise VadUnavailable(f"the Silero VAD model is missing at {path}; set CALLMON_VAD_ENGINE=webrtc")
    options = onnxruntime.SessionOptions()
    # Many tracks share the session from the event loop: one thread each run,
    # no arena growing with the number of calls.
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1
    options.enable_cpu_mem_arena = False
    options.log_severity_level = 4
    return onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"], sess_options=options)
