"""The ESF report: unique participants, meetings, documents, comments, resolutions, indicators,
its exports (XLSX, CSV, DOCX read back) and who may read it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import docx
import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stakeholders import services as stakeholder_services
from stakeholders.exceptions import NotFound, PermissionDenied
from stakeholders.models import Body, Membership, Person
from tests.documents.samples import docx_bytes, make_document, submit_approve_publish, upload
from tests.factories import EsfProjectFactory, OrganizationFactory, TargetGroupFactory
from tests.workflow.conftest import Cycle, build_cycle
from workflow import selectors_esf, services
from workflow.models import Attendance, IndicatorDefinition, Meeting, PlanningProcess
from workflow.services import esf as esf_services
from workflow.services.esf import DEFAULT_INDICATORS, esf_report_export, indicator_seed_defaults

pytestmark = pytest.mark.django_db

PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")
PRESENT = Attendance.Status.PRESENT


def at(days_ago: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment ``days_ago`` days before today, in Prague."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PRAGUE)


def held(cycle: Cycle, when: dt.datetime, *, body: Body | None = None, attend=(), guests=()):
    """A held meeting of ``body`` (a public hearing without one) with its attendance list.

    ``attend``: (person, status) pairs; ``guests``: (name, organisation) pairs, present."""
    kind = Meeting.Kind.BODY_MEETING if body is not None else Meeting.Kind.PUBLIC_HEARING
    meeting = services.meeting_create(
        actor=cycle.coordinator,
        kind=kind,
        title=f"{body.name if body else 'Veřejné projednání'} {when:%d. %m. %Y %H:%M}",
        starts_at=when,
        body=body,
        process=cycle.process,
    )
    for person, status in attend:
        services.attendance_record(
            actor=cycle.coordinator, meeting=meeting, person=person, status=status
        )
    for name, organization in guests:
        services.attendance_record(
            actor=cycle.coordinator,
            meeting=meeting,
            guest_name=name,
            guest_organization=organization,
        )
    return services.meeting_mark_held(actor=cycle.coordinator, meeting=meeting)


def report_of(cycle: Cycle, date_from=None, date_to=None, **kw: Any):
    scope = selectors_esf.esf_scope_for_process(actor=cycle.admin, pk=cycle.process.pk)
    date_from = date_from or timezone.localdate() - dt.timedelta(days=60)
    date_to = date_to or timezone.localdate()
    return selectors_esf.esf_report(scope=scope, date_from=date_from, date_to=date_to, **kw)


@dataclass
class Scenario:
    cycle: Cycle
    working_group: Body
    steering: list[Person]
    workers: list[Person]
    meetings: list[Meeting] = field(default_factory=list)


SIDES = [
    Membership.TriadSide.PROVIDER,
    Membership.TriadSide.USER,
    Membership.TriadSide.COMMISSIONER,
    Membership.TriadSide.PUBLIC,
]


def build_scenario(cycle: Cycle) -> Scenario:
    """12 meetings, 57 attendance rows of 31 distinct people (54 present rows).

    Steering group S0–S5 (chair, provider, user, public, coordinator, methodologist): 4
    meetings, 21 present + 1 excused + 1 absent. Working group "Senioři" W0–W19 (five per triad
    side): 6 meetings, 26 present + 1 excused. Two public hearings: S0 and five distinct guests
    in 7 present rows (one guest twice, spelt differently).
    """
    admin = cycle.admin
    seniors = TargetGroupFactory(code="seniori", name="Senioři")
    group = stakeholder_services.body_create(
        actor=admin,
        kind=Body.Kind.WORKING_GROUP,
        name="PS Senioři",
        process=cycle.process,
        target_group=seniors,
    )
    charita = OrganizationFactory(name="Charita Horažďovice")
    town = OrganizationFactory(name="Město Horažďovice", kind="commissioner")
    organisations = [charita, None, town, None]
    workers = []
    for index in range(20):
        person = stakeholder_services.person_create(
            actor=admin,
            first_name=f"Člen{index}",
            last_name="Skupiny",
            email=f"clen{index}@example.cz",
            organization=organisations[index // 5],
        )
        stakeholder_services.membership_create(
            actor=admin,
            person=person,
            body=group,
            triad_side=SIDES[index // 5],
            valid_from=timezone.localdate() - dt.timedelta(days=30),
        )
        workers.append(person)
    keys = ["chair", "provider", "user", "public", "coordinator", "methodologist"]
    steering = [cycle.memberships[k].person for k in keys]
    scenario = Scenario(cycle=cycle, working_group=group, steering=steering, workers=workers)
    sg = cycle.steering_group
    add = scenario.meetings.append
    add(held(cycle, at(25), body=sg, attend=[(p, PRESENT) for p in steering]))
    add(held(cycle, at(20), body=sg, attend=[(p, PRESENT) for p in steering]))
    add(
        held(
            cycle,
            at(15),
            body=sg,
            attend=[*[(p, PRESENT) for p in steering[:5]], (steering[5], "excused")],
        )
    )
    add(
        held(
            cycle,
            at(10),
            body=sg,
            attend=[*[(p, PRESENT) for p in steering[:4]], (steering[4], "absent")],
        )
    )
    for index in range(4):
        chunk = workers[index * 5 : index * 5 + 5]
        add(held(cycle, at(24 - index, 14), body=group, attend=[(p, PRESENT) for p in chunk]))
    add(
        held(
            cycle,
            at(12, 14),
            body=group,
            attend=[*[(p, PRESENT) for p in workers[:5]], (workers[19], "excused")],
        )
    )
    add(held(cycle, at(11, 14), body=group, attend=[(workers[5], PRESENT)]))
    add(
        held(
            cycle,
            at(8, 17),
            attend=[(steering[0], PRESENT)],
            guests=[("Eva Hostová", "Charita Horažďovice"), ("Petr Veselý", "")],
        )
    )
    add(
        held(
            cycle,
            at(5, 17),
            guests=[
                ("  eva   HOSTOVÁ ", "charita horažďovice"),
                ("Karel Novák", "Diakonie"),
                ("Jana Malá", ""),
                ("Marie Nová", "Obec Svéradice"),
            ],
        )
    )
    return scenario


# --- counting ------------------------------------------------------------------------------------


def test_a_scenario_with_known_counts(cycle):
    build_scenario(cycle)
    assert Attendance.objects.count() == 57
    report = report_of(cycle)

    assert report.meetings_held == 12
    assert report.hearings_held == 2
    groups = {g.key: g for g in report.meetings}
    assert (groups["steering_group"].meetings, groups["steering_group"].present) == (4, 21)
    assert (groups["steering_group"].excused, groups["steering_group"].absent) == (1, 1)
    assert (groups["working_group"].meetings, groups["working_group"].present) == (6, 26)
    assert groups["working_group"].excused == 1
    assert (groups["public_hearing"].meetings, groups["public_hearing"].present) == (2, 7)
    assert groups["public_hearing"].guests == 6
    assert report.attendance == {"present": 54, "excused": 2, "absent": 1, "guests": 6}

    people = report.participants
    assert (people.total, people.persons, people.guests) == (31, 26, 5)
    assert people.by_triad == {
        "commissioner": 6,
        "provider": 6,
        "user": 6,
        "public": 6,
        "": 7,  # coordinator, methodologist and the five guests
    }
    assert sum(r.count for r in report.participants_by_triad) == people.total
    assert people.by_target_group == {"seniori": 20, "": 11}
    # Charita (a member's organisation and a guest's, spelt differently), the town, Diakonie,
    # Obec Svéradice
    assert people.organisations == 4


def test_a_person_who_attended_three_meetings_counts_once(cycle):
    chair = cycle.memberships["chair"].person
    for days in (20, 15, 10):
        held(cycle, at(days), body=cycle.steering_group, attend=[(chair, PRESENT)])
    report = report_of(cycle)
    assert report.meetings_held == 3
    assert report.attendance["present"] == 3
    assert report.participants.total == report.participants.persons == 1
    assert report.participants.by_triad == {"commissioner": 1}


def test_guests_are_told_apart_by_name_and_organisation(cycle):
    held(
        cycle,
        at(9),
        guests=[
            ("Eva Hostová", "Charita"),
            ("Eva Hostová", "Diakonie"),  # a namesake from elsewhere
            ("Ondřej Host", ""),
        ],
    )
    held(cycle, at(4), guests=[("EVA  hostová", " charita "), ("Ondřej  Host", "")])
    report = report_of(cycle)
    assert report.attendance["present"] == report.attendance["guests"] == 5
    assert (report.participants.guests, report.participants.persons) == (3, 0)


def test_a_member_whose_triad_side_changed_counts_once_under_the_latest_side(cycle):
    admin = cycle.admin
    group = stakeholder_services.body_create(
        actor=admin,
        kind=Body.Kind.WORKING_GROUP,
        name="PS Rodiny",
        process=cycle.process,
        target_group=TargetGroupFactory(code="rodiny", name="Rodiny s dětmi"),
    )
    person = stakeholder_services.person_create(actor=admin, first_name="Iva", last_name="Změnová")
    today = timezone.localdate()
    first = stakeholder_services.membership_create(
        actor=admin,
        person=person,
        body=group,
        triad_side=Membership.TriadSide.PROVIDER,
        valid_from=today - dt.timedelta(days=40),
    )
    early = held(cycle, at(20), body=group, attend=[(person, PRESENT)])
    # a provider's employee who became a service user
    stakeholder_services.membership_end(
        actor=admin, membership=first, reason="Změna role", ended_on=today - dt.timedelta(days=15)
    )
    stakeholder_services.membership_create(
        actor=admin,
        person=person,
        body=group,
        triad_side=Membership.TriadSide.USER,
        valid_from=today - dt.timedelta(days=14),
    )
    late = held(cycle, at(5), body=group, attend=[(person, PRESENT)])
    assert early.attendances.get().triad_side == "provider"
    assert late.attendances.get().triad_side == "user"

    report = report_of(cycle)
    assert report.participants.total == 1
    assert report.participants.by_triad == {"user": 1}
    assert report.participants.by_target_group == {"rodiny": 1}
    # a period that ends before the change sees the earlier side
    earlier = report_of(cycle, date_to=timezone.localdate() - dt.timedelta(days=10))
    assert earlier.participants.by_triad == {"provider": 1}


def test_only_present_people_at_held_meetings_count(cycle):
    chair = cycle.memberships["chair"].person
    provider = cycle.memberships["provider"].person
    held(cycle, at(10), body=cycle.steering_group, attend=[(provider, "excused")])
    planned = services.meeting_create(
        actor=cycle.coordinator,
        kind=Meeting.Kind.BODY_MEETING,
        title="Neuskutečněné jednání",
        starts_at=at(3),
        body=cycle.steering_group,
    )
    services.attendance_record(actor=cycle.coordinator, meeting=planned, person=chair)
    report = report_of(cycle)
    assert report.meetings_held == 1
    assert report.participants.total == 0
    assert report.attendance == {"present": 0, "excused": 1, "absent": 0, "guests": 0}


def test_period_boundaries_are_days_in_prague(cycle, settings):
    """A meeting at 23:30 on the last day counts in that period, one at 00:15 the next day does
    not (on the day summer time begins, when Prague is two hours ahead of UTC)."""
    late_evening = dt.datetime(2024, 3, 31, 23, 30, tzinfo=PRAGUE)
    after_midnight = dt.datetime(2024, 4, 1, 0, 15, tzinfo=PRAGUE)
    assert late_evening.astimezone(dt.UTC).date() == dt.date(2024, 3, 31)
    assert after_midnight.astimezone(dt.UTC).date() == dt.date(2024, 3, 31)
    held(cycle, late_evening, guests=[("Anna Večerní", "")])
    held(cycle, after_midnight, guests=[("Bohdan Noční", "")])
    march = report_of(cycle, dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    april = report_of(cycle, dt.date(2024, 4, 1), dt.date(2024, 4, 30))
    assert (march.meetings_held, march.participants.total) == (1, 1)
    assert (april.meetings_held, april.participants.total) == (1, 1)
    assert {a.date for a in march.annex} == {dt.date(2024, 3, 31)}
    assert {a.date for a in april.annex} == {dt.date(2024, 4, 1)}


def test_a_project_report_covers_its_processes_and_counts_people_once(superuser):
    project = EsfProjectFactory(
        starts_on=timezone.localdate() - dt.timedelta(days=365),
        ends_on=timezone.localdate() + dt.timedelta(days=365),
    )
    first = build_cycle(superuser)
    second = build_cycle(superuser, code="3214", name="ORP Sušice")
    PlanningProcess.objects.filter(pk__in=[first.process.pk, second.process.pk]).update(
        esf_project=project
    )
    outside = build_cycle(superuser, code="3210", name="ORP Klatovy")
    chair = first.memberships["chair"].person
    held(first, at(10), body=first.steering_group, attend=[(chair, PRESENT)])
    # the same person attends a hearing of the second process; a hearing outside the project
    held(second, at(8), attend=[(chair, PRESENT)], guests=[("Eva Hostová", "")])
    held(outside, at(8), guests=[("Cizí Host", "")])

    scope = selectors_esf.esf_scope_for_project(actor=superuser, pk=project.pk)
    assert set(scope.process_ids) == {first.process.pk, second.process.pk}
    start, end = selectors_esf.esf_default_period(scope)
    assert (start, end) == (project.starts_on, project.ends_on)
    report = selectors_esf.esf_report(scope=scope, date_from=start, date_to=end)
    assert report.meetings_held == 2
    assert (report.participants.persons, report.participants.guests) == (1, 1)


# --- documents, comments, resolutions, indicators ---------------------------------------------


def _consultation_with_comments(cycle: Cycle, version) -> Any:
    today = timezone.localdate()
    consultation = services.consultation_schedule(
        actor=cycle.coordinator,
        process=cycle.process,
        document_version=version,
        title="Připomínkování návrhu plánu",
        opens=today - dt.timedelta(days=50),
        closes=today - dt.timedelta(days=15),
    )
    on_time = services.comment_enter(
        actor=cycle.coordinator,
        consultation=consultation,
        channel="email",
        received=today - dt.timedelta(days=30),
        text="Doplnit terénní službu.",
        name="Eva Připomínková",
        email="eva@example.cz",
    )
    late = services.comment_enter(
        actor=cycle.coordinator,
        consultation=consultation,
        channel="paper",
        received=today - dt.timedelta(days=5),
        text="Překlep v kapitole 2.",
    )
    services.comment_settle(
        actor=cycle.coordinator, comment=on_time, comment_type="formal", decision="accepted"
    )
    services.comment_settle(
        actor=cycle.coordinator,
        comment=late,
        comment_type="formal",
        decision="not_accepted",
        justification="Text byl mezitím přepracován.",
    )
    services.comment_enter(
        actor=cycle.coordinator,
        consultation=consultation,
        channel="email",
        received=today - dt.timedelta(days=2),
        text="Ještě jedna poznámka.",
        email="eva@example.cz",
    )
    return consultation


def _council_resolution(cycle: Cycle, version) -> Any:
    from tests.workflow.test_resolutions import build_council, record

    council = build_council(cycle)
    return record(
        council.secretary,
        council.board,
        process=cycle.process,
        adopted_on=timezone.localdate() - dt.timedelta(days=3),
        title="Komunitní plán – doporučení",
    )


def _annex_documents(cycle: Cycle, meeting: Meeting) -> tuple[Any, Any]:
    """The signed attendance list and the minutes of a meeting, as document versions."""
    from stakeholders.services import record_save

    scan_document = make_document(cycle, kind="attendance_list", title="Prezenční listina ŘS")
    scan = upload(cycle, scan_document, docx_bytes(["Podpisy"]), filename="listina.docx")
    minutes_document = make_document(cycle, kind="minutes", title="Zápis z jednání ŘS")
    minutes = upload(cycle, minutes_document, docx_bytes(["Zápis"]), filename="zapis.docx")
    meeting.attendance_scan = scan
    meeting.minutes_version = minutes
    record_save(meeting, actor=cycle.coordinator, reason="Přílohy jednání")
    return scan, minutes


@pytest.fixture
def full(cycle):
    """The known scenario plus a published plan, a consultation, a resolution and the annex."""
    scenario = build_scenario(cycle)
    plan = make_document(cycle)
    version = submit_approve_publish(
        cycle, upload(cycle, plan, docx_bytes(["Komunitní plán 2023–2025"]))
    )
    _consultation_with_comments(cycle, version)
    resolution = _council_resolution(cycle, version)
    scan, minutes = _annex_documents(cycle, scenario.meetings[0])
    indicator_seed_defaults()
    IndicatorDefinition.objects.filter(code="6 00 00").update(target_value=Decimal(40))
    return {
        "scenario": scenario,
        "plan": version,
        "resolution": resolution,
        "scan": scan,
        "minutes": minutes,
    }


def test_documents_comments_resolutions_and_the_indicator_table(cycle, full):
    report = report_of(cycle)
    plan = next(d for d in report.documents if d.kind == "community_plan")
    assert (plan.versions_created, plan.documents_approved, plan.documents_published) == (1, 1, 1)
    assert {d.kind for d in report.documents} >= {"attendance_list", "minutes"}

    assert report.comments == {"received": 3, "late": 2, "settled": 2, "unsettled": 1}
    by_decision = {r.key: r.count for r in report.comments_by_decision}
    assert by_decision == {
        "accepted": 1,
        "partially_accepted": 0,
        "not_accepted": 1,
        "noted": 0,
    }
    (consultation,) = report.consultations
    assert (consultation.received, consultation.late, consultation.settled) == (3, 2, 2)

    assert [r.number for r in report.resolutions] == [full["resolution"].number]
    assert report.resolutions_adopted == 1

    indicators = {i.code: i for i in report.indicators}
    assert set(indicators) == {d["code"] for d in DEFAULT_INDICATORS}
    assert all(i.to_verify for i in report.indicators)
    assert (indicators["6 00 00"].value, indicators["6 00 00"].target) == (31, Decimal(40))
    assert indicators["6 00 00"].percent == Decimal("77.5")
    assert indicators["8 05 00"].value == 1  # the plan; minutes and attendance lists are not
    assert indicators["5 40 00"].value == 4
    assert indicators["6 70 01"].value is None and indicators["6 70 01"].percent is None

    annex = {(a.meeting_id, a.kind): a for a in report.annex}
    first = full["scenario"].meetings[0]
    assert annex[(first.pk, "attendance_list")].sha256 == full["scan"].sha256
    assert annex[(first.pk, "minutes")].version_number == full["minutes"].number
    missing = [a for a in report.annex if a.kind == "attendance_list" and a.is_missing]
    assert len(missing) == 11


def test_indicators_with_parameters_and_a_projects_own_definition(cycle, full):
    project = EsfProjectFactory()
    PlanningProcess.objects.filter(pk=cycle.process.pk).update(esf_project=project)
    C = IndicatorDefinition.Computation
    IndicatorDefinition.objects.create(
        esf_project=project,
        code="6 00 00",
        name="Účastníci (jen evidované osoby)",
        computation=C.UNIQUE_PARTICIPANTS,
        params={"include_guests": False},
        target_value=26,
    )
    rows = [
        ("P1", C.UNIQUE_PARTICIPANTS_BY_TRIAD, {"triad_side": "provider"}, 6),
        ("P2", C.UNIQUE_PARTICIPANTS_BY_TARGET_GROUP, {"target_group": "seniori"}, 20),
        ("P3", C.MEETINGS_HELD, {"body_kinds": ["working_group"]}, 6),
        ("P4", C.HEARINGS_HELD, {}, 2),
        ("P5", C.ATTENDANCE_PRESENT, {"include_guests": False}, 48),
        ("P6", C.COMMENTS_SETTLED, {"decisions": ["accepted"]}, 1),
        ("P7", C.COMMENTS_LATE, {}, 2),
        ("P8", C.RESOLUTIONS_ADOPTED, {"body_kinds": ["assembly"]}, 0),
        ("P9", C.DOCUMENTS_APPROVED, {"kinds": ["community_plan"]}, 1),
        ("P10", C.CONSULTATIONS_OPENED, {}, 1),
    ]
    for code, computation, params, _expected in rows:
        IndicatorDefinition.objects.create(
            code=code, name=code, computation=computation, params=params
        )
    report = report_of(cycle)
    values = {i.code: i for i in report.indicators}
    assert values["6 00 00"].name == "Účastníci (jen evidované osoby)"
    assert (values["6 00 00"].value, values["6 00 00"].percent) == (26, Decimal("100.0"))
    for code, _computation, _params, expected in rows:
        assert values[code].value == expected, code


def test_indicator_parameters_are_checked():
    C = IndicatorDefinition.Computation
    problems = IndicatorDefinition.parameter_problems
    assert problems(C.UNIQUE_PARTICIPANTS, {}) == []
    assert problems(C.UNIQUE_PARTICIPANTS_BY_TRIAD, {}) != []
    assert problems(C.MEETINGS_HELD, {"body_kinds": "working_group"}) != []
    assert problems(C.HEARINGS_HELD, {"oops": 1}) != []
    assert problems(C.UNIQUE_PARTICIPANTS, {"include_guests": "no"}) != []


def test_seeding_the_default_indicators_is_idempotent():
    # The data migration seeded them; start from an empty table to see the service do it.
    assert IndicatorDefinition.objects.count() == len(DEFAULT_INDICATORS)
    IndicatorDefinition.objects.all().delete()
    IndicatorDefinition.history.all().delete()
    assert indicator_seed_defaults() == len(DEFAULT_INDICATORS)
    edited = IndicatorDefinition.objects.get(code="8 05 00")
    edited.target_value = Decimal(3)
    edited.save()
    assert indicator_seed_defaults() == 0
    assert IndicatorDefinition.objects.count() == len(DEFAULT_INDICATORS)
    assert IndicatorDefinition.objects.get(code="8 05 00").target_value == Decimal(3)
    assert all(d.to_verify and d.esf_project_id is None for d in IndicatorDefinition.objects.all())
    assert IndicatorDefinition.history.filter(history_type="+").count() == len(DEFAULT_INDICATORS)


def test_the_report_reads_a_fixed_number_of_queries(cycle):
    indicator_seed_defaults()
    chair = cycle.memberships["chair"].person

    def grow(meetings: int, guests: int) -> int:
        for index in range(meetings):
            held(
                cycle,
                at(20 - index, 9 + index % 8),
                body=cycle.steering_group if index % 2 else None,
                attend=[(chair, PRESENT)] if index % 2 else [],
                guests=[(f"Host {index}-{n}", "") for n in range(guests)],
            )
        scope = selectors_esf.esf_scope_for_process(actor=cycle.admin, pk=cycle.process.pk)
        with CaptureQueriesContext(connection) as queries:
            selectors_esf.esf_report(
                scope=scope,
                date_from=timezone.localdate() - dt.timedelta(days=30),
                date_to=timezone.localdate(),
            )
        return len(queries)

    small = grow(2, 1)
    large = grow(10, 6)
    assert small == large <= 8


# --- exports ----------------------------------------------------------------------------------


def _export(cycle: Cycle, fmt: str):
    scope = selectors_esf.esf_scope_for_process(actor=cycle.coordinator, pk=cycle.process.pk)
    return esf_report_export(
        actor=cycle.coordinator,
        scope=scope,
        date_from=timezone.localdate() - dt.timedelta(days=60),
        date_to=timezone.localdate(),
        fmt=fmt,
    )


def test_xlsx_reads_back(cycle, full):
    export = _export(cycle, "xlsx")
    assert export.filename.endswith(".xlsx") and export.size == len(export.content)
    workbook = openpyxl.load_workbook(io.BytesIO(export.content))
    summary, meetings, participants, documents, _cons, _res, indicators, annex = workbook.worksheets
    values = {row[0]: row[2] for row in summary.iter_rows(min_row=2, values_only=True)}
    assert values["participants"] == 31 and values["meetings_held"] == 12
    assert values["date_to"].date() == timezone.localdate()
    meeting_rows = {row[0]: row for row in meetings.iter_rows(min_row=2, values_only=True)}
    assert meeting_rows["steering_group"][2:] == (4, 21, 1, 1, 0)
    assert meeting_rows["total"][2:] == (12, 54, 2, 1, 6)
    people = {row[0]: row[2] for row in participants.iter_rows(min_row=2, values_only=True)}
    assert people["triad_side/provider"] == 6 and people["target_group/seniori"] == 20
    plan = next(
        r for r in documents.iter_rows(min_row=2, values_only=True) if r[0] == "community_plan"
    )
    assert plan[-1] == 1
    table = {row[0]: row for row in indicators.iter_rows(min_row=2, values_only=True)}
    assert table["6 00 00"][4:7] == (31, 40, 77.5)
    first = full["scenario"].meetings[0].pk
    annex_rows = {row[0]: row for row in annex.iter_rows(min_row=2, values_only=True)}
    assert annex_rows[f"{first}/attendance_list"][-1] == full["scan"].sha256
    assert annex_rows[f"{first}/minutes"][-2] == full["minutes"].number


def test_csv_reads_back(cycle, full):
    export = _export(cycle, "csv")
    text = export.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["section", "key", "label", "metric", "value"]
    figures = {(r[0], r[1], r[3]): r[4] for r in rows[1:]}
    assert figures[("summary", "participants", "value")] == "31"
    assert figures[("meetings", "public_hearing", "guests")] == "6"
    assert figures[("participants", "triad_side/", "count")] == "7"
    assert figures[("indicators", "6 00 00", "percent")] == "77.5"
    assert figures[("indicators", "6 70 01", "value")] == ""
    assert figures[("resolutions", full["resolution"].number, "adopted_on")] == (
        full["resolution"].adopted_on.isoformat()
    )
    first = full["scenario"].meetings[0].pk
    assert figures[("annex", f"{first}/attendance_list", "sha256")] == full["scan"].sha256


def test_docx_reads_back(cycle, full):
    export = _export(cycle, "docx")
    document = docx.Document(io.BytesIO(export.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert "Podklad pro zprávu o realizaci projektu ESF" in text
    assert "Jedineční účastníci (každá osoba započtena jednou): 31" in text
    assert "{{" not in text and "{%" not in text
    indicator = next(r for r in cells if r[0] == "6 00 00")
    assert indicator[3:6] == ["31", "40", "77,5 %"]
    assert any(full["scan"].sha256 in row for row in cells)
    assert any(full["minutes"].sha256 in row for row in cells)
    assert any("CHYBÍ" in row for row in cells)  # meetings without a signed list


def test_unknown_format_and_outsiders_are_refused(cycle, other_cycle):
    scope = selectors_esf.esf_scope_for_process(actor=cycle.coordinator, pk=cycle.process.pk)
    kwargs = {"scope": scope, "date_from": dt.date(2024, 1, 1), "date_to": dt.date(2024, 12, 31)}
    from stakeholders.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed):
        esf_report_export(actor=cycle.coordinator, fmt="pdf", **kwargs)
    with pytest.raises(PermissionDenied):
        esf_report_export(actor=other_cycle.coordinator, fmt="csv", **kwargs)


# --- who may read it ----------------------------------------------------------------------------


def _auditor(cycle: Cycle) -> Any:
    from tests.factories import UserFactory

    body = stakeholder_services.body_create(
        actor=cycle.admin, kind=Body.Kind.AUDIT, name="Kontrola ESF", process=cycle.process
    )
    user = UserFactory(username="auditor")
    person = stakeholder_services.person_create(
        actor=cycle.admin, first_name="Alena", last_name="Kontrolorová", user=user
    )
    stakeholder_services.membership_create(
        actor=cycle.admin, person=person, body=body, role=Membership.Role.AUDITOR
    )
    return user


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 200),
        ("methodologist", 200),
        ("chair", 200),
        ("provider", 200),
        ("auditor", 200),
        ("observer", 403),
        ("working_group_member", 403),
        ("other_territory", 404),
    ],
)
def test_who_may_read_the_process_report(client, cycle, other_cycle, who, status):
    if who == "auditor":
        user = _auditor(cycle)
    elif who == "working_group_member":
        from tests.factories import UserFactory

        group = stakeholder_services.body_create(
            actor=cycle.admin,
            kind=Body.Kind.WORKING_GROUP,
            name="PS Senioři",
            process=cycle.process,
            target_group=TargetGroupFactory(code="seniori"),
        )
        user = UserFactory(username="clen-ps")
        person = stakeholder_services.person_create(
            actor=cycle.admin, first_name="Petr", last_name="Člen", user=user
        )
        stakeholder_services.membership_create(actor=cycle.admin, person=person, body=group)
    elif who == "other_territory":
        user = other_cycle.coordinator
    else:
        user = cycle.users[who]
    client.force_login(user)
    page = client.get(reverse("esf:process_report", args=[cycle.process.pk]))
    assert page.status_code == status
    download = client.get(reverse("esf:process_export", args=[cycle.process.pk, "csv"]))
    assert download.status_code == status
    if status == 200:
        assert download["Content-Disposition"].startswith("attachment;")


def test_the_page_shows_the_report_and_the_downloads(client, cycle, full):
    client.force_login(cycle.coordinator)
    today = timezone.localdate()
    url = reverse("esf:process_report", args=[cycle.process.pk])
    query = {"date_from": (today - dt.timedelta(days=60)).isoformat(), "date_to": today.isoformat()}
    page = client.get(url, query)
    assert page.status_code == 200
    body = page.content.decode()
    assert "6 00 00" in body and full["scan"].sha256 in body
    for fmt in ("xlsx", "csv", "docx"):
        assert reverse("esf:process_export", args=[cycle.process.pk, fmt]) in body
    response = client.get(reverse("esf:process_export", args=[cycle.process.pk, "xlsx"]), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.worksheets[0]["C10"].value == 31  # the summary's unique participants
    bad = client.get(url, {"date_from": "2024-05-01", "date_to": "2024-04-01"})
    assert bad.status_code == 400
    assert (
        client.get(reverse("esf:process_export", args=[cycle.process.pk, "pdf"])).status_code == 400
    )


def test_the_project_page(client, superuser, cycle, other_cycle):
    project = EsfProjectFactory()
    PlanningProcess.objects.filter(pk__in=[cycle.process.pk, other_cycle.process.pk]).update(
        esf_project=project
    )
    url = reverse("esf:project_report", args=[project.pk])
    client.force_login(superuser)
    assert client.get(url).status_code == 200
    # the coordinator of one of the two processes may not read the whole project's figures
    client.force_login(cycle.coordinator)
    assert client.get(url).status_code == 403
    with pytest.raises(PermissionDenied):
        selectors_esf.esf_scope_for_project(actor=cycle.coordinator, pk=project.pk)
    # someone who sees neither process does not learn that the project exists
    third = build_cycle(superuser, code="3210", name="ORP Klatovy")
    client.force_login(third.coordinator)
    assert client.get(url).status_code == 404
    assert client.get(reverse("esf:project_report", args=[999999])).status_code == 404
    with pytest.raises(NotFound):
        selectors_esf.esf_scope_for_project(actor=third.coordinator, pk=project.pk)
    # with a single process the coordinator reads the project report
    PlanningProcess.objects.filter(pk=other_cycle.process.pk).update(esf_project=None)
    client.force_login(cycle.coordinator)
    assert client.get(url).status_code == 200
    assert client.get(reverse("esf:project_export", args=[project.pk, "docx"])).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, cycle):
    response = client.get(reverse("esf:process_report", args=[cycle.process.pk]))
    assert response.status_code == 302


def test_default_period_is_the_whole_project(cycle):
    scope = selectors_esf.esf_scope_for_process(actor=cycle.coordinator, pk=cycle.process.pk)
    assert selectors_esf.esf_default_period(scope) == (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    assert esf_services.FORMATS.keys() == {"xlsx", "csv", "docx"}
