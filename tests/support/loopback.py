"""Worker settings for tests that run a real worker on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.settings import IngestSettings


def loopback_settings(tmp_path: Path, **values: Any) -> IngestSettings:
    """A worker on 127.0.0.1 with ports the OS picks, its database in `tmp_path`,
    one engine slot; `values` override any setting."""
    return IngestSettings(
        **{
            "db_path": tmp_path / "calls.db",
            "audiosocket_host": "127.0.0.1",
            "audiosocket_port": 0,
            "http_host": "127.0.0.1",
            "http_port": 0,
            "asr_threads": 1,
            **values,
        }
    )
