"""The shared helpers themselves: waits that fail loudly, servers that answer, factories."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import psycopg
import pytest

from ingest.audio.resample import resample_pcm16
from tests.support.audio import dominant_frequency, silence, voiced_tone, write_stereo_wav
from tests.support.factories import make_segment
from tests.support.postgres import PostgresServer
from tests.support.servers import RedisServer
from tests.support.waiting import wait_until, wait_until_sync


async def test_wait_until_returns_the_first_truthy_value_of_a_plain_or_async_condition() -> None:
    calls = []

    def plain() -> list[int]:
        calls.append(1)
        return calls if len(calls) >= 3 else []

    assert await wait_until(plain, interval=0) == [1, 1, 1]

    async def coroutine() -> str:
        await asyncio.sleep(0)
        return "ready"

    assert await wait_until(coroutine) == "ready"


async def test_wait_until_names_what_it_waited_for_when_it_gives_up() -> None:
    with pytest.raises(AssertionError, match="the row to appear"):
        await wait_until(lambda: None, timeout=0.05, message="the row to appear")
    with pytest.raises(AssertionError, match="the port"):
        wait_until_sync(lambda: 0, timeout=0.05, message="the port")


def test_redis_server_restarts_on_the_same_port_and_flushes(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    server.start()
    try:
        port = server.port
        server.flush()
        server.kill()
        assert not server.answers_ping()
        server.start()
        assert server.port == port and server.answers_ping()
    finally:
        server.kill()


def test_pitch_survives_resampling_to_the_recognizers_rate() -> None:
    for pitch in (150.0, 250.0, 400.0):
        pcm = silence(0.2) + voiced_tone(pitch, 0.8) + silence(0.6)
        assert dominant_frequency(resample_pcm16(pcm, 8000, 16000), 16000) == pytest.approx(pitch, abs=2)


def test_stereo_wav_pads_the_shorter_track(tmp_path: Path) -> None:
    path = write_stereo_wav(tmp_path / "call.wav", voiced_tone(200, 1.0), voiced_tone(300, 0.5), 8000)
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getnframes()) == (2, 8000, 8000)


def test_segment_label_follows_the_score_unless_given() -> None:
    assert make_segment(sentiment_score=-0.6).sentiment_label == "negative"
    assert make_segment(sentiment_score=-0.6, sentiment_label="neutral").sentiment_label == "neutral"
    assert make_segment().sentiment_label == "neutral"


def test_postgres_server_hands_out_separate_empty_databases(postgres_server: PostgresServer) -> None:
    first, second = postgres_server.create_database(), postgres_server.create_database()
    assert first != second
    with psycopg.connect(first, autocommit=True) as conn:
        conn.execute("CREATE TABLE only_here (x INTEGER)")
    with psycopg.connect(second, autocommit=True) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'").fetchone()
    assert tables == (0,)
    postgres_server.drop_database(first)
    postgres_server.drop_database(second)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(first, connect_timeout=5).close()
