"""The labelled calls of bench/insight as telephone audio, for the end-to-end bench.

Each line is spoken by its speaker's voice ("flite:awb",
"festival:kal_diphone", "espeak-ng:en-gb"; a non-English line by a voice of
its own language, from its `original` words), band-limited to 300-3400 Hz at
8 kHz and level-normalised, then laid on the speaker's track at its time on
the call clock. A condition is applied to the tracks (background babble at
15 dB SNR, or the caller 6 dB quieter) and both go through a G.711 mu-law
round trip, as a phone network would carry them.

Synthesised lines and rendered calls are cached under data/cache/insight/,
keyed by a hash of what they are made of, so a rerun renders nothing again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.insight_corpus import Call, Line
from bench.vad import add_noise
from ingest.audio.mulaw import decode_mulaw, encode_mulaw
from simulator.timeline import CallAudio, SpokenLine

RATE = 8000
RENDER_VERSION = "2"
"""Part of every cache key: bump it when the rendering changes."""
CACHE_DIR = Path(__file__).resolve().parents[1] / "data" / "cache" / "insight"
GAP_S = 0.6
TAIL_S = 1.5
PEAK_DB = -6
CONDITIONS = ("clean", "noise15", "quiet6")
"""clean; babble (three voices talking underneath) at 15 dB below each
party's speech; the caller's track 6 dB quieter than the agent's."""


class VoiceUnavailable(RuntimeError):
    """A speech synthesiser (or sox) is missing; the message names the package."""


@dataclass(frozen=True, slots=True)
class RenderedLine:
    """One true line as it was spoken: times on the call clock after rendering."""

    who: str
    say: str
    """The English words (the truth for scoring)."""
    spoken: str
    """What the voice said (the original words of a non-English line)."""
    voice: str
    lang: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class RenderedCall:
    call_id: str
    condition: str
    agent: bytes
    caller: bytes
    lines: tuple[RenderedLine, ...]

    @property
    def duration(self) -> float:
        return len(self.agent) / 2 / RATE

    def audio(self) -> CallAudio:
        """As the simulator's dialers take it."""
        return CallAudio(
            self.agent,
            self.caller,
            tuple(SpokenLine(line.who, line.spoken, line.start, line.end) for line in self.lines),
        )


def voice_language(voice: str) -> str:
    """flite and festival voices speak English; espeak-ng names its language ("es-419" is "es")."""
    engine, _, name = voice.partition(":")
    return name.split("-")[0] if engine == "espeak-ng" else "en"


def voice_for(line: Line, speaker_voice: str) -> str:
    """The speaker's voice, unless the line is in a language that voice cannot speak."""
    return speaker_voice if voice_language(speaker_voice) == line.lang else f"espeak-ng:{line.lang}"


def synthesize(text: str, voice: str, cache_dir: Path = CACHE_DIR) -> bytes:
    """`text` spoken by `voice`: 8 kHz s16le, band-limited, peak at -6 dBFS (cached)."""
    key = hashlib.sha256(f"{RENDER_VERSION}|{voice}|{text}".encode()).hexdigest()[:24]
    cached = cache_dir / "lines" / f"{key}.pcm"
    if cached.exists():
        return cached.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        _speak_to_wav(text, voice, wav)
        pcm = _telephone_band(wav)
    _write_atomically(cached, pcm)
    return pcm


def _speak_to_wav(text: str, voice: str, wav: Path) -> None:
    engine, _, name = voice.partition(":")
    if engine == "flite":
        command = [_tool("flite", "flite"), "-voice", name, "-t", text, "-o", str(wav)]
        stdin = None
    elif engine == "festival":
        command = [_tool("text2wave", "festival"), "-eval", f"(voice_{name})", "-o", str(wav)]
        stdin = text.encode()
    elif engine == "espeak-ng":
        command = [_tool("espeak-ng", "espeak-ng"), "-v", name, "-w", str(wav), text]
        stdin = None
    else:
        raise ValueError(f"unknown voice {voice!r}: expected flite:, festival: or espeak-ng:")
    done = subprocess.run(command, input=stdin, capture_output=True, timeout=120)
    if done.returncode != 0 or not wav.exists() or wav.stat().st_size <= 44:
        # festival exits 0 with no file when the voice package is missing.
        raise VoiceUnavailable(
            f"{voice} did not speak (install its package, e.g. festvox-kallpc16k for festival:kal_diphone): "
            f"{done.stderr.decode(errors='replace')[-300:]}"
        )


