"""Reads of meetings, resolutions and the approval chain, filtered to what the actor may see.

The approval-chain reads are shared by the guards (``workflow.guards``), the resolution services
and the UI, so that one reading of "has the plan climbed the chain" serves all of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.exceptions import NotFound
from stakeholders.models import Body, Membership, Person
from stakeholders.selectors import body_list
from workflow.models import (
    AgendaItem,
    ApprovalChain,
    Attendance,
    Meeting,
    PlanningProcess,
    Resolution,
    ResolutionPoint,
    Stage,
    StageTransition,
)
from workflow.selectors import process_list

PLAN_KIND = "community_plan"
SUBMITTED_STATUSES = ("approved", "published")

# --- the approval chain -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainStep:
    """One body of a process's approval chain, as it applies to this process."""

    order: int
    body: Body | None
    label: str
    action: str  # Resolution.DocumentAction.RECOMMEND or APPROVE


def _default_chain(process: PlanningProcess) -> list[tuple[Body | None, str, str]]:
    """Steering group recommends → board recommends → assembly approves; a DSO: its assembly."""
    steps: list[tuple[Body | None, str, str]] = []
    steering = process.bodies.filter(kind=Body.Kind.STEERING_GROUP, is_active=True).first()
    if steering is not None:
        steps.append((steering, Resolution.DocumentAction.RECOMMEND, steering.name))
    council = {
        body.kind: body
        for body in Body.objects.filter(
            territory_id=process.territory_id, is_active=True, kind__in=Body.COUNCIL_KINDS
        ).order_by("-pk")
    }
    if Body.Kind.ASSEMBLY in council:
        if Body.Kind.BOARD in council:
            board = council[Body.Kind.BOARD]
            steps.append((board, Resolution.DocumentAction.RECOMMEND, board.name))
        assembly = council[Body.Kind.ASSEMBLY]
        steps.append((assembly, Resolution.DocumentAction.APPROVE, assembly.name))
    elif Body.Kind.DSO_ASSEMBLY in council:
        dso = council[Body.Kind.DSO_ASSEMBLY]
        steps.append((dso, Resolution.DocumentAction.APPROVE, dso.name))
    elif Body.Kind.BOARD in council:
        board = council[Body.Kind.BOARD]
        steps.append((board, Resolution.DocumentAction.APPROVE, board.name))
    return steps


def approval_chain_for(process: PlanningProcess) -> list[ChainStep]:
    """The ordered bodies that must adopt this process's plan.

    The process's own chain wins over its territory's; without either, the default chain is
    built from the process's steering group and the territory's council bodies. A link naming
    a kind of body resolves to the process's (or the territory's) active body of that kind.
    """
    chain = (
        ApprovalChain.objects.filter(process=process).first()
        or ApprovalChain.objects.filter(territory_id=process.territory_id).first()
    )
    if chain is None:
        raw = _default_chain(process)
    else:
        raw = []
        for link in chain.links.select_related("body").order_by("order"):
            body = link.body
            if body is None:
                body = (
                    Body.objects.filter(is_active=True, kind=link.body_kind)
                    .filter(Q(process=process) | Q(territory_id=process.territory_id))
                    .order_by(F("process_id").desc(nulls_last=True), "pk")
                    .first()
                )
            label = body.name if body else link.body_kind
            raw.append((body, link.action, label))
    return [
        ChainStep(order=index, body=body, label=label, action=action)
        for index, (body, action, label) in enumerate(raw, start=1)
    ]


def submitted_plan_version(process: PlanningProcess) -> Any | None:
    """The plan version submitted to the council: the newest approved or published version of
    the process's community plan (None when there is none or the documents app is missing)."""
    try:
        version_model = apps.get_model("documents", "DocumentVersion")
    except LookupError:
        return None
    return (
        version_model.objects.filter(
            document__process=process,
            document__kind=PLAN_KIND,
            status__in=SUBMITTED_STATUSES,
        )
        .select_related("document")
        .order_by("-approved_at", "-pk")
        .first()
    )


def chain_resolution(
    process: PlanningProcess, step: ChainStep, sha256: str | None
) -> Resolution | None:
    """The newest adopted resolution of the step's body doing the step's action on this
    process's plan with the given sha256 (any sha256 when None)."""
    if step.body is None:
        return None
    found = Resolution.objects.filter(
        process=process,
        body=step.body,
        outcome=Resolution.Outcome.ADOPTED,
        document_action=step.action,
    )
    if sha256 is not None:
        found = found.filter(document_sha256=sha256)
    return found.order_by("-adopted_on", "-pk").first()


@dataclass(frozen=True)
class ChainProgress:
    step: ChainStep
    resolution: Resolution | None


def approval_chain_progress(process: PlanningProcess) -> list[ChainProgress]:
    """Each link of the chain and the resolution that fulfilled it on the submitted version."""
    version = submitted_plan_version(process)
    sha = version.sha256 if version is not None else ""
    return [
        ChainProgress(step=step, resolution=chain_resolution(process, step, sha) if sha else None)
        for step in approval_chain_for(process)
    ]


