"""Meetings, attendance, resolutions and iCalendar links over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.conftest import Api, World, problem_of

pytestmark = pytest.mark.django_db


def test_a_meeting_from_planning_to_attendance(api: Api, world: World) -> None:
    client = api.client("coordinator")
    starts = timezone.now() + dt.timedelta(days=14)
    meeting = client.post(
        "/api/v1/meetings/",
        {
            "kind": "body_meeting",
            "title": "3. jednání řídící skupiny",
            "starts_at": starts.isoformat(),
            "body": world["steering_group"],
            "place": "Městský úřad, zasedací místnost",
            "agenda": ["Zahájení", "Návrh priorit", "Různé"],
        },
        format="json",
    )
    assert meeting.status_code == 201, meeting.content
    meeting = meeting.json()
    assert [item["title"] for item in meeting["agenda_items"]] == [
        "Zahájení",
        "Návrh priorit",
        "Různé",
    ]
    url = f"/api/v1/meetings/{meeting['id']}/"
    invited = client.post(f"{url}invite/", {}, format="json").json()
    assert invited["meeting"]["state"] == "invited"
    assert invited["is_late"] is False
    assert invited["recipients"] > 0
    chair = client.post(
        f"{url}attendance/", {"person": world["chair_person"], "is_signed": True}, format="json"
    ).json()
    assert chair["is_voting_member"] is True
    guest = client.post(
        f"{url}attendance/",
        {"guest_name": "Petr Host", "guest_organization": "Krajský úřad"},
        format="json",
    ).json()
    assert guest["person"] is None
    early = client.post(f"{url}held/", {}, format="json")
    assert early.status_code == 400  # not before it starts
    with time_machine.travel(starts + dt.timedelta(hours=2), tick=False):
        held = client.post(f"{url}held/", {}, format="json")
    assert held.status_code == 200, held.content
    held = held.json()
    assert held["state"] == "held"
    assert held["present_count"] == 2
    detail = client.get(url).json()
    assert {row["name"] for row in detail["attendances"]} >= {"Petr Host"}

    ics = client.get(f"{url}ics/")
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content
    assert "3. jednání řídící skupiny".encode() in ics.content


def test_the_secretariat_records_and_follows_up_a_resolution(api: Api, world: World) -> None:
    client = api.client("secretariat")
    deadline = timezone.localdate() + dt.timedelta(days=60)
    created = client.post(
        "/api/v1/resolutions/",
        {
            "body": world["board"],
            "meeting": world["board_meeting"],
            "adopted_on": timezone.localdate().isoformat(),
            "title": "Financování sociálních služeb",
            "points": [
                {"verb": "approves", "text": "dotační program"},
                {
                    "verb": "instructs",
                    "text": "odbor připravit smlouvy",
                    "responsible_label": "vedoucí odboru",
                    "deadline": deadline.isoformat(),
                },
            ],
            "present": 5,
            "votes_for": 4,
            "votes_against": 1,
            "votes_abstained": 0,
            "outcome": "adopted",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    resolution = created.json()
    assert resolution["session"] == 24
    assert [p["verb"] for p in resolution["points"]] == ["approves", "instructs"]
    point = resolution["points"][1]
    done = client.post(
        f"/api/v1/resolutions/{resolution['id']}/points/{point['id']}/status/",
        {"status": "fulfilled"},
        format="json",
    )
    assert done.json()["status"] == "fulfilled"
    assert done.json()["fulfilled_on"] == timezone.localdate().isoformat()

    # An outcome the votes do not support is refused (the board needs 3 of 5 for).
    refused = client.post(
        "/api/v1/resolutions/",
        {
            "body": world["board"],
            "adopted_on": timezone.localdate().isoformat(),
            "title": "Nepodložený výsledek",
            "points": [{"verb": "approves", "text": "něco"}],
            "present": 5,
            "votes_for": 2,
            "votes_against": 3,
            "votes_abstained": 0,
            "outcome": "adopted",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "outcome" in problem_of(refused)["errors"]


def test_a_calendar_link_of_the_process(api: Api, world: World) -> None:
    created = api.client("steering_member").post(
        "/api/v1/calendar-feeds/", {"process": world["process"]}, format="json"
    )
    assert created.status_code == 201
    url = created.json()["url"]
    assert url.startswith("http://testserver/kalendar/") and url.endswith(".ics")
    feed = APIClient().get(url.removeprefix("http://testserver"))
    assert feed.status_code == 200
    assert "Jednání řídící skupiny".encode() in feed.content
    # A new address revokes the previous one.
    api.client("steering_member").post(
        "/api/v1/calendar-feeds/", {"process": world["process"]}, format="json"
    )
    assert APIClient().get(url.removeprefix("http://testserver")).status_code == 404
