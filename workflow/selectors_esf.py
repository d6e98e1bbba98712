"""The ESF report (podklad pro zprávu o realizaci) of a reporting period, for one planning
process or for a whole ESF project (one project may fund several processes).

What it counts, all from records the system keeps:

* meetings held (state held or later) that started in the period, by kind (public hearing, or
  the kind of the body that met), with their attendance: present, excused, absent, guests;
* unique participants: everybody marked present at such a meeting, each counted once. A person
  is identified by their ``Person`` id; a guest by their name and organisation, compared
  without regard to case, accents in Unicode composition or repeated spaces. By triad side a
  participant is counted once, under the side recorded at their latest attendance in the period
  (the latest recorded side when a later row has none), so the sides add up to the total. By
  target group a participant counts in every group whose meetings they attended;
* document versions created, approved and published in the period, by kind of document;
* public consultations with the comments received in the period, the late ones, and the
  settlements decided in the period by decision;
* resolutions adopted in the period on the processes;
* the indicator table: each active ``IndicatorDefinition`` (installation-wide, replaced by the
  project's own of the same code) computed from the figures above, with its target and the
  share of the target reached;
* the annex: the signed attendance lists and the minutes of the meetings, each with its
  document title, version number and sha256 (a missing attendance list is listed as missing).

Periods are calendar days in Europe/Prague (``settings.TIME_ZONE``): from the start of the first
day to the end of the last. The report reads a fixed number of queries whatever the amount of
data (aggregated in the database; the tests count them).

Who may read it: ``can_view_esf_report`` (the coordinator and methodologist, the steering
group's voting members, and members of the process's audit body). Others who may see the
process get 403; those who may not see it, 404.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.core import ObjectPermissionChecker

from documents.models import Document
from stakeholders import roles
from stakeholders.exceptions import NotFound, PermissionDenied
from stakeholders.models import Body, EsfProject, Membership
from workflow.models import (
    Attendance,
    Comment,
    ConsultationPeriod,
    IndicatorDefinition,
    Meeting,
    PlanningProcess,
    Resolution,
)
from workflow.permissions import ProcessPermissions
from workflow.selectors import process_get

HELD_STATES = (
    Meeting.State.HELD,
    Meeting.State.MINUTES_APPROVED,
    Meeting.State.MINUTES_PUBLISHED,
)
PUBLIC_HEARING = Meeting.Kind.PUBLIC_HEARING.value
UNRECORDED = ""  # the triad side / target group key of participants without one
# Documents that count as analytical and strategic outputs (indicator 8 05 00 by default).
STRATEGIC_KINDS = (
    "socio_demographic_analysis",
    "provider_analysis",
    "resources_analysis",
    "user_needs_survey",
    "swot",
    "community_plan",
    "action_plan",
    "action_plan_evaluation",
    "services_catalogue",
)
ESF_PERMISSIONS = frozenset(
    perm.split(".", 1)[1] for perm in (roles.VIEW_HISTORY, roles.APPROVE_STAGE)
)
_VIEW = roles.VIEW_PROCESS.split(".", 1)[1]


# --- who may read the report -----------------------------------------------------------------


def can_view_esf_report(user: Any, process: PlanningProcess) -> bool:
    """The coordinator, the methodologist, the steering group's voters and the auditors."""
    permissions = ProcessPermissions(user, process)
    return permissions.allows(roles.VIEW_PROCESS) and any(
        permissions.allows(f"workflow.{codename}") for codename in ESF_PERMISSIONS
    )


@dataclass(frozen=True)
class EsfScope:
    """What a report covers: one process, or every process of an ESF project."""

    processes: tuple[PlanningProcess, ...]
    esf_project: EsfProject | None
    process: PlanningProcess | None = None

    @property
    def process_ids(self) -> list[int]:
        return [p.pk for p in self.processes]

    @property
    def label(self) -> str:
        if self.process is not None:
            return str(self.process)
        assert self.esf_project is not None
        return f"{self.esf_project.registration_number} {self.esf_project.name}"

    @property
    def slug(self) -> str:
        if self.process is not None:
            return f"proces-{self.process.pk}"
        assert self.esf_project is not None
        return f"projekt-{self.esf_project.pk}"


