"""What the chat's poll webhook does next (pure: times and stored rows in, a decision out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

from chat.store import Chat, ChatMessage

PollStep = Literal["speak", "hold", "apologise", "goodbye"]


@dataclass(frozen=True, slots=True)
class PollDecision:
    step: PollStep
    lines: tuple[str, ...] = ()
    """Replies to say, in the caller's language (``speak`` only)."""


def decide_poll(chat: Chat | None, replies: list[ChatMessage], now: float, deadline: float) -> PollDecision:
    """Speak every ready reply; else hold until `deadline`; then apologise (back to listening)."""
    if chat is None or chat.status == "ended":
        return PollDecision("goodbye")
    ready = tuple(reply.translation or reply.text for reply in replies)
    if ready:
        return PollDecision("speak", ready)
    if now < deadline:
        return PollDecision("hold")
    return PollDecision("apologise")


def parse_deadline(query: str, fallback: float) -> float:
    """The `deadline` of a poll URL's query; a missing or bad one means `fallback`."""
    values = parse_qs(query).get("deadline")
    try:
        return float(values[0]) if values else fallback
    except ValueError:
        return fallback
