"""iCalendar feeds: they parse back with ``icalendar``, in Europe/Prague with a VTIMEZONE, behind
secret addresses that rotate."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from stakeholders import services as stakeholder_services
from stakeholders.exceptions import NotFound
from tests.workflow.test_meetings import plan_meeting
from workflow import services
from workflow.calendar import CalendarEvent, build_calendar
from workflow.models import CalendarFeedToken, Meeting, Stage

pytestmark = pytest.mark.django_db

PRAGUE = ZoneInfo("Europe/Prague")


def _parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        # winter (CET, +1) and summer (CEST, +2)
        (dt.datetime(2026, 1, 15, 16, 0, tzinfo=dt.UTC), dt.datetime(2026, 1, 15, 17, 0)),
        (dt.datetime(2026, 7, 15, 14, 30, tzinfo=dt.UTC), dt.datetime(2026, 7, 15, 16, 30)),
    ],
)
def test_times_are_in_prague_with_a_vtimezone(utc, local):
    data = build_calendar("Test", [CalendarEvent(uid="a@komplan", summary="ŘS", starts_at=utc)])
    calendar = _parse(data)
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Prague"]
    event = calendar.walk("VEVENT")[0]
    assert event["DTSTART"].params["TZID"] == "Europe/Prague"
    start = event.decoded("DTSTART")
    assert start.replace(tzinfo=None) == local
    assert start.utcoffset() == utc.astimezone(PRAGUE).utcoffset()
    assert start == utc
    assert event.decoded("DTEND") - start == dt.timedelta(hours=2)
    assert b"TZID=Europe/Prague:" in data


def test_a_meeting_invitation_parses_back(cycle):
    starts = timezone.make_aware(dt.datetime(2026, 3, 30, 9, 0), PRAGUE)  # the day after DST
    meeting = plan_meeting(
        cycle, starts_at=starts, ends_at=starts + dt.timedelta(hours=1, minutes=30)
    )
    calendar = _parse(services.meetings.meeting_ics(meeting))
    event = calendar.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Jednání řídící skupiny"
    assert str(event["UID"]) == f"meeting-{meeting.ical_uid}@komplan"
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(hours=2)
    assert event.decoded("DTEND") == starts + dt.timedelta(hours=1, minutes=30)
    assert "2. Návrh komunitního plánu" in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == "Zasedací místnost MěÚ"
    assert calendar["METHOD"] == "PUBLISH"


def test_the_process_feed_has_meetings_and_deadlines(cycle, client):
    meeting = plan_meeting(cycle)
    services.stage_deadline_set(
        actor=cycle.coordinator,
        process=cycle.process,
        stage=Stage.MAPPING,
        due_on=dt.date(2026, 12, 31),
    )
    token = services.calendar_feed_rotate(actor=cycle.users["provider"], process=cycle.process)
    response = client.get(reverse("meetings:calendar_feed", args=[token]))  # no login needed
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = _parse(response.content)
    assert calendar.walk("VTIMEZONE")
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert f"meeting-{meeting.ical_uid}@komplan" in events
    deadline = next(e for uid, e in events.items() if uid.startswith("deadline-"))
    assert deadline.decoded("DTSTART") == dt.date(2026, 12, 31)


def test_rotating_revokes_the_old_address(cycle, client):
    old = services.calendar_feed_rotate(actor=cycle.coordinator)
    new = services.calendar_feed_rotate(actor=cycle.coordinator)
    assert old != new
    assert client.get(reverse("meetings:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("meetings:calendar_feed", args=[new])).status_code == 200
    assert client.get(reverse("meetings:calendar_feed", args=["guess"])).status_code == 404
    # only the hash is stored
    assert not CalendarFeedToken.objects.filter(token_hash=new).exists()


def test_the_personal_feed_follows_memberships(cycle, other_cycle):
    mine = plan_meeting(cycle)
    theirs = plan_meeting(other_cycle)
    token = services.calendar_feed_rotate(actor=cycle.users["chair"])
    feed = services.calendar_feed_resolve(token)
    uids = {e.uid for e in services.meetings.calendar_feed_events(feed)}
    assert f"meeting-{mine.ical_uid}@komplan" in uids
    assert f"meeting-{theirs.ical_uid}@komplan" not in uids


def test_a_process_feed_stops_when_access_is_lost(cycle, superuser):
    token = services.calendar_feed_rotate(actor=cycle.users["provider"], process=cycle.process)
    stakeholder_services.membership_end(
        actor=superuser,
        membership=cycle.memberships["provider"],
        reason="Odstoupil",
    )
    with pytest.raises(NotFound):
        services.calendar_feed_resolve(token)


def test_cancelled_meetings_say_so(cycle):
    meeting = plan_meeting(cycle)
    Meeting.objects.filter(pk=meeting.pk).update(state=Meeting.State.CANCELLED)
    meeting.refresh_from_db()
    event = _parse(services.meetings.meeting_ics(meeting)).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"


def test_the_subscription_page_shows_a_new_address_once(cycle, client):
    client.force_login(cycle.coordinator)
    response = client.post(
        reverse("meetings:calendar_feed_rotate"), {"process": cycle.process.pk}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "/kalendar/" in page and ".ics" in page
    again = client.get(reverse("meetings:calendar_feeds")).content.decode()
    assert ".ics</code>" not in again
