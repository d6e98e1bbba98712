"""The next cycle starts from the last one: bodies and memberships carried, processes linked."""

from __future__ import annotations

import pytest

from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body, Membership
from workflow import services
from workflow.models import PlanningProcess, Stage
from workflow.permissions import can_manage_process, can_vote

pytestmark = pytest.mark.django_db


def _in_stage(cycle, stage):
    """Test setup: put the process into a later stage, as the full cycle would have done."""
    PlanningProcess.objects.filter(pk=cycle.process.pk).update(stage=stage)
    return cycle.reload()


def _start(cycle, actor=None, **kwargs):
    return services.process_start_next_cycle(
        actor=actor or cycle.coordinator,
        process_id=cycle.process.pk,
        period_start_year=kwargs.pop("period_start_year", 2026),
        period_end_year=kwargs.pop("period_end_year", 2028),
        reason="Navazující plán",
        **kwargs,
    )


@pytest.mark.parametrize("stage", [Stage.IMPLEMENTATION, Stage.CLOSED])
def test_next_cycle_carries_bodies_and_members(cycle, stage):
    _in_stage(cycle, stage)
    new = _start(cycle, title="Komunitní plán 2026–2028")
    assert new.stage == Stage.PREPARATION
    assert new.previous_process == cycle.process
    assert cycle.process.next_process == new
    steering = new.bodies.get(kind=Body.Kind.STEERING_GROUP)
    carried = {(m.person_id, m.role, m.triad_side) for m in steering.memberships.all()}
    original = {(m.person_id, m.role, m.triad_side) for m in cycle.memberships.values()}
    assert carried == original
    # The carried members hold their permissions on the new process at once.
    assert can_manage_process(cycle.coordinator, new)
    assert can_vote(cycle.users["chair"], new)
    assert new.history.latest().history_change_reason == "Navazující plán"


def test_next_cycle_leaves_out_ended_memberships(cycle, superuser):
    from stakeholders.services import membership_end

    membership_end(actor=superuser, membership=cycle.memberships["public"], reason="Odešel")
    _in_stage(cycle, Stage.CLOSED)
    new = _start(cycle)
    people = set(Membership.objects.filter(body__process=new).values_list("person_id", flat=True))
    assert cycle.memberships["public"].person_id not in people


def test_next_cycle_only_from_implementation_or_closed_and_only_once(cycle):
    with pytest.raises(ValidationFailed):
        _start(cycle)
    _in_stage(cycle, Stage.IMPLEMENTATION)
    with pytest.raises(ValidationFailed):
        _start(cycle, period_start_year=2023)
    _start(cycle)
    with pytest.raises(ValidationFailed, match="už byl zahájen"):
        _start(cycle)


def test_next_cycle_needs_the_coordinator(cycle, other_cycle):
    _in_stage(cycle, Stage.IMPLEMENTATION)
    with pytest.raises(PermissionDenied):
        _start(cycle, actor=cycle.users["chair"])
    with pytest.raises(NotFound):
        _start(cycle, actor=other_cycle.coordinator)


def test_next_cycle_carries_the_plan_tree_as_a_draft_with_the_last_evaluation(cycle, superuser):
    from decimal import Decimal

    from documents.models import Activity, ActivityCost, Priority
    from documents.services import plan as plan_services
    from stakeholders import services as stakeholder_services
    from tests.documents.samples import approve, docx_bytes, make_document, upload

    seniors = stakeholder_services.target_group_create(
        actor=superuser, code="seniori", name="Senioři"
    )
    group = stakeholder_services.body_create(
        actor=cycle.coordinator,
        kind=Body.Kind.WORKING_GROUP,
        name="PS Senioři",
        process=cycle.process,
        target_group=seniors,
    )
    priority = plan_services.plan_priority_create(
        actor=cycle.coordinator,
        process=cycle.process,
        number="1",
        title="Senioři doma",
        working_group=group,
        target_groups=[seniors],
    )
    measure = plan_services.plan_measure_create(
        actor=cycle.coordinator, priority=priority, number="1.1", title="Terénní služby"
    )
    activity = plan_services.plan_activity_create(
        actor=cycle.coordinator, measure=measure, number="1.1.1", title="Pečovatelská služba"
    )
    ActivityCost.objects.create(
        activity=activity, source="municipality", amount=Decimal("120000"), year=2024
    )
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.DONE)
    document = make_document(cycle, kind="action_plan_evaluation", title="Vyhodnocení")
    version = upload(cycle, document, docx_bytes(["Vyhodnocení plánu"]))
    from documents import services as document_services

    version = approve(
        cycle, document_services.version_submit(actor=cycle.users["methodologist"], version=version)
    )
    _in_stage(cycle, Stage.CLOSED)

    new = _start(cycle)

    assert new.previous_evaluation == version
    new_priority = Priority.objects.get(process=new)
    assert new_priority.title == "Senioři doma"
    assert new_priority.working_group.process == new
    assert new_priority.working_group.target_group == seniors
    assert list(new_priority.target_groups.all()) == [seniors]
    new_activity = Activity.objects.get(process=new)
    assert new_activity.status == Activity.Status.PLANNED
    assert new_activity.measure.priority == new_priority
    assert [c.amount for c in new_activity.costs.all()] == [Decimal("120000")]
    assert new_priority.history.latest().history_user == cycle.coordinator
    # the previous cycle's plan is untouched
    assert Activity.objects.get(pk=activity.pk).status == Activity.Status.DONE