def council_approval_started_at(process: PlanningProcess) -> dt.datetime | None:
    record = (
        StageTransition.objects.filter(process=process, to_stage=Stage.COUNCIL_APPROVAL)
        .order_by("-performed_at", "-pk")
        .first()
    )
    return record.performed_at if record else None


def returning_resolutions(process: PlanningProcess) -> QuerySet[Resolution]:
    """Resolutions of the chain's bodies that send the plan back: adopted ones that return or
    reject it, and quorate votes that failed to recommend or approve it; recorded since the
    process last entered council approval and not used by a transition yet."""
    bodies = [step.body.pk for step in approval_chain_for(process) if step.body is not None]
    found = Resolution.objects.filter(process=process, body_id__in=bodies).filter(
        Q(
            outcome=Resolution.Outcome.ADOPTED,
            document_action__in=[
                Resolution.DocumentAction.RETURN,
                Resolution.DocumentAction.REJECT,
            ],
        )
        | Q(
            outcome=Resolution.Outcome.REJECTED,
            document_action__in=[
                Resolution.DocumentAction.RECOMMEND,
                Resolution.DocumentAction.APPROVE,
            ],
        )
    )
    since = council_approval_started_at(process)
    if since is not None:
        found = found.filter(recorded_at__gte=since)
    return found.filter(authorised_transitions__isnull=True).order_by("-adopted_on", "-pk")


# --- lists ---------------------------------------------------------------------------------------


def meeting_list(*, actor: Any, process: PlanningProcess | None = None) -> QuerySet[Meeting]:
    """Meetings of the processes and bodies the actor may see, newest first; counts annotated
    so that a list of any length takes the same number of queries."""
    from django.db.models import Count

    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Meeting.objects.none()
    base = Meeting.objects.select_related("body", "process", "process__territory").annotate(
        agenda_count=Count("agenda_items", distinct=True),
        present_count=Count("attendances", filter=Q(attendances__status="present"), distinct=True),
    )
    if not actor.is_superuser:
        base = base.filter(
            Q(process__in=process_list(actor=actor).values("pk"))
            | Q(body__in=body_list(actor=actor).values("pk"))
        )
    if process is not None:
        base = base.filter(Q(process=process) | Q(body__process=process))
    return base.order_by("-starts_at", "-pk")


def meeting_get(*, actor: Any, pk: int) -> Meeting:
    """One meeting the actor may see, with its agenda, attendance and verifiers loaded (the
    detail page takes the same number of queries however long they are)."""
    try:
        return (
            meeting_list(actor=actor)
            .select_related(
                "body__target_group",
                "minutes_document",
                "published_minutes_document",
                "attendance_document",
                "attendance_scan",
                "minutes_version",
                "published_minutes_version",
                "minutes_approved_by",
            )
            .prefetch_related(
                Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("order")),
                "agenda_items__resolutions",
                Prefetch(
                    "attendances",
                    queryset=Attendance.objects.select_related(
                        "person", "membership", "target_group"
                    ).order_by("pk"),
                ),
                "minutes_verifiers",
            )
            .get(pk=pk)
        )
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Meeting not found.")) from None


def bodies_for_meetings(*, actor: Any) -> QuerySet[Body]:
    """Active bodies whose meetings the actor organises: the bodies of the processes they
    coordinate (``workflow.manage_process``) and the bodies whose secretary they are."""
    from guardian.shortcuts import get_objects_for_user

    from stakeholders import roles

    base = Body.objects.filter(is_active=True).select_related("process", "territory")
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return base.none()
    if actor.is_superuser:
        return base.order_by("name", "pk")
    managed = get_objects_for_user(
        actor, roles.MANAGE_PROCESS, klass=PlanningProcess, accept_global_perms=False
    )
    recording = get_objects_for_user(
        actor, roles.RECORD_RESOLUTION, klass=Body, accept_global_perms=False
    )
    return base.filter(
        Q(process__in=managed.values("pk")) | Q(pk__in=recording.values("pk"))
    ).order_by("name", "pk")


def processes_for_meetings(*, actor: Any) -> QuerySet[PlanningProcess]:
    """Processes whose public hearings (and meetings) the actor organises: they coordinate them."""
    from guardian.shortcuts import get_objects_for_user

    from stakeholders import roles

    if actor is None or not actor.is_authenticated or not actor.is_active:
        return PlanningProcess.objects.none()
    base = process_list(actor=actor)
    if actor.is_superuser:
        return base.order_by("-period_start_year", "title", "pk")
    managed = get_objects_for_user(
        actor, roles.MANAGE_PROCESS, klass=PlanningProcess, accept_global_perms=False
    )
    return base.filter(pk__in=managed.values("pk")).order_by("-period_start_year", "title", "pk")


@dataclass(frozen=True)
class SheetRow:
    """One person of the attendance sheet: a member of the body on the day, or a person
    recorded although not a member; ``attendance`` is None until something is recorded."""

    person: Any
    role: str
    triad_side: str
    attendance: Attendance | None


