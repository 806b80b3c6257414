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
    def is_speech(self, frame: bytes, sample_rate: int) -> bool:
        """`frame`: 20 ms of s16le mono PCM at `sample_rate` (fixed per track)."""
        ...


class VadUnavailable(RuntimeError):
    """The Silero model or onnxruntime is missing."""


class NoiseFloorGate:
    """Speech must stand out from the line's own background.

    Both detectors hear *speech*, so talkers in the background (babble) read
    as voice. The caller is louder than the room behind them: a frame counts
    only when its level is `margin_db` above the noise floor, the low
    percentile of recent frame levels (word gaps expose the background even
    while someone talks). On a quiet line the floor is near zero and the gate
    always opens."""

    def __init__(self, margin_db: float = 6.0, window_frames: int = 250, percentile: float = 10.0) -> None:
        self._levels: deque[float] = deque(maxlen=window_frames)
        self._margin = 10 ** (margin_db / 10)
        self._percentile = percentile
        self._floor = 0.0
        self._count = 0

    def passes(self, frame: bytes) -> bool:
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32)
        level = float(np.mean(samples * samples)) if len(samples) else 0.0
        self._levels.append(level)
        self._count += 1
        if self._count % 10 == 1:  # the floor moves slowly: no need to sort every frame
            self._floor = float(np.percentile(self._levels, self._percentile))
        return level > self._floor * self._margin


class WebRtcDetector:
    def __init__(self, aggressiveness: int) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, frame: bytes, sample_rate: int) -> bool:
        return bool(self._vad.is_speech(frame, sample_rate))


class SileroDetector:
    def __init__(self, sample_rate: int, threshold: float = 0.2, release_threshold: float = 0.1) -> None:
        self._session = _silero_session()
        self._threshold = threshold
        # Hysteresis: once in speech, stay until the probability falls below this.
        self._release = min(release_threshold, threshold)
        self._resampler = None if sample_rate == SILERO_RATE else StreamResampler(sample_rate, SILERO_RATE)
        self._pending = np.zeros(0, dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._speaking = False
        self._gate = NoiseFloorGate()
        self.last_probability = 0.0

    def is_speech(self, frame: bytes, sample_rate: int) -> bool:
        loud_enough = self._gate.passes(frame)
        pcm = self._resampler.feed(frame) if self._resampler is not None else frame
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        self._pending = np.concatenate((self._pending, samples))
        while len(self._pending) >= _WINDOW:
            window = self._pending[:_WINDOW]
            self._pending = self._pending[_WINDOW:]
            self.last_probability = self._run(window)
            self._speaking = self.last_probability >= (self._release if self._speaking else self._threshold)
        # A 20 ms frame takes the decision of the newest 32 ms window: at most
        # one window late, which the segmenter's padding absorbs.
        return self._speaking and loud_enough

    def _run(self, window: np.ndarray) -> float:
        batch = np.concatenate((self._context, window))[np.newaxis, :]
        self._context = window[-_CONTEXT:]
        probability, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        return float(np.asarray(probability).reshape(-1)[-1])


def make_detector(settings: VadSettings, sample_rate: int) -> VoiceDetector:
    if settings.engine == "webrtc":
        return WebRtcDetector(settings.aggressiveness)
    return SileroDetector(sample_rate, settings.threshold, settings.release_threshold)


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
