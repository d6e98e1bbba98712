"""Reads of the public consultation and the public portal.

The public selectors (``public_*``) serve anonymous visitors: they return published material
only and never personal data of commenters. The register selectors are for members of the
process. Each page reads a fixed number of queries, whatever the number of documents or
comments (the tests count them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.exceptions import NotFound
from workflow.models import (
    Comment,
    ConsultationPeriod,
    Meeting,
    NewsItem,
    PlanningProcess,
    Stage,
    StageTransition,
)
from workflow.permissions import can_view_process

PUBLISHED = "published"
NEVER_PUBLIC_KINDS = ("attendance_list",)  # documents.Document.NEVER_PUBLIC_KINDS, by value
# Bodies that meet in public (stakeholders.Body.Kind, by value): working groups (DOMAIN §3) and
# the municipal assemblies (§ 93 of the Municipalities Act). A board (rada) meets in private.
PUBLIC_MEETING_BODY_KINDS = ("working_group", "assembly", "dso_assembly")
INSTANT = dt.timedelta(microseconds=1)


# --- members of the process -------------------------------------------------------------------


def consultation_list(*, actor: Any, process: PlanningProcess) -> QuerySet[ConsultationPeriod]:
    if not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    return ConsultationPeriod.objects.filter(process=process).select_related(
        "document_version__document"
    )


def consultation_get(*, actor: Any, pk: Any) -> ConsultationPeriod:
    """One consultation, or NotFound when it does not exist or the actor may not see it."""
    try:
        consultation = ConsultationPeriod.objects.select_related(
            "process__territory", "document_version__document"
        ).get(pk=pk)
    except (ConsultationPeriod.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Consultation not found.")) from None
    if not can_view_process(actor, consultation.process):
        raise NotFound(_("Consultation not found."))
    return consultation


def comment_get(*, actor: Any, consultation: ConsultationPeriod, pk: Any) -> Comment:
    try:
        return consultation.comments.select_related("steering_decision").get(pk=pk)
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Comment not found.")) from None


def comment_register(
    *,
    actor: Any,
    consultation: ConsultationPeriod,
    state: str = "",
    decision: str = "",
    late: str = "",
    target: str = "",
) -> QuerySet[Comment]:
    """The comment register (*kniha připomínek*) with its filters, in receipt order."""
    if not can_view_process(actor, consultation.process):
        raise NotFound(_("Consultation not found."))
    comments = Comment.objects.filter(consultation=consultation).select_related(
        "target_priority", "target_measure", "target_activity", "decided_by", "entered_by"
    )
    if state == "unsettled":
        comments = comments.filter(decision="")
    elif state == "settled":
        comments = comments.exclude(decision="")
    if decision:
        comments = comments.filter(decision=decision)
    if late == "late":
        comments = comments.filter(is_late=True)
    elif late == "on_time":
        comments = comments.filter(is_late=False)
    if target:
        comments = comments.filter(
            Q(target_text__icontains=target)
            | Q(target_priority__number=target)
            | Q(target_measure__number=target)
            | Q(target_activity__number=target)
        )
    return comments.order_by("number")


def steering_decisions(*, process: PlanningProcess) -> list[Any]:
    from workflow.models import Decision

    return list(
        Decision.objects.filter(
            process=process, status=Decision.Status.ADOPTED, body__kind="steering_group"
        ).order_by("-closed_at", "-pk")[:50]
    )


def news_list(*, actor: Any, process: PlanningProcess) -> QuerySet[NewsItem]:
    """Every news item of the process, drafts first, then the newest published."""
    if not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    return NewsItem.objects.filter(process=process).order_by(
        F("published_at").desc(nulls_first=True), "-created_at", "-pk"
    )


def news_get(*, actor: Any, pk: Any) -> NewsItem:
    try:
        item = NewsItem.objects.select_related("process").get(pk=pk)
    except (NewsItem.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("News item not found.")) from None
    if not can_view_process(actor, item.process):
        raise NotFound(_("News item not found."))
    return item


def hearing_meetings(*, process: PlanningProcess) -> list[Meeting]:
    """Public hearings of the process that are not cancelled, for the consultation form."""
    return list(
        Meeting.objects.filter(process=process, kind=Meeting.Kind.PUBLIC_HEARING)
        .exclude(state=Meeting.State.CANCELLED)
        .order_by("-starts_at", "-pk")[:50]
    )


# --- the public -------------------------------------------------------------------------------


def public_process_get(*, pk: Any) -> PlanningProcess:
    """A process as the public sees it (any process except a cancelled one)."""
    try:
        return (
            PlanningProcess.objects.select_related("territory")
            .exclude(stage=Stage.CANCELLED)
            .get(pk=pk)
        )
    except (PlanningProcess.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Planning process not found.")) from None


@dataclass(frozen=True)
class TimelineStep:
    stage: str
    label: str
    reached_at: Any
    is_current: bool
    is_done: bool


FORWARD = [
    Stage.PREPARATION,
    Stage.MAPPING,
    Stage.WORKING_GROUPS,
    Stage.PUBLIC_CONSULTATION,
    Stage.COUNCIL_APPROVAL,
    Stage.IMPLEMENTATION,
    Stage.CLOSED,
]


def public_timeline(*, process: PlanningProcess) -> list[TimelineStep]:
    """The forward stages with the date each was last reached; one query."""
    reached: dict[str, Any] = {Stage.PREPARATION: process.created_at}
    for to_stage, performed_at in StageTransition.objects.filter(process=process).values_list(
        "to_stage", "performed_at"
    ):
        reached[to_stage] = performed_at
    current = FORWARD.index(process.stage) if process.stage in FORWARD else -1
    return [
        TimelineStep(
            stage=stage,
            label=str(Stage(stage).label),
            reached_at=reached.get(stage) if index <= current else None,
            is_current=index == current,
            is_done=index < current,
        )
        for index, stage in enumerate(FORWARD)
    ]


def public_documents(*, process: PlanningProcess) -> list[Any]:
    """Published versions of the process's publishable documents; one query. A meeting's full
    minutes are never listed (the version without private persons' names is)."""
    from documents.models import DocumentVersion

    return list(
        DocumentVersion.objects.filter(
            document__process=process, status=PUBLISHED, document__meeting_minutes__isnull=True
        )
        .exclude(document__kind__in=NEVER_PUBLIC_KINDS)
        .select_related("document")
        .order_by("-published_at", "-pk")
    )


def public_news(
    *, process: PlanningProcess, limit: int = 10, now: dt.datetime | None = None
) -> list[NewsItem]:
    """Published news items, newest first (an item dated in the future appears at its time)."""
    return list(
        NewsItem.objects.filter(process=process, published_at__lte=now or timezone.now()).order_by(
            "-published_at", "-pk"
        )[:limit]
    )


def public_meetings(
    *, process: PlanningProcess, limit: int = 10, now: dt.datetime | None = None
) -> list[Meeting]:
    """Upcoming public meetings of the process until they end: public hearings and meetings of
    bodies that meet in public; cancelled ones left out. One query."""
    moment = now or timezone.now()
    return list(
        Meeting.objects.filter(Q(process=process) | Q(body__process=process))
        .filter(Q(kind=Meeting.Kind.PUBLIC_HEARING) | Q(body__kind__in=PUBLIC_MEETING_BODY_KINDS))
        .exclude(state=Meeting.State.CANCELLED)
        .filter(Q(ends_at__gte=moment) | Q(ends_at__isnull=True, starts_at__gte=moment))
        .select_related("body")
        .order_by("starts_at", "pk")[:limit]
    )


def _consultation_boundaries(consultation: ConsultationPeriod) -> list[dt.datetime]:
    """The instants at which the clock changes the consultation's phase: it opens at
    ``opens_at`` and is closed from the first instant after ``closes_at``."""
    if consultation.status != ConsultationPeriod.Status.SCHEDULED:
        return []
    return [consultation.opens_at, consultation.closes_at + INSTANT]


def public_consultation_valid_until(
    *, consultation: ConsultationPeriod, now: dt.datetime
) -> dt.datetime | None:
    """The first instant after ``now`` at which the clock alone changes the consultation page."""
    return min((b for b in _consultation_boundaries(consultation) if b > now), default=None)


def public_process_valid_until(
    *,
    process: PlanningProcess,
    consultations: list[ConsultationPeriod],
    meetings: list[Meeting],
    now: dt.datetime,
) -> dt.datetime | None:
    """The first instant after ``now`` at which the clock alone changes the process page: a
    consultation opens or closes, a listed meeting ends, a news item dated later appears.
    One query (the next news item)."""
    boundaries = [b for c in consultations for b in _consultation_boundaries(c)]
    boundaries += [(m.ends_at or m.starts_at) + INSTANT for m in meetings]
    boundaries.append(
        NewsItem.objects.filter(process=process, published_at__gt=now).aggregate(
            first=Min("published_at")
        )["first"]
    )
    return min((b for b in boundaries if b is not None and b > now), default=None)


def public_consultations(*, process: PlanningProcess) -> list[ConsultationPeriod]:
    return list(
        ConsultationPeriod.objects.filter(process=process)
        .select_related("document_version__document")
        .order_by("-opens_at")
    )


def public_consultation_get(*, process: PlanningProcess, pk: Any) -> ConsultationPeriod:
    try:
        return ConsultationPeriod.objects.select_related("document_version__document").get(
            process=process, pk=pk
        )
    except (ConsultationPeriod.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Consultation not found.")) from None


def public_plan_nodes(*, process: PlanningProcess) -> dict[str, list[Any]]:
    """The plan's priorities, measures and activities a comment may refer to; three queries."""
    from documents.models import Activity, Measure, Priority

    return {
        "priority": list(Priority.objects.filter(process=process).order_by("order", "number")),
        "measure": list(Measure.objects.filter(process=process).order_by("order", "number")),
        "activity": list(Activity.objects.filter(process=process).order_by("order", "number")),
    }


@dataclass(frozen=True)
class PublicSettlementRow:
    """One row of the published settlement: no personal data, only the public label."""

    receipt_number: str
    received_at: Any
    submitter: str
    channel: str
    document_part: str
    text: str
    proposed_change: str
    comment_type: str
    decision: str
    justification: str
    change_reference: str


def public_settlement(*, consultation: ConsultationPeriod) -> list[PublicSettlementRow]:
    """The published settlement table; empty until the settlement is published. One query."""
    if consultation.status != ConsultationPeriod.Status.SETTLEMENT_PUBLISHED:
        return []
    comments = (
        Comment.objects.filter(consultation=consultation)
        .select_related("target_priority", "target_measure", "target_activity")
        .order_by("number")
    )
    return [
        PublicSettlementRow(
            receipt_number=c.receipt_number,
            received_at=c.received_at,
            submitter=c.pseudonym,
            channel=c.get_channel_display(),
            document_part=c.target_label,
            text=c.text,
            proposed_change=c.proposed_change,
            comment_type=c.get_comment_type_display(),
            decision=c.get_decision_display(),
            justification=c.justification,
            change_reference=c.change_reference,
        )
        for c in comments
    ]


def public_comment_receipt(*, consultation: ConsultationPeriod, token: Any) -> Comment:
    """The receipt page of a web comment, by its unguessable submission token."""
    try:
        return Comment.objects.only(
            "receipt_number", "received_at", "consultation_id", "channel"
        ).get(consultation=consultation, idempotency_token=token)
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Comment not found.")) from None
