"""One call on its way through the pipeline.

Audio is handled inline (segmentation is cheap and pure), everything with I/O
runs in the call's own job queue, in order: the call row is stored before its
first segment, segments in the order they were spoken, the end after the last
segment. Recognition of several utterances overlaps; their storage does not.

Under overload an utterance can go late (`ingest.pipeline.recognition_queue`):
the call's later lines are stored without waiting for it, and it is stored
marked ``late`` whenever it has been recognised. The call's end still waits
for its late lines (its end time stays the hang-up's), so whatever reads a
call at its end (alert rules, summaries) sees all of it. A late line is
scored and alerted on like any other but does not move the running mood,
which follows the live conversation. The alert service hears when a line goes
late and when it settles (`UtteranceLate`), so a rule judged by a deadline
(the disclosure) waits for a line from inside its window.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ingest.analysis import PartyMoods, spot_keywords, update_party_moods
from ingest.analysis.keywords import excepted_keywords
from ingest.analysis.mood import dispute_context_for
from ingest.call_identity import agent_from_metadata
from ingest.call_language import call_language, language_to_ask, parse_language_map
from ingest.events import (
    AudioReceived,
    CallEnded,
    CallErrorReported,
    CallStarted,
    DtmfReceived,
    LegEnded,
    Recognition,
    Speaker,
    TranscriptSegment,
    UtteranceLate,
    WordConfidence,
)
from ingest.pipeline.recognition import TimedRecognition
from ingest.pipeline.recognition_queue import Postponed
from ingest.pipeline.services import PipelineServices, SegmentTiming
from ingest.pipeline.tracks import BatchTrack, HeardUtterance, StreamingTrack, Track
from ingest.pipeline.understanding import understand
from ingest.tasks import spawn

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[Any]]
NOT_SCORED = "none"
"""The sentiment label of a segment with no text (not transcribed)."""


@dataclass(slots=True)
class CallSession:
    started: CallStarted
    services: PipelineServices
    tracks: dict[Speaker, Track] = field(default_factory=dict)
    moods: PartyMoods = field(default_factory=PartyMoods)
    """The caller's and the agent's moods, apart (see ingest.analysis.mood)."""
    ending: bool = False
    _late_waiting: int = 0
    """Late lines not stored yet: the call's end waits for them."""
    _no_late_waiting: asyncio.Event = field(default_factory=asyncio.Event)
    _jobs: asyncio.Queue[Job | None] = field(default_factory=asyncio.Queue)
    _worker: asyncio.Task[None] | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def call_id(self) -> str:
        return self.started.call_id

    def begin(self) -> None:
        self._worker = spawn(self._work(), name=f"call-{self.call_id}")
        self._jobs.put_nowait(self._store_start)

    def resume(self) -> None:
        """Work on a call stored before a restart: its row exists, nothing is announced."""
        self._worker = spawn(self._work(), name=f"call-{self.call_id}")

    def hear(self, utterance: HeardUtterance) -> None:
        """An utterance from outside the tracks (the spool, after a restart)."""
        self._heard(utterance)

    # -- inline, called from the adapters' submit() -------------------------

    def feed_audio(self, event: AudioReceived) -> None:
        if self.ending:
            return
        track = self.tracks.get(event.speaker)
        if track is None or track.sample_rate != event.sample_rate:
            track = self._open_track(event.speaker, event.sample_rate, replacing=track)
        track.feed(event.pcm, event.audio_time)

    def note(self, event: DtmfReceived | CallErrorReported | LegEnded) -> None:
        self._jobs.put_nowait(lambda: self._store_event(event))

    def end(self, event: CallEnded) -> None:
        if self.ending:
            return
        self.ending = True
        spawn(self._finish(event), name=f"call-end-{self.call_id}")

    # -- tracks --------------------------------------------------------------

    def _open_track(self, speaker: Speaker, sample_rate: int, replacing: Track | None) -> Track:
        if replacing is not None:
            # The leg changed its rate mid-call: finish what it said so far.
            spawn(replacing.finish(), name=f"track-finish-{self.call_id}")
        services = self.services
        language = self.language_to_ask()
        track: Track
        if services.streaming_engine is not None:
            track = StreamingTrack(
                self.call_id,
                speaker,
                sample_rate,
                services.streaming_engine,
                self._heard,
                services.bus.publish,
                language,
            )
        else:
            assert services.pool is not None
            track = BatchTrack(
                self.call_id,
                speaker,
                sample_rate,
                services.settings.vad,
                services.pool,
                self._heard,
                services.spool,
                language,
                live=self.started.source != "import",
            )
        self.tracks[speaker] = track
        return track

    def language_to_ask(self) -> str | None:
        """The language the engine is asked for on this call (None: it detects)."""
        settings = self.services.settings
        known = call_language(self.started.metadata, parse_language_map(settings.ingroup_languages))
        return language_to_ask(known, self.services.engine_name, settings.default_language)

    def _heard(self, utterance: HeardUtterance) -> None:
        self._jobs.put_nowait(lambda: self._store_utterance(utterance))

    # -- the job queue -------------------------------------------------------

    async def _work(self) -> None:
        while (job := await self._jobs.get()) is not None:
            try:
                await job()
            except Exception:
                log.exception("call %s: a pipeline step failed", self.call_id)
        self.done.set()

    async def _store_start(self) -> None:
        services = self.services
        summary = await services.store.start_call(self.started, services.worker_id)
        # From the stored metadata: on a call reopened after it ended, what it was
        # stored with stands (`CallStore.start_call`).
        fields = call_fields_from_metadata(summary.metadata or self.started.metadata)
        if fields:
            summary = await services.store.update_call(self.call_id, **fields)
        await services.bus.publish(self.started)
        await services.bus.publish(summary)
        if services.alerts is not None:
            await services.alerts.on_call_started(self.started)
        if services.enricher is not None:
            services.enricher.on_call_started(self.call_id, self.started.metadata)

    async def _store_event(self, event: DtmfReceived | CallErrorReported | LegEnded) -> None:
        payload = event.to_dict()
        at = float(payload.pop("received_at", payload.pop("ended_at", time.time())))
        kind = {"DtmfReceived": "dtmf", "CallErrorReported": "error", "LegEnded": "leg_ended"}[event.type]
        await self.services.store.add_call_event(self.call_id, kind, payload, at)
        await self.services.bus.publish(event)

    async def _store_utterance(self, heard: HeardUtterance) -> None:
        try:
            outcome = await heard.recognition
        except Exception as error:
            self._recognition_failed(heard, error)
            return
        if isinstance(outcome, Postponed):
            self._late_waiting += 1
            self._no_late_waiting.clear()
            outcome.later.add_done_callback(
                lambda later: self._jobs.put_nowait(lambda: self._store_late(heard, later))
            )
            await self._tell_alerts_late(heard, settled=False)
            return
        await self._store_recognised(heard, outcome)

    async def _store_late(self, heard: HeardUtterance, later: asyncio.Future[TimedRecognition]) -> None:
        try:
            if later.cancelled():
                return  # shutting down: it stays in the spool for the next start
            error = later.exception()
            if error is not None:
                self._recognition_failed(heard, error)
            else:
                await self._store_recognised(heard, later.result(), late=True)
            # Stored and judged, or nothing came of it: either way it no longer waits.
            await self._tell_alerts_late(heard, settled=True)
        finally:
            self._late_waiting -= 1
            if not self._late_waiting:
                self._no_late_waiting.set()

    async def _tell_alerts_late(self, heard: HeardUtterance, *, settled: bool) -> None:
        """The alert rules that judge by a deadline (the disclosure) wait for a late line."""
        if self.services.alerts is None:
            return
        late = UtteranceLate(self.call_id, heard.speaker, round(heard.start, 3), round(heard.end, 3), settled)
        await self.services.alerts.on_late_utterance(late)

    def _recognition_failed(self, heard: HeardUtterance, error: BaseException) -> None:
        # The audio stays in the spool: the next start tries it again.
        log.error(
            "call %s: speech-to-text failed on %.1f-%.1f s: %s",
            self.call_id,
            heard.start,
            heard.end,
            error,
        )

    async def _store_recognised(
        self, heard: HeardUtterance, timed: TimedRecognition, late: bool = False
    ) -> None:
        if timed.recognition.not_transcribed is not None:
            await self._store_untranscribed(heard, timed.recognition, late)
            return
        text = timed.recognition.text.strip()
        if not text:
            self._unspool(heard)
            return
        services = self.services
        understood = await understand(
            text,
            timed.recognition.language,
            translator=services.translator,
            detector=services.detector,
            home_language=services.home_language,
        )
        analysis = understood.analysis
        if not late:
            self.moods = update_party_moods(
                self.moods,
                heard.speaker,
                analysis.sentiment.score,
                analysis.sentiment.label,
                window=services.settings.rolling_window,
                context=dispute_context_for(heard.speaker, understood.english),
            )
        segment = TranscriptSegment(
            call_id=self.call_id,
            speaker=heard.speaker,
            start=round(heard.start, 3),
            end=round(heard.end, 3),
            text=text,
            confidence=round(timed.recognition.confidence, 4),
            language=understood.language,
            engine=services.engine_name,
            sentiment_score=analysis.sentiment.score,
            sentiment_label=analysis.sentiment.label,
            keywords=merged_keywords(analysis.keywords, timed.recognition.spotted, understood.english),
            profanity=analysis.profanity,
            translation=understood.translation,
            # The speaker's own party's mood: a caller line shows the caller's.
            rolling_sentiment=round(self.moods.of(heard.speaker).rolling_average, 4),
            consecutive_negative=self.moods.of(heard.speaker).consecutive_negative,
            words=timed.recognition.words,
            spotted=timed.recognition.spotted,
            late=late,
        )
        stored = await services.store.add_segment(segment)
        self._unspool(heard)
        stored_at = time.monotonic()
        await services.bus.publish(stored)
        published_at = time.monotonic()
        if services.observer is not None:
            services.observer(
                SegmentTiming(
                    call_id=self.call_id,
                    last_voiced_at=heard.last_voiced_at,
                    closed_at=heard.closed_at,
                    asr_started_at=timed.started_at,
                    asr_finished_at=timed.finished_at,
                    stored_at=stored_at,
                    published_at=published_at,
                    late=late,
                )
            )
        if services.alerts is not None:
            await services.alerts.on_segment(stored)

    async def _store_untranscribed(
        self, heard: HeardUtterance, recognition: Recognition, late: bool = False
    ) -> None:
        """Speech the engine has no model for: stored with the reason, so the
        supervisor sees why the transcript is empty; no text, no score, no
        mood, no alert (garbage decoded with the wrong model would raise some)."""
        segment = TranscriptSegment(
            call_id=self.call_id,
            speaker=heard.speaker,
            start=round(heard.start, 3),
            end=round(heard.end, 3),
            text="",
            confidence=0.0,
            language=recognition.language,
            engine=self.services.engine_name,
            sentiment_score=0.0,
            sentiment_label=NOT_SCORED,
            not_transcribed=recognition.not_transcribed,
            late=late,
        )
        stored = await self.services.store.add_segment(segment)
        self._unspool(heard)
        await self.services.bus.publish(stored)

    def _unspool(self, heard: HeardUtterance) -> None:
        if heard.spooled is not None and self.services.spool is not None:
            self.services.spool.remove(heard.spooled)

    async def _finish(self, event: CallEnded) -> None:
        results = await asyncio.gather(*(t.finish() for t in self.tracks.values()), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.error("call %s: finishing a track failed: %s", self.call_id, result)
        # Every line heard has been stored or gone late once the jobs so far have run;
        # then the end waits for the late ones.
        caught_up = asyncio.Event()
        self._jobs.put_nowait(_setter(caught_up))
        await caught_up.wait()
        if self._late_waiting:
            await self._no_late_waiting.wait()
        self._jobs.put_nowait(lambda: self._store_end(event))
        self._jobs.put_nowait(None)

    async def _store_end(self, event: CallEnded) -> None:
        services = self.services
        summary = await services.store.end_call(event)
        await services.bus.publish(event)
        await services.bus.publish(summary)
        if services.alerts is not None:
            await services.alerts.on_call_ended(event)
        if services.enricher is not None:
            services.enricher.on_call_ended(self.call_id)


def _setter(event: asyncio.Event) -> Job:
    async def set_it() -> None:
        event.set()

    return set_it


def merged_keywords(
    heard: tuple[str, ...], spotted: tuple[WordConfidence, ...], text: str = ""
) -> tuple[str, ...]:
    """The keywords in the text, then those only the engine's keyword-spotting
    pass heard ("unacceptable" where the text says "on acceptable"), except
    those `text` says only inside a context exception: the spot of "manager"
    in "my account manager" is the same harmless word (the alert rules
    except it too)."""
    excepted = set(excepted_keywords(text)) if text else set()
    found = dict.fromkeys(heard)
    for spot in spotted:
        found.update(dict.fromkeys(k for k in spot_keywords(spot.word) if k not in excepted))
    return tuple(found)


# Metadata keys that adapters (Twilio customParameters, the voice webhook,
# recordings) use for what the calls table has columns for; the agent's
# login is decided by `agent_from_metadata`, like everywhere else.
_METADATA_COLUMNS = {
    "agent_name": "agent_name",
    "caller_number": "caller_number",
    "from": "caller_number",
    "campaign": "campaign",
    "in_group": "in_group",
    "language": "language",
}


def call_fields_from_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    agent = agent_from_metadata(metadata)
    if agent:
        fields["agent"] = agent
    for key, column in _METADATA_COLUMNS.items():
        value = metadata.get(key)
        if value and column not in fields:
            fields[column] = value
    return fields