def esf_scope_for_process(*, actor: Any, pk: Any) -> EsfScope:
    """One process the actor may read the ESF report of: 404 if hidden, 403 if not allowed."""
    process = process_get(actor=actor, pk=pk)
    if not can_view_esf_report(actor, process):
        raise PermissionDenied(_("You may not read the ESF report of this process."))
    project = process.esf_project
    return EsfScope(processes=(process,), esf_project=project, process=process)


def esf_scope_for_project(*, actor: Any, pk: Any) -> EsfScope:
    """Every process of an ESF project. The actor must be allowed the report of each of them:
    404 when they may see none of them, 403 when they may not read the report of some."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise NotFound(_("ESF project not found."))
    try:
        project = EsfProject.objects.get(pk=pk)
    except (EsfProject.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("ESF project not found.")) from None
    processes = tuple(
        PlanningProcess.objects.filter(esf_project=project)
        .select_related("territory")
        .order_by("period_start_year", "pk")
    )
    if not actor.is_superuser:
        checker = ObjectPermissionChecker(actor)
        checker.prefetch_perms(list(processes))
        held = {process.pk: set(checker.get_perms(process)) for process in processes}
        visible = [p for p in processes if _VIEW in held[p.pk]]
        if not visible:
            raise NotFound(_("ESF project not found."))
        if any(_VIEW not in held[p.pk] or not ESF_PERMISSIONS & held[p.pk] for p in processes):
            raise PermissionDenied(
                _("You may not read the ESF report of every process of this project.")
            )
    return EsfScope(processes=processes, esf_project=project)


def esf_default_period(scope: EsfScope) -> tuple[dt.date, dt.date]:
    """The project's whole duration; without a project, the years of the process's plan."""
    if scope.esf_project is not None:
        return scope.esf_project.starts_on, scope.esf_project.ends_on
    years = [p.period_start_year for p in scope.processes] or [timezone.localdate().year]
    ends = [p.period_end_year for p in scope.processes] or years
    return dt.date(min(years), 1, 1), dt.date(max(ends), 12, 31)


# --- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingGroup:
    key: str  # "public_hearing" or the kind of the body that met
    label: str
    meetings: int
    present: int
    excused: int
    absent: int
    guests: int  # present, without a person record


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class DocumentRow:
    kind: str
    label: str
    versions_created: int
    versions_approved: int
    versions_published: int
    documents_approved: int
    documents_published: int


@dataclass(frozen=True)
class ConsultationRow:
    id: int
    title: str
    process: str
    opens_on: dt.date
    closes_on: dt.date
    received: int
    late: int
    settled: int
    unsettled: int
    by_decision: dict[str, int]


@dataclass(frozen=True)
class ResolutionRow:
    id: int
    number: str
    adopted_on: dt.date
    body: str
    body_kind: str
    title: str
    document_action: str
    document_action_label: str
    document: str
    version_number: int | None
    sha256: str


@dataclass(frozen=True)
class AnnexRow:
    meeting_id: int
    meeting: str
    body: str
    date: dt.date
    kind: str  # attendance_list, minutes, published_minutes
    kind_label: str
    document: str
    version_number: int | None
    sha256: str

    @property
    def is_missing(self) -> bool:
        return not self.sha256


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    unit: str
    computation: str
    computation_label: str
    value: int | None  # None: not computed by the system (entered in the progress report)
    target: Decimal | None
    percent: Decimal | None
    note: str
    to_verify: bool


@dataclass
class Participants:
    """Unique participants, each counted once (the figures behind the indicators)."""

    persons: int = 0
    guests: int = 0
    by_triad: dict[str, int] = field(default_factory=dict)
    by_triad_persons: dict[str, int] = field(default_factory=dict)
    by_target_group: dict[str, int] = field(default_factory=dict)  # target group code → count
    by_target_group_persons: dict[str, int] = field(default_factory=dict)
    target_group_names: dict[str, str] = field(default_factory=dict)
    organisations: int = 0

    @property
    def total(self) -> int:
        return self.persons + self.guests


@dataclass(frozen=True)
class EsfReport:
    scope: EsfScope
    date_from: dt.date
    date_to: dt.date
    generated_at: dt.datetime
    meetings: list[MeetingGroup]
    participants: Participants
    documents: list[DocumentRow]
    consultations: list[ConsultationRow]
    resolutions: list[ResolutionRow]
    indicators: list[IndicatorRow]
    annex: list[AnnexRow]

    @property
    def meetings_held(self) -> int:
        return sum(g.meetings for g in self.meetings)

    @property
    def hearings_held(self) -> int:
        return sum(g.meetings for g in self.meetings if g.key == PUBLIC_HEARING)

    @property
    def attendance(self) -> dict[str, int]:
        return {
            "present": sum(g.present for g in self.meetings),
            "excused": sum(g.excused for g in self.meetings),
            "absent": sum(g.absent for g in self.meetings),
            "guests": sum(g.guests for g in self.meetings),
        }

    @property
    def participants_by_triad(self) -> list[CountRow]:
        labels = {UNRECORDED: _("not recorded"), **dict(Membership.TriadSide.choices)}
        return [
            CountRow(key=key, label=str(labels[key]), count=self.participants.by_triad.get(key, 0))
            for key in [*Membership.TriadSide.values, UNRECORDED]
        ]

    @property
    def participants_by_target_group(self) -> list[CountRow]:
        names = self.participants.target_group_names
        return [
            CountRow(key=code, label=names.get(code) or str(_("no target group")), count=count)
            for code, count in sorted(
                self.participants.by_target_group.items(),
                key=lambda item: (item[0] == UNRECORDED, names.get(item[0], ""), item[0]),
            )
        ]

    @property
    def comments(self) -> dict[str, int]:
        return {
            "received": sum(c.received for c in self.consultations),
            "late": sum(c.late for c in self.consultations),
            "settled": sum(c.settled for c in self.consultations),
            "unsettled": sum(c.unsettled for c in self.consultations),
        }

    @property
    def comments_by_decision(self) -> list[CountRow]:
        return [
            CountRow(
                key=value,
                label=str(label),
                count=sum(c.by_decision.get(value, 0) for c in self.consultations),
            )
            for value, label in Comment.Decision.choices
        ]

    @property
    def consultations_opened(self) -> int:
        return sum(1 for c in self.consultations if self.date_from <= c.opens_on <= self.date_to)

    @property
    def resolutions_adopted(self) -> int:
        return len(self.resolutions)


def period_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start of the first day, start of the day after the last) in the installation's zone."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(date_from, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return start, end


def normalised(text: str) -> str:
    """A name or an organisation for comparison: Unicode NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def esf_report(*, scope: EsfScope, date_from: dt.date, date_to: dt.date) -> EsfReport:
    """The ESF report of a scope for the days ``date_from`` to ``date_to`` (inclusive).

    The scope comes from ``esf_scope_for_process`` / ``esf_scope_for_project``, which check the
    actor's access. Seven queries, whatever the amount of data.
    """
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    start, end = period_bounds(date_from, date_to)
    ids = scope.process_ids
    held = Meeting.objects.filter(
        Q(process_id__in=ids) | Q(body__process_id__in=ids),
        state__in=HELD_STATES,
        starts_at__gte=start,
        starts_at__lt=end,
    )
    meetings = _meeting_groups(held)
    participants = _participants(held)
    documents = _documents(ids, start, end)
    consultations = _consultations(ids, date_from, date_to, start, end)
    resolutions = _resolutions(ids, date_from, date_to)
    annex = _annex(held)
    report = EsfReport(
        scope=scope,
        date_from=date_from,
        date_to=date_to,
        generated_at=timezone.now(),
        meetings=meetings,
        participants=participants,
        documents=documents,
        consultations=consultations,
        resolutions=resolutions,
        indicators=[],
        annex=annex,
    )
    report.indicators.extend(_indicators(report))
    return report


