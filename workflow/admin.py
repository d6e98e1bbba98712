"""Admin for the planning cycle: listed through the selectors, written through the services.

Superusers open processes (services.process_create). The process's coordinator edits its
descriptive fields; the stage only moves through the transition services, never in a form.
Everyone who may see a process reads it here; its history is shown to those who may read it
(coordinator, methodologist, auditor).

The other records of the cycle follow one rule: a write goes through the service that owns it,
with the reason from the form in the history; where no service exists for a write, the admin
shows the record read-only. Records are never edited here: stage transitions, votes, resolutions
and their points, comments, news, consultations and calendar addresses. Planned stage ends
(``stage_deadline_set``), meetings and their agendas (``meeting_create`` / ``meeting_update`` /
``agenda_item_*``), proposals put to a vote (``decision_create``), resolution numbering
(``resolution_numbering_set``) and approval chains (``approval_chain_set``) are written through
their services. ESF indicator definitions are reference data: every staff user reads them,
superusers edit them.

Retention (``workflow.services.retention``): a record that an ESF project keeps until its
retention date has no delete button and no bulk delete here, and a deletion attempted anyway is
refused with the service's message.
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
    ReferenceDataAdmin,
    ServiceAdmin,
    ServiceRefused,
    adopt,
    cached_check,
    holds_anywhere,
    is_signed_in,
    is_staff,
    is_superuser,
    objects_with_perm,
)
from stakeholders.exceptions import ApplicationError
from stakeholders.models import Body
from stakeholders.permissions import can_record_resolution
from stakeholders.selectors import body_list
from stakeholders.services import record_save
from workflow import permissions, selectors_meetings, services
from workflow.models import (
    AgendaItem,
    ApprovalChain,
    ApprovalChainLink,
    Attendance,
    CalendarFeedToken,
    Comment,
    ConsultationPeriod,
    Decision,
    GuardRule,
    IndicatorDefinition,
    Meeting,
    NewsItem,
    PlanningProcess,
    Resolution,
    ResolutionNumbering,
    ResolutionPoint,
    StageDeadline,
    StageTransition,
    Vote,
)
from workflow.selectors import process_list
from workflow.services import meetings as meeting_services
from workflow.services import resolutions as resolution_services
from workflow.services import retention


def can_change_process(user: Any, process: PlanningProcess) -> bool:
    """The admin's change form: the admin permission and the right to manage the process."""
    return (
        is_signed_in(user)
        and permissions.can_manage_process(user, process)
        and (user.is_superuser or user.has_perm(roles.CHANGE_PROCESS, process))
    )


