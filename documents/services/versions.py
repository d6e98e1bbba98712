"""Every write on documents and their versions, and the verified read of a version's bytes.

Locks are taken in one order: the Document row first, then its versions. Each service runs in a
transaction and records the actor and the reason in the history. Files are written to Django's
storage under generated names only after every check passed, and removed again if the database
write fails, so that a refused upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.models import AuditEvent
from audit.services import actor_id_of, audit_record
from documents import checks, permissions
from documents.exceptions import (
    IntegrityProblem,
    VersionImmutable,
    VersionStateConflict,
)
from documents.models import Document, DocumentIntegrityIncident, DocumentVersion
from documents.services.uploads import CheckedUpload, upload_check
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body
from stakeholders.services import Actor, record_save

logger = logging.getLogger("documents.integrity")

Status = DocumentVersion.Status


def _user_or_none(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


# --- documents ----------------------------------------------------------------------------------


@transaction.atomic
def document_create(
    *,
    actor: Actor,
    process: Any,
    kind: str,
    title: str,
    working_group: Body | None = None,
    reason: str = "",
) -> Document:
    """Register a document of a process. Needs ``workflow.edit_draft`` on the process.

    Keeps: the working group, if given, is a working group of the same process.
    """
    if not permissions.is_process_member(actor, process):
        raise NotFound(_("Planning process not found."))
    if not permissions.can_create_document(actor, process):
        raise PermissionDenied(_("You may not create documents in this process."))
    if working_group is not None and (
        working_group.kind != Body.Kind.WORKING_GROUP or working_group.process_id != process.pk
    ):
        raise ValidationFailed(
            _("The working group does not belong to this planning process."),
            errors={"working_group": [_("Choose a working group of this process.")]},
        )
    document = Document(
        process=process,
        kind=kind,
        title=title,
        working_group=working_group,
        created_by=_user_or_none(actor),
    )
    return record_save(document, actor=actor, reason=reason or _("Document registered"))


def _lock_document(document_id: int) -> Document:
    try:
        return Document.objects.select_for_update().select_related("process").get(pk=document_id)
    except Document.DoesNotExist:
        raise NotFound(_("Document not found.")) from None


def _lock_version(version_id: int) -> DocumentVersion:
    """Lock the version's document, then the version (the fixed lock order)."""
    document_id = (
        DocumentVersion.objects.filter(pk=version_id).values_list("document_id", flat=True).first()
    )
    if document_id is None:
        raise NotFound(_("Document version not found."))
    document = _lock_document(document_id)
    version = DocumentVersion.objects.select_for_update().get(pk=version_id)
    version.document = document
    return version


# --- creating versions --------------------------------------------------------------------------


def _storage_name(document: Document, extension: str) -> str:
    return f"documents/{document.pk}/{uuid.uuid4().hex}.{extension}"


def _version_store(
    *,
    actor: Actor,
    document_id: int,
    checked: CheckedUpload,
    change_summary: str,
    provenance: str,
    generated_from_template: str = "",
    generation_data: dict[str, Any] | None = None,
    reason: str,
) -> DocumentVersion:
    """Number, store and record a checked file as the document's next draft version.

    The next number is taken under the lock of the Document row, so concurrent uploads to one
    document get unique, consecutive numbers (the unique constraint is the backstop).
    """
    document = _lock_document(document_id)
    last = document.versions.aggregate(last=Max("number"))["last"] or 0
    name = default_storage.save(
        _storage_name(document, checked.inspected.extension), ContentFile(checked.data)
    )
    try:
        version = DocumentVersion(
            document=document,
            number=last + 1,
            file=name,
            original_filename=checked.original_filename,
            sha256=checked.inspected.sha256,
            size=checked.inspected.size,
            content_type=checked.inspected.content_type,
            author=_user_or_none(actor),
            author_id_snapshot=getattr(_user_or_none(actor), "pk", None),
            change_summary=change_summary,
            provenance=provenance,
            generated_from_template=generated_from_template,
            generation_data=generation_data or {},
        )
        record_save(version, actor=actor, reason=reason)
    except BaseException:
        default_storage.delete(name)
        raise
    return version


