"""Spectral noise suppression of one whole utterance, before speech-to-text.

A Wiener filter in the short-time spectrum: the noise's spectrum is taken
from the utterance's own quietest frames (a voice-activity cut always holds
some: its padding, the pauses between words), and each time-frequency cell
keeps the share of its power that stands above that noise. The a-priori
signal-to-noise ratio is smoothed over time ("decision-directed", Ephraim &
Malah 1984), which avoids the warbling tones ("musical noise") plain spectral
subtraction leaves behind, since a recogniser hears those as phones too.

Pure: the same utterance always gives the same audio, whatever came before
(no state is carried between utterances).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME_S = 0.032
"""32 ms frames (512 samples at 16 kHz), half-overlapping."""


@dataclass(frozen=True, slots=True)
class SuppressionSettings:
    noise_quantile: float = 0.2
    """The quietest share of frames whose mean spectrum is taken for the noise."""
    over_subtraction: float = 1.5
    """The noise estimate is scaled up by this: the quietest frames are quieter
    than the average of a changing noise such as background talk."""
    gain_floor_db: float = -20.0
    """No cell is turned down further: deeper cuts distort the speech under it."""
    smoothing: float = 0.96
    """Weight of the previous frame in the decision-directed a-priori SNR."""
    level_gate_db: float | None = None
    """Frames whose level (held over `gate_hold_s` either side) stays this far
    below the utterance's loud frames are turned down to the gain floor: on a
    noisy line an utterance often runs on through background talk after the
    speaker has finished, and the recogniser transcribes that talk. None: off."""
    gate_hold_s: float = 0.15
    """Pauses between a speaker's words are shorter than twice this."""
    wiener: bool = True
    """The spectral filter; off leaves only the level gate (if any)."""
    clean_snr_db: float = 30.0
    """An utterance whose speech stands this far above its quietest frames is
    left as it is: there is nothing to remove, and filtering would only
    change what a recogniser tuned on clean speech hears."""


def suppress_noise(pcm: bytes, sample_rate: int, settings: SuppressionSettings | None = None) -> bytes:
    """`pcm` (s16le mono) with stationary background noise turned down; unchanged when clean."""
    settings = settings or SuppressionSettings()
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    frame = _even(int(sample_rate * FRAME_S))
    hop = frame // 2
    if samples.size < 4 * frame:
        return pcm
    window = np.sqrt(np.hanning(frame + 1)[:-1])  # sqrt-Hann in and out: sums to 1 at 50% overlap
    padded = np.concatenate([np.zeros(hop), samples, np.zeros(frame)])
    count = (padded.size - frame) // hop + 1
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame)[::hop][:count] * window
    spectrum = np.fft.rfft(frames, axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    noise = noise_spectrum(power, settings.noise_quantile)
    if utterance_snr_db(power, noise) >= settings.clean_snr_db:
        return pcm
    if settings.wiener:
        gains = wiener_gains(power, noise * settings.over_subtraction, settings)
    else:
        gains = np.ones_like(power)
    if settings.level_gate_db is not None:
        held = round(settings.gate_hold_s * sample_rate / hop)
        gains *= level_gate(power, settings.level_gate_db, held, settings.gain_floor_db)[:, None]
    cleaned = np.fft.irfft(spectrum * gains, n=frame, axis=1) * window
    out = np.zeros(padded.size)
    for index in range(count):
        out[index * hop : index * hop + frame] += cleaned[index]
    result = out[hop : hop + samples.size]
    return np.clip(np.round(result), -32768, 32767).astype("<i2").tobytes()


def noise_spectrum(power: np.ndarray, quantile: float) -> np.ndarray:
    """Mean power spectrum of the quietest `quantile` of frames (at least one)."""
    energy = power.sum(axis=1)
    quietest = np.argsort(energy, kind="stable")[: max(1, int(len(energy) * quantile))]
    return np.asarray(power[quietest].mean(axis=0) + 1e-9)


def utterance_snr_db(power: np.ndarray, noise: np.ndarray) -> float:
    """How far the loud frames (the top tenth by energy) stand above the noise estimate."""
    energy = np.sort(power.sum(axis=1))
    loud = energy[-max(1, len(energy) // 10) :].mean()
    return float(10 * np.log10(loud / noise.sum()))


def level_gate(power: np.ndarray, below_db: float, held_frames: int, floor_db: float) -> np.ndarray:
    """Per-frame gains: 1 near the loud frames' level, the floor for stretches far below it."""
    level = 10 * np.log10(power.sum(axis=1) + 1e-9)
    loud = float(np.mean(np.sort(level)[-max(1, len(level) // 10) :]))
    padded = np.pad(level, held_frames, mode="edge")
    held = np.lib.stride_tricks.sliding_window_view(padded, 2 * held_frames + 1).max(axis=1)
    gate = np.where(held >= loud - below_db, 1.0, 10 ** (floor_db / 20))
    ramp = np.ones(3) / 3  # no clicks where the gate opens or closes
    return np.asarray(np.convolve(np.pad(gate, 1, mode="edge"), ramp, mode="valid"))


def wiener_gains(power: np.ndarray, noise: np.ndarray, settings: SuppressionSettings) -> np.ndarray:
    """Per-cell gains (frames x bins) from the decision-directed a-priori SNR."""
    floor = 10 ** (settings.gain_floor_db / 20)
    posterior = power / noise
    gains = np.empty_like(power)
    previous = np.zeros(power.shape[1])  # clean-speech power estimate of the frame before, over noise
    for index, row in enumerate(posterior):
        prior = settings.smoothing * previous + (1 - settings.smoothing) * np.maximum(row - 1.0, 0.0)
        gain = np.maximum(prior / (1.0 + prior), floor)
        gains[index] = gain
        previous = gain * gain * row
    return gains


def _even(value: int) -> int:
    return value + value % 2
