"""/agent/chats: the agent's side of the translated chat.

Waiting chats to pick up, the agent's own chats, and the selected
conversation: the caller's lines translated (original on demand), a reply box,
each reply's delivery state and its back-translation (reply -> caller's
language -> agent's language) to catch mistranslations, and supervisor notes.
The page only reads and queues: the ingest worker translates and speaks.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nicegui import ui

from chat.store import Chat, ChatMessage, ChatStore
from dashboard.auth import SessionUser, guarded_page
from dashboard.layout import frame
from dashboard.roles import AGENT_PAGES
from dashboard.services import DashboardServices

REFRESH_S = 1.0
MAX_REPLY_LENGTH = 500
STATE_LABELS = {
    "queued": "queued",
    "playing": "speaking",
    "spoken": "spoken",
    "interrupted": "interrupted",
    "dropped": "not delivered (call ended)",
}


def register(services: DashboardServices) -> None:
    opened: dict[str, ChatStore] = {}
    opening = asyncio.Lock()

    async def chat_store() -> ChatStore:
        # Opened on first use: the dashboard may run without the chat feature.
        async with opening:
            if "store" not in opened:
                opened["store"] = await ChatStore.open(services.database or services.db_path)
                services._closers.append(opened["store"].close)
            return opened["store"]

    @guarded_page("/agent/chats", AGENT_PAGES, "Translated chats")
    async def agent_chats_page(user: SessionUser) -> None:
        chats = await chat_store()
        state: dict[str, Any] = {"selected": None, "seen": None, "originals": set()}

        async def snapshot() -> tuple[list[Chat], list[Chat], list[ChatMessage], list[Any]]:
            open_chats = await chats.list_chats()
            waiting = [c for c in open_chats if c.status == "waiting"]
            mine = [c for c in open_chats if c.status == "assigned" and c.agent == user.name]
            selected = state["selected"]
            messages = await chats.list_messages(selected) if selected else []
            notes = await services.notes.list_for_call(selected) if selected else []
            return waiting, mine, messages, notes

        async def pick_up(chat: Chat) -> None:
            if await chats.assign(chat.id, user.name):
                await services.calls.update_call(chat.id, agent=user.name)
                state["selected"] = chat.id
            else:
                ui.notify("Another agent took this chat.")
            await refresh(force=True)

        async def select(chat_id: str) -> None:
            state["selected"] = chat_id
            await refresh(force=True)

        async def send() -> None:
            text = (reply_box.value or "").strip()
            chat = await chats.get_chat(state["selected"]) if state["selected"] else None
            if not text or chat is None or chat.status != "assigned" or chat.agent != user.name:
                ui.notify("Pick up a chat and type a reply first.")
                return
            await chats.add_message(
                chat.id, "agent", text[:MAX_REPLY_LENGTH], chat.agent_language, state="queued"
            )
            reply_box.value = ""
            await refresh(force=True)

        def toggle_original(message_id: int) -> None:
            state["originals"] ^= {message_id}
            state["seen"] = None

        with frame(services, user, "Translated chats"), ui.row().classes("w-full gap-6 items-start"):
            lists = ui.column().classes("w-72 gap-2")
            with ui.column().classes("flex-1 gap-2"):
                conversation = ui.column().classes("w-full gap-1").props('data-testid="conversation"')
                with ui.row().classes("w-full items-center"):
                    reply_box = (
                        ui.input("Reply", validation={"Too long": lambda v: len(v or "") <= MAX_REPLY_LENGTH})
                        .classes("flex-1")
                        .props('data-testid="reply-box"')
                    )
                    reply_box.on("keydown.enter", send)
                    ui.button("Send", on_click=send).props('data-testid="send-reply"')
                notes_box = ui.column().classes("w-full gap-1")

        async def refresh(force: bool = False) -> None:
            waiting, mine, messages, notes = await snapshot()
            seen = (waiting, mine, messages, notes, state["selected"], frozenset(state["originals"]))
            if not force and seen == state["seen"]:
                return
            state["seen"] = seen
            render_lists(waiting, mine)
            render_conversation(messages)
            notes_box.clear()
            with notes_box:
                for note in notes:
                    ui.label(f"Note from {note.author}: {note.text}").classes("text-amber-700").props(
                        'data-testid="chat-note"'
                    )

        def render_lists(waiting: list[Chat], mine: list[Chat]) -> None:
            lists.clear()
            with lists:
                ui.label("Waiting").classes("font-semibold")
                if not waiting:
                    ui.label("No caller is waiting.").classes("text-gray-500")
                for chat in waiting:
                    with ui.card().classes("w-full").props('data-testid="waiting-chat"'):
                        ui.label(f"{chat.caller_number or chat.id} · {chat.caller_language}")
                        ui.button("Pick up", on_click=lambda c=chat: pick_up(c))
                ui.label("My chats").classes("font-semibold")
                for chat in mine:
                    marker = "▶ " if chat.id == state["selected"] else ""
                    ui.button(
                        f"{marker}{chat.caller_number or chat.id} · {chat.caller_language}",
                        on_click=lambda c=chat: select(c.id),
                    ).props("flat").props('data-testid="my-chat"')

        def render_conversation(messages: list[ChatMessage]) -> None:
            conversation.clear()
            with conversation:
                if state["selected"] is None:
                    ui.label("Pick up a waiting chat to start.").classes("text-gray-500")
                for message in messages:
                    if message.sender == "caller":
                        caller_line(message)
                    else:
                        agent_line(message)

        def caller_line(message: ChatMessage) -> None:
            with ui.row().classes("w-full items-baseline gap-2").props('data-testid="caller-line"'):
                ui.label("Caller:").classes("font-semibold")
                ui.label(message.translation or message.text)
                ui.button("original", on_click=lambda m=message.id: toggle_original(m)).props(
                    "flat dense size=sm"
                )
            if message.id in state["originals"]:
                ui.label(f"{message.language}: {message.text}").classes("text-gray-500 ml-6").props(
                    'data-testid="original-line"'
                )

        def agent_line(message: ChatMessage) -> None:
            with ui.column().classes("w-full gap-0 items-end").props('data-testid="agent-line"'):
                with ui.row().classes("items-baseline gap-2"):
                    ui.label(message.text)
                    ui.badge(STATE_LABELS.get(message.state, message.state)).props(
                        'data-testid="delivery-state"'
                    )
                if message.translation:
                    ui.label(f"caller hears: {message.translation}").classes("text-sm text-gray-500")
                if message.back_translation:
                    ui.label(f"back-translation: {message.back_translation}").classes(
                        "text-sm text-gray-500"
                    ).props('data-testid="back-translation"')

        await refresh(force=True)
        ui.timer(REFRESH_S, refresh)
