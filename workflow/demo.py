"""The demo: ORP Horažďovice, the finished 2020–2022 cycle and the current 2023–2025 one
started from it, with a user for every role (the history itself is in ``demo_data``).

Everything goes through services, and every step looks its object up first, so loading the demo
twice creates nothing new. Territory codes and registry ids are illustrative.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from stakeholders import services as stakeholder_services
from stakeholders.models import (
    Body,
    EsfProject,
    Membership,
    Organization,
    Person,
    TargetGroup,
    Territory,
    TerritoryMunicipality,
)
from workflow import demo_data
from workflow import services as workflow_services
from workflow.models import PlanningProcess

DEMO_PASSWORD = "komplan-demo"  # noqa: S105 - printed for the demo logins on purpose
REASON = "Ukázková data"

TARGET_GROUPS = [
    ("seniori", "Senioři", 1),
    ("osoby-se-zdravotnim-postizenim", "Osoby se zdravotním postižením", 2),
    ("deti-mladez-rodina", "Děti, mládež a rodina", 3),
    ("osoby-ohrozene-socialnim-vyloucenim", "Osoby ohrožené sociálním vyloučením", 4),
]

MUNICIPALITIES = [
    ("556688", "Horažďovice"),
    ("556432", "Malý Bor"),
    ("557030", "Velký Bor"),
    ("556289", "Hejná"),
    ("556777", "Pačejov"),
    ("556068", "Chanovice"),
    ("556343", "Kvášňovice"),
    ("556301", "Hradešice"),
]


@dataclass
class DemoLogin:
    username: str
    role: str
    sees: str


@dataclass
class DemoResult:
    process: PlanningProcess
    logins: list[DemoLogin] = field(default_factory=list)
    previous: PlanningProcess | None = None


def _user(username: str, *, first_name: str, last_name: str, superuser: bool = False) -> Any:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@horazdovice.example.cz",
            "is_staff": True,
            "is_superuser": superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _territory(admin: Any, kind: str, code: str, name: str) -> Territory:
    found = Territory.objects.filter(kind=kind, code=code).first()
    return found or stakeholder_services.territory_create(
        actor=admin, kind=kind, code=code, name=name, reason=REASON
    )


def _organization(admin: Any, *, ico: str, name: str, **fields: Any) -> Organization:
    """Looked up by name; an IČO is given only where it is the organisation's real one."""
    found = Organization.objects.filter(name=name).first()
    return found or stakeholder_services.organization_create(
        actor=admin, ico=ico, name=name, reason=REASON, **fields
    )


def _person(admin: Any, first_name: str, last_name: str, **fields: Any) -> Person:
    found = Person.objects.filter(first_name=first_name, last_name=last_name).first()
    return found or stakeholder_services.person_create(
        actor=admin, first_name=first_name, last_name=last_name, reason=REASON, **fields
    )


def _body(admin: Any, *, kind: str, name: str, **fields: Any) -> Body:
    scope = {"territory": fields.get("territory"), "process": fields.get("process")}
    found = Body.objects.filter(kind=kind, name=name, **scope).first()
    return found or stakeholder_services.body_create(
        actor=admin, kind=kind, name=name, reason=REASON, **fields
    )


def _member(
    admin: Any,
    person: Person,
    body: Body,
    role: str,
    triad_side: str = "",
    valid_from: dt.date = dt.date(2022, 9, 1),
    appointing_resolution: str = "",
) -> Membership:
    found = Membership.objects.filter(person=person, body=body, role=role).first()
    return found or stakeholder_services.membership_create(
        actor=admin,
        person=person,
        body=body,
        role=role,
        triad_side=triad_side,
        valid_from=valid_from,
        appointing_resolution=appointing_resolution,
        reason=REASON,
    )


