"""The admin of the planning cycle's records: every page renders, rows are limited to what the
staff user may see, writes go through the services with the actor and the reason in the
history, and records are never changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stakeholders.models import Body
from tests.public.builders import schedule
from tests.workflow.test_meetings import plan_meeting
from tests.workflow.test_resolutions import build_council, record
from workflow import services
from workflow.models import (
    ApprovalChain,
    CalendarFeedToken,
    Comment,
    ConsultationPeriod,
    Decision,
    GuardRule,
    IndicatorDefinition,
    Meeting,
    NewsItem,
    Resolution,
    ResolutionNumbering,
    StageDeadline,
    StageTransition,
    Transition,
)
from workflow.services import meetings as meeting_services
from workflow.services import resolutions as resolution_services

pytestmark = pytest.mark.django_db

MODELS = [
    Decision,
    StageTransition,
    StageDeadline,
    GuardRule,
    ConsultationPeriod,
    Comment,
    NewsItem,
    Meeting,
    Resolution,
    ResolutionNumbering,
    ApprovalChain,
    CalendarFeedToken,
]


def admin_url(model: type, page: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


@dataclass
class Records:
    """One row of every model, in the cycle's process (and a meeting of another process)."""

    cycle: Any
    other_cycle: Any
    council: Any
    rows: dict[type, Any]
    other_meeting: Meeting


@pytest.fixture
def records(cycle, other_cycle) -> Records:
    council = build_council(cycle)
    coordinator = cycle.coordinator
    rows: dict[type, Any] = {}
    rows[StageTransition] = services.process_transition(
        actor=coordinator,
        process_id=cycle.process.pk,
        transition=Transition.CANCEL,
        reason="Projekt nezískal podporu",
        decision_id=cycle.adopted_decision(Transition.CANCEL).pk,
    )
    rows[Decision] = Decision.objects.filter(process=cycle.process).first()
    rows[StageDeadline] = services.stage_deadline_set(
        actor=coordinator, process=cycle.process, stage="mapping", due_on=dt.date(2031, 6, 30)
    )
    rows[GuardRule] = GuardRule.objects.create(
        transition=Transition.START_MAPPING,
        rule="founding_charter_approved",
        territory=cycle.process.territory,
    )
    consultation = schedule(cycle)
    rows[ConsultationPeriod] = consultation
    rows[Comment] = services.comment_enter(
        actor=coordinator,
        consultation=consultation,
        channel=Comment.Channel.EMAIL,
        received=timezone.now(),
        text="Doplnit odlehčovací služby.",
        name="Jana Nováková",
    )
    rows[NewsItem] = services.news_item_publish(
        actor=coordinator, process=cycle.process, title="Pozvánka na setkání"
    )
    meeting = plan_meeting(cycle)
    rows[Meeting] = meeting
    services.attendance_record(
        actor=coordinator, meeting=meeting, guest_name="Eva Hostová", guest_organization="Charita"
    )
    rows[Resolution] = record(council.secretary, council.assembly, process=cycle.process)
    rows[ResolutionNumbering] = resolution_services.resolution_numbering_set(
        actor=council.secretary, body=council.board, pattern="{seq}/R/{year}", scope="year"
    )
    rows[ApprovalChain] = resolution_services.approval_chain_set(
        actor=cycle.admin,
        territory=cycle.process.territory,
        links=[
            {"action": "recommend", "body_kind": Body.Kind.STEERING_GROUP},
            {"action": "approve", "body": council.assembly},
        ],
    )
    services.calendar_feed_rotate(actor=coordinator, process=cycle.process)
    rows[CalendarFeedToken] = CalendarFeedToken.objects.get(user=coordinator)
    return Records(
        cycle=cycle,
        other_cycle=other_cycle,
        council=council,
        rows=rows,
        other_meeting=plan_meeting(other_cycle),
    )


# --- every page renders ------------------------------------------------------------------------


def test_every_page_renders_for_the_superuser(client, records):
    client.force_login(records.cycle.admin)
    for model in MODELS:
        assert admin.site.is_registered(model), model
        obj = records.rows[model]
        pages = [("changelist", ()), ("change", (obj.pk,))]
        if model is not CalendarFeedToken:
            pages.append(("history", (obj.pk,)))
        for page, args in pages:
            response = client.get(admin_url(model, page, *args))
            assert response.status_code == 200, (model, page, response.content.decode()[:2000])


