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
