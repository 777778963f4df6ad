"""The documents tab without a browser: uploads land in the corpus folder and nowhere else, are
ingested, and the chat answers from them at once; removing moves files aside; every change is
refused when the server does not allow changes.

Each test gets its own small corpus and index in tmp_path, built with the session's real
embedder; the repository's corpus/ and index/ are never touched.
"""

from __future__ import annotations

import html
import itertools
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from ingest import ingest
from retrieval import Assistant
from webinar_rag.core import Settings
from webinar_rag.models import Embedder
from webinar_rag.ui import allows_changes, build_app
from webinar_rag.ui.chat import Chat
from webinar_rag.ui.documents import KEEP_ONE, NO_FILES, NO_PICK, OFF, DocumentsTab
from webinar_rag.ui.filters import ALL, document_choices
from webinar_rag.ui.layout import index_views
from webinar_rag.ui.live import Live
from webinar_rag.ui.uploads import REMOVED, corpus_name, save

STANDUP = (
    "Priya: The harbour bridge needs new cables before winter.\n"
    "Tomas: The cables arrive in October, and the crane is booked for the first week.\n"
    "Priya: Then the bridge closes for two weeks in November.\n"
)
VOLCANOES = (
    "WEBVTT\n\n"
    "00:00:01.000 --> 00:00:04.000\n<v Carol>Volcanoes erupt when magma pressure builds.\n\n"
    "00:01:05.000 --> 00:01:09.000\n<v Dan>Geologists monitor seismic tremors near volcanoes.\n"
)
MINUTES = (  # "Name: text" lines in a .txt
    "Grace: The library roof leaks over the reading room.\n"
    "Henrik: A roofer quoted nine thousand euros to repair the library roof.\n"
)
_folders = itertools.count()


