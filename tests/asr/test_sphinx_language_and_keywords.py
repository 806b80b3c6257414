"""pocketsphinx: languages it has no model for, per-word confidences, keyword
spotting fed from the alert keywords, and decoding that does not depend on
what the decoder heard before. Real flite speech through 8 kHz mu-law.

The speech here goes through the telephone path without sox: sox dithers
when it narrows samples, so its output (and what pocketsphinx hears in it)
changes from run to run, which would make exact expectations flaky.
"""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from ingest.asr import create_engine
from ingest.asr.sphinx import SphinxRecognizer
from ingest.asr.sphinx_keywords import Heard, confirmed_spots, keyphrase_threshold, keyphrases
from ingest.audio.mulaw import decode_mulaw, encode_mulaw
from ingest.audio.resample import resample_pcm16
from ingest.settings import IngestSettings

ALERT_KEYWORDS = (
    "cancel", "supervisor", "manager", "complaint", "escalate", "refund", "unacceptable",
    "legal", "lawyer", "attorney", "solicitor", "sue", "court", "regulator", "ombudsman",
)  # fmt: skip


@pytest.fixture
def speak(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`text` said by a flite voice, through 8 kHz mu-law, as 16 kHz s16le; the same every run."""

    def speak(text: str, voice: str = "rms") -> bytes:
        out = tmp_path / "line.wav"
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(out)], check=True, timeout=60)
        with wave.open(str(out), "rb") as wav:
            pcm, rate = wav.readframes(wav.getnframes()), wav.getframerate()
        telephone = decode_mulaw(encode_mulaw(resample_pcm16(pcm, rate, 8000)))
        return resample_pcm16(telephone, 8000, 16000)

    return speak


def test_spanish_is_not_decoded_as_english_garbage(speak) -> None:
    recognizer = SphinxRecognizer()
    result = recognizer.recognize(speak("i want to cancel my account right now"), "es")
    assert result.text == "" and result.confidence == 0.0 and result.words == ()
    assert result.language == "es"
    assert result.not_transcribed == "no model for es"


def test_english_in_any_spelling_is_decoded(speak) -> None:
    recognizer = SphinxRecognizer()
    audio = speak("can i speak to your supervisor please", "awb")
    for language in (None, "en", "en-GB", "EN_us"):
        result = recognizer.recognize(audio, language)
        assert "supervisor" in result.text.split() and result.not_transcribed is None


def test_every_word_comes_with_its_posterior(speak) -> None:
    result = SphinxRecognizer().recognize(speak("i want to cancel my account right now"))
    assert [w.word for w in result.words] == result.text.split()  # "will(2)" marks are gone
    assert all(0.0 <= w.confidence <= 1.0 for w in result.words)
    assert all(w.start < w.end for w in result.words)
    assert [w.start for w in result.words] == sorted(w.start for w in result.words)
    cancel = next(w for w in result.words if w.word == "cancel")
    assert cancel.confidence > 0.5


def test_spotting_finds_a_keyword_the_language_model_lost(speak) -> None:
    audio = speak("this is totally unacceptable", "kal")
    plain = SphinxRecognizer().recognize(audio)
    assert "unacceptable" not in plain.text.split() and plain.spotted == ()
    boosted = SphinxRecognizer(keywords=ALERT_KEYWORDS).recognize(audio)
    assert boosted.text == plain.text  # the language-model pass is unchanged
    assert [w.word for w in boosted.spotted] == ["unacceptable"]
    assert 0.85 <= boosted.spotted[0].confidence <= 1.0


def test_spotting_confirms_keywords_that_were_said(speak) -> None:
    recognizer = SphinxRecognizer(keywords=ALERT_KEYWORDS)
    said = {
        ("i will call my attorney about this", "kal"): "attorney",
        ("let me speak to your supervisor", "rms"): "supervisor",
        ("my solicitor will hear about this", "kal"): "solicitor",
        # "sue" is too short to spot; its longer form is listened for.
        ("if it's not fixed today i'm suing your company", "rms"): "suing",
    }
    for (line, voice), keyword in said.items():
        assert [w.word for w in recognizer.recognize(speak(line, voice)).spotted] == [keyword], line


def test_spotting_stays_quiet_on_ordinary_sentences(speak) -> None:
    recognizer = SphinxRecognizer(keywords=ALERT_KEYWORDS)
    lines = [
        ("can you check the delivery date for me", "slt"),
        ("the weather is lovely today and my dog is happy", "slt"),
        ("thank you for calling how can i help you", "awb"),
        ("the price of the package seems fair to me", "kal"),
        ("could you read me the account number again", "rms"),
        ("is there anything else i can help with", "awb"),
        # Spotted as "sue" and "complaint" before the spots had to sound almost alike.
        ("i work from home and i've lost two days of work", "rms"),
        ("okay that makes sense, thank you for explaining", "rms"),
    ]
    for line, voice in lines:
        assert recognizer.recognize(speak(line, voice)).spotted == (), line


def test_same_audio_same_result_whatever_came_before(speak) -> None:
    recognizer = SphinxRecognizer(keywords=ALERT_KEYWORDS)
    first = speak("my broadband has been down since friday", "kal")
    clean = np.frombuffer(speak("i will call my attorney about this", "slt"), dtype="<i2").astype(np.float64)
    noise = np.random.default_rng(1).normal(0, 3000, clean.size)
    noisy = np.clip(clean + noise, -32768, 32767).astype("<i2").tobytes()
    other = speak("can i speak to your supervisor please", "awb")
    before = recognizer.recognize(first)
    recognizer.recognize(noisy)
    recognizer.recognize(other)
    assert recognizer.recognize(first) == before
    assert SphinxRecognizer(keywords=ALERT_KEYWORDS).recognize(first) == before


def test_create_engine_passes_the_alert_keywords_down(speak) -> None:
    engine = create_engine(IngestSettings(asr="sphinx"), ("unacceptable",))
    assert isinstance(engine, SphinxRecognizer)
    assert [w.word for w in engine.recognize(speak("this is totally unacceptable", "kal")).spotted] == [
        "unacceptable"
    ]


def test_decodes_telephone_audio_at_its_own_8khz(speak) -> None:
    recognizer = SphinxRecognizer(samprate=8000, nfft=256, upperf=3800)
    assert recognizer._decoder().config["samprate"] == 8000
    result = recognizer.recognize(speak("can i speak to your supervisor please", "awb"))
    assert "supervisor" in result.text.split()


# ---------------------------------------------------------------- pure parts


class Dictionary:
    PHONES: ClassVar[dict[str, str]] = {
        "cancel": "K AE N S AH L",
        "candle": "K AE N D AH L",
        "can": "K AE N",
        "check": "CH EH K",
        "the": "DH AH",
        "unacceptable": "AH N AE K S EH P T AH B AH L",
        "on": "AA N",
        "acceptable": "AE K S EH P T AH B AH L",
        "sue": "S UW",
        "sued": "S UW D",
        "suing": "S UW IH NG",
        "attorney": "AH T ER N IY",
    }

    def lookup_word(self, word: str) -> str | None:
        return self.PHONES.get(word)

    def phones(self, word: str) -> list[str]:
        return (self.lookup_word(word) or "").split()


def test_a_spot_needs_the_language_model_words_to_sound_like_it() -> None:
    d = Dictionary()
    split = [Heard("the", 0, 10), Heard("on", 11, 30), Heard("acceptable", 31, 90)]
    assert confirmed_spots([Heard("unacceptable", 12, 88)], split, d.phones) == [("unacceptable", 0.917)]
    # One phone in six different is already too far: such spots ("manager" over
    # "managed") were false in the end-to-end calibration run.
    candle = [Heard("the", 0, 10), Heard("candle", 11, 60)]
    assert confirmed_spots([Heard("cancel", 12, 58)], candle, d.phones) == []
    can_check = [Heard("can", 0, 20), Heard("check", 21, 50)]
    assert confirmed_spots([Heard("cancel", 0, 45)], can_check, d.phones) == []
    elsewhere = [Heard("cancel", 200, 260)]
    assert confirmed_spots([Heard("cancel", 0, 45)], elsewhere, d.phones) == []


def test_thresholds_and_which_phrases_can_be_spotted() -> None:
    assert keyphrase_threshold(4) > keyphrase_threshold(6) > keyphrase_threshold(12) >= 1e-50
    phrases = keyphrases(Dictionary(), ["Cancel", "sue", "attorney", "zzyzx", "cancel"])
    # "sue" is too short, but "suing" is not ("sued" is); "zzyzx" is unknown.
    assert [p.phrase for p in phrases] == ["cancel", "suing", "attorney"]


def test_a_short_keyword_is_not_confirmed_by_part_of_a_longer_word() -> None:
    phones = {"court": "K AO R T", "for": "F AO R", "twenty": "T W EH N T IY"}

    def phones_of(word: str) -> list[str]:
        return phones.get(word, "").split()

    said = [Heard("for", 0, 20), Heard("twenty", 21, 60)]
    assert confirmed_spots([Heard("court", 5, 40)], said, phones_of) == []
