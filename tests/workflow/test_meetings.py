"""Meetings: invitations and their lead time, attendance, minutes (full and published), lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stakeholders import services as stakeholder_services
from stakeholders.exceptions import PermissionDenied, ValidationFailed
from stakeholders.models import Body, Membership
from tests.factories import TargetGroupFactory
from tests.workflow.test_resolutions import build_council, record
from workflow import selectors_meetings, services
from workflow.models import Attendance, Meeting
from workflow.services import meetings as meeting_services

pytestmark = pytest.mark.django_db


def plan_meeting(cycle, *, days_ahead: int = 14, **kw) -> Meeting:
    defaults = {
        "kind": Meeting.Kind.BODY_MEETING,
        "title": "Jednání řídící skupiny",
        "starts_at": timezone.now() + dt.timedelta(days=days_ahead),
        "body": cycle.steering_group,
        "place": "Zasedací místnost MěÚ",
        "agenda": ["Zahájení", "Návrh komunitního plánu", "Různé"],
    }
    defaults.update(kw)
    return services.meeting_create(actor=cycle.coordinator, **defaults)


def test_the_coordinator_plans_a_meeting_with_its_agenda(cycle):
    meeting = plan_meeting(cycle)
    assert meeting.process == cycle.process
    assert [i.title for i in meeting.agenda_items.order_by("order")] == [
        "Zahájení",
        "Návrh komunitního plánu",
        "Různé",
    ]
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            actor=cycle.users["provider"],
            kind=Meeting.Kind.BODY_MEETING,
            title="x",
            starts_at=timezone.now(),
            body=cycle.steering_group,
        )


@pytest.mark.parametrize(("days_ahead", "is_late"), [(14, False), (8, False), (3, True)])
def test_invitations_with_the_lead_time(
    cycle, django_capture_on_commit_callbacks, days_ahead, is_late
):
    meeting = plan_meeting(cycle, days_ahead=days_ahead)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.meeting_invite(actor=cycle.coordinator, meeting_id=meeting.pk)
    assert result.is_late is is_late
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.INVITED
    assert meeting.invitation_was_late is is_late
    invitations = [m for m in mail.outbox if m.attachments]
    assert len(invitations) == result.recipients == len(cycle.memberships)
    _name, content, mimetype = invitations[0].attachments[0]
    assert mimetype == "text/calendar" and "BEGIN:VEVENT" in str(content)
    warnings = [m for m in mail.outbox if not m.attachments]
    assert len(warnings) == (1 if is_late else 0)
    if is_late:
        assert warnings[0].to == ["coordinator-3203@example.cz"]


def test_uninvited_meetings_are_warned_about_once(cycle):
    plan_meeting(cycle, days_ahead=3)
    plan_meeting(cycle, days_ahead=20)
    mail.outbox.clear()
    assert meeting_services.meetings_warn_uninvited() == 1
    assert meeting_services.meetings_warn_uninvited() == 0
    assert len(mail.outbox) == 1


def test_a_body_has_its_own_lead_time(cycle):
    cycle.steering_group.invitation_lead_days = 10
    cycle.steering_group.save()
    meeting = plan_meeting(cycle, days_ahead=8)
    assert services.meeting_invite(actor=cycle.coordinator, meeting_id=meeting.pk).is_late


def test_attendance_keeps_the_facts_of_the_day(cycle, superuser):
    meeting = plan_meeting(cycle)
    chair = cycle.memberships["chair"]
    row = services.attendance_record(
        actor=cycle.coordinator, meeting=meeting, person=chair.person, is_signed=True
    )
    assert (row.triad_side, row.is_voting_member, row.membership) == (
        Membership.TriadSide.COMMISSIONER,
        True,
        chair,
    )
    observer = services.attendance_record(
        actor=cycle.coordinator, meeting=meeting, person=cycle.memberships["observer"].person
    )
    assert observer.is_voting_member is False
    guest = services.attendance_record(
        actor=cycle.coordinator,
        meeting=meeting,
        guest_name="Eva Hostová",
        guest_organization="Charita Horažďovice",
    )
    assert guest.is_guest and guest.membership is None
    # correcting a person's line does not add another
    services.attendance_record(
        actor=cycle.coordinator,
        meeting=meeting,
        person=chair.person,
        status=Attendance.Status.EXCUSED,
    )
    assert meeting.attendances.count() == 3
    with pytest.raises(ValidationFailed):
        services.attendance_record(actor=cycle.coordinator, meeting=meeting)
    with pytest.raises(ValidationFailed):
        services.attendance_record(
            actor=cycle.coordinator, meeting=meeting, person=chair.person, guest_name="Někdo"
        )


def test_a_working_group_attendance_records_its_target_group(cycle, superuser):
    seniors = TargetGroupFactory(code="seniori", name="Senioři")
    group = stakeholder_services.body_create(
        actor=superuser,
        kind=Body.Kind.WORKING_GROUP,
        name="PS Senioři",
        process=cycle.process,
        target_group=seniors,
    )
    stakeholder_services.membership_create(
        actor=superuser,
        person=cycle.memberships["provider"].person,
        body=group,
        triad_side=Membership.TriadSide.PROVIDER,
        valid_from=timezone.localdate() - dt.timedelta(days=5),
    )
    meeting = plan_meeting(cycle, body=group, title="PS Senioři")
    row = services.attendance_record(
        actor=cycle.coordinator, meeting=meeting, person=cycle.memberships["provider"].person
    )
    assert row.target_group == seniors and row.triad_side == "provider"


def _held_meeting(cycle):
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
    services.attendance_record(
        actor=cycle.coordinator, meeting=meeting, guest_name="Karel Soukromý"
    )
    return services.meeting_mark_held(actor=cycle.coordinator, meeting=meeting)


def test_minutes_full_and_published(cycle):
    meeting = _held_meeting(cycle)
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
    full = meeting_services.minutes_context(meeting)
    published = meeting_services.minutes_context(meeting, published=True)
    assert (full["members_total"], full["present"], full["excused"], full["guests"]) == (4, 3, 1, 2)
    assert full["is_quorate"] is True
    assert full["chair"] == cycle.memberships["chair"].person.full_name
    assert full["agenda"][1]["decisions"][0]["votes_for"] == 3
    text_full, text_published = str(full), str(published)
    assert "Karel Soukromý" not in text_full  # guests are counted, not listed, in the minutes
    assert published["chair"] == full["chair"]  # members of the body keep their names
    for private in ("Eva Hostová", "Karel Soukromý"):
        assert private not in text_published
    from documents.services.rendering import MinutesContext

    assert set(full) == set(MinutesContext.__required_keys__)


def test_attendance_list_for_printing_lists_members_and_guests(cycle):
    meeting = _held_meeting(cycle)
    context = meeting_services.attendance_list_context(meeting)
    names = [row["name"] for row in context["attendees"]]
    assert cycle.memberships["chair"].person.full_name in names
    assert "Eva Hostová" in names and "Karel Soukromý" in names
    assert len(names) == len(set(names))
    assert "GDPR" in context["gdpr_notice"]
    from documents.services.rendering import AttendanceListContext

    assert set(context) == set(AttendanceListContext.__required_keys__)


def test_minutes_are_generated_and_go_through_approval(cycle):
    meeting = _held_meeting(cycle)
    minutes = services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
    full, published = minutes.full, minutes.published
    assert full.document != published.document
    assert {full.document.kind, published.document.kind} == {"minutes"}
    assert full.generation_data["meeting_id"] == meeting.pk
    services_verifiers = [cycle.memberships[k].person for k in ("chair", "provider")]
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator, meeting=meeting, persons=services_verifiers
    )
    with pytest.raises(ValidationFailed):  # generated before the verifiers were named
        services.meeting_minutes_approve(actor=cycle.coordinator, meeting=meeting)
    minutes = services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
    later = plan_meeting(cycle, days_ahead=20, title="Další jednání")
    with pytest.raises(ValidationFailed):  # the approving meeting has not taken place yet
        services.meeting_minutes_approve(
            actor=cycle.coordinator, meeting=meeting, approved_at_meeting=later
        )
    services.meeting_minutes_approve(actor=cycle.coordinator, meeting=meeting)  # per rollam
    meeting = services.meeting_minutes_publish(actor=cycle.coordinator, meeting=meeting)
    assert meeting.state == Meeting.State.MINUTES_PUBLISHED
    assert meeting.minutes_version == minutes.full
    assert meeting.published_minutes_version == minutes.published
    assert meeting.minutes_approved_by is None


def test_publishing_the_minutes_publishes_their_version_for_the_public_only(cycle):
    """The minutes approved at a later meeting: their published version is approved in the
    documents register by that approval (a decision of the body at that meeting) and
    published; the full version stays a submitted record."""
    meeting = _held_meeting(cycle)
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator, meeting=meeting, persons=_verifiers(cycle, "chair")
    )
    minutes = services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
    later = plan_meeting(cycle, days_ahead=-0.5, title="Další jednání")
    meeting = services.meeting_minutes_approve(
        actor=cycle.coordinator, meeting=meeting, approved_at_meeting=later
    )
    with pytest.raises(PermissionDenied):
        services.meeting_minutes_publish(actor=cycle.users["provider"], meeting=meeting)
    meeting = services.meeting_minutes_publish(actor=cycle.coordinator, meeting=meeting)
    published = meeting.published_minutes_version
    published.refresh_from_db()
    assert published == minutes.published
    assert (published.status, published.published_at is not None) == ("published", True)
    decision = published.approved_by_decision
    assert decision.body == cycle.steering_group and decision.document_version == published
    assert (decision.status, decision.mode) == ("adopted", "meeting")
    assert decision.held_at == later.starts_at
    assert decision.closed_at == meeting.minutes_approved_at
    minutes.full.refresh_from_db()
    assert minutes.full.status == "submitted" and minutes.full.approved_by_decision is None
    with pytest.raises(ValidationFailed):  # once is enough
        services.meeting_minutes_publish(actor=cycle.coordinator, meeting=meeting)


def test_minutes_are_not_generated_before_the_meeting(cycle):
    with pytest.raises(ValidationFailed):
        services.meeting_minutes_generate(actor=cycle.coordinator, meeting=plan_meeting(cycle))


def test_council_meetings_are_run_by_the_secretary(cycle):
    council = build_council(cycle)
    meeting = services.meeting_create(
        actor=council.secretary,
        kind=Meeting.Kind.BODY_MEETING,
        title="24. zasedání zastupitelstva",
        session_number=24,
        starts_at=timezone.now() + dt.timedelta(days=10),
        body=council.assembly,
        process=cycle.process,
    )
    resolution = record(council.secretary, council.assembly, meeting=meeting)
    assert resolution.session == 24
    with pytest.raises(PermissionDenied):
        services.meeting_invite(actor=cycle.users["chair"], meeting_id=meeting.pk)


def test_meeting_list_takes_the_same_number_of_queries(cycle, client):
    client.force_login(cycle.coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("meetings:meeting_list"))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    plan_meeting(cycle)
    count()  # warms the per-process caches (content types)
    few = count()
    for n in range(6):
        meeting = plan_meeting(cycle, days_ahead=20 + n)
        services.attendance_record(
            actor=cycle.coordinator, meeting=meeting, person=cycle.memberships["chair"].person
        )
    assert count() == few
    assert len(selectors_meetings.meeting_list(actor=cycle.coordinator)) == 7


def test_meetings_of_other_processes_are_not_found(cycle, other_cycle, client):
    meeting = plan_meeting(other_cycle)
    client.force_login(cycle.coordinator)
    assert client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).status_code == 404
    assert list(selectors_meetings.meeting_list(actor=cycle.coordinator)) == []
    client.force_login(other_cycle.coordinator)
    response = client.get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 200
    assert "Zasedací místnost" in response.content.decode()


def test_resolution_pages(cycle, client):
    council = build_council(cycle)
    resolution = record(
        council.secretary,
        council.assembly,
        points=[{"verb": "instructs", "text": "předložit", "deadline": dt.date(2014, 10, 1)}],
    )
    client.force_login(council.secretary)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("meetings:resolution_list"))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    count()  # warms the per-process caches (content types)
    few = count()
    for _ in range(5):
        record(council.secretary, council.assembly, points=[{"verb": "approves", "text": "x"}])
    assert count() == few
    response = client.get(reverse("meetings:resolution_detail", args=[resolution.pk]))
    assert response.status_code == 200 and resolution.number in response.content.decode()
    point = resolution.points.get()
    response = client.post(
        reverse("meetings:resolution_point_status", args=[resolution.pk, point.pk]),
        {"status": "fulfilled"},
    )
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.status == "fulfilled" and point.fulfilled_on is not None
    client.force_login(cycle.users["provider"])
    assert (
        client.get(reverse("meetings:resolution_detail", args=[resolution.pk])).status_code == 404
    )


def test_the_attendance_list_is_rendered_for_printing(cycle):
    meeting = _held_meeting(cycle)
    version = services.meeting_attendance_list_generate(actor=cycle.coordinator, meeting=meeting)
    meeting.refresh_from_db()
    assert version.document == meeting.attendance_document
    assert version.document.kind == "attendance_list"
    assert not version.document.is_publishable
    assert version.provenance == "generated"


# --- minutes verifiers (ověřovatelé zápisu) ------------------------------------------------------


def _docx_text(version) -> str:
    import io

    from docx import Document as DocxDocument

    with version.file.open("rb") as handle:
        document = DocxDocument(io.BytesIO(handle.read()))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def _verifiers(cycle, *keys: str) -> list:
    return [cycle.memberships[key].person for key in keys]


def test_verifiers_are_people_present_at_the_meeting(cycle):
    meeting = _held_meeting(cycle)  # chair, provider, user present; public excused
    for keys in (("public",), ("observer",), ("chair", "public")):
        with pytest.raises(ValidationFailed) as refused:
            meeting_services.meeting_verifiers_set(
                actor=cycle.coordinator, meeting=meeting, persons=_verifiers(cycle, *keys)
            )
        assert "verifiers" in refused.value.errors
    assert not meeting.minutes_verifiers.exists()
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator, meeting=meeting, persons=_verifiers(cycle, "chair", "user")
    )
    assert set(meeting.minutes_verifiers.all()) == set(_verifiers(cycle, "chair", "user"))
    latest = meeting.history.latest()
    assert latest.history_user == cycle.coordinator
    assert latest.history_change_reason
    with pytest.raises(PermissionDenied):
        meeting_services.meeting_verifiers_set(
            actor=cycle.users["provider"], meeting=meeting, persons=_verifiers(cycle, "provider")
        )


def test_a_verifier_stays_present_while_named(cycle):
    meeting = _held_meeting(cycle)
    chair = cycle.memberships["chair"].person
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator, meeting=meeting, persons=[chair]
    )
    with pytest.raises(ValidationFailed):
        services.attendance_record(
            actor=cycle.coordinator,
            meeting=meeting,
            person=chair,
            status=Attendance.Status.EXCUSED,
        )
    with pytest.raises(ValidationFailed):
        meeting_services.attendance_remove(
            actor=cycle.coordinator, attendance=meeting.attendances.get(person=chair)
        )
    assert meeting.attendances.get(person=chair).status == Attendance.Status.PRESENT


@pytest.mark.parametrize(
    ("body_kind", "needed"),
    [(Body.Kind.STEERING_GROUP, 1), (Body.Kind.WORKING_GROUP, 1), (Body.Kind.ASSEMBLY, 2)],
)
def test_how_many_verifiers_each_body_needs(cycle, body_kind, needed):
    if body_kind == Body.Kind.ASSEMBLY:
        body = build_council(cycle).assembly
    elif body_kind == Body.Kind.WORKING_GROUP:
        body = stakeholder_services.body_create(
            actor=cycle.admin,
            kind=body_kind,
            name="PS Senioři",
            process=cycle.process,
            target_group=TargetGroupFactory(),
        )
    else:
        body = cycle.steering_group
    meeting = plan_meeting(cycle, body=body, process=cycle.process)
    assert meeting_services.minutes_verifiers_needed(meeting) == needed


def test_minutes_are_not_approved_without_enough_verifiers(cycle):
    council = build_council(cycle)
    meeting = services.meeting_create(
        actor=council.secretary,
        kind=Meeting.Kind.BODY_MEETING,
        title="24. zasedání zastupitelstva",
        session_number=24,
        starts_at=timezone.now() - dt.timedelta(hours=3),
        body=council.assembly,
        process=cycle.process,
    )
    people = [cycle.memberships[key].person for key in ("chair", "provider")]
    for person in people:
        services.attendance_record(actor=council.secretary, meeting=meeting, person=person)
    services.meeting_mark_held(actor=council.secretary, meeting=meeting)
    meeting_services.meeting_verifiers_set(
        actor=council.secretary, meeting=meeting, persons=people[:1]
    )
    problems = meeting_services.verifier_conditions(meeting)
    assert len(problems) == 1 and "2" in problems[0]
    with pytest.raises(ValidationFailed) as refused:
        services.meeting_minutes_approve(actor=council.secretary, meeting=meeting)
    assert refused.value.code == "minutes_not_ready"
    assert problems[0] in refused.value.message
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.HELD


def test_the_minutes_docx_names_the_verifiers(cycle):
    meeting = _held_meeting(cycle)
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator, meeting=meeting, persons=_verifiers(cycle, "chair", "user")
    )
    minutes = services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
    for version in (minutes.full, minutes.published):
        text = _docx_text(version)
        for person in _verifiers(cycle, "chair", "user"):  # members keep their names
            assert f"Ověřovatel(ka) zápisu: {person.full_name}" in text
        assert "Eva Hostová" not in text
    assert minutes.full.generation_data["context"]["verifiers"] == sorted(
        p.full_name for p in _verifiers(cycle, "chair", "user")
    )


def test_a_verifier_without_membership_is_not_named_in_the_published_minutes(cycle, superuser):
    meeting = _held_meeting(cycle)
    outsider = stakeholder_services.person_create(
        actor=superuser, first_name="Karel", last_name="Soukromník"
    )
    services.attendance_record(actor=cycle.coordinator, meeting=meeting, person=outsider)
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator, meeting=meeting, persons=[outsider]
    )
    full = meeting_services.minutes_context(meeting)
    published = meeting_services.minutes_context(meeting, published=True)
    assert full["verifiers"] == ["Karel Soukromník"]
    assert "Soukromník" not in str(published)


def test_verifiers_and_minutes_are_fixed_once_approved(cycle):
    meeting = _held_meeting(cycle)
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator, meeting=meeting, persons=_verifiers(cycle, "chair")
    )
    services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
    services.meeting_minutes_approve(actor=cycle.coordinator, meeting=meeting)
    for attempt in (
        lambda: meeting_services.meeting_verifiers_set(
            actor=cycle.coordinator, meeting=meeting, persons=_verifiers(cycle, "user")
        ),
        lambda: services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting),
        lambda: services.attendance_record(
            actor=cycle.coordinator, meeting=meeting, guest_name="Pozdní host"
        ),
        lambda: meeting_services.agenda_item_add(
            actor=cycle.coordinator, meeting=meeting, title="Dodatečný bod"
        ),
    ):
        with pytest.raises(ValidationFailed):
            attempt()
    meeting.refresh_from_db()
    assert meeting.minutes_version.status == "submitted"
    assert meeting.published_minutes_version.status == "submitted"


def test_changed_attendance_makes_generated_minutes_stale(cycle):
    meeting = _held_meeting(cycle)
    meeting_services.meeting_verifiers_set(
        actor=cycle.coordinator, meeting=meeting, persons=_verifiers(cycle, "chair")
    )
    services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting_services.minutes_approval_conditions(meeting) == []
    services.attendance_record(
        actor=cycle.coordinator,
        meeting=meeting,
        person=cycle.memberships["public"].person,  # was excused, came after all
    )
    assert meeting_services.minutes_approval_conditions(meeting)
    with pytest.raises(ValidationFailed):
        services.meeting_minutes_approve(actor=cycle.coordinator, meeting=meeting)


# --- every meeting keeps its own documents ----------------------------------------------------


def test_each_meeting_has_its_own_minutes_and_attendance_documents(cycle):
    first, second = _held_meeting(cycle), _held_meeting(cycle)
    for meeting in (first, second):
        services.meeting_minutes_generate(actor=cycle.coordinator, meeting=meeting)
        services.meeting_attendance_list_generate(actor=cycle.coordinator, meeting=meeting)
    again = services.meeting_minutes_generate(actor=cycle.coordinator, meeting=first)
    first.refresh_from_db()
    second.refresh_from_db()
    documents = (
        [m.minutes_document for m in (first, second)]
        + [m.published_minutes_document for m in (first, second)]
        + [m.attendance_document for m in (first, second)]
    )
    assert len({d.pk for d in documents}) == 6
    assert all(d.process == cycle.process for d in documents)
    assert again.full.document == first.minutes_document and again.full.number == 2
    assert again.published.document == first.published_minutes_document
    assert second.minutes_document.versions.count() == 1
    assert second.attendance_document.versions.get().generation_data["meeting_id"] == second.pk
    assert {d.kind for d in documents[:4]} == {"minutes"}
    assert {d.kind for d in documents[4:]} == {"attendance_list"}
    # the version for publication leaves out the guests' names, the full one counts them
    published_context = again.published.generation_data["context"]
    assert "Eva Hostová" not in str(published_context)
    assert again.full.generation_data["context"]["guests"] == 2


def test_minutes_of_a_meeting_are_approved_only_with_its_own_versions(cycle):
    first, second = _held_meeting(cycle), _held_meeting(cycle)
    for meeting in (first, second):
        meeting_services.meeting_verifiers_set(
            actor=cycle.coordinator, meeting=meeting, persons=_verifiers(cycle, "chair")
        )
    own = services.meeting_minutes_generate(actor=cycle.coordinator, meeting=first)
    other = services.meeting_minutes_generate(actor=cycle.coordinator, meeting=second)
    with pytest.raises(ValidationFailed):
        services.meeting_minutes_approve(
            actor=cycle.coordinator,
            meeting=first,
            minutes_version=other.full,
            published_version=own.published,
        )
    services.meeting_minutes_approve(actor=cycle.coordinator, meeting=first)


# --- planning changes -------------------------------------------------------------------------


def test_changing_an_invited_meeting_raises_the_calendar_revision(cycle):
    meeting = plan_meeting(cycle, days_ahead=20)
    result = meeting_services.meeting_update(
        actor=cycle.coordinator,
        meeting=meeting,
        title=meeting.title,
        starts_at=meeting.starts_at,
        place="Jiná místnost",
    )
    assert not result.needs_new_invitations and result.meeting.ical_sequence == 0
    services.meeting_invite(actor=cycle.coordinator, meeting_id=meeting.pk)
    result = meeting_services.meeting_update(
        actor=cycle.coordinator,
        meeting=meeting,
        title=meeting.title,
        starts_at=meeting.starts_at + dt.timedelta(hours=1),
        place="Jiná místnost",
    )
    assert result.needs_new_invitations and result.meeting.ical_sequence == 1
    with pytest.raises(PermissionDenied):
        meeting_services.meeting_update(
            actor=cycle.users["chair"],
            meeting=meeting,
            title="x",
            starts_at=meeting.starts_at,
        )


def test_a_public_hearing_needs_its_process(cycle):
    with pytest.raises(ValidationFailed) as refused:
        services.meeting_create(
            actor=cycle.coordinator,
            kind=Meeting.Kind.PUBLIC_HEARING,
            title="Veřejné projednání",
            starts_at=timezone.now() + dt.timedelta(days=20),
        )
    assert "process" in refused.value.errors
