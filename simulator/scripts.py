"""Call scripts: who says what, one line each, in a small text format.

# Title of the call (the first comment line)
agent: thank you for calling
caller: i want to cancel my account
pause: 2.5            (optional: extra seconds of silence)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ingest.events import Speaker

SCRIPTS_DIR = Path(__file__).resolve().parents[1] / "data" / "scripts"


class ScriptError(ValueError):
    """A script line callmon cannot read; the message names file and line."""


@dataclass(frozen=True, slots=True)
class ScriptLine:
    speaker: Speaker
    text: str
    pause_before: float = 0.0


@dataclass(frozen=True, slots=True)
class CallScript:
    name: str
    title: str
    lines: tuple[ScriptLine, ...]


def parse_script(text: str, name: str = "script") -> CallScript:
    title = ""
    lines: list[ScriptLine] = []
    pause = 0.0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            title = title or line.lstrip("# ").strip()
            continue
        who, sep, said = line.partition(":")
        who, said = who.strip().lower(), said.strip()
        if not sep or not said:
            raise ScriptError(f"{name}:{number}: expected 'agent: ...', 'caller: ...' or 'pause: SECONDS'")
        if who == "pause":
            try:
                pause += float(said)
            except ValueError:
                raise ScriptError(f"{name}:{number}: pause needs seconds, got {said!r}") from None
            continue
        if who not in ("agent", "caller"):
            raise ScriptError(f"{name}:{number}: speaker must be agent or caller, got {who!r}")
        lines.append(ScriptLine(cast(Speaker, who), said, pause))  # checked just above
        pause = 0.0
    if not lines:
        raise ScriptError(f"{name}: no lines to speak")
    return CallScript(name=name, title=title or name, lines=tuple(lines))


def load_script(path: Path) -> CallScript:
    return parse_script(path.read_text(encoding="utf-8"), name=path.stem)


def bundled_scripts() -> list[CallScript]:
    return [load_script(p) for p in sorted(SCRIPTS_DIR.glob("*.txt"))]


def find_script(name_or_path: str) -> CallScript:
    path = Path(name_or_path)
    if path.is_file():
        return load_script(path)
    candidate = SCRIPTS_DIR / f"{name_or_path}.txt"
    if candidate.is_file():
        return load_script(candidate)
    known = ", ".join(p.stem for p in sorted(SCRIPTS_DIR.glob("*.txt")))
    raise ScriptError(f"no script {name_or_path!r}: give a file or one of {known}")
