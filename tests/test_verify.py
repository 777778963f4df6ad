"""How an LLM's reply becomes claims, and how a standing LLM answer keeps the offline quotes."""

from __future__ import annotations

import re

import pytest

from retrieval.verify import split_claims, with_quotes
from webinar_rag.core import Citation


def cite(n: int, start: int, quote: str, speaker: str = "A. Speaker") -> Citation:
    return Citation(n, speaker, None, quote, f"c{start}", "talk.md", start, start + len(quote))


@pytest.mark.parametrize(
    ("reply", "claims"),
    [
        (  # the question echoed after a closing tag
            "The office runs the sandbox. [1] It reports every year. [2] </passage> "
            "Question: Which initiatives does she follow? [1]",
            ["The office runs the sandbox.", "It reports every year."],
        ),
        (  # a reply written as passages: the tags go, the sentences inside are to verify
            'Passages:\n<passage n="4" speaker="A. Speaker">\nThe bill sets out principles.\n'
            "</passage>\n\nQuestion: What does the bill do?\nIt has no penalties. [4]",
            ["The bill sets out principles.", "It has no penalties."],
        ),
    ],
)
def test_the_prompts_markup_echoed_in_a_reply_is_not_a_claim(reply: str, claims: list[str]) -> None:
    assert [text for text, _ in split_claims(reply)] == claims


def test_the_quotes_follow_the_claims_renumbered_and_shared_sentences_keep_their_number() -> None:
    claims = (cite(1, 100, "The office runs the sandbox."),)
    quotes = (cite(1, 0, "Fines reach 7%."), cite(2, 100, "The office runs the sandbox."))
    text, citations = with_quotes(
        "It is run by the office. [1]", claims, "Fines reach 7%. [1] The office runs [2]", quotes
    )
    assert text == (
        "It is run by the office. [1]\n\n"
        "In the transcripts' words: Fines reach 7%. [2] The office runs [1]"
    )
    assert [(c.n, c.start_char) for c in citations] == [(1, 100), (2, 0)]
    # every marker in the text names a citation, and every citation is named
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    assert markers == {c.n for c in citations}


@pytest.mark.parametrize("by_speaker", [False, True])
def test_a_quote_a_claim_already_says_word_for_word_is_not_said_twice(by_speaker: bool) -> None:
    """An LLM claim that is an offline quote's sentence itself (small models copy): the quote
    is not repeated after it; the other quotes still follow."""
    claims = (cite(1, 100, "The office runs the sandbox."),)
    quotes = (cite(1, 100, "The office runs the sandbox."), cite(2, 0, "Fines reach 7%."))
    prefix = "A. Speaker: " if by_speaker else ""
    joiner = "\n" if by_speaker else " "
    offline = f"{prefix}The office runs the sandbox. [1]{joiner}{prefix}Fines reach 7%. [2]"
    text, citations = with_quotes("The office runs the sandbox. [1]", claims, offline, quotes)
    assert text.count("The office runs the sandbox.") == 1
    assert text.endswith(f"In the transcripts' words: {prefix}Fines reach 7%. [2]")
    assert [(c.n, c.start_char) for c in citations] == [(1, 100), (2, 0)]
    # when the claims say every quote, nothing follows them
    alone, cited = with_quotes("Fines reach 7%. [1]", (cite(1, 0, "Fines reach 7%."),),
                               "Fines reach 7%. [1]", (cite(1, 0, "Fines reach 7%."),))  # fmt: skip
    assert alone == "Fines reach 7%. [1]" and len(cited) == 1
