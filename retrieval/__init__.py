"""Load the index, find passages, answer with verbatim speaker citations, or refuse."""

from retrieval.answerer import REFUSAL
from retrieval.assistant import Assistant, Request
from retrieval.limits import MAX_K, MAX_QUESTION_CHARS, checked_k, checked_question
from retrieval.questions import read_questions
from retrieval.retriever import Searcher, TranscriptRetriever
from retrieval.settings import Backend, LLMSettings, Settings
from retrieval.types import DOCUMENT, Answer, Citation, Hit, Place

__all__ = [
    "DOCUMENT",
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "REFUSAL",
    "Answer",
    "Assistant",
    "Backend",
    "Citation",
    "Hit",
    "LLMSettings",
    "Place",
    "Request",
    "Searcher",
    "Settings",
    "TranscriptRetriever",
    "checked_k",
    "checked_question",
    "read_questions",
]
