"""Personal data: pseudonymisation on request and after the ESF retention date keeps every
report figure and leaves no trace of the name or e-mail in any table, history included; the
export of everything held about one person; who may do it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from stakeholders import services as stakeholder_services
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body, EsfProject, Membership, Person
from tests.factories import EsfProjectFactory, UserFactory
from tests.workflow.conftest import Cycle, build_cycle
from tests.workflow.test_esf import PRESENT, at, build_scenario, held, report_of
from workflow import services
from workflow.models import Attendance, Comment, PlanningProcess
from workflow.services import gdpr
from workflow.services.esf import report_csv

pytestmark = pytest.mark.django_db

NAME_TRACES = ["Vzácn", "VZÁCN", "vzácn", "Zdeňka Vz", "ZDEŇKA", "Vz\\u00e1cn"]
EMAIL_TRACES = ["zdenka.vzacna", "z.vzacna", "zvzacna"]


def traces(needles: list[str]) -> dict[str, list[str]]:
    """Every table (history tables included) with a column containing one of the needles."""
    found: dict[str, list[str]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            where = " OR ".join(f"CAST({quote(c)} AS TEXT) LIKE %s" for c in columns)
            for needle in needles:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} WHERE {where}",  # noqa: S608
                    [f"%{needle}%"] * len(columns),
                )
                if cursor.fetchone()[0]:
                    found.setdefault(needle, []).append(table)
    return found


def figures(report: Any) -> tuple[Any, ...]:
    return (
        report.meetings,
        report.participants,
        report.documents,
        report.consultations,
        report.resolutions,
        report.indicators,
        report.annex,
    )


def csv_without_timestamp(report: Any) -> list[str]:
    lines = report_csv(report).decode("utf-8-sig").splitlines()
    return [line for line in lines if not line.startswith("summary;generated_at;")]


def _consultation(cycle: Cycle) -> Any:
    from tests.documents.samples import docx_bytes, make_document, submit_approve_publish, upload

    version = submit_approve_publish(
        cycle, upload(cycle, make_document(cycle), docx_bytes(["Komunitní plán"]))
    )
    today = timezone.localdate()
    return services.consultation_schedule(
        actor=cycle.coordinator,
        process=cycle.process,
        document_version=version,
        title="Připomínkování návrhu plánu",
        opens=today - dt.timedelta(days=45),
        closes=today - dt.timedelta(days=10),
    )


def comment(cycle: Cycle, consultation: Any, days_ago: int, text: str, **kw: Any) -> Comment:
    return services.comment_enter(
        actor=cycle.coordinator,
        consultation=consultation,
        channel=kw.pop("channel", "email"),
        received=timezone.localdate() - dt.timedelta(days=days_ago),
        text=text,
        **kw,
    )


def build_zdenka(cycle: Cycle, scenario: Any) -> dict[str, Any]:
    """A working-group member with a login, who changed her e-mail once, came to a hearing as a
    guest before she was registered, and sent three comments (two e-mails, one signed)."""
    admin = cycle.admin
    user = UserFactory(username="zvzacna", email="zdenka.vzacna@example.cz")
    person = stakeholder_services.person_create(
        actor=admin,
        first_name="Zdeňka",
        last_name="Vzácná",
        title_before="Mgr.",
        email="z.vzacna@old.example.cz",
        phone="+420 777 123 456",
        user=user,
    )
    person.email = "zdenka.vzacna@example.cz"
    stakeholder_services.record_save(person, actor=admin, reason="Nový e-mail")
    stakeholder_services.membership_create(
        actor=admin,
        person=person,
        body=scenario.working_group,
        triad_side=Membership.TriadSide.USER,
        valid_from=timezone.localdate() - dt.timedelta(days=30),
    )
    group_meetings = [
        held(cycle, at(days, 15), body=scenario.working_group, attend=[(person, PRESENT)])
        for days in (19, 9)
    ]
    hearing = held(
        cycle, at(21, 17), guests=[("ZDEŇKA  VZÁCNÁ", "Charita Horažďovice"), ("Ivo Jiný", "")]
    )
    consultation = _consultation(cycle)
    comments = [
        comment(
            cycle,
            consultation,
            30,
            "Chybí odlehčovací služba. S pozdravem Mgr. Zdeňka Vzácná, zdenka.vzacna@example.cz",
            name="Zdeňka Vzácná",
            email="zdenka.vzacna@example.cz",
            proposed_change="Doplnit aktivitu; kontakt: paní Vzácná",
        ),
        comment(
            cycle,
            consultation,
            28,
            "Doplňuji svou připomínku.",
            name="Z. Vzácná",
            email="Z.Vzacna@old.example.cz",
        ),
        comment(
            cycle,
            consultation,
            26,
            "Papírová, podepsána: Vzácná",
            name="zdeňka vzácná",
            channel="paper",
        ),
    ]
    other = comment(
        cycle, consultation, 25, "Jiný občan", name="Eva Připomínková", email="eva@example.cz"
    )
    services.comment_settle(
        actor=cycle.coordinator,
        comment=comments[0],
        comment_type="formal",
        decision="not_accepted",
        justification="Paní Zdeňka Vzácná byla informována telefonicky.",
    )
    return {
        "person": person,
        "user": user,
        "comments": comments,
        "other": other,
        **generated_documents(cycle, person, group_meetings[1], hearing, consultation),
    }


def generated_documents(
    cycle: Cycle, person: Person, meeting: Any, hearing: Any, consultation: Any
) -> dict[str, Any]:
    """Documents generated with her name in their data: her group's attendance list (submitted,
    so a record), the minutes she verifies, the hearing's list (with her guest spelling) and the
    settlement of comments (generated by a job from her comment's text)."""
    from documents.services import version_submit
    from documents.services.generation import generation_run
    from workflow.services import meetings as meeting_services
    from workflow.services.consultation import settlement_generate

    coordinator = cycle.coordinator
    meeting_services.meeting_verifiers_set(actor=coordinator, meeting=meeting, persons=[person])
    attendance_list = version_submit(
        actor=coordinator,
        version=services.meeting_attendance_list_generate(actor=coordinator, meeting=meeting),
    )
    minutes = services.meeting_minutes_generate(actor=coordinator, meeting=meeting)
    hearing_list = services.meeting_attendance_list_generate(actor=coordinator, meeting=hearing)
    job = generation_run(settlement_generate(actor=coordinator, consultation=consultation).pk)
    return {
        "attendance_list": attendance_list,
        "minutes": minutes,
        "hearing_list": hearing_list,
        "settlement_job": job,
    }


def attendee_names(version: Any) -> set[str]:
    version.refresh_from_db()
    return {row["name"] for row in version.generation_data["context"]["attendees"]}


@pytest.fixture
def world(cycle):
    scenario = build_scenario(cycle)
    return {"cycle": cycle, "scenario": scenario, **build_zdenka(cycle, scenario)}


def test_the_scan_finds_the_traces_before(world):
    found = traces(NAME_TRACES + EMAIL_TRACES)
    assert "stakeholders_person" in found["Vzácn"]
    assert "stakeholders_historicalperson" in found["z.vzacna"]
    assert "workflow_comment" in found["zdenka.vzacna"]
    assert "workflow_historicalattendance" in found["VZÁCN"]
    assert "auth_user" in found["zvzacna"]
    # JSON columns: SQLite keeps them ASCII-escaped, PostgreSQL's jsonb as text is not
    in_json = {*found.get("Vzácn", []), *found.get("Vz\\u00e1cn", [])}
    assert {"documents_documentversion", "documents_historicaldocumentversion"} <= in_json
    assert {"documents_generationjob", "documents_historicalgenerationjob"} <= in_json
    assert "documents_generationjob" in found["zdenka.vzacna"]
    assert "Mgr. Zdeňka Vzácná" in attendee_names(world["attendance_list"])


def test_pseudonymising_a_person_keeps_every_figure_and_leaves_no_trace(world):
    cycle, person = world["cycle"], world["person"]
    before = report_of(cycle)
    csv_before = csv_without_timestamp(before)
    history_before = Person.history.filter(id=person.pk).count()

    result = gdpr.person_pseudonymise(
        actor=cycle.coordinator, person_id=person.pk, reason="Žádost o výmaz č. 12/2025"
    )

    after = report_of(cycle)
    assert figures(after) == figures(before)
    assert csv_without_timestamp(after) == csv_before
    assert before.participants.total == 31 + 3  # Zdeňka, and as guests herself and Ivo Jiný
    assert traces(NAME_TRACES + EMAIL_TRACES) == {}

    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.email, person.phone) == (
        "Osoba",
        f"#{person.pk}",
        "",
        "",
    )
    assert person.full_name == f"Osoba #{person.pk}" == result.pseudonym
    assert person.memberships.count() == 1 and person.attendances.count() == 2
    user = get_user_model().objects.get(pk=world["user"].pk)
    assert (user.username, user.email, user.is_active) == (f"osoba-{person.pk}", "", False)
    assert not user.has_usable_password()

    assert sorted(result.comment_ids) == sorted(c.pk for c in world["comments"])
    first = Comment.objects.get(pk=world["comments"][0].pk)
    assert first.submitter_name == result.pseudonym and first.submitter_email == ""
    assert first.text == (
        f"Chybí odlehčovací služba. S pozdravem {result.pseudonym}, {result.pseudonym}"
    )
    assert first.justification == f"Paní {result.pseudonym} byla informována telefonicky."
    assert (first.decision, first.received_at, first.number) == (
        "not_accepted",
        world["comments"][0].received_at,
        world["comments"][0].number,
    )
    other = Comment.objects.get(pk=world["other"].pk)
    assert (other.submitter_name, other.submitter_email) == ("Eva Připomínková", "eva@example.cz")
    guest = Attendance.objects.get(pk=result.attendance_ids[0])
    assert (guest.guest_name, guest.guest_organization) == (result.pseudonym, "Charita Horažďovice")
    assert Attendance.objects.filter(guest_name="Ivo Jiný").count() == 1

    # generated documents: the data they were rendered from lose her; submitted bytes stay
    listed = world["attendance_list"]
    assert listed.pk in result.version_ids and world["hearing_list"].pk in result.version_ids
    assert result.pseudonym in attendee_names(listed)
    assert (listed.status, listed.sha256) == ("submitted", world["attendance_list"].sha256)
    with listed.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == listed.sha256
    hearing_names = attendee_names(world["hearing_list"])
    assert guest.guest_name in hearing_names and "Ivo Jiný" in hearing_names
    verifiers = world["minutes"].full
    verifiers.refresh_from_db()
    assert verifiers.generation_data["context"]["verifiers"] == [result.pseudonym]
    assert world["settlement_job"].pk in result.generation_job_ids
    change = listed.history.order_by("-history_id").first()
    assert (change.history_user, change.history_change_reason) == (
        cycle.coordinator,
        "Žádost o výmaz č. 12/2025",
    )

    newest = Person.history.filter(id=person.pk).order_by("-history_id").first()
    assert Person.history.filter(id=person.pk).count() == history_before + 1
    assert newest.history_user == cycle.coordinator
    assert newest.history_change_reason == "Žádost o výmaz č. 12/2025"
    assert set(Person.history.filter(id=person.pk).values_list("last_name", flat=True)) == {
        f"#{person.pk}"
    }
    assert result.history_rows > 0

    # a second run finds nothing left to change
    again = gdpr.person_pseudonymise(actor=cycle.admin, person_id=person.pk, reason="Kontrola")
    assert (again.comment_ids, again.attendance_ids, again.version_ids) == ([], [], [])
    assert Person.history.filter(id=person.pk).count() == history_before + 1
    assert figures(report_of(cycle)) == figures(before)