@transaction.atomic
def version_upload(
    *,
    actor: Actor,
    document: Document,
    stream: IO[bytes] | bytes,
    filename: str,
    change_summary: str = "",
    reason: str = "",
) -> DocumentVersion:
    """Upload a file as the document's next draft version.

    Needs ``workflow.edit_draft`` on the document's process. The file is checked by content
    (``documents.checks``) before anything is stored; a refusal raises ``UploadRejected`` and
    leaves neither a file nor a row.
    """
    if not permissions.can_view_document(actor, document):
        raise NotFound(_("Document not found."))
    if not permissions.can_upload_version(actor, document):
        raise PermissionDenied(_("You may not upload versions of this document."))
    checked = upload_check(stream=stream, filename=filename)
    return _version_store(
        actor=actor,
        document_id=document.pk,
        checked=checked,
        change_summary=change_summary,
        provenance=DocumentVersion.Provenance.UPLOADED,
        reason=reason or _("Version uploaded"),
    )


@transaction.atomic
def version_create_generated(
    *,
    actor: Actor,
    document: Document,
    data: bytes,
    filename: str,
    template: str,
    generation_data: dict[str, Any],
    change_summary: str = "",
    reason: str = "",
) -> DocumentVersion:
    """Store a generated file (e.g. a rendered DOCX) as the next draft version, with provenance.

    Needs ``workflow.edit_draft`` on the process (``actor=None`` for a task acting on a request
    that was checked when it was made). The bytes go through the same content checks as uploads.
    """
    if actor is not None and not permissions.can_upload_version(actor, document):
        raise PermissionDenied(_("You may not add versions of this document."))
    if not template:
        raise ValidationFailed(_("A generated version must name its template."))
    checked = upload_check(stream=data, filename=filename)
    return _version_store(
        actor=actor,
        document_id=document.pk,
        checked=checked,
        change_summary=change_summary,
        provenance=DocumentVersion.Provenance.GENERATED,
        generated_from_template=template,
        generation_data=generation_data,
        reason=reason or _("Version generated from a template"),
    )


@transaction.atomic
def version_update_draft(
    *, actor: Actor, version: DocumentVersion, change_summary: str, reason: str = ""
) -> DocumentVersion:
    """Edit the change summary of a draft. A submitted version is refused (immutable)."""
    version = _lock_version(version.pk)
    if not permissions.can_submit_version(actor, version):
        raise PermissionDenied(_("You may not edit this version."))
    if version.status != Status.DRAFT:
        raise VersionImmutable(
            _("Version %(number)s has been submitted; it can no longer change.")
            % {"number": version.number}
        )
    version.change_summary = change_summary
    return record_save(version, actor=actor, reason=reason or _("Draft edited"))


@transaction.atomic
def version_delete_draft(*, actor: Actor, version: DocumentVersion, reason: str) -> None:
    """Delete a draft entered by mistake, with its file. Submitted versions are records: refused.

    A draft is not a record yet, so an ESF project's retention period does not keep it (the
    retention rule, ``workflow.services.retention``, refuses records in ``pre_delete``).
    """
    version = _lock_version(version.pk)
    if version.status != Status.DRAFT:
        raise VersionImmutable(
            _("A submitted version is a record and cannot be deleted."),
            code="version_not_deletable",
        )
    if not permissions.can_delete_draft(actor, version):
        raise PermissionDenied(_("You may not delete this draft."))
    name = version.file.name
    version._history_user = _user_or_none(actor)  # type: ignore[attr-defined]
    version._change_reason = reason or _("Draft deleted")  # type: ignore[attr-defined]
    version.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


# --- state changes ------------------------------------------------------------------------------


def _transition(
    version: DocumentVersion, method: str, *, actor: Actor, reason: str
) -> DocumentVersion:
    try:
        getattr(version, method)()
        version = record_save(version, actor=actor, reason=reason)
    except (ConcurrentTransition, TransitionNotAllowed) as exc:
        raise VersionStateConflict(
            _("Someone else has just changed the state of this version.")
        ) from exc
    audit_record(
        process_id=version.document.process_id,
        kind=_AUDIT_KINDS[method],
        actor_id=actor_id_of(actor),
        obj=version,
        payload={
            "document_id": version.document_id,
            "document_kind": version.document.kind,
            "number": version.number,
            "status": version.status,
            "sha256": version.sha256,
            "size": version.size,
            "decision_id": version.approved_by_decision_id or version.returned_by_decision_id,
            "superseded_by_id": version.superseded_by_id,
        },
    )
    return version


_AUDIT_KINDS = {
    "submit": AuditEvent.Kind.VERSION_SUBMITTED,
    "approve": AuditEvent.Kind.VERSION_APPROVED,
    "return_to_author": AuditEvent.Kind.VERSION_RETURNED,
    "publish": AuditEvent.Kind.VERSION_PUBLISHED,
    "supersede": AuditEvent.Kind.VERSION_SUPERSEDED,
}


