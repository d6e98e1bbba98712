"""The plan in the admin: listed per process, edited through the plan services (permissions,
numbering, history with actor and reason), with many-to-many fields and costs included."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import ERROR, get_messages
from django.urls import reverse

from documents.models.plan import Activity, Measure, PlanSection, Priority, Vision
from documents.services import plan as services
from tests.documents.test_plan import build_plan
from tests.stakeholders.conftest import World

pytestmark = pytest.mark.django_db


def admin_url(model: str, action: str, *args: Any) -> str:
    return reverse(f"admin:documents_{model}_{action}", args=args)


def login(client, world: World, who: str):
    client.force_login(world.superuser if who == "superuser" else world.users[who])
    return client


def listed(response) -> list[Any]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def errors(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level == ERROR]


def activity_form(activity: Activity | None, measure: Measure, **overrides: Any) -> dict:
    costs = list(activity.costs.all()) if activity else []
    data: dict[str, Any] = {
        "measure": measure.pk,
        "number": "",
        "title": activity.title if activity else "Nová aktivita",
        "description": "",
        "responsible_organization": "",
        "starts_year": "2025",
        "starts_month": "",
        "ends_year": "",
        "ends_month": "",
        "indicators": "",
        "status": "planned",
        "change_reason": "Úprava v administraci",
        "costs-TOTAL_FORMS": str(len(costs) + 1),
        "costs-INITIAL_FORMS": str(len(costs)),
        "costs-MIN_NUM_FORMS": "0",
        "costs-MAX_NUM_FORMS": "1000",
    }
    for i, cost in enumerate(costs):
        data.update(
            {
                f"costs-{i}-id": cost.pk,
                f"costs-{i}-activity": activity.pk,
                f"costs-{i}-source": cost.source,
                f"costs-{i}-year": cost.year or "",
                f"costs-{i}-amount": str(cost.amount),
            }
        )
    last = len(costs)
    data.update({f"costs-{last}-source": "", f"costs-{last}-year": "", f"costs-{last}-amount": ""})
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("who", "sees_priorities"),
    [
        ("coordinator", {"1", "2", "3"}),
        ("wg_member", {"1", "2", "3"}),
        ("auditor", {"1", "2", "3"}),
        ("other_coordinator", set()),
    ],
)
def test_the_lists_hold_the_plans_of_the_users_processes(client, world, who, sees_priorities):
    build_plan(world)
    response = login(client, world, who).get(admin_url("priority", "changelist"))
    assert {p.number for p in listed(response)} == sees_priorities
    activities = {a.number for a in listed(client.get(admin_url("activity", "changelist")))}
    assert activities == ({"1.1.1", "2.1.1"} if sees_priorities else set())


def test_a_member_edits_their_part_and_reads_the_rest(client, world):
    plan = build_plan(world)
    client = login(client, world, "wg_member")
    own = client.get(admin_url("measure", "change", plan["m11"].pk))
    assert own.status_code == 200 and b'name="title"' in own.content
    foreign = client.get(admin_url("measure", "change", plan["m21"].pk))
    assert foreign.status_code == 200 and b'name="title"' not in foreign.content
    forged = {"priority": plan["p2"].pk, "title": "Cizí", "goal": "", "indicators": ""}
    assert client.post(admin_url("measure", "change", plan["m21"].pk), forged).status_code == 403
    assert (
        client.post(admin_url("measure", "delete", plan["m21"].pk), {"post": "yes"}).status_code
        == 403
    )
    assert Measure.objects.get(pk=plan["m21"].pk).title == "Bydlení"
    vision = client.get(admin_url("vision", "add"))
    assert vision.status_code == 403


def test_adding_an_activity_numbers_it_and_records_reason_and_costs(client, world):
    plan = build_plan(world)
    client = login(client, world, "wg_member")
    data = activity_form(
        None,
        plan["m11"],
        **{
            "costs-0-source": "esf",
            "costs-0-year": "2026",
            "costs-0-amount": "45000",
            "target_groups": [world.seniors.pk],
        },
    )
    response = client.post(admin_url("activity", "add"), data)
    assert response.status_code == 302, errors(response)
    activity = Activity.objects.get(title="Nová aktivita")
    assert activity.number == "1.1.2"
    assert list(activity.target_groups.all()) == [world.seniors]
    assert [(c.source, c.year, c.amount) for c in activity.costs.all()] == [
        ("esf", 2026, Decimal("45000.00"))
    ]
    first = Activity.history.filter(id=activity.pk).order_by("history_id").first()
    assert first.history_user_id == world.users["wg_member"].pk
    assert first.history_change_reason == "Úprava v administraci"


def test_editing_costs_in_the_inline_goes_through_the_service(client, world):
    plan = build_plan(world)
    activity = plan["a11"]
    client = login(client, world, "coordinator")
    data = activity_form(activity, plan["m11"], **{"costs-1-DELETE": "on"})
    data["costs-0-amount"] = "99000"
    response = client.post(admin_url("activity", "change", activity.pk), data)
    assert response.status_code == 302, errors(response)
    costs = {(c.source, c.year): c.amount for c in activity.costs.all()}
    assert costs == {("municipality", None): Decimal("99000")}
    removed = Activity.costs.rel.related_model.history.get(source="state", history_type="-")
    assert removed.history_change_reason == "Úprava v administraci"
    assert removed.history_user_id == world.users["coordinator"].pk


def test_a_refused_change_is_shown_and_nothing_is_saved(client, world):
    plan = build_plan(world)
    client = login(client, world, "wg_member")
    data = {
        "title": "Přesun jinam",
        "description": "",
        "working_group": world.wg_disabled.pk,
        "change_reason": "",
    }
    response = client.post(admin_url("priority", "change", plan["p1"].pk), data)
    assert response.status_code == 200
    assert errors(response)
    priority = Priority.objects.get(pk=plan["p1"].pk)
    assert (priority.title, priority.working_group_id) == ("Senioři doma", world.wg_seniors.pk)
    assert b"P\xc5\x99esun jinam" in response.content  # the input is kept on the form


def test_deleting_in_the_admin_renumbers_and_is_recorded(client, world):
    plan = build_plan(world)
    second = services.plan_measure_create(actor=world.superuser, priority=plan["p1"], title="Druhé")
    client = login(client, world, "wg_member")
    response = client.post(admin_url("measure", "delete", plan["m11"].pk), {"post": "yes"})
    assert response.status_code == 302
    assert Measure.objects.get(pk=second.pk).number == "1.1"
    deleted = Activity.history.get(id=plan["a11"].pk, history_type="-")
    assert deleted.history_user_id == world.users["wg_member"].pk


def test_history_pages_show_the_reason_and_are_not_revertible(client, world):
    plan = build_plan(world)
    services.plan_activity_update(
        actor=world.users["coordinator"], activity=plan["a11"], title="Nově", reason="Oprava ŘS"
    )
    client = login(client, world, "auditor")
    page = client.get(admin_url("activity", "history", plan["a11"].pk))
    assert page.status_code == 200 and "Oprava ŘS" in page.content.decode()
    version = Activity.history.filter(id=plan["a11"].pk).last()
    revert = reverse(
        "admin:documents_activity_simple_history", args=[plan["a11"].pk, version.history_id]
    )
    assert client.post(revert, {"title": "Vráceno"}).status_code == 403
    outsider = login(client, world, "other_coordinator")
    assert outsider.get(admin_url("activity", "history", plan["a11"].pk)).status_code in (
        302,
        403,
        404,
    )


def test_vision_and_chapters_through_the_services(client, world):
    client = login(client, world, "coordinator")
    response = client.post(
        admin_url("vision", "add"),
        {"process": world.process.pk, "text": "Dostupné služby", "change_reason": "ŘS 3/2025"},
    )
    assert response.status_code == 302, errors(response)
    vision = Vision.objects.get(process=world.process)
    assert vision.history.first().history_change_reason == "ŘS 3/2025"
    response = client.post(
        admin_url("plansection", "add"),
        {"process": world.process.pk, "kind": "monitoring", "text": "Ročně", "change_reason": ""},
    )
    assert response.status_code == 302, errors(response)
    assert PlanSection.objects.get(process=world.process, kind="monitoring").text == "Ročně"
    member = login(client, world, "wg_member")
    assert member.get(admin_url("plansection", "add")).status_code == 403
