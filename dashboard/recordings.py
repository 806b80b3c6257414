"""Which recordings the dashboard may serve or link to.

A call's metadata names its recording (`recording_path` for imported WAVs,
`recording_url` from ViciDial), but metadata is not proof that serving it is
safe: a file is served only when its resolved path lies inside one of the
configured recording folders (CALLMON_RECORDINGS_DIRS), and a browser is sent
only to URLs under a configured prefix (CALLMON_RECORDINGS_URL_PREFIXES).
Nothing configured: nothing served.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ingest.settings import IngestSettings

log = logging.getLogger(__name__)
PLAYABLE_SUFFIXES = {".wav": "audio/wav"}


@dataclass(frozen=True, slots=True)
class RecordingPolicy:
    dirs: tuple[Path, ...] = ()
    url_prefixes: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: IngestSettings) -> RecordingPolicy:
        dirs = tuple(Path(d).resolve() for d in settings.recordings_dirs.split(os.pathsep) if d.strip())
        prefixes = tuple(p.strip() for p in settings.recordings_url_prefixes.split(",") if p.strip())
        policy = cls(dirs, prefixes)
        if not dirs:
            log.info("no CALLMON_RECORDINGS_DIRS: imported recordings are not served to the dashboard")
        return policy

    def file_for(self, named: str | None) -> Path | None:
        """The playable file `named` refers to, when it is inside a recording folder."""
        if not named or not self.dirs:
            return None
        try:
            path = Path(named).resolve(strict=True)  # follows links: a link out is outside
        except (OSError, RuntimeError):
            return None
        if path.suffix.lower() not in PLAYABLE_SUFFIXES or not path.is_file():
            return None
        if not any(path.is_relative_to(folder) for folder in self.dirs):
            log.warning("recording %s is outside CALLMON_RECORDINGS_DIRS; not served", path)
            return None
        return path

    def url_for(self, url: str | None) -> str | None:
        """`url` when it starts with a configured prefix (on a path boundary)."""
        if not url or any(part in ("..", ".") for part in url.split("?")[0].split("/")[3:]):
            return None  # a browser would resolve dot segments out from under the prefix
        for prefix in self.url_prefixes:
            if url.startswith(prefix) and (
                prefix.endswith("/") or url[len(prefix) : len(prefix) + 1] in ("", "/")
            ):
                return url
        return None