def _require_status(version: DocumentVersion, *allowed: str) -> None:
    if version.status not in allowed:
        raise VersionStateConflict(
            _("Version %(number)s is %(status)s; this step is not possible now.")
            % {"number": version.number, "status": version.get_status_display()}
        )


@transaction.atomic
def version_submit(*, actor: Actor, version: DocumentVersion, reason: str = "") -> DocumentVersion:
    """Submit a draft for approval; from now on its bytes and metadata never change.

    Needs: the author, or ``workflow.edit_draft`` on the process.
    """
    version = _lock_version(version.pk)
    if not permissions.can_view_version(actor, version):
        raise NotFound(_("Document version not found."))
    if not permissions.can_submit_version(actor, version):
        raise PermissionDenied(_("You may not submit this version."))
    _require_status(version, Status.DRAFT)
    version.submitted_at = timezone.now()
    return _transition(version, "submit", actor=actor, reason=reason or _("Submitted for approval"))


@transaction.atomic
def version_approve(
    *, actor: Actor, version: DocumentVersion, decision: Any, reason: str = ""
) -> DocumentVersion:
    """Approve a submitted version on the strength of a steering-group decision.

    Called by ``workflow.services.documents`` once it has checked the decision (adopted, on this
    version, by this process's steering group, not used before). Needs ``workflow.approve_document``
    or ``workflow.manage_process`` on the process.
    """
    version = _lock_version(version.pk)
    if not permissions.can_view_version(actor, version):
        raise NotFound(_("Document version not found."))
    if not permissions.can_decide_version(actor, version):
        raise PermissionDenied(_("You may not record decisions on this version."))
    if decision is None or decision.pk is None:
        raise ValidationFailed(_("An adopted steering-group decision is required."))
    _require_status(version, Status.SUBMITTED)
    version.approved_at = timezone.now()
    version.approved_by_decision = decision
    return _transition(
        version, "approve", actor=actor, reason=reason or _("Approved by the steering group")
    )


@transaction.atomic
def version_return(
    *, actor: Actor, version: DocumentVersion, decision: Any, reasons: str, reason: str = ""
) -> DocumentVersion:
    """Return a submitted version to its authors, with the steering group's reasons.

    Called by ``workflow.services.documents``. Needs ``workflow.approve_document`` or
    ``workflow.manage_process``. The reasons are required and are kept on the version.
    """
    version = _lock_version(version.pk)
    if not permissions.can_view_version(actor, version):
        raise NotFound(_("Document version not found."))
    if not permissions.can_decide_version(actor, version):
        raise PermissionDenied(_("You may not record decisions on this version."))
    if not reasons or not reasons.strip():
        raise ValidationFailed(
            _("Give the reasons for returning the version."),
            errors={"returned_reason": [_("The reasons are required.")]},
        )
    if decision is None or decision.pk is None:
        raise ValidationFailed(_("A steering-group decision is required."))
    _require_status(version, Status.SUBMITTED)
    version.returned_at = timezone.now()
    version.returned_by_decision = decision
    version.returned_reason = reasons.strip()
    return _transition(
        version, "return_to_author", actor=actor, reason=reason or _("Returned for revision")
    )


@transaction.atomic
def version_publish(*, actor: Actor, version: DocumentVersion, reason: str = "") -> DocumentVersion:
    """Publish an approved version; the document's previously published version is superseded.

    Needs ``workflow.manage_process`` (the coordinator). Keeps: one published version per
    document (also a database constraint); a version older than the published one is not
    published over it; attendance lists are never published (GDPR). After commit, a DOCX/ODT
    version's PDF rendition is prepared in the background.
    """
    version = _lock_version(version.pk)
    document = version.document
    if not permissions.can_view_version(actor, version):
        raise NotFound(_("Document version not found."))
    if not permissions.can_publish_version(actor, version):
        raise PermissionDenied(_("Only the coordinator of the process publishes documents."))
    if not document.is_publishable:
        raise ValidationFailed(
            _("%(kind)s is never published online; it contains personal data and signatures.")
            % {"kind": document.get_kind_display()}
        )
    _require_status(version, Status.APPROVED)
    current = (
        DocumentVersion.objects.select_for_update()
        .filter(document=document, status=Status.PUBLISHED)
        .first()
    )
    now = timezone.now()
    if current is not None:
        if current.number > version.number:
            raise VersionStateConflict(
                _("A newer version (%(number)s) of this document is already published.")
                % {"number": current.number}
            )
        current.superseded_at = now
        current.superseded_by = version
        _transition(
            current,
            "supersede",
            actor=actor,
            reason=_("Superseded by version %(number)s") % {"number": version.number},
        )
    version.published_at = now
    published = _transition(version, "publish", actor=actor, reason=reason or _("Published"))
    if published.content_type in (checks.DOCX, checks.ODT):
        from documents.tasks import version_pdf_prepare

        version_id = published.pk
        transaction.on_commit(lambda: version_pdf_prepare.delay(version_id))
    return published


