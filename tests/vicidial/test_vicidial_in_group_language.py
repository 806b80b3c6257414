"""An in-group that ViciDial enrichment learns mid-call sets the language of the
utterances recognised afterwards (CALLMON_INGROUP_LANGUAGES).

Real MariaDB with ViciDial's tables, the real sphinx engine (English only),
real speech: English before the in-group is known is transcribed; Spanish
after it is known as SPANISH_LINE (mapped to es) is stored "not transcribed:
no model for es", with no text, no score and no alert, never English garbage.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import wave
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from vicidial_testkit import MariaDB, free_port
from vicidial_writes import ViciDialWrites

from app.worker import ComponentSettings, IngestWorker
from ingest.audio.resample import resample_pcm16
from ingest.events import AudioReceived, CallEnded, CallStarted
from ingest.settings import IngestSettings
from simulator.speech import speak
from vicidial import encode_call_uuid

RATE = 8000
CHUNK_S = 0.02
WAIT_LIMIT = 120.0  # guards against a hung test only


@pytest.fixture(scope="module")
def mariadb(mariadb_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    """A server of this module's own: the test moves a live agent."""
    root = tmp_path_factory.mktemp("vdlang")
    shutil.copytree(mariadb_template, root / "data")
    server = MariaDB(root / "data", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def writes(mariadb: MariaDB) -> AsyncIterator[ViciDialWrites]:
    admin = mariadb.admin()
    yield ViciDialWrites(admin)
    admin.close()


def spanish_speech(text: str, tmp: Path) -> bytes:
    out = tmp / "spanish.wav"
    subprocess.run(["espeak-ng", "-v", "es", "-w", str(out), text], check=True, timeout=60)
    with wave.open(str(out), "rb") as wav:
        return resample_pcm16(wav.readframes(wav.getnframes()), wav.getframerate(), RATE)


class Feeder:
    """Feeds one caller leg on a continuous audio clock."""

    def __init__(self, worker: IngestWorker, call_id: str) -> None:
        self.worker, self.call_id, self.clock = worker, call_id, 0.0

    def say(self, pcm: bytes) -> None:
        step = int(CHUNK_S * RATE) * 2
        for offset in range(0, len(pcm), step):
            chunk = pcm[offset : offset + step]
            self.worker.sink.submit(AudioReceived(self.call_id, "caller", chunk, RATE, self.clock))
            self.clock += len(chunk) / 2 / RATE


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_LIMIT
    while loop.time() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_an_in_group_learned_mid_call_sets_the_language_of_later_utterances(
    mariadb: MariaDB, writes: ViciDialWrites, tmp_path: Path
) -> None:
    uniqueid = "1716940000.9100"
    call_id = encode_call_uuid(uniqueid)
    settings = IngestSettings(
        db_path=tmp_path / "callmon.db",
        asr="sphinx",
        asr_threads=1,
        ingroup_languages="SPANISH_LINE:es",
    )
    components = ComponentSettings(vicidial=mariadb.settings(retry_delays=(0.2,) * 600))
    silence = bytes(int(0.8 * RATE) * 2)
    english = speak("i want to speak to your supervisor", "caller")
    spanish = spanish_speech("voy a llamar a mi abogado, esto es inaceptable", tmp_path)

    async with IngestWorker(settings, components, listen=False) as worker:
        worker.sink.submit(CallStarted(call_id, "audiosocket"))
        leg = Feeder(worker, call_id)
        leg.say(silence + english + silence)

        async def english_stored() -> bool:
            return any(s.transcribed for s in await worker.store.list_segments(call_id))

        await until(english_stored, "the English utterance")
        assert worker.pipeline.language_of(call_id) == "en"  # the default: nothing says otherwise yet

        # ViciDial logs the call in its in-group; the enricher's next look-up finds it.
        closecallid = writes.queue_inbound(uniqueid, 100900, "SPANISH_LINE", "3125550190", datetime.now())
        writes.pick_up(closecallid, "6003", 3, uniqueid, 100900)

        async def spanish_known() -> bool:
            return worker.pipeline.language_of(call_id) == "es"

        await until(spanish_known, "the in-group's language")
        switched_at = leg.clock
        leg.say(spanish + silence)
        worker.sink.submit(CallEnded(call_id, "hangup"))

        async def ended() -> bool:
            summary = await worker.store.get_call(call_id)
            return summary is not None and summary.status == "ended"

        await until(ended, "the call's end")
        segments = await worker.store.list_segments(call_id)
        summary = await worker.store.get_call(call_id)
        assert worker.alerts is not None
        alerts = await worker.alerts.store.list_alerts(call_id=call_id)

    assert summary is not None and summary.in_group == "SPANISH_LINE"
    # (The segmenter pads an utterance's start with a little of the silence before it.)
    before = [s for s in segments if s.end <= switched_at]
    after = [s for s in segments if s.end > switched_at]
    assert before and all(s.transcribed and s.language == "en" for s in before)
    assert after, "the Spanish speech must be stored, so the supervisor sees why it has no text"
    for segment in after:
        assert (segment.text, segment.not_transcribed, segment.language) == ("", "no model for es", "es")
        assert segment.sentiment_label == "none" and segment.keywords == ()
    # "abogado"/"inaceptable" heard as English garbage would have raised alerts of their own.
    # (No agent spoke, so the disclosure alert comes at the end, with no text.)
    heard = {segment.text for segment in before}
    assert all(alert.text in heard or alert.rules == ("missing_disclosure",) for alert in alerts)
