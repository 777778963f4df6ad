"""The query path: understand the question, find the passages, answer with verbatim speaker
citations, or refuse (`retrieval.assistant` reads top to bottom)."""

from retrieval.answerer import REFUSAL
from retrieval.assistant import Assistant
from retrieval.langchain import hit_to_document
from retrieval.limits import MAX_K, MAX_QUESTION_CHARS, checked_k, checked_question
from retrieval.query import Request
from retrieval.questions import read_questions
from retrieval.retriever import TranscriptRetriever
from retrieval.search import Searcher

__all__ = [
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "REFUSAL",
    "Assistant",
    "Request",
    "Searcher",
    "TranscriptRetriever",
    "checked_k",
    "checked_question",
    "hit_to_document",
    "read_questions",
]
