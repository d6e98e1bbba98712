"""Admin for documents and their versions: read through the selectors, written through services.

A version is never edited here: every field is read-only and nobody (not even a superuser) has
the change permission, so a forged POST to the change form is refused. Only a draft may be
deleted (``version_delete_draft``); a submitted version is a record. The add page uploads a new
draft through ``version_upload``, with the same content checks as everywhere else.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils.translation import gettext_lazy as _

from documents import permissions, selectors, services
from documents.models import Document, DocumentIntegrityIncident, DocumentVersion
from documents.models.plan import (
    Activity,
    ActivityCost,
    Measure,
    PlanSection,
    Priority,
    ProjectPipelineItem,
    Vision,
)
from documents.services import plan as plan_services
from documents.upload_handlers import upload_size_capped
from stakeholders import roles
from stakeholders.admin_base import (
    ReadOnlyInline,
    ReasonForm,
    ServiceAdmin,
    ServiceRefused,
    holds_anywhere,
    is_signed_in,
    is_superuser,
    objects_with_perm,
)
from stakeholders.exceptions import ApplicationError
from stakeholders.models import Body


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

    def get_urls(self) -> list[Any]:
        # The add page uploads a file: its body is parsed under the size cap.
        urls = super().get_urls()
        add_name = f"{self.opts.app_label}_{self.opts.model_name}_add"
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == add_name:
                capped = upload_size_capped(self._upload_too_large)(pattern.callback)
                urls[index] = path(str(pattern.pattern), capped, name=add_name)
        return urls

    def _upload_too_large(self, request: HttpRequest, error: ApplicationError) -> HttpResponse:
        self.message_user(request, error.message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

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


# --- the structured plan ----------------------------------------------------------------------
#
# Listed for the members of each process, edited through ``documents.services.plan`` (the same
# permissions, numbering and history as the plan pages): the coordinator, the methodologist and
# the steering group edit everything, a working-group member edits their group's part, the others
# read. Numbers are given by the services (leave the number empty to get the next one) and
# change only by moving a node (or by renumbering its parent); many-to-many fields and the
# costs of an activity are passed to the services too, never saved by the admin itself.


def _plan_part(obj: Any) -> Any:
    """The working group whose part of the plan ``obj`` is (None: the whole plan's)."""
    if isinstance(obj, Priority):
        return obj.working_group
    if isinstance(obj, Measure):
        return obj.priority.working_group
    if isinstance(obj, Activity):
        return obj.measure.priority.working_group
    if isinstance(obj, ProjectPipelineItem) and obj.measure_id:
        return obj.measure.priority.working_group
    return None


def _may_edit_node(user: Any, obj: Any, *, whole_plan_only: bool = False) -> bool:
    if not is_signed_in(user) or not plan_services.can_view_plan(user, obj.process):
        return False
    if plan_services.can_edit_whole_plan(user, obj.process):
        return True
    return not whole_plan_only and plan_services.can_edit_working_group_part(user, _plan_part(obj))


class PlanAdmin(ServiceAdmin):
    """Shared permissions and service plumbing of the plan models' admin."""

    whole_plan_only = False
    list_select_related = ["process"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        visible = objects_with_perm(request.user, roles.VIEW_PROCESS, _process_model())
        return super().get_queryset(request).filter(process__in=visible.values("pk"))

    def _may_edit_somewhere(self, request: HttpRequest) -> bool:
        process_model = _process_model()
        if any(
            holds_anywhere(request, perm, process_model)
            for perm in plan_services.WHOLE_PLAN_PERMISSIONS
        ):
            return True
        return not self.whole_plan_only and holds_anywhere(
            request, roles.EDIT_TARGET_GROUP_PART, Body
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_PROCESS, _process_model())
        return is_signed_in(request.user) and plan_services.can_view_plan(request.user, obj.process)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._may_edit_somewhere(request)
        return _may_edit_node(request.user, obj, whole_plan_only=self.whole_plan_only)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_edit_somewhere(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        visible = objects_with_perm(request.user, roles.VIEW_PROCESS, _process_model())
        model = db_field.related_model
        if db_field.name == "process":
            kwargs["queryset"] = visible
        elif model in (Priority, Measure):
            kwargs["queryset"] = model.objects.filter(process__in=visible.values("pk"))
        elif model is Body:
            kwargs["queryset"] = Body.objects.filter(
                process__in=visible.values("pk"), kind=Body.Kind.WORKING_GROUP
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        # Many-to-many fields went to the services with the object; inlines say for themselves.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


def _m2m(form: forms.ModelForm, name: str) -> Any:
    return form.cleaned_data.get(name) if name in form.cleaned_data else None


class NumberedPlanForm(ReasonForm):
    """The number is given by the services on adding; it changes only with the node's place."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "number" in self.fields:
            self.fields["number"].required = False
            self.fields["number"].help_text = _("Leave empty for the next free number.")


@admin.register(Vision)
class VisionAdmin(PlanAdmin):
    list_display = ["__str__", "process"]
    whole_plan_only = True
    default_reason = _("Vision edited in the administration")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["process"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Vision:
        return plan_services.plan_vision_set(
            actor=request.user, process=obj.process, text=obj.text, reason=self.reason(form)
        )

    def update_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Vision:
        return plan_services.plan_vision_set(
            actor=request.user, process=obj.process, text=obj.text, reason=self.reason(form)
        )


@admin.register(PlanSection)
class PlanSectionAdmin(PlanAdmin):
    list_display = ["kind", "process"]
    list_filter = ["kind"]
    whole_plan_only = True
    default_reason = _("Plan chapter edited in the administration")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["process", "kind"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> PlanSection:
        return plan_services.plan_section_set(
            actor=request.user,
            process=obj.process,
            kind=obj.kind,
            text=obj.text,
            reason=self.reason(form),
        )

    def update_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> PlanSection:
        return self.create_object(request, obj, form)


@admin.register(Priority)
class PriorityAdmin(PlanAdmin):
    form = NumberedPlanForm
    list_display = ["number", "title", "working_group", "process"]
    list_select_related = ["process", "working_group"]
    list_filter = [("working_group", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "number"]
    fields = ["process", "number", "title", "description", "working_group", "target_groups"]
    filter_horizontal = ["target_groups"]
    default_reason = _("Priority edited in the administration")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["process", "number"] if obj is not None else []

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Priority:
        return plan_services.plan_priority_create(
            actor=request.user,
            process=obj.process,
            number=obj.number or None,
            title=obj.title,
            description=obj.description,
            working_group=obj.working_group,
            target_groups=_m2m(form, "target_groups") or (),
            reason=self.reason(form, self.create_reason),
        )

    def update_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Priority:
        return plan_services.plan_priority_update(
            actor=request.user,
            priority=obj,
            title=obj.title,
            description=obj.description,
            working_group=obj.working_group,
            target_groups=_m2m(form, "target_groups"),
            reason=self.reason(form),
        )

    def delete_object(self, request: HttpRequest, obj: Any) -> None:
        plan_services.plan_priority_delete(
            actor=request.user, priority=obj, reason=str(self.delete_reason)
        )


@admin.register(Measure)
class MeasureAdmin(PlanAdmin):
    form = NumberedPlanForm
    list_display = ["number", "title", "priority", "process"]
    list_select_related = ["process", "priority"]
    search_fields = ["title", "number"]
    fields = ["priority", "number", "title", "goal", "indicators"]
    default_reason = _("Measure edited in the administration")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["number"] if obj is not None else []

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Measure:
        return plan_services.plan_measure_create(
            actor=request.user,
            priority=obj.priority,
            number=obj.number or None,
            title=obj.title,
            goal=obj.goal,
            indicators=obj.indicators,
            reason=self.reason(form, self.create_reason),
        )

    def update_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Measure:
        return plan_services.plan_measure_update(
            actor=request.user,
            measure=obj,
            priority=obj.priority,
            title=obj.title,
            goal=obj.goal,
            indicators=obj.indicators,
            reason=self.reason(form),
        )

    def delete_object(self, request: HttpRequest, obj: Any) -> None:
        plan_services.plan_measure_delete(
            actor=request.user, measure=obj, reason=str(self.delete_reason)
        )


class ActivityCostInline(admin.TabularInline):
    """The activity's estimated costs; saved as a whole through ``plan_activity_update``."""

    model = ActivityCost
    extra = 1
    fields = ["source", "year", "amount"]

    def _parent_editable(self, request: HttpRequest, obj: Any) -> bool:
        return _may_edit_node(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or plan_services.can_view_plan(request.user, obj.process)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or self._parent_editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or self._parent_editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or self._parent_editable(request, obj)


ACTIVITY_OWN_FIELDS = [
    "title",
    "description",
    "responsible_organization",
    "starts_year",
    "starts_month",
    "ends_year",
    "ends_month",
    "indicators",
    "status",
]


@admin.register(Activity)
class ActivityAdmin(PlanAdmin):
    form = NumberedPlanForm
    list_display = ["number", "title", "measure", "status", "process"]
    list_select_related = ["process", "measure"]
    list_filter = ["status"]
    search_fields = ["title", "number"]
    fields = ["measure", "number", *ACTIVITY_OWN_FIELDS[:3], "partners", "target_groups"]
    fields += ACTIVITY_OWN_FIELDS[3:]
    filter_horizontal = ["target_groups", "partners"]
    autocomplete_fields = ["responsible_organization"]
    inlines = [ActivityCostInline]
    default_reason = _("Activity edited in the administration")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["number"] if obj is not None else []

    def _own(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in ACTIVITY_OWN_FIELDS}

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Activity:
        return plan_services.plan_activity_create(
            actor=request.user,
            measure=obj.measure,
            number=obj.number or None,
            target_groups=_m2m(form, "target_groups") or (),
            partners=_m2m(form, "partners") or (),
            reason=self.reason(form, self.create_reason),
            **self._own(obj),
        )

    def update_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Activity:
        return plan_services.plan_activity_update(
            actor=request.user,
            activity=obj,
            measure=obj.measure,
            target_groups=_m2m(form, "target_groups"),
            partners=_m2m(form, "partners"),
            reason=self.reason(form),
            **self._own(obj),
        )

    def delete_object(self, request: HttpRequest, obj: Any) -> None:
        plan_services.plan_activity_delete(
            actor=request.user, activity=obj, reason=str(self.delete_reason)
        )

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        # Rows are collected, never saved here (the lists feed the admin's change message).
        formset.save(commit=False)
        if formset.model is not ActivityCost or not formset.has_changed():
            return
        costs = [
            plan_services.CostInput(
                row.cleaned_data["source"], row.cleaned_data["amount"], row.cleaned_data["year"]
            )
            for row in formset.forms
            if row.cleaned_data
            and not row.cleaned_data.get("DELETE")
            and row.cleaned_data.get("source")
        ]
        try:
            plan_services.plan_activity_update(
                actor=request.user, activity=form.instance, costs=costs, reason=self.reason(form)
            )
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc


@admin.register(ProjectPipelineItem)
class ProjectPipelineItemAdmin(PlanAdmin):
    list_display = ["title", "measure", "status", "support_promised", "process"]
    list_select_related = ["process", "measure"]
    list_filter = ["status", "support_promised"]
    search_fields = ["title", "implementer_name"]
    autocomplete_fields = ["implementer_organization"]
    default_reason = _("Project intention edited in the administration")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["process"] if obj is not None else []

    def _fields(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in plan_services.PIPELINE_FIELDS}

    def create_object(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm
    ) -> ProjectPipelineItem:
        fields = self._fields(obj)
        return plan_services.plan_pipeline_item_create(
            actor=request.user,
            process=obj.process,
            reason=self.reason(form, self.create_reason),
            **fields,
        )

    def update_object(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm
    ) -> ProjectPipelineItem:
        return plan_services.plan_pipeline_item_update(
            actor=request.user, item=obj, reason=self.reason(form), **self._fields(obj)
        )

    def delete_object(self, request: HttpRequest, obj: Any) -> None:
        plan_services.plan_pipeline_item_delete(
            actor=request.user, item=obj, reason=str(self.delete_reason)
        )
