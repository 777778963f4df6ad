"""The plain LangChain pipeline a user would write first, scored by the same metrics.

RecursiveCharacterTextSplitter(1000, 200) over the same transcript text the index holds,
HuggingFaceEmbeddings of the bundled MiniLM, LangChain's FAISS store in memory (never
`FAISS.load_local`: it unpickles), top-5 retrieval. With no LLM, its answer is the text of the
top retrieved chunks, each cited as a verbatim quote with offsets. It knows no speakers and
never refuses: that is what such a pipeline does, and what the product is measured against.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.documents import Document

from eval.metrics import Record
from webinar_rag.core import normalise

BASELINE_NAME = "langchain baseline"
PLACE = ("document", "start_time", "end_time", "page")


@dataclass(frozen=True)
class BaselineSettings:
    chunk_size: int = 1000
    chunk_overlap: int = 200
    top_k: int = 5
    # Chunks shown as the answer: as many as the product gives an LLM (Settings.llm_passages).
    answer_chunks: int = 3

    def describe(self) -> str:
        return (
            f"RecursiveCharacterTextSplitter(chunk_size={self.chunk_size}, "
            f"chunk_overlap={self.chunk_overlap}) + HuggingFaceEmbeddings (the bundled MiniLM) + "
            f"FAISS (LangChain, L2), top-{self.top_k}; answer = the top {self.answer_chunks} "
            "chunks' text, no speakers, never refuses"
        )


class LangChainBaseline:
    """`LangChainBaseline(texts, model_path).ask(question)` -> a record in the JSON contract."""

    def __init__(
        self,
        texts: Mapping[str, str],
        model_path: str,
        settings: BaselineSettings | None = None,
    ) -> None:
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        with warnings.catch_warnings():  # "langchain-community is being sunset": not ours to fix
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.vectorstores import FAISS

        self.settings = settings or BaselineSettings()
        self.texts = dict(texts)
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap,
            add_start_index=True,
        )
        names = list(self.texts)
        self.documents = splitter.create_documents(
            [self.texts[n] for n in names], metadatas=[{"source": n} for n in names]
        )
        embeddings = HuggingFaceEmbeddings(model_name=model_path, model_kwargs={"device": "cpu"})
        self.store = FAISS.from_documents(self.documents, embeddings)
        # What `ask` runs: `similarity_search_with_score` is what this retriever calls, minus
        # the scores, which the records report.
        self.retriever = self.store.as_retriever(search_kwargs={"k": self.settings.top_k})

    def ask(self, question: str, id: Any = None) -> Record:
        began = time.perf_counter()
        found = self.store.similarity_search_with_score(question, k=self.settings.top_k)
        retrieved = time.perf_counter()
        contexts = [self._context(doc, float(distance)) for doc, distance in found]
        shown = contexts[: self.settings.answer_chunks]
        citations = [
            {
                "n": n,
                "speaker": None,
                "affiliation": None,
                "quote": ctx["text"],
                "chunk_id": ctx["chunk_id"],
                "source": ctx["source"],
                "start_char": ctx["start_char"],
                "end_char": ctx["end_char"],
                **{key: ctx[key] for key in PLACE},
            }
            for n, ctx in enumerate(shown, start=1)
        ]
        text = "\n\n".join(f"{normalise(c['quote'])} [{c['n']}]" for c in citations)
        done = time.perf_counter()
        return {
            "id": id,
            "question": question,
            "answer": text,
            "refused": False,
            "citations": citations,
            "contexts": contexts,
            "timings_ms": {
                "retrieve": round((retrieved - began) * 1000, 1),
                "generate": round((done - retrieved) * 1000, 1),
                "total": round((done - began) * 1000, 1),
            },
            "backend": "langchain",
            "notice": None,
            "resolved_question": None,
            "responsible": [],
        }

    def _context(self, doc: Document, distance: float) -> dict[str, Any]:
        source = str(doc.metadata["source"])
        start = _start_of(self.texts[source], doc)
        end = start + len(doc.page_content)
        return {
            "chunk_id": hashlib.sha1(f"{source}:{start}:{end}".encode()).hexdigest()[:16],
            "speaker": None,
            "text": doc.page_content,
            # FAISS reports squared L2; MiniLM's vectors are unit length, so cosine = 1 - d / 2.
            "score": round(1 - distance / 2, 4),
            "source": source,
            "start_char": start,
            "end_char": end,
            # where the passage sits: the file stands for the title; a splitter knows no times
            "document": source,
            "start_time": None,
            "end_time": None,
            "page": None,
        }


def _start_of(text: str, doc: Document) -> int:
    """The splitter's `start_index`, checked: a quote must be verbatim at its offsets."""
    start = int(doc.metadata.get("start_index", -1))
    if start < 0 or text[start : start + len(doc.page_content)] != doc.page_content:
        start = text.find(doc.page_content)
    if start < 0:
        raise ValueError(f"A chunk of {doc.metadata['source']} is not in its source text.")
    return start
