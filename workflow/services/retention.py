"""Retention of ESF records: what a funded project must keep cannot be deleted before its date.

An ESF project (``stakeholders.EsfProject``) keeps its records until ``retention_until``
inclusive (DOMAIN.md §5.7). While that day has not passed, no record of a planning process
linked to the project is deleted, whichever way the deletion is attempted:

* ``retention_guard(obj)`` raises ``RetentionError`` (code ``retention_period``, HTTP 409) for
  such a record; services call it before deleting;
* ``connect_signals()`` (from ``WorkflowConfig.ready``) refuses the same deletions in
  ``pre_delete``, so that a cascade, the admin, the shell or a service without its own check
  cannot pass it by (Django sends ``pre_delete`` for every object before deleting any; a test
  database flushed or rolled back between tests sends none);
* the admin offers no delete button or bulk action for them (``retention_holds`` and
  ``retained`` in ``workflow.admin``).

What counts as a record (``RECORDS``): the process itself; its documents and every version past
draft (with its integrity incidents); meetings; attendance lines and agenda items once the
meeting's minutes are approved; consultations and their comments; news; decisions and votes;
stage transitions; resolutions and their points. An installation-wide ESF indicator definition
is held while any ESF project is, a project's own definition while that project is.

Working material is not a record yet and stays deletable by the services that allow it: a draft
version that was never submitted (its author may discard it), an attendance line or agenda item
corrected before the minutes are approved (the meetings service freezes them at approval; the
historical table keeps every removed line with its actor and reason), and the structured plan
tree (vision, chapters, priorities, measures, activities, costs, project intentions), which is
the working draft of the plan: the record of the plan is each submitted and approved version of
the plan document, with its generation snapshot. The register of people and bodies is not
covered here: it is governed by GDPR pseudonymisation, and the records that prove who took
part (attendance, votes, resolutions) protect their persons, memberships and bodies already.

After ``retention_until`` nothing here refuses; ``workflow.services.gdpr`` pseudonymises the
personal data of such projects daily.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.db.models.signals import pre_delete
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import Document, DocumentIntegrityIncident, DocumentVersion
from stakeholders.exceptions import Conflict
from stakeholders.models import EsfProject
from workflow.models import (
    AgendaItem,
    Attendance,
    Comment,
    ConsultationPeriod,
    Decision,
    IndicatorDefinition,
    Meeting,
    NewsItem,
    PlanningProcess,
    Resolution,
    ResolutionPoint,
    StageTransition,
    Vote,
)

MINUTES_APPROVED = (Meeting.State.MINUTES_APPROVED, Meeting.State.MINUTES_PUBLISHED)


class RetentionError(Conflict):
    """A record of an ESF project was to be deleted before the project's retention date."""

    code = "retention_period"


@dataclass(frozen=True)
class Record:
    """How a model's rows reach their process, and which of them are records."""

    paths: tuple[str, ...]  # lookups to the PlanningProcess ("" for the process itself)
    condition: Q = field(default_factory=Q)  # the rows that are records (empty: all rows)


RECORDS: dict[type[Model], Record] = {
    PlanningProcess: Record(("",)),
    Document: Record(("process",)),
    DocumentVersion: Record(("document__process",), ~Q(status=DocumentVersion.Status.DRAFT)),
    DocumentIntegrityIncident: Record(("version__document__process",)),
    Meeting: Record(("process", "body__process")),
    Attendance: Record(
        ("meeting__process", "meeting__body__process"), Q(meeting__state__in=MINUTES_APPROVED)
    ),
    AgendaItem: Record(
        ("meeting__process", "meeting__body__process"), Q(meeting__state__in=MINUTES_APPROVED)
    ),
    ConsultationPeriod: Record(("process",)),
    Comment: Record(("consultation__process",)),
    NewsItem: Record(("process",)),
    Decision: Record(("process",)),
    Vote: Record(("decision__process",)),
    StageTransition: Record(("process",)),
    Resolution: Record(("process", "meeting__process", "meeting__body__process")),
    ResolutionPoint: Record(("resolution__process",)),
}


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _holding_projects(today: dt.date) -> QuerySet[EsfProject]:
    """ESF projects whose records are still kept: retention not over, with a process."""
    return EsfProject.objects.filter(
        retention_until__gte=today, planning_processes__isnull=False
    ).distinct()


def _lookup(path: str, rest: str) -> str:
    return f"{path}__{rest}" if path else rest


def retention_project(obj: Model, *, today: dt.date | None = None) -> EsfProject | None:
    """The ESF project whose retention period keeps ``obj`` from deletion, or None.

    Reads the stored row (not the instance's possibly stale fields): one or two queries.
    """
    day = _today(today)
    if isinstance(obj, IndicatorDefinition):
        projects = _holding_projects(day)
        if obj.esf_project_id is not None:
            projects = projects.filter(pk=obj.esf_project_id)
        return projects.order_by("-retention_until", "pk").first()
    record = RECORDS.get(type(obj)._meta.concrete_model)
    if record is None or obj.pk is None:
        return None
    row = (
        type(obj)
        ._base_manager.filter(pk=obj.pk)
        .filter(record.condition)
        .values_list(*[path or "pk" for path in record.paths])
        .first()
    )
    process_ids = [pk for pk in row or () if pk is not None]
    if not process_ids:
        return None
    return (
        EsfProject.objects.filter(planning_processes__in=process_ids, retention_until__gte=day)
        .order_by("-retention_until", "pk")
        .first()
    )


def retention_holds(obj: Model, *, today: dt.date | None = None) -> bool:
    """Whether ``obj`` is a record that its ESF project's retention period keeps."""
    return retention_project(obj, today=today) is not None


def retained(queryset: QuerySet, *, today: dt.date | None = None) -> QuerySet:
    """The rows of ``queryset`` that are records kept by a retention period."""
    day = _today(today)
    model = queryset.model._meta.concrete_model
    if model is IndicatorDefinition:
        if not _holding_projects(day).exists():
            return queryset.none()
        return queryset.filter(
            Q(esf_project__isnull=True) | Q(esf_project__in=_holding_projects(day).values("pk"))
        )
    record = RECORDS.get(model)
    if record is None:
        return queryset.none()
    held = Q(pk__in=[])
    for path in record.paths:
        held |= Q(**{_lookup(path, "esf_project__retention_until__gte"): day})
    return queryset.filter(record.condition).filter(held).distinct()


def _format_day(day: dt.date) -> str:
    return f"{day.day}. {day.month}. {day.year}"


def retention_guard(obj: Model, *, today: dt.date | None = None) -> None:
    """Refuse to delete ``obj`` while its ESF project's retention period lasts.

    Raises ``RetentionError`` (code ``retention_period``) naming the project and the day until
    which its records are kept. Changes nothing.
    """
    project = retention_project(obj, today=today)
    if project is None:
        return
    raise RetentionError(
        _(
            "Records of the ESF project %(project)s must be kept until %(date)s; they cannot "
            "be deleted before then."
        )
        % {"project": project.registration_number, "date": _format_day(project.retention_until)},
        extra={
            "esf_project_id": project.pk,
            "retention_until": project.retention_until.isoformat(),
            "object": f"{obj._meta.label_lower}:{obj.pk}",
        },
    )


def _refuse_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    retention_guard(instance)


def connect_signals() -> None:
    """Refuse the deletion of kept records in ``pre_delete`` (the last line of defence)."""
    for model in RECORDS:
        pre_delete.connect(
            _refuse_delete,
            sender=model,
            dispatch_uid=f"workflow_retention_{model._meta.label_lower}",
        )
