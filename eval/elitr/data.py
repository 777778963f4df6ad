"""ELITR-Bench's dev split, read from its password-protected zip: the questions in memory, the
transcripts extracted to a temporary folder only (never into the repository).

The authors ship the data zipped so that crawlers do not take it in; results name questions
by id only, never by their text.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from eval.errors import DatasetError

PASSWORD = b"utter"  # the authors' public password
QUESTIONS = "dev/questions/elitr-bench-qa_dev.json"  # every question stands alone
TRANSCRIPTS = "dev/transcripts/"
TYPES = ("who", "what", "when", "howmany")


@dataclass(frozen=True)
class Question:
    meeting: str  # the meeting id: its transcript is `<meeting>.txt`
    number: str  # the id inside the meeting ("1", "2", ...): it restarts in every meeting
    type: str  # who, what (also "why"), when, howmany
    position: str  # where the answer lies: B, M, E (a third of the meeting), S (several places)
    text: str
    answer: str  # the reference answer; people are [PERSONn], as in the transcript

    @property
    def id(self) -> str:
        return f"{self.meeting}#{self.number}"

    @property
    def file(self) -> str:
        """The transcript's file name: how the index names the document."""
        return f"{self.meeting}.txt"


def _open(path: Path) -> zipfile.ZipFile:
    if not Path(path).is_file():
        raise DatasetError(
            f"No ELITR-Bench dev data at {path}. Pass the zip (elitr-bench-dev.zip) with --data."
        )
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise DatasetError(f"{path} is not a zip file ({exc}).") from exc


def load_questions(path: Path) -> list[Question]:
    """Every dev question, meeting by meeting, in the file's order."""
    with _open(path) as archive:
        try:
            data = json.loads(archive.read(QUESTIONS, pwd=PASSWORD))
            return [
                Question(
                    meeting=str(m["id"]),
                    number=str(q["id"]),
                    type=str(q["question-type"]),
                    position=str(q["answer-position"]),
                    text=str(q["question"]),
                    answer=str(q["groundtruth-answer"]).strip(),
                )
                for m in data["meetings"]
                for q in m["questions"]
            ]
        except (KeyError, ValueError, TypeError, RuntimeError) as exc:
            raise DatasetError(
                f"{path} does not hold ELITR-Bench's {QUESTIONS} ({type(exc).__name__}: {exc})."
            ) from exc


def extract_transcripts(path: Path, folder: Path) -> list[Path]:
    """The transcripts, written into `folder` (a temporary one), sorted by name."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with _open(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if not name.startswith(TRANSCRIPTS) or not name.endswith(".txt"):
                continue
            target = folder / Path(name).name
            target.write_bytes(archive.read(info, pwd=PASSWORD))
            written.append(target)
    if not written:
        raise DatasetError(f"{path} holds no transcripts under {TRANSCRIPTS}.")
    return sorted(written)
