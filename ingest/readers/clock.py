"""Clock times as transcripts write them ("0:05", "1:02:03", "00:01:02.500") in seconds."""

from __future__ import annotations

import re

CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_CLOCK = re.compile(rf"^{CLOCK}$")


def seconds(clock: str) -> float:
    """`m:ss`, `h:mm:ss`, with optional `.mmm` or `,mmm` milliseconds, in seconds."""
    if not _CLOCK.match(clock.strip()):
        raise ValueError(f"not a clock time: {clock!r}")
    whole, _, fraction = clock.strip().replace(",", ".").partition(".")
    total = 0
    for part in whole.split(":"):
        total = total * 60 + int(part)
    return total + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)
