"""The recording policy on its own: folders by resolved path, URLs by prefix."""

from __future__ import annotations

from pathlib import Path

from dashboard.recordings import RecordingPolicy
from ingest.settings import IngestSettings


def test_files_only_inside_configured_folders(tmp_path: Path) -> None:
    inside, sibling = tmp_path / "rec", tmp_path / "rec-other"
    inside.mkdir()
    sibling.mkdir()
    for path in (inside / "a.wav", sibling / "b.wav", inside / "c.txt"):
        path.write_bytes(b"RIFF")
    policy = RecordingPolicy.from_settings(IngestSettings(recordings_dirs=str(inside)))
    assert policy.file_for(str(inside / "a.wav")) == (inside / "a.wav").resolve()
    assert policy.file_for(str(sibling / "b.wav")) is None  # a prefix of the name is not inside
    assert policy.file_for(str(inside / ".." / "rec-other" / "b.wav")) is None
    assert policy.file_for(str(inside / "c.txt")) is None
    assert policy.file_for(str(inside / "missing.wav")) is None
    assert RecordingPolicy().file_for(str(inside / "a.wav")) is None  # nothing configured: nothing served


def test_urls_only_under_configured_prefixes() -> None:
    policy = RecordingPolicy.from_settings(
        IngestSettings(recordings_url_prefixes="https://vici.example/RECORDINGS, http://10.0.0.5/MP3/")
    )
    assert policy.url_for("https://vici.example/RECORDINGS/1.mp3") == "https://vici.example/RECORDINGS/1.mp3"
    assert policy.url_for("http://10.0.0.5/MP3/x.mp3") == "http://10.0.0.5/MP3/x.mp3"
    for hostile in (
        "https://vici.example/RECORDINGS-evil/1.mp3",
        "https://vici.example.evil.example/RECORDINGS/1.mp3",
        "https://vici.example/RECORDINGS/../admin",
        "javascript:alert(1)",
        "",
        None,
    ):
        assert policy.url_for(hostile) is None, hostile
    assert RecordingPolicy().url_for("https://vici.example/RECORDINGS/1.mp3") is None