def test_distinct_guest_spellings_keep_distinct_pseudonyms(cycle):
    person = stakeholder_services.person_create(
        actor=cycle.admin, first_name="Jan", last_name="Dvojí"
    )
    held(cycle, at(9), guests=[("Jan Dvojí", "Spolek"), ("Dvojí Jan", "Spolek")])
    before = report_of(cycle)
    assert before.participants.guests == 2
    result = gdpr.person_pseudonymise(actor=cycle.admin, person_id=person.pk, reason="Žádost")
    names = set(
        Attendance.objects.filter(pk__in=result.attendance_ids).values_list("guest_name", flat=True)
    )
    assert names == {f"Osoba #{person.pk}", f"Osoba #{person.pk}-2"}
    assert figures(report_of(cycle)) == figures(before)


def test_a_commenter_without_a_person_record(world):
    cycle = world["cycle"]
    consultation = world["other"].consultation
    second = comment(
        cycle, consultation, 20, "Ještě: Eva Připomínková, eva@example.cz", email="EVA@example.cz"
    )
    before = report_of(cycle)
    result = gdpr.comment_author_pseudonymise(
        actor=cycle.coordinator, comment_id=world["other"].pk, reason="Žádost e-mailem"
    )
    assert sorted(result.comment_ids) == sorted([world["other"].pk, second.pk])
    label = f"Připomínkující #{world['other'].pk}"
    assert result.pseudonym == label
    for row in Comment.objects.filter(pk__in=result.comment_ids):
        assert (row.submitter_name, row.submitter_email) == (label, "")
    assert Comment.objects.get(pk=second.pk).text == f"Ještě: {label}, {label}"
    assert traces(["Eva Připomínková", "eva@example", "EVA@example"]) == {}
    assert traces(["Vzácn"])  # Zdeňka is untouched
    assert figures(report_of(cycle)) == figures(before)


