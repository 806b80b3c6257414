"""The labelled call corpus of bench/insight.py (data/insight/calls.toml).

Each call is a list of lines with the true words and a person's labels; see
the file's header for the format. This module loads it, gives each line a
start and end on the call's clock (so the disclosure deadline means
something), and derives from the line labels what SPEC.md's rules should
raise, as a check on the hand-written expectations (`derived_alerts`).

The format is meant to be rendered to audio later: one voice per speaker
(`voices`), the original words for non-English lines (`original`, `lang`),
and times that a renderer can honour or replace with the real durations.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "data" / "insight" / "calls.toml"
FEELINGS = {"pos": "positive", "neu": "neutral", "neg": "negative", "vneg": "negative"}
SECONDS_PER_WORD = 0.4
GAP_S = 0.6
# What a person's label stands for on VADER's scale, to derive the trend rules.
NOMINAL_SCORE = {"pos": 0.5, "neu": 0.0, "neg": -0.5, "vneg": -0.85}


@dataclass(frozen=True, slots=True)
class Line:
    who: str
    say: str
    """English words (the translation, for a non-English line)."""
    feel: str
    keywords: frozenset[str]
    profanity: frozenset[str]
    start: float
    end: float
    lang: str = "en"
    original: str | None = None
    discloses: bool = False
    """The agent completes the recording disclosure on this line (a person's label)."""

    @property
    def label(self) -> str:
        """The person's label as a sentiment label (very negative is negative)."""
        return FEELINGS[self.feel]


@dataclass(frozen=True, slots=True)
class Call:
    id: str
    kind: str
    mixed: bool
    voices: dict[str, str]
    expect: frozenset[str]
    lines: tuple[Line, ...]

    @property
    def quiet(self) -> bool:
        return not self.expect


def load_corpus(path: Path = CORPUS) -> list[Call]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    calls = [_call(raw) for raw in data["call"]]
    ids = [call.id for call in calls]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: call ids repeat")
    return calls


def _call(raw: dict[str, Any]) -> Call:
    lines = []
    clock = 0.5
    for item in raw["lines"]:
        if item["feel"] not in FEELINGS:
            raise ValueError(f"{raw['id']}: unknown feel {item['feel']!r}")
        start = float(item.get("at", clock))
        end = start + SECONDS_PER_WORD * len(item["say"].split()) + 0.3
        lines.append(
            Line(
                who=item["who"],
                say=item["say"],
                feel=item["feel"],
                keywords=frozenset(item.get("kw", ())),
                profanity=frozenset(item.get("swear", ())),
                start=round(start, 2),
                end=round(end, 2),
                lang=item.get("lang", "en"),
                original=item.get("original"),
                discloses=bool(item.get("disclose", False)),
            )
        )
        clock = end + GAP_S
    return Call(
        id=raw["id"],
        kind=raw["kind"],
        mixed=bool(raw.get("mixed", False)),
        voices=dict(raw["voices"]),
        expect=frozenset(raw["expect"]),
        lines=tuple(lines),
    )


def derived_alerts(call: Call) -> set[str]:
    """What SPEC's rules raise on the person's labels (nominal scores for the trends).

    Keyword classes follow the default rules' lists.
    """
    legal = {"legal", "lawyer", "attorney", "solicitor", "sue", "court", "regulator", "ombudsman"}
    raised: set[str] = set()
    customer = [line for line in call.lines if call.mixed or line.who == "caller"]
    streak = 0
    scores: list[float] = []
    for line in customer:
        if line.keywords - legal:
            raised.add("keyword_detected")
        if line.keywords & legal:
            raised.add("legal_threat")
        if line.profanity:
            raised.add("profanity")
        if line.feel == "vneg":
            raised.add("very_negative")
        streak = streak + 1 if line.label == "negative" else 0
        if streak >= 3:
            raised.add("negative_trend")
        if streak >= 5:
            raised.add("severe_negative_trend")
        scores.append(NOMINAL_SCORE[line.feel])
        recent = scores[-5:]
        if len(scores) >= 3 and sum(recent) / len(recent) < -0.4:
            raised.add("declining_call")
    for line in call.lines:
        if line.who == "agent" and not call.mixed and (line.profanity or line.feel == "vneg"):
            raised.add("agent_conduct")
    if not any(line.discloses and line.start <= 30.0 for line in call.lines):
        raised.add("missing_disclosure")
    return raised