@transaction.atomic
def load_demo() -> DemoResult:
    admin = _user("spravce", first_name="Správce", last_name="Systému", superuser=True)

    for code, name, order in TARGET_GROUPS:
        if not TargetGroup.objects.filter(code=code).exists():
            stakeholder_services.target_group_create(
                actor=admin, code=code, name=name, order=order, reason=REASON
            )
    groups = {tg.code: tg for tg in TargetGroup.objects.all()}

    region = _territory(admin, Territory.Kind.REGION, "CZ032", "Plzeňský kraj")
    orp = _territory(admin, Territory.Kind.ORP, "3203", "ORP Horažďovice")
    for code, name in MUNICIPALITIES:
        municipality = _territory(admin, Territory.Kind.MUNICIPALITY, code, name)
        if TerritoryMunicipality.objects.filter(territory=orp, municipality=municipality).exists():
            continue
        stakeholder_services.territory_add_municipality(
            actor=admin, territory=orp, municipality=municipality, reason=REASON
        )
    town = Territory.objects.get(kind=Territory.Kind.MUNICIPALITY, code="556688")
    other_orp = _territory(admin, Territory.Kind.ORP, "3214", "ORP Sušice")

    city = _organization(
        admin,
        ico="00255513",
        kind=Organization.Kind.COMMISSIONER,
        name="Město Horažďovice",
        address="Mírové náměstí 1, 341 01 Horažďovice",
        territory=town,
    )
    cpkp = _organization(
        admin,
        ico="",
        kind=Organization.Kind.CONSULTANCY,
        name="Centrum pro komunitní práci západní Čechy",
        address="Bezručova 29, 301 00 Plzeň",
    )
    charita = _organization(
        admin,
        ico="",
        kind=Organization.Kind.PROVIDER,
        name="Oblastní charita Horažďovice",
        provider_registry_id="4218362",
        territory=orp,
    )
    senior_home = _organization(
        admin,
        ico="",
        kind=Organization.Kind.PROVIDER,
        name="Domov pro seniory Horažďovice",
        provider_registry_id="9732815",
        territory=orp,
    )
    user_org = _organization(
        admin,
        ico="",
        kind=Organization.Kind.USER_ORGANIZATION,
        name="Spolek rodičů a přátel zdravotně postižených dětí Horažďovicka",
        territory=orp,
    )
    region_office = _organization(
        admin,
        ico="70890366",
        kind=Organization.Kind.PUBLIC_BODY,
        name="Plzeňský kraj",
        territory=region,
    )

    project = EsfProject.objects.filter(
        registration_number="CZ.03.2.63/0.0/0.0/19_106/0015152"
    ).first() or stakeholder_services.esf_project_create(
        actor=admin,
        programme=EsfProject.Programme.OPZ,
        call="03_19_106",
        registration_number="CZ.03.2.63/0.0/0.0/19_106/0015152",
        name="Podpora procesu plánování sociálních služeb na Horažďovicku",
        starts_on=dt.date(2020, 7, 1),
        ends_on=dt.date(2023, 6, 30),
        beneficiary=city,
        partners=[cpkp],
        retention_until=dt.date(2033, 12, 31),
        reason=REASON,
    )

    # People with logins, one per role.
    coordinator_user = _user("koordinator", first_name="Lenka", last_name="Marková")
    methodologist_user = _user("metodik", first_name="Petr", last_name="Vondrášek")
    steering_user = _user("clen-rs", first_name="Jan", last_name="Pavlík")
    working_user = _user("clen-ps", first_name="Alena", last_name="Kubíčková")
    rada_secretary_user = _user("sekretar-rada", first_name="Ivana", last_name="Šťastná")
    assembly_secretary_user = _user(
        "sekretar-zastupitelstvo", first_name="Jitka", last_name="Holubová"
    )
    auditor_user = _user("auditor", first_name="Tomáš", last_name="Kratochvíl")

    def linked(user: Any, organization: Organization, consent: bool = True) -> Person:
        person = _person(
            admin,
            user.first_name,
            user.last_name,
            email=user.email,
            organization=organization,
            consents_to_public_name=consent,
        )
        if person.user_id != user.pk:
            stakeholder_services.person_link_user(
                actor=admin, person=person, user=user, reason=REASON
            )
        return person

    coordinator = linked(coordinator_user, cpkp)
    methodologist = linked(methodologist_user, cpkp)
    steering_member = linked(steering_user, city)
    working_member = linked(working_user, charita)
    rada_secretary = linked(rada_secretary_user, city)
    assembly_secretary = linked(assembly_secretary_user, city)
    auditor = linked(auditor_user, region_office, consent=False)

    side = Membership.TriadSide
    role = Membership.Role
    rada = _body(
        admin, kind=Body.Kind.BOARD, name="Rada města Horažďovice", territory=orp, seat_count=5
    )
    zastupitelstvo = _body(
        admin,
        kind=Body.Kind.ASSEMBLY,
        name="Zastupitelstvo města Horažďovice",
        territory=orp,
        seat_count=21,
    )
    council_from = dt.date(2018, 11, 1)
    _member(admin, rada_secretary, rada, role.SECRETARY, side.COMMISSIONER, council_from)
    _member(
        admin, assembly_secretary, zastupitelstvo, role.SECRETARY, side.COMMISSIONER, council_from
    )
    mayor = _person(admin, "Michael", "Forman")
    _member(admin, mayor, rada, role.CHAIR, side.COMMISSIONER, council_from)
    _member(admin, mayor, zastupitelstvo, role.MEMBER, side.COMMISSIONER, council_from)

    # The finished 2020–2022 cycle: its bodies and members are carried into the next cycle.
    previous = PlanningProcess.objects.filter(
        territory=orp, period_start_year=2020, period_end_year=2022
    ).first()
    if previous is None:
        with demo_data.clock(demo_data.at(2019, 9, 2)):
            previous = workflow_services.process_create(
                actor=admin,
                territory=orp,
                title="Komunitní plánování sociálních služeb na Horažďovicku",
                period_start_year=2020,
                period_end_year=2022,
                esf_project=project,
                coordinator_organization=cpkp,
                reason=REASON,
            )
    steering = _body(
        admin,
        kind=Body.Kind.STEERING_GROUP,
        name="Řídící skupina KPSS Horažďovicko",
        process=previous,
    )
    working = {
        code: _body(
            admin,
            kind=Body.Kind.WORKING_GROUP,
            name=f"Pracovní skupina {label}",
            process=previous,
            target_group=groups[code],
        )
        for code, label in [
            ("seniori", "Senioři"),
            ("osoby-se-zdravotnim-postizenim", "Osoby se zdravotním postižením"),
            ("deti-mladez-rodina", "Děti, mládež a rodina"),
        ]
    }
    since, appointed = dt.date(2019, 9, 1), "392/21/RM/2019"
    _member(admin, coordinator, steering, role.COORDINATOR, side.COMMISSIONER, since, appointed)
    _member(admin, methodologist, steering, role.METHODOLOGIST, valid_from=since)
    _member(admin, steering_member, steering, role.CHAIR, side.COMMISSIONER, since, appointed)
    steering_others = [
        ("Marie", "Beranová", charita, side.PROVIDER),
        ("Karel", "Jelínek", senior_home, side.PROVIDER),
        ("Hana", "Procházková", user_org, side.USER),
        ("Josef", "Hrubý", None, side.PUBLIC),
    ]
    for first, last, org, triad in steering_others:
        person = _person(admin, first, last, organization=org)
        _member(admin, person, steering, role.MEMBER, triad, since, appointed)

    _member(admin, working_member, working["seniori"], role.MEMBER, side.PROVIDER, since)
    working_people = {
        "seniori": [
            ("Zdeňka", "Vacková", senior_home, side.PROVIDER, role.CHAIR),
            ("Jaroslav", "Kohout", None, side.USER, role.MEMBER),
            ("Věra", "Malá", city, side.COMMISSIONER, role.MEMBER),
        ],
        "osoby-se-zdravotnim-postizenim": [
            ("Pavla", "Šimková", user_org, side.USER, role.CHAIR),
            ("Martin", "Král", charita, side.PROVIDER, role.MEMBER),
            ("Eva", "Dvořáková", city, side.COMMISSIONER, role.MEMBER),
        ],
        "deti-mladez-rodina": [
            ("Lucie", "Benešová", charita, side.PROVIDER, role.CHAIR),
            ("Ondřej", "Novotný", None, side.PUBLIC, role.MEMBER),
            ("Kateřina", "Svobodová", city, side.COMMISSIONER, role.MEMBER),
            ("Radek", "Pokorný", user_org, side.USER, role.MEMBER),
        ],
    }
    for code, people in working_people.items():
        for first, last, org, triad, member_role in people:
            person = _person(admin, first, last, organization=org)
            _member(admin, person, working[code], member_role, triad, since)

    cast = demo_data.Cast(
        admin=admin,
        coordinator=coordinator_user,
        methodologist=methodologist_user,
        rada_secretary=rada_secretary_user,
        assembly_secretary=assembly_secretary_user,
        rada=rada,
        assembly=zastupitelstvo,
        organizations={
            "city": city,
            "charita": charita,
            "senior_home": senior_home,
            "user_org": user_org,
        },
        groups=groups,
    )
    old_cycle = demo_data.Cycle(process=previous, steering=steering, working=working)
    demo_data.build_old_cycle(cast, old_cycle)

    # The current 2023–2025 cycle, started from the previous one during its implementation.
    process = PlanningProcess.objects.filter(previous_process=previous).first()
    if process is None:
        with demo_data.clock(demo_data.at(2022, 9, 1)):
            process = workflow_services.process_start_next_cycle(
                actor=coordinator_user,
                process_id=previous.pk,
                period_start_year=2023,
                period_end_year=2025,
                reason="Zahájení přípravy komunitního plánu 2023–2025",
            )
    demo_data.close_old_cycle(cast, old_cycle)
    audit = _body(admin, kind=Body.Kind.AUDIT, name="Kontrola ESF (MPSV)", process=process)
    _member(admin, auditor, audit, role.AUDITOR, valid_from=dt.date(2023, 1, 1))
    demo_data.build_new_cycle(cast, demo_data.cycle_of(process))

    # A second territory with its own process, so that isolation is visible in the demo.
    other_process = PlanningProcess.objects.filter(territory=other_orp).first() or (
        workflow_services.process_create(
            actor=admin,
            territory=other_orp,
            title="Střednědobý plán rozvoje sociálních služeb na Sušicku",
            period_start_year=2024,
            period_end_year=2027,
            reason=REASON,
        )
    )
    other_steering = _body(
        admin,
        kind=Body.Kind.STEERING_GROUP,
        name="Řídící skupina KPSS Sušicko",
        process=other_process,
    )
    other_user = _user("koordinator-susice", first_name="Radka", last_name="Veselá")
    other_coordinator = linked(other_user, cpkp)
    _member(admin, other_coordinator, other_steering, role.COORDINATOR, side.COMMISSIONER)

    logins = [
        DemoLogin("spravce", "správce systému (superuživatel)", "vše"),
        DemoLogin("koordinator", "koordinátor", "proces Horažďovicko, řídí jej a jeho orgány"),
        DemoLogin("metodik", "metodik", "proces Horažďovicko, historie, pracovní verze"),
        DemoLogin("clen-rs", "člen (předseda) řídící skupiny", "proces Horažďovicko, hlasuje"),
        DemoLogin("clen-ps", "člen pracovní skupiny Senioři", "svou pracovní skupinu"),
        DemoLogin("sekretar-rada", "tajemník Rady města", "Radu a procesy území, usnesení"),
        DemoLogin("sekretar-zastupitelstvo", "tajemník Zastupitelstva", "Zastupitelstvo"),
        DemoLogin("auditor", "kontrolor ESF", "proces Horažďovicko jen ke čtení"),
        DemoLogin("koordinator-susice", "koordinátor jiného území", "jen proces Sušicko"),
    ]
    return DemoResult(
        process=PlanningProcess.objects.get(pk=process.pk),
        logins=logins,
        previous=PlanningProcess.objects.get(pk=previous.pk),
    )
