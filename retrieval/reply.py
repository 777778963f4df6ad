"""What becomes of an LLM's reply: its claims verified against the passages, and the answer
that results measured against the offline quotes. The LLM never makes an answer worse:

- a fault (unreachable, timeout, a bad reply) or a refusal gives the quotes, with a notice;
- claims no passage supports, claims off the question and repeated claims are dropped;
- an answer whose evidence answers the question less well than the quotes keeps the quotes;
- an answer that stands still carries the quotes after its own claims (small models
  paraphrase facts away), numbered after its citations, each sentence once.
"""

from __future__ import annotations

from dataclasses import replace

from retrieval.answerer.answerer import Relevance
from retrieval.llm import is_refusal
from retrieval.query import Reply
from retrieval.verify import CitationVerifier, with_quotes
from webinar_rag.core import Answer, QuerySettings


def llm_answer(
    offline: Answer,
    reply: Reply,
    question: str,
    *,
    verifier: CitationVerifier,
    relevance: Relevance,
    settings: QuerySettings,
    model: str,
) -> Answer:
    """The LLM's answer if its citations verify and it answers the question as well as the
    quotes do, followed by the quotes; else the offline answer, with a notice. `relevance`:
    how well each passage sentence answers the question (the offline judge's own scores)."""
    scores = relevance.scores
    if reply.error or reply.text is None:
        return replace(
            offline,
            notice=f"The LLM could not answer ({reply.error}); "
            "this is the offline answer quoted from the transcripts.",
        )
    if is_refusal(reply.text):
        return replace(
            offline,
            notice="The LLM found no answer in the passages; "
            "these are the closest quotes from the transcripts.",
        )
    verified = verifier.verify(
        reply.text,
        offline.contexts[: settings.llm_passages],
        question,
        relevance=lambda source, start: scores.get((source, start), float("-inf")),
        floor=relevance.floor,
    )
    if not verified.citations:
        return replace(
            offline,
            removed_claims=verified.removed,
            notice="None of the LLM's claims could be verified against the "
            "transcripts as answering the question; this is the offline answer.",
        )
    evidence = max(scores.get((c.source, c.start_char), 0.0) for c in verified.citations)
    if evidence < relevance.best - relevance.margin:
        return replace(
            offline,
            removed_claims=verified.removed,
            notice="The LLM's answer rested on passages that answer the question less "
            "well than these quotes; these are the quotes.",
        )
    notice = None
    if verified.removed:
        notice = (
            f"{len(verified.removed)} claim(s) of the LLM were removed: no passage "
            "of the transcripts supports them."
        )
    text, citations = with_quotes(
        verified.text, verified.citations, offline.text, offline.citations
    )
    return replace(
        offline,
        text=text,
        citations=citations,
        backend=f"llm:{model}",
        notice=notice,
        removed_claims=verified.removed,
    )
