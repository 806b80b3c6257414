"""One short labelled call, spoken and phoned into a real worker, scored as bench/insight_e2e does.

Real speech (flite), the real telephone path, Twilio Media Streams and
AudioSocket split legs, pocketsphinx, the alert rules and the scorer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.config import load_alert_settings
from bench.insight_corpus import Call, Line
from bench.insight_e2e import run_condition, score
from simulator.dialing import Protocol

pytestmark = pytest.mark.slow


def _line(who: str, say: str, start: float, feel: str, keywords: tuple[str, ...] = ()) -> Line:
    end = start + 0.4 * len(say.split()) + 0.3
    return Line(who, say, feel, frozenset(keywords), frozenset(), start, end, discloses=who == "agent")


def _call(call_id: str) -> Call:
    return Call(
        id=call_id,
        kind="test",
        mixed=False,
        voices={"agent": "flite:rms", "caller": "flite:rms"},
        expect=frozenset({"keyword_detected"}),
        lines=(
            _line("agent", "hello, this call may be recorded, how can i help", 0.5, "neu"),
            _line("caller", "i want to cancel my account", 5.0, "neg", ("cancel",)),
        ),
    )


async def test_a_spoken_call_over_twilio_and_audiosocket_is_recognised_aligned_and_alerted_on(
    tmp_path: Path,
) -> None:
    calls = [_call("over-twilio"), _call("over-audiosocket")]
    protocols: dict[str, Protocol] = {"over-twilio": "twilio", "over-audiosocket": "audiosocket"}
    settings = load_alert_settings(env={})
    failures: list[str] = []
    outcomes = await run_condition(
        calls,
        "clean",
        engine="sphinx",
        speed=None,
        concurrency=1,
        alert_settings=settings,
        workdir=tmp_path,
        cache_dir=tmp_path / "cache",
        choose_protocol=lambda _index, call: protocols[call.id],
        quiet=True,
        failures=failures,
    )
    assert failures == []
    assert [outcome.protocol for outcome in outcomes] == ["twilio", "audiosocket"]
    for outcome in outcomes:
        assert {segment.speaker for segment in outcome.segments} == {"agent", "caller"}, outcome.segments
    assert (tmp_path / "cache" / "lines").is_dir()

    report = score(outcomes, settings, "sphinx")
    heard = [segment.text for outcome in outcomes for segment in outcome.segments]
    assert report.lines == 4 and report.lines_unheard == 0 and report.stray_segments == 0, heard
    assert report.wer.rate < 0.5, heard
    assert report.keywords.recall == 1.0, heard
    assert report.overall.recall == 1.0 and report.overall.precision == 1.0, report.details
