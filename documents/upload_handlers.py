"""Refuse an oversized upload before its body is read into memory or a temporary file.

``documents.services.uploads`` checks the size of the file it is given, but by then Django has
already received the whole request body (in memory up to ``FILE_UPLOAD_MAX_MEMORY_SIZE``, the
rest in a temporary file). :class:`UploadSizeCapHandler` runs first in the upload handler chain:

* a request whose ``Content-Length`` exceeds the cap (``KOMPLAN_UPLOAD_MAX_BYTES``) plus a small
  allowance for the other form fields is answered without reading a byte of its body;
* otherwise the files' bytes are counted as they stream in, and the upload stops as soon as they
  pass the cap (what was received so far is discarded with the temporary files).

:func:`upload_size_capped` installs the handler on a view. The handler must be in place before
anything reads ``request.POST``, and the CSRF middleware reads it before the view runs, so the
decorated view is CSRF-exempt at the middleware and protected again by ``csrf_protect`` once the
body has been parsed under the cap. An oversized request is answered by ``on_too_large`` with an
``UploadTooLarge`` error (HTTP 413, a clear Czech message) and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from documents.exceptions import UploadTooLarge
from documents.services.uploads import max_upload_bytes, too_large_message

# Room for the multipart boundaries and headers and the text fields sent with the file (a
# change summary, the CSRF token): a request may be this much larger than the file cap.
FORM_ALLOWANCE_BYTES = 256 * 1024

View = Callable[..., HttpResponse]
TooLargeResponder = Callable[..., HttpResponse]


class UploadSizeCapHandler(FileUploadHandler):
    """Stops a request whose body or files exceed ``max_bytes``; sets ``exceeded``."""

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.exceeded = False
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: bytes,
        encoding: str | None = None,
    ) -> tuple[QueryDict, MultiValueDict] | None:
        if content_length > self.max_bytes + FORM_ALLOWANCE_BYTES:
            self.exceeded = True
            # Claim the request as parsed, with nothing in it: its body is never read.
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.exceeded = True
            # The rest of the (bounded) body is read and dropped, so that the client gets the
            # answer instead of a reset connection; the partial files are closed and deleted.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def install_upload_cap(request: HttpRequest, max_bytes: int | None = None) -> UploadSizeCapHandler:
    """Put the size cap first in the request's upload handlers (before its body is parsed)."""
    handler = UploadSizeCapHandler(
        request, max_bytes=max_upload_bytes() if max_bytes is None else max_bytes
    )
    request.upload_handlers.insert(0, handler)
    return handler


def upload_too_large() -> UploadTooLarge:
    return UploadTooLarge(too_large_message(max_upload_bytes()))


def upload_size_capped(on_too_large: TooLargeResponder) -> Callable[[View], View]:
    """Decorate an upload view: parse POST bodies under the cap, answer an oversized one with
    ``on_too_large(request, error, *args, **kwargs)``, and check CSRF for everything else."""

    def decorate(view: View) -> View:
        protected = csrf_protect(view)

        @wraps(view)
        def capped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                handler = install_upload_cap(request)
                request.POST  # noqa: B018 (parse the body now, under the cap)
                if handler.exceeded:
                    return on_too_large(request, upload_too_large(), *args, **kwargs)
            return protected(request, *args, **kwargs)

        return csrf_exempt(capped)

    return decorate


@register(Tags.security)
def check_upload_limits(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Django's own limits must stay below ours: form fields are held in memory whole
    (``DATA_UPLOAD_MAX_MEMORY_SIZE``, None means unlimited), and files up to
    ``FILE_UPLOAD_MAX_MEMORY_SIZE`` are held in memory instead of a temporary file."""
    problems = []
    cap = max_upload_bytes()
    data_cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if data_cap is None or cap < data_cap:
        problems.append(
            Warning(
                "DATA_UPLOAD_MAX_MEMORY_SIZE is unlimited or above KOMPLAN_UPLOAD_MAX_BYTES.",
                hint="Keep Django's default (2.5 MB) or set a smaller value.",
                id="documents.W001",
            )
        )
    if cap < settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
        problems.append(
            Warning(
                "FILE_UPLOAD_MAX_MEMORY_SIZE is above KOMPLAN_UPLOAD_MAX_BYTES: whole uploads "
                "would be held in memory.",
                hint="Keep Django's default (2.5 MB) or set a smaller value.",
                id="documents.W002",
            )
        )
    if cap <= 0:
        problems.append(Error("KOMPLAN_UPLOAD_MAX_BYTES must be positive.", id="documents.E001"))
    return problems