@pytest.fixture
def small(tmp_path: Path, embedder: Embedder, settings: Settings) -> Assistant:
    """An assistant over a one-document corpus and its index, both in tmp_path."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "standup.txt").write_text(STANDUP, encoding="utf-8")
    local = settings.at_index(tmp_path / "index").at_corpus(corpus)
    ingest([corpus], local, embedder=embedder)
    return Assistant.load(local)


def uploaded(tmp_path: Path, name: str, text: str) -> str:
    """A file as Gradio hands an upload over: its own folder in a cache, its name kept."""
    folder = tmp_path / "gradio-cache" / str(next(_folders))
    folder.mkdir(parents=True)
    (folder / name).write_text(text, encoding="utf-8")
    return str(folder / name)


def statuses(corpus: DocumentsTab, files: list[str], replace: bool = False) -> list[str]:
    return [status for status, _ in corpus.upload(files, replace)]


def in_corpus(assistant: Assistant) -> set[str]:
    folder = Path(assistant.settings.ingest.corpus)
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_uploads_are_ingested_and_the_chat_answers_from_them_at_once(
    small: Assistant, tmp_path: Path
) -> None:
    files = [
        uploaded(tmp_path, "volcanoes.vtt", VOLCANOES),
        uploaded(tmp_path, "minutes.txt", MINUTES),
    ]
    progress, done = statuses(DocumentsTab(small, allow_changes=True), files)
    assert "wr-progress" in progress and "volcanoes.vtt" in progress
    assert "<b>volcanoes.vtt</b> new: vtt, 2 speaker(s), 2 turns" in done
    assert "<b>minutes.txt</b> new: log, 2 speaker(s), 2 turns" in done
    assert "The index now holds 3 document(s)" in done and "wr-failed" not in done
    assert in_corpus(small) == {"standup.txt", "volcanoes.vtt", "minutes.txt"}
    assert not any(Path(f).exists() for f in files)  # no copy left in Gradio's cache

    chat = Chat(small)  # its own Live: it sees the new index on its next question
    *_, last = chat.respond("What do geologists monitor?", [], [], document="volcanoes.vtt")
    message = last[0][-1]["content"]
    assert '<span class="wr-who">Dan</span><span class="wr-where">[1:05]</span>' in message
    assert '<span class="wr-doc">volcanoes</span>' in message  # several documents now
    *_, last = chat.respond("How much is the roof repair?", [], [], speaker="Henrik")
    assert "nine thousand euros" in last[0][-1]["content"]

    current = Live(small)()
    assert ("volcanoes", "volcanoes.vtt") in document_choices(current)
    assert {"Carol", "Dan", "Grace", "Henrik", "Priya"} <= set(current.speakers.names)


def test_upload_names_cannot_leave_the_corpus_folder(tmp_path: Path) -> None:
    for raw, name in [
        ("../../evil.txt", "evil.txt"),
        ("/etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.vtt", "win.vtt"),
        ("sub/dir/notes.md", "notes.md"),
        ("Café minutes (final).txt", "Café minutes (final).txt"),
    ]:
        assert corpus_name(raw) == name
    for bad, why in [
        ("", "no file name"),
        ("dir/", "no file name"),
        (".", "hidden"),
        ("..", "hidden"),
        ("../.env", "hidden"),
        (".hidden.vtt", "hidden"),
        ("a\x00b.txt", "control characters"),
        ("x" * 300 + ".txt", "too long"),
    ]:
        with pytest.raises(ValueError, match=why):
            corpus_name(bad)

    corpus = tmp_path / "deep" / "corpus"
    results = save(
        [
            ("../../evil.txt", Path(uploaded(tmp_path, "a.txt", "Ann: hi there.\n"))),
            ("/tmp/abs.txt", Path(uploaded(tmp_path, "b.txt", "Bob: hello.\n"))),
            ("../.env", Path(uploaded(tmp_path, "c.txt", "SECRET=1\n"))),
        ],
        corpus,
        {},
    )
    assert [(r.name, r.status) for r in results] == [
        ("evil.txt", "saved"),
        ("abs.txt", "saved"),
        ("../.env", "refused"),
    ]
    assert sorted(p.name for p in corpus.iterdir()) == ["abs.txt", "evil.txt"]
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "deep" / "evil.txt").exists()
    assert not list((tmp_path / "gradio-cache").rglob("*.txt"))  # refused ones are gone too


@pytest.mark.slow
def test_a_different_file_of_a_taken_name_is_only_added_as_an_explicit_replace(
    small: Assistant, tmp_path: Path
) -> None:
    corpus = DocumentsTab(small, allow_changes=True)
    folder = Path(small.settings.ingest.corpus)
    *_, same = statuses(corpus, [uploaded(tmp_path, "standup.txt", STANDUP)])
    assert "is already in the corpus, unchanged" in same

    changed = STANDUP.replace("October", "September")
    *_, refused = statuses(corpus, [uploaded(tmp_path, "standup.txt", changed)])
    assert 'class="wr-failed"' in refused and "Replace documents of the same name" in refused
    assert (folder / "standup.txt").read_text(encoding="utf-8") == STANDUP

    *_, replaced = statuses(corpus, [uploaded(tmp_path, "standup.txt", changed)], replace=True)
    assert "<b>standup.txt</b> changed" in replaced
    assert (folder / "standup.txt").read_text(encoding="utf-8") == changed
    assert (folder / REMOVED / "standup.txt").read_text(encoding="utf-8") == STANDUP
    assert "September" in Live(small)().store.sources["standup.txt"].text


@pytest.mark.slow
def test_an_unreadable_upload_is_not_kept_and_what_it_replaced_comes_back(
    small: Assistant, tmp_path: Path
) -> None:
    corpus = DocumentsTab(small, allow_changes=True)
    broken = [uploaded(tmp_path, "broken.vtt", "not captions"), uploaded(tmp_path, "x.exe", "MZ")]
    *_, done = statuses(corpus, broken)
    assert done.count('class="wr-failed"') == 2
    assert "<b>broken.vtt</b> could not be read, so it was not kept" in done
    assert "not valid WebVTT" in done and "not a format this tool reads" in done
    assert in_corpus(small) == {"standup.txt"}

    folder = Path(small.settings.ingest.corpus)
    empty = uploaded(tmp_path, "standup.txt", "")
    *_, alone = statuses(corpus, [empty], replace=True)
    assert "<b>standup.txt</b> could not be read" in alone  # the old version is kept
    assert (folder / "standup.txt").read_text(encoding="utf-8") == STANDUP

    statuses(corpus, [uploaded(tmp_path, "volcanoes.vtt", VOLCANOES)])
    empty = uploaded(tmp_path, "standup.txt", "")
    *_, emptied = statuses(corpus, [empty], replace=True)
    assert '<li class="wr-failed"><b>standup.txt</b> could not be read' in emptied
    assert "The file it replaced was put back." in emptied
    assert (folder / "standup.txt").read_text(encoding="utf-8") == STANDUP
    assert Live(small)().store.sources["standup.txt"].text == STANDUP


@pytest.mark.slow
def test_remove_moves_the_file_aside_and_the_page_forgets_the_document(
    small: Assistant, tmp_path: Path
) -> None:
    live = Live(small)
    corpus, chat = DocumentsTab(live, allow_changes=True), Chat(live)
    statuses(corpus, [uploaded(tmp_path, "volcanoes.vtt", VOLCANOES)])
    *_, answered = chat.respond("What do geologists monitor?", [], [], document="volcanoes.vtt")
    cited = answered[1]
    assert cited[-1]

    assert NO_PICK in corpus.remove([])
    assert KEEP_ONE in corpus.remove(["volcanoes.vtt", "standup.txt"])
    assert "No document named 'nothing.vtt'" in html.unescape(corpus.remove(["nothing.vtt"]))
    done = corpus.remove(["volcanoes.vtt"])
    assert "its file moved to .removed/" in done
    assert in_corpus(small) == {"standup.txt", f"{REMOVED}/volcanoes.vtt"}
    assert list(live().store.sources) == ["standup.txt"]
    assert "removed since this answer" in chat.open_citation("1:1", cited)

    views = index_views(live(), "Dan", "volcanoes.vtt", "Priya", "standup.txt")
    _, speaker, document, search_speaker, search_document, examples, listing, pick = views
    assert (speaker["value"], document["value"]) == (ALL, ALL)  # gone: back to everyone
    assert (search_speaker["value"], search_document["value"]) == ("Priya", "standup.txt")
    assert "volcanoes" not in listing and "standup.txt" in listing
    assert pick["choices"] == [("standup (standup.txt)", "standup.txt")] and pick["value"] == []
    said = " ".join(sample[0] for sample in examples["samples"])
    assert "Priya" in said and not any(gone in said for gone in ("Carol", "Dan", "olcano"))


@pytest.mark.slow
def test_changes_are_refused_when_the_server_does_not_allow_them(
    small: Assistant, tmp_path: Path
) -> None:
    corpus = DocumentsTab(small)  # the default: off
    file = uploaded(tmp_path, "volcanoes.vtt", VOLCANOES)
    (status, box), *rest = list(corpus.upload([file]))
    assert OFF in status and not rest and box == gr.update(value=None)
    assert not Path(file).exists() and in_corpus(small) == {"standup.txt"}
    assert OFF in corpus.remove(["standup.txt"])
    assert list(Live(small)().store.sources) == ["standup.txt"]

    def visible(demo: gr.Blocks, elem_id: str) -> bool:
        block: Any = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == elem_id)
        shown = True
        while block is not None:
            shown = shown and getattr(block, "visible", True) is not False
            block = getattr(block, "parent", None)
        return shown

    off, on = build_app(small), build_app(small, allow_changes=True)
    assert visible(off, "wr-off") and not visible(off, "wr-upload")
    assert not visible(off, "wr-remove")
    assert not visible(on, "wr-off") and visible(on, "wr-upload") and visible(on, "wr-remove")

    allowed = DocumentsTab(small, allow_changes=True)
    assert NO_FILES in next(allowed.upload([]))[0]


def test_changes_are_allowed_only_on_this_machine_or_behind_a_login() -> None:
    login = ("ann", "s3cret")
    for host in ("127.0.0.1", "localhost", "::1"):
        assert allows_changes(host, None)
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        assert not allows_changes(host, None)
        assert allows_changes(host, login)


def test_an_upload_of_a_format_no_reader_reads_is_refused_by_name(tmp_path: Path) -> None:
    """The page's file filter is the browser's; a client that skips it gets the same answer."""
    corpus = tmp_path / "corpus"
    results = save([("setup.exe", Path(uploaded(tmp_path, "x.exe", "MZ\n")))], corpus, {})
    assert [(r.name, r.status) for r in results] == [("setup.exe", "refused")]
    assert ".exe is not a format this tool reads" in results[0].message
    assert ".vtt" in results[0].message and list(corpus.iterdir()) == []
