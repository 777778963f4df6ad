"""The Overview tab's HTML: one overview (summary, speakers, decisions and action items,
topics), several side by side (Compare), and the LLM-written summary paragraph. Every quote is
a line with `data-n`, the key of its item in the tab's citation list: the citation's number,
after a prefix when the tab shows more than one numbering ("A3", "B3", "W1")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval import Overview, Written
from webinar_rag.core import Citation, clock
from webinar_rag.ui.render import byline, notice_html, speaker_label, text_html

NO_ITEMS = (
    "No decisions or action items found: no one in these transcripts takes on or is given a "
    "task, or says something was decided, in so many words."
)
NOTHING = "Nothing in these transcripts to sum up under these filters."
MARKER = re.compile(r"\[(\d+)\]")


def key_choices(prefix: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`citation_choices` items relabelled "[A3] ..." for the quotes keyed "A3"."""
    return [(MARKER.sub(lambda m: f"[{prefix}{m[1]}]", label, 1), v) for label, v in choices]


def overview_html(overview: Overview, documents: bool = False, prefix: str = "") -> str:
    """The overview's four parts, each quote a clickable line (`data-n`: its citation)."""
    summary = "".join(_quote(overview.cited(n), documents, prefix) for n in overview.summary)
    voices = "".join(
        f'<div class="wr-ov-voice"><div><span class="wr-who">{text_html(v.speaker)}</span>'
        f'<span class="wr-aff"> {text_html(v.affiliation or "")}</span></div>'
        f"<ul>{''.join(_quote(overview.cited(n), documents, prefix, False) for n in v.citations)}"
        "</ul></div>"
        for v in overview.speakers
    )
    parts = [
        ("Summary", f'<ul class="wr-ov-summary">{summary}</ul>'),
        ("Speakers", voices or notice_html(NOTHING)),
        ("Decisions and action items", _items_html(overview, documents, prefix)),
        ("Topics", _topics_html(overview, prefix)),
    ]
    titles = list(dict.fromkeys(c.document for c in overview.citations))
    head = f'<div class="wr-ov-title">{text_html(", ".join(titles))}</div>'
    if overview.speaker:
        head += f'<div class="wr-aff">Only the words of {text_html(overview.speaker)}</div>'
    body = "".join(f"<h3>{title}</h3>{part}" for title, part in parts)
    return f'<div class="wr-ov">{head}{body}</div>'


def compare_html(overviews: Sequence[Overview], prefixes: Sequence[str]) -> str:
    """The overviews side by side, one column each, each keyed by its own prefix."""
    columns = "".join(
        f'<div class="wr-ov-column" data-document="{text_html(o.documents[0])}">'
        f"{overview_html(o, False, p) if o.citations else notice_html(NOTHING)}</div>"
        for o, p in zip(overviews, prefixes, strict=True)
    )
    style = f"grid-template-columns: repeat({len(overviews)}, minmax(0, 1fr))"
    return f'<div class="wr-ov-compare" style="{style}">{columns}</div>'


def written_html(written: Written, prefix: str, documents: bool = False) -> str:
    """The written summary: its text, each `[n]` a clickable marker, its notice, its quotes."""
    text = MARKER.sub(
        lambda m: f'<span class="wr-n" data-n="{prefix}{m[1]}">{prefix}{m[1]}</span>',
        text_html(written.text),
    )
    by = "the LLM, every claim checked" if written.backend == "llm" else "quotes, extractive"
    notice = notice_html(written.notice) if written.notice else ""
    quotes = "".join(_quote(c, documents, prefix) for c in written.citations)
    return (
        f'<div class="wr-ov wr-ov-written"><h3>Written summary ({text_html(by)})</h3>{notice}'
        f'<p class="wr-ov-text">{text}</p><ul class="wr-ov-written-quotes">{quotes}</ul></div>'
    )


def _quote(c: Citation, documents: bool, prefix: str, with_speaker: bool = True) -> str:
    """One quote as a clickable line: who (unless under their own name already), when, what."""
    document = c.document if documents else ""
    if with_speaker:
        head = byline(c.speaker, c.affiliation, c.place.where, document)
    else:
        where = f'<span class="wr-where">{text_html(c.place.where)}</span>' if c.place.where else ""
        doc = f'<span class="wr-doc">{text_html(document)}</span>' if document else ""
        head = where + doc
    return (
        f'<li class="wr-ov-quote" data-n="{prefix}{c.n}" title="Read it in the transcript">'
        f'{head} <span class="wr-quote">“{text_html(c.quote)}”</span> '
        f'<span class="wr-n">{prefix}{c.n}</span></li>'
    )


def _items_html(overview: Overview, documents: bool, prefix: str) -> str:
    items = [*overview.decisions, *overview.actions]
    if not items:
        return f'<div class="wr-ov-none">{text_html(NO_ITEMS)}</div>'
    rows = []
    for i in sorted(items, key=lambda i: i.citation):
        c = overview.cited(i.citation)
        owner = "Decision" if i.kind == "decision" else speaker_label(i.owner)
        if i.assigned_by:
            owner += f" (asked by {i.assigned_by})"
        task = "" if i.kind == "decision" else i.task
        said = " ".join(_said_html(overview.cited(n), documents, prefix) for n in i.cites)
        rows.append(
            f'<tr class="wr-ov-item wr-ov-{i.kind}" data-n="{prefix}{c.n}">'
            f'<td class="wr-ov-owner">{text_html(owner)}</td>'
            f'<td class="wr-ov-task">{text_html(task)}</td>'
            f'<td class="wr-ov-due">{text_html(i.due or "")}</td>'
            f"<td>{said}</td></tr>"
        )
    return (
        '<table class="wr-compare wr-ov-items"><thead><tr><th>Who</th><th>Task</th>'
        f"<th>Due</th><th>Said</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _said_html(c: Citation, documents: bool, prefix: str) -> str:
    return (
        f"{byline(c.speaker, None, c.place.where, c.document if documents else '')} "
        f'<span class="wr-quote">“{text_html(c.quote)}”</span> '
        f'<span class="wr-n">{prefix}{c.n}</span>'
    )


def _topics_html(overview: Overview, prefix: str) -> str:
    rows = []
    for t in overview.topics:
        when = t.where
        if t.start_time is not None and t.end_time is not None:
            when = f"[{clock(t.start_time)}–{clock(t.end_time)}]"
        rows.append(
            f'<li class="wr-ov-topic" data-n="{prefix}{t.citation}"><b>{text_html(t.label)}</b> '
            f'<span class="wr-where">{text_html(when)}</span> '
            f'<span class="wr-n">{prefix}{t.citation}</span></li>'
        )
    return f'<ul class="wr-ov-topics">{"".join(rows)}</ul>' if rows else ""


__all__ = ["NOTHING", "NO_ITEMS", "compare_html", "key_choices", "overview_html", "written_html"]