def meeting_attendance_sheet(meeting: Meeting) -> list[SheetRow]:
    """The body's members on the meeting day (each once, in alphabetical order), then the
    other people recorded; guests by name are listed from ``meeting.attendances`` separately.
    Expects ``meeting`` from ``meeting_get`` (attendances prefetched)."""
    recorded = {a.person_id: a for a in meeting.attendances.all() if a.person_id}
    rows: list[SheetRow] = []
    seen: set[int] = set()
    if meeting.body_id:
        members = (
            Membership.objects.current(timezone.localdate(meeting.starts_at))
            .filter(body_id=meeting.body_id)
            .select_related("person")
            .order_by("person__last_name", "person__first_name", "role", "pk")
        )
        for membership in members:
            if membership.person_id in seen:
                continue
            seen.add(membership.person_id)
            rows.append(
                SheetRow(
                    person=membership.person,
                    role=membership.get_role_display(),
                    triad_side=membership.get_triad_side_display(),
                    attendance=recorded.get(membership.person_id),
                )
            )
    for person_id, attendance in recorded.items():
        if person_id in seen:
            continue
        rows.append(
            SheetRow(
                person=attendance.person,
                role="",
                triad_side=attendance.get_triad_side_display(),
                attendance=attendance,
            )
        )
    return rows


def meeting_present_people(meeting: Meeting) -> QuerySet[Any]:
    """People recorded as present at the meeting (those who may verify its minutes)."""
    return Person.objects.filter(
        attendances__meeting=meeting, attendances__status=Attendance.Status.PRESENT
    ).order_by("last_name", "first_name", "pk")


def meeting_document_versions(meeting: Meeting) -> dict[str, list[Any]]:
    """The versions of the meeting's three documents, newest first, in one query."""
    documents = {
        "minutes": meeting.minutes_document_id,
        "published_minutes": meeting.published_minutes_document_id,
        "attendance": meeting.attendance_document_id,
    }
    found: dict[str, list[Any]] = {key: [] for key in documents}
    ids = [pk for pk in documents.values() if pk]
    if not ids:
        return found
    version_model = apps.get_model("documents", "DocumentVersion")
    by_document = {pk: key for key, pk in documents.items() if pk}
    for version in version_model.objects.filter(document_id__in=ids).order_by("-number"):
        found[by_document[version.document_id]].append(version)
    return found


def meetings_approving_minutes(meeting: Meeting) -> QuerySet[Meeting]:
    """Later meetings of the same body (or hearings of the same process) that have started:
    the meetings at which the minutes may have been approved."""
    later = Meeting.objects.filter(
        starts_at__gt=meeting.starts_at, starts_at__lte=timezone.now()
    ).exclude(state=Meeting.State.CANCELLED)
    if meeting.body_id:
        later = later.filter(body_id=meeting.body_id)
    else:
        later = later.filter(body__isnull=True, process_id=meeting.process_id)
    return later.order_by("starts_at", "pk")


def resolution_list(*, actor: Any, body: Body | None = None) -> QuerySet[Resolution]:
    """Resolutions of the bodies the actor may see (and of the processes they may see)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Resolution.objects.none()
    base = Resolution.objects.select_related(
        "body", "meeting", "process", "document_version"
    ).prefetch_related(
        Prefetch(
            "points",
            queryset=ResolutionPoint.objects.select_related("responsible").order_by("order"),
        )
    )
    if not actor.is_superuser:
        base = base.filter(
            Q(body__in=body_list(actor=actor).values("pk"))
            | Q(process__in=process_list(actor=actor).values("pk"))
        )
    if body is not None:
        base = base.filter(body=body)
    return base.order_by("-adopted_on", "-pk")


def resolution_get(*, actor: Any, pk: int) -> Resolution:
    try:
        return resolution_list(actor=actor).get(pk=pk)
    except (Resolution.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Resolution not found.")) from None


def resolution_points_overdue(
    *, actor: Any | None = None, today: dt.date | None = None
) -> QuerySet[ResolutionPoint]:
    """Open points past their deadline (the "kontrola plnění usnesení"), oldest first.

    ``actor=None`` is the system (the reminder task) and sees every point.
    """
    day = today or timezone.localdate()
    points = ResolutionPoint.objects.select_related(
        "resolution", "resolution__body", "responsible"
    ).filter(status__in=ResolutionPoint.OPEN_STATUSES, deadline__lt=day)
    if actor is not None:
        points = points.filter(resolution__in=resolution_list(actor=actor).values("pk"))
    return points.order_by("deadline", "pk")


def bodies_for_recording(*, actor: Any) -> QuerySet[Body]:
    """Bodies whose resolutions the actor keeps (secretary, secretariat)."""
    from guardian.shortcuts import get_objects_for_user

    from stakeholders import roles

    base = Body.objects.filter(
        kind__in=[*Body.COUNCIL_KINDS, Body.Kind.STEERING_GROUP], is_active=True
    )
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return base.none()
    if actor.is_superuser:
        return base
    allowed = get_objects_for_user(
        actor, roles.RECORD_RESOLUTION, klass=Body, accept_global_perms=False
    )
    return base.filter(pk__in=allowed.values("pk"))
