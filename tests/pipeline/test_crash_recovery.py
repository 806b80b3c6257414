"""kill -9 under a recognition backlog loses nothing and leaves no ghost calls.

The worker runs in its own process (tests/pipeline/crash_worker.py) with a
slow speech-to-text stand-in, takes a call over a real AudioSocket connection
and is killed with SIGKILL while utterances wait for recognition. A new worker
on the same database must store every utterance and mark the call interrupted.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from app.worker import IngestWorker, spool_directory
from bench.crash_worker import LINES, SlowNumberedRecognizer, call_audio, crash_settings
from ingest.adapters.audiosocket_frames import FrameKind, encode_frame
from ingest.events import AudioReceived, CallStarted
from ingest.pipeline.recovery import INTERRUPTED
from simulator.speech import speak

ROOT = Path(__file__).resolve().parents[2]
FRAME_BYTES = 320  # 20 ms of 8 kHz slin


def _wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _start_worker(db_path: Path, *options: str) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.crash_worker", str(db_path), *options],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("READY "), f"worker did not start: {line!r}"
    return process, int(line.split()[1])


def _send_call(port: int, call_id: uuid.UUID, audio: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(encode_frame(FrameKind.UUID, call_id.bytes))
        frames = [
            encode_frame(FrameKind.SLIN_8K, audio[i : i + FRAME_BYTES])
            for i in range(0, len(audio), FRAME_BYTES)
        ]
        connection.sendall(b"".join(frames))
        # Hold the line open: the call is live when the worker dies.
        time.sleep(0.5)


def _segments(db_path: Path, call_id: str) -> list[tuple[float, str]]:
    with sqlite3.connect(db_path) as db:
        return db.execute(
            "SELECT start, text FROM segments WHERE call_id = ? ORDER BY start", (call_id,)
        ).fetchall()


@pytest.mark.timeout(120)
async def test_kill_9_with_a_backlog_loses_no_utterance(tmp_path: Path) -> None:
    await _stop_with_backlog_then_recover(tmp_path, signal.SIGKILL, "0.5")


@pytest.mark.timeout(120)
async def test_sigterm_drains_for_a_bounded_time_then_leaves_the_rest_spooled(tmp_path: Path) -> None:
    """Recognition takes 3 s an utterance; SIGTERM may wait 1 s: the worker exits
    long before the backlog is done, and the next start stores the rest."""
    started = time.monotonic()
    await _stop_with_backlog_then_recover(tmp_path, signal.SIGTERM, "3", "1")
    assert time.monotonic() - started < 3 * len(LINES)


async def _stop_with_backlog_then_recover(tmp_path: Path, how: signal.Signals, *options: str) -> None:
    db_path = tmp_path / "calls.db"
    spool = spool_directory(crash_settings(db_path))
    audio = await asyncio.to_thread(call_audio)
    process, port = _start_worker(db_path, *options)
    call_id = uuid.uuid4()
    try:
        sender = asyncio.create_task(asyncio.to_thread(_send_call, port, call_id, audio))

        # Utterances are spooled as they are cut; the slow engine lets them pile up.
        # Kill once every line has been cut and at least two wait for recognition.
        def backlog() -> bool:
            waiting = len(list(spool.glob("*.utt")))
            return waiting >= 2 and waiting + len(_segments(db_path, str(call_id))) == len(LINES)

        await asyncio.to_thread(_wait_until, backlog, 30, "every line cut, two waiting")
        process.send_signal(how)
        process.wait(timeout=15)
        await sender
    finally:
        if process.poll() is None:
            process.kill()
    stored_before = _segments(db_path, str(call_id))
    spooled = len(list(spool.glob("*.utt")))
    assert spooled >= 2, "the kill came too late to test anything"
    assert len(stored_before) < len(LINES)

    settings = crash_settings(db_path)
    async with IngestWorker(
        settings, engine=SlowNumberedRecognizer(0.0), alerts_enabled=False, listen=False
    ) as worker:
        call = await worker.store.get_call(str(call_id))
    stored_after = _segments(db_path, str(call_id))
    assert len(stored_after) == len(stored_before) + spooled
    assert len(stored_after) == len(LINES), "every spoken line is stored once"
    assert [start for start, _ in stored_after] == sorted(start for start, _ in stored_after)
    assert not list(spool.glob("*.utt")), "the spool is empty once segments are committed"
    assert call is not None and call.status == "ended"
    with sqlite3.connect(db_path) as db:
        (reason, duration) = db.execute(
            "SELECT end_reason, duration FROM calls WHERE id = ?", (str(call_id),)
        ).fetchone()
    assert reason == INTERRUPTED
    # Duration runs to the last stored audio, not to the restart.
    assert 0 < duration <= len(audio) / 16000 + 1


@pytest.mark.timeout(120)
def test_recognizer_processes_die_with_a_killed_worker(tmp_path: Path) -> None:
    """pocketsphinx runs in worker processes: they must not outlive a kill -9 of their parent."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CALLMON_ASR": "sphinx", "CALLMON_ASR_THREADS": "2"}
    command = [
        sys.executable, "-m", "app.cli", "ingest", "--db", str(tmp_path / "calls.db"),
        "--audiosocket-port", "0", "--http-port", "0",
    ]  # fmt: skip
    parent = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert parent.stdout is not None
        _wait_until(lambda: len(_children(parent.pid)) >= 2, 60, "the recognizer processes")
        children = _children(parent.pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        _wait_until(lambda: not any(_alive(pid) for pid in children), 15, "orphaned recognizers to exit")
    finally:
        if parent.poll() is None:
            parent.kill()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 (after the parenthesised command name) is the parent pid.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_an_utterance_both_stored_and_spooled_is_stored_once(tmp_path: Path) -> None:
    """A kill between a segment's commit and its spool file's removal."""
    db_path = tmp_path / "calls.db"
    settings = crash_settings(db_path)
    audio = speak(LINES[0], "caller")
    async with IngestWorker(
        settings, engine=SlowNumberedRecognizer(0.0), alerts_enabled=False, listen=False
    ) as worker:
        worker.pipeline.submit(CallStarted("call-1", "audiosocket"))
        worker.pipeline.submit(AudioReceived("call-1", "caller", audio + bytes(16000), 8000, 0.0))
        spool = worker.spool
        assert spool is not None
        # Keep a copy of the utterance's spool file as the kill would have left it.
        kept: list[bytes] = []
        original_remove = spool.remove

        def remove_but_keep(path: Path) -> None:
            kept.append(path.read_bytes())
            original_remove(path)

        spool.remove = remove_but_keep  # type: ignore[method-assign]
        while not kept:
            await asyncio.sleep(0.02)
    (spool_directory(settings) / "left-by-the-kill.utt").write_bytes(kept[0])
    async with IngestWorker(settings, engine=SlowNumberedRecognizer(0.0), alerts_enabled=False, listen=False):
        pass
    assert len(_segments(db_path, "call-1")) == 1
    assert not list(spool_directory(settings).glob("*.utt"))
