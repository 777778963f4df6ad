"""Errors of the query path; same base as ingest's, so the CLI handles all alike."""

from ingest.errors import WebinarRagError


class EmptyQuestion(WebinarRagError):
    """The question is empty or only white space."""


class UnknownSpeaker(WebinarRagError):
    """A speaker filter names no one in the index."""
