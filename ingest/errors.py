"""Errors a user can act on: each message names the bad value and the fix."""


class WebinarRagError(Exception):
    """Base of every error the CLI turns into one line and a non-zero exit."""


class CorpusNotFound(WebinarRagError):
    """The corpus path does not exist or holds no transcript files."""


class TranscriptFormatError(WebinarRagError):
    """A transcript file is unreadable, empty, binary or not UTF-8."""


class IndexNotFound(WebinarRagError):
    """No index folder where one was expected."""


class IndexCorrupt(WebinarRagError):
    """An index folder exists but one of its files is missing or unreadable."""


class IndexMismatch(WebinarRagError):
    """The index was built with another model or format than the one configured."""


class NotAnIndexFolder(WebinarRagError):
    """The index path holds other files: writing there would replace them."""
