"""A planning world for the API tests, built once per module through the services.

ORP Horažďovice runs the process under test: a complete steering group (``build_cycle``), a
working group, an ESF audit body, the town's board and assembly with their secretary, and the
territory's secretariat; its documents are in every state (a draft, a submitted version, a
published draft plan under an open consultation with a comment), with a decision, a meeting and
a board resolution. ORP Sušice runs another process with its own coordinator, draft and
meeting, to prove that nothing leaks across territories.

Each role signs in with its own API token (``Authorization: Token <key>``), issued by the token
service. The world lives in a transaction rolled back after the module; each test runs in a
nested one and sees fresh rows.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from documents import services as document_services
from documents.services import plan as plan_services
from stakeholders import services as stakeholder_services
from stakeholders.models import Body, Membership
from stakeholders.services_tokens import api_token_issue
from tests.documents.samples import approve, docx_bytes
from tests.factories import SuperUserFactory, UserFactory
from tests.workflow.conftest import build_cycle
from tests.workflow.test_resolutions import build_council, point, record
from workflow import services
from workflow.models import Attendance, Decision, Meeting
from workflow.services import consultation as consultation_services

# The roles every API test considers; "anonymous" has no token.
ROLES = (
    "coordinator",
    "steering_member",
    "wg_member",
    "secretariat",
    "auditor",
    "other_territory",
    "anonymous",
)


@dataclass
class World:
    """Ids of the world's objects and the API token of each role."""

    ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def _document(cycle: Any, kind: str, title: str, data: bytes) -> tuple[Any, Any]:
    document = document_services.document_create(
        actor=cycle.coordinator, process=cycle.process, kind=kind, title=title
    )
    version = document_services.version_upload(
        actor=cycle.users["methodologist"],
        document=document,
        stream=io.BytesIO(data),
        filename=f"{kind}.docx",
        change_summary="První verze",
    )
    return document, version


def _member(admin: Any, username: str, body: Body, role: str, **kwargs: Any) -> Any:
    user = UserFactory(username=username)
    person = stakeholder_services.person_create(
        actor=admin, first_name=username.title(), last_name="Testová", user=user
    )
    stakeholder_services.membership_create(
        actor=admin,
        person=person,
        body=body,
        role=role,
        valid_from=timezone.localdate() - dt.timedelta(days=30),
        **kwargs,
    )
    return user


