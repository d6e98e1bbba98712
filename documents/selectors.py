"""Reads of documents and versions, always filtered to what the actor may see.

Members of a process (``workflow.view_planningprocess``) see every document and version of it;
the anonymous public sees only published versions of documents that may be published.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from documents.models import Document, DocumentVersion
from stakeholders import roles
from stakeholders.exceptions import NotFound

Status = DocumentVersion.Status


def _process_model() -> Any:
    # Reached through the relation: documents does not import workflow.
    return Document._meta.get_field("process").related_model


def _member_process_ids(actor: Any) -> QuerySet[Any] | None:
    """Processes the actor is a member of; None means all (superuser)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return _process_model().objects.none().values("pk")
    if actor.is_superuser:
        return None
    return get_objects_for_user(
        actor, roles.VIEW_PROCESS, klass=_process_model(), accept_global_perms=False
    ).values("pk")


def _public_versions() -> QuerySet[DocumentVersion]:
    return DocumentVersion.objects.filter(status=Status.PUBLISHED).exclude(
        document__kind__in=Document.NEVER_PUBLIC_KINDS
    )


def document_list(*, actor: Any, process: Any | None = None) -> QuerySet[Document]:
    base = Document.objects.select_related("process", "working_group")
    if process is not None:
        base = base.filter(process=process)
    member_of = _member_process_ids(actor)
    if member_of is None:
        return base
    public = _public_versions().filter(document=OuterRef("pk"))
    return base.filter(process__in=member_of) | base.filter(Exists(public))


def document_get(*, actor: Any, pk: Any) -> Document:
    try:
        return document_list(actor=actor).get(pk=pk)
    except (Document.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Document not found.")) from None


def version_list(*, actor: Any, document: Document | None = None) -> QuerySet[DocumentVersion]:
    base = DocumentVersion.objects.select_related("document", "document__process", "author")
    if document is not None:
        base = base.filter(document=document)
    member_of = _member_process_ids(actor)
    if member_of is None:
        return base
    return base.filter(document__process__in=member_of) | base.filter(
        pk__in=_public_versions().values("pk")
    )


def version_get(*, actor: Any, pk: Any) -> DocumentVersion:
    """One version, or NotFound when it does not exist or the actor may not see it."""
    try:
        return version_list(actor=actor).get(pk=pk)
    except (DocumentVersion.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Document version not found.")) from None
