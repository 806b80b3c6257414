"""Tie a page's live updates to its browser tab: stop listening when the tab is gone."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ParamSpec

from nicegui import ui

log = logging.getLogger(__name__)
P = ParamSpec("P")


def listen_while_open(
    subscribe: Callable[[Callable[P, None]], Callable[[], None]], handler: Callable[P, None]
) -> None:
    """Register `handler` with `subscribe` (a feed's or monitor's `listen`) for as long
    as the current page's client lives. Typed, so a feed listener must take an `Event`."""
    client = ui.context.client

    def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        if client.is_deleted:
            return
        handler(*args, **kwargs)

    stop = subscribe(guarded)
    client.on_delete(stop)
