"""Admin for documents and their versions: read through the selectors, written through services.

A version is never edited here: every field is read-only and nobody (not even a superuser) has
the change permission, so a forged POST to the change form is refused. Only a draft may be
deleted (``version_delete_draft``); a submitted version is a record. The add page uploads a new
draft through ``version_upload``, with the same content checks as everywhere else.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from documents import permissions, selectors, services
from documents.models import Document, DocumentIntegrityIncident, DocumentVersion
from stakeholders import roles
from stakeholders.admin_base import (
    ReadOnlyInline,
    ReasonForm,
    ServiceAdmin,
    holds_anywhere,
    is_signed_in,
    is_superuser,
)


def _process_model() -> Any:
    return Document._meta.get_field("process").related_model


class VersionInline(ReadOnlyInline):
    model = DocumentVersion
    fields = ["number", "status", "original_filename", "size", "sha256", "created_at"]
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or permissions.can_view_document(request.user, obj)


@admin.register(Document)
class DocumentAdmin(ServiceAdmin):
    list_display = ["title", "kind", "process", "working_group"]
    list_filter = ["kind"]
    search_fields = ["title", "process__title"]
    inlines = [VersionInline]
    default_reason = _("Document edited in the administration")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Document]:
        return selectors.document_list(actor=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = ["created_at", "created_by"]
        if obj is not None:
            fields[:0] = ["process", "kind"]
        return fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_PROCESS, _process_model())
        return is_signed_in(request.user) and permissions.is_process_member(
            request.user, obj.process
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.EDIT_DRAFT, _process_model())
        return permissions.can_create_document(request.user, obj.process)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return holds_anywhere(request, roles.EDIT_DRAFT, _process_model())

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A document with versions is protected by the database; the rest is not worth a hole.
        return False

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "process" and not is_superuser(request.user):
            from guardian.shortcuts import get_objects_for_user

            kwargs["queryset"] = get_objects_for_user(
                request.user, roles.EDIT_DRAFT, klass=_process_model(), accept_global_perms=False
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Document:
        return services.document_create(
            actor=request.user,
            process=obj.process,
            kind=obj.kind,
            title=obj.title,
            working_group=obj.working_group,
            reason=self.reason(form, default=""),
        )


class VersionUploadForm(ReasonForm):
    """The add page: a document, a file and a summary; the service does the rest."""

    upload = forms.FileField(label=_("File"), allow_empty_file=True)

    class Meta:
        model = DocumentVersion
        fields = ["document", "change_summary"]


UPLOAD_FIELDS = ["document", "upload", "change_summary", "change_reason"]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ServiceAdmin):
    list_display = ["__str__", "status", "size", "content_type", "created_at"]
    list_filter = ["status", "content_type"]
    search_fields = ["document__title", "original_filename", "sha256"]
    delete_reason = _("Draft deleted in the administration")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[DocumentVersion]:
        return selectors.version_list(actor=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return [f.name for f in DocumentVersion._meta.fields]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return list(UPLOAD_FIELDS)
        return super().get_fields(request, obj)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type:
        if obj is None:
            kwargs["form"] = VersionUploadForm
            kwargs["fields"] = ["document", "change_summary"]
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "document" and not is_superuser(request.user):
            from guardian.shortcuts import get_objects_for_user

            editable = get_objects_for_user(
                request.user, roles.EDIT_DRAFT, klass=_process_model(), accept_global_perms=False
            )
            kwargs["queryset"] = Document.objects.filter(process__in=editable.values("pk"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_PROCESS, _process_model())
        return is_signed_in(request.user) and permissions.can_view_version(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return holds_anywhere(request, roles.EDIT_DRAFT, _process_model())

    def create_object(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm
    ) -> DocumentVersion:
        upload = form.cleaned_data["upload"]
        return services.version_upload(
            actor=request.user,
            document=form.cleaned_data["document"],
            stream=upload,
            filename=upload.name or "",
            change_summary=form.cleaned_data.get("change_summary") or "",
            reason=self.reason(form, default=""),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return False
        return permissions.can_delete_draft(request.user, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_object(self, request: HttpRequest, obj: models.Model) -> None:
        services.version_delete_draft(
            actor=request.user, version=obj, reason=str(self.delete_reason)
        )


@admin.register(DocumentIntegrityIncident)
class DocumentIntegrityIncidentAdmin(ServiceAdmin):
    list_display = ["version", "kind", "rendition", "detected_at", "detected_during"]
    list_filter = ["kind"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[DocumentIntegrityIncident]:
        versions = selectors.version_list(actor=request.user).values("pk")
        return DocumentIntegrityIncident.objects.select_related("version__document").filter(
            version__in=versions
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in DocumentIntegrityIncident._meta.fields]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_HISTORY, _process_model())
        return is_signed_in(request.user) and (
            request.user.is_superuser
            or request.user.has_perm(roles.VIEW_HISTORY, obj.version.document.process)
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
