"""An LRU cache in front of any translator: call centres repeat themselves.

Only real translations are kept; a "not translated" answer may be a passing
failure (timeout, 429) and is asked again next time.
"""

from __future__ import annotations

from collections import OrderedDict

from ingest.translation.base import Translation, Translator
from ingest.translation.languages import to_iso1


class CachingTranslator:
    def __init__(self, inner: Translator, max_entries: int = 4096) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str, str], Translation] = OrderedDict()
        self.hits = 0
        self.misses = 0

    async def translate(self, text: str, source: str, target: str) -> Translation:
        key = (" ".join(text.split()), to_iso1(source), to_iso1(target))
        cached = self._entries.get(key)
        if cached is not None:
            self._entries.move_to_end(key)
            self.hits += 1
            return cached
        self.misses += 1
        result = await self.inner.translate(text, source, target)
        if result.translated and self.max_entries > 0:
            self._entries[key] = result
            if len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._entries)

    async def pairs(self) -> set[tuple[str, str]]:
        return await self.inner.pairs()

    async def close(self) -> None:
        await self.inner.close()