@pytest.mark.parametrize("who", ["superuser", "coordinator", "other_coordinator", "member"])
def test_who_may_pseudonymise_and_export(world, other_cycle, who):
    cycle, person = world["cycle"], world["person"]
    actor = {
        "superuser": cycle.admin,
        "coordinator": cycle.coordinator,
        "other_coordinator": other_cycle.coordinator,
        "member": cycle.users["chair"],
    }[who]
    allowed = who in ("superuser", "coordinator")
    if allowed:
        assert gdpr.person_data_export(actor=actor, person_id=person.pk)["person"]["id"] == (
            person.pk
        )
        gdpr.person_pseudonymise(actor=actor, person_id=person.pk, reason="Žádost")
    else:
        with pytest.raises(PermissionDenied):
            gdpr.person_data_export(actor=actor, person_id=person.pk)
        with pytest.raises(PermissionDenied):
            gdpr.person_pseudonymise(actor=actor, person_id=person.pk, reason="Žádost")
        with pytest.raises(PermissionDenied):
            gdpr.comment_author_pseudonymise(
                actor=actor, comment_id=world["other"].pk, reason="Žádost"
            )


def test_a_reason_is_required_and_unknown_people_are_not_found(world):
    with pytest.raises(ValidationFailed):
        gdpr.person_pseudonymise(
            actor=world["cycle"].admin, person_id=world["person"].pk, reason=" "
        )
    with pytest.raises(NotFound):
        gdpr.person_pseudonymise(actor=world["cycle"].admin, person_id=999999, reason="Žádost")


