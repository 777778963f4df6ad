"""Speaker turns of the shipped report: who owns which words, and where they sit."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest

from ingest import parse_transcript
from tests.support.seed import ROOT, SOURCE, read_corpus
from webinar_rag.core import TranscriptFormatError, Turn, normalise, split_sentences

TEXT = read_corpus()
TURNS = parse_transcript(TEXT, SOURCE)

# name -> (affiliation, first words of the turn's body, last words of the turn)
SPEAKERS = {
    "Juha Heikkilä": (
        "Adviser for International Aspects of Artificial Intelligence, Directorate-General for "
        "Communications Networks, Content & Technology, European Commission",
        "The EU has three main pillars in our AI strategy",
        "based on close and long relations with METI and MIC.",
    ),
    "Makiko Tsuda": (
        "Director Secretariat of Science, Technology and Innovation Policy, Cabinet Office",
        "The Japan AI Act was submitted to the Diet",
        "addressing risks\u2014steadily and effectively.",
    ),
    "Tagui Ichikawa": (
        "Specially Appointed Professor, Institute of Innovation Research, Hitotsubashi University",
        "Recent developments in global AI governance",
        "how Japan and the EU collaborate to address these developments.",
    ),
    "Marco Canton": (
        "Senior European Affairs Executive, Fujitsu Ltd. / Chair of Digital Innovation "
        "Committee, JBCE",
        "As representant of the Japanese industry",
        "we are strongly recommending it.",
    ),
    "Yasuo Tanabe": (
        "Japan-side Managing Director, EU-Japan Centre for Industrial Cooperation",
        "asked the following questions in the Q&A/discussion session as moderator.",
        "Japan's associate membership to the Horizon Europe program.",
    ),
}


def turns_of(name: str) -> list[Turn]:
    found = [t for t in TURNS if t.speaker == name]
    assert found, f"no turn for {name}"
    return found


def body_paragraphs(name: str) -> list[tuple[int, int]]:
    """The speaker's paragraphs after the name-and-role label (which may or may not be one)."""
    turns = turns_of(name)
    headings = {t.heading for t in turns if t.heading is not None}
    return [
        p
        for t in turns
        for p in t.paragraphs
        if not any(h[0] <= p[0] and p[1] <= h[1] for h in headings)
    ]


def owner_of(needle: str) -> Turn:
    """The turn one of whose paragraphs holds the (unique) needle."""
    start = TEXT.index(needle)
    assert TEXT.find(needle, start + 1) == -1, f"{needle!r} is not unique in the corpus"
    end = start + len(needle)
    owners = [t for t in TURNS if any(s <= start and end <= e for s, e in t.paragraphs)]
    assert len(owners) == 1, f"{needle!r} is in {len(owners)} turns' paragraphs"
    return owners[0]


def sentences_of(name: str) -> list[tuple[str, bool]]:
    return [
        (TEXT[s.start_char : s.end_char], s.asks)
        for p in body_paragraphs(name)
        for s in split_sentences(TEXT, p[0], p[1])
    ]


def test_the_five_speakers_in_order_of_appearance() -> None:
    names = list(dict.fromkeys(t.speaker for t in TURNS if t.speaker is not None))
    assert names == list(SPEAKERS)


@pytest.mark.parametrize("name", list(SPEAKERS))
def test_speaker_affiliation_heading_and_body(name: str) -> None:
    affiliation, first_words, last_words = SPEAKERS[name]
    turns = turns_of(name)
    assert {t.affiliation for t in turns} == {affiliation}
    assert {t.source for t in turns} == {SOURCE}
    # Every turn of the speaker points at the same heading: the bold name line.
    assert len({t.heading for t in turns}) == 1
    heading_span = turns[0].heading
    assert heading_span is not None
    heading = TEXT[heading_span[0] : heading_span[1]]
    assert heading.lstrip("# ").startswith(f"**{name}, ")
    assert heading.rstrip().endswith("**")
    assert heading_span[0] <= turns[0].start_char
    # Whatever of the heading is kept as text is the name and role, without the markup.
    for t in turns:
        for start, end in t.paragraphs:
            if heading_span[0] <= start and end <= heading_span[1]:
                assert TEXT[start:end].rstrip(",") == f"{name}, {affiliation}"
    # The words the speaker says come after the heading, from the first to the last.
    body = body_paragraphs(name)
    assert body[0][0] >= heading_span[1]
    assert TEXT[body[0][0] :].startswith(first_words)
    assert TEXT[: body[-1][1]].endswith(last_words)
    assert turns[-1].end_char == body[-1][1]


def test_moderator_heading_with_text_after_the_bold_name() -> None:
    heading = turns_of("Yasuo Tanabe")[0].heading
    assert heading is not None
    assert TEXT[heading[0] : heading[1]] == (
        "**Yasuo Tanabe, Japan-side Managing Director, "
        "EU-Japan Centre for Industrial Cooperation,**"
    )
    first = body_paragraphs("Yasuo Tanabe")[0]
    assert TEXT[first[0] : first[1]] == (
        "asked the following questions in the Q&A/discussion session as moderator."
    )


