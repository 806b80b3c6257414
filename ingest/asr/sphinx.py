"""pocketsphinx: the offline engine. Its English model ships inside the wheel,
so it works with no download, on any machine, in CI.

Accuracy is modest (fine for clear speech and keyword alerts), speed is
several times real time on one CPU core. Speech in another language is not
decoded at all (`no_model_for`): English phonemes fitted to Spanish audio
give confident-looking garbage that would raise false alerts.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import threading
from collections.abc import Iterable
from typing import Any

import numpy as np

from ingest.asr.base import EngineUnavailable, base_language, no_model_for
from ingest.asr.sphinx_keywords import (
    SEARCH_NAME,
    Heard,
    confirmed_spots,
    keyphrases,
    keyword_list,
    plain_word,
)
from ingest.audio.resample import resample_pcm16
from ingest.events import Recognition, WordConfidence

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
FRAMES_PER_SECOND = 100
MIN_SPEECH_SAMPLES = SAMPLE_RATE // 10
"""Shorter than 100 ms cannot hold a word (and pocketsphinx rejects empty input)."""
SILENCE_RMS = 30.0
"""Below about -60 dBFS there is no speech; pocketsphinx would still guess
a word on digital silence (it hears "dog" in all-zero audio)."""
LANGUAGES = frozenset({"en"})
"""The wheel carries a US English model only."""
_NOT_WORDS = ("<s>", "</s>", "<sil>")
FRONT_END_OPTIONS = frozenset(
    {"samprate", "nfft", "lowerf", "upperf", "nfilt", "remove_noise", "cmn", "cmninit", "dither"}
)
"""Feature options the model's feat.params overrides when the decoder loads it
(passed to `Decoder()` they are silently replaced, and an 8 kHz rate fails
against the model's 6800 Hz upper filter): set after loading instead."""


class SphinxRecognizer:
    """pocketsphinx behind `UtteranceRecognizer`; safe to call from many threads.

    A pocketsphinx `Decoder` keeps per-utterance state and is not thread-safe,
    so each worker thread lazily builds its own (about 30 MB, ~0.3 s once).

    Results do not depend on what the decoder heard before: its feature
    front end adapts (live cepstral mean normalisation) across utterances,
    so it is re-initialised before each one (`reinit_feat`, measured to make
    A, noisy B, C, A decode A twice alike; restoring `set_cmn()` does not).

    Confidence is the mean of the words' posterior probabilities from the
    decoder's lattice (`seg().prob`, already in [0, 1]), leaving out the
    sentence markers, silences and fillers such as `[NOISE]`; each word's own
    posterior is kept in `Recognition.words`.

    `keywords` (the alert configuration's) are also listened for by a
    keyword-list search over the same audio (see `ingest.asr.sphinx_keywords`);
    its finds come back in `Recognition.spotted`.
    """

    name = "sphinx"

    def __init__(self, keywords: Iterable[str] = (), **decoder_options: Any) -> None:
        self._decoder_options = {"logfn": "/dev/null", **decoder_options}
        # Utterances arrive at 16 kHz; a decoder set to another rate (telephone
        # audio fed at its own 8 kHz) gets them resampled to that rate.
        self._decoder_rate = int(self._decoder_options.get("samprate", SAMPLE_RATE))
        self._keywords = tuple(keywords)
        self._local = threading.local()
        self._decoder()  # fail at start-up, not on the first call

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        if language is not None and base_language(language) not in LANGUAGES:
            return no_model_for(language)
        if len(pcm16k) % 2:
            pcm16k = pcm16k[:-1]
        if len(pcm16k) // 2 < MIN_SPEECH_SAMPLES or _rms(pcm16k) < SILENCE_RMS:
            return Recognition(text="", confidence=0.0, language="en")
        decoder = self._decoder()
        lm = self._local.language_model
        pcm = resample_pcm16(pcm16k, SAMPLE_RATE, self._decoder_rate)
        hypothesis, segments = _decode(decoder, pcm, lm, lm)
        if hypothesis is None:
            return Recognition(text="", confidence=0.0, language="en")
        words = tuple(
            WordConfidence(
                plain_word(segment.word),
                round(min(1.0, max(0.0, segment.prob)), 3),
                round(segment.start_frame / FRAMES_PER_SECOND, 2),
                round((segment.end_frame + 1) / FRAMES_PER_SECOND, 2),
            )
            for segment in segments
            if segment.word not in _NOT_WORDS and not segment.word.startswith("[")
        )
        confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
        return Recognition(
            text=hypothesis,
            confidence=round(confidence, 3),
            language="en",
            words=words,
            spotted=self._spot(decoder, pcm, segments),
        )

    def _spot(self, decoder: Any, pcm: bytes, heard: list[Any]) -> tuple[WordConfidence, ...]:
        if not self._local.spotting:
            return ()
        _, spots = _decode(decoder, pcm, SEARCH_NAME, self._local.language_model)

        def phones_of(word: str) -> list[str]:
            return str(decoder.lookup_word(plain_word(word)) or "").split()

        confirmed = confirmed_spots(
            [Heard(s.word, s.start_frame, s.end_frame) for s in spots],
            [Heard(s.word, s.start_frame, s.end_frame) for s in heard if s.word not in _NOT_WORDS],
            phones_of,
        )
        return tuple(WordConfidence(keyword, closeness) for keyword, closeness in confirmed)

    def _decoder(self) -> Any:
        decoder = getattr(self._local, "decoder", None)
        if decoder is None:
            try:
                from pocketsphinx import Decoder  # noqa: PLC0415 (heavy native library: loaded on first use)
            except ImportError as error:
                raise EngineUnavailable(
                    f"pocketsphinx is not installed ({error}); pip install pocketsphinx"
                ) from error
            general = {k: v for k, v in self._decoder_options.items() if k not in FRONT_END_OPTIONS}
            decoder = Decoder(**general)
            _set_front_end(decoder, self._decoder_options)
            self._local.language_model = decoder.current_search()
            self._local.spotting = self._add_keyword_search(decoder)
            self._local.decoder = decoder
            log.debug("pocketsphinx decoder ready in thread %s", threading.current_thread().name)
        return decoder

    def _add_keyword_search(self, decoder: Any) -> bool:
        phrases = keyphrases(decoder, self._keywords)
        if not phrases:
            return False
        # add_kws reads a file; the search keeps what it read.
        with tempfile.NamedTemporaryFile("w", suffix=".kws", delete=False) as file:
            file.write(keyword_list(phrases))
        try:
            decoder.add_kws(SEARCH_NAME, file.name)
        finally:
            os.unlink(file.name)
        return True


def _set_front_end(decoder: Any, options: dict[str, Any]) -> None:
    chosen = {key: value for key, value in options.items() if key in FRONT_END_OPTIONS}
    if not chosen:
        return
    config = decoder.config
    for key, value in chosen.items():
        config[key] = value
    decoder.reinit_feat(config)


def _decode(decoder: Any, pcm: bytes, search: str, back_to: str) -> tuple[str | None, list[Any]]:
    """One utterance through `search`, from a fresh front end; `back_to` is active after."""
    decoder.activate_search(search)
    try:
        decoder.reinit_feat()  # no adaptation carried over from earlier utterances
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        text = hypothesis.hypstr.strip() if hypothesis is not None else ""
        return (text or None), list(decoder.seg() or ())
    finally:
        if search != back_to:
            decoder.activate_search(back_to)


def _rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return math.sqrt(float(np.mean(samples * samples))) if samples.size else 0.0
