"""Errors of documents and their versions, on top of the shared ApplicationError family."""

from __future__ import annotations

from stakeholders.exceptions import ApplicationError, Conflict, ValidationFailed


class UploadRejected(ValidationFailed):
    """An upload failed a content check; nothing was stored. ``code`` names the check."""

    code = "upload_rejected"
    http_status = 422


class UploadTooLarge(UploadRejected):
    """The request carrying an upload was larger than the cap; reading stopped there."""

    code = "too_large"
    http_status = 413

    def __init__(self, message: str) -> None:
        super().__init__(message, errors={"file": [message]})


class VersionImmutable(ApplicationError):
    """A submitted version's bytes and metadata never change; the attempt was refused."""

    code = "version_immutable"
    http_status = 409


class VersionStateConflict(Conflict):
    """The version is not (or no longer) in the state the action starts from."""

    code = "version_state_conflict"


class IntegrityProblem(ApplicationError):
    """The stored bytes of a version no longer match its recorded sha256 (or are missing).

    Raised loudly: the file is not served, the incident is logged at ERROR and recorded.
    """

    code = "integrity_problem"
    http_status = 500


class FeatureUnavailable(ApplicationError):
    """A feature needs a program that is not installed on this server (LibreOffice, pdftotext)."""

    code = "feature_unavailable"
    http_status = 503


class ConversionFailed(ApplicationError):
    """A conversion (e.g. to PDF) ran but did not produce a result."""

    code = "conversion_failed"
    http_status = 502
