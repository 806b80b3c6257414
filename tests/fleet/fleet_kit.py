"""Real worker processes and live AudioSocket calls for the fleet tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from ingest.adapters.audiosocket_frames import FrameKind, encode_frame
from tests.support.audio import silence, voiced_tone

ROOT = Path(__file__).resolve().parents[2]
FRAME_BYTES = 320  # 20 ms of 8 kHz slin


@dataclass
class WorkerProcess:
    worker_id: str
    process: asyncio.subprocess.Process
    audiosocket_port: int
    http_port: int

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 60)


async def start_worker(db_path: Path, redis_url: str, worker_id: str, heartbeat_s: float) -> WorkerProcess:
    """`tests.fleet.fleet_worker` on free ports; returns once it accepts calls
    (after its recovery at start)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CALLMON_DB_PATH": str(db_path),
        "REDIS_URL": redis_url,
        "CALLMON_WORKER_ID": worker_id,
        "CALLMON_ACTIVE_CALL_HEARTBEAT_S": str(heartbeat_s),
        "CALLMON_AUDIOSOCKET_PORT": "0",
        "CALLMON_HTTP_PORT": "0",
        "CALLMON_SPOOL_DIR": str(db_path.parent / f"spool-{worker_id}"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fleet.fleet_worker", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
    assert line.startswith("READY "), f"worker {worker_id} did not start: {line!r}"
    _, audiosocket_port, http_port = line.split()
    return WorkerProcess(worker_id, process, int(audiosocket_port), int(http_port))


class LiveCall:
    """An AudioSocket call that keeps talking (a second of voice, a second of
    silence, paced at real time) until it hangs up or its worker dies."""

    def __init__(self, port: int) -> None:
        self.call_id = str(uuid.uuid4())
        self._port = port
        self._task: asyncio.Task[None] | None = None
        self.connection_lost = False

    async def dial(self) -> LiveCall:
        _reader, writer = await asyncio.open_connection("127.0.0.1", self._port)
        writer.write(encode_frame(FrameKind.UUID, uuid.UUID(self.call_id).bytes))
        self._writer = writer
        self._task = asyncio.ensure_future(self._talk(writer))
        return self

    async def _talk(self, writer: asyncio.StreamWriter) -> None:
        audio = voiced_tone(180, 1.0) + silence(1.0)
        chunk = FRAME_BYTES * 10  # 200 ms
        try:
            while True:
                for offset in range(0, len(audio), chunk):
                    block = audio[offset : offset + chunk]
                    writer.write(
                        b"".join(
                            encode_frame(FrameKind.SLIN_8K, block[i : i + FRAME_BYTES])
                            for i in range(0, len(block), FRAME_BYTES)
                        )
                    )
                    await writer.drain()
                    await asyncio.sleep(0.2)  # pacing: real-time audio, not synchronisation
        except (ConnectionError, OSError, RuntimeError):
            # uvloop raises RuntimeError ("the handler is closed") for a write to a
            # transport its peer already closed; asyncio's loop raises ConnectionError.
            self.connection_lost = True

    async def hang_up(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(ConnectionError, OSError):
            self._writer.close()


def call_row(db_path: Path, call_id: str) -> dict[str, object] | None:
    with sqlite3.connect(db_path, timeout=30) as db:
        db.row_factory = sqlite3.Row
        row = db.execute(
            "SELECT status, end_reason, worker_id, started_at, ended_at, duration FROM calls WHERE id = ?",
            (call_id,),
        ).fetchone()
        return None if row is None else dict(row)


def segment_ends(db_path: Path, call_id: str) -> list[float]:
    with sqlite3.connect(db_path, timeout=30) as db:
        return [end for (end,) in db.execute('SELECT "end" FROM segments WHERE call_id = ?', (call_id,))]
