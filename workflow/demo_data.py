"""The history of the demo: the finished 2020–2022 cycle and the current 2023–2025 one.

Every step goes through the services and their guards. A planning cycle takes years, and the
guards read the clock (a consultation must be open when the stage opens and closed when the
plan goes to the council; a cycle closes after its plan period). The demo therefore runs each
step with Django's clock (``django.utils.timezone.now``) set to the day it happened, exactly as
the tests do with time_machine; nothing is written to the models directly. Every step looks
its result up first, so loading the demo twice creates nothing new.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from unittest import mock

from docx import Document as DocxDocument

from documents import services as document_services
from documents.models import Activity, Document, DocumentVersion, Measure, Priority, Vision
from documents.services import plan as plan_services
from documents.services.generation import generation_request, generation_run
from documents.services.plan import CostInput
from stakeholders.models import Body, Membership, Organization, TargetGroup
from workflow import services as workflow_services
from workflow.models import (
    Attendance,
    Comment,
    ConsultationPeriod,
    Decision,
    Meeting,
    PlanningProcess,
    Resolution,
    ResolutionNumbering,
    Stage,
    StageTransition,
    Transition,
)
from workflow.services import meetings as meeting_services
from workflow.services.documents import document_version_approve, document_version_decision_create

PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")
APPROVED = (DocumentVersion.Status.APPROVED, DocumentVersion.Status.PUBLISHED)
WG_CODES = ("seniori", "osoby-se-zdravotnim-postizenim", "deti-mladez-rodina")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PRAGUE)


@contextmanager
def clock(moment: dt.datetime) -> Iterator[None]:
    """Run the enclosed services on ``moment``: the clock ticks a second per reading."""
    ticks = itertools.count()
    start = moment.astimezone(dt.UTC)
    with mock.patch(
        "django.utils.timezone.now", side_effect=lambda: start + dt.timedelta(seconds=next(ticks))
    ):
        yield


def docx(title: str, paragraphs: list[str]) -> bytes:
    document = DocxDocument()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@dataclass
class Cast:
    """Who does what in the demo."""

    admin: Any
    coordinator: Any
    methodologist: Any
    rada_secretary: Any
    assembly_secretary: Any
    rada: Body
    assembly: Body
    organizations: dict[str, Organization] = field(default_factory=dict)
    groups: dict[str, TargetGroup] = field(default_factory=dict)


@dataclass
class Cycle:
    process: PlanningProcess
    steering: Body
    working: dict[str, Body]


def cycle_of(process: PlanningProcess) -> Cycle:
    bodies = process.bodies.filter(is_active=True)
    return Cycle(
        process=process,
        steering=bodies.get(kind=Body.Kind.STEERING_GROUP),
        working={
            b.target_group.code: b
            for b in bodies.filter(kind=Body.Kind.WORKING_GROUP).select_related("target_group")
        },
    )


# --- decisions, documents, transitions -----------------------------------------------------------


def voters(body: Body, day: dt.date) -> list[Membership]:
    return list(
        Membership.objects.current(day)
        .filter(body=body, role__in=Membership.VOTING_ROLES)
        .order_by("pk")
    )


def vote(cast: Cast, decision: Decision, *, abstain: int = 0) -> Decision:
    """Everyone voting present; the last ``abstain`` members abstain, the others vote for."""
    present = voters(decision.body, decision.held_at.astimezone(PRAGUE).date())
    workflow_services.decision_set_present(
        actor=cast.coordinator, decision=decision, memberships=present
    )
    for index, membership in enumerate(present):
        choice = "abstain" if index >= len(present) - abstain else "for"
        workflow_services.vote_cast(
            actor=cast.coordinator, decision=decision, membership=membership, choice=choice
        )
    return workflow_services.decision_close(actor=cast.coordinator, decision=decision)


def other_decision(cast: Cast, cycle: Cycle, title: str, when: dt.datetime) -> Decision:
    found = Decision.objects.filter(process=cycle.process, title=title).first()
    if found:
        return found
    with clock(when):
        decision = workflow_services.decision_create(
            actor=cast.coordinator,
            process=cycle.process,
            body=cycle.steering,
            subject=Decision.Subject.OTHER,
            title=title,
            mode=Decision.Mode.MEETING,
            held_at=when,
            reason="Jednání řídící skupiny",
        )
        return vote(cast, decision)


def approved_document(
    cast: Cast,
    cycle: Cycle,
    kind: str,
    title: str,
    paragraphs: list[str],
    when: dt.datetime,
    *,
    publish: bool = False,
    abstain: int = 0,
    generate: bool = False,
) -> DocumentVersion:
    """A document uploaded as DOCX, submitted, approved by the steering group (and published)."""
    document = Document.objects.filter(process=cycle.process, kind=kind)
    document = (document if generate else document.filter(title=title)).first()
    if document is not None:
        found = (
            DocumentVersion.objects.filter(document=document, status__in=APPROVED)
            .order_by("-number")
            .first()
        )
        if found is not None:
            return found
    with clock(when):
        if generate:
            # The plan is generated from its structured content, as the worker would do it.
            version = generated(cast, cycle.process, kind)
            document = version.document
        else:
            document = document or document_services.document_create(
                actor=cast.coordinator, process=cycle.process, kind=kind, title=title
            )
            version = document_services.version_upload(
                actor=cast.methodologist,
                document=document,
                stream=io.BytesIO(docx(title, paragraphs)),
                filename=f"{kind}.docx",
                change_summary="Návrh ke schválení řídící skupinou",
            )
        version = document_services.version_submit(actor=cast.methodologist, version=version)
        decision = document_version_decision_create(
            actor=cast.coordinator,
            version=version,
            body=cycle.steering,
            title=f"Schválení dokumentu: {title}",
            mode=Decision.Mode.MEETING,
            held_at=when,
        )
        decision = vote(cast, decision, abstain=abstain)
        version = document_version_approve(
            actor=cast.coordinator, version_id=version.pk, decision_id=decision.pk
        )
        if publish:
            version = document_services.version_publish(actor=cast.coordinator, version=version)
    return version


def generated(
    cast: Cast, process: PlanningProcess, kind: str, data: dict[str, Any] | None = None
) -> DocumentVersion:
    """Request a generated document and run the job here, as the worker does (idempotent)."""
    job = generation_request(actor=cast.coordinator, process=process, kind=kind, data=data)
    job = generation_run(job.pk)
    if job.result_version_id is None:
        raise RuntimeError(f"Generation of {kind} failed: {job.message}")
    return DocumentVersion.objects.select_related("document").get(pk=job.result_version_id)


def minutes(cast: Cast, held: Meeting, approved_at: Meeting) -> Meeting:
    """Minutes generated (full and published) once members present are named verifiers,
    approved at the next meeting and published."""
    if held.state != Meeting.State.HELD:
        return held
    with clock(held.starts_at + dt.timedelta(days=2)):
        verifiers = [
            attendance.person
            for attendance in held.attendances.filter(
                status=Attendance.Status.PRESENT, is_voting_member=True
            )
            .select_related("person")
            .order_by("pk")[: meeting_services.minutes_verifiers_needed(held) + 1]
        ]
        meeting_services.meeting_verifiers_set(
            actor=cast.coordinator, meeting=held, persons=verifiers
        )
        workflow_services.meeting_minutes_generate(actor=cast.coordinator, meeting=held)
    with clock(approved_at.starts_at + dt.timedelta(hours=1)):
        workflow_services.meeting_minutes_approve(
            actor=cast.coordinator, meeting=held, approved_at_meeting=approved_at
        )
        return workflow_services.meeting_minutes_publish(actor=cast.coordinator, meeting=held)


def transition(
    cast: Cast, cycle: Cycle, name: str, when: dt.datetime, reason: str
) -> StageTransition:
    """A stage step authorised by an adopted steering-group decision on it."""
    found = StageTransition.objects.filter(process=cycle.process, transition=name).first()
    if found:
        return found
    with clock(when):
        decision = workflow_services.decision_create(
            actor=cast.coordinator,
            process=cycle.process,
            body=cycle.steering,
            subject=Decision.Subject.STAGE_TRANSITION,
            transition=name,
            title=f"Souhlas s krokem: {reason}",
            mode=Decision.Mode.MEETING,
            held_at=when,
        )
        decision = vote(cast, decision)
        return workflow_services.process_transition(
            actor=cast.coordinator,
            process_id=cycle.process.pk,
            transition=name,
            reason=reason,
            decision_id=decision.pk,
        )


# --- resolutions ---------------------------------------------------------------------------------

PATTERNS = {
    Body.Kind.BOARD: "{seq}/{session}/RM/{year}",
    Body.Kind.ASSEMBLY: "{seq}/{session}/ZM/{year}",
    Body.Kind.STEERING_GROUP: "ŘS {seq}/{year}",
}


def resolution(
    cast: Cast,
    body: Body,
    *,
    process: PlanningProcess,
    title: str,
    adopted_on: dt.date,
    seq: int,
    session: int | None,
    verb: str,
    text: str,
    present: int,
    votes_for: int,
    abstained: int = 0,
    **fields: Any,
) -> Resolution:
    """A numbered resolution of the board, the assembly or the steering group."""
    found = Resolution.objects.filter(body=body, process=process, title=title).first()
    if found:
        return found
    actor = {
        Body.Kind.BOARD: cast.rada_secretary,
        Body.Kind.ASSEMBLY: cast.assembly_secretary,
    }.get(body.kind, cast.admin)
    with clock(at(adopted_on.year, adopted_on.month, adopted_on.day, 15)):
        # The running number of the year continues from the body's earlier resolutions.
        workflow_services.resolution_numbering_set(
            actor=actor,
            body=body,
            pattern=PATTERNS[body.kind],
            scope=ResolutionNumbering.Scope.YEAR,
            next_seq=seq,
            year=adopted_on.year,
        )
        return workflow_services.resolution_record(
            actor=actor,
            body=body,
            process=process,
            adopted_on=adopted_on,
            title=title,
            session=session,
            points=[{"verb": verb, "text": text}],
            present=present,
            votes_for=votes_for,
            votes_against=0,
            votes_abstained=abstained,
            **fields,
        )


# --- the plan ------------------------------------------------------------------------------------

# (working group code or "" for the cross-cutting priority, title, measures)
# measure: (title, goal, [(activity title, organization key, [(source, CZK)])])
PLAN_2020 = [
    (
        "seniori",
        "Senioři mohou co nejdéle žít ve svém domácím prostředí",
        [
            (
                "Rozšíření terénní pečovatelské služby do malých obcí",
                "Pečovatelská služba dostupná ve všech obcích ORP.",
                [
                    ("Navýšení úvazků pečovatelek o 2,0", "charita", [("municipality", 420000)]),
                    ("Pořízení služebního vozu", "charita", [("region", 380000)]),
                ],
            ),
            (
                "Odlehčovací služba pro pečující rodiny",
                "Pečující mají možnost odpočinku.",
                [("Zřízení dvou odlehčovacích lůžek", "senior_home", [("state", 650000)])],
            ),
        ],
    ),
    (
        "osoby-se-zdravotnim-postizenim",
        "Podpora samostatného života osob se zdravotním postižením",
        [
            (
                "Sociální rehabilitace a podporované zaměstnávání",
                "Lidé s postižením najdou uplatnění na trhu práce.",
                [("Terénní sociální rehabilitace", "charita", [("esf", 910000)])],
            ),
            (
                "Dostupná doprava",
                "Bezbariérová doprava do služeb.",
                [("Provoz sociálního automobilu", "user_org", [("municipality", 150000)])],
            ),
        ],
    ),
    (
        "deti-mladez-rodina",
        "Stabilní rodina a bezpečné dětství",
        [
            (
                "Sociálně aktivizační služba pro rodiny s dětmi",
                "Rodiny v obtížné situaci mají podporu v domácnosti.",
                [("Zavedení SAS pro rodiny s dětmi", "charita", [("esf", 1250000)])],
            ),
            (
                "Nízkoprahové zařízení pro děti a mládež",
                "Mladí mají bezpečné místo pro volný čas.",
                [("Otevření klubu v Horažďovicích", "charita", [("municipality", 300000)])],
            ),
        ],
    ),
    (
        "",
        "Informovanost a spolupráce v síti služeb",
        [
            (
                "Katalog sociálních služeb",
                "Každá domácnost ví, kam se obrátit.",
                [("Vydání a distribuce katalogu", "city", [("municipality", 60000)])],
            ),
        ],
    ),
]

PLAN_2023 = [
    (
        "seniori",
        "Dostupná péče o seniory v celém území ORP",
        [
            (
                "Posílení terénních služeb",
                "Pečovatelská služba i o víkendech.",
                [("Víkendový provoz pečovatelské služby", "charita", [("municipality", 520000)])],
            ),
            (
                "Podpora pečujících",
                "Pečující mají poradenství a odlehčení.",
                [("Svépomocná skupina pečujících", "senior_home", [("region", 90000)])],
            ),
        ],
    ),
    (
        "osoby-se-zdravotnim-postizenim",
        "Samostatnost a začlenění osob se zdravotním postižením",
        [
            (
                "Chráněné bydlení",
                "Lidé s postižením mohou bydlet v komunitě.",
                [("Příprava chráněného bydlení pro 6 osob", "user_org", [("esf", 2400000)])],
            ),
        ],
    ),
    (
        "deti-mladez-rodina",
        "Podpora rodin s dětmi v krizi",
        [
            (
                "Odborné poradenství pro rodiny",
                "Rodiny mají poradenství v místě bydliště.",
                [("Rodinná poradna – detašované pracoviště", "charita", [("state", 700000)])],
            ),
        ],
    ),
]


def build_plan(cast: Cast, cycle: Cycle, vision: str, tree: list, start_year: int) -> None:
    """Vision, priorities owned by the working groups, measures and activities with costs."""
    if Vision.objects.filter(process=cycle.process).exists():
        return
    process = cycle.process
    plan_services.plan_vision_set(actor=cast.coordinator, process=process, text=vision)
    for p_index, (code, p_title, measures) in enumerate(tree, start=1):
        priority = plan_services.plan_priority_create(
            actor=cast.coordinator,
            process=process,
            number=str(p_index),
            title=p_title,
            working_group=cycle.working.get(code),
            target_groups=[cast.groups[code]] if code else [],
            order=p_index,
        )
        for m_index, (m_title, goal, activities) in enumerate(measures, start=1):
            measure = plan_services.plan_measure_create(
                actor=cast.coordinator,
                priority=priority,
                number=f"{p_index}.{m_index}",
                title=m_title,
                goal=goal,
                order=m_index,
            )
            for a_index, (a_title, org_key, costs) in enumerate(activities, start=1):
                plan_services.plan_activity_create(
                    actor=cast.coordinator,
                    measure=measure,
                    number=f"{p_index}.{m_index}.{a_index}",
                    title=a_title,
                    responsible_organization=cast.organizations[org_key],
                    starts_year=start_year,
                    ends_year=process.period_end_year,
                    costs=[
                        CostInput(source=source, amount=Decimal(amount), year=start_year)
                        for source, amount in costs
                    ],
                )


def plan_paragraphs(process: PlanningProcess) -> list[str]:
    """The text of the plan, written from the tree (what the DOCX of the draft contains)."""
    lines = [f"Vize: {Vision.objects.get(process=process).text}"]
    for priority in Priority.objects.filter(process=process).order_by("order", "number"):
        lines.append(f"Priorita {priority.number}: {priority.title}")
        for measure in Measure.objects.filter(priority=priority).order_by("order", "number"):
            lines.append(f"Opatření {measure.number}: {measure.title} – {measure.goal}")
            for activity in Activity.objects.filter(measure=measure).order_by("number"):
                lines.append(f"Aktivita {activity.number}: {activity.title}")
    return lines


# --- meetings ------------------------------------------------------------------------------------


def meeting(
    cast: Cast,
    body: Body,
    title: str,
    starts: dt.datetime,
    agenda: list[str],
    *,
    guests: tuple[tuple[str, str], ...] = (),
    excused: int = 0,
    session: int | None = None,
    kind: str = Meeting.Kind.BODY_MEETING,
    process: PlanningProcess | None = None,
) -> Meeting:
    """A meeting planned two weeks ahead, held, with its attendance list."""
    found = Meeting.objects.filter(title=title, starts_at=starts).first()
    if found:
        return found
    with clock(starts - dt.timedelta(days=14)):
        planned = workflow_services.meeting_create(
            actor=cast.coordinator,
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            body=body if kind == Meeting.Kind.BODY_MEETING else None,
            process=process,
            place="Zasedací místnost MěÚ Horažďovice, Mírové náměstí 1",
            session_number=session,
            agenda=agenda,
        )
    with clock(starts + dt.timedelta(hours=2)):
        members = (
            list(
                Membership.objects.current(starts.date())
                .filter(body=body)
                .select_related("person")
                .order_by("pk")
            )
            if body is not None
            else []
        )
        for index, membership in enumerate(members):
            status = (
                Attendance.Status.EXCUSED
                if index >= len(members) - excused
                else Attendance.Status.PRESENT
            )
            workflow_services.attendance_record(
                actor=cast.coordinator,
                meeting=planned,
                person=membership.person,
                status=status,
                is_signed=status == Attendance.Status.PRESENT,
            )
        for name, organization in guests:
            workflow_services.attendance_record(
                actor=cast.coordinator,
                meeting=planned,
                guest_name=name,
                guest_organization=organization,
            )
        return workflow_services.meeting_mark_held(actor=cast.coordinator, meeting=planned)


# --- the finished 2020–2022 cycle ----------------------------------------------------------------

ANALYSES = [
    (Document.Kind.SOCIO_DEMOGRAPHIC_ANALYSIS, "Sociodemografická analýza ORP Horažďovice"),
    (Document.Kind.PROVIDER_ANALYSIS, "Analýza poskytovatelů sociálních služeb"),
    (Document.Kind.RESOURCES_ANALYSIS, "Analýza zdrojů a financování sociálních služeb"),
    (Document.Kind.USER_NEEDS_SURVEY, "Dotazníkové šetření potřeb uživatelů"),
]

OLD_COMMENTS = [
    # (channel, received, submitter, organization, text, type, decision, justification)
    (
        "email",
        dt.date(2020, 3, 4),
        "Marie Šebestová",
        "",
        "Opravit překlep v názvu obce Hejná.",
        "formal",
        "accepted",
        "",
    ),
    (
        "paper",
        dt.date(2020, 3, 9),
        "Václav Kořán",
        "",
        "Chybí zmínka o dovozu obědů v Pačejově.",
        "substantive",
        "accepted",
        "",
    ),
    (
        "email",
        dt.date(2020, 3, 12),
        "Jana Vlčková",
        "Domov pro seniory Horažďovice",
        "Navýšit kapacitu odlehčovací služby na čtyři lůžka.",
        "substantive",
        "partially_accepted",
        "Kapacita navýšena na tři lůžka podle rozpočtu kraje.",
    ),
    (
        "paper",
        dt.date(2020, 3, 18),
        "Stanislav Brož",
        "",
        "Zřídit v Horažďovicích noclehárnu.",
        "substantive",
        "not_accepted",
        "Potřeba nebyla analýzou prokázána; téma převezme příští plán.",
    ),
    (
        "email",
        dt.date(2020, 3, 25),
        "Alena Marešová",
        "",
        "Děkuji za přehledný dokument.",
        "formal",
        "noted",
        "Nejde o připomínku, poděkování bereme na vědomí.",
    ),
    (
        "paper",
        dt.date(2020, 3, 31),
        "Josef Kalina",
        "",
        "Doplnit kontakty na pečovatelskou službu.",
        "formal",
        "accepted",
        "",
    ),
    (
        "paper",
        dt.date(2020, 4, 6),
        "Božena Hájková",
        "",
        "Žádám rozšířit klub pro mládež i do Velkého Boru.",
        "substantive",
        "not_accepted",
        "Připomínka došla po lhůtě (razítko 6. 4. 2020); k žádosti se vrátí pracovní skupina.",
    ),
]


def build_old_cycle(cast: Cast, cycle: Cycle) -> None:
    process = cycle.process
    charter = approved_document(
        cast,
        cycle,
        Document.Kind.FOUNDING_CHARTER,
        "Základní listina komunitního plánování na Horažďovicku",
        [
            "Poslání: společně plánovat sociální služby pro občany ORP Horažďovice.",
            "Organizační struktura: řídící skupina a tři pracovní skupiny podle cílových skupin.",
            "Řídící skupinu jmenuje Rada města Horažďovice.",
        ],
        at(2019, 9, 23, 14),
    )
    resolution(
        cast,
        cast.rada,
        process=process,
        title="Základní listina komunitního plánování sociálních služeb 2020–2022",
        adopted_on=dt.date(2019, 10, 7),
        seq=412,
        session=24,
        verb="approves",
        text="Rada města schvaluje Základní listinu komunitního plánování na Horažďovicku.",
        present=5,
        votes_for=5,
        document_version=charter,
        document_action=Resolution.DocumentAction.APPROVE,
    )
    meeting(
        cast,
        cycle.steering,
        "1. jednání řídící skupiny 2019",
        at(2019, 10, 14, 14),
        ["Zahájení", "Základní listina", "Harmonogram analýz"],
        guests=(("Zdeněk Vlach", "Krajský úřad Plzeňského kraje"),),
    )
    transition(cast, cycle, Transition.START_MAPPING, at(2019, 10, 14, 15), "Zahájení analýz")
    for index, (kind, title) in enumerate(ANALYSES):
        approved_document(
            cast,
            cycle,
            kind,
            title,
            [f"{title}: shrnutí zjištění za správní obvod ORP Horažďovice."],
            at(2019, 12, 2 + index, 14),
        )
    transition(
        cast,
        cycle,
        Transition.START_WORKING_GROUPS,
        at(2020, 1, 13, 14),
        "Analýzy schváleny, předání pracovním skupinám",
    )
    with clock(at(2020, 1, 27)):
        build_plan(
            cast,
            cycle,
            "Na Horažďovicku jsou dostupné sociální služby, které odpovídají potřebám lidí.",
            PLAN_2020,
            2020,
        )
    draft = approved_document(
        cast,
        cycle,
        Document.Kind.COMMUNITY_PLAN,
        "Komunitní plán sociálních služeb na Horažďovicku 2020–2022",
        plan_paragraphs(process),
        at(2020, 2, 24, 14),
        publish=True,
        generate=True,
    )
    consultation = ConsultationPeriod.objects.filter(process=process).first()
    if consultation is None:
        with clock(at(2020, 2, 25)):
            consultation = workflow_services.consultation_schedule(
                actor=cast.coordinator,
                process=process,
                document_version=draft,
                title="Připomínkování návrhu komunitního plánu 2020–2022",
                opens=dt.date(2020, 3, 2),
                closes=dt.date(2020, 4, 3),
            )
    transition(
        cast,
        cycle,
        Transition.OPEN_CONSULTATION,
        at(2020, 2, 26, 14),
        "Návrh plánu schválen a zveřejněn k připomínkám",
    )
    if not consultation.comments.exists():
        with clock(at(2020, 4, 8)):
            entered = [
                (
                    workflow_services.comment_enter(
                        actor=cast.coordinator,
                        consultation=consultation,
                        channel=channel,
                        received=received,
                        text=text,
                        name=name,
                        organization=organization,
                        consents_to_processing=True,
                    ),
                    kind,
                    decision,
                    justification,
                )
                for channel, received, name, organization, text, kind, decision, justification in (
                    OLD_COMMENTS
                )
            ]
        steering_decision = other_decision(
            cast, cycle, "Vypořádání věcných připomínek k plánu 2020–2022", at(2020, 4, 9, 14)
        )
        with clock(at(2020, 4, 9, 16)):
            for comment, kind, decision, justification in entered:
                workflow_services.comment_settle(
                    actor=cast.coordinator,
                    comment=comment,
                    comment_type=kind,
                    decision=decision,
                    justification=justification,
                    steering_decision=steering_decision if kind == "substantive" else None,
                )
            workflow_services.consultation_mark_settled(
                actor=cast.coordinator, consultation=consultation
            )
    approved_document(
        cast,
        cycle,
        Document.Kind.SETTLEMENT_OF_COMMENTS,
        "Vypořádání připomínek ke komunitnímu plánu 2020–2022",
        [
            f"{c.receipt_number}: {c.text} – {c.get_decision_display()}"
            for c in consultation.comments.order_by("number")
        ],
        at(2020, 4, 14, 14),
    )
    transition(
        cast,
        cycle,
        Transition.SUBMIT_TO_COUNCIL,
        at(2020, 4, 15, 14),
        "Připomínky vypořádány, předání orgánům města",
    )
    chain = [
        (cycle.steering, dt.date(2020, 4, 15), 7, None, "recommends", "recommend", 5, 5),
        (cast.rada, dt.date(2020, 4, 20), 143, 8, "recommends", "recommend", 5, 5),
        (cast.assembly, dt.date(2020, 5, 4), 188, 12, "approves", "approve", 19, 17),
    ]
    for body, adopted_on, seq, session, verb, action, present, votes_for in chain:
        resolution(
            cast,
            body,
            process=process,
            title="Komunitní plán sociálních služeb na Horažďovicku 2020–2022",
            adopted_on=adopted_on,
            seq=seq,
            session=session,
            verb=verb,
            text="Komunitní plán sociálních služeb na Horažďovicku na období 2020–2022.",
            present=present,
            votes_for=votes_for,
            abstained=present - votes_for,
            document_version=draft,
            document_action=action,
        )
    transition(
        cast,
        cycle,
        Transition.START_IMPLEMENTATION,
        at(2020, 5, 11, 14),
        "Plán schválen Zastupitelstvem města, zahájení realizace",
    )


def close_old_cycle(cast: Cast, cycle: Cycle) -> None:
    approved_document(
        cast,
        cycle,
        Document.Kind.ACTION_PLAN_EVALUATION,
        "Závěrečné vyhodnocení komunitního plánu 2020–2022",
        [
            "Z 9 aktivit plánu bylo 7 splněno, 1 splněna částečně a 1 přesunuta do plánu "
            "2023–2025 (odlehčovací lůžka).",
        ],
        at(2023, 1, 16, 14),
    )
    transition(
        cast, cycle, Transition.CLOSE, at(2023, 1, 23, 14), "Plánovací období skončilo, vyhodnoceno"
    )


# --- the current 2023–2025 cycle -----------------------------------------------------------------

COMMENT_TEXTS = [
    "Doplnit do priority 1 dostupnost služeb v obci Chanovice.",
    "V tabulce financování chybí podíl kraje na rok 2025.",
    "Překlep v kapitole 3: „Horažďovice“ místo „Horaždovice“.",
    "Navrhuji rozšířit víkendový provoz pečovatelské služby i na svátky.",
    "Chybí zmínka o dobrovolnících v Domově pro seniory.",
    "Prosím o doplnění kontaktů na krizovou pomoc.",
    "Chráněné bydlení by mělo být i pro osoby s duševním onemocněním.",
    "Uvítal bych svoz klientů do denního stacionáře z Malého Boru.",
    "Opatření 3.1 nemá měřitelný indikátor.",
    "Nesouhlasím s přesunem odlehčovacích lůžek do dalšího období.",
]

DECISIONS = [
    ("formal", "accepted", ""),
    ("formal", "noted", "Nejde o připomínku k textu, bereme na vědomí."),
    ("substantive", "accepted", ""),
    ("substantive", "partially_accepted", "Zapracováno jen v rozsahu, který umožní rozpočet."),
    ("substantive", "not_accepted", "Návrh není v souladu se zjištěnými potřebami."),
    ("substantive", "noted", "Podnět předán pracovní skupině k dalšímu plánu."),
]

FIRST_NAMES = ["Jana", "Petr", "Eva", "Pavel", "Hana", "Jiří", "Lenka", "Tomáš", "Zuzana", "Karel"]
LAST_NAMES = [
    "Nováková",
    "Dvořák",
    "Černá",
    "Procházka",
    "Kučerová",
    "Veselý",
    "Horáková",
    "Marek",
    "Pokorná",
    "Urban",
]


def build_new_cycle(cast: Cast, cycle: Cycle) -> ConsultationPeriod:
    process = cycle.process
    with clock(at(2022, 9, 5)):
        for stage, due in [
            (Stage.PREPARATION, dt.date(2022, 10, 31)),
            (Stage.MAPPING, dt.date(2023, 3, 31)),
            (Stage.WORKING_GROUPS, dt.date(2026, 9, 30)),
            (Stage.PUBLIC_CONSULTATION, dt.date(2026, 12, 18)),
            (Stage.COUNCIL_APPROVAL, dt.date(2027, 2, 28)),
        ]:
            if not process.stage_deadlines.filter(stage=stage).exists():
                workflow_services.stage_deadline_set(
                    actor=cast.coordinator, process=process, stage=stage, due_on=due
                )
    charter = approved_document(
        cast,
        cycle,
        Document.Kind.FOUNDING_CHARTER,
        "Základní listina komunitního plánování na Horažďovicku (aktualizace 2022)",
        [
            "Aktualizace základní listiny pro období 2023–2025.",
            "Řídící skupina a pracovní skupiny pokračují ve složení z předchozího období.",
        ],
        at(2022, 9, 26, 14),
        abstain=1,
    )
    resolution(
        cast,
        cast.rada,
        process=process,
        title="Aktualizace základní listiny komunitního plánování a složení řídící skupiny",
        adopted_on=dt.date(2022, 10, 10),
        seq=112,
        session=6,
        verb="approves",
        text="Rada města schvaluje aktualizovanou základní listinu a jmenuje řídící skupinu.",
        present=5,
        votes_for=5,
        document_version=charter,
        document_action=Resolution.DocumentAction.APPROVE,
    )
    meeting(
        cast,
        cycle.steering,
        "Ustavující jednání řídící skupiny 2022",
        at(2022, 10, 17, 14),
        ["Zahájení", "Vyhodnocení minulého plánu", "Zahájení analýz"],
        guests=(("Zdeněk Vlach", "Krajský úřad Plzeňského kraje"),),
        excused=1,
    )
    transition(cast, cycle, Transition.START_MAPPING, at(2022, 10, 17, 15), "Zahájení analýz")
    handover = meeting(
        cast,
        cycle.steering,
        "Jednání řídící skupiny – předání pracovním skupinám",
        at(2023, 4, 3, 14),
        ["Schválené analýzy", "Úkoly pracovních skupin"],
    )
    minutes(cast, Meeting.objects.get(title="Ustavující jednání řídící skupiny 2022"), handover)
    for index, (kind, title) in enumerate(ANALYSES):
        approved_document(
            cast,
            cycle,
            kind,
            f"{title} 2023",
            [f"{title}: aktualizace dat k 31. 12. 2022."],
            at(2023, 3, 6 + index, 14),
        )
    transition(
        cast,
        cycle,
        Transition.START_WORKING_GROUPS,
        at(2023, 4, 3, 15),
        "Analýzy schváleny, předání pracovním skupinám",
    )
    meeting(
        cast,
        cycle.working["seniori"],
        "Pracovní skupina Senioři – návrh priorit",
        at(2023, 5, 16, 13),
        ["Výstupy analýz", "Návrh priorit a opatření"],
        guests=(("Marta Krásová", "Klub seniorů Horažďovice"),),
        excused=1,
    )
    with clock(at(2026, 8, 31)):
        build_plan(
            cast,
            cycle,
            "Horažďovicko je místem, kde lidé v nepříznivé sociální situaci najdou včas "
            "dostupnou a kvalitní pomoc.",
            PLAN_2023,
            2023,
        )
    draft = approved_document(
        cast,
        cycle,
        Document.Kind.COMMUNITY_PLAN,
        "Komunitní plán sociálních služeb na Horažďovicku 2023–2025",
        plan_paragraphs(process),
        at(2026, 10, 5, 14),
        publish=True,
        generate=True,
    )
    consultation = ConsultationPeriod.objects.filter(process=process).first()
    if consultation is None:
        with clock(at(2026, 10, 6)):
            consultation = workflow_services.consultation_schedule(
                actor=cast.coordinator,
                process=process,
                document_version=draft,
                title="Připomínkování návrhu komunitního plánu 2023–2025",
                opens=dt.date(2026, 10, 19),
                closes=dt.date(2026, 11, 20),
                hearing_at=at(2026, 11, 4, 17),
            )
    meeting(
        cast,
        cycle.steering,
        "Jednání řídící skupiny – návrh plánu",
        at(2026, 10, 12, 14),
        ["Návrh komunitního plánu", "Připomínkovací řízení"],
    )
    transition(
        cast,
        cycle,
        Transition.OPEN_CONSULTATION,
        at(2026, 10, 12, 15),
        "Návrh plánu schválen a zveřejněn k připomínkám",
    )
    meeting(
        cast,
        None,
        "Veřejné projednání návrhu komunitního plánu 2023–2025",
        at(2026, 11, 4, 17),
        ["Představení návrhu", "Dotazy a připomínky veřejnosti"],
        guests=(
            ("Jana Nováková", ""),
            ("Petr Dvořák", "Spolek Horažďovice sobě"),
            ("Eva Černá", ""),
        ),
        kind=Meeting.Kind.PUBLIC_HEARING,
        process=process,
    )
    enter_comments(cast, cycle, consultation)
    return consultation


def enter_comments(cast: Cast, cycle: Cycle, consultation: ConsultationPeriod) -> None:
    """40 comments: e-mail, paper and hearing ones within the period, four late paper ones;
    settled in every decision type, a dozen still waiting for the steering group."""
    if consultation.comments.exists():
        return
    comments = []
    for index in range(40):
        late = index >= 36
        if late:
            channel, received = "paper", dt.date(2026, 11, 23 + index % 2)
        elif index % 8 == 3:
            channel, received = "hearing", dt.date(2026, 11, 4)
        else:
            channel = "email" if index % 2 else "paper"
            received = dt.date(2026, 10, 19) + dt.timedelta(days=index * 32 // 36)
        name = f"{FIRST_NAMES[index % 10]} {LAST_NAMES[(index * 3) % 10]}"
        with clock(max(at(received.year, received.month, received.day, 16), at(2026, 10, 19))):
            comments.append(
                workflow_services.comment_enter(
                    actor=cast.coordinator,
                    consultation=consultation,
                    channel=channel,
                    received=received,
                    text=COMMENT_TEXTS[index % len(COMMENT_TEXTS)],
                    name=name,
                    organization=cast.organizations["charita"].name if index % 7 == 0 else "",
                    consents_to_processing=True,
                    consents_to_public_name=index % 3 == 0,
                )
            )
    # Formal ones are settled during the period; substantive ones after it closed, on a
    # decision of the steering group. The last twelve (incl. two late ones) wait.
    with clock(at(2026, 11, 10, 9)):
        for index, comment in enumerate(comments[:28]):
            kind, decision, justification = DECISIONS[index % len(DECISIONS)]
            if kind == "formal" and comment.received_at <= at(2026, 11, 10, 9):
                workflow_services.comment_settle(
                    actor=cast.coordinator,
                    comment=comment,
                    comment_type=kind,
                    decision=decision,
                    justification=justification,
                )
    closing = meeting(
        cast,
        cycle.steering,
        "Jednání řídící skupiny – vypořádání připomínek",
        at(2026, 11, 25, 14),
        ["Věcné připomínky k návrhu plánu", "Harmonogram projednání v orgánech města"],
        guests=(("Zdeněk Vlach", "Krajský úřad Plzeňského kraje"),),
        excused=1,
    )
    minutes(cast, Meeting.objects.get(title="Jednání řídící skupiny – návrh plánu"), closing)
    steering_decision = other_decision(
        cast,
        cycle,
        "Vypořádání věcných připomínek k plánu 2023–2025 (1. část)",
        at(2026, 11, 25, 15),
    )
    with clock(at(2026, 11, 25, 16)):
        settled = Comment.objects.filter(consultation=consultation).exclude(decision="")
        done = set(settled.values_list("pk", flat=True))
        for index, comment in enumerate(comments[:30]):
            if comment.pk in done:
                continue
            kind, decision, justification = DECISIONS[index % len(DECISIONS)]
            workflow_services.comment_settle(
                actor=cast.coordinator,
                comment=comment,
                comment_type=kind,
                decision=decision,
                justification=justification,
                steering_decision=steering_decision if kind == "substantive" else None,
            )
        for comment in comments[36:38]:
            workflow_services.comment_settle(
                actor=cast.coordinator,
                comment=comment,
                comment_type="substantive",
                decision="not_accepted",
                justification="Připomínka došla po lhůtě; podnět předán pracovní skupině.",
                steering_decision=steering_decision,
            )
