"""/agent: an agent's own start page: their calls in progress, each with who is
calling, the caller's mood, the supervisor's notes and the live transcript.

Everything updates without a reload: calls come and go with the feed's events
(a new card is created before its stored lines are read, so two events cannot
make two cards),
transcript lines arrive as they are stored, and notes (written by a supervisor
in this or another dashboard process, straight to the database) are read
again every `NOTES_POLL_S` for the agent's live calls only.
"""

from __future__ import annotations

from nicegui import background_tasks, ui

from dashboard.auth import SessionUser, guarded_page
from dashboard.components.transcript import transcript_line
from dashboard.feed import FeedResynced, LiveCall
from dashboard.layout import frame
from dashboard.live import listen_while_open
from dashboard.notes import CallNote
from dashboard.roles import AGENT_PAGES
from dashboard.services import DashboardServices
from dashboard.style import format_score
from ingest.call_identity import call_agent
from ingest.events import CallEnded, CallStarted, CallSummary, Event, TranscriptSegment

NOTES_POLL_S = 2.0
TRANSCRIPT_LINES = 30
"""The newest lines an agent's card keeps (the call view has the rest)."""


class MyCallCard:
    def __init__(self, call: LiveCall) -> None:
        self.call_id = call.call_id
        self.note_ids: set[int] = set()
        self.segment_keys: set[object] = set()
        with ui.card().classes("w-full gap-1").props('data-testid="my-call"') as self.card:
            self.card.props["data-call-id"] = call.call_id  # a value, never parsed
            with ui.row().classes("w-full items-center gap-3"):
                self.title = ui.label().classes("font-semibold")
                ui.label("0:00").classes("font-mono text-sm").props(
                    f'data-started="{call.summary.started_at}"'
                )
                self.mood = ui.label().classes("text-sm").props('data-testid="my-caller-mood"')
                ui.space()
                ui.label(call.call_id).classes("font-mono text-xs text-gray-500")
            self.notes = ui.column().classes("w-full gap-0").props('data-testid="my-notes"')
            self.transcript = (
                ui.column()
                .classes("w-full gap-0 max-h-96 overflow-y-auto")
                .props('data-testid="my-transcript"')
            )
        self.update(call)

    def update(self, call: LiveCall) -> None:
        summary = call.summary
        caller = summary.caller_number or summary.metadata.get("caller_number") or "caller"
        parts = [caller, summary.campaign, summary.in_group, summary.language or call.last_language]
        title = " · ".join(p for p in parts if p)
        if self.title.text != title:
            self.title.text = title
        mood = f"caller mood {format_score(call.caller_mood)}"
        if self.mood.text != mood:
            self.mood.text = mood

    def add_segment(self, segment: TranscriptSegment) -> None:
        key = segment.id or (segment.speaker, segment.start)
        if key in self.segment_keys:
            return
        self.segment_keys.add(key)
        with self.transcript:
            transcript_line(segment)
        while len(self.transcript.default_slot.children) > TRANSCRIPT_LINES:
            self.transcript.remove(0)

    def add_notes(self, notes: list[CallNote]) -> None:
        for note in notes:
            if note.id in self.note_ids:
                continue
            self.note_ids.add(note.id)
            with self.notes:
                ui.label(f"{note.author}: {note.text}").classes("text-sm bg-amber-50 rounded px-2").props(
                    'data-testid="note-text"'
                )


def register(services: DashboardServices) -> None:
    feed = services.feed

    @guarded_page("/agent", AGENT_PAGES, "My calls")
    async def agent_page(user: SessionUser) -> None:
        cards: dict[str, MyCallCard] = {}

        def mine() -> list[LiveCall]:
            return [call for call in feed.calls.values() if call_agent(call.summary) == user.name]

        with frame(services, user, "My calls"):
            none = ui.label("You have no call in progress.").classes("text-gray-500")
            area = ui.column().classes("w-full gap-3")

        async def fill(card: MyCallCard) -> None:
            for segment in (await services.calls.list_segments(card.call_id))[-TRANSCRIPT_LINES:]:
                card.add_segment(segment)
            card.add_notes(await services.notes.list_for_call(card.call_id))

        async def sync_calls() -> None:
            live = {call.call_id: call for call in mine()}
            for call_id in list(cards):
                if call_id not in live:
                    cards.pop(call_id).card.delete()
            for call_id, call in live.items():
                if call_id in cards:
                    cards[call_id].update(call)
                    continue
                with area:
                    cards[call_id] = MyCallCard(call)
                await fill(cards[call_id])
            none.visible = not cards

        async def poll_notes() -> None:
            for card in list(cards.values()):
                card.add_notes(await services.notes.list_for_call(card.call_id))

        def on_event(event: Event) -> None:
            match event:
                case TranscriptSegment(call_id=call_id) if call_id in cards:
                    cards[call_id].add_segment(event)
                    call = feed.calls.get(call_id)
                    if call is not None:
                        cards[call_id].update(call)
                case CallStarted() | CallSummary() | CallEnded() | FeedResynced():
                    background_tasks.create(sync_calls(), name="agent page calls")

        listen_while_open(feed.listen, on_event)
        await sync_calls()
        ui.timer(NOTES_POLL_S, poll_notes)
