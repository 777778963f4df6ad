"""Query settings: every number an answer depends on, each with the reason for its value.

A sweep or a cross-validation varies them (`Settings.with_query(...)`,
`Assistant.with_settings(...)`); the environment may set only the refusal threshold
(`WEBINAR_RAG_REFUSAL_THRESHOLD`) and the judge (`WEBINAR_RAG_JUDGE`), read by `from_env`
when webinar_rag.core.settings reads the environment at a face.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from webinar_rag.core.errors import ConfigError
from webinar_rag.core.values import Environment, number, text

Backend = Literal["auto", "extractive", "llm"]
RetrievalMode = Literal["hybrid", "dense", "bm25"]
JudgeKind = Literal["learned", "weighted"]


@dataclass(frozen=True)
class QuerySettings:
    # "auto": the LLM when an endpoint is configured, else the offline extractive answerer.
    backend: Backend = "auto"

    # -- retrieval ------------------------------------------------------------------------------
    # "hybrid": dense and BM25 rankings fused by reciprocal rank (rrf_k); the others ablate it.
    retrieval_mode: RetrievalMode = "hybrid"
    # The usual RRF constant (Cormack et al. 2009): large enough that rank 1 and rank 2 of one
    # ranking weigh about the same, so agreement between the rankings decides.
    rrf_k: int = 60
    # How much the BM25 ranking's votes count beside the dense ranking's (1: as much): the
    # weight `python -m eval.fusion` chose (webinar_rag/models/fusion.json: fitted on QMSum
    # train, chosen on the development corpora; tests/test_judge.py checks they agree).
    bm25_weight: float = 1.0
    # Chunks each ranking (dense, BM25) hands to the fusion: the store's top candidates. An
    # index of at most this many chunks is ranked whole, as before; past it, a chunk outside
    # both lists could only have won on votes worth under 1 / (rrf_k + candidates) each.
    candidates: int = 1000
    # Fused candidates the cross-encoder rescores, when one is configured (ModelSettings).
    rerank_depth: int = 20
    top_k: int = 5  # passages returned as contexts
    llm_passages: int = 3  # the best of them, numbered in the LLM's prompt

    # -- the extractive answer ------------------------------------------------------------------
    # Who judges the candidate sentences: "weighted" (the hand-weighted sum below) or "learned"
    # (webinar_rag/models/judge.json, trained on QMSum train by `python -m eval.judge.train`).
    # Weighted stays the default: on the seed development set the learned judge (retrained
    # 2026-12-03) quotes slightly fewer gold facts (0.837 against 0.848) and refuses fewer
    # unanswerable questions (0.316 against 0.579), eval/results/learned-judge/report.md; on
    # QMSum val it refuses fewer unanswerable cases (0.406 against 0.497) and fewer answerable
    # ones (0.127 against 0.228), eval/results/judge.md; on ELITR-Bench dev it answers more
    # and better (false refusal 0.128 against 0.191, who-attribution 0.386 against 0.341,
    # answer recall 0.301 against 0.275), eval/results/elitr.md. It trades refusals for
    # answers; it is not better on every corpus, so it is not the default.
    # WEBINAR_RAG_JUDGE chooses.
    judge: JudgeKind = "weighted"
    max_quotes: int = 3  # sentences quoted at most (one per named speaker may add to it)
    # A sentence's score is the weighted sum of these signals. The first three, each in
    # [0, 1], were set by hand when the answerer was written; cross-validating them on the
    # development questions (grouped folds, eval/cv.py) gave a worse held-out figure than
    # keeping them, so they stay. See eval/results/report.md, "Cross-validation".
    # meaning: the cosine of the sentence's own vector and the question's (paraphrase-proof);
    semantic_weight: float = 0.5
    # context: how well the sentence's passage was retrieved (a lone sentence can mislead);
    passage_weight: float = 0.2
    # words: the share of the question's IDF-weighted content words it holds (names, numbers).
    lexical_weight: float = 0.3
    # kind: added when the sentence holds the kind of answer the question asks for (a date
    # for "when", a person for "who"; retrieval.expect), for questions that ask for one.
    # Chosen with the refusal threshold by grouped cross-validation (eval/cv.py).
    kind_weight: float = 0.05
    # A question with more than this share of its letters in scripts the transcript never uses
    # (Japanese over English) cannot share words with it: the word signal is dropped and the
    # other two are rescaled to the same total, so one threshold serves both.
    foreign_script_share: float = 0.5
    # The refusal bar: the answer is a refusal when the judge's confidence is under it. None:
    # the judge's own (the learned judge's, chosen on QMSum train and stored with its weights;
    # the weighted judge's, `weighted_threshold`). WEBINAR_RAG_REFUSAL_THRESHOLD sets it
    # (webinar_rag.core.settings); it is a probability for the learned judge.
    refusal_threshold: float | None = None
    # The weighted judge's bar: the best sentence must score at least this. Chosen with
    # kind_weight on eval/questions.jsonl by grouped cross-validation (eval/cv.py), for the
    # default embedder.
    weighted_threshold: float = 0.59
    # The weighted judge's bar for a question in another script than the transcripts (scored
    # across languages, by the cross-lingual model alone, on that model's own scale). Chosen by
    # grouped cross-validation on eval/questions_ja.jsonl.
    foreign_refusal_threshold: float = 0.67
    # Further sentences are quoted only if they score within this margin of the best one, so a
    # runner-up must be nearly as good (set by hand on the development questions).
    quote_margin: float = 0.12

    # -- verifying an LLM's claims --------------------------------------------------------------
    # Support of a claim by a sentence: this weight on meaning, the rest on shared words (the
    # embedding alone accepts a claim that changes a name or a number). Set by hand, with
    # the two thresholds below, on the verifier's tests of faithful and unfaithful claims.
    support_semantic_weight: float = 0.5
    # An LLM claim is kept only if a sentence of its passage supports it at least this much.
    support_threshold: float = 0.5
    # Share of a claim's content words that its passage must contain (paraphrase allowed).
    min_term_precision: float = 0.6

    # -- naming speakers in a question ----------------------------------------------------------
    # "Okafor and Lindqvist": names joined by and/or with at most this many words between
    # them are asked about together; further apart, the later one is a topic ("ask Okafor").
    joined_names_gap: int = 6
    # A single word that names a speaker (a surname, an employer) needs this many letters, so
    # initials and particles ("de", "al") never select a speaker.
    cue_min_chars: int = 3
    # Role words ("moderator") count for a speaker only in this much of the start of their turn
    # (their introduction), not anywhere they happen to say the word.
    intro_chars: int = 200
    # A name or role word said more often than this in the transcripts is as likely a topic of
    # a question as the speaker it names ("user interface", "marketing"), so a question that
    # uses it is not limited to that speaker's words (an explicit --speaker still is). Names
    # said in passing (a greeting, "(To Dr. Okafor)") stay names. Set after QMSum's role-named
    # speakers turned topic words into filters.
    cue_max_spoken: int = 2

    @classmethod
    def from_env(cls, env: Environment) -> QuerySettings:
        """The defaults, with the refusal threshold and the judge the environment sets."""
        threshold = None
        if text(env, "WEBINAR_RAG_REFUSAL_THRESHOLD") is not None:
            threshold = number(env, "WEBINAR_RAG_REFUSAL_THRESHOLD", 0.5, -1.0, 1.0)
        judge = text(env, "WEBINAR_RAG_JUDGE") or "weighted"
        if judge not in ("weighted", "learned"):
            raise ConfigError(
                f"WEBINAR_RAG_JUDGE={judge!r} is not valid: use weighted (the default) or learned."
            )
        return cls(refusal_threshold=threshold, judge=cast(JudgeKind, judge))
