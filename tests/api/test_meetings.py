"""Meetings, attendance, resolutions and iCalendar links over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.conftest import Api, World, problem_of
from tests.documents.samples import docx_bytes, pdf_bytes

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


def test_the_agenda_is_kept_over_http(api: Api, world: World) -> None:
    client = api.client("coordinator")
    url = f"/api/v1/meetings/{world['meeting']}/agenda-items/"
    added = client.post(url, {"title": "Různé", "presenter": "Mgr. Nováková"}, format="json")
    assert added.status_code == 201, added.content
    added = added.json()
    assert (added["order"], added["presenter"]) == (3, "Mgr. Nováková")
    assert [i["title"] for i in client.get(url).json()] == ["Zahájení", "Návrh plánu", "Různé"]

    moved = client.post(f"{url}{added['id']}/move/", {"direction": "up"}, format="json")
    assert moved.status_code == 200, moved.content
    assert [(i["order"], i["title"]) for i in moved.json()] == [
        (1, "Zahájení"),
        (2, "Různé"),
        (3, "Návrh plánu"),
    ]
    first = client.post(f"{url}{world['agenda_item']}/move/", {"direction": "up"}, format="json")
    assert first.json()[0]["title"] == "Zahájení"  # the first item stays first

    edited = client.patch(
        f"{url}{world['agenda_item']}/",
        {"discussion": "Předsedkyně přivítala přítomné.", "reason": "Zápis z jednání"},
        format="json",
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["title"] == "Zahájení"  # left out: unchanged
    assert edited.json()["discussion"] == "Předsedkyně přivítala přítomné."
    blank = client.patch(f"{url}{world['agenda_item']}/", {"title": " "}, format="json")
    assert blank.status_code == 400
    assert "title" in problem_of(blank)["errors"]

    plan_item = next(i for i in moved.json() if i["title"] == "Návrh plánu")
    removed = client.delete(f"{url}{plan_item['id']}/?reason=Přesunuto+na+příští+jednání")
    assert removed.status_code == 204, removed.content
    assert [(i["order"], i["title"]) for i in client.get(url).json()] == [
        (1, "Zahájení"),
        (2, "Různé"),
    ]
    gone = client.patch(f"{url}{plan_item['id']}/", {"title": "Návrh plánu"}, format="json")
    assert gone.status_code == 404
    assert problem_of(gone)["code"] == "not_found"


def test_an_agenda_item_with_a_resolution_stays(api: Api, world: World) -> None:
    client = api.client("secretariat")
    url = f"/api/v1/meetings/{world['board_meeting']}/agenda-items/"
    item = client.post(url, {"title": "Komunitní plán"}, format="json").json()
    resolution = client.post(
        "/api/v1/resolutions/",
        {
            "body": world["board"],
            "meeting": world["board_meeting"],
            "agenda_item": item["id"],
            "adopted_on": timezone.localdate().isoformat(),
            "title": "Komunitní plán",
            "points": [{"verb": "takes_note", "text": "informaci o plánu"}],
            "present": 5,
            "votes_for": 5,
            "votes_against": 0,
            "votes_abstained": 0,
        },
        format="json",
    )
    assert resolution.status_code == 201, resolution.content
    refused = client.delete(f"{url}{item['id']}/")
    assert refused.status_code == 400
    assert problem_of(refused)["code"] == "validation_error"
    assert [i["id"] for i in client.get(url).json()] == [item["id"]]


def test_a_meeting_is_moved_then_cancelled(api: Api, world: World) -> None:
    client = api.client("coordinator")
    url = f"/api/v1/meetings/{world['meeting']}/"
    client.post(f"{url}invite/", {}, format="json")
    later = timezone.now() + dt.timedelta(days=21)
    moved = client.patch(url, {"starts_at": later.isoformat()}, format="json")
    assert moved.status_code == 200, moved.content
    moved = moved.json()
    assert moved["needs_new_invitations"] is True
    assert moved["meeting"]["title"] == "Jednání řídící skupiny"  # left out: unchanged
    assert dt.datetime.fromisoformat(moved["meeting"]["starts_at"]) == later
    retitled = client.patch(url, {"title": "Jednání ŘS – priority"}, format="json").json()
    assert retitled["needs_new_invitations"] is True  # the calendar event changes too

    no_reason = client.post(f"{url}cancel/", {}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in problem_of(no_reason)["errors"]
    cancelled = client.post(f"{url}cancel/", {"reason": "Nebylo by usnášeníschopné"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["state"] == "cancelled"
    ics = client.get(f"{url}ics/")
    assert b"STATUS:CANCELLED" in ics.content
    again = client.patch(url, {"place": "Jinde"}, format="json")
    assert again.status_code == 400  # a cancelled meeting no longer changes


def test_attendance_and_minutes_from_the_list_to_publication(api: Api, world: World) -> None:
    client = api.client("coordinator")
    starts = timezone.now() + dt.timedelta(days=3)
    meeting = client.post(
        "/api/v1/meetings/",
        {
            "kind": "body_meeting",
            "title": "4. jednání řídící skupiny",
            "starts_at": starts.isoformat(),
            "body": world["steering_group"],
            "agenda": ["Zahájení", "Návrh priorit"],
        },
        format="json",
    ).json()
    url = f"/api/v1/meetings/{meeting['id']}/"
    printed = client.post(f"{url}attendance-list/", {}, format="json")
    assert printed.status_code == 201, printed.content
    assert printed.json()["original_filename"].endswith(".docx")
    chair = client.post(f"{url}attendance/", {"person": world["chair_person"]}, format="json")
    guest = client.post(f"{url}attendance/", {"guest_name": "Omylem zapsaný"}, format="json")
    removed = client.delete(f"{url}attendance/{guest.json()['id']}/?reason=Omyl")
    assert removed.status_code == 204
    assert client.delete(f"{url}attendance/{guest.json()['id']}/").status_code == 404

    with time_machine.travel(starts + dt.timedelta(hours=2), tick=False):
        assert client.post(f"{url}held/", {}, format="json").status_code == 200
        scan = client.post(
            f"{url}attendance-scan/",
            {"file": SimpleUploadedFile("listina.pdf", pdf_bytes("Prezenční listina"))},
            format="multipart",
        )
        assert scan.status_code == 201, scan.content
        assert scan.json()["content_type"] == "application/pdf"
        wrong = client.post(
            f"{url}attendance-scan/",
            {"file": SimpleUploadedFile("listina.docx", docx_bytes(["Listina"]))},
            format="multipart",
        )
        assert wrong.status_code in (400, 422), wrong.content

        verifiers = client.get(f"{url}verifiers/").json()
        assert verifiers == {"verifiers": [], "needed": 1, "conditions": verifiers["conditions"]}
        assert verifiers["conditions"]
        early = client.post(f"{url}minutes/approve/", {}, format="json")
        assert early.status_code == 400
        assert problem_of(early)["subcode"] == "minutes_not_ready"
        named = client.put(
            f"{url}verifiers/", {"verifiers": [world["chair_person"]]}, format="json"
        )
        assert named.status_code == 200, named.content
        assert named.json()["verifiers"] == [world["chair_person"]]
        assert named.json()["conditions"] == []
        # a verifier's line stays while they verify the minutes
        kept = client.delete(f"{url}attendance/{chair.json()['id']}/")
        assert kept.status_code == 400

        minutes = client.post(f"{url}minutes/", {}, format="json")
        assert minutes.status_code == 201, minutes.content
        versions = minutes.json()
        assert versions["full"]["document"] != versions["published"]["document"]
        assert versions["full"]["status"] == "draft"
        approved = client.post(f"{url}minutes/approve/", {"reason": "Per rollam"}, format="json")
        assert approved.status_code == 200, approved.content
        assert approved.json()["state"] == "minutes_approved"
        assert approved.json()["minutes_version"] == versions["full"]["id"]
        refused = api.client("steering_member").post(f"{url}minutes/publish/", {}, format="json")
        assert refused.status_code == 403
        published = client.post(f"{url}minutes/publish/", {}, format="json")
        assert published.status_code == 200, published.content
        assert published.json()["state"] == "minutes_published"
        version = client.get(f"/api/v1/versions/{versions['published']['id']}/").json()
        assert version["status"] == "published"
        again = client.put(f"{url}verifiers/", {"verifiers": []}, format="json")
        assert again.status_code == 400  # nothing changes once the minutes are approved