def test_every_page_renders_for_the_organiser(client, records):
    """The coordinator lists and opens a row of every model; a council body's numbering is its
    secretary's (the coordinator does not see the council's bodies)."""
    for model in MODELS:
        user = records.cycle.coordinator
        if model is ResolutionNumbering:
            user = records.council.secretary
        client.force_login(user)
        obj = records.rows[model]
        response = client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model
        assert obj in list(response.context["cl"].result_list), model
        assert client.get(admin_url(model, "change", obj.pk)).status_code == 200, model


@pytest.mark.parametrize(
    "model", [Decision, StageDeadline, Meeting, ResolutionNumbering, ApprovalChain]
)
def test_add_pages_render_where_a_service_creates(client, records, model):
    client.force_login(records.cycle.admin)
    assert client.get(admin_url(model, "add")).status_code == 200


def test_the_index_lists_the_cycle_for_the_coordinator(client, records):
    client.force_login(records.cycle.coordinator)
    response = client.get(reverse("admin:index"))
    shown = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert {"Meeting", "Decision", "StageTransition", "Comment", "Resolution"} <= shown


# --- what each staff user sees ----------------------------------------------------------------


def test_other_processes_records_are_neither_listed_nor_shown(client, records):
    client.force_login(records.other_cycle.coordinator)
    for model in MODELS:
        response = client.get(admin_url(model, "changelist"))
        assert response.status_code in (200, 302, 403), model
        if response.status_code == 200 and model is not GuardRule:
            assert records.rows[model] not in list(response.context["cl"].result_list), model
    response = client.get(admin_url(Meeting, "changelist"))
    assert list(response.context["cl"].result_list) == [records.other_meeting]
    for model in (Meeting, Decision, StageTransition, Comment, Resolution):
        response = client.get(admin_url(model, "change", records.rows[model].pk))
        assert response.status_code in (302, 403, 404), model


def test_comments_are_for_the_coordinator_only(client, records):
    client.force_login(records.cycle.users["provider"])  # a steering-group member
    response = client.get(admin_url(Comment, "changelist"))
    assert response.status_code == 403
    response = client.get(admin_url(Meeting, "changelist"))
    assert records.rows[Meeting] in list(response.context["cl"].result_list)


def test_calendar_addresses_are_each_users_own(client, records):
    client.force_login(records.other_cycle.coordinator)
    response = client.get(admin_url(CalendarFeedToken, "changelist"))
    assert list(response.context["cl"].result_list) == []
    token = records.rows[CalendarFeedToken]
    assert client.get(admin_url(CalendarFeedToken, "change", token.pk)).status_code in (302, 403)


# --- writes through the services, with actor and reason ----------------------------------------


def test_a_meeting_changed_in_the_admin_records_actor_and_reason(client, records):
    cycle = records.cycle
    meeting = records.rows[Meeting]
    client.force_login(cycle.coordinator)
    items = list(meeting.agenda_items.order_by("order"))
    starts = timezone.localtime(meeting.starts_at)
    data = {
        "title": "Jednání ŘS (přesunuto)",
        "session_number": "",
        "starts_at_0": starts.strftime("%Y-%m-%d"),
        "starts_at_1": starts.strftime("%H:%M:%S"),
        "ends_at_0": "",
        "ends_at_1": "",
        "place": "Sál kulturního domu",
        "online_url": "",
        "change_reason": "Zasedací místnost je obsazená",
        "agenda_items-TOTAL_FORMS": len(items) + 1,
        "agenda_items-INITIAL_FORMS": len(items),
        "agenda_items-MIN_NUM_FORMS": 0,
        "agenda_items-MAX_NUM_FORMS": 1000,
        "attendances-TOTAL_FORMS": 1,
        "attendances-INITIAL_FORMS": 1,
        "attendances-MIN_NUM_FORMS": 0,
        "attendances-MAX_NUM_FORMS": 1000,
        "attendances-0-id": meeting.attendances.get().pk,
        "attendances-0-meeting": meeting.pk,
    }
    for index, item in enumerate(items):
        data.update(
            {
                f"agenda_items-{index}-id": item.pk,
                f"agenda_items-{index}-meeting": meeting.pk,
                f"agenda_items-{index}-title": item.title,
                f"agenda_items-{index}-presenter": "",
                f"agenda_items-{index}-discussion": "",
            }
        )
    data["agenda_items-1-DELETE"] = "on"  # "Návrh komunitního plánu"
    data[f"agenda_items-{len(items)}-title"] = "Akční plán"
    data[f"agenda_items-{len(items)}-meeting"] = meeting.pk
    response = client.post(admin_url(Meeting, "change", meeting.pk), data)
    assert response.status_code == 302, response.content.decode()[:4000]
    meeting.refresh_from_db()
    assert (meeting.title, meeting.place) == ("Jednání ŘS (přesunuto)", "Sál kulturního domu")
    latest = meeting.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        cycle.coordinator,
        "Zasedací místnost je obsazená",
    )
    assert list(meeting.agenda_items.order_by("order").values_list("order", "title")) == [
        (1, "Zahájení"),
        (2, "Různé"),
        (3, "Akční plán"),
    ]
    added = meeting.agenda_items.get(title="Akční plán").history.get()
    assert (added.history_user, added.history_change_reason) == (
        cycle.coordinator,
        "Zasedací místnost je obsazená",
    )


