"""Check an LLM's answer against the passages it was given, claim by claim.

Every sentence of the reply is a claim. Its `[n]` markers must name passages that were given;
the verifier then picks, inside those passages, the sentence that best supports the claim
(meaning and shared words) and cites it verbatim. A claim with no marker is checked against all
given passages, so a model that forgets markers is still held to the transcript. A claim that no
sentence supports well enough is removed and recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from retrieval.text import STOPWORDS, TermWeights, looks_like_instruction, terms, words
from webinar_rag.core import (
    Chunk,
    Citation,
    Hit,
    QuerySettings,
    Sentence,
    normalise,
    split_sentences,
)
from webinar_rag.models import Embedder
from webinar_rag.store import Store

_MARKERS = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CAPITALISED = re.compile(r"\b[A-ZÀ-Þ][\w'’-]*")
_NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|without|cannot)\b|n't\b", re.I)
# The prompt's own markup echoed in a reply (small models write their answer as passages, and
# repeat "Question: ..."): the tags and those lines are not claims; the rest is verified as usual.
_PROMPT_TAG = re.compile(r"</?passage\b[^>]*>", re.IGNORECASE)
_PROMPT_LINE = re.compile(r"^[ \t]*(?:Question|Passages)[ \t]*:.*$", re.IGNORECASE | re.M)
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+")


@dataclass(frozen=True)
class Verified:
    text: str
    citations: tuple[Citation, ...]
    removed: tuple[str, ...]  # claims no sentence supports, or whose support is off the question
    repeated: int = 0  # claims dropped as repeats of a kept one


class CitationVerifier:
    def __init__(
        self, store: Store, embedder: Embedder, weights: TermWeights, settings: QuerySettings
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.weights = weights
        self.settings = settings

    def verify(
        self,
        reply: str,
        hits: Sequence[Hit],
        question: str = "",
        relevance: Callable[[str, int], float] | None = None,
        floor: float = float("-inf"),
    ) -> Verified:
        """The reply's claims that a passage supports, each cited. `relevance(source, start)`
        says how well a sentence answers the question (the extractive judge's score): a claim
        whose support scores under `floor` is true but beside the point, and is dropped. A claim
        that repeats a kept one (nearly the same content words) is dropped too."""
        claims = split_claims(reply)
        vectors = self.embedder.embed([text for text, _ in claims])
        kept: list[tuple[str, int]] = []
        citations: dict[tuple[str, int], Citation] = {}
        removed: list[str] = []
        said: list[frozenset[str]] = []
        repeated = 0
        for (text, markers), vector in zip(claims, vectors, strict=True):
            valid = [n for n in markers if 1 <= n <= len(hits)]
            passages = [hits[n - 1] for n in dict.fromkeys(valid)] or list(hits)
            best = self._best_support(text, vector, passages, question)
            if best is None:
                removed.append(text)
                continue
            chunk, sentence = best
            key = (chunk.source, sentence.start_char)
            if relevance is not None and relevance(*key) < floor:
                removed.append(text)
                continue
            words = frozenset(terms(text))
            if any(_alike(words, other) for other in said):
                repeated += 1
                continue
            said.append(words)
            if key not in citations:
                source = self.store.sources[chunk.source]
                citations[key] = Citation.of(len(citations) + 1, chunk, sentence, source)
            kept.append((text, citations[key].n))
        answer = " ".join(f"{text} [{n}]" for text, n in kept)
        return Verified(answer, tuple(citations.values()), tuple(removed), repeated)

    def _best_support(
        self, claim: str, vector: np.ndarray, passages: Sequence[Hit], question: str
    ) -> tuple[Chunk, Sentence] | None:
        """The best-supporting sentence that also passes the faithfulness checks, if any."""
        claim_terms = terms(claim)
        candidates: list[tuple[float, Hit, Sentence, str]] = []
        for hit in passages:
            text = self.store.sources[hit.chunk.source].text
            for sentence in hit.chunk.sentences:
                quote = text[sentence.start_char : sentence.end_char]
                if looks_like_instruction(quote):
                    continue
                semantic = float(self.store.sentence_vector(hit.chunk.source, sentence) @ vector)
                lexical = self.weights.coverage(claim_terms, quote)
                w = self.settings.support_semantic_weight
                support = w * semantic + (1 - w) * lexical
                if support >= self.settings.support_threshold:
                    candidates.append((support, hit, sentence, quote))
        for _, hit, sentence, quote in sorted(candidates, key=lambda c: -c[0]):
            # Words of the question may be restated; anything else must come from the passage.
            speaker = f"{hit.chunk.speaker or ''} {hit.chunk.affiliation or ''}"
            if faithful(
                claim,
                quote=f"{question} {speaker} {quote}",
                passage=f"{question} {speaker} {hit.chunk.text}",
                known=self.weights.known,
                min_precision=self.settings.min_term_precision,
            ):
                return hit.chunk, sentence
        return None


def _alike(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two claims say the same when they share nearly all their content words (Jaccard 0.8)."""
    return bool(a | b) and len(a & b) / len(a | b) >= 0.8


def split_claims(reply: str) -> list[tuple[str, list[int]]]:
    """(claim text without markers, passage numbers) for each sentence of a reply.

    Markers that open a sentence ("... penalties. [1] It also ...") belong to the one before.
    """
    reply = normalise(_PROMPT_LINE.sub("", _PROMPT_TAG.sub("\n", reply)))
    pieces = [reply[s.start_char : s.end_char] for s in split_sentences(reply, 0, len(reply))]
    claims: list[tuple[str, list[int]]] = []
    for piece in pieces:
        lead = _LEADING_MARKERS.match(piece)
        if lead and claims:
            claims[-1][1].extend(_numbers(lead.group(0)))
            piece = piece[lead.end() :]
        text = normalise(_MARKERS.sub("", piece)).strip()
        text = re.sub(r"\s+([.,;:!?])", r"\1", text)
        if len(text.split()) >= 2:
            claims.append((text, _numbers(piece)))
    return claims


def faithful(
    claim: str,
    quote: str,
    passage: str,
    known: Callable[[str], bool],
    min_precision: float,
) -> bool:
    """What embeddings miss. A claim may not bring numbers or names that its quote (with the
    question and the speaker's name) lacks, nor words the transcript never uses, nor flip the
    quote's polarity; most of its content words must be in the passage."""
    quote_words = set(words(quote))
    if not set(_NUMBER.findall(claim)) <= set(_NUMBER.findall(quote)):
        return False
    if any(w not in quote_words for w in _proper_nouns(claim)):
        return False
    if _negated(claim) != _negated(quote):
        return False
    claim_terms = set(terms(claim))
    passage_terms = set(terms(passage))
    if not claim_terms or any(not known(t) and t not in passage_terms for t in claim_terms):
        return False
    return len(claim_terms & passage_terms) / len(claim_terms) >= min_precision


def _proper_nouns(text: str) -> list[str]:
    """Capitalised words not opening a sentence: names, places, organisations."""
    found: list[str] = []
    for match in _CAPITALISED.finditer(text):
        before = text[: match.start()].rstrip()
        if before and before[-1] not in '.!?:"“([':
            found.extend(w for w in words(match.group(0)) if w not in STOPWORDS)
    return found


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def _numbers(text: str) -> list[int]:
    return [int(n) for group in _MARKERS.findall(text) for n in re.split(r"[,;]", group)]


def with_quotes(
    text: str,
    citations: Sequence[Citation],
    quotes: str,
    quoted: Sequence[Citation],
) -> tuple[str, tuple[Citation, ...]]:
    """The LLM's verified claims, then the offline answer's quotes, numbered after the claims'
    citations (a quote of a sentence the claims already cite keeps that number). The LLM's
    answer then holds everything the quotes hold: it can add to them, never lose them. A quote
    that a claim already says word for word is not said twice."""
    said = {_plain(claim) for claim, _ in split_claims(text)}
    repeated = {c.n for c in quoted if _plain(c.quote) in said}
    for c in quoted:
        if c.n in repeated:
            quotes = _segment(c).sub("", quotes, count=1)
    quotes = "\n".join(line for line in quotes.splitlines() if _MARKERS.search(line))
    cited = {(c.source, c.start_char, c.end_char): c.n for c in citations}
    number: dict[int, int] = {}
    added: list[Citation] = []
    for c in quoted:
        if c.n in repeated:
            continue  # said by a claim already
        key = (c.source, c.start_char, c.end_char)
        if key not in cited:
            cited[key] = len(citations) + len(added) + 1
            added.append(replace(c, n=cited[key]))
        number[c.n] = cited[key]
    renumbered = _MARKERS.sub(
        lambda m: (
            "[" + ", ".join(str(number.get(int(n), int(n))) for n in _numbers(m.group(0))) + "]"
        ),
        quotes,
    )
    if not renumbered.strip():
        return text, tuple(citations)
    return f"{text}\n\nIn the transcripts' words: {renumbered}", (*citations, *added)


def _plain(text: str) -> str:
    """A sentence's words alone, for telling that two say the same word for word."""
    return " ".join(words(text))


def _segment(c: Citation) -> re.Pattern[str]:
    """Where an answer text quotes a citation: `[Speaker: ]quote [n]`."""
    marker = rf"\[{c.n}\]"
    return re.compile(
        rf"(?:^[^\n:]{{1,80}}:\s*)?{re.escape(normalise(c.quote))}\s*{marker}\s*", re.M
    )
