"""Is this label a person? One answer for every format, so a report heading, a log prefix and a
bold Word paragraph name speakers by the same rules.

A wrong "yes" hands document text to a speaker who does not exist ("Opening Remarks says ..."),
a wrong "no" gives a speaker's words to the one before. Names are recognised by shape
(capitalised name tokens, ALLCAPS, or placeholders like PERSON4 and SPEAKER_00) and rejected
when a token is a word that titles sections rather than people.
"""

from __future__ import annotations

import re

HONORIFIC = re.compile(r"^(?:Dr|Mr|Mrs|Ms|Prof|Professor|Sir|Dame)\.?\s+")
_NAME_TOKEN = re.compile(r"^[\w'’.\-]+$")
_PLACEHOLDER = re.compile(r"^(?:PERSON|SPEAKER|Speaker|SPK|spk)[ _]?\d{1,3}$")
_NAME_PARTICLES = {"von", "van", "der", "den", "de", "da", "di", "du", "le", "la", "bin", "al"}
# Words that title a section, a field or a note, never a person ("Note: ...", "## Next Steps").
HEADING_WORDS = frozenset(
    """
    abstract acknowledgements action actions agenda annex answer answers appendix attendees
    background break chapter closing conclusion conclusions contents context date dates day
    decision decisions description discussion email event executive faq figure findings goals
    highlights introduction issue issues item items key keynote lunch location meeting minutes
    next note notes objective objectives opening outcome outcomes overview panel part
    participants place presentation presentations program programme purpose question questions
    recommendations references remarks report result results schedule section session sessions
    source speakers status step steps subject summary table takeaways time title topic topics
    update updates venue webinar welcome
    case challenges current data final further future general global international lessons
    main national news opportunities plan plans policy public recent research review risks
    studies study trends
    """.split()  # noqa: SIM905 (a word list reads better as prose than as 95 quoted items)
)
# Endings of abstract nouns, which name topics ("Regulation", "Governance"), not people.
_NOUN_ENDING = re.compile(r"(?:tion|sion|ment|ness|ity|ism|ics|ogy|ship)s?$", re.IGNORECASE)


def is_person_name(name: str, *, min_tokens: int = 2) -> bool:
    """A person's name as a report writes it: `min_tokens`-5 capitalised tokens (particles such
    as "van" allowed), no acronym, no heading word, no abstract noun."""
    tokens = HONORIFIC.sub("", name.strip()).split()
    if not min_tokens <= len(tokens) <= 5 or ":" in name:
        return False
    for token in tokens:
        if token.lower() in _NAME_PARTICLES:
            continue
        if not (_NAME_TOKEN.match(token) and token[0].isupper()) or any(c.isdigit() for c in token):
            return False
        letters = token.replace(".", "").replace("-", "")
        if len(letters) > 1 and letters.isupper():  # AI, EU, JBCE: acronyms title topics
            return False
        if token.lower().strip(".") in HEADING_WORDS or _NOUN_ENDING.search(token):
            return False
    return any(t.lower() not in _NAME_PARTICLES for t in tokens)


def split_person(label: str) -> tuple[str, str] | None:
    """`Name, Role, Organisation` -> (name, affiliation) when the first part is a person: 2-5
    capitalised tokens (parser v3's rule, kept so the reports it read keep their speakers) and
    no heading word."""
    label = label.strip().rstrip(",").strip()
    if "," not in label:
        return None
    name, affiliation = (part.strip() for part in label.split(",", 1))
    name = HONORIFIC.sub("", name)
    tokens = name.split()
    if not 2 <= len(tokens) <= 5 or ":" in name:
        return None
    if not all(
        (_NAME_TOKEN.match(t) and t[0].isupper()) or t.lower() in _NAME_PARTICLES for t in tokens
    ):
        return None
    if any(t.lower().strip(".") in HEADING_WORDS for t in tokens):
        return None
    return name, affiliation.rstrip(",").strip()


def speaker_label(label: str, *, heading_words: bool = False) -> str | None:
    """The speaker a log or caption prefix names (brackets and colons stripped), or None when
    the label is not a speaker: empty, too long, prose, or (unless `heading_words`, for a file
    already known to be a log) a heading word like "Note"."""
    name = " ".join(label.strip().strip("[]():").split())
    if not name or len(name) > 40:
        return None
    if _PLACEHOLDER.match(name):
        return name
    tokens = name.split()
    if not 1 <= len(tokens) <= 5 or tokens[0][0].isdigit():
        return None
    for token in tokens:
        if not heading_words and token.lower().strip(".") in HEADING_WORDS:
            return None
        if not _NAME_TOKEN.match(token):
            return None
        if not (token[0].isupper() or token.isdigit() or token.lower() in _NAME_PARTICLES):
            return None
    return name
