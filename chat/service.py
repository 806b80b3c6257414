"""`ChatService`: the chat's edge logic between Twilio, the translator and the stores.

Caller lines are translated into the agent's language; agent replies (typed
in the dashboard, queued in `ChatStore`) are translated into the caller's
language and back again, so the agent can see what the caller will hear.
Every line is also stored as a transcript segment of the call (and
published), so supervisors and QA see chats like any other call. Each line
goes through the same understanding and alert path as a voice segment
(`ingest.pipeline.understanding`, the party moods, the alert hook), at its
real time in the call: "voy a llamar a mi abogado" raises a legal threat
like "I'm going to call my lawyer" on a voice call.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

from chat.languages import ChatLanguage, find_language
from chat.playback import StreamPlayback, SynthesisFailed, synthesize
from chat.settings import ChatSettings
from chat.store import Chat, ChatMessage, ChatStore
from ingest.analysis import PartyMoods, update_party_moods
from ingest.analysis.mood import dispute_context_for
from ingest.bus import Bus
from ingest.bus.channels import transcript_channel
from ingest.events import CallEnded, CallStarted, Event, Speaker, TranscriptSegment
from ingest.pipeline.admission import CallAdmission
from ingest.pipeline.services import AlertHook
from ingest.pipeline.understanding import understand
from ingest.storage import CallStore
from ingest.tasks import spawn
from ingest.translation import Translator

log = logging.getLogger(__name__)
ENGINE = "twilio-chat"
ANALYSIS_LANGUAGE = "en"
WATCH_INTERVAL_S = 0.25
EXPIRY_SWEEP_S = 2.0
IDLE_END_REASON = "no-status-callback"
MAX_TRACKED_CHATS = 10_000
SECONDS_PER_WORD = 0.4
"""A spoken line's length is not reported (Gather gives text only); about
150 words a minute places its start."""
ROLLING_WINDOW = 5


class ChatService:
    def __init__(
        self,
        settings: ChatSettings,
        chats: ChatStore,
        calls: CallStore,
        bus: Bus | None,
        translator: Translator,
        admission: CallAdmission | None = None,
        alerts: AlertHook | None = None,
    ) -> None:
        """`admission` is the worker's registry of live calls: a webhook chat's call
        must not take over (or later end) a live call of the same id from any source."""
        self.settings = settings
        self.admission = admission if admission is not None else CallAdmission()
        self.chats = chats
        self._calls = calls
        self._bus = bus
        self._translator = translator
        self._alerts = alerts
        self._moods: dict[str, PartyMoods] = {}
        self._last_end: dict[str, float] = {}
        self._playbacks: dict[str, StreamPlayback] = {}
        self._mark_messages: dict[str, list[int]] = {}
        self._watcher: asyncio.Task[None] | None = None
        self._last_heard: dict[str, float] = {}
        """Chat id -> when Twilio last called a webhook for it (monotonic seconds)."""

    def language(self, code: str | None) -> ChatLanguage | None:
        return find_language(code, self.settings.languages) if code else None

    async def start(self) -> None:
        """Start the loop that prepares replies and plays them into Media Streams."""
        self._watcher = spawn(self._watch_replies(), name="chat-replies")

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)

    # ------------------------------------------------------------- chat life

    async def open_chat(self, call_sid: str, mode: str, caller_number: str | None) -> Chat | None:
        """The chat (a repeated webhook keeps the existing one); None when a voice chat's
        call id is live elsewhere or no more calls are admitted."""
        if mode == "voice" and self.admission.claim(call_sid, self) is not None:
            return None
        chat = await self.chats.open_chat(call_sid, mode, self.settings.agent_language, caller_number)
        self.heard_from(call_sid)
        if mode == "voice":  # Media Streams chats are started by the stream, like any stream
            metadata = {"chat": mode, **({"caller_number": caller_number} if caller_number else {})}
            await self._publish(
                await self._calls.start_call(CallStarted(call_sid, "twilio", metadata=metadata))
            )
        return chat

    async def choose_language(self, chat_id: str, language: ChatLanguage) -> None:
        await self.chats.set_language(chat_id, language.code)
        chat = await self.chats.get_chat(chat_id)
        if chat is not None and chat.mode == "voice":
            await self._publish(await self._calls.update_call(chat_id, language=language.code))

    def heard_from(self, chat_id: str) -> None:
        """A webhook for this chat arrived: it is still alive."""
        # Unknown ids (webhooks for chats that never opened) are remembered only up
        # to a bound, so a flood of forged ones cannot grow this map.
        if chat_id and (chat_id in self._last_heard or len(self._last_heard) < MAX_TRACKED_CHATS):
            self._last_heard[chat_id] = time.monotonic()

    async def expire_idle_chats(self) -> list[str]:
        """End open chats Twilio has gone quiet about (no webhook, no stream) for
        `idle_s`: without this a lost status callback, or a forged unsigned webhook,
        leaves a call `active` forever. Returns the ids ended."""
        now_wall, now = time.time(), time.monotonic()
        expired = []
        for chat in await self.chats.list_chats():
            if chat.id in self._playbacks:
                continue
            heard = self._last_heard.get(chat.id)
            quiet_s = now - heard if heard is not None else now_wall - chat.created_at
            if quiet_s > self.settings.idle_s:
                log.warning("chat %s: nothing from Twilio for %.0f s; ending it", chat.id, quiet_s)
                await self.end_chat(chat.id, IDLE_END_REASON)
                expired.append(chat.id)
        return expired

    async def end_chat(self, chat_id: str, reason: str) -> None:
        self._last_heard.pop(chat_id, None)
        self.admission.release(chat_id, self)
        if not await self.chats.end_chat(chat_id):
            return
        chat = await self.chats.get_chat(chat_id)
        self._moods.pop(chat_id, None)
        self._last_end.pop(chat_id, None)
        log.info("chat %s ended (%s)", chat_id, reason)
        if chat is not None and chat.mode == "voice":
            event = CallEnded(chat_id, reason)
            summary = await self._calls.end_call(event)
            await self._publish(event)
            await self._publish(summary)

    # ------------------------------------------------------------ caller side

    async def caller_said(
        self,
        chat_id: str,
        text: str,
        *,
        start: float | None = None,
        end: float | None = None,
        store_segment: bool = True,
    ) -> ChatMessage | None:
        """A caller line: translate it for the agent, keep it, mirror it as a segment.

        `start`/`end` are seconds since the chat began; by default the line
        ends now and starts as long before as its words take to say.
        """
        chat = await self.chats.get_chat(chat_id)
        if chat is None or chat.caller_language is None or not text.strip():
            return None
        translation = await self._translate(text, chat.caller_language, chat.agent_language)
        message = await self.chats.add_message(
            chat_id, "caller", text, chat.caller_language, translation=translation, state="received"
        )
        if store_segment:
            await self._store_segment(chat_id, "caller", text, chat.caller_language, translation, start, end)
        return message

    # ------------------------------------------------------------- agent side

    async def take_replies(self, chat_id: str) -> list[ChatMessage]:
        """Queued replies, translated, marked spoken (the webhook is about to `<Say>` them)."""
        prepared = [await self._prepare(reply) for reply in await self.chats.queued_replies(chat_id)]
        ready = [reply for reply in prepared if reply is not None]
        ids = [reply.id for reply in ready]
        if ids and await self.chats.set_state(ids, "spoken", only_from=("queued",)) < len(ids):
            log.info("chat %s: a reply changed state while being taken", chat_id)
        for reply in ready:
            await self._store_segment(chat_id, "agent", reply.text, reply.language, reply.translation)
        return ready

    async def _prepare(self, reply: ChatMessage) -> ChatMessage | None:
        """Translate a reply into the caller's language and back (once)."""
        if reply.translation is not None:
            return reply
        chat = await self.chats.get_chat(reply.chat_id)
        if chat is None or chat.caller_language is None:
            return None
        translation = await self._translate(reply.text, reply.language, chat.caller_language)
        back = await self._translate(translation, chat.caller_language, reply.language)
        await self.chats.set_translations(reply.id, translation, back)
        return dataclasses.replace(reply, translation=translation, back_translation=back)

    # ----------------------------------------------------- Media Streams side

    def attach_stream(self, chat_id: str, playback: StreamPlayback) -> None:
        self._playbacks[chat_id] = playback
        spawn(self._follow_transcript(chat_id), name=f"chat-transcript-{chat_id}")

    async def detach_stream(self, chat_id: str, reason: str) -> None:
        self._playbacks.pop(chat_id, None)
        self._mark_messages = {
            m: ids for m, ids in self._mark_messages.items() if not m.startswith(f"{chat_id}:")
        }
        await self.end_chat(chat_id, reason)

    async def stream_marked(self, chat_id: str, mark_name: str) -> None:
        playback = self._playbacks.get(chat_id)
        ids = self._mark_messages.pop(mark_name, [])
        if playback is not None and playback.marked(mark_name):
            await self.chats.set_state(ids, "spoken", only_from=("playing",))

    async def _watch_replies(self) -> None:
        next_sweep = time.monotonic()
        while True:
            try:
                await self._prepare_and_play()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + EXPIRY_SWEEP_S
                    await self.expire_idle_chats()
            except Exception:  # one bad round must not end replies for every chat
                log.exception("chat reply loop failed; retrying")
            await asyncio.sleep(WATCH_INTERVAL_S)

    async def _prepare_and_play(self) -> None:
        for reply in await self.chats.queued_replies():
            prepared = await self._prepare(reply)
            playback = self._playbacks.get(reply.chat_id)
            if prepared is not None and playback is not None:
                await self._play(prepared, playback)

    async def _play(self, reply: ChatMessage, playback: StreamPlayback) -> None:
        chat = await self.chats.get_chat(reply.chat_id)
        language = self.language(chat.caller_language if chat else None)
        if language is None or reply.translation is None:
            return
        if not await self.chats.set_state([reply.id], "playing", only_from=("queued",)):
            return  # someone else took it
        try:
            mulaw = await synthesize(reply.translation, language.espeak_voice, self.settings.espeak_path)
        except SynthesisFailed as error:
            log.error("chat %s: reply %d cannot be spoken: %s", reply.chat_id, reply.id, error)
            await self.chats.set_state([reply.id], "queued")
            return
        mark = f"{reply.chat_id}:reply-{reply.id}"
        self._mark_messages[mark] = [reply.id]
        cut = await playback.play(mulaw, mark)
        if cut is not None:
            await self.chats.set_state(
                self._mark_messages.pop(cut, []), "interrupted", only_from=("playing",)
            )
        await self._store_segment(reply.chat_id, "agent", reply.text, reply.language, reply.translation)

    async def _follow_transcript(self, chat_id: str) -> None:
        """Copy the pipeline's caller segments of a Media Streams chat into the chat."""
        if self._bus is None:
            return
        async with self._bus.subscribe(transcript_channel(chat_id)) as events:
            async for event in events:
                if chat_id not in self._playbacks:
                    return
                if isinstance(event, TranscriptSegment) and event.speaker == "caller":
                    await self.caller_said(chat_id, event.text, store_segment=False)

    # -------------------------------------------------------------- helpers

    async def _translate(self, text: str, source: str, target: str) -> str:
        result = await self._translator.translate(text, source, target)
        return result.text if result.translated or source == target else result.marked_text

    async def _store_segment(
        self,
        chat_id: str,
        speaker: Speaker,
        text: str,
        language: str,
        translation: str | None,
        start: float | None = None,
        end: float | None = None,
    ) -> None:
        """Understand the line like a voice segment, store and publish it, and
        hand it to the alert engine."""
        start, end = await self._line_times(chat_id, speaker, text, start, end)
        understood = await understand(
            text, language, translator=self._translator, detector=None, home_language=ANALYSIS_LANGUAGE
        )
        sentiment = understood.analysis.sentiment
        moods = update_party_moods(
            self._moods.get(chat_id, PartyMoods()),
            speaker,
            sentiment.score,
            sentiment.label,
            ROLLING_WINDOW,
            context=dispute_context_for(speaker, understood.english),
        )
        self._moods[chat_id] = moods
        segment = TranscriptSegment(
            call_id=chat_id,
            speaker=speaker,
            start=start,
            end=end,
            text=text,
            confidence=1.0,  # typed, or already Twilio's final transcript
            language=language,
            engine=ENGINE,
            sentiment_score=sentiment.score,
            sentiment_label=sentiment.label,
            keywords=understood.analysis.keywords,
            profanity=understood.analysis.profanity,
            translation=translation if translation != text else None,
            rolling_sentiment=round(moods.of(speaker).rolling_average, 4),
            consecutive_negative=moods.of(speaker).consecutive_negative,
        )
        stored = await self._calls.add_segment(segment)
        await self._publish(stored)
        if self._alerts is not None:
            try:
                await self._alerts.on_segment(stored)
            except Exception:  # an alert failure must not lose the chat line
                log.exception("chat %s: the alert engine failed on a line", chat_id)

    async def _line_times(
        self, chat_id: str, speaker: Speaker, text: str, start: float | None, end: float | None
    ) -> tuple[float, float]:
        """Seconds since the chat began, given or estimated from the clock.

        A caller line has just been said (it ends now); an agent reply is
        about to be spoken (it starts now). Neither starts before the
        previous line ended, so the transcript keeps the order lines came in.
        """
        if start is None or end is None:
            chat = await self.chats.get_chat(chat_id)
            now = max(0.0, time.time() - (chat.created_at if chat is not None else time.time()))
            duration = SECONDS_PER_WORD * max(1, len(text.split()))
            earliest = self._last_end.get(chat_id, 0.0)
            if speaker == "caller":
                start = max(earliest, now - duration) if start is None else start
                end = max(start, now) if end is None else end
            else:
                start = max(earliest, now) if start is None else start
                end = start + duration if end is None else end
        self._last_end[chat_id] = max(self._last_end.get(chat_id, 0.0), end)
        return round(start, 3), round(end, 3)

    async def _publish(self, event: Event) -> None:
        if self._bus is not None:
            await self._bus.publish(event)
