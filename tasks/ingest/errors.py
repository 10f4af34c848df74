"""Errors the ingest stage raises on purpose, with messages an operator can act on."""

from __future__ import annotations


class IngestError(RuntimeError):
    """Base class of every error the ingest stage raises deliberately."""


class S3AccessError(IngestError):
    """The S3 endpoint rejected our credentials or denied access. Retrying will not help."""


class S3UnavailableError(IngestError):
    """The S3 endpoint could not be reached or failed after botocore's own retries. Retrying may help."""


class SourceNotFoundError(IngestError):
    """The configured source folder or bucket does not exist."""


class CountsMismatchError(IngestError):
    """read != accepted + duplicate + quarantined: rows were lost or counted twice (a bug, never bad data)."""


class IngestBusyError(IngestError):
    """Another ingest run holds the state folder's lock. Retry once it has finished."""


class NoSnapshotError(IngestError):
    """No snapshot exists yet (or not the one asked for): run the ingest flow first."""


class SourceRejectedError(IngestError):
    """A source file that must not be read (a symlink out of the source folder, not a regular file).

    Not a run failure: the file becomes one whole-file quarantine entry with ``reason``.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