def _telephone_band(wav: Path) -> bytes:
    """What a handset and the network pass: 300-3400 Hz at 8 kHz, levels evened out.

    Two-pole slopes, like G.712's channel mask (some 12 dB down an octave
    below 300 Hz), not a brick wall: a steep `sinc 300-3400` leaves voices
    that Silero VAD no longer hears starting (utterances lose their first
    second or two), which is harsher than real lines are.
    """
    done = subprocess.run(
        [
            _tool("sox", "sox"),
            str(wav),
            "-t",
            "raw",
            "-e",
            "signed-integer",
            "-b",
            "16",
            "-c",
            "1",
            "-",
            "highpass",
            "300",
            "lowpass",
            "3400",
            "rate",
            str(RATE),
            "gain",
            "-n",
            str(PEAK_DB),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def _tool(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise VoiceUnavailable(f"{program} is not installed: apt-get install {package}")
    return path


def render_call(call: Call, condition: str = "clean", cache_dir: Path = CACHE_DIR) -> RenderedCall:
    """Both tracks of `call` under `condition`, through the telephone path (cached)."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; choose from {', '.join(CONDITIONS)}")
    recipe = [call.id, call.voices, condition, [(line.who, line.say, line.original, line.lang, line.start)
              for line in call.lines]]  # fmt: skip
    key = hashlib.sha256(f"{RENDER_VERSION}|{json.dumps(recipe)}".encode()).hexdigest()[:24]
    folder = cache_dir / "calls" / key
    if (folder / "lines.json").exists():
        stored = json.loads((folder / "lines.json").read_text())
        return RenderedCall(
            call.id,
            condition,
            (folder / "agent.pcm").read_bytes(),
            (folder / "caller.pcm").read_bytes(),
            tuple(RenderedLine(**item) for item in stored),
        )
    tracks, lines = lay_out(call, cache_dir)
    agent, caller = apply_condition(tracks["agent"], tracks["caller"], condition, seed=_seed(call.id))
    agent, caller = decode_mulaw(encode_mulaw(agent)), decode_mulaw(encode_mulaw(caller))
    _write_atomically(folder / "agent.pcm", agent)
    _write_atomically(folder / "caller.pcm", caller)
    _write_atomically(folder / "lines.json", json.dumps([asdict(line) for line in lines]).encode())
    return RenderedCall(call.id, condition, agent, caller, tuple(lines))


def lay_out(call: Call, cache_dir: Path = CACHE_DIR) -> tuple[dict[str, bytes], list[RenderedLine]]:
    """Each line at its corpus time, or later when the line before it has not ended yet."""
    tracks = {"agent": bytearray(), "caller": bytearray()}
    lines: list[RenderedLine] = []
    previous_end = 0.0
    for line in call.lines:
        voice = voice_for(line, call.voices[line.who])
        spoken = line.original or line.say
        pcm = synthesize(spoken, voice, cache_dir)
        start = round(max(line.start, previous_end + GAP_S if lines else line.start), 2)
        own = tracks[line.who]
        first_byte = int(start * RATE) * 2
        own.extend(bytes(max(0, first_byte - len(own))))
        own.extend(pcm)
        previous_end = start + len(pcm) / 2 / RATE
        lines.append(
            RenderedLine(line.who, line.say, spoken, voice, line.lang, start, round(previous_end, 2))
        )
    total = int((previous_end + TAIL_S) * RATE) * 2
    for track in tracks.values():
        track.extend(bytes(total - len(track)))
    return {who: bytes(track) for who, track in tracks.items()}, lines


def apply_condition(agent: bytes, caller: bytes, condition: str, seed: int) -> tuple[bytes, bytes]:
    if condition == "noise15":
        return add_noise(agent, "babble", 15, seed), add_noise(caller, "babble", 15, seed + 1)
    if condition == "quiet6":
        return agent, scale(caller, -6.0)
    return agent, caller


def scale(pcm: bytes, gain_db: float) -> bytes:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64) * 10 ** (gain_db / 20)
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16).tobytes()


def _seed(call_id: str) -> int:
    return int(hashlib.sha256(call_id.encode()).hexdigest()[:8], 16)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