def build_world(admin: Any) -> World:
    world = World()
    cycle = build_cycle(admin)
    process = cycle.process
    council = build_council(cycle)
    territory = process.territory
    secretariat = stakeholder_services.body_create(
        actor=admin, kind=Body.Kind.SECRETARIAT, name="Odbor sociálních věcí", territory=territory
    )
    audit_body = stakeholder_services.body_create(
        actor=admin, kind=Body.Kind.AUDIT, name="Kontrola projektu ESF", process=process
    )
    seniors = stakeholder_services.target_group_create(actor=admin, code="seniori", name="Senioři")
    working_group = stakeholder_services.body_create(
        actor=admin,
        kind=Body.Kind.WORKING_GROUP,
        name="PS Senioři",
        process=process,
        target_group=seniors,
    )
    users = {
        "coordinator": cycle.coordinator,
        "steering_member": cycle.users["provider"],
        "wg_member": _member(
            admin,
            "clen-ps",
            working_group,
            Membership.Role.MEMBER,
            triad_side=Membership.TriadSide.PROVIDER,
        ),
        "secretariat": _member(admin, "referentka", secretariat, Membership.Role.MEMBER),
        "auditor": _member(admin, "auditor", audit_body, Membership.Role.AUDITOR),
        "methodologist": cycle.users["methodologist"],
        "council_secretary": council.secretary,
        "superuser": admin,
    }

    # Documents in every state.
    charter, charter_v1 = _document(
        cycle, "founding_charter", "Základní listina", docx_bytes(["Základní listina KPSS"])
    )
    analysis, analysis_v1 = _document(
        cycle, "provider_analysis", "Analýza poskytovatelů", docx_bytes(["Analýza"])
    )
    analysis_v1 = document_services.version_submit(
        actor=cycle.users["methodologist"], version=analysis_v1
    )
    plan, plan_v1 = _document(
        cycle, "community_plan", "Návrh komunitního plánu", docx_bytes(["Návrh plánu 2023–2025"])
    )
    plan_v1 = document_services.version_submit(actor=cycle.users["methodologist"], version=plan_v1)
    plan_v1 = approve(cycle, plan_v1)
    plan_v1 = document_services.version_publish(actor=cycle.coordinator, version=plan_v1)
    today = timezone.localdate()
    consultation = services.consultation_schedule(
        actor=cycle.coordinator,
        process=process,
        document_version=plan_v1,
        title="Připomínkování návrhu plánu",
        opens=today - dt.timedelta(days=1),
        closes=today + dt.timedelta(days=30),
    )
    comment, _created = services.comment_submit_public(
        consultation_id=consultation.pk,
        name="Jan Novák",
        email="jan@example.cz",
        text="Chybí odlehčovací služba.",
        consents_to_processing=True,
        idempotency_token=uuid.uuid4(),
    )
    decision = services.decision_create(
        actor=cycle.coordinator,
        process=process,
        body=cycle.steering_group,
        subject=Decision.Subject.STAGE_TRANSITION,
        transition="start_mapping",
        title="Zahájení mapování",
        mode=Decision.Mode.MEETING,
    )
    meeting = services.meeting_create(
        actor=cycle.coordinator,
        kind=Meeting.Kind.BODY_MEETING,
        title="Jednání řídící skupiny",
        starts_at=timezone.now() + dt.timedelta(days=20),
        body=cycle.steering_group,
        agenda=["Zahájení", "Návrh plánu"],
    )
    guest = services.attendance_record(
        actor=cycle.coordinator,
        meeting=meeting,
        guest_name="Eva Hostová",
        guest_organization="Krajský úřad",
        status=Attendance.Status.EXCUSED,
    )
    board_meeting = services.meeting_create(
        actor=council.secretary,
        kind=Meeting.Kind.BODY_MEETING,
        title="Schůze rady města",
        starts_at=timezone.now() + dt.timedelta(days=10),
        body=council.board,
        session_number=24,
    )
    resolution = record(
        council.secretary,
        council.board,
        adopted_on=today,
        process=process,
        points=[point("Harmonogram komunitního plánování", verb="takes_note")],
    )

    # The plan: the working group's priority (with a measure, an activity and a project
    # intention) and a cross-cutting priority that only the whole-plan editors change.
    own_priority = plan_services.plan_priority_create(
        actor=cycle.coordinator,
        process=process,
        title="Péče o seniory",
        working_group=working_group,
    )
    own_measure = plan_services.plan_measure_create(
        actor=cycle.coordinator, priority=own_priority, title="Odlehčovací služba"
    )
    own_activity = plan_services.plan_activity_create(
        actor=cycle.coordinator, measure=own_measure, title="Rozšíření kapacity"
    )
    own_intention = plan_services.plan_pipeline_item_create(
        actor=cycle.coordinator, process=process, title="Denní stacionář", measure=own_measure
    )
    common_priority = plan_services.plan_priority_create(
        actor=cycle.coordinator, process=process, title="Informovanost"
    )
    common_measure = plan_services.plan_measure_create(
        actor=cycle.coordinator, priority=common_priority, title="Katalog služeb"
    )

    news = consultation_services.news_item_create(
        actor=cycle.coordinator, process=process, title="Pozvánka na veřejné projednání"
    )

    # The other territory: its own process, coordinator, draft and meeting.
    other = build_cycle(admin, code="3214", name="ORP Sušice")
    users["other_territory"] = other.coordinator
    other_document, other_version = _document(
        other, "founding_charter", "Základní listina Sušicko", docx_bytes(["Sušicko"])
    )
    other_meeting = services.meeting_create(
        actor=other.coordinator,
        kind=Meeting.Kind.BODY_MEETING,
        title="Jednání ŘS Sušicko",
        starts_at=timezone.now() + dt.timedelta(days=15),
        body=other.steering_group,
        agenda=["Zahájení"],
    )
    other_guest = services.attendance_record(
        actor=other.coordinator, meeting=other_meeting, guest_name="Host Sušicko"
    )
    other_priority = plan_services.plan_priority_create(
        actor=other.coordinator, process=other.process, title="Sušicko"
    )
    other_measure = plan_services.plan_measure_create(
        actor=other.coordinator, priority=other_priority, title="Sušické opatření"
    )
    other_news = consultation_services.news_item_create(
        actor=other.coordinator, process=other.process, title="Sušické novinky"
    )
    other_decision = services.decision_create(
        actor=other.coordinator,
        process=other.process,
        body=other.steering_group,
        subject=Decision.Subject.OTHER,
        title="Jednací řád",
        mode=Decision.Mode.MEETING,
    )

    world.ids = {
        "process": process.pk,
        "territory": territory.pk,
        "steering_group": cycle.steering_group.pk,
        "working_group": working_group.pk,
        "audit_body": audit_body.pk,
        "board": council.board.pk,
        "assembly": council.assembly.pk,
        "secretariat_body": secretariat.pk,
        "target_group": seniors.pk,
        "charter": charter.pk,
        "charter_v1": charter_v1.pk,
        "analysis": analysis.pk,
        "analysis_v1": analysis_v1.pk,
        "plan": plan.pk,
        "plan_v1": plan_v1.pk,
        "consultation": consultation.pk,
        "comment": comment.pk,
        "decision": decision.pk,
        "meeting": meeting.pk,
        "agenda_item": meeting.agenda_items.get(order=1).pk,
        "attendance": guest.pk,
        "board_meeting": board_meeting.pk,
        "resolution": resolution.pk,
        "news": news.pk,
        "own_priority": own_priority.pk,
        "own_measure": own_measure.pk,
        "own_activity": own_activity.pk,
        "own_intention": own_intention.pk,
        "common_priority": common_priority.pk,
        "common_measure": common_measure.pk,
        "resolution_point": resolution.points.get().pk,
        "chair_membership": cycle.memberships["chair"].pk,
        "chair_person": cycle.memberships["chair"].person_id,
        "other_process": other.process.pk,
        "other_territory": other.process.territory_id,
        "other_steering_group": other.steering_group.pk,
        "other_document": other_document.pk,
        "other_version": other_version.pk,
        "other_meeting": other_meeting.pk,
        "other_agenda_item": other_meeting.agenda_items.get().pk,
        "other_attendance": other_guest.pk,
        "other_decision": other_decision.pk,
        "other_news": other_news.pk,
        "other_priority": other_priority.pk,
        "other_measure": other_measure.pk,
        "other_membership": other.memberships["chair"].pk,
        "other_person": other.memberships["chair"].person_id,
    }
    world.users = {role: user.pk for role, user in users.items()}
    world.tokens = {
        role: api_token_issue(actor=user, reason="API tests").key for role, user in users.items()
    }
    return world


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_root(settings: Any, media_root: Path) -> None:
    """The world's uploaded files stay readable in every test of the module (this replaces
    the suite's per-test media directory)."""
    settings.MEDIA_ROOT = media_root


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, media_root: Path) -> Iterator[World]:
    with (
        override_settings(MEDIA_ROOT=media_root),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world(SuperUserFactory(username="spravce"))
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Rate limits of the public comment form live in the cache: each test starts empty."""
    cache.clear()
    yield
    cache.clear()


class Api:
    """HTTP clients of the world's roles."""

    def __init__(self, world: World):
        self.world = world

    def client(self, role: str = "anonymous") -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.world.tokens[role]}")
        return client


@pytest.fixture
def api(world: World, db: Any) -> Api:
    return Api(world)


def problem_of(response: Any) -> dict[str, Any]:
    """The problem+json body of an error response (asserting that it is one)."""
    assert response["Content-Type"].startswith("application/problem+json"), response.content
    body = response.json()
    assert body["status"] == response.status_code
    return body
