"""Whole-meeting answers: a summary, what each speaker said, decisions, action items and
topics, every line a cited verbatim quote (`Assistant.overview`, `webinar-rag summary`)."""

from retrieval.overview.compare import compared
from retrieval.overview.overview import NO_ACTIONS, NO_DECISIONS, Item, Overview, Part, Topic, Voice
from retrieval.overview.pool import Said, sentences_of
from retrieval.overview.service import DEFAULT_WORDS, MAX_WORDS, Overviews, Route, route
from retrieval.overview.summary import MIN_POINT_WORDS
from retrieval.overview.written import Written, write_summary

__all__ = [
    "DEFAULT_WORDS",
    "MAX_WORDS",
    "MIN_POINT_WORDS",
    "NO_ACTIONS",
    "NO_DECISIONS",
    "Item",
    "Overview",
    "Overviews",
    "Part",
    "Route",
    "Said",
    "Topic",
    "Voice",
    "Written",
    "compared",
    "route",
    "sentences_of",
    "write_summary",
]
