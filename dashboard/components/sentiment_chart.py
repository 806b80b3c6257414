"""A call's sentiment timeline (plotly): one point per utterance, each party's
rolling mood as its own line (an agent's politeness must not hide a caller's
decline), coloured bands at the spec's thresholds."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from ingest.analysis.thresholds import ALERT, CRITICAL, NEGATIVE, POSITIVE
from ingest.events import SentimentPoint, TranscriptSegment

SPEAKER_COLOURS = {"agent": "#1d4ed8", "caller": "#7e22ce", "unknown": "#4b5563"}
MOOD_LINES = {"caller": ("caller mood", "#7e22ce", "solid"), "agent": ("agent mood", "#1d4ed8", "dash")}
"""Trace 3 is the caller's mood (mixed "unknown" lines feed it, as in the worker), 4 the agent's."""
BANDS = (
    (POSITIVE, 1.0, "rgba(22,163,74,0.12)"),
    (ALERT, NEGATIVE, "rgba(251,146,60,0.18)"),
    (CRITICAL, ALERT, "rgba(239,68,68,0.18)"),
    (-1.0, CRITICAL, "rgba(153,27,27,0.25)"),
)


def empty_figure() -> dict[str, Any]:
    traces = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": speaker,
            "x": [],
            "y": [],
            "text": [],
            "marker": {"color": colour, "size": 9},
            "hovertemplate": "%{text}<extra>%{y:+.2f}</extra>",
        }
        for speaker, colour in SPEAKER_COLOURS.items()
    ]
    traces.extend(
        {
            "type": "scatter",
            "mode": "lines",
            "name": name,
            "x": [],
            "y": [],
            "line": {"color": colour, "width": 2, "shape": "spline", "dash": dash},
        }
        for name, colour, dash in MOOD_LINES.values()
    )
    shapes = [
        {
            "type": "rect",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": low,
            "y1": high,
            "fillcolor": colour,
            "line": {"width": 0},
            "layer": "below",
        }
        for low, high, colour in BANDS
    ]
    return {
        "data": traces,
        "layout": {
            "height": 260,
            "margin": {"l": 40, "r": 10, "t": 30, "b": 40},
            "shapes": shapes,
            "yaxis": {"range": [-1.05, 1.05], "title": {"text": "sentiment"}},
            "xaxis": {"title": {"text": "seconds into the call"}},
            "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"},
            "showlegend": True,
        },
        "config": {"displayModeBar": False},
    }


class SentimentChart:
    def __init__(self) -> None:
        self.figure = empty_figure()
        self.plot = ui.plotly(self.figure).classes("w-full").props('data-testid="sentiment-chart"')
        self._seen: set[Any] = set()

    def add(self, point: SentimentPoint | TranscriptSegment, *, refresh: bool = True) -> None:
        """Add one utterance's point; repeats are ignored."""
        if isinstance(point, TranscriptSegment):
            if not point.transcribed:
                return  # no text, no score (no model for its language)
            point = SentimentPoint.of(point)
        key = point.segment_id or (point.speaker, point.start)
        if key in self._seen:
            return
        self._seen.add(key)
        index = list(SPEAKER_COLOURS).index(point.speaker)
        trace = self.figure["data"][index]
        trace["x"].append(point.start)
        trace["y"].append(point.score)
        # Never transcript text here: plotly reads some HTML in hover labels.
        trace["text"].append(f"{point.speaker} {point.label}")
        rolling = self.figure["data"][4 if point.speaker == "agent" else 3]
        rolling["x"].append(point.end)
        rolling["y"].append(point.rolling)
        if refresh:
            self.plot.update()
