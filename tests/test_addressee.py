"""Who "you" is: a request that names no one goes to the person spoken to, when the turns
around it settle who that is (retrieval.answerer.addressee)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.answerer.addressee import addressee, listener_asked
from tests.support.seed import assistant_over
from webinar_rag.models import Embedder, directives


@pytest.mark.parametrize(
    ("speakers", "turn", "listener"),
    [
        (["Ana", "Ben", "Ana"], 1, "Ana"),  # a two-party exchange
        (["Ana", "Ben", "Ben", "Ana"], 1, "Ana"),  # the speaker's turn split in two
        (["Ben", "Ana"], 0, "Ana"),  # the meeting's first words: the reply settles it
        (["Ana", "Ben"], 1, "Ana"),  # its last words
        (["Ana", "Ben", "Carl"], 1, None),  # two neighbours: several may be meant
        (["Ben"], 0, None),  # no one else speaks
        ([None, "Ben", None], 1, None),  # unattributed text is no one
    ],
)
def test_the_one_spoken_to_is_the_other_party_of_the_exchange(
    speakers: list[str | None], turn: int, listener: str | None
) -> None:
    assert addressee(speakers, turn, speakers[turn]) == listener


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sentence", "asked"),
    [
        ("But try sending him an e-mail.", True),  # an imperative
        ("Could you prepare the corpus by Friday?", True),
        ("So you will write the introduction.", True),
        ("Please review the deliverable.", True),
        ("You can see the chart here.", False),  # a move in the talk
        ("Yeah, go ahead.", False),
        ("Could you share your views on the sandbox?", False),  # a question to answer now
        ("Could you share the slides after the call?", True),
        ("You know, it is hard.", False),  # no modal: not a request
        ("If you want, we can meet.", False),  # the speaker's "we"
        ("Let's move to the next point.", False),
        ("I'll send it and you check it.", False),  # the speaker's own task
        ("Dr. Lund) Please share the figures.", False),  # put to the person it names
    ],
)
def test_a_request_to_the_listener(sentence: str, asked: bool) -> None:
    assert listener_asked(sentence, frozenset(["ana", "lund"])) is asked


@pytest.mark.slow
def test_directives_are_the_main_clause_verbs_the_listener_is_to_do() -> None:
    text = "And you could read the book and criticise it."
    assert [verb for verb, _ in directives(text)] == ["read", "criticise"]
    assert directives("I think we should send it.") == []


CALL = (
    "Ben Lund: The venue contract is still missing, and the council wants it this week.\n"
    "Ana Ruiz: I talked to the venue yesterday, they were waiting for the signature.\n"
    "Ben Lund: Then could you send the signed contract to the venue by Friday?\n"
    "Ana Ruiz: Sure, no problem.\n"
    "Carl Mets: About the catering, the quote came in at four thousand euros.\n"
    "Ben Lund: Could you ask for a cheaper quote?\n"
    "Ana Ruiz: We could also drop the dessert.\n"
)


@pytest.mark.slow
def test_a_who_will_answer_names_the_one_asked_not_the_speaker(
    tmp_path: Path, embedder: Embedder
) -> None:
    assistant = assistant_over(tmp_path, embedder, {"call.txt": CALL})
    answer = assistant.ask("Who will send the signed contract to the venue?")
    assert not answer.refused
    asked = [r for r in answer.responsible if r.assigned_by]
    assert [(r.person, r.assigned_by) for r in asked][:1] == [("Ana Ruiz", "Ben Lund")]
    cited = answer.citations[asked[0].citation - 1]
    assert cited.speaker == "Ben Lund" and "could you send the signed contract" in cited.quote
    assert f"Ana Ruiz (asked by Ben Lund): {cited.quote}" in answer.text
    # Between Carl and Ana, "could you ask" names no one the turns settle: nobody is named.
    cheaper = assistant.ask("Who will ask for a cheaper catering quote?")
    request = [c.n for c in cheaper.citations if "ask for a cheaper quote" in c.quote]
    assert request, cheaper.text
    assert all(r.citation not in request for r in cheaper.responsible)
