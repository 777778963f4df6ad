"""The person responsible for a task, read from the words that assign or take it."""

from __future__ import annotations

import pytest

from retrieval.answerer.responsible import assigned_in, commitment_in, is_task_question

PEOPLE = frozenset(["ben", "lund", "ana", "mara", "dana", "lars", "berg", "mia", "chen"])


@pytest.mark.parametrize(
    ("sentence", "speaker", "person"),
    [
        ("Then [PERSON2] please write the experiments section.", "PERSON1", "PERSON2"),
        ("PERSON5, can you check the numbers by Friday?", "PERSON1", "PERSON5"),
        ("So Ana will send the revised budget.", "Ben Lund", "Ana"),
        ("Could you, Mara, book the rooms?", "Ben Lund", "Mara"),
        ("We asked Dana to prepare the slides.", "Ben Lund", "Dana"),
        ("Lars Berg will take care of the venue.", "Mia Chen", "Lars Berg"),
        ("I will send it tomorrow.", "Mia Chen", None),  # a commitment, not an assignment
        ("Thanks, that was helpful.", "Mia Chen", None),
        ("Okay, please send it.", "Mia Chen", None),  # no one named
        ("Mia Chen will present.", "Mia Chen", None),  # the speaker about themself
        # Capitalised words that name no participant are an organisation, not a person.
        ("The AI Strategy Headquarters will develop a basic plan.", "Mia Chen", None),
        ("Marketing will handle the launch.", "Mia Chen", None),
    ],
)
def test_who_a_sentence_assigns(sentence: str, speaker: str, person: str | None) -> None:
    assert assigned_in(sentence, speaker, PEOPLE) == person


@pytest.mark.parametrize(
    ("sentence", "commits"),
    [
        ("I'll take that one.", True),
        ("I can do it by Friday.", True),
        ("Let me check the contract.", True),
        ("You did a good job.", False),
        ("They have not decided yet.", False),
        # What the speaker will do within the talk is not a task after it.
        ("I will now talk about the bill.", False),
        ("Let me say a few words about the act.", False),
        ("I can see that on the slide.", False),
        ("I'll be brief.", False),
        ("Then I will just send the minutes around.", True),
        ("I can hear you now.", False),
        # Continue, read, share, add, ask: a task or the talk going on, by what follows.
        ("I will continue working on the parser.", True),
        ("I'll read the draft and send comments.", True),
        ("I'll share the slides after the call.", True),
        ("I'll ask the vendor about the licence.", True),
        ("Let me continue.", False),
        ("Let me read the question again.", False),
        ("I can share my screen.", False),
        ("Let me add one thing.", False),
        ("I will now continue with the results.", False),
        ("I'll talk to the vendor tomorrow.", True),
        ("I will appreciate it, of course.", False),  # a feeling, not a task
    ],
)
def test_a_commitment_in_the_first_person(sentence: str, commits: bool) -> None:
    assert commitment_in(sentence) is commits


@pytest.mark.parametrize(
    ("question", "task"),
    [
        ("Who will write the experiments section?", True),
        ("Who is going to send the slides?", True),
        ("Who is responsible for the budget?", True),
        ("Whose task is the venue?", True),
        ("Who volunteered to take notes?", True),
        ("Who is the moderator?", False),
        ("Who said the deadline moved?", False),
        ("What will the team do next?", False),
    ],
)
def test_a_question_about_who_will_do_something(question: str, task: bool) -> None:
    assert is_task_question(question) is task