def test_the_coordinator_may_not_touch_a_council_member(world):
    from tests.workflow.test_resolutions import build_council

    cycle = world["cycle"]
    council = build_council(cycle)
    secretary = Person.objects.get(user=council.secretary)
    with pytest.raises(PermissionDenied):
        gdpr.person_pseudonymise(actor=cycle.coordinator, person_id=secretary.pk, reason="Žádost")
    gdpr.person_pseudonymise(actor=cycle.admin, person_id=secretary.pk, reason="Žádost")


def test_the_export_holds_everything_about_the_person(world):
    cycle, person = world["cycle"], world["person"]
    chair = cycle.memberships["chair"]
    cycle.adopted_decision("start_mapping")
    data = gdpr.person_data_export(actor=cycle.admin, person_id=person.pk)
    assert data["person"]["email"] == "zdenka.vzacna@example.cz"
    assert data["person"]["phone"] == "+420 777 123 456"
    assert data["user_account"]["username"] == "zvzacna"
    assert [m["body_name"] for m in data["memberships"]] == ["PS Senioři"]
    assert len(data["attendances"]) == 2 and len(data["guest_attendances"]) == 1
    assert sorted(c["id"] for c in data["comments"]) == sorted(c.pk for c in world["comments"])
    emails = {row["email"] for row in data["history"]["person"]}
    assert emails == {"z.vzacna@old.example.cz", "zdenka.vzacna@example.cz"}
    assert len(data["history"]["comments"]) >= 4
    json.dumps(data, cls=gdpr.JSON_ENCODER)

    # the chair voted on the plan version (in the fixture) and on this decision
    votes = gdpr.person_data_export(actor=cycle.admin, person_id=chair.person_id)["votes"]
    assert [v["choice"] for v in votes] == ["for", "for"]
    assert votes[-1]["decision_title"] == "Schválení kroku start_mapping"


def test_the_export_page_is_for_superusers(client, world):
    cycle, person = world["cycle"], world["person"]
    url = reverse("esf:person_data_export", args=[person.pk])
    client.force_login(cycle.coordinator)
    assert client.get(url).status_code == 403
    client.force_login(cycle.admin)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="osoba-{person.pk}.json"'
    assert json.loads(response.content)["person"]["last_name"] == "Vzácná"
    assert client.get(reverse("esf:person_data_export", args=[999999])).status_code == 404


