"""Apertium, the offline default: installed Debian pairs, kept warm, with pivots.

Pairs are the installed mode files (`/usr/share/apertium/modes/eng-spa.mode`);
regional variants (`spa-eng_US`) and debugging modes are left out. Where no
direct pair exists the text goes through one intermediate language
(en -> es -> it with apertium-eng-spa and apertium-spa-ita), preferring the
configured pivot languages. Without Apertium every pair is unavailable and one
line in the log says why.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import shutil
from pathlib import Path

from ingest.translation.apertium_pipeline import ApertiumPipeline, prepare_english
from ingest.translation.base import EngineTranslator, PairUnavailable
from ingest.translation.languages import is_variant, to_iso1

log = logging.getLogger(__name__)


def installed_modes(modes_dir: Path) -> dict[tuple[str, str], Path]:
    """(source, target) in ISO 639-1 -> mode file, for every plain translation mode."""
    modes: dict[tuple[str, str], Path] = {}
    for mode_file in sorted(modes_dir.glob("*.mode")):
        parts = mode_file.stem.split("-")
        if len(parts) != 2 or any(is_variant(part) for part in parts):
            continue  # "eco-es-fr" (debug modes), "spa-eng_US" (a variant of spa-eng)
        pair = (to_iso1(parts[0]), to_iso1(parts[1]))
        # Prefer the modern three-letter mode when an old two-letter one also exists.
        if pair not in modes or len(parts[0]) == 3:
            modes[pair] = mode_file
    return modes


def plan_route(
    direct: set[tuple[str, str]], source: str, target: str, pivots: tuple[str, ...] = ()
) -> tuple[str, ...] | None:
    """The languages a text passes through, e.g. ("en", "es", "it"); None if no route."""
    if (source, target) in direct:
        return (source, target)
    middles = {b for (a, b) in direct if a == source} & {a for (a, b) in direct if b == target}
    for middle in (*[p for p in pivots if p in middles], *sorted(middles)):
        return (source, middle, target)
    return None


class ApertiumTranslator(EngineTranslator):
    name = "apertium"

    def __init__(
        self,
        apertium_path: str = "apertium",
        modes_dir: Path | None = None,
        timeout_s: float = 5.0,
        pivots: tuple[str, ...] = ("en", "es"),
    ) -> None:
        super().__init__()
        self.apertium_path = apertium_path
        self.timeout_s = timeout_s
        self.pivots = pivots
        self._modes_dir = modes_dir
        self._modes: dict[tuple[str, str], Path] | None = None
        self._bin_dir: Path | None = None
        self._pipelines: dict[tuple[str, str], ApertiumPipeline] = {}

    def _discover(self) -> dict[tuple[str, str], Path]:
        if self._modes is not None:
            return self._modes
        found = shutil.which(self.apertium_path)
        if found is None:
            log.warning(
                "apertium: %r not found, so no offline translation (apt-get install apertium "
                "apertium-eng-spa); every segment is marked not translated",
                self.apertium_path,
            )
            self._modes = {}
            return self._modes
        self._bin_dir = Path(found).resolve().parent
        modes_dir = self._modes_dir or self._bin_dir.parent / "share" / "apertium" / "modes"
        self._modes = installed_modes(modes_dir)
        if not self._modes:
            log.warning(
                "apertium: no language pairs installed in %s (apt-get install apertium-eng-spa)", modes_dir
            )
        else:
            log.info("apertium: pairs %s", ", ".join(f"{a}-{b}" for a, b in sorted(self._modes)))
        return self._modes

    async def direct_pairs(self) -> set[tuple[str, str]]:
        """Pairs with an installed mode (no pivot)."""
        return set(self._discover())

    async def pairs(self) -> set[tuple[str, str]]:
        direct = await self.direct_pairs()
        languages = {language for pair in direct for language in pair}
        return {
            (a, b)
            for a in languages
            for b in languages
            if a != b and plan_route(direct, a, b, self.pivots) is not None
        }

    async def warm(self, *pairs: tuple[str, str]) -> None:
        """Start the pipelines for `pairs` now (start-up costs ~100 ms each)."""
        await asyncio.gather(*(self.translate("warm up", a, b) for a, b in pairs))

    async def _translate(self, text: str, source: str, target: str) -> tuple[str, str | None]:
        modes = self._discover()
        route = plan_route(set(modes), source, target, self.pivots)
        if route is None:
            installed = ", ".join(f"{a}-{b}" for a, b in sorted(modes)) or "none"
            raise PairUnavailable(f"no apertium pair {source}->{target} (installed: {installed})")
        for step_source, step_target in itertools.pairwise(route):
            if step_source == "en":
                text = prepare_english(text)
            text = await self._pipeline(step_source, step_target).translate(text)
        return text, (route[1] if len(route) == 3 else None)

    def _pipeline(self, source: str, target: str) -> ApertiumPipeline:
        pipeline = self._pipelines.get((source, target))
        if pipeline is None:
            assert self._modes is not None and self._bin_dir is not None
            pipeline = ApertiumPipeline(self._modes[(source, target)], self._bin_dir, self.timeout_s)
            self._pipelines[(source, target)] = pipeline
        return pipeline

    def pipeline_for(self, source: str, target: str) -> ApertiumPipeline | None:
        """The running pipeline of a direct pair, if one was started (tests, stats)."""
        return self._pipelines.get((to_iso1(source), to_iso1(target)))

    async def close(self) -> None:
        await asyncio.gather(*(pipeline.close() for pipeline in self._pipelines.values()))
        self._pipelines.clear()
