"""A speech-to-text process that dies (a crash inside the engine, the OOM killer)
costs no transcript: the pool is started again and the utterance tried again."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from ingest.asr.sphinx import SphinxRecognizer
from ingest.audio.segmenter import SpeechSpan
from ingest.pipeline.recognition import RecognitionPool, TimedRecognition
from ingest.settings import IngestSettings
from simulator.speech import speak
from tests.support.waiting import wait_until


def _utterance(text: str) -> SpeechSpan:
    pcm = speak(text, "caller")  # 8 kHz telephone audio
    return SpeechSpan(0.0, len(pcm) / 16000, pcm, 8000, len(pcm) / 16000)


async def test_a_killed_recognizer_process_is_replaced_and_the_utterance_recognised(tmp_path: Path) -> None:
    settings = IngestSettings(db_path=tmp_path / "calls.db", asr="sphinx", asr_threads=1)
    pool = RecognitionPool(SphinxRecognizer(), settings)
    try:
        await pool.warm_up()
        before = await pool.recognize(_utterance("i want to cancel my account"))
        assert "cancel" in before.recognition.text

        # Kill the recognizer process between utterances, as the OOM killer would.
        processes = list(pool._executor._processes)  # type: ignore[attr-defined]  # ProcessPoolExecutor internals
        assert len(processes) == 1
        os.kill(processes[0], signal.SIGKILL)

        after = await pool.recognize(_utterance("i want to cancel my account"))
        assert isinstance(after, TimedRecognition)
        assert after.recognition.text == before.recognition.text
        assert pool.pool_restarts == 1

        # And while it is working on one: that utterance is recognised all the same.
        long_line = _utterance("this is the third time i have called about my bill and nobody helps " * 3)
        during = pool.recognize(long_line)
        await wait_until(lambda: pool.stats().in_flight == 1, timeout=30, message="the utterance in flight")
        for pid in list(pool._executor._processes):  # type: ignore[attr-defined]
            os.kill(pid, signal.SIGKILL)
        assert "nobody helps" in (await during).recognition.text
        assert pool.pool_restarts == 2
    finally:
        pool.close()
