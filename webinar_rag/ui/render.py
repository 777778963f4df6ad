"""Plain functions from answers and passages to HTML for the chat UI, everything escaped.

Kept apart from the Gradio layout so the escaping can be read, and tested, without a server.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from webinar_rag.core import Answer, Citation, Source

CONTEXT = 300  # characters of the neighbouring paragraphs shown around a quote
HEADER_TITLES = 3  # documents named in the header; more are counted
NO_CITATION = '<div class="wr-ctx-empty">Click a citation to read it in the transcript.</div>'
GONE = (
    '<div class="wr-ctx-empty">That document was changed or removed since this answer; '
    "ask again to cite the current one.</div>"
)
WAITING = '<div class="wr-wait">Searching…</div>'
Citations = tuple[Citation, ...] | None  # per chat message: the answer's citations, or None
RECORDING = "recording"  # the reader of audio and video files, whose citations can be played
FILE_ROUTE = "/gradio_api/file="  # Gradio serves a file under an allowed folder here


def text_html(text: str) -> str:
    """Escaped, whitespace folded: no blank line may end the chat's HTML block early."""
    return html.escape(" ".join(text.split()))


def speaker_label(speaker: str | None) -> str:
    """Text with no speaker (titles, notes) is cited as the document's own."""
    return speaker or "Document"


def header_html(titles: Sequence[str]) -> str:
    """The title above the page, naming the documents it answers from (or how many)."""
    names = ", ".join(titles) if len(titles) <= HEADER_TITLES else f"{len(titles)} documents"
    return (
        '<div class="wr-header"><h1>Ask the transcripts</h1><p>Answers quote the transcripts '
        "word for word and name who said it. Click a citation to read it in context."
        f'<span class="wr-src">{text_html(names)}</span></p></div>'
    )


def question_html(question: str) -> str:
    """The user's chat bubble: escaped, so a question can never inject markup."""
    return html.escape(question)


def streaming_html(text: str) -> str:
    """An answer still arriving from the LLM: the words so far, before the citations exist."""
    return f'<div class="wr-answer">{text_html(text)}</div>'


def answer_html(answer: Answer, documents: bool = False) -> str:
    """The chat message for an answer: text, notice, numbered citation cards (with each
    quote's document when `documents`: the index holds several), provenance."""
    body = ""
    if answer.resolved:  # a follow-up, read in the light of the answer before
        body = f'<div class="wr-resolved">Answering: {text_html(answer.resolved)}</div>'
    if answer.refused:
        body += (
            '<div class="wr-refusal"><div class="wr-refusal-title">'
            "Not covered by the transcripts</div>"
            f"<div>{text_html(answer.text)}</div></div>"
        )
    elif answer.grouped and answer.backend == "extractive":
        body += compare_html(answer)
    else:
        lines = "<br>".join(text_html(line) for line in answer.text.splitlines() if line.strip())
        body += f'<div class="wr-answer">{lines}</div>'
    if answer.notice:
        body += notice_html(answer.notice)
    cards = "".join(
        f'<div class="wr-card"><div class="wr-card-head"><span class="wr-n">{c.n}</span>'
        f"{byline(c.speaker, c.affiliation, c.place.where, c.document if documents else '')}"
        f'</div><div class="wr-quote">“{text_html(c.quote)}”</div></div>'
        for c in answer.citations
    )
    if cards:
        body += f'<div class="wr-cards">{cards}</div>'
    total = answer.timings_ms.get("total")
    took = f" · {total / 1000:.1f} s" if total is not None else ""
    return f'<div class="wr-msg">{body}<div class="wr-meta">{answer.backend}{took}</div></div>'


def byline(speaker: str | None, affiliation: str | None, where: str, document: str = "") -> str:
    """Who, when ("[12:34]") or on which page ("p. 3"), their affiliation, and the document's
    title when one is given: the head of a citation card and of a search result."""
    parts = [f'<span class="wr-who">{text_html(speaker_label(speaker))}</span>']
    if where:
        parts.append(f'<span class="wr-where">{text_html(where)}</span>')
    if affiliation:
        parts.append(f'<span class="wr-aff">{text_html(affiliation)}</span>')
    if document:
        parts.append(f'<span class="wr-doc">{text_html(document)}</span>')
    return "".join(parts)


