"""`callmon settings`: the table of every setting, generated from the settings classes."""

from __future__ import annotations

from pathlib import Path

import click

from app.settings_table import TABLE_END, TABLE_START, markdown_table, with_table


@click.command(name="settings")
@click.option(
    "--update-readme",
    "readme",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"Rewrite the table between {TABLE_START} and {TABLE_END} in this file.",
)
def settings(readme: Path | None) -> None:
    """Print every environment variable (and CALLMON_CONFIG key) as a Markdown table."""
    table = markdown_table()
    if readme is None:
        click.echo(table, nl=False)
        return
    try:
        readme.write_text(with_table(readme.read_text(encoding="utf-8"), table), encoding="utf-8")
    except ValueError as error:
        raise click.ClickException(f"{readme}: {error}") from None
    click.echo(f"updated the settings table in {readme}", err=True)