@pytest.mark.parametrize(
    ("needle", "speaker"),
    [
        ("does not include regulations or penalties", "Makiko Tsuda"),
        ("The AI act entered into force in August 2024", "Juha Heikkilä"),
        ("In Canada, while a bill related to AI was discussed", "Tagui Ichikawa"),
        ("AI sandbox that we are trying to recommend", "Marco Canton"),
        ("Could you share details on AI Sandbox and AI factory?", "Yasuo Tanabe"),
        ("EU-Japan Digital Partnership Webinar", None),
        ("Wednesday, 19 March 16:30-18:00 Tokyo (8:30-10:00 Brussels) on Zoom webinar", None),
        ("Co-organized by Japan Electronics and Information Technology", None),
        ("and EU-Japan Centre for Industrial Cooperation (EUJC)", None),
        ("Co-funded by the European Union and the Ministry of Economy", None),
        ("Views and opinions expressed are however those of the author(s) only", None),
        ("nor the granting authority can be held responsible for them.", None),
    ],
)
def test_who_owns_the_words(needle: str, speaker: str | None) -> None:
    turn = owner_of(needle)
    assert turn.speaker == speaker
    if speaker is None:
        assert turn.affiliation is None
        assert turn.heading is None
        assert turn.is_document


def test_title_block_is_document_level_and_precedes_every_speaker() -> None:
    first_speaker = min(t.start_char for t in TURNS if t.speaker is not None)
    before = [t for t in TURNS if t.start_char < first_speaker]
    assert before, "the title, date and organisers should form a document-level turn"
    assert all(t.speaker is None for t in before)
    covered = " ".join(TEXT[s:e] for t in before for s, e in t.paragraphs)
    for words in ("EU-Japan Digital Partnership Webinar", "Wednesday, 19 March", "JEITA", "EUJC"):
        assert words in covered


def test_disclaimer_is_its_own_document_turn_inside_cantons_section() -> None:
    disclaimer = owner_of("Co-funded by the European Union")
    assert disclaimer.speaker is None
    body = TEXT[disclaimer.start_char : disclaimer.end_char]
    assert body.startswith("Co-funded by the European Union")  # italic marks left outside
    assert body.endswith("can be held responsible for them.")
    canton = turns_of("Marco Canton")
    heading = canton[0].heading
    assert heading is not None
    assert heading[1] < disclaimer.start_char < body_paragraphs("Marco Canton")[0][0]
    for turn in TURNS:
        if turn.speaker is None:
            continue
        for s, e in turn.paragraphs:
            assert e <= disclaimer.start_char or s >= disclaimer.end_char, (
                f"{turn.speaker}'s paragraph {s}:{e} overlaps the disclaimer"
            )
        assert "Co-funded" not in TEXT[turn.start_char : turn.end_char]


def test_page_broken_paragraph_is_one_sentence() -> None:
    matching = [s for s, _ in sentences_of("Juha Heikkilä") if "ties with Japan to" in s]
    assert len(matching) == 1
    sentence = matching[0]
    assert "boost innovation" in sentence
    assert "\n\n" in sentence  # it really spans the page break
    assert "ties with Japan to boost innovation and the take up of AI" in normalise(sentence)


def test_moderator_questions_ask_and_his_introduction_does_not() -> None:
    paragraphs = body_paragraphs("Yasuo Tanabe")
    bullets = [p for p in paragraphs if TEXT[p[0] : p[1]].startswith("(To ")]
    assert len(bullets) == 5
    for start, end in bullets:
        assert TEXT[start - 2 : start] == "- "  # the bullet mark stays outside the paragraph
        sentences = split_sentences(TEXT, start, end)
        assert sentences
        assert all(s.asks for s in sentences), TEXT[start:end]
    intro = split_sentences(TEXT, *paragraphs[0])
    assert [s.asks for s in intro] == [False]


def test_turns_are_ordered_disjoint_and_hold_their_paragraphs() -> None:
    assert [t.index for t in TURNS] == list(range(len(TURNS)))
    for before, after in pairwise(TURNS):
        assert before.end_char <= after.start_char
    for turn in TURNS:
        assert turn.paragraphs
        previous_end = turn.start_char
        for start, end in turn.paragraphs:
            assert previous_end <= start < end <= turn.end_char
            assert TEXT[start:end] == TEXT[start:end].strip()
            assert "**" not in TEXT[start:end]
            previous_end = end


