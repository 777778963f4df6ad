"""The product's one error tree: every error a user can act on, each message naming the bad
value and the fix. It sits in the foundation so every layer raises from it; the faces turn any
`WebinarRagError` into one line and a non-zero exit (or a short message in the UI).

    WebinarRagError
    ├── ConfigError             a setting or environment value is not valid
    ├── CorpusNotFound          no transcript where one was expected
    ├── TranscriptFormatError   a transcript file cannot be read as one
    │   └── RecordingError      a recording: no audio track, corrupt, silent, too long
    ├── IndexFolderError        the index folder
    │   ├── IndexNotFound, IndexCorrupt, IndexMismatch, NotAnIndexFolder, IndexBusy,
    │   └── IndexUnreadable, IndexWriteError, DatabaseConnectionLost
    ├── ModelNotFound           an embedding model cannot be loaded
    ├── RerankerNotFound        the configured cross-encoder cannot be loaded
    ├── QuestionError           a question or question file
    │   ├── EmptyQuestion, QuestionTooLong, InvalidTopK, UnknownSpeaker, UnknownDocument,
    │   └── QuestionFileError
    └── LLMError                the LLM endpoint
        └── LLMNotConfigured, LLMUnavailable, LLMBadReply

The evaluation adds its own (`eval.errors.DatasetError`) under the same root.
"""


class WebinarRagError(Exception):
    """Base of every error the faces turn into one line and a non-zero exit."""


class ConfigError(WebinarRagError):
    """A setting or environment value is not valid (e.g. a threshold that is not a number)."""


class CorpusNotFound(WebinarRagError):
    """The corpus path does not exist or holds no transcript files."""


class TranscriptFormatError(WebinarRagError):
    """A transcript file is unreadable, empty, binary or not in its format."""


class RecordingError(TranscriptFormatError):
    """A recording cannot be transcribed: no audio track, a corrupt container, only silence,
    longer than the limit, or the audio extra is not installed."""


class IndexFolderError(WebinarRagError):
    """Something is wrong with the index folder."""


class IndexNotFound(IndexFolderError):
    """No index folder where one was expected."""


class IndexCorrupt(IndexFolderError):
    """An index folder exists but one of its files is missing or unreadable."""


class IndexMismatch(IndexFolderError):
    """The index was built with another model or format than the one configured."""


class NotAnIndexFolder(IndexFolderError):
    """The index path holds other files: writing there would replace them."""


class IndexBusy(IndexFolderError):
    """Another ingest is writing this index folder; `holder` is its PID when known."""

    def __init__(self, message: str, holder: int | None = None) -> None:
        super().__init__(message)
        self.holder = holder


class IndexUnreadable(IndexFolderError):
    """The index folder exists, but this user may not read it."""


class IndexWriteError(IndexFolderError):
    """The new index could not be written (a full disk, a read-only folder); the previous
    index is untouched."""


class DatabaseConnectionLost(IndexFolderError):
    """The database server went away during an ingest (killed, restarted, the network cut): its
    transaction is rolled back, so the database holds what it held before."""


class ModelNotFound(WebinarRagError):
    """The configured embedding model folder does not exist or cannot be loaded."""


class RerankerNotFound(WebinarRagError):
    """The configured cross-encoder folder does not exist or cannot be loaded."""


class QuestionError(WebinarRagError):
    """A question, or a file of questions, cannot be answered as given."""


class EmptyQuestion(QuestionError):
    """The question is empty or only white space."""


class QuestionTooLong(QuestionError):
    """The question is longer than a question can usefully be (see retrieval.limits)."""


class InvalidTopK(QuestionError):
    """The number of passages asked for is out of range (see retrieval.limits)."""


class UnknownSpeaker(QuestionError):
    """A speaker filter names no one in the index."""


class UnknownDocument(QuestionError):
    """A document filter names no document in the index."""


class QuestionFileError(QuestionError):
    """A question file is missing or has a line that is not a question object."""


class LLMError(WebinarRagError):
    """The LLM endpoint cannot be used or did not answer usably."""


class LLMNotConfigured(LLMError):
    """The LLM backend was asked for, but no endpoint is configured."""


class LLMUnavailable(LLMError):
    """The endpoint could not be reached, timed out, or kept failing after retries."""


class LLMBadReply(LLMError):
    """The endpoint answered, but not with a usable reply (malformed, empty, cut short)."""
