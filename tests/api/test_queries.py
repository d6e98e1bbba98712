"""Lists read a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents import services as document_services
from stakeholders import services as stakeholder_services
from stakeholders.models import Body, Membership, Territory
from tests.api.conftest import Api, World
from tests.factories import UserFactory
from tests.workflow.test_resolutions import point, record
from workflow import services
from workflow.models import Decision, Meeting, PlanningProcess
from workflow.services import meetings as meeting_services

pytestmark = pytest.mark.django_db


def _queries(client: Any, url: str) -> tuple[int, Any]:
    client.get(url)  # warm caches (content types, permissions) like a running server
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def _processes_of(admin: Any, person: Any, territory: Territory, count: int, start: int) -> None:
    """``count`` processes with a steering group where ``person`` is a member."""
    for index in range(start, start + count):
        process = services.process_create(
            actor=admin,
            territory=territory,
            title=f"Plán {index}",
            period_start_year=2020 + index % 10,
            period_end_year=2030,
        )
        body = stakeholder_services.body_create(
            actor=admin, kind=Body.Kind.STEERING_GROUP, name=f"ŘS {index}", process=process
        )
        stakeholder_services.membership_create(
            actor=admin,
            person=person,
            body=body,
            role=Membership.Role.MEMBER,
            triad_side=Membership.TriadSide.PROVIDER,
            valid_from=timezone.localdate() - dt.timedelta(days=1),
        )


def test_the_process_list_does_not_grow_with_the_processes(api: Api, world: World) -> None:
    admin = get_user_model().objects.get(pk=world.users["superuser"])
    user = UserFactory(username="clen-mnoha-skupin")
    person = stakeholder_services.person_create(
        actor=admin, first_name="Jana", last_name="Členová", user=user
    )
    territory = Territory.objects.get(pk=world["territory"])
    _processes_of(admin, person, territory, 2, 0)
    client = api.client()
    client.force_authenticate(user)
    few, first = _queries(client, "/api/v1/processes/")
    assert first["count"] == 2
    _processes_of(admin, person, territory, 12, 2)
    for index in range(20):  # processes the user may not see
        services.process_create(
            actor=admin,
            territory=territory,
            title=f"Cizí plán {index}",
            period_start_year=2021,
            period_end_year=2023,
        )
    many, second = _queries(client, "/api/v1/processes/")
    assert second["count"] == 14
    assert PlanningProcess.objects.count() > 30
    assert many == few


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/bodies/",
        "/api/v1/memberships/",
        "/api/v1/people/",
        "/api/v1/documents/",
        "/api/v1/meetings/",
        "/api/v1/resolutions/",
        "/api/v1/processes/{process}/decisions/",
        "/api/v1/consultations/{consultation}/comments/",
    ],
)
def test_other_lists_do_not_grow_with_their_rows(url: str, api: Api, world: World) -> None:
    client = api.client("coordinator")
    url = url.format(**world.ids)
    before, first = _queries(client, url)
    # More rows of every list: bodies, members, documents, decisions, meetings, comments,
    # resolutions.
    admin = get_user_model().objects.get(pk=world.users["superuser"])
    coordinator = get_user_model().objects.get(pk=world.users["coordinator"])
    process = PlanningProcess.objects.get(pk=world["process"])
    steering = Body.objects.get(pk=world["steering_group"])
    for index in range(3):
        person = stakeholder_services.person_create(
            actor=admin, first_name=f"Host{index}", last_name="Nový"
        )
        stakeholder_services.membership_create(
            actor=admin, person=person, body=steering, role=Membership.Role.OBSERVER
        )
        stakeholder_services.body_create(
            actor=admin, kind=Body.Kind.AUDIT, name=f"Kontrola {index}", process=process
        )

        document_services.document_create(
            actor=coordinator, process=process, kind="other", title=f"Příloha {index}"
        )
        services.decision_create(
            actor=coordinator,
            process=process,
            body=steering,
            subject=Decision.Subject.OTHER,
            title=f"Usnesení {index}",
            mode=Decision.Mode.MEETING,
        )
        services.meeting_create(
            actor=coordinator,
            kind=Meeting.Kind.BODY_MEETING,
            title=f"Jednání {index}",
            starts_at=timezone.now() + dt.timedelta(days=5 + index),
            body=steering,
            agenda=["Bod"],
        )
        services.comment_enter(
            actor=coordinator,
            consultation=process.consultations.get(),
            channel="paper",
            received=timezone.localdate(),
            text=f"Připomínka {index}",
        )
        record(
            admin,
            steering,
            adopted_on=timezone.localdate(),
            process=process,
            points=[point(f"bod {index}", verb="takes_note"), point("další", verb="approves")],
        )
    after, second = _queries(client, url)
    assert second["count"] > first["count"]
    assert after == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/territories/",
        "/api/v1/territories/?mine=true",
        "/api/v1/organisations/?search=a",
        "/api/v1/meetings/{meeting}/agenda-items/",
    ],
)
def test_reference_lists_and_the_agenda_do_not_grow_with_their_rows(
    url: str, api: Api, world: World
) -> None:
    admin = get_user_model().objects.get(pk=world.users["superuser"])
    coordinator = get_user_model().objects.get(pk=world.users["coordinator"])
    meeting = Meeting.objects.get(pk=world["meeting"])

    def more_rows(index: int) -> None:
        territory = stakeholder_services.territory_create(
            actor=admin,
            kind=Territory.Kind.MUNICIPALITY,
            code=f"55{index}000",
            name=f"Obec {index}",
        )
        stakeholder_services.organization_create(
            actor=admin, kind="provider", name=f"Pečovatelská služba {index}", territory=territory
        )
        stakeholder_services.body_create(
            actor=admin, kind=Body.Kind.BOARD, name=f"Rada obce {index}", territory=territory
        )
        meeting_services.agenda_item_add(actor=coordinator, meeting=meeting, title=f"Bod {index}")

    client = api.client("coordinator")
    url = url.format(**world.ids)
    more_rows(0)  # every list has a row before the first count
    before, first = _queries(client, url)
    for index in range(1, 4):
        more_rows(index)
    after, second = _queries(client, url)
    rows = [body["results"] if isinstance(body, dict) else body for body in (first, second)]
    if "mine" not in url:  # the new territories' boards are not the coordinator's
        assert len(rows[1]) > len(rows[0])
    assert after == before
