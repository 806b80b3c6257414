"""The dependency direction the README draws, checked on the real import graph.

import-linter's layers contract (pyproject.toml) fails on any upward import or
cycle between top-level packages; this test runs it so `pytest` alone catches
a broken direction, and adds what the contract cannot see: an import of our
own packages hidden inside a function (the usual way to dodge a cycle).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("app", "alerts", "chat", "dashboard", "ingest", "qa", "simulator", "vicidial")
LAYERS = ("app", "dashboard", "qa | chat | simulator", "alerts | vicidial", "ingest")

# Our own modules that may be imported lazily, each for a stated reason.
LAZY_FIRST_PARTY = {
    # NiceGUI takes a second to import; CLI commands that serve no page skip it.
    "dashboard.serving",
    # Each engine module imports its heavy library at the top; only the chosen one loads.
    "ingest.asr.whisper",
    "ingest.asr.deepgram",
    "ingest.asr.sphinx",
    "ingest.asr.openai_compatible",
}


def _lint_imports(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("lint-imports"))]
    if config is not None:
        command += ["--config", str(config)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_packages_import_downward_only() -> None:
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_fails_on_an_upward_import(tmp_path: Path) -> None:
    """The check can fail: the same layers with ingest on top report the real edges as broken."""
    config = tmp_path / "inverted.toml"
    layers = ", ".join(f'"{layer}"' for layer in reversed(LAYERS))
    config.write_text(
        "[tool.importlinter]\n"
        f"root_packages = {list(PRODUCT_PACKAGES)!r}\n"
        "[[tool.importlinter.contracts]]\n"
        'name = "inverted"\n'
        'type = "layers"\n'
        f"layers = [{layers}]\n"
    )
    result = _lint_imports(config)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


def test_the_readme_states_the_same_layers() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "app → dashboard → qa | chat | simulator → alerts | vicidial → ingest" in readme


def _function_level_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((node.lineno, node.module))
            elif isinstance(node, ast.Import):
                found.extend((node.lineno, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize("package", PRODUCT_PACKAGES)
def test_no_first_party_import_hides_inside_a_function(package: str) -> None:
    hidden = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in _function_level_imports(path):
            if module.split(".")[0] in PRODUCT_PACKAGES and module not in LAZY_FIRST_PARTY:
                hidden.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not hidden, "move these imports to the top of the module:\n" + "\n".join(hidden)