def _meeting_groups(held: Any) -> list[MeetingGroup]:
    present = Q(attendances__status=Attendance.Status.PRESENT)
    rows = (
        held.order_by()
        .values("kind", "body__kind")
        .annotate(
            meetings=Count("id", distinct=True),
            present=Count("attendances", filter=present),
            excused=Count("attendances", filter=Q(attendances__status=Attendance.Status.EXCUSED)),
            absent=Count("attendances", filter=Q(attendances__status=Attendance.Status.ABSENT)),
            guests=Count("attendances", filter=present & Q(attendances__person__isnull=True)),
        )
    )
    groups: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = PUBLIC_HEARING if row["kind"] == PUBLIC_HEARING else row["body__kind"] or ""
        for name in ("meetings", "present", "excused", "absent", "guests"):
            groups[key][name] += row[name]
    order = [*Body.Kind.values, PUBLIC_HEARING, ""]
    labels = {
        **{value: str(label) for value, label in Body.Kind.choices},
        PUBLIC_HEARING: str(Meeting.Kind.PUBLIC_HEARING.label),
        "": str(_("other meetings")),
    }
    return [
        MeetingGroup(key=key, label=labels[key], **groups[key])
        for key in sorted(groups, key=lambda k: order.index(k) if k in order else len(order))
    ]