def test_a_stage_deadline_set_in_the_admin_records_actor_and_reason(client, records):
    cycle = records.cycle
    deadline = records.rows[StageDeadline]
    client.force_login(cycle.coordinator)
    response = client.post(
        admin_url(StageDeadline, "change", deadline.pk),
        {"due_on": "2031-09-30", "change_reason": "Analýzy se zdržely"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    deadline.refresh_from_db()
    assert deadline.due_on == dt.date(2031, 9, 30)
    latest = deadline.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        cycle.coordinator,
        "Analýzy se zdržely",
    )
    # a member of the steering group may read the plan of stages but not change it
    client.force_login(cycle.users["provider"])
    response = client.post(
        admin_url(StageDeadline, "change", deadline.pk), {"due_on": "2040-01-01"}
    )
    assert response.status_code == 403
    deadline.refresh_from_db()
    assert deadline.due_on == dt.date(2031, 9, 30)


def test_resolution_numbering_goes_through_its_service(client, records):
    secretary = records.council.secretary
    numbering = records.rows[ResolutionNumbering]
    client.force_login(secretary)
    response = client.post(
        admin_url(ResolutionNumbering, "change", numbering.pk),
        {"pattern": "{year}/R", "scope": "year", "change_reason": "Nový jednací řád"},
    )
    assert response.status_code == 200  # no {seq}: refused, the form shows why
    assert response.context["adminform"].form.errors
    numbering.refresh_from_db()
    assert numbering.pattern == "{seq}/R/{year}"
    response = client.post(
        admin_url(ResolutionNumbering, "change", numbering.pk),
        {"pattern": "{session}-{seq}R/{year}", "scope": "session", "change_reason": "Nový řád"},
    )
    assert response.status_code == 302
    numbering.refresh_from_db()
    assert (numbering.pattern, numbering.scope) == ("{session}-{seq}R/{year}", "session")
    latest = numbering.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (secretary, "Nový řád")


def test_the_superuser_sets_an_approval_chain_with_its_links(client, records):
    cycle, council = records.cycle, records.council
    chain = records.rows[ApprovalChain]
    client.force_login(cycle.admin)
    links = list(chain.links.order_by("order"))
    data = {
        "change_reason": "Rada doporučuje",
        "links-TOTAL_FORMS": 3,
        "links-INITIAL_FORMS": 2,
        "links-MIN_NUM_FORMS": 0,
        "links-MAX_NUM_FORMS": 1000,
    }
    for index, link in enumerate(links):
        data.update(
            {
                f"links-{index}-id": link.pk,
                f"links-{index}-chain": chain.pk,
                f"links-{index}-order": [1, 3][index],
                f"links-{index}-body": link.body_id or "",
                f"links-{index}-body_kind": link.body_kind,
                f"links-{index}-action": link.action,
            }
        )
    data.update(
        {
            "links-2-chain": chain.pk,
            "links-2-order": 2,
            "links-2-body": council.board.pk,
            "links-2-body_kind": "",
            "links-2-action": "recommend",
        }
    )
    response = client.post(admin_url(ApprovalChain, "change", chain.pk), data)
    assert response.status_code == 302, response.content.decode()[:4000]
    assert [
        (link.body_id, link.body_kind, link.action) for link in chain.links.order_by("order")
    ] == [
        (None, Body.Kind.STEERING_GROUP, "recommend"),
        (council.board.pk, "", "recommend"),
        (council.assembly.pk, "", "approve"),
    ]
    added = chain.links.get(order=2).history.get()
    assert (added.history_user, added.history_change_reason) == (cycle.admin, "Rada doporučuje")

    # a chain whose last link only recommends is refused by the service, nothing changes
    data["links-1-action"] = "recommend"
    response = client.post(admin_url(ApprovalChain, "change", chain.pk), data)
    assert response.status_code == 200
    assert chain.links.count() == 3
    assert chain.links.get(order=3).action == "approve"

    client.force_login(cycle.coordinator)
    response = client.post(admin_url(ApprovalChain, "change", chain.pk), data)
    assert response.status_code == 403


def test_a_proposal_is_put_to_the_vote_through_the_admin(client, records):
    cycle = records.cycle
    client.force_login(records.other_cycle.coordinator)
    other = records.other_cycle
    response = client.post(
        admin_url(Decision, "add"),
        {
            "process": other.process.pk,
            "body": other.steering_group.pk,
            "subject": Decision.Subject.OTHER,
            "transition": "",
            "title": "Harmonogram jednání na rok 2026",
            "proposal": "",
            "mode": Decision.Mode.MEETING,
            "held_at_0": "",
            "held_at_1": "",
            "voting_closes_at_0": "",
            "voting_closes_at_1": "",
            "change_reason": "Návrh předsedy",
        },
    )
    assert response.status_code == 302, response.content.decode()[:4000]
    decision = Decision.objects.get(title="Harmonogram jednání na rok 2026")
    assert (decision.process, decision.created_by) == (other.process, other.coordinator)
    created = decision.history.get()
    assert (created.history_user, created.history_change_reason) == (
        other.coordinator,
        "Návrh předsedy",
    )
    assert cycle.process != decision.process


# --- records are never changed ------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", [StageTransition, Resolution, Comment, NewsItem, GuardRule, CalendarFeedToken]
)
def test_an_immutable_record_cannot_be_changed(client, records, model):
    client.force_login(records.cycle.admin)  # not even by a superuser
    obj = records.rows[model]
    before = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
    response = client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client.post(
        admin_url(model, "change", obj.pk),
        {"title": "Přepsáno", "reason": "Přepsáno", "text": "Přepsáno", "number": "1/2099"},
    )
    assert response.status_code == 403
    assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    obj.refresh_from_db()
    assert {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields} == before


