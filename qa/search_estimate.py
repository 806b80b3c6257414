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
from dataclasses import dataclass
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


_cache: weakref.WeakKeyDictionary[Any, LexemeStatistics] = weakref.WeakKeyDictionary()


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
    row = await db.fetch_one(
        "SELECT CAST(CAST(st.most_common_elems AS text) AS text[]) AS lexemes,"
        " st.most_common_elem_freqs AS frequencies, c.reltuples AS rows"
        " FROM pg_stats st JOIN pg_class c ON c.oid = to_regclass('segments')"
        " WHERE st.schemaname = current_schema() AND st.tablename = 'segments'"
        " AND st.attname = 'search_vector'"
    )
    if row is None or row["lexemes"] is None or not row["frequencies"] or row["rows"] <= 0:
        return None
    lexemes, frequencies = list(row["lexemes"]), [float(f) for f in row["frequencies"]]
    # most_common_elem_freqs ends with three more numbers: the least and greatest
    # frequency and the frequency of empty vectors.
    statistics = LexemeStatistics(
        rows=float(row["rows"]),
        frequencies=dict(zip(lexemes, frequencies[: len(lexemes)], strict=True)),
        floor=frequencies[len(lexemes)] if len(frequencies) > len(lexemes) else min(frequencies),
        read_at=time.monotonic(),
    )
    try:
        _cache[db] = statistics
    except TypeError:  # an object that cannot be weakly referenced: no cache
        pass
    return statistics


def _cached(db: Queries) -> LexemeStatistics | None:
    try:
        return _cache.get(db)
    except TypeError:
        return None
