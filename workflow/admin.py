"""Admin for planning processes: listed through the selectors, written through the services.

Superusers open processes (services.process_create). The process's coordinator edits its
descriptive fields; the stage only moves through the transition services, never in a form.
Everyone who may see a process reads it here; its history is shown to those who may read it
(coordinator, methodologist, auditor).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from stakeholders import roles
from stakeholders.admin_base import (
    ReadOnlyInline,
    ServiceAdmin,
    holds_anywhere,
    is_signed_in,
    is_superuser,
)
from stakeholders.models import Body
from stakeholders.selectors import body_list
from workflow import permissions, services
from workflow.models import PlanningProcess
from workflow.selectors import process_list


def can_change_process(user: Any, process: PlanningProcess) -> bool:
    """The admin's change form: the admin permission and the right to manage the process."""
    return (
        is_signed_in(user)
        and permissions.can_manage_process(user, process)
        and (user.is_superuser or user.has_perm(roles.CHANGE_PROCESS, process))
    )


class BodyInline(ReadOnlyInline):
    model = Body
    fk_name = "process"
    fields = ["name", "kind", "target_group", "is_active"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Body]:
        # Only the bodies the user may see (a working-group member sees their own group).
        return body_list(actor=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_BODY, Body)
        return permissions.can_view_process(request.user, obj)


@admin.register(PlanningProcess)
class PlanningProcessAdmin(ServiceAdmin):
    list_display = ["title", "territory", "period_label", "stage", "esf_project"]
    list_filter = ["stage"]
    search_fields = ["title", "territory__name"]
    inlines = [BodyInline]
    default_reason = _("Planning process edited in the administration")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[PlanningProcess]:
        return process_list(actor=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = ["stage", "created_at", "created_by"]
        if obj is not None:
            # The territory decides who reads the process through its councils: fixed.
            fields.insert(0, "territory")
        if not is_superuser(request.user):
            fields.append("previous_process")
        return fields

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "previous_process":
            kwargs["queryset"] = process_list(actor=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("Plan period"))
    def period_label(self, obj: PlanningProcess) -> str:
        return obj.period_label

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_PROCESS, PlanningProcess)
        return permissions.can_view_process(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.CHANGE_PROCESS, PlanningProcess)
        return can_change_process(request.user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # services.process_create: the installation's administrators open processes.
        return is_superuser(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_view_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_HISTORY, PlanningProcess)
        return permissions.can_view_process_history(request.user, obj)

    def create_object(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm
    ) -> PlanningProcess:
        return services.process_create(
            actor=request.user,
            territory=obj.territory,
            title=obj.title,
            period_start_year=obj.period_start_year,
            period_end_year=obj.period_end_year,
            esf_project=obj.esf_project,
            coordinator_organization=obj.coordinator_organization,
            previous_process=obj.previous_process,
            reason=self.reason(form, default=""),
        )
