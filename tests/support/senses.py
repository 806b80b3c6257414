"""The senses the default keyword rules read in a line, for the keyword-sense tests."""

from __future__ import annotations

from alerts.rules import DEFAULT_KEYWORD_RULE, DEFAULT_LEGAL_RULE
from ingest.analysis.keywords import keyword_senses_in


def senses(text: str) -> dict[str, str]:
    """keyword -> sense ("aimed", "mention", "compound", "name", "other") under both
    default keyword rules' lists."""
    return {
        **keyword_senses_in(text, DEFAULT_LEGAL_RULE.keywords),
        **keyword_senses_in(text, DEFAULT_KEYWORD_RULE.keywords),
    }