class RetentionAdminMixin:
    """Records kept by an ESF project's retention period are not deleted in the admin: the
    subclass's ``has_delete_permission`` asks ``retention_allows_delete``, the bulk delete is
    left out of a list that holds such a record, and ``delete_object`` refuses all the same."""

    def retention_allows_delete(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None:
            return True
        return not cached_check(
            request,
            ("retention", obj._meta.label_lower, obj.pk),
            lambda: retention.retention_holds(obj),
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        if "delete_selected" in actions:
            queryset = self.get_queryset(request)  # type: ignore[attr-defined]
            if retention.retained(queryset).exists():
                del actions["delete_selected"]
        return actions

    def delete_object(self, request: HttpRequest, obj: models.Model) -> None:
        retention.retention_guard(obj)
        super().delete_object(request, obj)  # type: ignore[misc]


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
class PlanningProcessAdmin(RetentionAdminMixin, ServiceAdmin):
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
        # A process that will not go on is cancelled; one of an ESF project is kept.
        return is_superuser(request.user) and self.retention_allows_delete(request, obj)

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


# --- shared pieces ----------------------------------------------------------------------------


def _all_fields(model: type[models.Model]) -> list[str]:
    """Every field of a model but its primary key, for a read-only page."""
    return [field.name for field in model._meta.fields if not field.primary_key] + [
        field.name for field in model._meta.many_to_many
    ]


def _visible_processes(request: HttpRequest) -> models.QuerySet[PlanningProcess]:
    return process_list(actor=request.user)


def _managed_processes(request: HttpRequest) -> models.QuerySet[PlanningProcess]:
    return objects_with_perm(request.user, roles.MANAGE_PROCESS, PlanningProcess)


class ProcessRecordAdmin(ServiceAdmin):
    """Records that belong to a planning process: listed for those who may see the process,
    read-only unless a subclass routes a write to its service."""

    process_field = "process"
    list_select_related = ["process"]

    def process_of(self, obj: Any) -> PlanningProcess:
        return getattr(obj, self.process_field)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        base = super().get_queryset(request)
        if is_superuser(request.user):
            return base
        return base.filter(
            **{f"{self.process_field}__in": _visible_processes(request).values("pk")}
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return _all_fields(self.model) if obj is not None else []

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_PROCESS, PlanningProcess)
        return permissions.can_view_process(request.user, self.process_of(obj))

    def has_view_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_HISTORY, PlanningProcess)
        return permissions.can_view_process_history(request.user, self.process_of(obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "process":
            kwargs["queryset"] = _managed_processes(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RecordInline(ReadOnlyInline):
    """Rows shown under their parent, visible to whoever sees the parent."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff(request.user)


# --- the stage history and the plan of stages ---------------------------------------------------


@admin.register(StageTransition)
class StageTransitionAdmin(ProcessRecordAdmin):
    """The record of each stage change: never edited or deleted."""

    list_display = ["process", "transition", "from_stage", "to_stage", "actor", "performed_at"]
    list_filter = ["transition", "to_stage"]
    list_select_related = ["process", "actor"]
    search_fields = ["process__title", "reason"]


@admin.register(StageDeadline)
class StageDeadlineAdmin(ProcessRecordAdmin):
    """The planned end of each stage, through ``stage_deadline_set`` (the coordinator)."""

    list_display = ["process", "stage", "due_on"]
    list_filter = ["stage"]
    fields = ["process", "stage", "due_on", "change_reason"]
    default_reason = _("Stage deadline planned in the administration")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["process", "stage"] if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.MANAGE_PROCESS, PlanningProcess)
        return permissions.can_manage_process(request.user, obj.process)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return holds_anywhere(request, roles.MANAGE_PROCESS, PlanningProcess)

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Any:
        return services.stage_deadline_set(
            actor=request.user,
            process=obj.process,
            stage=obj.stage,
            due_on=obj.due_on,
            reason=self.reason(form, self.create_reason),
        )

    def update_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Any:
        return services.stage_deadline_set(
            actor=request.user,
            process=obj.process,
            stage=obj.stage,
            due_on=obj.due_on,
            reason=self.reason(form),
        )


@admin.register(GuardRule)
class GuardRuleAdmin(ServiceAdmin):
    """Extra conditions of transitions, per territory or for the installation: read here (no
    service writes them)."""

    list_display = ["transition", "rule", "territory", "is_active"]
    list_filter = ["transition", "is_active"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[GuardRule]:
        base = super().get_queryset(request).select_related("territory")
        if is_superuser(request.user):
            return base
        territories = _visible_processes(request).values("territory_id")
        return base.filter(models.Q(territory__isnull=True) | models.Q(territory__in=territories))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return _all_fields(GuardRule)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return holds_anywhere(request, roles.VIEW_PROCESS, PlanningProcess)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- decisions and votes ------------------------------------------------------------------------


class VoteInline(RecordInline):
    model = Vote
    fields = ["membership", "choice", "cast_at", "recorded_by"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Vote]:
        return super().get_queryset(request).select_related("membership__person", "recorded_by")


DECISION_ADD_FIELDS = [
    "process",
    "body",
    "subject",
    "transition",
    "title",
    "proposal",
    "mode",
    "held_at",
    "voting_closes_at",
    "change_reason",
]


@admin.register(Decision)
class DecisionAdmin(ProcessRecordAdmin):
    """Proposals put to a body (``decision_create``); votes and outcomes are recorded on the
    process's pages, so a decision is read-only here once it exists."""

    list_display = ["title", "process", "body", "subject", "mode", "status", "created_at"]
    list_filter = ["status", "subject", "mode"]
    list_select_related = ["process", "body"]
    search_fields = ["title", "process__title"]
    inlines = [VoteInline]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(DECISION_ADD_FIELDS) if obj is None else _all_fields(Decision)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type:
        if obj is None:
            kwargs["fields"] = [f for f in DECISION_ADD_FIELDS if f != "change_reason"]
        return super().get_form(request, obj, change, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[type]:
        return [VoteInline] if obj is not None else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return holds_anywhere(request, roles.MANAGE_PROCESS, PlanningProcess)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "body":
            kwargs["queryset"] = body_list(actor=request.user).filter(process__isnull=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Decision:
        return services.decision_create(
            actor=request.user,
            process=obj.process,
            body=obj.body,
            subject=obj.subject,
            transition=obj.transition or "",
            title=obj.title,
            proposal=obj.proposal,
            mode=obj.mode,
            held_at=obj.held_at,
            voting_closes_at=obj.voting_closes_at,
            reason=self.reason(form, self.create_reason),
        )


# --- consultations, comments, news (written on the consultation pages) --------------------------


@admin.register(ConsultationPeriod)
class ConsultationPeriodAdmin(ProcessRecordAdmin):
    list_display = ["title", "process", "opens_at", "closes_at", "status"]
    list_filter = ["status"]
    search_fields = ["title", "process__title"]


@admin.register(Comment)
class CommentAdmin(ProcessRecordAdmin):
    """Comments carry personal data (names, e-mails): only the coordinator reads them here, as
    in the comment register."""

    process_field = "consultation__process"
    list_display = ["receipt_number", "consultation", "channel", "received_at", "decision"]
    list_filter = ["channel", "decision", "is_late"]
    list_select_related = ["consultation"]
    search_fields = ["receipt_number", "text"]

    def process_of(self, obj: Any) -> PlanningProcess:
        return obj.consultation.process

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Comment]:
        base = ServiceAdmin.get_queryset(self, request).select_related("consultation__process")
        if is_superuser(request.user):
            return base
        return base.filter(consultation__process__in=_managed_processes(request).values("pk"))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.MANAGE_PROCESS, PlanningProcess)
        return permissions.can_manage_process(request.user, obj.consultation.process)

    def has_view_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)


@admin.register(NewsItem)
class NewsItemAdmin(ProcessRecordAdmin):
    list_display = ["title", "process", "published_at"]
    search_fields = ["title", "process__title"]


# --- meetings -----------------------------------------------------------------------------------


class AgendaItemInline(admin.TabularInline):
    """The agenda, written through the agenda services while the minutes are not approved."""

    model = AgendaItem
    fk_name = "meeting"
    extra = 0
    fields = ["order", "title", "presenter", "discussion"]
    readonly_fields = ["order"]

    def _editable(self, request: HttpRequest, obj: Any) -> bool:
        return (
            obj is not None
            and obj.state in meeting_services.RECORD_EDITABLE
            and meeting_services.can_run_meeting(request.user, obj)
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if self._editable(request, obj):
            return ["order"]
        return list(self.fields)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)


class AttendanceInline(RecordInline):
    """Attendance is recorded on the meeting's page (per person, with the facts of the day)."""

    model = Attendance
    fields = ["person", "guest_name", "guest_organization", "status", "triad_side", "is_signed"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Attendance]:
        return super().get_queryset(request).select_related("person")


MEETING_ADD_FIELDS = [
    "kind",
    "body",
    "process",
    "title",
    "session_number",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
]
MEETING_EDIT_FIELDS = ["title", "session_number", "starts_at", "ends_at", "place", "online_url"]


@admin.register(Meeting)
class MeetingAdmin(ServiceAdmin):
    """Meetings through ``meeting_create`` and ``meeting_update``; the agenda through the agenda
    services. State changes (invitations, held, minutes) happen on the meeting's page."""

    list_display = ["title", "kind", "body", "process", "starts_at", "state"]
    list_filter = ["state", "kind"]
    list_select_related = ["body", "process"]
    search_fields = ["title", "place"]
    date_hierarchy = "starts_at"
    inlines = [AgendaItemInline, AttendanceInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    default_reason = _("Meeting changed in the administration")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Meeting]:
        return selectors_meetings.meeting_list(actor=request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return [*MEETING_ADD_FIELDS, "change_reason"]
        fields = _all_fields(Meeting)
        if self.has_change_permission(request, obj):
            fields.append("change_reason")
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        editable = (
            MEETING_EDIT_FIELDS
            if obj.state in meeting_services.DETAILS_EDITABLE
            and self.has_change_permission(request, obj)
            else []
        )
        return [name for name in _all_fields(Meeting) if name not in editable]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type:
        if obj is None:
            kwargs["fields"] = list(MEETING_ADD_FIELDS)
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "body":
            kwargs["queryset"] = selectors_meetings.bodies_for_meetings(actor=request.user)
        if db_field.name == "process":
            kwargs["queryset"] = selectors_meetings.processes_for_meetings(actor=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _runs_any(self, request: HttpRequest) -> bool:
        return holds_anywhere(request, roles.MANAGE_PROCESS, PlanningProcess) or holds_anywhere(
            request, roles.RECORD_RESOLUTION, Body
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_PROCESS, PlanningProcess) or holds_anywhere(
                request, roles.VIEW_BODY, Body
            )
        return cached_check(
            request,
            ("meeting_visible", obj.pk),
            lambda: selectors_meetings.meeting_list(actor=request.user).filter(pk=obj.pk).exists(),
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._runs_any(request)
        return cached_check(
            request,
            ("meeting_run", obj.pk),
            lambda: meeting_services.can_run_meeting(request.user, obj),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._runs_any(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a meeting is cancelled (with a reason) on its page, never deleted

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Meeting:
        return services.meeting_create(
            actor=request.user,
            kind=obj.kind,
            title=obj.title,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            body=obj.body,
            process=obj.process,
            place=obj.place,
            online_url=obj.online_url,
            session_number=obj.session_number,
            reason=self.reason(form, self.create_reason),
        )

    def update_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Meeting:
        if not form.changed_data:
            return obj
        return meeting_services.meeting_update(
            actor=request.user,
            meeting=obj,
            title=obj.title,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            place=obj.place,
            online_url=obj.online_url,
            session_number=obj.session_number,
            reason=self.reason(form),
        ).meeting

    def save_inline_object(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm
    ) -> models.Model:
        if not isinstance(obj, AgendaItem):
            raise TypeError(type(obj))
        if obj.pk is None:
            return meeting_services.agenda_item_add(
                actor=request.user,
                meeting=obj.meeting,
                title=obj.title,
                presenter=obj.presenter,
                reason=self.reason(form),
            )
        return meeting_services.agenda_item_update(
            actor=request.user,
            item=obj,
            title=obj.title,
            presenter=obj.presenter,
            discussion=obj.discussion,
            reason=self.reason(form),
        )

    def delete_object(self, request: HttpRequest, obj: models.Model) -> None:
        if not isinstance(obj, AgendaItem):
            raise TypeError(type(obj))
        meeting_services.agenda_item_remove(
            actor=request.user, item=obj, reason=str(self.delete_reason)
        )


# --- resolutions --------------------------------------------------------------------------------


class ResolutionPointInline(RecordInline):
    model = ResolutionPoint
    fields = ["order", "verb", "text", "responsible", "deadline", "status", "fulfilled_on"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[ResolutionPoint]:
        return super().get_queryset(request).select_related("responsible")


@admin.register(Resolution)
class ResolutionAdmin(ServiceAdmin):
    """The register of resolutions: a recorded resolution is a record and never changes here
    (fulfilment of its points is recorded on the resolution's page)."""

    list_display = ["number", "title", "body", "adopted_on", "outcome", "document_action"]
    list_filter = ["outcome", "document_action"]
    list_select_related = ["body"]
    search_fields = ["number", "title"]
    inlines = [ResolutionPointInline]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Resolution]:
        return selectors_meetings.resolution_list(actor=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return _all_fields(Resolution)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_BODY, Body) or holds_anywhere(
                request, roles.VIEW_PROCESS, PlanningProcess
            )
        return cached_check(
            request,
            ("resolution_visible", obj.pk),
            lambda: (
                selectors_meetings.resolution_list(actor=request.user).filter(pk=obj.pk).exists()
            ),
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded with its votes and points on the register's page

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ResolutionNumbering)
class ResolutionNumberingAdmin(ServiceAdmin):
    """A body's numbering pattern, through ``resolution_numbering_set`` (its secretary)."""

    list_display = ["body", "pattern", "scope"]
    list_select_related = ["body"]
    fields = ["body", "pattern", "scope", "change_reason"]
    default_reason = _("Resolution numbering set in the administration")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[ResolutionNumbering]:
        base = super().get_queryset(request).select_related("body")
        if is_superuser(request.user):
            return base
        return base.filter(body__in=body_list(actor=request.user).values("pk"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        if self.has_change_permission(request, obj):
            return ["body"]
        return ["body", "pattern", "scope"]

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "body":
            kwargs["queryset"] = selectors_meetings.bodies_for_recording(actor=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_BODY, Body)
        return body_list(actor=request.user).filter(pk=obj.body_id).exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.RECORD_RESOLUTION, Body)
        return can_record_resolution(request.user, obj.body)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return holds_anywhere(request, roles.RECORD_RESOLUTION, Body)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _save(self, request: HttpRequest, obj: Any, reason: str) -> ResolutionNumbering:
        return resolution_services.resolution_numbering_set(
            actor=request.user, body=obj.body, pattern=obj.pattern, scope=obj.scope, reason=reason
        )

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Any:
        return self._save(request, obj, self.reason(form, self.create_reason))

    def update_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Any:
        return self._save(request, obj, self.reason(form))


class ApprovalChainLinkInline(admin.TabularInline):
    """The chain's links, written together with the chain by ``approval_chain_set``."""

    model = ApprovalChainLink
    fk_name = "chain"
    extra = 0
    fields = ["order", "body", "body_kind", "action"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)


@admin.register(ApprovalChain)
class ApprovalChainAdmin(ServiceAdmin):
    """The ordered bodies that adopt the plan, per territory or per process. Superusers set a
    chain with its links in one step (``approval_chain_set``: the last link approves, the others
    recommend; the order of the rows is the ``order`` column); everyone else reads it."""

    list_display = ["__str__", "territory", "process"]
    list_select_related = ["territory", "process"]
    inlines = [ApprovalChainLinkInline]
    default_reason = _("Approval chain set in the administration")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[ApprovalChain]:
        base = super().get_queryset(request).select_related("territory", "process")
        if is_superuser(request.user):
            return base
        visible = _visible_processes(request)
        return base.filter(
            models.Q(process__in=visible.values("pk"))
            | models.Q(territory__in=visible.values("territory_id"))
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None:
            return ["territory", "process"]
        return []

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_PROCESS, PlanningProcess)
        return is_superuser(request.user) or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool
    ) -> None:
        """Nothing yet: the chain is written with its links in ``save_related``."""

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        rows = []
        for formset in formsets:
            formset.save(commit=False)  # fills new/changed/deleted objects; writes nothing
            for inline_form in formset.forms:
                data = getattr(inline_form, "cleaned_data", None) or {}
                if not data or data.get("DELETE") or not data.get("action"):
                    continue
                rows.append(data)
        rows.sort(key=lambda data: data.get("order") or 0)
        chain = form.instance
        try:
            saved = resolution_services.approval_chain_set(
                actor=request.user,
                links=[
                    resolution_services.LinkInput(
                        action=data["action"],
                        body=data.get("body"),
                        body_kind=data.get("body_kind") or "",
                    )
                    for data in rows
                ],
                territory=chain.territory if chain.process_id is None else None,
                process=chain.process,
                reason=self.reason(form),
            )
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc
        adopt(chain, saved)


# --- calendar feeds -------------------------------------------------------------------------------


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    """Calendar addresses: only the hash of each secret is stored, so there is nothing to edit;
    a user rotates or revokes their address on the calendar page. Staff see their own."""

    list_display = ["user", "process", "created_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user", "process"]
    fields = ["user", "process", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[CalendarFeedToken]:
        base = super().get_queryset(request)
        if is_superuser(request.user):
            return base
        return base.filter(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not is_staff(request.user):
            return False
        return obj is None or is_superuser(request.user) or obj.user_id == request.user.pk

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- ESF indicators ----------------------------------------------------------------------------


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(RetentionAdminMixin, ReferenceDataAdmin):
    """The ESF indicators of the report (installation-wide, or a project's own of the same
    code). A definition in use by a project whose records are kept is not deleted (switch it off
    with "in use" instead): the reports of past periods would change."""

    list_display = [
        "code",
        "name",
        "unit",
        "computation",
        "target_value",
        "esf_project",
        "to_verify",
        "is_active",
        "order",
    ]
    list_filter = ["is_active", "to_verify", "computation"]
    list_select_related = ["esf_project"]
    search_fields = ["code", "name", "note", "esf_project__registration_number"]
    ordering = ["order", "code"]
    default_reason = _("ESF indicator edited in the administration")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user) and self.retention_allows_delete(request, obj)

    def create_object(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm
    ) -> IndicatorDefinition:
        return record_save(obj, actor=request.user, reason=self.reason(form, self.create_reason))