def _participants(held: Any) -> Participants:
    """One grouped query: a row per distinct (participant, triad side, target group)."""
    rows = (
        Attendance.objects.filter(meeting__in=held.values("pk"), status=Attendance.Status.PRESENT)
        .order_by()
        .values(
            "person_id",
            "person__organization__name",
            "guest_name",
            "guest_organization",
            "triad_side",
            "target_group__code",
            "target_group__name",
        )
        .annotate(last=Max("meeting__starts_at"))
    )
    # participant key → (latest moment with a side, that side); target groups; organisation
    sides: dict[tuple[str, Any], tuple[dt.datetime, str]] = {}
    latest_any: dict[tuple[str, Any], dt.datetime] = {}
    groups: dict[str, set[tuple[str, Any]]] = defaultdict(set)
    names: dict[str, str] = {}
    organisations: set[str] = set()
    for row in rows:
        if row["person_id"] is not None:
            key: tuple[str, Any] = ("person", row["person_id"])
            organisation = row["person__organization__name"] or ""
        else:
            key = ("guest", (normalised(row["guest_name"]), normalised(row["guest_organization"])))
            organisation = row["guest_organization"]
        if organisation and normalised(organisation):
            organisations.add(normalised(organisation))
        moment = row["last"]
        latest_any[key] = max(latest_any.get(key, moment), moment)
        side = row["triad_side"] or UNRECORDED
        if side != UNRECORDED:
            known = sides.get(key)
            if known is None or (moment, side) > known:
                sides[key] = (moment, side)
        code = row["target_group__code"] or UNRECORDED
        groups[code].add(key)
        if code != UNRECORDED:
            names[code] = row["target_group__name"]
    result = Participants(target_group_names=names, organisations=len(organisations))
    by_triad: dict[str, int] = defaultdict(int)
    by_triad_persons: dict[str, int] = defaultdict(int)
    for key in latest_any:
        side = sides[key][1] if key in sides else UNRECORDED
        by_triad[side] += 1
        if key[0] == "person":
            result.persons += 1
            by_triad_persons[side] += 1
        else:
            result.guests += 1
    result.by_triad = dict(by_triad)
    result.by_triad_persons = dict(by_triad_persons)
    result.by_target_group = {code: len(keys) for code, keys in groups.items()}
    result.by_target_group_persons = {
        code: sum(1 for k in keys if k[0] == "person") for code, keys in groups.items()
    }
    return result


