"""Every error ficdex raises on purpose.

The CLI prints ``str(error)`` as one line naming the file; the web API turns
``error.as_dict()`` into its one JSON error shape.  Library code raises these
and never prints.
"""

from __future__ import annotations


class FicdexError(Exception):
    """Base of every ficdex error."""

    code = "error"

    def __init__(self, reason: str, path: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason

    def as_dict(self) -> dict:
        return {"error": self.code, "message": self.reason, "path": self.path}


class InputError(FicdexError):
    """A file cannot be read as a story."""

    code = "bad_input"


class EmptyFileError(InputError):
    """The file has no story text."""

    code = "empty_file"


class BinaryFileError(InputError):
    """The file is binary data, not text, HTML or EPUB."""

    code = "binary_file"


class EncodingError(InputError):
    """The bytes cannot be decoded as text in any encoding we accept."""

    code = "bad_encoding"


class FileTooLargeError(InputError):
    """The file is over the configured size limit."""

    code = "file_too_large"


class CorruptArchiveError(InputError):
    """An EPUB that is truncated, not a zip, or missing its package document."""

    code = "corrupt_archive"


class ZipBombError(InputError):
    """An archive that would unpack to more than we allow."""

    code = "zip_bomb"


class UnsupportedFormatError(InputError):
    """A file type ficdex has no reader for."""

    code = "unsupported_format"


class PipelineError(FicdexError):
    """Analysis stages were put together in an order that cannot work."""

    code = "pipeline"


class ModelError(FicdexError):
    """A shipped model or data file is missing or unreadable."""

    code = "model"


class LibraryError(FicdexError):
    """A library (database) operation failed."""

    code = "library"


class NotFoundError(LibraryError):
    """No work with that id in the library."""

    code = "not_found"


class QueryError(LibraryError):
    """A library search that cannot be run as written."""

    code = "bad_query"
