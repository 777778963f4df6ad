"""Moves within the talk, not tasks after it: "I will now talk about...", "let me say",
"you can see", "go ahead". A verb a speaker puts in the future ("I'll ...", "let me ...") or
asks a listener to do ("could you ...", "try ...") is a task unless it is one of these."""

from __future__ import annotations

import re

# What a speaker says they will do within the talk itself, not a task after it: "I will now
# talk about...", "let me say", "I can see", "I'll be brief", "I can hear you".
_TALK_VERBS = frozenset(
    [
        "say",
        "tell",
        "talk",
        "speak",
        "think",
        "mention",
        "explain",
        "introduce",
        "begin",
        "start",
        "be",
        "answer",
        "repeat",
        "summarize",
        "summarise",
        "conclude",
        "turn",
        "hand",
        "pass",
        "stop",
        "go",
        "come",
        "elaborate",
        "emphasize",
        "emphasise",
        "highlight",
        "point",
        "move",
        "show",
        "describe",
        "touch",
        "see",
        "hear",
        "listen",
        "wait",
        "guess",
        "imagine",
        "understand",
        "agree",
        "assume",
        "believe",
        "remember",
        "recall",
        "admit",
        "quote",
        "close",
        "end",
        "outline",
        "walk",
        "remind",
        "clarify",
        "illustrate",
        "comment",
        "respond",
        "reply",
        "only",
        "not",
        "never",
    ]
)
# Verbs that are a task or a move in the talk by what follows them: "I'll continue working on
# the parser", "I'll read the paper", "I'll share the slides after the call" are tasks; "let me
# continue", "let me read the question", "I can share my screen", "let me add one thing" are
# the talk going on.
_EITHER_VERBS = frozenset(
    [
        "continue",
        "read",
        "share",
        "add",
        "give",
        "ask",
        "finish",
        "present",
        "discuss",
        "put",
        "note",
        "focus",
    ]
)
# Said of the talk: to the listeners, the next slide, the screen, an example, a moment, a
# view.
_IN_TALK = re.compile(
    r"^\s*(?:$|(?:you|us|everyone|everybody)\b|with\b|here\b|(?:my|the|our) screen\b|"
    r"(?:the|this|that|your) (?:question|slide|quote|next)\b|"
    r"(?:an?|one|two|some) (?:example|word|few|little|bit|moment|second|comment|thing|point|"
    r"remarks?|thoughts?)\b|"
    # a view asked for in the talk: "could you share your views / more details on ..."
    r"(?:your|our|my|his|her|their|some|more|any|a few)?\s*(?:views?|thoughts?|opinions?|"
    r"details|insights?|perspectives?|experiences?|impressions?)\b)",
    re.IGNORECASE,
)
# After the meeting: a talk verb with one of these is a task ("I'll talk to Ben tomorrow").
_LATER = re.compile(
    r"\b(?:after (?:the|this) (?:meeting|call)|afterwards|later|offline|by e-?mail|tomorrow|"
    r"tonight|next (?:week|time|meeting|month)|by (?:monday|tuesday|wednesday|thursday|friday|"
    r"the end|then)|this (?:week|afternoon|evening))\b",
    re.IGNORECASE,
)
# Feeling or wanting, not doing: "I will appreciate it", "I'd like that", "I can imagine".
_FEELING = frozenset(
    ["appreciate", "like", "love", "hope", "want", "need", "wish", "enjoy", "feel", "prefer"]
)
_LATER_TALK = frozenset(["tell", "talk", "speak", "explain", "show", "describe"])


def in_the_talk(lead: str, adverbs: str, verb: str, rest: str) -> bool:
    """Whether "I'll / let me VERB rest" is a move within the talk, not a task after it."""
    verb = verb.lower()
    now = "now" in adverbs.lower().split()
    later = not now and _LATER.search(rest) is not None
    if verb in _EITHER_VERBS:
        if later:
            return False
        return now or lead.lower() == "let me" or _IN_TALK.match(rest) is not None
    if verb in _LATER_TALK and later:
        return False
    return verb in _TALK_VERBS or verb in _FEELING
