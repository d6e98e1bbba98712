"""Every write on documents, one module per area; import from here."""

from documents.services.diff import DiffResult, diff_html, text_extract, version_diff
from documents.services.pdf import convert_to_pdf, version_pdf_ensure, version_pdf_open
from documents.services.uploads import CheckedUpload, upload_check
from documents.services.versions import (
    VerifiedFile,
    document_create,
    integrity_incident_record,
    version_approve,
    version_create_generated,
    version_delete_draft,
    version_open,
    version_publish,
    version_read_bytes,
    version_return,
    version_submit,
    version_update_draft,
    version_upload,
)

__all__ = [
    "CheckedUpload",
    "DiffResult",
    "VerifiedFile",
    "convert_to_pdf",
    "diff_html",
    "document_create",
    "integrity_incident_record",
    "text_extract",
    "upload_check",
    "version_approve",
    "version_create_generated",
    "version_delete_draft",
    "version_diff",
    "version_open",
    "version_pdf_ensure",
    "version_pdf_open",
    "version_publish",
    "version_read_bytes",
    "version_return",
    "version_submit",
    "version_update_draft",
    "version_upload",
]
