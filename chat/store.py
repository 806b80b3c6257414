"""`ChatStore`: translated chats and their messages in the callmon SQLite file.

The ingest worker (webhooks, Media Streams) and the dashboard (the agent's
replies) may run in different processes: this table is where they meet.
Message states: a caller line is ``received``; an agent reply is ``queued``,
then ``playing`` (Media Streams only), then ``spoken`` -- or ``interrupted``
when a newer reply cut it, ``dropped`` when the call ended first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import aiosqlite

from ingest.storage.component_store import ComponentStore

COMPONENT = "chat"
CHAT_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        mode TEXT NOT NULL,
        status TEXT NOT NULL,
        caller_number TEXT,
        caller_language TEXT,
        agent_language TEXT NOT NULL,
        agent TEXT,
        stream_sid TEXT,
        created_at REAL NOT NULL,
        ended_at REAL
    );
    CREATE INDEX chats_by_status ON chats (status, created_at);
    CREATE TABLE chat_messages (
        id INTEGER PRIMARY KEY,
        chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        sender TEXT NOT NULL,
        text TEXT NOT NULL,
        language TEXT NOT NULL,
        translation TEXT,
        back_translation TEXT,
        state TEXT NOT NULL,
        created_at REAL NOT NULL,
        delivered_at REAL
    );
    CREATE INDEX chat_messages_by_chat ON chat_messages (chat_id, id);
    CREATE INDEX chat_messages_by_state ON chat_messages (state, id);
    """,
)
OPEN_STATUSES = ("choosing", "waiting", "assigned")


@dataclass(frozen=True, slots=True)
class Chat:
    id: str
    """The Twilio CallSid: the chat's call in the call store has the same id."""
    mode: str
    """``voice`` (webhooks) or ``media`` (two-way Media Stream)."""
    status: str
    """``choosing`` a language, ``waiting`` for an agent, ``assigned``, ``ended``."""
    caller_number: str | None
    caller_language: str | None
    agent_language: str
    agent: str | None
    stream_sid: str | None
    created_at: float
    ended_at: float | None


@dataclass(frozen=True, slots=True)
class ChatMessage:
    id: int
    chat_id: str
    sender: str
    """``caller`` or ``agent``."""
    text: str
    """What the sender said or typed, in `language`."""
    language: str
    translation: str | None
    """Into the other party's language (None until translated)."""
    back_translation: str | None
    """Agent replies only: the translation translated back, to catch mistranslations."""
    state: str
    created_at: float
    delivered_at: float | None


_CHAT_COLUMNS = (
    "id, mode, status, caller_number, caller_language, agent_language, agent,"
    " stream_sid, created_at, ended_at"
)
_MESSAGE_COLUMNS = (
    "id, chat_id, sender, text, language, translation, back_translation, state, created_at, delivered_at"
)


