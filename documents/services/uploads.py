"""Reading an upload safely: bounded by the size cap, checked by content before it is stored."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings

from documents import checks
from documents.checks import Inspected, reject


@dataclass(frozen=True)
class CheckedUpload:
    """Bytes that passed every check, with what they are and their sanitised original name."""

    data: bytes
    inspected: Inspected
    original_filename: str


def max_upload_bytes() -> int:
    return int(settings.KOMPLAN_UPLOAD_MAX_BYTES)


def upload_read(stream: IO[bytes] | bytes, *, max_bytes: int | None = None) -> bytes:
    """At most ``max_bytes`` + 1 bytes of the stream (enough to know it is too large)."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    if isinstance(stream, bytes | bytearray | memoryview):
        return bytes(stream[: limit + 1])
    if hasattr(stream, "seek"):
        with contextlib.suppress(OSError, ValueError):
            stream.seek(0)
    chunks: list[bytes] = []
    remaining = limit + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def upload_check(*, stream: IO[bytes] | bytes, filename: str) -> CheckedUpload:
    """Check an upload completely; raise ``UploadRejected`` (nothing stored) when it fails.

    The name is checked first (it must not be a path), then size, type by magic bytes, and the
    structure of the format (zip directory limits before decompression, macros, encryption,
    active PDF content, image headers).
    """
    original = checks.sanitize_filename(filename)
    limit = max_upload_bytes()
    data = upload_read(stream, max_bytes=limit)
    if len(data) > limit:
        raise reject(
            "too_large",
            too_large_message(limit),
        )
    return CheckedUpload(
        data=data,
        inspected=checks.inspect_upload(data, max_bytes=limit),
        original_filename=original,
    )


def too_large_message(limit: int) -> str:
    from django.utils.translation import gettext as _

    return _("The file is too large: the limit is %(limit)s MB.") % {
        "limit": f"{limit / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
    }
