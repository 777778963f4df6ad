"""Two or more meetings side by side: one overview per document, in the order named
(`webinar-rag summary --compare`, and the Overview tab's Compare). Each overview has its own
citation numbering, so each stands on its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from retrieval.overview.overview import Overview
from webinar_rag.core import QuestionError

# `Assistant.overview`: (documents, speaker, words) -> the overview of those documents
OverviewOf = Callable[[Sequence[str], str | None, int | None], Overview]
NEEDS_TWO = "Comparing needs two or more documents: choose them first."


def compared(
    overview: OverviewOf,
    documents: Sequence[str],
    speaker: str | None = None,
    words: int | None = None,
) -> list[Overview]:
    """One overview per document (repeats named once), in the order given."""
    names = list(dict.fromkeys(documents))
    if len(names) < 2:
        raise QuestionError(NEEDS_TWO)
    return [overview([name], speaker, words) for name in names]
