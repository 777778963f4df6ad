"""What a question may be: the one check that the CLI, the Python API, the `/ask` and
`/search` endpoints and the UI all go through (`Assistant.understand` calls it; a face may call
it earlier, to fail before loading a model).

The limits keep one request from holding a worker for long: a question is embedded, tokenised
for BM25 and compared with every sentence of k passages, so its cost grows with its length and
with k. 2,000 characters is a long paragraph, far above any question in the evaluation sets
(the longest is under 200); 50 passages is more than anyone reads, and ten times the default.
"""

from __future__ import annotations

from typing import Any

from webinar_rag.core import EmptyQuestion, InvalidTopK, QuestionTooLong

MAX_QUESTION_CHARS = 2_000
MAX_K = 50


def checked_question(question: Any) -> str:
    """The question without surrounding white space; empty or too long is a `QuestionError`."""
    text = str(question if question is not None else "").strip()
    if not text:
        raise EmptyQuestion(
            'The question is empty. Ask something, e.g. `webinar-rag ask "Who decided it?"`.'
        )
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(
            f"The question is {len(text):,} characters long; the limit is "
            f"{MAX_QUESTION_CHARS:,}. Ask the question itself: passages are found by meaning, "
            "so pasting text from the transcript does not help."
        )
    return text


def checked_k(k: Any) -> int | None:
    """How many passages to retrieve: None (the default) or a whole number from 1 to MAX_K."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, int | float) or k != int(k) or not 1 <= k <= MAX_K:
        raise InvalidTopK(
            f"k={k!r} is not a number of passages: use a whole number from 1 to {MAX_K} "
            "(the default is 5)."
        )
    return int(k)