def test_a_held_meeting_is_read_only_in_the_admin(client, records):
    meeting = plan_meeting(records.cycle, days_ahead=-1)
    services.meeting_mark_held(actor=records.cycle.coordinator, meeting=meeting)
    meeting_services.meeting_minutes_generate(actor=records.cycle.coordinator, meeting=meeting)
    client.force_login(records.cycle.coordinator)
    response = client.get(admin_url(Meeting, "change", meeting.pk))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "starts_at" not in form.fields and "place" not in form.fields


# --- query counts -------------------------------------------------------------------------------


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("model", [Meeting, Resolution, Decision])
def test_changelists_take_constant_queries(client, records, model):
    cycle, council = records.cycle, records.council
    client.force_login(cycle.coordinator)
    path = admin_url(model, "changelist")
    count_queries(client, path)
    few = count_queries(client, path)
    for n in range(5):
        plan_meeting(cycle, days_ahead=30 + n)
        record(council.secretary, council.assembly, process=cycle.process)
        services.decision_create(
            actor=cycle.coordinator,
            process=cycle.process,
            body=cycle.steering_group,
            subject=Decision.Subject.OTHER,
            title=f"Návrh {n}",
            mode=Decision.Mode.MEETING,
        )
    response = client.get(path)
    assert len(response.context["cl"].result_list) >= 6
    assert count_queries(client, path) == few


# --- ESF indicators ----------------------------------------------------------------------------


def test_esf_indicators_are_listed_searched_and_added_by_the_superuser(client, cycle):
    client.force_login(cycle.coordinator)  # staff: reads the reference data
    response = client.get(admin_url(IndicatorDefinition, "changelist"), {"q": "EECO01"})
    assert response.status_code == 200
    assert [d.code for d in response.context["cl"].result_list] == ["EECO01"]
    assert client.get(admin_url(IndicatorDefinition, "add")).status_code == 403

    client.force_login(cycle.admin)
    response = client.post(
        admin_url(IndicatorDefinition, "add"),
        {
            "esf_project": "",
            "code": "6 00 10",
            "name": "Účastníci z řad uživatelů",
            "unit": "osoby",
            "computation": "unique_participants_by_triad",
            "params": '{"triad_side": "user"}',
            "target_value": "40",
            "note": "",
            "to_verify": "on",
            "order": "80",
            "is_active": "on",
            "change_reason": "Indikátor podle výzvy",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    added = IndicatorDefinition.objects.get(code="6 00 10")
    entry = added.history.get()
    assert (entry.history_user, entry.history_change_reason) == (
        cycle.admin,
        "Indikátor podle výzvy",
    )

    response = client.post(
        admin_url(IndicatorDefinition, "add"),
        {
            "code": "6 00 11",
            "name": "Bez strany triády",
            "computation": "unique_participants_by_triad",
            "params": "{}",
            "order": "90",
        },
    )
    assert response.status_code == 200  # the missing parameter is shown on the form
    assert not IndicatorDefinition.objects.filter(code="6 00 11").exists()
