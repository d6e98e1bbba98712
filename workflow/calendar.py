"""iCalendar output: meetings, stage deadlines and consultation closings, in Europe/Prague.

Plain functions from data to bytes. Every timed event carries its time zone (``TZID``) and the
calendar has the matching ``VTIMEZONE``, which Outlook needs; Google Calendar and Thunderbird
read it too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

PRODID = "-//KomPlan//Community planning of social services//CS"


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    starts_at: dt.datetime | None = None  # timed event
    ends_at: dt.datetime | None = None
    day: dt.date | None = None  # all-day event (deadlines)
    location: str = ""
    description: str = ""
    url: str = ""
    sequence: int = 0
    status: str = "CONFIRMED"


def build_calendar(
    name: str, events: Iterable[CalendarEvent], *, method: str | None = None
) -> bytes:
    """A VCALENDAR with a VTIMEZONE for Europe/Prague and one VEVENT per event."""
    zone = local_zone()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("summary", item.summary)
        event.add("sequence", item.sequence)
        event.add("status", item.status)
        if item.starts_at is not None:
            starts = timezone.localtime(item.starts_at, zone)
            event.add("dtstart", starts)
            ends = item.ends_at or item.starts_at + dt.timedelta(hours=2)
            event.add("dtend", timezone.localtime(ends, zone))
        elif item.day is not None:
            event.add("dtstart", item.day)
            event.add("dtend", item.day + dt.timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        else:
            continue
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
