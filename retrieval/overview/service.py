"""Overviews for the assistant: built from the index's own sentences and vectors when first
asked for, kept beside the index (`overviews/`, one JSON file per documents, speaker and
budget, named by the documents' content hashes; an ingest swaps in a folder without them),
and the router that answers whole-meeting questions ("Summarize the webinar", "What were the
action items?") from them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.answerer import REFUSAL
from retrieval.answerer.participants import people_of
from retrieval.overview.actions import actions_in
from retrieval.overview.overview import Item, Overview, Part, Topic, Voice
from retrieval.overview.pool import Said, sentences_of, vectors_of
from retrieval.overview.summary import speaker_points, summary_points
from retrieval.overview.topics import segments
from retrieval.query import Query
from webinar_rag.core import DOCUMENT, Answer, Citation, Place, QuestionError
from webinar_rag.models import Embedder
from webinar_rag.store import Store

log = logging.getLogger("webinar_rag.overview")
VERSION = 3  # of the overview's method: a new one rebuilds the kept overviews
DEFAULT_WORDS = 150
MAX_WORDS = 2000
# More documents than this in one overview is an archive, not a meeting: name some.
MAX_DOCUMENTS = 20

_SUMMARY = re.compile(
    r"\b(summar(?:y|ies|ise|ize|ising|izing)|overview|recap|gist|tl;?dr|"
    r"main (?:points?|topics?|takeaways?|ideas?|themes?|messages?)|"
    r"key (?:points?|takeaways?|topics?|messages?|themes?)|"
    r"(?:what|which)\s+(?:was|were|is|are)\s+(?:the\s+|this\s+|that\s+)?"
    r"(?:meeting|webinar|call|session|discussion|talk|panel|event|conversation|workshop)s?\s+about|"
    r"what\s+(?:was|were|got|has been)\s+(?:discussed|covered|talked about))\b"
    r"|要約|まとめ|概要|要点",
    re.IGNORECASE,
)
_ACTIONS = re.compile(
    r"\b(action items?|action points?|to-?dos?|next steps|follow[- ]ups?|"
    r"who (?:will|is going to) do what|tasks? (?:were|was) (?:assigned|given))\b"
    r"|アクションアイテム|宿題|次のステップ",
    re.IGNORECASE,
)
_DECISIONS = re.compile(
    r"\b(what\s+(?:was|were|has been|got)\s+(?:decided|agreed)|decisions?\s+(?:were|was)?\s*"
    r"(?:made|taken|reached)|what (?:decisions|agreements)|"
    r"(?:the|any) decisions?\b(?!\s+(?:on|about|to)\b))"
    r"|決定事項|何が決ま",
    re.IGNORECASE,
)
_SPEAKERS = re.compile(
    r"\b(what did (?:each|every|all(?: the)?) (?:speakers?|participants?|panell?ists?|persons?|"
    r"people|presenters?|one)|who said what|each (?:speaker|participant|panell?ist)'s|"
    r"(?:every|each) (?:speaker|participant|panell?ist) (?:said|say|contributed))\b"
    r"|各登壇者|それぞれの発言",
    re.IGNORECASE,
)
# "Summarize the discussion about the budget": the summary is about what follows.
_FOCUS = re.compile(
    r"\b(?:about|on|regarding|concerning|of)\s+(?P<focus>(?!(?:the|this|that)\s+"
    r"(?:meeting|webinar|call|session|event|workshop)\b)[^?.!]{3,})",
    re.IGNORECASE,
)
_WHOLE = re.compile(
    r"^(?:the|this|that|today'?s)?\s*(?:whole\s+|entire\s+)?(?:meeting|webinar|call|session|"
    r"discussion|talk|panel|event|conversation|workshop|transcripts?|everything|it)s?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Route:
    part: Part
    focus: str | None


def route(question: str) -> Route | None:
    """The overview part a whole-meeting question asks for, or None for any other question."""
    q = question.strip()
    if _SPEAKERS.search(q):
        return Route("speakers", None)
    if _ACTIONS.search(q):
        return Route("actions", None)
    if _DECISIONS.search(q) and not _FOCUS.search(q.split("decid")[-1]):
        return Route("decisions", None)
    if _SUMMARY.search(q):
        return Route("summary", _focus(q))
    return None


def _focus(question: str) -> str | None:
    found = _FOCUS.search(question)
    if not found:
        return None
    focus = found.group("focus").strip()
    return None if _WHOLE.match(focus) else focus


class Overviews:
    """Builds and keeps the overviews of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.people = people_of(store)
        self._kept: dict[str, Overview] = {}

    def get(
        self,
        documents: Sequence[str] = (),
        speaker: str | None = None,
        words: int | None = None,
        focus: np.ndarray | None = None,
        focus_text: str | None = None,
    ) -> Overview:
        """The overview of `documents` (all, if none), of one speaker's words if given."""
        words = DEFAULT_WORDS if words is None else words
        if not 10 <= words <= MAX_WORDS:
            raise QuestionError(
                f"A summary of {words} words cannot be made: use 10 to {MAX_WORDS}."
            )
        names = tuple(documents) or tuple(self.store.sources)
        if len(names) > MAX_DOCUMENTS:
            raise QuestionError(
                f"The index holds {len(names)} documents; an overview covers at most "
                f"{MAX_DOCUMENTS}. Name the meetings with --document (or the Documents filter)."
            )
        key = self._key(names, speaker, words, focus_text)
        if focus is None:
            kept = self._kept.get(key) or self._read(key)
            if kept is not None:
                self._kept[key] = kept
                return kept
        built = self.build(names, speaker, words, focus, focus_text)
        if focus is None:
            self._kept[key] = built
            self._write(key, built)
        return built

    def build(
        self,
        names: Sequence[str],
        speaker: str | None,
        words: int,
        focus: np.ndarray | None = None,
        focus_text: str | None = None,
    ) -> Overview:
        speakers = frozenset([speaker]) if speaker else None
        said = sentences_of(self.store, names, speakers)
        vectors = vectors_of(self.store, said)
        numbers: dict[int, int] = {}
        citations: list[Citation] = []

        def cite(i: int) -> int:
            if i not in numbers:
                numbers[i] = len(citations) + 1
                citations.append(said[i].cite(numbers[i], self.store))
            return numbers[i]

        summary = tuple(cite(i) for i in summary_points(said, vectors, words, focus))
        voices = []
        for name, rows in speaker_points(said, vectors):
            ns = tuple(cite(i) for i in rows)
            voices.append(Voice(name, said[rows[0]].chunk.affiliation, ns))
        actions: list[Item] = []
        decisions: list[Item] = []
        for a in actions_in(said, self.people):
            asked = None if a.request is None else cite(a.request)
            item = Item(a.kind, cite(a.said), a.task, a.owner, a.assigned_by, a.due, asked)
            (actions if a.kind == "action" else decisions).append(item)
        topics = self._topics(said, vectors, names, cite)
        return Overview(
            tuple(names),
            speaker,
            focus_text,
            words,
            tuple(citations),
            summary,
            tuple(voices),
            tuple(actions),
            tuple(decisions),
            tuple(topics),
        )

    def _topics(
        self,
        said: list[Said],
        vectors: np.ndarray,
        names: Sequence[str],
        cite: Callable[[int], int],
    ) -> list[Topic]:
        out = []
        for name in names:
            rows = [i for i, s in enumerate(said) if s.chunk.source == name]
            if not rows:
                continue
            source = self.store.sources[name]
            for seg in segments([said[i] for i in rows], vectors[rows]):
                first, last = said[rows[seg.first]], said[rows[seg.last]]
                span = vectors[rows[seg.first] : rows[seg.last] + 1]
                centre = span.mean(0)
                central = rows[seg.first] + int(np.argmax(span @ centre))
                a = Place.of(source, first.sentence.start_char, first.sentence.end_char)
                b = Place.of(source, last.sentence.start_char, last.sentence.end_char)
                end = b.end_time if b.end_time is not None else b.start_time
                out.append(Topic(seg.label, source.label, cite(central), a.start_time, end, a.page))
        return out

    # -- kept beside the index ------------------------------------------------------------------

    def _key(self, names: Sequence[str], speaker: str | None, words: int, focus: str | None) -> str:
        model = self.store.manifest.model
        parts = [str(VERSION), model, speaker or "", str(words), focus or ""]
        parts += [f"{n}:{self.store.sources[n].sha256}" for n in names]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    def _folder(self) -> Path | None:
        path = self.store.path
        return None if path is None else Path(path) / "overviews"

    def _read(self, key: str) -> Overview | None:
        folder = self._folder()
        if folder is None or not (folder / f"{key}.json").is_file():
            return None
        try:
            return Overview.from_dict(json.loads((folder / f"{key}.json").read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("a kept overview cannot be read (%s); it is built again", exc)
            return None

    def _write(self, key: str, overview: Overview) -> None:
        folder = self._folder()
        if folder is None:
            return
        tmp = folder / f".{key}.{os.getpid()}.part"
        try:
            folder.mkdir(exist_ok=True)
            tmp.write_text(json.dumps(overview.to_dict(), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, folder / f"{key}.json")
        except OSError as exc:  # a read-only index still answers; the overview is rebuilt
            log.warning("the overview cannot be kept beside the index (%s)", exc)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    def answer(self, query: Query, embedder: Embedder) -> Answer | None:
        """The answer to a whole-meeting question, from the overview; None for any other."""
        routed = route(query.question)
        if routed is None:
            return None
        began = time.perf_counter()
        one = [s for s in query.speakers if s != DOCUMENT]
        speaker = one[0] if len(one) == 1 else None
        focus = embedder.embed_query(routed.focus) if routed.focus else None
        shown = self.get(query.documents, speaker, None, focus, routed.focus).restricted(
            routed.part
        )
        nothing = not shown.citations and routed.part in ("summary", "speakers")
        return Answer(
            question=query.asked,
            resolved=query.question if query.question != query.asked else None,
            text=REFUSAL if nothing else shown.text(routed.part),
            refused=nothing,
            citations=shown.citations,
            contexts=query.hits,
            confidence=0.0 if nothing else 1.0,
            grouped=routed.part == "speakers",
            timings_ms={"generate": (time.perf_counter() - began) * 1000},
        )
