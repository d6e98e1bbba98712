"""The ESF report of a whole planning cycle, beside one ``COUNT(*)`` over its attendance table.

A cycle funded by an ESF project is built at two sizes, each in its own scratch database:

* small: 20 meetings, 500 attendance rows, 200 comments;
* full (the acceptance size of issue 7): 200 meetings, 5,000 attendance rows, 2,000 comments.

The cycle has a steering group and four working groups (each with its target group), about a
tenth of the meetings are public hearings, members attend under their triad side and guests
come back under slightly different spellings; two public consultations receive the comments,
a tenth of them late, most settled; documents have draft, approved, published and superseded
versions; the steering group records resolutions. The data are bulk-created (the benchmark
reads them; it does not measure building them), so they have no history rows.

Timed, alternately and as medians of several runs (lower is faster):

* baseline: ``SELECT COUNT(*) FROM workflow_attendance`` on the same connection;
* ``workflow.selectors_esf.esf_report`` for the whole cycle (what the ESF page and every export
  build first);
* the same report rendered as XLSX and as CSV (``workflow.services.esf.report_xlsx`` /
  ``report_csv``, i.e. ``esf_report_export`` without its audit event).

Printed for each size: the medians, the ratio to the baseline, and the queries of one report.
The report's target is under 1 s at the full size with the same query count at both sizes;
the figures are printed, never asserted.

Run: ``python -m benchmarks.bench_esf`` (or ``make bench``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import statistics
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.harness import setup_django, throwaway_database

REPEATS = 7
TARGET_SECONDS = 1.0
PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")


@dataclass(frozen=True)
class Size:
    label: str
    meetings: int
    attendance: int
    comments: int


SIZES = (Size("small", 20, 500, 200), Size("full", 200, 5000, 2000))

TARGET_GROUPS = (
    ("seniori", "Senioři"),
    ("zdravotne-postizeni", "Osoby se zdravotním postižením"),
    ("rodiny-s-detmi", "Rodiny s dětmi"),
    ("ohrozeni-vyloucenim", "Osoby ohrožené sociálním vyloučením"),
)
FIRST_NAMES = (
    "Jana", "Petr", "Marie", "Jan", "Eva", "Josef", "Hana", "Pavel", "Lenka", "Martin",
    "Alena", "Tomáš", "Věra", "Jiří", "Lucie", "Karel", "Zdeňka", "Ondřej", "Ivana", "Lukáš",
)  # fmt: skip
LAST_NAMES = (
    "Nováková", "Svoboda", "Dvořáková", "Černý", "Procházková", "Kučera", "Veselá", "Horák",
    "Němcová", "Marek", "Pospíšilová", "Hájek", "Jelínková", "Král", "Růžičková", "Beneš",
    "Fialová", "Sedláček", "Doležalová", "Zeman",
)  # fmt: skip
ORGANISATIONS = (
    ("commissioner", "Město Horažďovice"),
    ("commissioner", "Obec Svéradice"),
    ("provider", "Charita Horažďovice"),
    ("provider", "Diakonie ČCE – středisko Sušice"),
    ("provider", "Domov pro seniory Horažďovice, p. o."),
    ("provider", "Centrum pro zdravotně postižené Plzeňského kraje, z. s."),
    ("provider", "Člověk v tísni, o. p. s."),
    ("user_org", "Klub seniorů Horažďovice, z. s."),
    ("user_org", "Spolek rodičů dětí s autismem"),
    ("ngo", "Rodinné centrum Beruška, z. s."),
)
SIDES = ("commissioner", "provider", "user", "public")
STEERING_SEATS, WORKING_GROUP_SEATS = 20, 40
ROWS_PER_MEETING_GUESTS = 3  # guests per body meeting; hearings are mostly guests


# --- the scenario -----------------------------------------------------------------------------


def build_cycle(size: Size) -> Any:
    """The process of one ESF project with ``size``'s meetings, attendance and comments."""
    from django.contrib.auth import get_user_model

    from documents.models import Document, DocumentVersion
    from stakeholders import services as stakeholder_services
    from stakeholders.models import Body, EsfProject, Membership, Organization, Person, Territory
    from workflow.models import (
        Attendance,
        Comment,
        ConsultationPeriod,
        Decision,
        Meeting,
        PlanningProcess,
        Resolution,
    )
    from workflow.services import process_create
    from workflow.services.esf import indicator_seed_defaults

    rng = random.Random(f"bench-esf-{size.label}")
    admin = get_user_model().objects.create_superuser("bench-admin", "a@example.cz", "bench-pass")
    territory = stakeholder_services.territory_create(
        actor=admin, kind=Territory.Kind.ORP, code="3203", name="ORP Horažďovice"
    )
    organisations = Organization.objects.bulk_create(
        Organization(kind=kind, name=name) for kind, name in ORGANISATIONS
    )
    project = EsfProject.objects.create(
        programme=EsfProject.Programme.OPZ_PLUS,
        call="03_22_004",
        registration_number="CZ.03.02.01/00/22_004/0001234",
        name="Plánování sociálních služeb na Horažďovicku",
        starts_on=dt.date(2023, 1, 1),
        ends_on=dt.date(2025, 12, 31),
        retention_until=dt.date(2035, 12, 31),
        beneficiary=organisations[0],
    )
    process = process_create(
        actor=admin,
        territory=territory,
        title="Komunitní plán sociálních služeb ORP Horažďovice 2023–2025",
        period_start_year=2023,
        period_end_year=2025,
    )
    PlanningProcess.objects.filter(pk=process.pk).update(esf_project=project)
    indicator_seed_defaults()

    groups = [
        stakeholder_services.target_group_create(actor=admin, code=code, name=name, order=n)
        for n, (code, name) in enumerate(TARGET_GROUPS)
    ]
    steering = stakeholder_services.body_create(
        actor=admin, kind=Body.Kind.STEERING_GROUP, name="Řídící skupina", process=process
    )
    working = [
        stakeholder_services.body_create(
            actor=admin,
            kind=Body.Kind.WORKING_GROUP,
            name=f"PS {group.name}",
            process=process,
            target_group=group,
        )
        for group in groups
    ]
    bodies = [steering, *working]
    seats = STEERING_SEATS + WORKING_GROUP_SEATS * len(working)
    people = Person.objects.bulk_create(
        Person(
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=f"{LAST_NAMES[n // len(FIRST_NAMES) % len(LAST_NAMES)]}",
            email=f"osoba{n}@example.cz",
            organization=organisations[n % len(organisations)],
        )
        for n in range(seats + 60)  # 60 people who come to hearings without a seat
    )
    appointed = dt.date(2022, 12, 1)
    members: dict[int, list[Membership]] = {}
    start = 0
    for body in bodies:
        count = STEERING_SEATS if body is steering else WORKING_GROUP_SEATS
        members[body.pk] = Membership.objects.bulk_create(
            Membership(
                person=person,
                body=body,
                role=Membership.Role.CHAIR if n == 0 else Membership.Role.MEMBER,
                triad_side=SIDES[n % len(SIDES)],
                valid_from=appointed,
            )
            for n, person in enumerate(people[start : start + count])
        )
        start += count
    public = people[seats:]
    guests = [
        (f"{FIRST_NAMES[n % 20]} {LAST_NAMES[(n * 7) % 20]}", ORGANISATIONS[n % 10][1])
        for n in range(150)
    ]

    # Meetings: every tenth a public hearing, the rest rotate over the bodies.
    first_day = dt.datetime(2023, 1, 16, 15, 0, tzinfo=PRAGUE)
    span = (dt.datetime(2025, 12, 10, tzinfo=PRAGUE) - first_day) / size.meetings
    states = (Meeting.State.MINUTES_PUBLISHED, Meeting.State.MINUTES_APPROVED, Meeting.State.HELD)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            kind=Meeting.Kind.PUBLIC_HEARING if n % 10 == 9 else Meeting.Kind.BODY_MEETING,
            body=None if n % 10 == 9 else bodies[n % len(bodies)],
            process=process,
            title=(
                "Veřejné projednání návrhu plánu"
                if n % 10 == 9
                else f"{bodies[n % len(bodies)].name}: {n // len(bodies) + 1}. jednání"
            ),
            starts_at=first_day + span * n,
            place="Městský úřad Horažďovice, zasedací místnost",
            state=states[0] if n < size.meetings * 0.8 else states[n % 3],
            held_at=first_day + span * n + dt.timedelta(hours=2),
        )
        for n in range(size.meetings)
    )

    # Attendance: the same number of rows at every meeting (the remainder at the first ones).
    per_meeting, extra = divmod(size.attendance, size.meetings)
    statuses = ["present"] * 17 + ["excused"] * 2 + ["absent"]
    rows: list[Attendance] = []
    for n, meeting in enumerate(meetings):
        wanted = per_meeting + (1 if n < extra else 0)
        if meeting.body_id is None:
            attendees = rng.sample(public, min(wanted // 2, len(public)))
            seated: list[tuple[Person, Membership | None]] = [(p, None) for p in attendees]
        else:
            body_members = members[meeting.body_id]
            seats_taken = min(wanted - ROWS_PER_MEETING_GUESTS, len(body_members))
            chosen = rng.sample(body_members, seats_taken)
            seated = [(m.person, m) for m in chosen]
        target_group = (
            next(b.target_group for b in bodies if b.pk == meeting.body_id)
            if meeting.body_id
            else None
        )
        for person, membership in seated:
            rows.append(
                Attendance(
                    meeting=meeting,
                    person=person,
                    membership=membership,
                    status=rng.choice(statuses),
                    triad_side=membership.triad_side if membership else rng.choice(SIDES),
                    target_group=target_group,
                    is_voting_member=membership is not None,
                    is_signed=True,
                )
            )
        for _ in range(wanted - len(seated)):
            name, organisation = rng.choice(guests)
            if rng.random() < 0.2:  # written down differently at another meeting
                name = f"  {name.upper()} "
            rows.append(
                Attendance(
                    meeting=meeting,
                    guest_name=name,
                    guest_organization=organisation,
                    status="present",
                    target_group=target_group,
                    is_signed=True,
                )
            )
    Attendance.objects.bulk_create(rows, batch_size=1000)

    # Documents: analyses and plans with superseded, published, approved and draft versions.
    decision = Decision(
        process=process,
        body=steering,
        subject=Decision.Subject.OTHER,
        title="Schválení dokumentů",
        mode=Decision.Mode.MEETING,
        status=Decision.Status.ADOPTED,
        held_at=first_day,
        closed_at=first_day,
    )
    decision.save()
    kinds = [
        Document.Kind.SOCIO_DEMOGRAPHIC_ANALYSIS,
        Document.Kind.PROVIDER_ANALYSIS,
        Document.Kind.USER_NEEDS_SURVEY,
        Document.Kind.SWOT,
        Document.Kind.COMMUNITY_PLAN,
        Document.Kind.ACTION_PLAN,
        Document.Kind.MINUTES,
        Document.Kind.OTHER,
    ]
    documents = Document.objects.bulk_create(
        Document(process=process, kind=kind, title=f"{Document.Kind(kind).label} {n + 1}")
        for n, kind in enumerate(kinds * max(1, size.meetings // 40))
    )
    versions = []
    for n, document in enumerate(documents):
        moment = first_day + span * (n * size.meetings // max(1, len(documents)))
        common = {
            "document": document,
            "file": f"bench/{document.pk}.docx",
            "size": 20_000,
            "content_type": "application/vnd.openxmlformats-officedocument."
            "wordprocessingml.document",
            "created_at": moment,
        }

        def checksum(number: int, document: Any = document) -> str:
            return hashlib.sha256(f"{document.pk}-{number}".encode()).hexdigest()

        approved = {
            "submitted_at": moment,
            "approved_at": moment + dt.timedelta(days=7),
            "approved_by_decision": decision,
        }
        versions += [
            DocumentVersion(
                number=1,
                sha256=checksum(1),
                status=DocumentVersion.Status.SUPERSEDED,
                published_at=moment + dt.timedelta(days=8),
                superseded_at=moment + dt.timedelta(days=60),
                **approved,
                **common,
            ),
            DocumentVersion(
                number=2,
                sha256=checksum(2),
                status=DocumentVersion.Status.PUBLISHED,
                published_at=moment + dt.timedelta(days=68),
                **{**approved, "approved_at": moment + dt.timedelta(days=67)},
                **common,
            ),
            DocumentVersion(number=3, sha256=checksum(3), **common),
        ]
    DocumentVersion.objects.bulk_create(versions)
    plan_version = DocumentVersion.objects.filter(
        document__kind=Document.Kind.COMMUNITY_PLAN, status=DocumentVersion.Status.PUBLISHED
    ).first()

    # Two consultations share the comments; a tenth are late, seven in ten are settled.
    consultations = ConsultationPeriod.objects.bulk_create(
        ConsultationPeriod(
            process=process,
            document_version=plan_version,
            title=title,
            opens_at=opens,
            closes_at=opens + dt.timedelta(days=30),
            status=ConsultationPeriod.Status.SETTLED,
            settled_at=opens + dt.timedelta(days=60),
            contact_email="kpss@horazdovice.cz",
        )
        for title, opens in (
            ("Připomínky k návrhu komunitního plánu", dt.datetime(2024, 3, 1, tzinfo=PRAGUE)),
            ("Připomínky k akčnímu plánu", dt.datetime(2025, 3, 1, tzinfo=PRAGUE)),
        )
    )
    decisions = ["accepted", "partially_accepted", "not_accepted", "noted"]
    comments = []
    for n in range(size.comments):
        consultation = consultations[n % 2]
        number = n // 2 + 1
        late = n % 10 == 0
        received = consultation.opens_at + dt.timedelta(
            minutes=rng.randrange(30 * 24 * 60) if not late else 31 * 24 * 60 + n
        )
        decided = n % 10 < 7
        decision_value = decisions[n % 4] if decided else ""
        name = f"{FIRST_NAMES[n % 20]} {LAST_NAMES[(n * 3) % 20]}"
        comments.append(
            Comment(
                consultation=consultation,
                number=number,
                receipt_number=f"KP-{consultation.opens_at:%Y}-{number:05d}",
                channel=("email", "paper", "hearing")[n % 3],
                received_at=received,
                is_late=late,
                submitter_name=name,
                submitter_email=f"pripominka{n % 400}@example.cz" if n % 3 == 0 else "",
                text="Navrhuji doplnit kapacitu odlehčovací služby pro seniory. " * 3,
                comment_type="substantive" if decided else "",
                decision=decision_value,
                justification="" if decision_value in ("", "accepted") else "Viz vypořádání.",
                decided_at=received + dt.timedelta(days=20) if decided else None,
            )
        )
    Comment.objects.bulk_create(comments, batch_size=1000)

    # Resolutions of the steering group, one at every fifth of its meetings.
    own = [m for m in meetings if m.body_id == steering.pk]
    Resolution.objects.bulk_create(
        Resolution(
            body=steering,
            meeting=meeting,
            process=process,
            number=f"{n + 1}/RS/{meeting.starts_at:%Y}",
            adopted_on=meeting.starts_at.date(),
            title="ŘS schvaluje průběžnou zprávu o realizaci",
            members_total=STEERING_SEATS,
            present=15,
            votes_for=14,
            votes_against=0,
            votes_abstained=1,
            outcome=Resolution.Outcome.ADOPTED,
        )
        for n, meeting in enumerate(own[::5] or own[:1])
    )
    return admin, process


# --- timing -------------------------------------------------------------------------------------


def timed(operation: Callable[[], object]) -> float:
    start = time.perf_counter()
    operation()
    return time.perf_counter() - start


@dataclass
class Result:
    size: Size
    vendor: str
    attendance_rows: int
    baseline: list[float]
    report: list[float]
    xlsx: list[float]
    csv: list[float]
    report_queries: int
    export_queries: int

    @property
    def report_median(self) -> float:
        return statistics.median(self.report)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)


def measure_size(size: Size) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workflow.selectors_esf import esf_default_period, esf_report, esf_scope_for_process
    from workflow.services.esf import report_csv, report_xlsx

    with throwaway_database() as vendor:
        admin, process = build_cycle(size)
        scope = esf_scope_for_process(actor=admin, pk=process.pk)
        date_from, date_to = esf_default_period(scope)

        def count() -> int:
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM workflow_attendance")
                return int(cursor.fetchone()[0])

        def report() -> Any:
            return esf_report(scope=scope, date_from=date_from, date_to=date_to)

        # A correctness check of the scenario, not of speed: the report sees all of it.
        built = report()
        rows = count()
        attendance = sum(built.attendance[k] for k in ("present", "excused", "absent"))
        if (built.meetings_held, attendance, built.comments["received"], rows) != (
            size.meetings,
            size.attendance,
            size.comments,
            size.attendance,
        ):
            raise SystemExit(
                f"The scenario is broken: {built.meetings_held} meetings, {attendance} "
                f"attendance rows, {built.comments['received']} comments in the report."
            )
        with CaptureQueriesContext(connection) as queries:
            report()
        report_queries = len(queries.captured_queries)
        with CaptureQueriesContext(connection) as queries:
            report_xlsx(report())
        export_queries = len(queries.captured_queries)

        result = Result(size, vendor, rows, [], [], [], [], report_queries, export_queries)
        for _ in range(REPEATS):  # alternate, so that drift affects all alike
            result.baseline.append(timed(count))
            result.report.append(timed(report))
            result.xlsx.append(timed(lambda: report_xlsx(report())))
            result.csv.append(timed(lambda: report_csv(report())))
        return result


def print_result(result: Result) -> None:
    size = result.size
    print(
        f"  {size.label}: {size.meetings} meetings, {size.attendance:,} attendance rows, "
        f"{size.comments:,} comments"
    )
    print(f"    {'':40}  {'median s':>9}  {'min s':>8}  {'max s':>8}  {'vs COUNT(*)':>11}")
    base = result.baseline_median
    for label, runs in (
        ("SELECT COUNT(*) FROM workflow_attendance", result.baseline),
        ("esf_report (whole cycle)", result.report),
        ("esf_report + XLSX", result.xlsx),
        ("esf_report + CSV", result.csv),
    ):
        ratio = "baseline" if runs is result.baseline else f"{statistics.median(runs) / base:,.0f}x"
        print(
            f"    {label:40}  {statistics.median(runs):>9.4f}  {min(runs):>8.4f}  "
            f"{max(runs):>8.4f}  {ratio:>11}"
        )
    print(
        f"    queries: esf_report {result.report_queries}, esf_report + XLSX "
        f"{result.export_queries}, COUNT(*) 1"
    )


def main() -> None:
    setup_django()
    from django.apps import apps
    from django.conf import settings

    # Build the schema from the models: the scratch databases need no migration history.
    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    results = [measure_size(size) for size in SIZES]
    print(f"bench_esf: the ESF report of a whole cycle ({results[0].vendor})")
    for result in results:
        print_result(result)
    print(f"  ({REPEATS} alternating repetitions of each; lower is faster)")
    small, full = results
    same = small.report_queries == full.report_queries
    print(
        f"  targets: median < {TARGET_SECONDS} s at the full size → {full.report_median:.3f} s "
        f"({'met' if full.report_median < TARGET_SECONDS else 'NOT met'}); "
        f"queries independent of the size → {small.report_queries} and {full.report_queries} "
        f"({'met' if same else 'NOT met'})"
    )
    growth = full.report_median / small.report_median
    print(f"  10x the data costs {growth:.1f}x the time of the report")


if __name__ == "__main__":
    main()
