"""Tie a page's live updates to its browser tab: stop listening when the tab is gone."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from nicegui import ui

log = logging.getLogger(__name__)


def listen_while_open(
    subscribe: Callable[[Callable[..., None]], Callable[[], None]], handler: Callable[..., None]
) -> None:
    """Register `handler` with `subscribe` (a feed's or monitor's `listen`) for as long
    as the current page's client lives."""
    client = ui.context.client

    def guarded(*args: Any) -> None:
        if client.is_deleted:
            return
        handler(*args)

    stop = subscribe(guarded)
    client.on_delete(stop)
