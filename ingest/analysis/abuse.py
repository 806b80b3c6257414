"""Directed abuse: a line that insults the other party or their organisation.

VADER reads "you people are useless" as an ordinary complaint (about -0.5:
"useless" is one negative word, like "slow"). A supervisor reads it as
extreme: a caller abusing an agent is what `very_negative` is for, and an
agent insulting a caller is `agent_conduct`. The sentiment scorer
(`ingest.analysis.sentiment`) gives a line with directed abuse at most
ABUSE_SCORE.

Only abuse aimed at the other side counts: the same words about oneself,
a thing, a third person, or negated in their clause ("I'm not saying you're
incompetent") are left to the ordinary scoring. The word lists and
patterns, each with its reason, are in data/lexicon/abuse.toml; labelled
lines of both kinds in data/lexicon/abuse_lines.tsv. Pure; the lists are
read once.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

ABUSE_FILE = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "abuse.toml"
ABUSE_SCORE = -0.8
"""Beyond the very_negative threshold (-0.7) and the line model's override
limit (0.6), so the reading stands."""
MAX_GAP_WORDS = 4
"""Intensifiers allowed between the target and the insult ("you lot are
absolutely bloody useless")."""
NEGATION_REACH_WORDS = 5
"""How far before an insult a negator can undo it, within its clause ("I'm not
saying you're incompetent"). Speech-to-text writes no commas, so the clause
alone can reach back over an earlier sentence: "it's not my job to hold your
hand you pathetic little man" (round 11)."""
_WORD = re.compile(r"[\w']+")
_CLAUSE_START = re.compile(r"[,.;:!?]|(?<![\w'])(?:but|and|so|because)(?![\w'])")


class AbuseReader:
    """Finds directed abuse in a line (lower-cased, spellings normalised)."""

    def __init__(self, path: Path = ABUSE_FILE) -> None:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        words = table["words"]
        gap = rf"(?:(?:{_alternation(words['intensifiers'])})\s+){{0,{MAX_GAP_WORDS}}}"
        slots = {
            "{gap}": gap,
            "{target}": _alternation(words["targets"]),
            "{insult}": _alternation(words["insults"]),
        }
        named = r"(?<![\w']){target}\s+{gap}{insult}(?![\w'])"
        self._named = re.compile(_filled(named, slots))
        # The listed patterns say their own forms ("don't be so stupid"):
        # only the target-and-insult form is undone by a negation.
        self._patterns = [
            re.compile(_filled(entry["pattern"], slots)) for entry in table["patterns"].values()
        ]
        self._negator = re.compile(rf"(?<![\w'])(?:{_alternation(words['negators'])})(?![\w'])")
        single = [word for word in words["insults"] if " " not in word]
        self._negated_insult = re.compile(
            rf"(?<![\w'])(?:{_alternation(words['negators'])})((?:\s+[\w']+){{0,3}}?\s+)"
            rf"(?:{_alternation(single)})(?![\w'])",
            re.IGNORECASE,
        )

    def find(self, text: str) -> str | None:
        """The first insult aimed at the other party in `text`, or None."""
        said = text.lower()
        for match in self._named.finditer(said):
            if not self._negated(said, match.start(), match.end()):
                return match.group(0).strip(" ,.;!?")
        for pattern in self._patterns:
            found = pattern.search(said)
            if found is not None:
                return found.group(0).strip(" ,.;!?")
        return None

    def without_negated_insults(self, text: str) -> str:
        """`text` with each insult that a negation precedes (within three words)
        replaced by `NEGATED_INSULT`, a word no lexicon scores."""
        return self._negated_insult.sub(
            lambda found: found.group(0)[: found.end(1) - found.start(0)] + NEGATED_INSULT, text
        )

    def _negated(self, said: str, start: int, end: int) -> bool:
        """A negator in the insult or earlier in its clause ("not saying you're ...")."""
        clause_start = max((m.end() for m in _CLAUSE_START.finditer(said, 0, start)), default=0)
        words_before = [m.start() for m in _WORD.finditer(said, 0, start)]
        reach = words_before[-NEGATION_REACH_WORDS] if len(words_before) >= NEGATION_REACH_WORDS else 0
        return self._negator.search(said, max(clause_start, reach), end) is not None


def _alternation(words: list[str]) -> str:
    # Longest first, so "you lot" wins over "you"; spaces match any whitespace.
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, word.split())) for word in ordered)


def _filled(pattern: str, slots: dict[str, str]) -> str:
    for slot, text in slots.items():
        pattern = pattern.replace(slot, f"(?:{text})")
    return pattern


@functools.cache
def default_reader() -> AbuseReader:
    return AbuseReader()


NEGATED_INSULT = "callmon_negated_insult"
"""What a negated insult is scored as: nothing. VADER flips a negated word, so
"put someone on who isn't a complete moron" read as praise (+0.8); a negated
insult is never praise ("I'm not an idiot, I plugged it in"), and rarely calm."""


def without_negated_insults(text: str) -> str:
    """Round 15: "someone who isn't a complete moron" -> "... isn't a complete
    callmon_negated_insult"."""
    return default_reader().without_negated_insults(text)


def directed_abuse(text: str) -> str | None:
    """The insult aimed at the other party in `text` ("you people are useless"), or None."""
    return default_reader().find(text)
