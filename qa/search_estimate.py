"""How many segments a PostgreSQL search will match, from the column's statistics.

Counting matches through the GIN index costs as much as the posting lists
are long (tens of milliseconds for a common word on a million segments), so
the plan is chosen from an estimate instead: ``ANALYZE`` keeps, for
``segments.search_vector``, the most common lexemes with the fraction of
segments holding each (``pg_stats.most_common_elems``). A word not among them
is rarer than the rarest listed. The server's own estimate multiplies the
words of a phrase as if independent (five common words: "five segments");
here an alternative is bounded by its rarest word instead, and alternatives
add up, which is what the choice of plan needs: an upper bound.
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ingest.storage.database import Queries

STATISTICS_TTL_S = 300.0
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class LexemeStatistics:
    rows: float
    frequencies: dict[str, float]
    floor: float
    """The frequency of the rarest listed lexeme: a bound for every unlisted one."""
    read_at: float
    key_frequencies: dict[str, float] = field(default_factory=dict)
    """The same for ``segments.call_keys`` (empty before it was analysed)."""
    key_floor: float = 1.0


_cache: weakref.WeakKeyDictionary[Any, LexemeStatistics] = weakref.WeakKeyDictionary()


def key_fraction(
    statistics: LexemeStatistics, required: Sequence[str], any_of: Sequence[Sequence[str]]
) -> float:
    """The fraction of segments holding every `required` call key and one key of
    each group in `any_of`, as if the keys were independent of one another
    (pure). Words and keys are often not independent (a Spanish word in
    Spanish calls): this guesses, it does not bound."""
    fraction = 1.0
    for key in required:
        fraction *= statistics.key_frequencies.get(key, statistics.key_floor)
    for group in any_of:
        fraction *= min(1.0, sum(statistics.key_frequencies.get(key, statistics.key_floor) for key in group))
    return fraction


def estimate_matches(statistics: LexemeStatistics, alternatives: Sequence[Sequence[str]]) -> float:
    """An upper bound of the segments matching `alternatives` (pure)."""
    fraction = 0.0
    for terms in alternatives:
        words = [word.lower() for term in terms for word in _WORD.findall(term)]
        if words:
            fraction += min(statistics.frequencies.get(word, statistics.floor) for word in words)
    return statistics.rows * min(1.0, fraction)


async def lexeme_statistics(db: Queries) -> LexemeStatistics | None:
    """The statistics of ``segments.search_vector`` (cached a while per database),
    or None before the table was ever analysed."""
    cached = _cached(db)
    if cached is not None and time.monotonic() - cached.read_at < STATISTICS_TTL_S:
        return cached
    rows = await db.fetch_all(
        "SELECT st.attname AS name, CAST(CAST(st.most_common_elems AS text) AS text[]) AS elements,"
        " st.most_common_elem_freqs AS frequencies, c.reltuples AS rows"
        " FROM pg_stats st JOIN pg_class c ON c.oid = to_regclass('segments')"
        " WHERE st.schemaname = current_schema() AND st.tablename = 'segments'"
        " AND st.attname IN ('search_vector', 'call_keys')"
    )
    by_column = {row["name"]: row for row in rows}
    words = by_column.get("search_vector")
    if words is None or words["elements"] is None or not words["frequencies"] or words["rows"] <= 0:
        return None
    lexemes, lexeme_floor = _frequencies(words)
    keys, key_floor = _frequencies(by_column["call_keys"]) if "call_keys" in by_column else ({}, 1.0)
    statistics = LexemeStatistics(
        rows=float(words["rows"]),
        frequencies=lexemes,
        floor=lexeme_floor,
        read_at=time.monotonic(),
        key_frequencies=keys,
        key_floor=key_floor if keys else 1.0,
    )
    try:
        _cache[db] = statistics
    except TypeError:  # an object that cannot be weakly referenced: no cache
        pass
    return statistics


def _frequencies(row: Any) -> tuple[dict[str, float], float]:
    """An element -> fraction map from a ``pg_stats`` row, and the bound for the
    unlisted: most_common_elem_freqs ends with three more numbers, the least and
    greatest frequency and the frequency of empty values."""
    if row["elements"] is None or not row["frequencies"]:
        return {}, 1.0
    elements, frequencies = list(row["elements"]), [float(f) for f in row["frequencies"]]
    listed = dict(zip(elements, frequencies[: len(elements)], strict=True))
    return listed, frequencies[len(elements)] if len(frequencies) > len(elements) else min(frequencies)


def _cached(db: Queries) -> LexemeStatistics | None:
    try:
        return _cache.get(db)
    except TypeError:
        return None
