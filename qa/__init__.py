"""QA review without the UI: search, exports, agent statistics, scorecards, retention."""

from qa.criteria import DEFAULT_CRITERIA, CriteriaError, Criterion, load_criteria, total_score
from qa.query import CallHit, SearchPage, SearchQuery, Snippet
from qa.scorecards import Scorecard, ScorecardStore, score_call
from qa.search import search_calls

__all__ = [
    "DEFAULT_CRITERIA",
    "CallHit",
    "CriteriaError",
    "Criterion",
    "Scorecard",
    "ScorecardStore",
    "SearchPage",
    "SearchQuery",
    "Snippet",
    "load_criteria",
    "score_call",
    "search_calls",
    "total_score",
]
