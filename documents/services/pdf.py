"""The PDF rendition of a published DOCX/ODT version, converted headless by LibreOffice.

The conversion runs once per version (``documents.tasks.version_pdf_prepare`` after publication,
or on the first request): the PDF is stored in Django's storage with its own sha256 on the version
and re-checked on every read. Without LibreOffice the feature says so (``FeatureUnavailable``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import checks, permissions
from documents.exceptions import ConversionFailed, FeatureUnavailable
from documents.models import DocumentVersion
from documents.services.versions import (
    VerifiedFile,
    _download_name,
    read_verified,
)
from stakeholders.exceptions import NotFound, ValidationFailed
from stakeholders.services import Actor, record_save

SOFFICE_TIMEOUT = 180
CONVERTIBLE = {checks.DOCX: "docx", checks.ODT: "odt"}
PDF_STATUSES = (DocumentVersion.Status.PUBLISHED, DocumentVersion.Status.SUPERSEDED)


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(data: bytes, extension: str, *, timeout: int = SOFFICE_TIMEOUT) -> bytes:
    """Convert DOCX/ODT bytes to PDF with a private LibreOffice profile in a temporary directory."""
    binary = soffice_path()
    if binary is None:
        raise FeatureUnavailable(
            _(
                "PDF conversion is not available on this server: LibreOffice is not installed "
                "(Debian package libreoffice-writer-nogui or libreoffice-writer)."
            )
        )
    with tempfile.TemporaryDirectory(prefix="komplan-soffice-") as tmp:
        base = Path(tmp)
        source = base / f"input.{extension}"
        source.write_bytes(data)
        out = base / "out"
        out.mkdir()
        command = [
            binary,
            f"-env:UserInstallation={(base / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--nodefault",
            "--nolockcheck",
            "--nologo",
            "--norestore",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(out),
            str(source),
        ]
        env = {**os.environ, "HOME": str(base), "TMPDIR": str(base)}
        try:
            subprocess.run(  # noqa: S603 (fixed arguments, no shell)
                command,
                capture_output=True,
                timeout=timeout,
                check=False,
                env=env,
                cwd=base,
            )
        except subprocess.TimeoutExpired as exc:
            raise ConversionFailed(
                _("The conversion to PDF took longer than %(seconds)s s and was stopped.")
                % {"seconds": timeout}
            ) from exc
        result = out / "input.pdf"
        if not result.exists() or result.stat().st_size == 0:
            raise ConversionFailed(_("LibreOffice did not produce a PDF from this document."))
        return result.read_bytes()


def _require_convertible(version: DocumentVersion) -> str:
    extension = CONVERTIBLE.get(version.content_type)
    if extension is None:
        raise ValidationFailed(
            _("Only DOCX and ODT documents are offered as PDF."), code="pdf_not_supported"
        )
    if version.status not in PDF_STATUSES:
        raise ValidationFailed(
            _("A PDF is offered only for published versions."), code="pdf_not_published"
        )
    return extension


def version_pdf_ensure(*, actor: Actor, version: DocumentVersion) -> DocumentVersion:
    """Convert once and record the PDF (file, sha256, size) on the version; idempotent.

    Needs: a version the actor may see (``actor=None`` for the background task). The conversion
    runs outside any lock; if another process recorded a PDF meanwhile, ours is discarded.
    """
    if actor is not None and not permissions.can_view_version(actor, version):
        raise NotFound(_("Document version not found."))
    extension = _require_convertible(version)
    if version.pdf_file:
        return version
    handle, _size = read_verified(
        version, name=version.file.name, expected=version.sha256, actor=actor, during="pdf"
    )
    with handle:
        source = handle.read()
    pdf = convert_to_pdf(source, extension)
    name = default_storage.save(
        f"documents/{version.document_id}/{uuid.uuid4().hex}.pdf", ContentFile(pdf)
    )
    try:
        with transaction.atomic():
            locked = DocumentVersion.objects.select_for_update().get(pk=version.pk)
            if locked.pdf_file:
                default_storage.delete(name)
                return locked
            locked.pdf_file = name
            locked.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
            locked.pdf_size = len(pdf)
            locked.pdf_generated_at = timezone.now()
            return record_save(locked, actor=actor, reason=_("PDF rendition generated"))
    except BaseException:
        if default_storage.exists(name):
            default_storage.delete(name)
        raise


def version_pdf_open(*, actor: Actor, version: DocumentVersion) -> VerifiedFile:
    """The PDF rendition (generated on first use), re-checked against its own sha256."""
    if not permissions.can_view_version(actor, version):
        raise NotFound(_("Document version not found."))
    _require_convertible(version)
    version = version_pdf_ensure(actor=actor, version=version)
    handle, size = read_verified(
        version,
        name=version.pdf_file.name,
        expected=version.pdf_sha256,
        actor=actor,
        during="pdf download",
        rendition="pdf",
    )
    return VerifiedFile(
        file=handle,
        sha256=version.pdf_sha256,
        size=size,
        content_type=checks.PDF,
        filename=_download_name(version, "pdf"),
    )
