"""Only the settings layer reads the environment: components receive their settings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("app", "alerts", "chat", "dashboard", "ingest", "qa", "simulator", "vicidial")
READER = "ingest/settings_base.py"
"""The one module that reads `os.environ` (through pydantic-settings)."""
NOT_YET_CONVERTED = {"alerts/config.py"}
"""Alert rules and notifiers keep their own reader until they move to pydantic-settings too."""


def environment_reads(source: str) -> list[int]:
    """Line numbers that read the environment, except building a child process's `env`."""
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        # `env = {**os.environ, ...}` / `env={**os.environ, ...}`: handing an environment to a subprocess.
        if isinstance(node, ast.Assign) and any(_is_name(t, "env") for t in node.targets):
            allowed |= {id(inner) for inner in ast.walk(node.value)}
        if isinstance(node, ast.keyword) and node.arg == "env":
            allowed |= {id(inner) for inner in ast.walk(node.value)}
    lines = []
    for node in ast.walk(tree):
        reads = (
            isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb")
        ) or (isinstance(node, ast.ImportFrom) and node.module == "os" and any(
            alias.name in ("environ", "getenv", "environb") for alias in node.names
        ))  # fmt: skip
        if reads and id(node) not in allowed:
            lines.append(node.lineno)
    return sorted(lines)


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def test_product_code_reads_the_environment_only_in_the_settings_layer() -> None:
    offenders = []
    for package in PRODUCT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative == READER or relative in NOT_YET_CONVERTED:
                continue
            offenders += [
                f"{relative}:{line}" for line in environment_reads(path.read_text(encoding="utf-8"))
            ]
    assert offenders == [], "read settings through ingest.settings_base (a CallmonSettings class) instead"


@pytest.mark.parametrize(
    "source",
    [
        "import os\nport = os.environ.get('PORT')\n",
        "import os\nport = os.getenv('PORT')\n",
        "from os import environ\n",
        "import os\nsettings = dict(os.environ)\n",
    ],
)
def test_the_scan_finds_environment_reads(source: str) -> None:
    assert environment_reads(source) != []


def test_the_scan_allows_an_environment_for_a_subprocess() -> None:
    source = (
        "import os, subprocess\n"
        "env = {**os.environ, 'PATH': '/opt/bin:' + os.environ.get('PATH', '')}\n"
        "subprocess.run(['x'], env={**os.environ, 'LANG': 'C'})\n"
    )
    assert environment_reads(source) == []
