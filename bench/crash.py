"""kill -9 at random moments under load: utterances lost and calls left active.

Each round starts a real worker process (bench/crash_worker.py: the real
worker, speech-to-text replaced by a slow stand-in that gives every utterance
words, so a lost utterance cannot hide as "no words"), dials several
AudioSocket calls that speak six lines each at twice real time, kills the
worker with SIGKILL at a random moment, restarts a worker on the same
database and counts:

- accepted: utterances the worker had cut before it died (segments stored +
  utterances in the spool, counted once when a kill fell between a segment's
  commit and its spool file's removal), the audio callmon had taken
  responsibility for;
- lost: accepted utterances with no stored segment after the restart (goal 0);
- active after restart: calls still `active` once the new worker is up (goal 0).

    python -m bench.crash [--rounds 10] [--calls 6] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from app.worker import IngestWorker, spool_directory
from bench.crash_worker import SlowNumberedRecognizer, call_audio, crash_settings
from ingest.adapters.audiosocket_frames import FrameKind, encode_frame
from ingest.pipeline.spool import read_spooled

ROOT = Path(__file__).resolve().parents[1]
FRAME_BYTES = 320
PACE = 2.0  # times real time


def _dial(port: int, call_id: uuid.UUID, audio: bytes, stop: threading.Event) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(encode_frame(FrameKind.UUID, call_id.bytes))
            for offset in range(0, len(audio), FRAME_BYTES * 10):
                if stop.is_set():
                    return
                chunk = audio[offset : offset + FRAME_BYTES * 10]
                frames = (
                    encode_frame(FrameKind.SLIN_8K, chunk[i : i + FRAME_BYTES])
                    for i in range(0, len(chunk), FRAME_BYTES)
                )
                connection.sendall(b"".join(frames))
                time.sleep(0.2 / PACE)
            connection.sendall(encode_frame(FrameKind.HANGUP))
    except OSError:
        pass  # the worker was killed mid-call: that is the point


def _segment_keys(db_path: Path) -> set[tuple[str, str, float]]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT call_id, speaker, start FROM segments").fetchall()
    return {(call_id, speaker, round(start, 3)) for call_id, speaker, start in rows}


def _count(db_path: Path, sql: str) -> int:
    with sqlite3.connect(db_path) as db:
        return int(db.execute(sql).fetchone()[0])


async def one_round(round_number: int, calls: int, rng: random.Random, audio: bytes) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "calls.db"
        spool = spool_directory(crash_settings(db_path))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.crash_worker", str(db_path), "0.25"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        port = int(process.stdout.readline().split()[1])
        stop = threading.Event()
        dialers = [
            threading.Thread(target=_dial, args=(port, uuid.uuid4(), audio, stop), daemon=True)
            for _ in range(calls)
        ]
        for dialer in dialers:
            dialer.start()
        kill_after = rng.uniform(1.0, len(audio) / 16000 / PACE + 2.0)
        await asyncio.sleep(kill_after)
        process.send_signal(signal.SIGKILL)
        process.wait()
        stop.set()
        stored_keys = _segment_keys(db_path)
        spooled_keys = {
            (item.call_id, item.speaker, round(item.span.start, 3))
            for item in map(read_spooled, spool.glob("*.utt"))
        }
        # A kill between a commit and its spool file's removal leaves both: one utterance.
        stored, spooled = len(stored_keys), len(spooled_keys - stored_keys)
        restarted = time.monotonic()
        async with IngestWorker(
            crash_settings(db_path), engine=SlowNumberedRecognizer(0.0), alerts_enabled=False, listen=False
        ):
            recovery_s = time.monotonic() - restarted
            active = _count(db_path, "SELECT COUNT(*) FROM calls WHERE status = 'active'")
        after = _count(db_path, "SELECT COUNT(*) FROM segments")
        accepted = stored + spooled
        result = {
            "kill_at_s": kill_after,
            "accepted": accepted,
            "spooled_at_kill": spooled,
            "lost": max(0, accepted - after),
            "duplicated": max(0, after - accepted),
            "active_after_restart": active,
            "recovery_s": recovery_s,
        }
        print(
            f"round {round_number:2d}: kill at {kill_after:4.1f} s, accepted {accepted:3d} utterances "
            f"({spooled} spooled), lost {result['lost']}, duplicated {result['duplicated']}, "
            f"active after restart {active}, recovery {recovery_s:.2f} s",
            flush=True,
        )
        return result


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=6, help="concurrent calls per round")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    audio = call_audio()
    results = [await one_round(n + 1, args.calls, rng, audio) for n in range(args.rounds)]
    total = {
        key: sum(r[key] for r in results) for key in ("accepted", "spooled_at_kill", "lost", "duplicated")
    }
    active = sum(r["active_after_restart"] for r in results)
    print(
        f"\n{args.rounds} rounds x {args.calls} calls: accepted {total['accepted']:.0f} utterances "
        f"({total['spooled_at_kill']:.0f} in the spool at the kill), lost {total['lost']:.0f} (goal 0), "
        f"duplicated {total['duplicated']:.0f}, calls active after restart {active:.0f} (goal 0)"
    )


if __name__ == "__main__":
    asyncio.run(main())
