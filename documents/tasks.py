"""Celery tasks of documents: thin, idempotent wrappers around services (ids in, never objects)."""

from __future__ import annotations

import logging

from celery import shared_task

from documents.exceptions import FeatureUnavailable
from documents.models import DocumentVersion

logger = logging.getLogger(__name__)


@shared_task(name="documents.tasks.version_pdf_prepare")
def version_pdf_prepare(version_id: int) -> bool:
    """Prepare the PDF rendition of a published DOCX/ODT version. Idempotent: done once.

    Returns whether a PDF is available. Without LibreOffice it logs and returns False; the
    download view then tells the user that the feature is unavailable.
    """
    from documents.services.pdf import version_pdf_ensure

    version = DocumentVersion.objects.filter(pk=version_id).first()
    if version is None:
        return False
    try:
        version = version_pdf_ensure(actor=None, version=version)
    except FeatureUnavailable as exc:
        logger.warning("PDF of document version %s not prepared: %s", version_id, exc.message)
        return False
    return bool(version.pdf_file)


# Generation tasks (DOCX rendering from the plan) follow below.