class ChatStore(ComponentStore):
    """Create with `await ChatStore.open(path)`."""

    COMPONENT = COMPONENT
    MIGRATIONS = CHAT_MIGRATIONS

    # ------------------------------------------------------------------ chats

    async def open_chat(
        self, chat_id: str, mode: str, agent_language: str, caller_number: str | None = None
    ) -> Chat:
        """Start a chat (a repeated webhook for the same call keeps the existing one)."""
        await self._execute(
            "INSERT OR IGNORE INTO chats (id, mode, status, caller_number, agent_language, created_at)"
            " VALUES (?, ?, 'choosing', ?, ?, ?)",
            (chat_id, mode, caller_number, agent_language, time.time()),
        )
        chat = await self.get_chat(chat_id)
        assert chat is not None
        return chat

    async def set_language(self, chat_id: str, language: str) -> None:
        """The caller chose: the chat now waits in the queue for an agent."""
        await self._execute(
            "UPDATE chats SET caller_language = ?,"
            " status = CASE status WHEN 'choosing' THEN 'waiting' ELSE status END"
            " WHERE id = ?",
            (language, chat_id),
        )

    async def set_stream(self, chat_id: str, stream_sid: str) -> None:
        await self._execute("UPDATE chats SET stream_sid = ? WHERE id = ?", (stream_sid, chat_id))

    async def assign(self, chat_id: str, agent: str) -> bool:
        """Give a waiting chat to `agent`; False when it is taken or over."""
        changed = await self._execute(
            "UPDATE chats SET agent = ?, status = 'assigned' WHERE id = ? AND status = 'waiting'",
            (agent, chat_id),
        )
        return changed > 0

    async def end_chat(self, chat_id: str) -> bool:
        """Close the chat; replies never spoken become ``dropped``. False if it was already over."""
        now = time.time()

        async def write(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(
                "UPDATE chats SET status = 'ended', ended_at = ? WHERE id = ? AND status != 'ended'",
                (now, chat_id),
            )
            await db.execute(
                "UPDATE chat_messages SET state = 'dropped' WHERE chat_id = ?"
                " AND state IN ('queued', 'playing')",
                (chat_id,),
            )
            return cursor.rowcount

        return await self._write(f"end chat {chat_id}", write) > 0

    async def get_chat(self, chat_id: str) -> Chat | None:
        rows = await self._read(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE id = ?", (chat_id,))
        return Chat(*rows[0]) if rows else None

    async def list_chats(self, statuses: tuple[str, ...] = OPEN_STATUSES, limit: int = 100) -> list[Chat]:
        marks = ", ".join("?" for _ in statuses)
        rows = await self._read(
            f"SELECT {_CHAT_COLUMNS} FROM chats WHERE status IN ({marks}) ORDER BY created_at, id LIMIT ?",
            (*statuses, limit),
        )
        return [Chat(*row) for row in rows]

    # --------------------------------------------------------------- messages

    async def add_message(
        self,
        chat_id: str,
        sender: str,
        text: str,
        language: str,
        *,
        translation: str | None = None,
        state: str,
    ) -> ChatMessage:
        now = time.time()

        async def write(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(
                "INSERT INTO chat_messages (chat_id, sender, text, language, translation, state,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (chat_id, sender, text, language, translation, state, now),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        message_id = await self._write(f"add message to chat {chat_id}", write)
        return ChatMessage(message_id, chat_id, sender, text, language, translation, None, state, now, None)

    async def set_translations(self, message_id: int, translation: str, back_translation: str | None) -> None:
        await self._execute(
            "UPDATE chat_messages SET translation = ?, back_translation = ? WHERE id = ?",
            (translation, back_translation, message_id),
        )

    async def set_state(self, message_ids: list[int], state: str, *, only_from: tuple[str, ...] = ()) -> int:
        """Move messages to `state` (``spoken`` stamps the delivery time); `only_from` guards races."""
        if not message_ids:
            return 0
        marks = ", ".join("?" for _ in message_ids)
        guard = f" AND state IN ({', '.join('?' for _ in only_from)})" if only_from else ""
        delivered = time.time() if state == "spoken" else None
        return await self._execute(
            f"UPDATE chat_messages SET state = ?, delivered_at = COALESCE(?, delivered_at)"
            f" WHERE id IN ({marks}){guard}",
            (state, delivered, *message_ids, *only_from),
        )

    async def list_messages(self, chat_id: str) -> list[ChatMessage]:
        rows = await self._read(
            f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
        return [ChatMessage(*row) for row in rows]

    async def queued_replies(self, chat_id: str | None = None) -> list[ChatMessage]:
        """Agent replies not yet handed to the caller's side, oldest first."""
        where, params = ("AND chat_id = ?", (chat_id,)) if chat_id else ("", ())
        rows = await self._read(
            f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE sender = 'agent'"
            f" AND state = 'queued' {where} ORDER BY id",
            params,
        )
        return [ChatMessage(*row) for row in rows]

    # -------------------------------------------------------------- internals

    async def _execute(self, sql: str, params: Any) -> int:
        """One statement in its own transaction; the number of rows it changed."""

        async def body(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(sql, params)
            return cursor.rowcount

        return await self._write(sql.split(" ", 1)[0].lower(), body)
