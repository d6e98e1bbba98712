"""Structured plan content: numbering, history, the edit permissions table and the tree selector."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from documents.models.plan import (
    Activity,
    ActivityCost,
    Measure,
    Priority,
    ProjectPipelineItem,
)
from documents.plan_selectors import plan_tree_get
from documents.services import plan as services
from documents.services.plan import CostInput
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from tests.factories import OrganizationFactory, UserFactory
from tests.stakeholders.conftest import World


def build_plan(world: World, activities_per_measure: int = 1) -> dict[str, Any]:
    """P1 (seniors' working group) → 1.1 → 1.1.n; P2 (disabled) → 2.1; P3 cross-cutting."""
    actor = world.superuser
    p1 = services.plan_priority_create(
        actor=actor,
        process=world.process,
        number="1",
        title="Senioři doma",
        working_group=world.wg_seniors,
        target_groups=[world.seniors],
    )
    p2 = services.plan_priority_create(
        actor=actor,
        process=world.process,
        number="2",
        title="Dostupné služby pro osoby se zdravotním postižením",
        working_group=world.wg_disabled,
    )
    p3 = services.plan_priority_create(
        actor=actor, process=world.process, number="3", title="Informovanost"
    )
    m11 = services.plan_measure_create(actor=actor, priority=p1, number="1.1", title="Terén")
    m21 = services.plan_measure_create(actor=actor, priority=p2, number="2.1", title="Bydlení")
    m31 = services.plan_measure_create(actor=actor, priority=p3, number="3.1", title="Katalog")
    org = OrganizationFactory()
    activities = [
        services.plan_activity_create(
            actor=actor,
            measure=m11,
            number=f"1.1.{n}",
            title=f"Rozšíření pečovatelské služby {n}",
            responsible_organization=org,
            partners=[org],
            target_groups=[world.seniors],
            starts_year=2025,
            starts_month=1,
            ends_year=2026,
            costs=[
                CostInput("municipality", Decimal("100000")),
                CostInput("state", Decimal("250000.50")),
            ],
        )
        for n in range(1, activities_per_measure + 1)
    ]
    a21 = services.plan_activity_create(
        actor=actor, measure=m21, number="2.1.1", title="Chráněné bydlení"
    )
    return {
        "p1": p1,
        "p2": p2,
        "p3": p3,
        "m11": m11,
        "m21": m21,
        "m31": m31,
        "a11": activities[0],
        "a21": a21,
        "org": org,
    }


# --- numbering and invariants -----------------------------------------------------------------


def test_numbers_follow_the_tree(world):
    plan = build_plan(world)
    with pytest.raises(ValidationFailed) as exc:
        services.plan_measure_create(
            actor=world.superuser, priority=plan["p1"], number="2.2", title="Špatně"
        )
    assert "number" in exc.value.errors
    with pytest.raises(ValidationFailed):
        services.plan_activity_create(
            actor=world.superuser, measure=plan["m11"], number="1.2.1", title="Špatně"
        )
    with pytest.raises(ValidationFailed):
        services.plan_priority_create(
            actor=world.superuser, process=world.process, number="1.1", title="Špatný formát"
        )


def test_numbers_are_unique_per_process_but_not_across_processes(world):
    build_plan(world)
    with pytest.raises(ValidationFailed):
        services.plan_priority_create(
            actor=world.superuser, process=world.process, number="1", title="Duplicitní"
        )
    other = services.plan_priority_create(
        actor=world.superuser, process=world.other_process, number="1", title="Jiný proces"
    )
    assert other.number == "1"


def test_the_database_refuses_bad_numbers_even_past_the_services(world):
    plan = build_plan(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Priority.objects.create(process=world.process, number="1", title="Duplicitní")
    with pytest.raises(IntegrityError), transaction.atomic():
        Priority.objects.create(process=world.process, number="x", title="Nečíslo")
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.create(
            priority=plan["p1"], process=world.process, number="1.1", title="Duplicitní"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            measure=plan["m11"], process=world.process, number="1.1", title="Formát"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityCost.objects.create(activity=plan["a11"], source="esf", amount=Decimal("-1"))


def test_activity_period_is_validated(world):
    plan = build_plan(world)
    with pytest.raises(ValidationFailed):
        services.plan_activity_update(
            actor=world.superuser, activity=plan["a11"], starts_year=2026, ends_year=2025
        )
    with pytest.raises(ValidationFailed):
        services.plan_activity_update(actor=world.superuser, activity=plan["a11"], ends_month=13)


def test_renumbering_a_priority_renumbers_its_subtree(world):
    plan = build_plan(world)
    services.plan_priority_update(actor=world.superuser, priority=plan["p1"], number="4")
    assert Measure.objects.get(pk=plan["m11"].pk).number == "4.1"
    assert Activity.objects.get(pk=plan["a11"].pk).number == "4.1.1"
    services.plan_measure_update(actor=world.superuser, measure=plan["m11"], number="4.7")
    assert Activity.objects.get(pk=plan["a11"].pk).number == "4.7.1"


def test_edits_are_historised_with_actor_and_reason(world):
    plan = build_plan(world)
    coordinator = world.users["coordinator"]
    services.plan_activity_update(
        actor=coordinator,
        activity=plan["a11"],
        status=Activity.Status.DONE,
        reason="Vyhodnocení 2025",
    )
    latest = Activity.history.filter(id=plan["a11"].pk).first()
    assert latest.status == "done"
    assert latest.history_user_id == coordinator.pk
    assert latest.history_change_reason == "Vyhodnocení 2025"


def test_costs_are_replaced_and_deletions_recorded(world):
    plan = build_plan(world)
    activity = plan["a11"]
    services.plan_activity_update(
        actor=world.superuser,
        activity=activity,
        costs=[CostInput("municipality", Decimal("120000")), CostInput("esf", Decimal("5"), 2026)],
    )
    costs = {(c.source, c.year): c.amount for c in activity.costs.all()}
    assert costs == {("municipality", None): Decimal("120000"), ("esf", 2026): Decimal("5")}
    assert ActivityCost.history.filter(source="state", history_type="-").exists()
    with pytest.raises(ValidationFailed):
        services.plan_activity_update(
            actor=world.superuser,
            activity=activity,
            costs=[CostInput("esf", Decimal("1")), CostInput("esf", Decimal("2"))],
        )


def test_deleting_a_priority_records_every_node(world):
    plan = build_plan(world)
    services.plan_priority_delete(actor=world.superuser, priority=plan["p1"], reason="Sloučeno")
    assert not Activity.objects.filter(pk=plan["a11"].pk).exists()
    deleted = Activity.history.get(id=plan["a11"].pk, history_type="-")
    assert deleted.history_user_id == world.superuser.pk
    assert deleted.history_change_reason == "Sloučeno"


def test_working_group_must_belong_to_the_process(world):
    with pytest.raises(ValidationFailed):
        services.plan_priority_create(
            actor=world.superuser,
            process=world.other_process,
            number="1",
            title="Cizí skupina",
            working_group=world.wg_seniors,
        )
    with pytest.raises(ValidationFailed):
        services.plan_priority_create(
            actor=world.superuser,
            process=world.process,
            number="9",
            title="Řídící skupina není pracovní",
            working_group=world.steering_group,
        )


# --- who may edit what ------------------------------------------------------------------------

OK, DENIED, NOT_FOUND = "ok", "denied", "not_found"
Action = Callable[[Any, World, dict[str, Any]], Any]

ACTIONS: dict[str, Action] = {
    "create priority of the seniors' group": lambda u, w, p: services.plan_priority_create(
        actor=u, process=w.process, number="7", title="Nová", working_group=w.wg_seniors
    ),
    "create cross-cutting priority": lambda u, w, p: services.plan_priority_create(
        actor=u, process=w.process, number="8", title="Průřezová"
    ),
    "edit seniors' priority": lambda u, w, p: services.plan_priority_update(
        actor=u, priority=p["p1"], title="Upraveno"
    ),
    "edit disabled people's priority": lambda u, w, p: services.plan_priority_update(
        actor=u, priority=p["p2"], title="Upraveno"
    ),
    "edit cross-cutting priority": lambda u, w, p: services.plan_priority_update(
        actor=u, priority=p["p3"], title="Upraveno"
    ),
    "move seniors' priority to another group": lambda u, w, p: services.plan_priority_update(
        actor=u, priority=p["p1"], working_group=w.wg_disabled
    ),
    "add measure to seniors' priority": lambda u, w, p: services.plan_measure_create(
        actor=u, priority=p["p1"], number="1.2", title="Nové"
    ),
    "add activity to seniors' measure": lambda u, w, p: services.plan_activity_create(
        actor=u, measure=p["m11"], number="1.1.9", title="Nová"
    ),
    "edit seniors' activity costs": lambda u, w, p: services.plan_activity_update(
        actor=u, activity=p["a11"], costs=[CostInput("region", Decimal("1"))]
    ),
    "delete seniors' activity": lambda u, w, p: services.plan_activity_delete(
        actor=u, activity=p["a11"]
    ),
    "edit disabled people's activity": lambda u, w, p: services.plan_activity_update(
        actor=u, activity=p["a21"], title="Upraveno"
    ),
    "delete disabled people's measure": lambda u, w, p: services.plan_measure_delete(
        actor=u, measure=p["m21"]
    ),
    "set vision": lambda u, w, p: services.plan_vision_set(actor=u, process=w.process, text="Vize"),
    "set a plan chapter": lambda u, w, p: services.plan_section_set(
        actor=u, process=w.process, kind="monitoring", text="Sledování"
    ),
    "add pipeline item under seniors' measure": lambda u, w, p: services.plan_pipeline_item_create(
        actor=u, process=w.process, title="Denní stacionář", measure=p["m11"]
    ),
    "add pipeline item without measure": lambda u, w, p: services.plan_pipeline_item_create(
        actor=u, process=w.process, title="Sociální bydlení"
    ),
    "move seniors' measure under the priority of disabled people": (
        lambda u, w, p: services.plan_measure_move(actor=u, measure=p["m11"], priority=p["p2"])
    ),
    "move seniors' priority behind the others": lambda u, w, p: services.plan_priority_move(
        actor=u, priority=p["p1"], position=3
    ),
    "delete seniors' priority (renumbers the others)": (
        lambda u, w, p: services.plan_priority_delete(actor=u, priority=p["p1"])
    ),
    "move the cross-cutting priority": lambda u, w, p: services.plan_priority_move(
        actor=u, priority=p["p3"], position=1
    ),
    "delete disabled people's activity": lambda u, w, p: services.plan_activity_delete(
        actor=u, activity=p["a21"]
    ),
}

EVERYTHING = dict.fromkeys(ACTIONS, OK)
SEES_NOTHING = dict.fromkeys(ACTIONS, NOT_FOUND)
SEES_ONLY = dict.fromkeys(ACTIONS, DENIED)
SENIORS_PART = {
    **SEES_ONLY,
    "create priority of the seniors' group": OK,
    "edit seniors' priority": OK,
    "add measure to seniors' priority": OK,
    "add activity to seniors' measure": OK,
    "edit seniors' activity costs": OK,
    "delete seniors' activity": OK,
    "add pipeline item under seniors' measure": OK,
}
DISABLED_PART = {
    **SEES_ONLY,
    "edit disabled people's priority": OK,
    "edit disabled people's activity": OK,
    "delete disabled people's measure": OK,
    "delete disabled people's activity": OK,
}

EXPECTED: dict[str, dict[str, str]] = {
    "superuser": EVERYTHING,
    "coordinator": EVERYTHING,
    "methodologist": EVERYTHING,
    "wg_member": SENIORS_PART,
    "other_wg_member": DISABLED_PART,
    "sg_member": EVERYTHING,
    "sg_chair": EVERYTHING,
    "sg_secretary": SEES_ONLY,
    "auditor": SEES_ONLY,
    "board_secretary": SEES_ONLY,
    "other_coordinator": SEES_NOTHING,
    "outsider": SEES_NOTHING,
}

CASES = [(who, action, outcome) for who, row in EXPECTED.items() for action, outcome in row.items()]


def _user(world: World, who: str) -> Any:
    if who == "superuser":
        return world.superuser
    if who == "outsider":
        return UserFactory(username="outsider")
    return world.users[who]


@pytest.mark.parametrize(("who", "action", "outcome"), CASES)
def test_plan_edit_permissions(world, who, action, outcome):
    plan = build_plan(world)
    user = _user(world, who)
    if outcome == OK:
        ACTIONS[action](user, world, plan)
    else:
        error = NotFound if outcome == NOT_FOUND else PermissionDenied
        with pytest.raises(error):
            ACTIONS[action](user, world, plan)


def test_a_refused_edit_changes_nothing(world):
    plan = build_plan(world)
    before = Priority.history.count(), ProjectPipelineItem.objects.count()
    with pytest.raises(PermissionDenied):
        services.plan_priority_update(
            actor=world.users["wg_member"], priority=plan["p2"], title="Cizí"
        )
    assert Priority.objects.get(pk=plan["p2"].pk).title != "Cizí"
    assert (Priority.history.count(), ProjectPipelineItem.objects.count()) == before


# --- the tree selector ------------------------------------------------------------------------


def _tree_queries(world: World, actor: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        tree = plan_tree_get(actor=actor, process=world.process)
        for priority in tree.priorities:
            for measure in tree.measures(priority):
                for activity in tree.activities(measure):
                    _ = activity.responsible_organization, list(activity.costs.all())
                    _ = list(activity.partners.all()), list(activity.target_groups.all())
            _ = priority.working_group, list(priority.target_groups.all())
        _ = [(item.measure, item.implementer_organization) for item in tree.pipeline]
    return len(queries.captured_queries), tree


@pytest.mark.parametrize("who", ["coordinator", "wg_member"])
def test_tree_is_fetched_in_a_constant_number_of_queries(world, who):
    actor = _user(world, who)
    plan = build_plan(world, activities_per_measure=2)
    services.plan_pipeline_item_create(
        actor=world.superuser,
        process=world.process,
        title="Stacionář",
        measure=plan["m11"],
        implementer_organization=plan["org"],
    )
    small, _ = _tree_queries(world, actor)
    for n in range(3, 15):
        services.plan_activity_create(
            actor=world.superuser,
            measure=plan["m21"] if n % 2 else plan["m11"],
            number=f"{'2.1' if n % 2 else '1.1'}.{n}",
            title=f"Aktivita {n}",
            responsible_organization=OrganizationFactory(),
            partners=[OrganizationFactory()],
            costs=[CostInput("esf", Decimal(n))],
        )
    large, tree = _tree_queries(world, actor)
    assert large == small
    assert len(tree.all_activities()) == 15


def test_tree_is_sorted_numerically_and_marks_the_editable_part(world):
    plan = build_plan(world)
    for n in (10, 9, 2):
        services.plan_activity_create(
            actor=world.superuser, measure=plan["m11"], number=f"1.1.{n}", title=f"A{n}"
        )
    tree = plan_tree_get(actor=world.users["wg_member"], process=world.process)
    numbers = [a.number for a in tree.activities(tree.measures(tree.priorities[0])[0])]
    assert numbers == ["1.1.1", "1.1.2", "1.1.9", "1.1.10"]
    assert tree.editable_priority_ids == {plan["p1"].pk}
    assert not tree.can_edit_all
    assert "monitoring" in tree.missing_sections


def test_tree_of_an_invisible_process_is_not_found(world):
    build_plan(world)
    with pytest.raises(NotFound):
        plan_tree_get(actor=world.users["other_coordinator"], process=world.process)


# --- positional numbering: create, move, delete ------------------------------------------------


def _numbers(model: Any, **filters: Any) -> list[str]:
    rows = model.objects.filter(**filters).values_list("number", flat=True)
    return sorted(rows, key=lambda n: tuple(int(p) for p in n.split(".")))


def test_nodes_created_without_a_number_get_the_next_one(world):
    plan = build_plan(world)
    actor = world.users["wg_member"]
    measure = services.plan_measure_create(actor=actor, priority=plan["p1"], title="Nové")
    first = services.plan_activity_create(actor=actor, measure=measure, title="A")
    second = services.plan_activity_create(actor=actor, measure=measure, title="B")
    priority = services.plan_priority_create(
        actor=actor, process=world.process, title="Další", working_group=world.wg_seniors
    )
    assert (measure.number, first.number, second.number) == ("1.2", "1.2.1", "1.2.2")
    assert priority.number == "4"


def test_deleting_closes_the_gap_and_renumbers_subtrees(world):
    plan = build_plan(world, activities_per_measure=3)
    actor = world.superuser
    m12 = services.plan_measure_create(actor=actor, priority=plan["p1"], title="Druhé")
    a121 = services.plan_activity_create(actor=actor, measure=m12, title="Pod druhým")
    services.plan_activity_delete(actor=actor, activity=plan["a11"], reason="Duplicita")
    assert _numbers(Activity, measure=plan["m11"]) == ["1.1.1", "1.1.2"]
    services.plan_measure_delete(actor=actor, measure=plan["m11"], reason="Sloučeno")
    assert Measure.objects.get(pk=m12.pk).number == "1.1"
    assert Activity.objects.get(pk=a121.pk).number == "1.1.1"
    services.plan_priority_delete(actor=actor, priority=plan["p1"], reason="Zrušeno")
    assert _numbers(Priority, process=world.process) == ["1", "2"]
    assert Measure.objects.get(pk=plan["m21"].pk).number == "1.1"
    assert Activity.objects.get(pk=plan["a21"].pk).number == "1.1.1"
    renumbered = Activity.history.filter(id=plan["a21"].pk).first()
    assert renumbered.history_user_id == actor.pk
    assert renumbered.number == "1.1.1"


def test_moving_swaps_siblings_without_breaking_uniqueness(world):
    plan = build_plan(world, activities_per_measure=3)
    actor = world.users["wg_member"]
    ids = list(
        Activity.objects.filter(measure=plan["m11"]).order_by("number").values_list("pk", flat=True)
    )
    services.plan_activity_move(actor=actor, activity=Activity.objects.get(pk=ids[2]), position=1)
    assert [Activity.objects.get(pk=pk).number for pk in ids] == ["1.1.2", "1.1.3", "1.1.1"]
    services.plan_activity_move(actor=actor, activity=Activity.objects.get(pk=ids[2]), position=2)
    assert [Activity.objects.get(pk=pk).number for pk in ids] == ["1.1.1", "1.1.3", "1.1.2"]
    coordinator = world.users["coordinator"]
    services.plan_priority_move(actor=coordinator, priority=plan["p3"], position=1)
    assert [Priority.objects.get(pk=plan[k].pk).number for k in ("p3", "p1", "p2")] == [
        "1",
        "2",
        "3",
    ]
    assert _numbers(Activity, measure=plan["m11"]) == ["2.1.1", "2.1.2", "2.1.3"]
    assert Measure.objects.get(pk=plan["m31"].pk).number == "1.1"


def test_moving_under_another_parent_renumbers_both_sides(world):
    plan = build_plan(world, activities_per_measure=3)
    actor = world.superuser
    moving = Activity.objects.get(measure=plan["m11"], number="1.1.1")
    services.plan_activity_move(actor=actor, activity=moving, measure=plan["m21"], position=1)
    moving.refresh_from_db()
    assert (moving.measure_id, moving.number) == (plan["m21"].pk, "2.1.1")
    assert _numbers(Activity, measure=plan["m21"]) == ["2.1.1", "2.1.2"]
    assert _numbers(Activity, measure=plan["m11"]) == ["1.1.1", "1.1.2"]
    services.plan_measure_move(actor=actor, measure=plan["m21"], priority=plan["p1"])
    measure = Measure.objects.get(pk=plan["m21"].pk)
    assert (measure.priority_id, measure.number) == (plan["p1"].pk, "1.2")
    assert _numbers(Activity, measure=measure) == ["1.2.1", "1.2.2"]
    assert Activity.objects.get(pk=moving.pk).process_id == world.process.pk


def test_a_working_group_member_may_delete_their_last_priority(world):
    plan = build_plan(world)
    member = world.users["wg_member"]
    own = services.plan_priority_create(
        actor=member, process=world.process, title="Omylem", working_group=world.wg_seniors
    )
    services.plan_priority_delete(actor=member, priority=own, reason="Omyl")
    assert _numbers(Priority, process=world.process) == ["1", "2", "3"]
    with pytest.raises(PermissionDenied):
        services.plan_priority_delete(actor=member, priority=plan["p1"])
    assert Priority.objects.filter(pk=plan["p1"].pk).exists()


def test_moving_into_another_process_is_refused(world):
    plan = build_plan(world)
    foreign = services.plan_priority_create(
        actor=world.superuser, process=world.other_process, title="Cizí"
    )
    foreign_measure = services.plan_measure_create(
        actor=world.superuser, priority=foreign, title="Cizí opatření"
    )
    with pytest.raises(ValidationFailed):
        services.plan_measure_move(actor=world.superuser, measure=plan["m11"], priority=foreign)
    with pytest.raises(ValidationFailed):
        services.plan_activity_move(
            actor=world.superuser, activity=plan["a11"], measure=foreign_measure
        )
    assert Activity.objects.get(pk=plan["a11"].pk).number == "1.1.1"
