"""`callmon`: the command line. Each verb lives in its own module."""

from __future__ import annotations

import logging
import os

import click

from app.cli.alerts import alerts
from app.cli.calls import calls
from app.cli.dashboard import dashboard, users
from app.cli.importing import import_recordings
from app.cli.qa import agents, export, purge, search
from app.cli.serve import ingest, run
from app.cli.settings import settings
from app.cli.simulating import simulate


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="callmon")
def main(verbose: int) -> None:
    """callmon: live call transcription, sentiment and alerts for call centres.

    \b
    Quick start:
      callmon run --demo          worker + dashboard + simulated calls, live log
      callmon ingest              the worker alone (AudioSocket + Twilio)
      callmon calls list          calls stored in the database
      callmon dashboard           the supervisor dashboard alone (Redis + SQLite)
      callmon users add NAME --role admin
    """
    # Databases, session files and exports hold call transcripts and credentials:
    # whatever callmon creates is readable by its own user only (0600 files, 0700 folders).
    os.umask(0o077)
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )


main.add_command(ingest)
main.add_command(run)
main.add_command(simulate)
main.add_command(calls)
main.add_command(import_recordings)
for _qa_command in (search, export, purge, agents):
    main.add_command(_qa_command)


main.add_command(alerts)
main.add_command(dashboard)
main.add_command(users)
main.add_command(settings)
