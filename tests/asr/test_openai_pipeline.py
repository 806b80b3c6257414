"""The remote engine inside a real worker: AudioSocket in, stored segment out,
and a worker that cannot reach its speech-to-text server refuses to start."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from fake_openai_asr import FakeTranscriptionServer

from app.worker import IngestWorker
from ingest.adapters.audiosocket_frames import FrameKind
from ingest.events import TranscriptSegment
from ingest.settings import IngestSettings
from simulator.audiosocket_dialer import AudioSocketDialer
from tests.support.replay import UNPACED

REPO = Path(__file__).resolve().parents[2]
WAIT_LIMIT = 120.0  # guards against a hung test only


def silence(seconds: float, rate: int) -> bytes:
    return bytes(int(seconds * rate) * 2)


async def segments_when_ended(worker: IngestWorker, call_id: str) -> list[TranscriptSegment]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_LIMIT
    while loop.time() < deadline:
        summary = await worker.store.get_call(call_id)
        if summary is not None and summary.status == "ended":
            return await worker.store.list_segments(call_id)
        await asyncio.sleep(0.1)
    raise AssertionError(f"call {call_id} did not end")


async def test_utterance_becomes_a_stored_segment_through_the_remote_engine(
    fake_asr: FakeTranscriptionServer, speak: Callable[..., bytes], tmp_path: Path
) -> None:
    settings = IngestSettings(
        db_path=tmp_path / "callmon.db",
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
        asr="openai",
        asr_threads=2,
        openai_asr_url=fake_asr.url,
        openai_asr_api_key="test-key",
        openai_asr_concurrency=2,
        openai_asr_prompt="cancel, supervisor",
        **UNPACED,  # the utterance is sent in one go
    )
    call_id = str(uuid.uuid4())
    async with IngestWorker(settings, alerts_enabled=False) as worker:
        dialer = AudioSocketDialer()
        await dialer.connect("127.0.0.1", worker.audiosocket_port, call_id)
        speech = speak("i want to cancel my account right now", rate=8000)
        await dialer.send_audio(silence(0.3, 8000) + speech + silence(1.2, 8000), kind=FrameKind.SLIN_8K)
        await dialer.hangup()
        segments = await segments_when_ended(worker, call_id)
        await dialer.close()

    cancel = [s for s in segments if "cancel" in s.text.split()]
    assert cancel, [s.text for s in segments]
    assert cancel[0].engine == "openai"
    assert cancel[0].language == "en"
    assert 0.0 < cancel[0].confidence <= 1.0
    assert "cancel" in cancel[0].keywords
    uploads = [r for r in fake_asr.requests if len(r.pcm) > 16000]  # the warm-up upload is 0.1 s
    # The configured prompt, then the alert keywords the worker boosts.
    assert uploads and all(
        r.sample_rate == 16000 and (r.field("prompt") or "").startswith("cancel, supervisor ")
        for r in uploads
    )
    assert "ombudsman" in (uploads[0].field("prompt") or "")


def test_ingest_command_refuses_to_start_without_its_speech_to_text_server(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # closed when the block ends: nothing listens there
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CALLMON_ASR": "openai",
        "CALLMON_OPENAI_ASR_URL": f"http://127.0.0.1:{port}/v1",
        "CALLMON_DB_PATH": str(tmp_path / "callmon.db"),
        "CALLMON_AUDIOSOCKET_HOST": "127.0.0.1",
        "CALLMON_AUDIOSOCKET_PORT": "0",
        "CALLMON_HTTP_HOST": "127.0.0.1",
        "CALLMON_HTTP_PORT": "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "ingest"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot start the worker: cannot reach the speech-to-text server" in done.stderr
    assert "CALLMON_OPENAI_ASR_URL" in done.stderr