# --- retention --------------------------------------------------------------------------------


def test_retention_pseudonymises_a_finished_project_and_keeps_its_figures(world, superuser):
    cycle = world["cycle"]
    project = EsfProjectFactory()
    PlanningProcess.objects.filter(pk=cycle.process.pk).update(esf_project=project)
    # a working-group member who also sits in another process's steering group stays
    busy = world["scenario"].workers[3]
    elsewhere = build_cycle(superuser, code="3214", name="ORP Sušice")
    stakeholder_services.membership_create(
        actor=superuser, person=busy, body=elsewhere.steering_group, triad_side="provider"
    )
    before = report_of(cycle)
    csv_before = csv_without_timestamp(before)

    not_yet = gdpr.retention_pseudonymise_due(today=project.retention_until)
    assert (not_yet.project_ids, not_yet.person_ids) == ([], [])

    result = gdpr.retention_pseudonymise_due(today=project.retention_until + dt.timedelta(days=1))
    assert result.project_ids == [project.pk]
    workers = [p.pk for p in world["scenario"].workers if p.pk != busy.pk]
    assert sorted(result.person_ids) == sorted(workers)
    steering = {m.person_id for m in cycle.memberships.values()}
    assert steering <= set(result.skipped_person_ids)  # they have user accounts
    assert busy.pk in result.skipped_person_ids
    assert world["person"].pk in result.skipped_person_ids
    assert result.comments == 4 and result.attendances == 8

    after = report_of(cycle)
    assert figures(after) == figures(before)
    assert csv_without_timestamp(after) == csv_before
    assert traces(["Hostová", "HOSTOVÁ", "Karel Novák", "eva@example", "Člen0 ", "clen0@"]) == {}
    assert Person.objects.get(pk=busy.pk).last_name == "Skupiny"
    assert set(
        Attendance.objects.filter(person__isnull=True).values_list("guest_name", flat=True)
    ) <= {f"Host #{a.pk}" for a in Attendance.objects.filter(person__isnull=True)}
    assert not Comment.objects.exclude(submitter_email="").exists()

    again = gdpr.retention_pseudonymise_due(today=project.retention_until + dt.timedelta(days=1))
    assert (again.person_ids, again.attendances, again.comments) == ([], 0, 0)


def test_the_daily_task_is_scheduled_and_runs(cycle):
    from config.celery import app
    from workflow import tasks_gdpr

    entry = settings.CELERY_BEAT_SCHEDULE["gdpr-retention-pseudonymise"]
    assert entry["task"] == "workflow.tasks_gdpr.retention_pseudonymise_due"
    assert "workflow.tasks_gdpr" in settings.CELERY_IMPORTS
    assert entry["task"] in app.tasks
    project = EsfProjectFactory(
        starts_on=dt.date(2016, 1, 1),
        ends_on=dt.date(2019, 12, 31),
        retention_until=dt.date(2020, 1, 1),
    )
    PlanningProcess.objects.filter(pk=cycle.process.pk).update(esf_project=project)
    held(cycle, at(3), guests=[("Olga Stará", "")])
    counts = tasks_gdpr.retention_pseudonymise_due.delay().get()
    assert counts == {"projects": 1, "persons": 0, "attendances": 1, "comments": 0}
    assert not Attendance.objects.filter(guest_name="Olga Stará").exists()
    assert EsfProject.objects.count() == 1 and Body.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the version guard exists on PostgreSQL only"
)
def test_the_database_lets_only_pseudonymisation_rewrite_a_submitted_snapshot(world):
    """documents migration 0003: a submitted version's generation data change only inside the
    pseudonymisation's block, and nothing else of the version changes even there."""
    from documents.models import DocumentVersion

    version = world["attendance_list"]

    def change(**values: Any) -> None:
        DocumentVersion.objects.filter(pk=version.pk).update(**values)

    with pytest.raises(IntegrityError, match="generation_data"), transaction.atomic():
        change(generation_data={"context": {}})
    with transaction.atomic(), gdpr._snapshot_rewrites_allowed():
        change(generation_data={"context": {"attendees": []}})
        with pytest.raises(IntegrityError, match="sha256"), transaction.atomic():
            change(sha256="0" * 64)
    with pytest.raises(IntegrityError, match="generation_data"), transaction.atomic():
        change(generation_data={"context": {}})
    version.refresh_from_db()
    assert version.generation_data == {"context": {"attendees": []}}