# --- verified reads -----------------------------------------------------------------------------


@dataclass
class VerifiedFile:
    """Bytes read from storage whose sha256 matched the record (spooled, read from the start)."""

    file: IO[bytes]
    sha256: str
    size: int
    content_type: str
    filename: str


def _download_name(version: DocumentVersion, extension: str) -> str:
    stem = version.original_filename.rsplit(".", 1)[0] if version.original_filename else ""
    stem = stem or f"{version.document.title}"
    return f"{stem} v{version.number}.{extension}"


def integrity_incident_record(
    *,
    version: DocumentVersion,
    kind: str,
    expected: str,
    actual: str,
    size: int | None,
    during: str,
    actor: Actor,
    rendition: str = "original",
) -> DocumentIntegrityIncident:
    """Log at ERROR and record a checksum mismatch or a missing file (append-only)."""
    logger.error(
        "Integrity problem with document version %s (%s, %s): expected sha256 %s, got %s",
        version.pk,
        rendition,
        kind,
        expected,
        actual or "(no file)",
    )
    incident = DocumentIntegrityIncident(
        version=version,
        kind=kind,
        rendition=rendition,
        expected_sha256=expected,
        actual_sha256=actual,
        actual_size=size,
        detected_during=during,
        actor_id_snapshot=getattr(_user_or_none(actor), "pk", None),
    )
    return record_save(incident, actor=actor, reason=_("Integrity check failed"))


def read_verified(
    version: DocumentVersion,
    *,
    name: str,
    expected: str,
    actor: Actor,
    during: str,
    rendition: str = "original",
) -> tuple[IO[bytes], int]:
    """Copy a stored file into a spooled buffer while hashing it; refuse a mismatch loudly."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    digest = hashlib.sha256()
    size = 0
    try:
        with default_storage.open(name, "rb") as stored:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                digest.update(chunk)
                spool.write(chunk)
                size += len(chunk)
    except (FileNotFoundError, OSError):
        spool.close()
        integrity_incident_record(
            version=version,
            kind=DocumentIntegrityIncident.Kind.MISSING,
            expected=expected,
            actual="",
            size=None,
            during=during,
            actor=actor,
            rendition=rendition,
        )
        raise IntegrityProblem(
            _(
                "The stored file of version %(number)s is missing. It is not served; the incident "
                "has been recorded."
            )
            % {"number": version.number}
        ) from None
    actual = digest.hexdigest()
    if actual != expected:
        spool.close()
        integrity_incident_record(
            version=version,
            kind=DocumentIntegrityIncident.Kind.MISMATCH,
            expected=expected,
            actual=actual,
            size=size,
            during=during,
            actor=actor,
            rendition=rendition,
        )
        raise IntegrityProblem(
            _(
                "The stored file of version %(number)s does not match its recorded checksum; it "
                "may have been altered. It is not served; the incident has been recorded."
            )
            % {"number": version.number},
            extra={"expected_sha256": expected, "actual_sha256": actual},
        )
    spool.seek(0)
    return spool, size


def version_open(
    *, actor: Actor, version: DocumentVersion, during: str = "download"
) -> VerifiedFile:
    """The version's bytes, re-checked against the stored sha256.

    Needs: a version the actor may see (NotFound otherwise). A mismatch or a missing file raises
    ``IntegrityProblem`` after logging it at ERROR and recording a ``DocumentIntegrityIncident``.
    """
    if not permissions.can_view_version(actor, version):
        raise NotFound(_("Document version not found."))
    handle, size = read_verified(
        version, name=version.file.name, expected=version.sha256, actor=actor, during=during
    )
    return VerifiedFile(
        file=handle,
        sha256=version.sha256,
        size=size,
        content_type=version.content_type,
        filename=_download_name(version, version.extension or "bin"),
    )


def version_read_bytes(*, actor: Actor, version: DocumentVersion, during: str) -> bytes:
    verified = version_open(actor=actor, version=version, during=during)
    try:
        return verified.file.read()
    finally:
        verified.file.close()