def _documents(ids: list[int], start: dt.datetime, end: dt.datetime) -> list[DocumentRow]:
    from documents.models import DocumentVersion

    created = Q(created_at__gte=start, created_at__lt=end)
    approved = Q(approved_at__gte=start, approved_at__lt=end)
    published = Q(published_at__gte=start, published_at__lt=end)
    rows = (
        DocumentVersion.objects.filter(document__process_id__in=ids)
        .filter(created | approved | published)
        .order_by()
        .values("document__kind")
        .annotate(
            versions_created=Count("id", filter=created),
            versions_approved=Count("id", filter=approved),
            versions_published=Count("id", filter=published),
            documents_approved=Count("document_id", filter=approved, distinct=True),
            documents_published=Count("document_id", filter=published, distinct=True),
        )
    )
    labels = dict(Document.Kind.choices)
    order = list(Document.Kind.values)
    result = [
        DocumentRow(
            kind=row["document__kind"],
            label=str(labels.get(row["document__kind"], row["document__kind"])),
            versions_created=row["versions_created"],
            versions_approved=row["versions_approved"],
            versions_published=row["versions_published"],
            documents_approved=row["documents_approved"],
            documents_published=row["documents_published"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda r: order.index(r.kind) if r.kind in order else len(order))


def _consultations(
    ids: list[int], date_from: dt.date, date_to: dt.date, start: dt.datetime, end: dt.datetime
) -> list[ConsultationRow]:
    received = Q(comments__received_at__gte=start, comments__received_at__lt=end)
    decided = Q(comments__decided_at__gte=start, comments__decided_at__lt=end) & ~Q(
        comments__decision=""
    )
    by_decision = {
        f"decided_{value}": Count("comments", filter=decided & Q(comments__decision=value))
        for value in Comment.Decision.values
    }
    rows = (
        ConsultationPeriod.objects.filter(process_id__in=ids)
        .order_by("opens_at", "pk")
        .values("pk", "title", "opens_at", "closes_at", "time_zone", "process__title")
        .annotate(
            received=Count("comments", filter=received),
            late=Count("comments", filter=received & Q(comments__is_late=True)),
            unsettled=Count("comments", filter=received & Q(comments__decision="")),
            settled=Count("comments", filter=decided),
            **by_decision,
        )
    )
    result = []
    for row in rows:
        zone = zoneinfo.ZoneInfo(row["time_zone"] or settings.TIME_ZONE)
        opens_on = row["opens_at"].astimezone(zone).date()
        closes_on = row["closes_at"].astimezone(zone).date()
        overlaps = opens_on <= date_to and closes_on >= date_from
        if not (overlaps or row["received"] or row["settled"]):
            continue
        result.append(
            ConsultationRow(
                id=row["pk"],
                title=row["title"],
                process=row["process__title"],
                opens_on=opens_on,
                closes_on=closes_on,
                received=row["received"],
                late=row["late"],
                settled=row["settled"],
                unsettled=row["unsettled"],
                by_decision={v: row[f"decided_{v}"] for v in Comment.Decision.values},
            )
        )
    return result


def _resolutions(ids: list[int], date_from: dt.date, date_to: dt.date) -> list[ResolutionRow]:
    found = (
        Resolution.objects.filter(
            process_id__in=ids,
            outcome=Resolution.Outcome.ADOPTED,
            adopted_on__gte=date_from,
            adopted_on__lte=date_to,
        )
        .select_related("body", "document_version__document")
        .order_by("adopted_on", "pk")
    )
    actions = dict(Resolution.DocumentAction.choices)
    return [
        ResolutionRow(
            id=r.pk,
            number=r.number,
            adopted_on=r.adopted_on,
            body=r.body.name,
            body_kind=r.body.kind,
            title=r.title,
            document_action=r.document_action,
            document_action_label=str(actions.get(r.document_action, "")),
            document=r.document_version.document.title if r.document_version_id else "",
            version_number=r.document_version.number if r.document_version_id else None,
            sha256=r.document_sha256,
        )
        for r in found
    ]


def _annex(held: Any) -> list[AnnexRow]:
    meetings = held.select_related(
        "body",
        "attendance_scan__document",
        "minutes_version__document",
        "published_minutes_version__document",
    ).order_by("starts_at", "pk")
    labels = {
        "attendance_list": str(_("attendance list (signed)")),
        "minutes": str(_("minutes")),
        "published_minutes": str(_("minutes (published version)")),
    }
    rows = []
    for meeting in meetings:
        day = timezone.localtime(meeting.starts_at).date()
        versions = (
            ("attendance_list", meeting.attendance_scan),
            ("minutes", meeting.minutes_version),
            ("published_minutes", meeting.published_minutes_version),
        )
        for kind, version in versions:
            if version is None and kind == "published_minutes":
                continue
            rows.append(
                AnnexRow(
                    meeting_id=meeting.pk,
                    meeting=meeting.title,
                    body=meeting.body.name if meeting.body_id else "",
                    date=day,
                    kind=kind,
                    kind_label=labels[kind],
                    document=version.document.title if version is not None else "",
                    version_number=version.number if version is not None else None,
                    sha256=version.sha256 if version is not None else "",
                )
            )
    return rows


# --- indicators --------------------------------------------------------------------------------


def indicator_definitions_for(scope: EsfScope) -> list[IndicatorDefinition]:
    """Active installation-wide indicators, each replaced by the project's own of its code."""
    project_id = scope.esf_project.pk if scope.esf_project is not None else None
    found = IndicatorDefinition.objects.filter(is_active=True).filter(
        Q(esf_project__isnull=True) | Q(esf_project_id=project_id)
    )
    chosen: dict[str, IndicatorDefinition] = {}
    for definition in found.order_by("order", "code", "pk"):
        current = chosen.get(definition.code)
        if current is None or (current.esf_project_id is None and definition.esf_project_id):
            chosen[definition.code] = definition
    return sorted(chosen.values(), key=lambda d: (d.order, d.code))


def indicator_value(definition: IndicatorDefinition, report: EsfReport) -> int | None:
    """The value of one indicator from the report's figures; None for manual indicators."""
    C = IndicatorDefinition.Computation
    params = definition.params or {}
    guests = params.get("include_guests", True)
    people = report.participants
    computation = definition.computation
    if computation == C.UNIQUE_PARTICIPANTS:
        return people.total if guests else people.persons
    if computation == C.UNIQUE_PARTICIPANTS_BY_TRIAD:
        counts = people.by_triad if guests else people.by_triad_persons
        return counts.get(params.get("triad_side", ""), 0)
    if computation == C.UNIQUE_PARTICIPANTS_BY_TARGET_GROUP:
        counts = people.by_target_group if guests else people.by_target_group_persons
        return counts.get(params.get("target_group", ""), 0)
    if computation == C.UNIQUE_ORGANISATIONS:
        return people.organisations
    if computation == C.ATTENDANCE_PRESENT:
        attendance = report.attendance
        return attendance["present"] if guests else attendance["present"] - attendance["guests"]
    if computation == C.MEETINGS_HELD:
        kinds = params.get("body_kinds")
        return sum(g.meetings for g in report.meetings if not kinds or g.key in kinds)
    if computation == C.HEARINGS_HELD:
        return report.hearings_held
    if computation in (C.DOCUMENTS_PUBLISHED, C.DOCUMENTS_APPROVED):
        kinds = params.get("kinds")
        attribute = (
            "documents_published" if computation == C.DOCUMENTS_PUBLISHED else "documents_approved"
        )
        return sum(
            getattr(row, attribute) for row in report.documents if not kinds or row.kind in kinds
        )
    if computation == C.CONSULTATIONS_OPENED:
        return report.consultations_opened
    if computation == C.COMMENTS_RECEIVED:
        return report.comments["received"]
    if computation == C.COMMENTS_LATE:
        return report.comments["late"]
    if computation == C.COMMENTS_SETTLED:
        decisions = params.get("decisions")
        rows = report.comments_by_decision
        return sum(row.count for row in rows if not decisions or row.key in decisions)
    if computation == C.RESOLUTIONS_ADOPTED:
        kinds = params.get("body_kinds")
        actions = params.get("document_actions")
        return sum(
            1
            for r in report.resolutions
            if (not kinds or r.body_kind in kinds) and (not actions or r.document_action in actions)
        )
    return None


def _percent(value: int | None, target: Decimal | None) -> Decimal | None:
    if value is None or target is None or target <= 0:
        return None
    return (Decimal(value) * 100 / target).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _indicators(report: EsfReport) -> list[IndicatorRow]:
    labels = dict(IndicatorDefinition.Computation.choices)
    rows = []
    for definition in indicator_definitions_for(report.scope):
        value = indicator_value(definition, report)
        rows.append(
            IndicatorRow(
                code=definition.code,
                name=definition.name,
                unit=definition.unit,
                computation=definition.computation,
                computation_label=str(labels.get(definition.computation, "")),
                value=value,
                target=definition.target_value,
                percent=_percent(value, definition.target_value),
                note=definition.note,
                to_verify=definition.to_verify,
            )
        )
    return rows