def compare_html(answer: Answer) -> str:
    """Who said what: one row per speaker, side by side (speaker, affiliation, time, quote)."""
    rows = "".join(
        f'<tr><td class="wr-compare-who"><b>{html.escape(speaker_label(c.speaker))}</b>'
        f'<div class="wr-aff">{text_html(c.affiliation or "")}</div>'
        f'<div class="wr-aff">{html.escape(c.place.where)}</div></td>'
        f'<td>“{text_html(c.quote)}” <span class="wr-n">{c.n}</span></td></tr>'
        for c in answer.citations
    )
    return (
        '<table class="wr-compare"><thead><tr><th>Who</th><th>Said</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def notice_html(text: str) -> str:
    """What changed or went wrong while answering, shown beside the answer rather than in it."""
    return f'<div class="wr-notice">{text_html(text)}</div>'


def error_html(text: str, title: str = "Could not answer.") -> str:
    """No answer (or no change) at all: the message says what to do, never a traceback."""
    return f'<div class="wr-error"><b>{text_html(title)}</b> {text_html(text)}</div>'


def recording_file(source: Source, corpus: Path) -> Path | None:
    """The recording a source was read from, if it is one and its file lies inside the corpus
    folder (the only folder the page serves); None otherwise, so nothing else is ever linked."""
    if source.format != RECORDING:
        return None
    root = corpus.resolve()
    for candidate in (Path(source.path) if source.path else None, root / source.name):
        if candidate is None:
            continue
        found = candidate.resolve()
        if found.is_relative_to(root) and found.is_file():
            return found
    return None


def audio_html(path: Path, start: float | None) -> str:
    """An audio player for a served recording that opens at `start` seconds: a media fragment
    (`#t=12.3`) on the URL, which browsers seek to before playing."""
    url = FILE_ROUTE + quote(path.as_posix())
    if start is not None:
        url += f"#t={max(start, 0.0):.2f}"
    return (
        f'<audio class="wr-audio" controls preload="metadata" src="{html.escape(url)}">'
        "Your browser cannot play this recording.</audio>"
    )


def passage_html(source: Source, c: Citation, recording: Path | None = None) -> str:
    """The quote in its turn: the speaker's heading, the paragraph around the quote marked,
    and the end of the paragraph before and the start of the one after, faded. With the
    `recording` it was transcribed from, a player that plays it from the quote's time."""
    text = source.text
    turn = source.turn_at(c.start_char, c.end_char)
    if turn is None:  # not inside any turn (should not happen): the quote and its surroundings
        paragraphs = [(max(0, c.start_char - CONTEXT), min(len(text), c.end_char + CONTEXT))]
        who, affiliation = speaker_label(c.speaker), c.affiliation
    else:
        heading = turn.heading or (0, 0)
        paragraphs = [  # the name line is the heading, unless the quote is in it
            p for p in turn.paragraphs if not heading[0] <= p[0] < heading[1] or _overlaps(p, c)
        ]
        who, affiliation = speaker_label(turn.speaker), turn.affiliation
    hit = [i for i, p in enumerate(paragraphs) if _overlaps(p, c)] or [0]
    body = "".join(f"<p>{_marked(text, p, c)}</p>" for p in paragraphs[hit[0] : hit[-1] + 1])
    if hit[0] > 0:
        start, end = paragraphs[hit[0] - 1]
        cut = _word_start(text, max(start, end - CONTEXT), end)
        more = "… " if cut > start or hit[0] > 1 else ""
        body = f'<p class="wr-faded">{more}{html.escape(text[cut:end])}</p>{body}'
    if hit[-1] + 1 < len(paragraphs):
        start, end = paragraphs[hit[-1] + 1]
        cut = _word_end(text, start, min(end, start + CONTEXT))
        more = " …" if cut < end or hit[-1] + 2 < len(paragraphs) else ""
        body += f'<p class="wr-faded">{html.escape(text[start:cut])}{more}</p>'
    where = f" · {text_html(c.place.where)}" if c.place.where else ""
    file = f" · {text_html(source.name)}" if source.label != source.name else ""
    aff = f'<div class="wr-ctx-aff">{text_html(affiliation)}</div>' if affiliation else ""
    return (
        '<div class="wr-ctx">'
        f'<div class="wr-ctx-head"><div class="wr-ctx-who">{text_html(who)}</div>{aff}</div>'
        f'<div class="wr-ctx-meta">Citation [{c.n}]{where} · '
        f'<span class="wr-ctx-doc">{text_html(source.label)}</span>{file}, characters '
        f"{c.start_char}–{c.end_char}</div>"
        f"{audio_html(recording, c.start_time) if recording is not None else ''}"
        f'<div class="wr-ctx-body">{body}</div></div>'
    )


def _overlaps(span: tuple[int, int], c: Citation) -> bool:
    return span[0] < c.end_char and c.start_char < span[1]


def _marked(text: str, span: tuple[int, int], c: Citation) -> str:
    start, end = span
    lo, hi = max(start, c.start_char), min(end, c.end_char)
    if lo >= hi:
        return html.escape(text[start:end])
    return (
        f"{html.escape(text[start:lo])}<mark>{html.escape(text[lo:hi])}</mark>"
        f"{html.escape(text[hi:end])}"
    )


def _word_start(text: str, pos: int, end: int) -> int:
    """`pos`, moved forward to the start of a word, so a cut never splits one."""
    if pos == 0 or text[pos - 1].isspace():
        return pos
    space = text.find(" ", pos, end)
    return space + 1 if space >= 0 else pos


def _word_end(text: str, start: int, pos: int) -> int:
    if pos >= len(text) or text[pos].isspace():
        return pos
    space = text.rfind(" ", start, pos)
    return space if space > start else pos


def citation_choices(index: int, citations: Citations) -> list[tuple[str, str]]:
    """Radio items "[n] Speaker [12:34]"; the value names the chat message and the citation."""
    labels = [(c, f"[{c.n}] {speaker_label(c.speaker)} {c.place.where}") for c in citations or ()]
    return [(label.strip(), f"{index}:{c.n}") for c, label in labels]
