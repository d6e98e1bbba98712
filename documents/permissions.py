"""Who may do what with documents and their versions: one function per action.

Permissions live on the planning process (``documents`` does not import ``workflow``; the codenames
are the strings of ``stakeholders.roles``): process members read every version, editors
(``workflow.edit_draft``) upload and submit, the steering group (``workflow.approve_document``) or
the coordinator have decisions applied, the coordinator (``workflow.manage_process``) publishes.
The anonymous public reads only published versions of publishable documents.
"""

from __future__ import annotations

from typing import Any

from documents.models import Document, DocumentVersion
from stakeholders import roles
from stakeholders.permissions import has_object_permission as _has


def is_process_member(user: Any, process: Any) -> bool:
    return _has(user, roles.VIEW_PROCESS, process)


def can_view_document(user: Any, document: Document) -> bool:
    return is_process_member(user, document.process) or (
        document.is_publishable
        and document.versions.filter(status=DocumentVersion.Status.PUBLISHED).exists()
    )


def can_view_version(user: Any, version: DocumentVersion) -> bool:
    if is_process_member(user, version.document.process):
        return True
    return version.status == DocumentVersion.Status.PUBLISHED and version.document.is_publishable


def can_create_document(user: Any, process: Any) -> bool:
    return _has(user, roles.EDIT_DRAFT, process)


def can_upload_version(user: Any, document: Document) -> bool:
    return _has(user, roles.EDIT_DRAFT, document.process)


def can_submit_version(user: Any, version: DocumentVersion) -> bool:
    """The version's author (while still a member of the process) or any editor of the process."""
    process = version.document.process
    if _has(user, roles.EDIT_DRAFT, process):
        return True
    return (
        version.author_id is not None
        and version.author_id == getattr(user, "pk", None)
        and (is_process_member(user, process))
    )


def can_delete_draft(user: Any, version: DocumentVersion) -> bool:
    return version.status == DocumentVersion.Status.DRAFT and (
        _has(user, roles.EDIT_DRAFT, version.document.process)
    )


def can_decide_version(user: Any, version: DocumentVersion) -> bool:
    """Apply a steering-group decision (approve / return) to a submitted version."""
    process = version.document.process
    return _has(user, roles.APPROVE_DOCUMENT, process) or _has(user, roles.MANAGE_PROCESS, process)


def can_publish_version(user: Any, version: DocumentVersion) -> bool:
    return _has(user, roles.MANAGE_PROCESS, version.document.process)
