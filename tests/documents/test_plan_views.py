"""The plan editing pages: who sees and edits what, numbering, validation that keeps the input,
and a tree page whose query count does not grow with the plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents.models.plan import (
    Activity,
    ActivityCost,
    Measure,
    PlanSection,
    Priority,
    ProjectPipelineItem,
    Vision,
)
from documents.services import plan as services
from documents.services.plan import CostInput
from tests.documents.test_plan import build_plan
from tests.factories import OrganizationFactory, UserFactory
from tests.stakeholders.conftest import World

pytestmark = pytest.mark.django_db


def url(name: str, world: World, *args: Any, process: Any = None) -> str:
    return reverse(f"plan:{name}", args=[(process or world.process).pk, *args])


def as_user(client, world: World, who: str):
    user = world.superuser if who == "superuser" else world.users[who]
    client.force_login(user)
    return client


def activity_data(measure: Measure, **overrides: Any) -> dict[str, Any]:
    data = {
        "measure": measure.pk,
        "title": "Odlehčovací služba v Horažďovicích",
        "description": "Rozšíření kapacity o dvě lůžka.",
        "starts_year": "2025",
        "starts_month": "3",
        "ends_year": "2026",
        "ends_month": "",
        "indicators": "počet uživatelů",
        "status": "planned",
        "reason": "Návrh pracovní skupiny",
        "costs-TOTAL_FORMS": "3",
        "costs-INITIAL_FORMS": "0",
        "costs-MIN_NUM_FORMS": "0",
        "costs-MAX_NUM_FORMS": "1000",
        "costs-0-source": "municipality",
        "costs-0-year": "",
        "costs-0-amount": "150000",
        "costs-1-source": "state",
        "costs-1-year": "2025",
        "costs-1-amount": "320000.50",
        "costs-2-source": "",
        "costs-2-year": "",
        "costs-2-amount": "",
    }
    data.update(overrides)
    return data


# --- reading ----------------------------------------------------------------------------------


def test_the_tree_shows_edit_links_only_for_the_users_part(client, world):
    plan = build_plan(world)
    response = as_user(client, world, "wg_member").get(url("tree", world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rozšíření pečovatelské služby 1" in html and "Chráněné bydlení" in html
    assert url("activity_edit", world, plan["a11"].pk) in html
    assert url("measure_edit", world, plan["m11"].pk) in html
    assert url("activity_edit", world, plan["a21"].pk) not in html
    assert url("measure_edit", world, plan["m21"].pk) not in html
    assert url("priority_edit", world, plan["p3"].pk) not in html
    assert url("vision_edit", world) not in html


@pytest.mark.parametrize("who", ["coordinator", "methodologist", "sg_chair", "sg_member"])
def test_coordinator_and_steering_group_see_every_edit_link(client, world, who):
    plan = build_plan(world)
    html = as_user(client, world, who).get(url("tree", world)).content.decode()
    for name, key in [("activity_edit", "a21"), ("priority_edit", "p3"), ("measure_edit", "m11")]:
        assert url(name, world, plan[key].pk) in html
    assert url("vision_edit", world) in html
    assert url("section_edit", world, "monitoring") in html


@pytest.mark.parametrize("who", ["sg_secretary", "auditor", "board_secretary"])
def test_other_members_read_the_plan_without_edit_links(client, world, who):
    plan = build_plan(world)
    response = as_user(client, world, who).get(url("tree", world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chráněné bydlení" in html
    assert "/upravit/" not in html and "/smazat/" not in html and "/posunout/" not in html
    assert (
        as_user(client, world, who).get(url("activity_edit", world, plan["a11"].pk)).status_code
        == 403
    )


def test_other_territories_and_strangers_get_404_and_anonymous_the_login(client, world):
    plan = build_plan(world)
    for page in [
        url("tree", world),
        url("activity_edit", world, plan["a11"].pk),
        url("measure_create", world, plan["p1"].pk),
        url("vision_edit", world),
    ]:
        assert as_user(client, world, "other_coordinator").get(page).status_code == 404
    client.logout()
    response = client.get(url("tree", world))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    client.force_login(UserFactory(username="cizi"))
    assert client.get(url("tree", world)).status_code == 404


def test_a_node_is_found_only_under_its_own_process(client, world):
    plan = build_plan(world)
    as_user(client, world, "superuser")
    wrong = url("activity_edit", world, plan["a11"].pk, process=world.other_process)
    assert client.get(wrong).status_code == 404
    assert client.get(url("tree", world, process=world.other_process)).status_code == 200


def _tree_query_count(client, world: World) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("tree", world))
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("who", ["coordinator", "wg_member"])
def test_the_tree_page_needs_the_same_queries_however_large_the_plan(client, world, who):
    plan = build_plan(world)
    services.plan_vision_set(actor=world.superuser, process=world.process, text="Vize")
    services.plan_pipeline_item_create(
        actor=world.superuser,
        process=world.process,
        title="Denní stacionář",
        measure=plan["m11"],
        implementer_organization=plan["org"],
    )
    as_user(client, world, who)
    small = _tree_query_count(client, world)
    for n in range(2, 9):
        measure = services.plan_measure_create(
            actor=world.superuser, priority=plan["p1" if n % 2 else "p2"], title=f"Opatření {n}"
        )
        for k in range(3):
            services.plan_activity_create(
                actor=world.superuser,
                measure=measure,
                title=f"Aktivita {n}.{k}",
                responsible_organization=OrganizationFactory(),
                partners=[OrganizationFactory(), plan["org"]],
                target_groups=[world.seniors, world.disabled],
                costs=[CostInput("esf", Decimal(n)), CostInput("region", Decimal(k), 2026)],
            )
        services.plan_pipeline_item_create(
            actor=world.superuser, process=world.process, title=f"Záměr {n}", measure=measure
        )
    services.plan_priority_create(
        actor=world.superuser, process=world.process, title="Nová", target_groups=[world.seniors]
    )
    large = _tree_query_count(client, world)
    assert Activity.objects.filter(process=world.process).count() == 23
    assert large == small


# --- creating and editing activities ----------------------------------------------------------


def test_a_working_group_member_adds_an_activity_with_costs(client, world):
    plan = build_plan(world)
    client = as_user(client, world, "wg_member")
    page = client.get(url("activity_create", world, plan["m11"].pk))
    assert page.status_code == 200
    response = client.post(
        url("activity_create", world, plan["m11"].pk), activity_data(plan["m11"])
    )
    assert response.status_code == 302
    activity = Activity.objects.get(title="Odlehčovací služba v Horažďovicích")
    assert activity.number == "1.1.2"
    assert response["Location"].endswith(f"#a-{activity.pk}")
    costs = {(c.source, c.year): c.amount for c in activity.costs.all()}
    assert costs == {
        ("municipality", None): Decimal("150000"),
        ("state", 2025): Decimal("320000.50"),
    }
    created = Activity.history.get(id=activity.pk, history_type="+")
    assert created.history_user_id == world.users["wg_member"].pk
    assert created.history_change_reason == "Návrh pracovní skupiny"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"ends_year": "2024"}, "ends_year"),
        ({"starts_month": "13"}, "starts_month"),
        ({"costs-0-amount": "-5"}, "amount"),
        ({"costs-0-amount": "sto tisíc"}, "amount"),
        ({"costs-1-source": "municipality", "costs-1-year": ""}, "__all__"),
        ({"costs-2-amount": "100"}, "source"),
    ],
)
def test_bad_input_is_refused_and_everything_typed_is_kept(client, world, overrides, field):
    plan = build_plan(world)
    before = Activity.objects.count(), ActivityCost.objects.count(), Activity.history.count()
    data = activity_data(plan["m11"], **overrides)
    response = as_user(client, world, "wg_member").post(
        url("activity_create", world, plan["m11"].pk), data
    )
    assert response.status_code == 400
    form, formset = response.context["form"], response.context["formset"]
    errors = {**form.errors}
    for cost_form in formset.forms:
        errors.update(cost_form.errors)
    if formset.non_form_errors():
        errors["__all__"] = formset.non_form_errors()
    assert field in errors
    html = response.content.decode()
    assert "Rozšíření kapacity o dvě lůžka." in html
    assert 'value="Návrh pracovní skupiny"' in html
    if data["title"]:
        assert f'value="{data["title"]}"' in html
    assert (
        Activity.objects.count(),
        ActivityCost.objects.count(),
        Activity.history.count(),
    ) == before


def test_a_refusal_of_the_service_is_shown_on_the_form(client, world):
    plan = build_plan(world)
    # The database allows one cost per source and year; two rows of the same source and no year
    # are refused by the formset, the same source in one year by the service (same message).
    response = as_user(client, world, "wg_member").post(
        url("activity_create", world, plan["m11"].pk),
        activity_data(
            plan["m11"],
            **{"costs-1-source": "municipality", "costs-1-year": "", "costs-1-amount": "1"},
        ),
    )
    assert response.status_code == 400
    assert response.context["formset"].non_form_errors()
    assert not Activity.objects.filter(title="Odlehčovací služba v Horažďovicích").exists()


def test_editing_an_activity_replaces_its_costs_and_can_move_it(client, world):
    plan = build_plan(world)
    m12 = services.plan_measure_create(actor=world.superuser, priority=plan["p1"], title="Druhé")
    client = as_user(client, world, "wg_member")
    page = client.get(url("activity_edit", world, plan["a11"].pk))
    assert page.status_code == 200
    assert 'value="100000.00"' in page.content.decode()
    data = activity_data(
        m12,
        title="Pečovatelská služba i o víkendech",
        **{"costs-1-source": "", "costs-1-year": "", "costs-1-amount": ""},
    )
    response = client.post(url("activity_edit", world, plan["a11"].pk), data)
    assert response.status_code == 302
    activity = Activity.objects.get(pk=plan["a11"].pk)
    assert (activity.title, activity.measure_id, activity.number) == (
        "Pečovatelská služba i o víkendech",
        m12.pk,
        "1.2.1",
    )
    assert {c.source for c in activity.costs.all()} == {"municipality"}


def test_a_member_cannot_place_an_activity_in_another_groups_measure(client, world):
    plan = build_plan(world)
    client = as_user(client, world, "wg_member")
    # The other group's measure is not among the choices: a forged POST is a form error.
    response = client.post(
        url("activity_create", world, plan["m11"].pk), activity_data(plan["m21"])
    )
    assert response.status_code == 400
    assert "measure" in response.context["form"].errors
    assert not Activity.objects.filter(measure=plan["m21"], title__startswith="Odleh").exists()
    # Pages of the other group's part are refused outright.
    assert client.get(url("activity_create", world, plan["m21"].pk)).status_code == 403
    assert client.get(url("measure_edit", world, plan["m21"].pk)).status_code == 403
    forged = {"priority": plan["p2"].pk, "title": "Převzato", "goal": "", "indicators": ""}
    assert client.post(url("measure_edit", world, plan["m21"].pk), forged).status_code == 403
    assert client.post(url("measure_delete", world, plan["m21"].pk)).status_code == 403
    assert (
        client.post(url("measure_move", world, plan["m21"].pk), {"direction": "up"}).status_code
        == 403
    )
    assert Measure.objects.get(pk=plan["m21"].pk).title == "Bydlení"


# --- priorities, measures, moves, deletes -----------------------------------------------------


def test_a_member_adds_a_priority_only_for_their_own_group(client, world):
    build_plan(world)
    client = as_user(client, world, "wg_member")
    page = client.get(url("priority_create", world))
    choices = list(page.context["form"].fields["working_group"].queryset)
    assert choices == [world.wg_seniors]
    data = {"title": "Podpora pečujících", "description": "", "working_group": world.wg_disabled.pk}
    assert client.post(url("priority_create", world), data).status_code == 400
    data["working_group"] = world.wg_seniors.pk
    data["target_groups"] = [world.seniors.pk]
    response = client.post(url("priority_create", world), data)
    assert response.status_code == 302
    priority = Priority.objects.get(title="Podpora pečujících")
    assert (priority.number, priority.working_group_id) == ("4", world.wg_seniors.pk)
    assert list(priority.target_groups.all()) == [world.seniors]


def test_measures_are_added_edited_and_moved_between_own_priorities(client, world):
    plan = build_plan(world)
    own = services.plan_priority_create(
        actor=world.superuser, process=world.process, title="Druhá", working_group=world.wg_seniors
    )
    client = as_user(client, world, "wg_member")
    data = {"priority": plan["p1"].pk, "title": "Sdílená péče", "goal": "Cíl", "indicators": ""}
    assert client.post(url("measure_create", world, plan["p1"].pk), data).status_code == 302
    created = Measure.objects.get(title="Sdílená péče")
    assert created.number == "1.2"
    data["priority"] = own.pk
    assert client.post(url("measure_edit", world, plan["m11"].pk), data).status_code == 302
    moved = Measure.objects.get(pk=plan["m11"].pk)
    assert (moved.priority_id, moved.number) == (own.pk, "4.1")
    assert Measure.objects.get(pk=created.pk).number == "1.1"
    assert Activity.objects.get(pk=plan["a11"].pk).number == "4.1.1"


def test_moving_up_and_down_renumbers(client, world):
    plan = build_plan(world, activities_per_measure=3)
    ids = list(
        Activity.objects.filter(measure=plan["m11"]).order_by("number").values_list("pk", flat=True)
    )
    client = as_user(client, world, "wg_member")
    response = client.post(url("activity_move", world, ids[0]), {"direction": "down"})
    assert response.status_code == 302
    assert [Activity.objects.get(pk=pk).number for pk in ids] == ["1.1.2", "1.1.1", "1.1.3"]
    client.post(url("activity_move", world, ids[2]), {"direction": "up"})
    assert [Activity.objects.get(pk=pk).number for pk in ids] == ["1.1.3", "1.1.1", "1.1.2"]
    assert (
        client.post(url("activity_move", world, ids[0]), {"direction": "sideways"}).status_code
        == 400
    )
    # A member may not reorder priorities: that would renumber other groups' parts.
    assert (
        client.post(url("priority_move", world, plan["p1"].pk), {"direction": "down"}).status_code
        == 403
    )
    coordinator = as_user(client, world, "coordinator")
    assert (
        coordinator.post(
            url("priority_move", world, plan["p1"].pk), {"direction": "down"}
        ).status_code
        == 302
    )
    assert Priority.objects.get(pk=plan["p1"].pk).number == "2"
    assert Activity.objects.get(pk=ids[0]).number == "2.1.3"


def test_deleting_asks_first_then_deletes_with_the_reason_and_closes_the_gap(client, world):
    plan = build_plan(world, activities_per_measure=3)
    first, *rest = Activity.objects.filter(measure=plan["m11"]).order_by("number")
    client = as_user(client, world, "wg_member")
    page = client.get(url("activity_delete", world, first.pk))
    assert page.status_code == 200 and first.title in page.content.decode()
    assert Activity.objects.filter(pk=first.pk).exists()
    response = client.post(url("activity_delete", world, first.pk), {"reason": "Duplicitní"})
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=first.pk).exists()
    assert [Activity.objects.get(pk=a.pk).number for a in rest] == ["1.1.1", "1.1.2"]
    deleted = Activity.history.get(id=first.pk, history_type="-")
    assert (deleted.history_change_reason, deleted.history_user_id) == (
        "Duplicitní",
        world.users["wg_member"].pk,
    )


def test_the_coordinator_deletes_a_priority_and_the_others_move_up(client, world):
    plan = build_plan(world)
    client = as_user(client, world, "coordinator")
    assert (
        client.post(url("priority_delete", world, plan["p1"].pk), {"reason": ""}).status_code == 302
    )
    assert [
        p.number for p in Priority.objects.filter(process=world.process).order_by("number")
    ] == [
        "1",
        "2",
    ]
    assert Activity.objects.get(pk=plan["a21"].pk).number == "1.1.1"


# --- vision, chapters and the pipeline --------------------------------------------------------


def test_vision_and_chapters_are_edited_by_whole_plan_editors_only(client, world):
    build_plan(world)
    member = as_user(client, world, "wg_member")
    assert member.get(url("vision_edit", world)).status_code == 403
    assert member.post(url("section_edit", world, "monitoring"), {"text": "x"}).status_code == 403
    coordinator = as_user(client, world, "coordinator")
    assert coordinator.get(url("section_edit", world, "nonsense")).status_code == 404
    assert coordinator.post(url("vision_edit", world), {"text": ""}).status_code == 400
    response = coordinator.post(
        url("vision_edit", world), {"text": "Dostupné služby", "reason": "ŘS"}
    )
    assert response.status_code == 302
    assert Vision.objects.get(process=world.process).text == "Dostupné služby"
    response = coordinator.post(url("section_edit", world, "monitoring"), {"text": "Ročně."})
    assert response.status_code == 302
    assert PlanSection.objects.get(process=world.process, kind="monitoring").text == "Ročně."
    assert coordinator.get(url("vision_edit", world)).context["form"].initial["text"] == (
        "Dostupné služby"
    )


def test_pipeline_items_of_a_member_belong_to_their_measures(client, world):
    plan = build_plan(world)
    client = as_user(client, world, "wg_member")
    data = {
        "title": "Denní stacionář",
        "description": "",
        "measure": "",
        "implementer_organization": "",
        "implementer_name": "Charita Horažďovice",
        "budget": "2500000",
        "support_note": "",
        "status": "proposed",
    }
    response = client.post(url("pipeline_item_create", world), data)
    assert response.status_code == 400 and "measure" in response.context["form"].errors
    data["measure"] = plan["m21"].pk
    assert client.post(url("pipeline_item_create", world), data).status_code == 400
    data["measure"] = plan["m11"].pk
    assert client.post(url("pipeline_item_create", world), data).status_code == 302
    item = ProjectPipelineItem.objects.get(title="Denní stacionář")
    assert (item.measure_id, item.budget) == (plan["m11"].pk, Decimal("2500000"))
    data["budget"] = "-1"
    response = client.post(url("pipeline_item_edit", world, item.pk), data)
    assert response.status_code == 400 and "budget" in response.context["form"].errors
    other = services.plan_pipeline_item_create(
        actor=world.superuser, process=world.process, title="Cizí", measure=plan["m21"]
    )
    assert client.get(url("pipeline_item_edit", world, other.pk)).status_code == 403
    assert client.post(url("pipeline_item_delete", world, item.pk), {}).status_code == 302
    assert not ProjectPipelineItem.objects.filter(pk=item.pk).exists()
