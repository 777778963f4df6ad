"""What a question expects: the classic answer-type check of question answering.

A "who" question expects a person (or an organisation), "when" a date or time, "how much" /
"how many" a number, "where" a place, "which organisation" an organisation; a question opening
with an auxiliary verb expects yes or no; any other is open. Rules on the question's words, in
English and Japanese; nothing here knows any transcript. The sentence side (which sentence
holds which kind of answer) is found at ingest (`ingest.entities`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RULES: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), frozenset(kinds))
    for pattern, kinds in (
        (
            r"\b(what|which)\s+(organi[sz]ations?|compan(y|ies)|bod(y|ies)|institutions?|"
            r"agenc(y|ies)|associations?|ministr(y|ies)|universit(y|ies)|firms?|groups?|"
            r"committees?|governments?)\b|どの(組織|団体|会社|機関|省)",
            ("ORG",),
        ),
        (r"\b(who|whom|whose)\b|誰|だれ|どなた", ("PERSON", "ORG")),
        (
            r"\bwhen\b|\b(what|which)\s+(date|day|time|year|month|week)\b|\bby when\b|"
            r"\bhow long ago\b|いつ|何日|何月|何年|何時",
            ("DATE",),
        ),
        (r"\bhow long\b|どのくらいの期間", ("DATE", "NUMBER")),
        (
            r"\bhow (much|many|often|old|big|large|far)\b|"
            r"\b(what|which)\s+(percentage|share|number|amount|proportion|size|budget|price|"
            r"cost|fee|rate|figure)\b|いくら|何人|何件|何個|何割|何パーセント|どのくらい|"
            r"どれくらい|いくつ",
            ("NUMBER",),
        ),
        (
            r"\bwhere\b|\b(what|which|in which)\s+(country|countries|city|cities|place|"
            r"location|region|venue|platform)\b|どこ",
            ("PLACE", "ORG"),
        ),
    )
)
_AUXILIARY = re.compile(
    r"^\s*(is|are|was|were|do|does|did|will|would|can|could|should|has|have|had|may|might|"
    r"must|shall)\b",
    re.IGNORECASE,
)
_JAPANESE_YESNO = re.compile(r"(ですか|ますか|でしょうか|ましたか|ありますか)[?？]?\s*$")


@dataclass(frozen=True)
class Expectation:
    """`kinds`: the sentence kinds that hold such an answer (empty: any sentence may);
    `person`: the answer is who did or said something, so the answer names the speaker."""

    kinds: frozenset[str] = frozenset()
    yesno: bool = False

    @property
    def person(self) -> bool:
        return "PERSON" in self.kinds

    def met_by(self, kinds: frozenset[str], first_person: bool) -> bool:
        """Does a sentence with these kinds answer it? A speaker's "I will send it" answers
        "who will send it": the speaker is the person."""
        return bool(self.kinds & kinds) or (self.person and first_person)


def expect(question: str) -> Expectation:
    """The answer type a question asks for; the first rule that matches decides."""
    for pattern, kinds in _RULES:
        if pattern.search(question):
            return Expectation(kinds)
    return Expectation(yesno=bool(_AUXILIARY.match(question) or _JAPANESE_YESNO.search(question)))
