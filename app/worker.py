"""The ingest worker assembled: adapters -> pipeline -> storage, bus, alerts.

`IngestWorker` is an async context manager so the CLI, the tests and the
benchmarks all run exactly the same worker:

    async with IngestWorker(settings) as worker:
        ...  # worker.audiosocket_port, worker.http_port, worker.store, worker.bus
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import uvicorn
from fastapi import APIRouter, FastAPI

from alerts.config import AlertSettings
from alerts.rules import boost_keywords
from alerts.service import AlertService
from app.http_app import build_ingest_app
from app.listen_route import build_listen_router
from chat import ChatService, ChatSettings, ChatStore
from chat.twilio_routes import build_chat_router
from dashboard.health import ProbeReport, ingest_report
from dashboard.recordings import RecordingPolicy
from dashboard.services import DashboardServices, services_sharing_worker
from dashboard.settings import DashboardSettings
from ingest.adapters.audiosocket import AudioSocketServer
from ingest.adapters.twilio_routes import build_twilio_router
from ingest.asr import StreamingRecognizer, UtteranceRecognizer, create_engine
from ingest.bus import Bus, open_bus
from ingest.bus.raw_channels import RawChannels
from ingest.bus.worker_registry import WorkerRegistry
from ingest.events import CallEvent, CallEventSink
from ingest.http_guard import connection_cap, guarded_http_protocol
from ingest.pipeline import CallPipeline, PipelineServices, SegmentTiming
from ingest.pipeline.admission import CallAdmission
from ingest.pipeline.fleet import WorkerFleet, default_worker_id
from ingest.pipeline.listen import ListenTap
from ingest.pipeline.listen_relay import ListenRelay
from ingest.pipeline.recognition import (
    BacklogThresholds,
    RecognitionBacklog,
    RecognitionPool,
    backlog_level,
)
from ingest.pipeline.recovery import recover_after_crash
from ingest.pipeline.spool import UtteranceSpool
from ingest.settings import IngestSettings, SettingsError, unsigned_twilio_problem
from ingest.storage import CallStore
from ingest.storage.listen_audit import ListenAuditStore
from ingest.tasks import spawn
from ingest.translation import (
    LanguageDetector,
    NoTranslator,
    TranslationSettings,
    Translator,
    make_translator,
)
from vicidial.directory import ViciDialDirectory
from vicidial.enricher import CallEnricher
from vicidial.settings import ViciDialSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ComponentSettings:
    """The settings of the components the worker assembles around the pipeline.

    The defaults are the built-in ones (no environment is read here); the CLI
    builds this from the environment in `app.cli.options`."""

    alerts: AlertSettings = field(default_factory=AlertSettings)
    translation: TranslationSettings = field(default_factory=TranslationSettings.defaults)
    chat: ChatSettings = field(default_factory=ChatSettings.defaults)
    vicidial: ViciDialSettings | None = None
    listen_secret: str | None = None
    """The dashboard secret (CALLMON_DASHBOARD_SECRET) that signs listen-in
    tokens; without it the worker refuses every listen."""


class IngestWorker:
    def __init__(
        self,
        settings: IngestSettings,
        components: ComponentSettings | None = None,
        *,
        alerts_enabled: bool = True,
        observer: Callable[[SegmentTiming], None] | None = None,
        listen: bool = True,
        app: FastAPI | None = None,
        engine: UtteranceRecognizer | StreamingRecognizer | None = None,
        tap: Callable[[CallEvent], None] | None = None,
        drain_timeout_s: float = 30.0,
        health_thresholds: BacklogThresholds | None = None,
    ) -> None:
        """`engine` replaces the configured speech-to-text engine and `tap` sees
        every call event before the pipeline does (benchmarks use both).
        `stop()` waits at most `drain_timeout_s` for calls in progress to be
        stored; what is left stays in the spool for the next start.
        `health_thresholds` say when `health()` turns amber or red."""
        self.settings = settings
        self._drain_timeout_s = drain_timeout_s
        self.components = components or ComponentSettings()
        self._alerts_enabled = alerts_enabled
        self._observer = observer
        self._listen = listen
        self._app = app
        self._engine = engine
        self._tap = tap
        self.listen_tap = ListenTap()
        self.listen_secret = self.components.listen_secret
        """Settable after start: `callmon run` passes the dashboard's final secret."""
        self.listen_audit: ListenAuditStore | None = None
        self.listen_relay: ListenRelay | None = None
        """Listen-in across the fleet over Redis (None without Redis)."""
        self.store: CallStore
        self.bus: Bus
        self.pipeline: CallPipeline
        self.alerts: AlertService | None = None
        self.enricher: CallEnricher | None = None
        self.vicidial: ViciDialDirectory | None = None
        self.translator: Translator | None = None
        self.chat: ChatService | None = None
        self.chats: ChatStore | None = None
        self._pool: RecognitionPool | None = None
        self.spool: UtteranceSpool | None = None
        self.backlog = RecognitionBacklog()
        self.health_thresholds = health_thresholds or BacklogThresholds()
        self._audiosocket: AudioSocketServer | None = None
        self._http: uvicorn.Server | None = None
        self._http_task: asyncio.Task[None] | None = None
        self.worker_id = settings.worker_id or default_worker_id(
            settings.audiosocket_port, settings.http_port
        )
        """Owner of the calls this worker receives (several workers share one store)."""
        self.fleet: WorkerFleet | None = None
        """Heartbeat and watcher among the workers on one Redis (None without Redis)."""
        self.admission = CallAdmission(settings.max_calls or None)
        """Which source owns each live call id, and the concurrent-call limit."""
        self.started_at = time.time()

    async def __aenter__(self) -> IngestWorker:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def sink(self) -> CallEventSink:
        """Where adapters deliver: the pipeline, behind the listen-in tap (and the
        caller's tap when there is one)."""
        return _TappedSink(self.pipeline, self._see)

    def _see(self, event: CallEvent) -> None:
        self.listen_tap.feed(event)
        if self._tap is not None:
            self._tap(event)

    def listen_router(self) -> APIRouter:
        """`WS /listen/{call_id}`: live listen-in for supervisors."""
        return build_listen_router(
            self.listen_tap,
            lambda: self.listen_audit,
            lambda: self.listen_secret,
            lambda call_id: call_id in self.pipeline.active_call_ids,
            lambda: self.listen_relay,
        )

    @property
    def audiosocket_port(self) -> int:
        assert self._audiosocket is not None
        return self._audiosocket.port

    @property
    def http_port(self) -> int:
        assert self._http is not None and self._http.servers, "HTTP server not started"
        port: int = self._http.servers[0].sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        """Start everything, or (on any failure: a busy port, a bad database) stop what
        had started and re-raise: nothing is left half-running."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        settings = self.settings
        self.store = await CallStore.open(settings.database)
        self.admission.on_record = self._call_on_record
        self.bus = open_bus(
            settings.redis_url,
            heartbeat_s=settings.active_call_heartbeat_s,
            alert_stream_limit=self.components.alerts.notify.stream_max_len,
        )
        keywords = boost_keywords(self.components.alerts.segment_rules)
        engine = self._engine or create_engine(settings, keywords)
        streaming = engine if isinstance(engine, StreamingRecognizer) else None
        if streaming is None:
            self.spool = UtteranceSpool(spool_directory(settings))
            self._pool = RecognitionPool(cast(UtteranceRecognizer, engine), settings, keywords, self.backlog)
            await self._pool.warm_up()
        if self._alerts_enabled:
            self.alerts = await AlertService.open(settings.database, self.components.alerts, self.bus.publish)
        self.translator, detector, home_language = _open_translation(self.components.translation)
        # The pipeline is built below; the enricher only reports calls it has started.
        vicidial = _open_enricher(
            self.components.vicidial,
            self.store,
            self.bus,
            lambda call_id, fields: self.pipeline.learn(call_id, fields),
        )
        if vicidial is not None:
            self.vicidial, self.enricher = vicidial
        self.pipeline = CallPipeline(
            PipelineServices(
                settings=settings,
                store=self.store,
                bus=self.bus,
                engine_name=engine.name,
                pool=self._pool,
                streaming_engine=streaming,
                alerts=self.alerts,
                enricher=self.enricher,
                translator=self.translator,
                detector=detector,
                home_language=home_language,
                observer=self._observe,
                spool=self.spool,
                worker_id=self.worker_id,
            )
        )
        await self._recover()
        if not self._listen:
            return
        await self._open_chat()
        self.listen_audit = await ListenAuditStore.open(settings.database)
        await self._start_listen_relay()
        self._audiosocket = AudioSocketServer(
            self.sink,
            settings.audiosocket_host,
            settings.audiosocket_port,
            admission=self.admission,
            allow=settings.audiosocket_allow,
            max_connections=settings.audiosocket_max_connections,
            pacing=settings.pacing,
            reuse_port=settings.reuse_port,
        )
        await self._audiosocket.start()
        await self._start_http()
        log.info(
            "ingest ready: AudioSocket on %s:%d, HTTP on %s:%d, engine %s, database %s, bus %s",
            settings.audiosocket_host,
            self.audiosocket_port,
            settings.http_host,
            self.http_port,
            engine.name,
            settings.database.describe(),
            "redis" if settings.redis_url else "in-process",
        )

    async def _call_on_record(self, call_id: str) -> bool:
        """Whether the store holds `call_id` (a voice webhook for it is then a replay)."""
        return await self.store.get_call(call_id) is not None

    async def _recover(self) -> None:
        """Finish what this worker left when it last died; with Redis, join the
        fleet first so only this worker's own calls are taken back."""
        calls = None
        if self.settings.redis_url:
            registry = WorkerRegistry(
                self.settings.redis_url, self.worker_id, heartbeat_s=self.settings.active_call_heartbeat_s
            )
            self.fleet = WorkerFleet(registry, self.pipeline.services)
            calls = await self.fleet.join()
        try:
            recovered = await recover_after_crash(self.pipeline.services, self.spool, calls)
        finally:
            if self.fleet is not None:
                await self.fleet.recovered()
        if recovered.interrupted_calls or recovered.spooled_utterances:
            log.warning(
                "after the previous worker's crash: %d calls marked interrupted, %d spooled utterances stored",
                recovered.interrupted_calls,
                recovered.spooled_utterances,
            )

    async def _start_listen_relay(self) -> None:
        """Answer the fleet's listen requests for this worker's calls, and ask it for others."""
        if not self.settings.redis_url or not self.settings.listen_relay_max:
            return
        self.listen_relay = ListenRelay(
            RawChannels(self.settings.redis_url),
            self.worker_id,
            self.listen_tap,
            lambda call_id: call_id in self.pipeline.active_call_ids,
            max_relayed=self.settings.listen_relay_max,
        )
        await self.listen_relay.start()

    def _observe(self, timing: SegmentTiming) -> None:
        if not timing.late:  # the latency figure is the live lines'; late ones are counted apart
            self.backlog.stored(timing.last_voiced_at, timing.stored_at)
        if self._observer is not None:
            self._observer(timing)

    def health(self) -> Mapping[str, Any]:
        """`status` is ``ok``, ``amber`` or ``red`` by the recognition backlog
        (`BacklogThresholds`), and `problems` says why; `recognition` has the figures."""
        backlog = self.backlog.snapshot()
        status, problems = backlog_level(backlog, self.health_thresholds)
        return {
            "status": status,
            "problems": problems,
            "uptime_s": round(time.time() - self.started_at, 1),
            "active_calls": len(self.pipeline.active_call_ids),
            "recognition": {
                **backlog.to_dict(),
                **(self._pool.stats().to_dict() if self._pool is not None else {}),
                "pool_restarts": self._pool.pool_restarts if self._pool is not None else 0,
                "thresholds": asdict(self.health_thresholds),
            },
            "pacing": self._pacing_health(),
            "listeners": self.listen_tap.listener_count(),
            "listens_relayed": {
                "out": self.listen_relay.serving if self.listen_relay is not None else 0,
                "in": self.listen_relay.relaying if self.listen_relay is not None else 0,
            },
            "engine": self.pipeline.services.engine_name,
            "worker_id": self.worker_id,
            "pid": os.getpid(),
            "database": self.settings.database.describe(),
            "bus": self.bus.health() if hasattr(self.bus, "health") else "ok",
            **self.admission.health(),
            "audiosocket_connections_refused": (
                self._audiosocket.connections_refused if self._audiosocket is not None else 0
            ),
        }

    def _pacing_health(self) -> dict[str, float | int]:
        """Audio dropped for arriving faster than real time, and floods closed, per adapter
        (Twilio's media streams and the translated chat's count as `twilio`)."""
        admission = self.admission
        return {
            f"{source}_{figure}": value
            for source in ("audiosocket", "twilio")
            for figure, value in (
                ("audio_dropped_s", round(admission.audio_dropped_s[source], 1)),
                ("floods_closed", admission.floods_closed[source]),
            )
        }

    def include_routes(self, app: FastAPI, *, twilio: bool = True) -> None:
        """Mount the Twilio endpoints (unless `twilio` is False: see `callmon run`)
        and listen-in on another app (the dashboard's)."""
        app.include_router(self.listen_router())
        if not twilio:
            return
        app.include_router(build_twilio_router(self.settings, self.sink, self.admission))
        if self.chat is not None:
            app.include_router(build_chat_router(self.settings, self.sink, self.chat, self.admission))

    async def _open_chat(self) -> None:
        """The translated chat for foreign-language callers (Twilio webhooks and streams)."""
        self.chats = await ChatStore.open(self.settings.database)
        self.chat = ChatService(
            self.components.chat,
            self.chats,
            self.store,
            self.bus,
            self.translator if self.translator is not None else NoTranslator(),
            self.admission,
            alerts=self.alerts,
        )
        await self.chat.start()

    async def _start_http(self) -> None:
        settings = self.settings
        problem = unsigned_twilio_problem(settings, settings.http_host)
        if problem is not None:
            raise SettingsError(problem)
        if not settings.twilio_auth_token and settings.allow_unsigned_twilio:
            log.warning(
                "UNSIGNED Twilio endpoints on %s: anyone reaching the port can inject calls",
                settings.http_host,
            )
        app = self._app or build_ingest_app(
            settings,
            self.sink,
            health=self.health,
            chat_service=self.chat,
            admission=self.admission,
            routers=[self.listen_router()],
        )
        config = uvicorn.Config(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_level="warning",
            lifespan="off",
            ws_max_size=1 << 20,
            # A head within 10 s, and no more connections than the open-file limit allows.
            http=guarded_http_protocol(connection_cap()),
            # Behind a TLS proxy on another host: trust its X-Forwarded-Proto (https/wss).
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
        self._http = uvicorn.Server(config)
        # Bind here so a busy port is an OSError for the caller; uvicorn would log it and
        # call sys.exit() inside its task instead.
        listener = socket.create_server(
            (settings.http_host, settings.http_port),
            family=socket.AF_INET6 if ":" in settings.http_host else socket.AF_INET,
            reuse_port=settings.reuse_port,
        )
        self._http_task = spawn(self._http.serve(sockets=[listener]), name="ingest-http")
        while not self._http.started:
            if self._http_task.done():
                listener.close()
                raise RuntimeError(f"HTTP server could not start on port {settings.http_port}")
            await asyncio.sleep(0.02)

    async def _drain(self) -> None:
        try:
            await asyncio.wait_for(self.pipeline.close(), self._drain_timeout_s)
        except TimeoutError:
            log.warning(
                "calls still draining after %.0f s; %d utterances stay in the spool for the next start",
                self._drain_timeout_s,
                len(self.spool) if self.spool is not None else 0,
            )

    async def stop(self) -> None:
        self.listen_tap.close_all()
        if self.listen_relay is not None:
            self.listen_relay.end_listens()
        if self._audiosocket is not None:
            await self._audiosocket.stop()
        if self._http is not None and self._http_task is not None:
            self._http.should_exit = True
            await asyncio.wait({self._http_task}, timeout=10)
        if self.listen_relay is not None:
            await self.listen_relay.close()
        if self.chat is not None:
            await self.chat.close()
        if self.chats is not None:
            await self.chats.close()
        if self.listen_audit is not None:
            await self.listen_audit.close()
        if hasattr(self, "pipeline"):
            await self._drain()
        if self.fleet is not None:
            await self.fleet.leave()
        if self.enricher is not None:
            await self.enricher.close()
        if self.vicidial is not None:
            await self.vicidial.close()
        if self.alerts is not None:
            await self.alerts.close()
        if self.translator is not None:
            await self.translator.close()
        if self._pool is not None:
            self._pool.close()
        if hasattr(self, "bus"):
            await self.bus.close()
        if hasattr(self, "store"):
            await self.store.close()


def spool_directory(settings: IngestSettings) -> Path:
    """CALLMON_SPOOL_DIR, else beside the database: `calls.db` spools into `calls.spool/`."""
    if settings.spool_dir is not None:
        return settings.spool_dir
    return settings.db_path.parent / f"{settings.db_path.stem}.spool"


def _open_translation(
    settings: TranslationSettings,
) -> tuple[Translator | None, LanguageDetector, str]:
    """(translator or None, language detector, the supervisors' language)."""
    detector = LanguageDetector(settings.detect_languages, warm=False)
    if settings.translator == "none":
        return None, detector, settings.supervisor_language
    return make_translator(settings), detector, settings.supervisor_language


def _open_enricher(
    settings: ViciDialSettings | None,
    store: CallStore,
    bus: Bus,
    learned: Callable[[str, Mapping[str, Any]], None],
) -> tuple[ViciDialDirectory, CallEnricher] | None:
    """(directory, enricher) when a ViciDial host is configured, else None.

    `learned` hears every update, so an in-group found mid-call sets the
    language of the call's later utterances (ingest.pipeline.learned)."""
    if settings is None:
        return None

    async def update_call(call_id: str, fields: Mapping[str, Any]) -> None:
        summary = await store.update_call(call_id, **fields)
        await bus.publish(summary)
        learned(call_id, fields)

    directory = ViciDialDirectory(settings)
    return directory, CallEnricher(
        directory,
        update_call,
        retry_delays=settings.retry_delays,
        after_call_delay=settings.after_call_delay_s,
        wrapup_window_s=settings.wrapup_window_s,
        recording_window_s=settings.recording_window_s,
    )


class _TappedSink:
    def __init__(self, sink: CallEventSink, tap: Callable[[CallEvent], None]) -> None:
        self._sink = sink
        self._tap = tap

    def submit(self, event: CallEvent) -> None:
        self._tap(event)
        self._sink.submit(event)


async def dashboard_services_for(worker: IngestWorker, settings: DashboardSettings) -> DashboardServices:
    """The dashboard's services sharing a running worker's bus, store and alert service."""

    async def ingest_probe() -> ProbeReport:
        return ingest_report(worker.health())

    return await services_sharing_worker(
        settings,
        db_path=worker.settings.db_path,
        database=worker.settings.database,
        bus=worker.bus,
        calls=worker.store,
        alerts=worker.alerts,
        alert_settings=worker.components.alerts,
        ingest_probe=ingest_probe,
        recordings=RecordingPolicy.from_settings(worker.settings),
    )
