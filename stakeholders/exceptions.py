"""Domain errors. Views and the API map them to HTTP statuses in one place."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused an action. ``code`` is stable and machine-readable."""

    code = "application_error"
    http_status = 400

    def __init__(
        self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    code = "validation_error"
    http_status = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.errors = errors or {}


class PermissionDenied(ApplicationError):
    code = "forbidden"
    http_status = 403


class NotFound(ApplicationError):
    code = "not_found"
    http_status = 404


class Conflict(ApplicationError):
    code = "conflict"
    http_status = 409
