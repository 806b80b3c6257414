"""deploy/systemd: the unit files parse strictly, carry the settings a production
service needs, run real callmon commands, and pass `systemd-analyze verify`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from tests.deploy.conftest import DEPLOY, require_tool

UNITS = DEPLOY / "systemd"
SERVICES = {
    "callmon-ingest@.service": "ingest",
    "callmon-dashboard@.service": "dashboard",
    "callmon-alerts@.service": "alerts",
}
SECTIONS = {"Unit", "Service", "Install"}
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictNamespaces": "yes",
    "CapabilityBoundingSet": "",
    "SystemCallFilter": "@system-service",
}

Unit = dict[str, dict[str, list[str]]]


def parse_unit(path: Path) -> Unit:
    """A strict reading of systemd's INI dialect: every line is a comment, a
    known section header or Key=Value inside a section; keys may repeat."""
    unit: Unit = {}
    section: str | None = None
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line or line.startswith(("#", ";")):
            continue
        assert not raw.rstrip().endswith("\\"), f"{where}: no continuation lines"
        if match := re.fullmatch(r"\[(\w+)\]", line):
            section = match.group(1)
            assert section in SECTIONS, f"{where}: unknown section [{section}]"
            assert section not in unit, f"{where}: section [{section}] twice"
            unit[section] = {}
            continue
        match = re.fullmatch(r"([A-Za-z][A-Za-z0-9]*)=(.*)", line)
        assert match, f"{where}: not Key=Value: {raw!r}"
        assert section is not None, f"{where}: key before any section"
        unit[section].setdefault(match.group(1), []).append(match.group(2).strip())
    return unit


def one(unit: Unit, section: str, key: str) -> str:
    values = unit.get(section, {}).get(key, [])
    assert len(values) == 1, f"[{section}] {key}: expected one value, got {values}"
    return values[0]


@pytest.mark.parametrize(("name", "verb"), SERVICES.items())
def test_service_template_has_what_production_needs(name: str, verb: str) -> None:
    unit = parse_unit(UNITS / name)
    assert set(unit) == SECTIONS
    assert "%i" in one(unit, "Unit", "Description")
    assert one(unit, "Unit", "PartOf") == "callmon.target"
    assert "network-online.target" in one(unit, "Unit", "After")
    service = unit["Service"]
    assert one(unit, "Service", "ExecStart") == f"/opt/callmon/.venv/bin/callmon {verb}"
    assert one(unit, "Service", "User") == one(unit, "Service", "Group") == "callmon"
    # Shared settings first, then the instance's own (optional: leading "-").
    assert service["EnvironmentFile"] == ["/etc/callmon/callmon.env", f"-/etc/callmon/{verb}-%i.env"]
    assert one(unit, "Service", "Restart") == "on-failure"
    assert one(unit, "Service", "StateDirectory") == "callmon"
    for key, value in HARDENING.items():
        assert one(unit, "Service", key) == value, key
    assert set(one(unit, "Service", "RestrictAddressFamilies").split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    assert one(unit, "Install", "WantedBy") == "callmon.target"


def test_target_and_sysusers_files() -> None:
    target = parse_unit(UNITS / "callmon.target")
    assert one(target, "Install", "WantedBy") == "multi-user.target"
    lines = [
        line.split()
        for line in (UNITS / "callmon.sysusers.conf").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == [["u", "callmon", "-", '"callmon', "call", 'monitoring"', "/var/lib/callmon", "-"]]


def test_environment_examples_are_plain_assignments() -> None:
    # systemd's EnvironmentFile= takes KEY=VALUE lines; no `export`, no spaces around =.
    for example in sorted(UNITS.glob("*.env.example")):
        for number, line in enumerate(example.read_text().splitlines(), 1):
            if line.strip() and not line.startswith("#"):
                assert re.fullmatch(r"[A-Z][A-Z0-9_]*=\S*", line), f"{example.name}:{number}: {line!r}"


@pytest.mark.parametrize("verb", sorted(set(SERVICES.values())))
def test_units_run_commands_the_cli_has(verb: str) -> None:
    result = CliRunner().invoke(main, [verb, "--help"])
    assert result.exit_code == 0, result.output


def test_systemd_analyze_verify_accepts_every_unit(tmp_path: Path) -> None:
    analyze = require_tool("systemd-analyze", "systemd")
    callmon = Path(sys.executable).parent / "callmon"
    assert callmon.exists(), "the callmon script is not installed next to this Python (pip install -e .)"
    for path in [*UNITS.glob("*.service"), UNITS / "callmon.target"]:
        # verify checks that ExecStart's program exists: point it at this checkout's.
        text = path.read_text().replace("/opt/callmon/.venv/bin/callmon", str(callmon))
        (tmp_path / path.name).write_text(text)
    # A template is verified through an instance; systemd finds the template beside it.
    instances = [name.replace("@.", "@1.") for name in SERVICES]
    done = subprocess.run(
        [analyze, "verify", "--man=no", *instances, "callmon.target"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # verify only warns (exit 0) about unknown keys and bad values: any line
    # about our files is a failure.
    ours = [line for line in (done.stdout + done.stderr).splitlines() if "callmon" in line]
    assert done.returncode == 0 and not ours, done.stdout + done.stderr


def test_systemd_analyze_verify_catches_a_bad_unit(tmp_path: Path) -> None:
    """The check above can fail: a misspelt key in a copy of a unit is reported."""
    analyze = require_tool("systemd-analyze", "systemd")
    text = (UNITS / "callmon-alerts@.service").read_text()
    text = text.replace("/opt/callmon/.venv/bin/callmon", str(Path(sys.executable).parent / "callmon"))
    (tmp_path / "callmon-alerts@.service").write_text(text.replace("NoNewPrivileges=", "NoNewPrivilege="))
    done = subprocess.run(
        [analyze, "verify", "--man=no", "callmon-alerts@1.service"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Unknown key 'NoNewPrivilege'" in done.stderr
