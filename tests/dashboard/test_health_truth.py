"""Health that tells the truth: the worker's recognition backlog and latency in
its /healthz, amber and red at documented thresholds, and the dashboard's probe
repeating the worker's verdict (in-process and over HTTP) instead of "it answered"."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from alerts.config import AlertSettings
from app.worker import IngestWorker, dashboard_services_for
from dashboard.health import HealthMonitor, ProbeReport, ingest_report, level_of
from dashboard.services import open_standalone
from dashboard.settings import DashboardSettings
from ingest.adapters.recordings import inspect_recording, recording_events
from ingest.audio.resample import ASR_RATE
from ingest.audio.segmenter import SpeechSpan
from ingest.events import CallStarted
from ingest.pipeline.recognition import (
    BacklogSnapshot,
    BacklogThresholds,
    RecognitionBacklog,
    backlog_level,
)
from ingest.settings import IngestSettings
from tests.support.audio import write_call_recording


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backlog_counts_queued_audio_oldest_wait_and_latency_p95() -> None:
    clock = Clock()
    backlog = RecognitionBacklog(clock)
    first = backlog.submitted(3.0)
    clock.now += 4
    backlog.submitted(2.5)
    clock.now += 1
    snap = backlog.snapshot()
    assert (snap.queued_utterances, snap.queued_audio_s, snap.oldest_waiting_s) == (2, 5.5, 5.0)
    assert snap.latency_p95_s is None and snap.latency_samples == 0
    backlog.finished(first)
    assert backlog.snapshot().oldest_waiting_s == 1.0
    for n in range(20):  # latencies 1..20 s: the p95 (nearest rank) is 19 s
        backlog.stored(clock.now - (n + 1), clock.now)
    assert backlog.snapshot().latency_p95_s == 19.0
    clock.now += 61  # older than the last minute: forgotten
    assert backlog.snapshot().latency_p95_s is None


@pytest.mark.parametrize(
    ("snapshot", "level", "words"),
    [
        (BacklogSnapshot(0, 0.0, 0.0, None, 0), "ok", []),
        (BacklogSnapshot(1, 2.0, 1.0, 5.0, 9), "ok", []),  # at the threshold is still fine
        (BacklogSnapshot(1, 2.0, 1.0, 40.0, 9), "red", ["40 s behind"]),
        (BacklogSnapshot(3, 12.0, 11.0, 6.0, 9), "amber", ["6 s behind", "waited 11 s"]),
        (BacklogSnapshot(30, 150.0, 12.0, 2.0, 9), "red", ["waited 12 s", "150 s of speech queued"]),
    ],
)
def test_backlog_levels_follow_the_documented_thresholds(
    snapshot: BacklogSnapshot, level: str, words: list[str]
) -> None:
    found, reasons = backlog_level(snapshot, BacklogThresholds())
    assert found == level
    assert len(reasons) == len(words) and all(w in r for w, r in zip(words, reasons, strict=True))


def test_ingest_report_repeats_the_workers_verdict() -> None:
    ok = ingest_report({"status": "ok", "active_calls": 3, "recognition": {"queued_audio_s": 0}})
    assert ok.state == "ok" and ok.details["active_calls"] == 3
    amber = ingest_report({"status": "amber", "problems": ["transcripts 40 s behind"], "active_calls": 1})
    assert amber.state == "amber: transcripts 40 s behind" and level_of(amber.state) == "amber"
    assert level_of(ingest_report({"status": "red"}).state) == "red"
    for body in ({}, {"status": "fine"}, {"status": None}):
        assert level_of(ingest_report(body).state) == "down"


async def test_monitor_level_is_the_worst_component() -> None:
    states = {"ingest": "ok", "bus": "ok"}

    def probe(name: str):
        async def run() -> str | ProbeReport:
            return states[name]

        return run

    monitor = HealthMonitor({name: probe(name) for name in states})
    await monitor.check()
    assert monitor.level == "ok" and monitor.ok
    states["ingest"] = "amber: transcripts 9 s behind"
    await monitor.check()
    assert monitor.level == "amber" and not monitor.ok
    assert monitor.snapshot()["status"] == "degraded"
    states["bus"] = "down: no answer"
    await monitor.check()
    assert monitor.level == "down"


@pytest.fixture
async def busy_worker(tmp_path: Path):
    """A real worker (sphinx, HTTP on a free port) that has recognised and stored a
    recorded call, with one more call still live; any lag at all counts as amber."""
    recording = tmp_path / "calm.wav"
    await asyncio.to_thread(write_call_recording, recording, "calm_billing")
    settings = IngestSettings(
        db_path=tmp_path / "callmon.db", audiosocket_host="127.0.0.1", audiosocket_port=0,
        http_host="127.0.0.1", http_port=0, asr="sphinx", asr_threads=2,
    )  # fmt: skip
    thresholds = BacklogThresholds(latency_p95_amber_s=0.0, latency_p95_red_s=1e6)
    async with IngestWorker(settings, health_thresholds=thresholds) as worker:
        for event in recording_events(inspect_recording(recording)):
            worker.pipeline.submit(event)
            await asyncio.sleep(0)
        await worker.pipeline.drain()
        worker.pipeline.submit(CallStarted("still-live", "simulated"))
        for _ in range(200):
            if "still-live" in worker.pipeline.active_call_ids:
                break
            await asyncio.sleep(0.05)
        yield worker


async def test_worker_health_reports_backlog_latency_and_active_calls(busy_worker: IngestWorker) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{busy_worker.http_port}", timeout=10) as client:
        body = (await client.get("/healthz")).json()
    assert body["status"] == "amber"
    assert any("behind the speech" in p for p in body["problems"])
    recognition = body["recognition"]
    assert recognition["latency_samples"] > 0 and recognition["latency_p95_s"] > 0
    assert recognition["queued_utterances"] == 0 and recognition["queued_audio_s"] == 0
    assert recognition["thresholds"]["latency_p95_amber_s"] == 0.0  # the thresholds in use are shown
    assert body["active_calls"] == 1
    # While an utterance is with the engine it is queued audio with an age.
    pool = busy_worker.pipeline.services.pool
    assert pool is not None
    future = pool.recognize(SpeechSpan(0.0, 1.5, bytes(int(ASR_RATE * 1.5) * 2), ASR_RATE, 1.5))
    queued = busy_worker.health()["recognition"]
    assert queued["queued_utterances"] == 1 and queued["queued_audio_s"] == 1.5
    await future
    assert busy_worker.health()["recognition"]["queued_utterances"] == 0


async def test_dashboard_probe_reads_the_workers_status(busy_worker: IngestWorker, tmp_path: Path) -> None:
    standalone = await open_standalone(
        DashboardSettings(
            secret="s", ingest_url=f"http://127.0.0.1:{busy_worker.http_port}", sessions_path=tmp_path / "s1"
        ),
        tmp_path / "callmon.db", redis_url=None, alert_settings=AlertSettings(),
    )  # fmt: skip
    shared = await dashboard_services_for(
        busy_worker, DashboardSettings(secret="s", sessions_path=tmp_path / "s2")
    )
    try:
        for services in (standalone, shared):
            await services.health.check()
            state = services.health.components["ingest"]
            assert state.startswith("amber: transcripts") and "behind the speech" in state
            assert services.health.level == "amber"
            snapshot = services.health.snapshot()
            assert (
                snapshot["details"]["ingest"]["active_calls"]
                == 1
                == len(busy_worker.pipeline.active_call_ids)
            )
    finally:
        await standalone.close()
        await shared.close()
