"""`callmon simulate`: scripted calls dialled into a running worker."""

from __future__ import annotations

import asyncio

import click

from simulator.dialing import PROTOCOLS, DialedCall, Target, run_simulation
from simulator.scripts import ScriptError, bundled_scripts, find_script


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the worker listens.")
@click.option("--audiosocket-port", default=9093, show_default=True, envvar="CALLMON_AUDIOSOCKET_PORT")
@click.option("--http-port", default=8080, show_default=True, envvar="CALLMON_HTTP_PORT")
@click.option(
    "--script",
    "scripts",
    multiple=True,
    help="A script name under data/scripts or a file (repeatable).  [default: all]",
)
@click.option(
    "--protocol",
    "protocols",
    multiple=True,
    type=click.Choice(PROTOCOLS),
    help="Protocols to use, in turn.  [default: all]",
)
@click.option("--calls", type=int, default=None, help="How many calls in all.  [default: one per script]")
@click.option("--forever", is_flag=True, help="Keep dialling until interrupted.")
@click.option("--concurrency", default=1, show_default=True, help="Calls at a time.")
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    help="Pace: 1 = real time, 4 = four times faster (faster than real time needs a worker"
    " run with CALLMON_AUDIO_BURST_S=0, which otherwise drops it as a flood).",
)
@click.option("--fast", is_flag=True, help="Send audio as fast as the socket takes it (see --speed).")
@click.option("--auth-token", envvar="TWILIO_AUTH_TOKEN", help="Sign Twilio upgrades with this token.")
def simulate(
    host: str,
    audiosocket_port: int,
    http_port: int,
    scripts: tuple[str, ...],
    protocols: tuple[str, ...],
    calls: int | None,
    forever: bool,
    concurrency: int,
    speed: float,
    fast: bool,
    auth_token: str | None,
) -> None:
    """Dial scripted calls (flite voices: agent awb, caller rms) into a running worker."""
    try:
        chosen = [find_script(s) for s in scripts] if scripts else bundled_scripts()
    except ScriptError as error:
        raise click.UsageError(str(error)) from None
    if speed <= 0:
        raise click.UsageError("--speed must be positive (use --fast for no pacing)")
    target = Target(host, audiosocket_port, http_port, auth_token=auth_token)

    def dialed(call: DialedCall) -> None:
        click.echo(f"{call.protocol:>17}  {call.script:<20} {call.duration:5.1f} s  {call.call_id}")

    total = None if forever else (calls or len(chosen))
    # click.Choice(PROTOCOLS) let only those names through.
    chosen_protocols = [p for p in PROTOCOLS if p in protocols] if protocols else list(PROTOCOLS)
    try:
        result = asyncio.run(
            run_simulation(
                target,
                chosen,
                calls=total,
                concurrency=concurrency,
                speed=None if fast else speed,
                protocols=chosen_protocols,
                on_dialed=dialed,
            )
        )
    except KeyboardInterrupt:
        return
    except OSError as error:
        raise click.ClickException(f"cannot reach the worker at {host}: {error}") from None
    click.echo(f"{len(result)} calls dialled")
