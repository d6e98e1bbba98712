"""The pages of a meeting, as its organiser (the coordinator or the body's secretary) uses them:
planning and changing it, the agenda, invitations, attendance, the attendance list and its signed
scan, minutes verifiers, minutes and their approval; who may do what; query counts."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.contrib.messages import ERROR, SUCCESS, WARNING, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.documents.samples import docx_bytes, pdf_bytes, png_bytes
from tests.workflow.test_meetings import plan_meeting
from tests.workflow.test_resolutions import build_council, record
from workflow import services
from workflow.models import AgendaItem, Attendance, Meeting
from workflow.services import meetings as meeting_services

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")


def url(name: str, *args: Any) -> str:
    return reverse(f"meetings:{name}", args=args)


def levels(response) -> list[int]:
    return [m.level for m in get_messages(response.wsgi_request)]


def meeting_form(cycle, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": Meeting.Kind.BODY_MEETING,
        "body": cycle.steering_group.pk,
        "process": "",
        "title": "Jednání řídící skupiny",
        "session_number": "",
        "starts_at": "2031-07-15T17:30",
        "ends_at": "",
        "place": "Zasedací místnost MěÚ",
        "online_url": "",
        "agenda": "Zahájení\nNávrh plánu\n\nRůzné\n",
        **overrides,
    }


@pytest.fixture
def coordinator_client(client, cycle):
    client.force_login(cycle.coordinator)
    return client


def held_meeting(cycle) -> Meeting:
    """A meeting of yesterday with three members present, one excused and a guest."""
    meeting = plan_meeting(cycle, days_ahead=-1)
    for key in ("chair", "provider", "user"):
        services.attendance_record(
            actor=cycle.coordinator, meeting=meeting, person=cycle.memberships[key].person
        )
    services.attendance_record(
        actor=cycle.coordinator,
        meeting=meeting,
        person=cycle.memberships["public"].person,
        status=Attendance.Status.EXCUSED,
    )
    services.attendance_record(
        actor=cycle.coordinator,
        meeting=meeting,
        guest_name="Eva Hostová",
        guest_organization="Charita Horažďovice",
    )
    return services.meeting_mark_held(actor=cycle.coordinator, meeting=meeting)


# --- planning --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "utc"),
    [
        ("2031-07-15T17:30", dt.datetime(2031, 7, 15, 15, 30, tzinfo=UTC)),  # summer time
        ("2031-01-15T17:30", dt.datetime(2031, 1, 15, 16, 30, tzinfo=UTC)),  # winter time
        ("15. 1. 2031 17:30", dt.datetime(2031, 1, 15, 16, 30, tzinfo=UTC)),
    ],
)
def test_the_coordinator_plans_a_meeting_in_prague_time(coordinator_client, cycle, typed, utc):
    assert coordinator_client.get(url("meeting_create")).status_code == 200
    response = coordinator_client.post(url("meeting_create"), meeting_form(cycle, starts_at=typed))
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get()
    assert meeting.starts_at == utc
    assert (meeting.body, meeting.process, meeting.state) == (
        cycle.steering_group,
        cycle.process,
        Meeting.State.PLANNED,
    )
    assert list(meeting.agenda_items.order_by("order").values_list("order", "title")) == [
        (1, "Zahájení"),
        (2, "Návrh plánu"),
        (3, "Různé"),
    ]
    assert response["Location"] == url("meeting_detail", meeting.pk)
    assert meeting.history.earliest().history_user == cycle.coordinator
    # the detail page shows the time as typed, in Prague time
    page = coordinator_client.get(response["Location"]).content.decode()
    assert utc.astimezone(PRAGUE).strftime("%H:%M") == "17:30"
    assert "17:30" in page


def test_a_public_hearing_belongs_to_the_process(coordinator_client, cycle):
    response = coordinator_client.post(
        url("meeting_create"),
        meeting_form(
            cycle,
            kind=Meeting.Kind.PUBLIC_HEARING,
            body="",
            process=cycle.process.pk,
            title="Veřejné projednání plánu",
            online_url="meet.example.cz/kp",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    hearing = Meeting.objects.get()
    assert (hearing.kind, hearing.body, hearing.process) == (
        Meeting.Kind.PUBLIC_HEARING,
        None,
        cycle.process,
    )
    assert hearing.online_url == "https://meet.example.cz/kp"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2031-07-15T16:00"}, "ends_at"),  # ends before it starts
        ({"starts_at": "zítra odpoledne"}, "starts_at"),
        ({"starts_at": "2031-03-30T02:30"}, "starts_at"),  # does not exist in Prague
        ({"place": "", "online_url": ""}, "place"),
        ({"body": ""}, "body"),
        ({"agenda": "Zahájení\n" + "x" * 301}, "agenda"),  # refused by the service
    ],
)
def test_bad_input_keeps_what_was_typed(coordinator_client, cycle, overrides, field):
    data = meeting_form(cycle, title="Mimořádné jednání ŘS", **overrides)
    response = coordinator_client.post(url("meeting_create"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert form["title"].value() == "Mimořádné jednání ŘS"
    assert "Mimořádné jednání ŘS" in response.content.decode()
    assert not Meeting.objects.exists()


def test_the_coordinator_changes_an_invited_meeting_and_is_told_to_invite_again(
    coordinator_client, cycle
):
    meeting = plan_meeting(cycle, days_ahead=20)
    services.meeting_invite(actor=cycle.coordinator, meeting_id=meeting.pk)
    edit = url("meeting_edit", meeting.pk)
    response = coordinator_client.get(edit)
    assert response.status_code == 200
    assert response.context["form"]["place"].value() == "Zasedací místnost MěÚ"
    data = {
        "title": meeting.title,
        "session_number": "3",
        "starts_at": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": "",
        "place": "Sál kulturního domu",
        "online_url": "",
    }
    response = coordinator_client.post(edit, data)
    assert response.status_code == 302
    assert WARNING in levels(response)
    meeting.refresh_from_db()
    assert (meeting.place, meeting.session_number, meeting.ical_sequence) == (
        "Sál kulturního domu",
        3,
        1,
    )
    # a bad change keeps what was typed
    response = coordinator_client.post(edit, {**data, "place": "Jinde", "ends_at": "2000-01-01"})
    assert response.status_code == 400
    assert response.context["form"]["place"].value() == "Jinde"
    meeting.refresh_from_db()
    assert meeting.place == "Sál kulturního domu"


def test_a_held_meeting_cannot_be_changed(coordinator_client, cycle):
    meeting = held_meeting(cycle)
    response = coordinator_client.post(
        url("meeting_edit", meeting.pk),
        {
            "title": "Přepsáno",
            "starts_at": "2031-07-15T17:30",
            "place": "Jinde",
        },
    )
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.title != "Přepsáno"


def test_cancelling_needs_a_reason(coordinator_client, cycle):
    meeting = plan_meeting(cycle)
    response = coordinator_client.post(url("meeting_cancel", meeting.pk), {"reason": ""})
    assert response.status_code == 400
    response = coordinator_client.post(
        url("meeting_cancel", meeting.pk), {"reason": "Nemoc předsedkyně"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.CANCELLED
    assert meeting.history.latest().history_change_reason == "Nemoc předsedkyně"


# --- invitations -----------------------------------------------------------------------------


@pytest.mark.parametrize(("days_ahead", "late"), [(3, True), (10, False)])
def test_the_page_warns_before_late_invitations(coordinator_client, cycle, days_ahead, late):
    meeting = plan_meeting(cycle, days_ahead=days_ahead)
    response = coordinator_client.get(url("meeting_detail", meeting.pk))
    assert response.context["invitation_late_now"] is late
    response = coordinator_client.post(url("meeting_invite", meeting.pk))
    assert response.status_code == 302
    assert levels(response) == [WARNING if late else SUCCESS]
    meeting.refresh_from_db()
    assert (meeting.state, meeting.invitation_was_late) == (Meeting.State.INVITED, late)


# --- who may do what ------------------------------------------------------------------------


def test_members_read_the_meeting_but_do_not_organise_it(client, cycle):
    meeting = plan_meeting(cycle)
    item = meeting.agenda_items.first()
    client.force_login(cycle.users["provider"])
    response = client.get(url("meeting_detail", meeting.pk))
    assert response.status_code == 200
    assert response.context["can_run"] is False
    assert "agenda_form" not in response.context
    assert client.get(url("meeting_create")).status_code == 403
    for name, args, data in [
        ("meeting_edit", (meeting.pk,), {}),
        ("meeting_invite", (meeting.pk,), {}),
        ("agenda_item_add", (meeting.pk,), {"title": "Vloženo"}),
        ("agenda_item_remove", (meeting.pk, item.pk), {}),
        ("meeting_attendance", (meeting.pk,), {"guest_name": "X", "status": "present"}),
        ("meeting_held", (meeting.pk,), {}),
        ("minutes_generate", (meeting.pk,), {}),
    ]:
        assert client.post(url(name, *args), data).status_code == 403, name
    assert meeting.agenda_items.count() == 3
    assert not meeting.attendances.exists()


def test_other_processes_meetings_are_not_found(client, cycle, other_cycle):
    meeting = plan_meeting(other_cycle)
    client.force_login(cycle.coordinator)
    for name in ("meeting_detail", "meeting_edit"):
        assert client.get(url(name, meeting.pk)).status_code == 404, name
    assert client.post(url("meeting_held", meeting.pk)).status_code == 404


def test_the_council_secretary_plans_a_session_of_the_assembly(client, cycle):
    council = build_council(cycle)
    client.force_login(council.secretary)
    response = client.get(url("meeting_create"))
    assert set(response.context["form"].fields["body"].queryset) == {
        council.board,
        council.assembly,
    }
    response = client.post(
        url("meeting_create"),
        {
            **meeting_form(cycle, body=council.assembly.pk, title="24. zasedání ZM"),
            "process": cycle.process.pk,
            "session_number": "24",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Meeting.objects.get().body == council.assembly


# --- the agenda -------------------------------------------------------------------------------


def agenda(meeting: Meeting) -> list[str]:
    return list(meeting.agenda_items.order_by("order").values_list("title", flat=True))


def test_the_agenda_is_added_to_reordered_edited_and_pruned(coordinator_client, cycle):
    meeting = plan_meeting(cycle)
    response = coordinator_client.post(
        url("agenda_item_add", meeting.pk), {"title": "Akční plán 2026", "presenter": "koordinátor"}
    )
    assert response.status_code == 302
    assert agenda(meeting) == ["Zahájení", "Návrh komunitního plánu", "Různé", "Akční plán 2026"]
    new = meeting.agenda_items.get(title="Akční plán 2026")
    coordinator_client.post(url("agenda_item_move", meeting.pk, new.pk), {"direction": "up"})
    assert agenda(meeting) == ["Zahájení", "Návrh komunitního plánu", "Akční plán 2026", "Různé"]
    first = meeting.agenda_items.get(order=1)
    coordinator_client.post(url("agenda_item_move", meeting.pk, first.pk), {"direction": "up"})
    assert agenda(meeting)[0] == "Zahájení"  # the first item stays first
    coordinator_client.post(url("agenda_item_move", meeting.pk, first.pk), {"direction": "down"})
    assert agenda(meeting)[:2] == ["Návrh komunitního plánu", "Zahájení"]

    plan = meeting.agenda_items.get(title="Návrh komunitního plánu")
    edit = url("agenda_item_edit", meeting.pk, plan.pk)
    assert coordinator_client.get(edit).status_code == 200
    response = coordinator_client.post(edit, {"title": "", "discussion": "Diskuse k návrhu"})
    assert response.status_code == 400
    assert response.context["form"]["discussion"].value() == "Diskuse k návrhu"
    response = coordinator_client.post(
        edit, {"title": plan.title, "presenter": "", "discussion": "Bez připomínek."}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.discussion == "Bez připomínek."

    response = coordinator_client.post(url("agenda_item_remove", meeting.pk, plan.pk))
    assert response.status_code == 302
    assert agenda(meeting) == ["Zahájení", "Akční plán 2026", "Různé"]
    assert list(meeting.agenda_items.order_by("order").values_list("order", flat=True)) == [1, 2, 3]
    removed = AgendaItem.history.filter(id=plan.pk, history_type="-").get()
    assert removed.history_user == cycle.coordinator


def test_an_item_with_a_resolution_stays_on_the_agenda(coordinator_client, cycle):
    meeting = held_meeting(cycle)
    item = meeting.agenda_items.get(order=2)
    record(
        cycle.admin,
        cycle.steering_group,
        adopted_on=timezone.localdate(),
        meeting=meeting,
        agenda_item=item,
        present=3,
        votes_for=3,
        points=[{"verb": "recommends", "text": "návrh plánu"}],
    )
    response = coordinator_client.post(url("agenda_item_remove", meeting.pk, item.pk))
    assert ERROR in levels(response)
    assert meeting.agenda_items.filter(pk=item.pk).exists()


def test_an_empty_agenda_item_is_refused_and_the_presenter_kept(coordinator_client, cycle):
    meeting = plan_meeting(cycle)
    response = coordinator_client.post(
        url("agenda_item_add", meeting.pk), {"title": "  ", "presenter": "Jana Nováková"}
    )
    assert response.status_code == 400
    assert response.context["agenda_form"]["presenter"].value() == "Jana Nováková"
    assert meeting.agenda_items.count() == 3


# --- attendance ------------------------------------------------------------------------------


def test_attendance_of_every_member_in_one_form(coordinator_client, cycle):
    meeting = plan_meeting(cycle, days_ahead=-1)
    members = {key: m.person for key, m in cycle.memberships.items()}
    response = coordinator_client.get(url("meeting_detail", meeting.pk))
    sheet = response.context["sheet_form"]
    assert {row.person for row in sheet.rows} == set(members.values())
    data = {
        f"status_{members['chair'].pk}": "present",
        f"signed_{members['chair'].pk}": "on",
        f"status_{members['provider'].pk}": "present",
        f"status_{members['user'].pk}": "excused",
        f"status_{members['public'].pk}": "absent",
    }
    response = coordinator_client.post(url("meeting_attendance_sheet", meeting.pk), data)
    assert response.status_code == 302
    recorded = {a.person: (a.status, a.is_signed) for a in meeting.attendances.all()}
    assert recorded == {
        members["chair"]: ("present", True),
        members["provider"]: ("present", False),
        members["user"]: ("excused", False),
        members["public"]: ("absent", False),
    }
    chair_line = meeting.attendances.get(person=members["chair"])
    assert chair_line.membership == cycle.memberships["chair"] and chair_line.is_voting_member
    history_rows = Attendance.history.count()
    # sending the same sheet again changes nothing
    coordinator_client.post(url("meeting_attendance_sheet", meeting.pk), data)
    assert Attendance.history.count() == history_rows

    # a signature without an attendance is refused, with what was typed kept
    bad = {**data, f"signed_{members['observer'].pk}": "on"}
    response = coordinator_client.post(url("meeting_attendance_sheet", meeting.pk), bad)
    assert response.status_code == 400
    form = response.context["sheet_form"]
    assert f"status_{members['observer'].pk}" in form.errors
    assert form[f"status_{members['user'].pk}"].value() == "excused"
    assert not meeting.attendances.filter(person=members["observer"]).exists()


def test_guests_are_added_and_removed(coordinator_client, cycle):
    meeting = plan_meeting(cycle, days_ahead=-1)
    response = coordinator_client.post(
        url("meeting_attendance", meeting.pk),
        {"guest_name": "", "guest_organization": "Charita", "status": "present"},
    )
    assert response.status_code == 400
    assert response.context["guest_form"]["guest_organization"].value() == "Charita"
    response = coordinator_client.post(
        url("meeting_attendance", meeting.pk),
        {"guest_name": "Eva Hostová", "guest_organization": "Charita", "status": "present"},
    )
    assert response.status_code == 302
    guest = meeting.attendances.get()
    assert (guest.guest_name, guest.is_voting_member) == ("Eva Hostová", False)
    response = coordinator_client.post(url("attendance_remove", meeting.pk, guest.pk))
    assert response.status_code == 302
    assert not meeting.attendances.exists()


def test_a_meeting_is_held_once_it_has_started(coordinator_client, cycle):
    future = plan_meeting(cycle, days_ahead=2)
    response = coordinator_client.post(url("meeting_held", future.pk))
    assert ERROR in levels(response)
    future.refresh_from_db()
    assert future.state == Meeting.State.PLANNED
    past = plan_meeting(cycle, days_ahead=-1)
    response = coordinator_client.post(url("meeting_held", past.pk))
    assert SUCCESS in levels(response)
    past.refresh_from_db()
    assert past.state == Meeting.State.HELD and past.held_at is not None


# --- the attendance list and its signed scan ---------------------------------------------------


def test_the_attendance_list_is_generated_and_downloaded(coordinator_client, cycle):
    meeting = held_meeting(cycle)
    response = coordinator_client.post(url("attendance_list_generate", meeting.pk))
    assert response.status_code == 302
    meeting.refresh_from_db()
    version = meeting.attendance_document.versions.get()
    assert version.content_type.endswith("wordprocessingml.document")
    page = coordinator_client.get(url("meeting_detail", meeting.pk)).content.decode()
    download = reverse("documents:version_download", args=[version.pk])
    assert download in page
    response = coordinator_client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("prezence.pdf", pdf_bytes("Prezenční listina"), True),
        ("prezence.png", png_bytes(), True),
        ("prezence.docx", docx_bytes(["Prezenční listina"]), False),  # not a scan
        ("prezence.pdf", b"not a pdf at all", False),  # refused by the content check
    ],
)
def test_the_signed_scan_is_uploaded(coordinator_client, cycle, name, content, accepted):
    meeting = held_meeting(cycle)
    response = coordinator_client.post(
        url("attendance_scan_upload", meeting.pk),
        {"scan": SimpleUploadedFile(name, content)},
    )
    meeting.refresh_from_db()
    if accepted:
        assert response.status_code == 302
        scan = meeting.attendance_scan
        assert scan.document == meeting.attendance_document
        assert scan.provenance == "uploaded"
        assert not scan.document.is_publishable
    else:
        assert response.status_code == 400
        assert "scan" in response.context["scan_form"].errors
        assert meeting.attendance_scan is None
        assert (
            meeting.attendance_document is None or not meeting.attendance_document.versions.exists()
        )


def test_the_scan_is_uploaded_only_after_the_meeting(coordinator_client, cycle):
    meeting = plan_meeting(cycle)
    response = coordinator_client.post(
        url("attendance_scan_upload", meeting.pk),
        {"scan": SimpleUploadedFile("prezence.pdf", pdf_bytes())},
    )
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.attendance_scan is None


# --- minutes -----------------------------------------------------------------------------------


def test_minutes_from_verifiers_to_publication(coordinator_client, cycle):
    meeting = held_meeting(cycle)
    chair, provider = (cycle.memberships[k].person for k in ("chair", "provider"))
    public = cycle.memberships["public"].person  # excused

    response = coordinator_client.post(
        url("meeting_verifiers", meeting.pk), {"verifiers": [chair.pk, public.pk]}
    )
    assert response.status_code == 400
    assert response.context["verifiers_form"].errors
    assert not meeting.minutes_verifiers.exists()

    response = coordinator_client.post(url("minutes_generate", meeting.pk))
    assert response.status_code == 302
    response = coordinator_client.post(url("minutes_approve", meeting.pk), {"mode": "per_rollam"})
    assert response.status_code == 400  # no verifiers named
    assert response.context["approve_form"].non_field_errors()

    response = coordinator_client.post(
        url("meeting_verifiers", meeting.pk), {"verifiers": [chair.pk, provider.pk]}
    )
    assert response.status_code == 302
    assert set(meeting.minutes_verifiers.all()) == {chair, provider}
    latest = meeting.history.latest()
    assert latest.history_user == cycle.coordinator
    assert {v.person for v in latest.minutes_verifiers.all()} == {chair, provider}

    detail = coordinator_client.get(url("meeting_detail", meeting.pk))
    assert detail.context["approval_problems"]  # the minutes predate the verifiers
    coordinator_client.post(url("minutes_generate", meeting.pk))
    detail = coordinator_client.get(url("meeting_detail", meeting.pk))
    assert detail.context["approval_problems"] == []
    response = coordinator_client.post(url("minutes_approve", meeting.pk), {"mode": "meeting"})
    assert response.status_code == 400  # which meeting?
    response = coordinator_client.post(url("minutes_approve", meeting.pk), {"mode": "per_rollam"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.MINUTES_APPROVED
    assert meeting.minutes_version.document == meeting.minutes_document
    assert meeting.minutes_version.number == 2
    assert meeting.minutes_version.status == "submitted"  # a record from now on
    response = coordinator_client.post(url("minutes_publish", meeting.pk))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.MINUTES_PUBLISHED
    page = coordinator_client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert (
        reverse("documents:version_download", args=[meeting.published_minutes_version.pk]) in page
    )


def test_minutes_approved_at_the_next_meeting_of_the_body(coordinator_client, cycle):
    meeting = held_meeting(cycle)
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator, meeting=meeting, persons=[cycle.memberships["chair"].person]
    )
    services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
    next_one = plan_meeting(cycle, days_ahead=0, starts_at=timezone.now() - dt.timedelta(hours=1))
    plan_meeting(cycle, days_ahead=5, title="Až příště")  # not yet taken place
    detail = coordinator_client.get(url("meeting_detail", meeting.pk))
    assert list(detail.context["approve_form"].fields["approved_at_meeting"].queryset) == [next_one]
    response = coordinator_client.post(
        url("minutes_approve", meeting.pk),
        {"mode": "meeting", "approved_at_meeting": next_one.pk},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes_approved_by == next_one


# --- query counts ------------------------------------------------------------------------------


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_the_meeting_list_of_a_process_takes_constant_queries(coordinator_client, cycle):
    path = url("meeting_list") + f"?process={cycle.process.pk}"
    plan_meeting(cycle)
    count_queries(coordinator_client, path)  # warms the per-process caches
    few = count_queries(coordinator_client, path)
    for n in range(8):
        meeting = plan_meeting(cycle, days_ahead=20 + n)
        services.attendance_record(
            actor=cycle.coordinator, meeting=meeting, person=cycle.memberships["chair"].person
        )
    assert count_queries(coordinator_client, path) == few


def test_the_meeting_page_takes_constant_queries(coordinator_client, cycle):
    meeting = held_meeting(cycle)
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator, meeting=meeting, persons=[cycle.memberships["chair"].person]
    )
    services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
    path = url("meeting_detail", meeting.pk)
    count_queries(coordinator_client, path)
    few = count_queries(coordinator_client, path)
    for n in range(6):
        meeting_services.agenda_item_add(actor=cycle.coordinator, meeting=meeting, title=f"Bod {n}")
        services.attendance_record(
            actor=cycle.coordinator, meeting=meeting, guest_name=f"Host {n}", guest_organization="X"
        )
    services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
    assert count_queries(coordinator_client, path) == few


def test_the_resolution_list_takes_constant_queries(client, cycle):
    council = build_council(cycle)
    record(council.secretary, council.assembly, points=[{"verb": "approves", "text": "plán"}])
    client.force_login(council.secretary)
    path = url("resolution_list")
    count_queries(client, path)
    few = count_queries(client, path)
    for n in range(6):
        record(
            council.secretary,
            council.assembly,
            points=[
                {"verb": "instructs", "text": f"úkol {n}", "deadline": dt.date(2014, 10, 1)},
                {"verb": "takes_note", "text": "zpráva"},
            ],
        )
    assert count_queries(client, path) == few