def test_every_word_of_the_report_is_in_some_turn() -> None:
    covered = [False] * len(TEXT)
    for turn in TURNS:
        if turn.heading:
            covered[turn.heading[0] : turn.heading[1]] = [True] * (
                turn.heading[1] - turn.heading[0]
            )
        for s, e in turn.paragraphs:
            covered[s:e] = [True] * (e - s)
    lost = "".join(ch if not seen else " " for ch, seen in zip(TEXT, covered, strict=True))
    # Only markup may be left over: heading hashes, bold/italic marks, bullet marks.
    assert set(lost.split()) <= {"#", "##", "###", "####", "**", "*", "-"}


@pytest.mark.parametrize("empty", ["", "   ", "\n\n\t\n"])
def test_empty_text_raises_transcript_format_error(empty: str) -> None:
    with pytest.raises(TranscriptFormatError, match=r"empty\.md"):
        parse_transcript(empty, "empty.md")


@pytest.mark.parametrize("name", ["Yūko Ōta", "Maroš Šefčovič", "Łukasz Nowak", "Žiga Novak"])
def test_speaker_names_with_capitals_beyond_latin1(name: str) -> None:
    """Ō, Š, Ł, Ž start names too; missing one hands the words to the previous speaker."""
    text = (
        "**Anna Berg, Director, Cabinet Office**\n\nAnna speaks first.\n\n"
        f"**{name}, Executive Vice-President, European Commission**\n\nThe second speaker talks.\n"
    )
    turns = parse_transcript(text, "names.md")
    owner = next(t for t in turns if "second speaker" in text[t.start_char : t.end_char])
    assert owner.speaker == name
    assert owner.affiliation == "Executive Vice-President, European Commission"


def test_wrapped_bullet_item_is_one_sentence() -> None:
    """A bullet's continuation line belongs to the bullet, even when it starts with a capital."""
    text = (
        "**Anna Berg, Director, Cabinet Office**\n\n"
        "- (To Mr. Canton) How does the EU work with\n  Japan on AI standards?\n"
        "- Second item.\n"
    )
    turns = parse_transcript(text, "bullets.md")
    found = [
        text[s.start_char : s.end_char]
        for t in turns
        for p in t.paragraphs
        for s in split_sentences(text, *p)
    ]
    assert "(To Mr. Canton) How does the EU work with\n  Japan on AI standards?" in found


def test_the_shipped_report_parses_exactly_as_parser_v3_did() -> None:
    """New heading forms must not move one turn of the shipped corpus (snapshot from v3)."""
    snapshot = json.loads((ROOT / "tests" / "data" / "report_turns_v3.json").read_text("utf-8"))
    assert snapshot["source"] == SOURCE
    got = [
        [t.speaker, t.affiliation, t.start_char, t.end_char, [list(p) for p in t.paragraphs], h]
        for t in TURNS
        for h in [list(t.heading) if t.heading else None]
    ]
    assert got == snapshot["turns"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "**Anna Berg:** Hello there.\n\n**Ben:** Hi.\n",
            [("Anna Berg", "Hello there."), ("Ben", "Hi.")],
        ),
        ("**Anna Berg**: Hello there.\n", [("Anna Berg", "Hello there.")]),
        (
            "**Anna Berg**\n\nHello.\n\n## Ben Li\n\nHi there.\n",
            [("Anna Berg", "Hello."), ("Ben Li", "Hi there.")],
        ),
        (
            "Intro.\n\nAnna Berg, Director, Cabinet Office\n\nI speak.\n",
            [(None, "Intro."), ("Anna Berg", "I speak.")],
        ),
        (
            "**Interviewer:**\n\nQ1?\n\n**Maria:**\n\nA1.\n\n**Interviewer:**\n\nQ2?\n",
            [("Interviewer", "Q1?"), ("Maria", "A1."), ("Interviewer", "Q2?")],
        ),
    ],
)
def test_other_speaker_heading_forms(text: str, expected: list[tuple[str | None, str]]) -> None:
    turns = parse_transcript(text, "forms.md")
    got = [(t.speaker, text[t.paragraphs[-1][0] : t.paragraphs[-1][1]]) for t in turns]
    assert got == expected
    for turn in turns:
        if turn.speaker:
            assert turn.heading is not None and turn.speaker in text[slice(*turn.heading)]
            assert turn.affiliation in (None, "Director, Cabinet Office")


@pytest.mark.parametrize(
    "text",
    [
        "## Next Steps\n\nWe ship.\n\n## AI Governance\n\nRules.\n",
        "**Note:** the room changed.\n\nText.\n",
        "### **Presentations:**\n\nText.\n",
        "Participants\n\nAnna Berg, Director, X\n\nBen Li, Professor, Y\n\nThe meeting opened.\n",
        "**Summary**\n\nText.\n",
    ],
)
def test_section_titles_and_lists_name_no_speaker(text: str) -> None:
    turns = parse_transcript(text, "titles.md")
    assert all(t.speaker is None for t in turns)
    words = " ".join(text[s:e] for t in turns for s, e in t.paragraphs)
    assert words.split()[-1] in text.split()[-1]  # nothing after the headings is lost
