"""The QA scorecard form (from the configured criteria, with a live total) and
the list of a call's earlier scorecards."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from nicegui import ui

from ingest.storage.database import DatabaseTarget
from qa import CriteriaError, Criterion, Scorecard, ScorecardStore, total_score
from qa.criteria import SCALE_MAX, SCALE_MIN, Answer

NOT_APPLICABLE = "n/a"
MAX_NOTES = 2000


@asynccontextmanager
async def scorecard_store(db_path: Path | DatabaseTarget) -> AsyncIterator[ScorecardStore]:
    """A store for one action: reviews are rare, a connection each keeps the services untouched."""
    store = await ScorecardStore.open(db_path)
    try:
        yield store
    finally:
        await store.close()


def answer_from_choice(criterion: Criterion, choice: str | None) -> Answer:
    """A toggle's string as the answer `total_score` expects (None: not applicable)."""
    if choice in (None, NOT_APPLICABLE):
        return None
    if criterion.kind == "yes_no":
        return choice == "yes"
    return int(choice)


def format_total(total: float | None) -> str:
    return "–" if total is None else f"{total:.0f} / 100"


def split_tags(text: str | None) -> list[str]:
    return [tag.strip() for tag in (text or "").split(",") if tag.strip()]


SaveHandler = Callable[[dict[str, Answer], str, list[str]], Awaitable[None]]


class ScorecardForm:
    """One toggle per criterion (yes/no or 1-5, each with n/a), notes, tags, live total."""

    def __init__(self, criteria: Sequence[Criterion], on_save: SaveHandler) -> None:
        self.criteria = tuple(criteria)
        self._on_save = on_save
        self.choices: dict[str, ui.toggle] = {}
        with ui.card().classes("w-full gap-2").props('data-testid="scorecard-form"'):
            with ui.row().classes("w-full items-center"):
                ui.label("Scorecard").classes("font-semibold")
                ui.space()
                self.total = (
                    ui.label(format_total(None))
                    .classes("text-lg font-bold")
                    .props('data-testid="scorecard-total"')
                )
            for criterion in self.criteria:
                options = (
                    ["yes", "no"]
                    if criterion.kind == "yes_no"
                    else [str(n) for n in range(SCALE_MIN, SCALE_MAX + 1)]
                )
                with ui.row().classes("w-full items-center no-wrap gap-2 text-sm"):
                    ui.label(criterion.label).classes("grow")
                    ui.label(f"×{criterion.weight:g}").classes("text-xs text-gray-500")
                    toggle = ui.toggle(
                        [*options, NOT_APPLICABLE], value=NOT_APPLICABLE, on_change=self._recompute
                    ).props("dense no-caps")
                    toggle._props["data-criterion"] = criterion.id
                    self.choices[criterion.id] = toggle
            self.notes = (
                ui.textarea("Reviewer notes")
                .props(f'dense autogrow maxlength={MAX_NOTES} data-testid="scorecard-notes"')
                .classes("w-full")
            )
            self.tags = (
                ui.input("Tags (comma separated)", placeholder="coaching, compliance")
                .props('dense data-testid="scorecard-tags"')
                .classes("w-full")
            )
            ui.button("Save scorecard", on_click=self._save).props('data-testid="scorecard-save"')

    def answers(self) -> dict[str, Answer]:
        return {c.id: answer_from_choice(c, self.choices[c.id].value) for c in self.criteria}

    def _recompute(self) -> None:
        self.total.text = format_total(total_score(self.criteria, self.answers()))

    async def _save(self) -> None:
        answers = self.answers()
        if all(value is None for value in answers.values()):
            ui.notify("Answer at least one item before saving.", type="warning")
            return
        await self._on_save(answers, self.notes.value or "", split_tags(self.tags.value))


class ScorecardHistory:
    def __init__(self) -> None:
        with ui.card().classes("w-full gap-1").props('data-testid="scorecards"'):
            ui.label("Earlier scorecards").classes("font-semibold")
            self.list = ui.column().classes("w-full gap-1 text-sm")
            self.none = ui.label("None yet.").classes("text-sm text-gray-500")

    def add(self, card: Scorecard, *, newest: bool = False) -> None:
        with (
            self.list,
            ui.column()
            .classes("w-full gap-0 border-l-4 border-slate-400 pl-2")
            .props('data-testid="scorecard"') as row,
        ):
            with ui.row().classes("gap-3"):
                ui.label(format_total(card.total)).classes("font-bold")
                ui.label(card.reviewer).classes("font-medium")
                ui.label(time.strftime("%Y-%m-%d %H:%M", time.localtime(card.reviewed_at))).classes(
                    "text-gray-500"
                )
                if card.tags:
                    ui.label(", ".join(card.tags)).classes("text-xs bg-slate-200 rounded px-1")
            if card.notes:
                ui.label(card.notes).classes("whitespace-pre-wrap")
        if newest:
            row.move(target_index=0)
        self.none.visible = False


def criteria_or_notice(load: Callable[[], tuple[Criterion, ...]]) -> tuple[Criterion, ...] | None:
    """The configured criteria; a broken criteria file is shown, not raised."""
    try:
        return load()
    except CriteriaError as error:
        ui.label(f"The QA criteria cannot be read: {error}").classes("text-red-700 whitespace-pre-wrap")
        return None
