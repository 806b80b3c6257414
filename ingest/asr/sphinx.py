"""pocketsphinx: the offline engine. Its English model ships inside the wheel,
so it works with no download, on any machine, in CI.

Accuracy is modest (fine for clear speech and keyword alerts), speed is
several times real time on one CPU core.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

import numpy as np

from ingest.asr.base import EngineUnavailable
from ingest.events import Recognition

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MIN_SPEECH_SAMPLES = SAMPLE_RATE // 10
"""Shorter than 100 ms cannot hold a word (and pocketsphinx rejects empty input)."""
SILENCE_RMS = 30.0
"""Below about -60 dBFS there is no speech; pocketsphinx would still guess
a word on digital silence (it hears "dog" in all-zero audio)."""
_NOT_WORDS = ("<s>", "</s>", "<sil>")


class SphinxRecognizer:
    """pocketsphinx behind `UtteranceRecognizer`; safe to call from many threads.

    A pocketsphinx `Decoder` keeps per-utterance state and is not thread-safe,
    so each worker thread lazily builds its own (about 30 MB, ~0.3 s once).

    Confidence is the mean of the words' posterior probabilities from the
    decoder's lattice (`seg().prob`, already in [0, 1]), leaving out the
    sentence markers, silences and fillers such as `[NOISE]`.
    """

    name = "sphinx"

    def __init__(self, **decoder_options: Any) -> None:
        self._decoder_options = {"logfn": "/dev/null", **decoder_options}
        self._local = threading.local()
        self._decoder()  # fail at start-up, not on the first call

    def recognize(self, pcm16k: bytes) -> Recognition:
        if len(pcm16k) % 2:
            pcm16k = pcm16k[:-1]
        if len(pcm16k) // 2 < MIN_SPEECH_SAMPLES or _rms(pcm16k) < SILENCE_RMS:
            return Recognition(text="", confidence=0.0, language="en")
        decoder = self._decoder()
        decoder.start_utt()
        decoder.process_raw(pcm16k, full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        if hypothesis is None or not hypothesis.hypstr:
            return Recognition(text="", confidence=0.0, language="en")
        posteriors = [
            min(1.0, max(0.0, segment.prob))
            for segment in decoder.seg()
            if segment.word not in _NOT_WORDS and not segment.word.startswith("[")
        ]
        confidence = sum(posteriors) / len(posteriors) if posteriors else 0.0
        return Recognition(text=hypothesis.hypstr, confidence=round(confidence, 3), language="en")

    def _decoder(self) -> Any:
        decoder = getattr(self._local, "decoder", None)
        if decoder is None:
            try:
                from pocketsphinx import Decoder
            except ImportError as error:
                raise EngineUnavailable(
                    f"pocketsphinx is not installed ({error}); pip install pocketsphinx"
                ) from error
            decoder = Decoder(**self._decoder_options)
            self._local.decoder = decoder
            log.debug("pocketsphinx decoder ready in thread %s", threading.current_thread().name)
        return decoder


def _rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return math.sqrt(float(np.mean(samples * samples))) if samples.size else 0.0
