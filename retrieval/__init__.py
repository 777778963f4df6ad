"""Load the index, find passages, answer with verbatim speaker citations, or refuse."""

from retrieval.answerer import REFUSAL
from retrieval.assistant import Assistant
from retrieval.errors import EmptyQuestion, UnknownSpeaker
from retrieval.retriever import TranscriptRetriever
from retrieval.settings import Settings
from retrieval.types import Answer, Citation, Hit

__all__ = [
    "REFUSAL",
    "Answer",
    "Assistant",
    "Citation",
    "EmptyQuestion",
    "Hit",
    "Settings",
    "TranscriptRetriever",
    "UnknownSpeaker",
]
