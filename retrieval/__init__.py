"""The query path: understand the question, find the passages, answer with verbatim speaker
citations, or refuse (`retrieval.assistant` reads top to bottom)."""

from retrieval.answerer import REFUSAL, expect
from retrieval.answerer.features import (
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    block_cosines,
    question_row,
)
from retrieval.answerer.responsible import is_task_question
from retrieval.assistant import Assistant
from retrieval.langchain import hit_to_document
from retrieval.limits import MAX_K, MAX_QUESTION_CHARS, checked_k, checked_question
from retrieval.overview import (
    DEFAULT_WORDS,
    MAX_WORDS,
    MIN_POINT_WORDS,
    Overview,
    Said,
    Written,
    compared,
    route,
    sentences_of,
)
from retrieval.query import Request
from retrieval.questions import read_questions
from retrieval.retriever import TranscriptRetriever
from retrieval.search import Searcher
from retrieval.text import STOPWORDS, terms

__all__ = [
    "DEFAULT_WORDS",
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "MAX_WORDS",
    "MIN_POINT_WORDS",
    "QUESTION_FEATURES",
    "REFUSAL",
    "SENTENCE_FEATURES",
    "STOPWORDS",
    "Assistant",
    "Overview",
    "Request",
    "Said",
    "Searcher",
    "TranscriptRetriever",
    "Written",
    "block_cosines",
    "checked_k",
    "checked_question",
    "compared",
    "expect",
    "hit_to_document",
    "is_task_question",
    "question_row",
    "read_questions",
    "route",
    "sentences_of",
    "terms",
]
