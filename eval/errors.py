"""The evaluation's own error, under the product's root (so the CLI prints it as one line)."""

from webinar_rag.core import WebinarRagError


class DatasetError(WebinarRagError):
    """An evaluation data set (QMSum, ELITR-Bench) is missing or a file of it is malformed."""
