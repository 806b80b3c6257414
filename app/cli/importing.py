"""`callmon import`: batch-transcribe WAV recordings through the same pipeline as live calls."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from app.cli.options import DB_OPTION, load_component_settings, load_settings
from app.worker import IngestWorker
from ingest.adapters.recordings import Recording, RecordingError, inspect_recording, recording_events
from ingest.settings import ASR_ENGINES, ASR_HELP, IngestSettings


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@DB_OPTION
@click.option(
    "--asr",
    type=click.Choice(ASR_ENGINES),
    envvar="CALLMON_ASR",
    show_envvar=True,
    help=ASR_HELP,
)
@click.option("--force", is_flag=True, help="Import files again even if already imported.")
def import_recordings(files: tuple[Path, ...], db_path: Path | None, asr: str | None, force: bool) -> None:
    """Transcribe WAV recordings (stereo: agent left, caller right) into the database.

    Each file becomes one call (id rec-<name>-<hash>), analysed and alerted on
    like a live call. Files already imported are skipped unless --force.
    """
    recordings: list[Recording] = []
    problems = 0
    for path in files:
        try:
            recordings.append(inspect_recording(path))
        except RecordingError as error:
            click.echo(f"skipped: {error}", err=True)
            problems += 1
    if recordings:
        settings = load_settings(db_path=db_path, asr=asr)
        asyncio.run(_import(settings, recordings, force))
    if problems:
        raise SystemExit(1)


async def _import(settings: IngestSettings, recordings: list[Recording], force: bool) -> None:
    async with IngestWorker(settings, load_component_settings(), listen=False) as worker:
        total = sum(r.duration for r in recordings)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f} s of audio"),
            TimeRemainingColumn(),
        )
        with Progress(*columns) as progress:
            bar = progress.add_task("importing", total=total)
            for recording in recordings:
                progress.update(bar, description=recording.path.name)
                if not force and await worker.store.get_call(recording.call_id) is not None:
                    progress.console.print(f"already imported: {recording.path} ({recording.call_id})")
                else:
                    for event in recording_events(recording):
                        worker.pipeline.submit(event)
                        await asyncio.sleep(0)  # let storage and recognition keep up
                    await worker.pipeline.drain()
                    summary = await worker.store.get_call(recording.call_id)
                    segments = summary.segment_count if summary else 0
                    progress.console.print(
                        f"imported {recording.path} -> {recording.call_id}: {segments} segments"
                    )
                progress.advance(bar, recording.duration)
