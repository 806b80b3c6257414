"""The utterance spool: files written whole, read back whole, listed without audio."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.audio.segmenter import SpeechSpan
from ingest.pipeline.spool import SpoolError, UtteranceSpool, read_spooled


def _span(start: float, seconds: float = 2.0) -> SpeechSpan:
    pcm = bytes(range(256)) * int(seconds * 8000 * 2 / 256)
    return SpeechSpan(start=start, end=start + seconds, pcm=pcm, sample_rate=8000, voiced_end=start + seconds)


def test_pending_lists_utterances_in_spoken_order_without_their_audio(tmp_path: Path) -> None:
    """A backlog of hours must not be read into memory at once: the audio is read
    again when recognition reaches each utterance."""
    spool = UtteranceSpool(tmp_path / "spool")
    later = spool.put("c1", "agent", _span(7.5))
    earlier = spool.put("c1", "caller", _span(1.25))
    other = spool.put("c0", "caller", _span(3.0))

    pending = spool.pending()

    assert [(item.call_id, item.speaker, item.span.start) for item in pending] == [
        ("c0", "caller", 3.0),
        ("c1", "caller", 1.25),
        ("c1", "agent", 7.5),
    ]
    assert [item.path for item in pending] == [other, earlier, later]
    assert all(item.span.pcm == b"" and item.span.end - item.span.start == 2.0 for item in pending)
    assert read_spooled(earlier).span == _span(1.25)


def test_truncated_files_are_refused_and_moved_aside(tmp_path: Path) -> None:
    spool = UtteranceSpool(tmp_path / "spool")
    whole = spool.put("c1", "caller", _span(0.0))
    cut = tmp_path / "spool" / "cut.utt"
    cut.write_bytes(whole.read_bytes()[:20])
    with pytest.raises(SpoolError):
        read_spooled(cut)
    assert [item.path for item in spool.pending()] == [whole]
    assert (tmp_path / "spool" / "cut.bad").exists()
