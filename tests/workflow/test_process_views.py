"""The coordinator's view of a process: what blocks the next step, and taking it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from workflow.models import PlanningProcess, Stage, StageTransition, Transition

pytestmark = pytest.mark.django_db


def test_detail_lists_blockers_in_czech(client, cycle):
    client.force_login(cycle.coordinator)
    response = client.get(reverse("workflow:process_detail", args=[cycle.process.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "founding_charter_not_approved" in body
    assert "decision_missing" in body


def test_detail_of_another_territory_is_not_found(client, cycle, other_cycle):
    client.force_login(other_cycle.coordinator)
    response = client.get(reverse("workflow:process_detail", args=[cycle.process.pk]))
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, cycle):
    response = client.get(reverse("workflow:process_detail", args=[cycle.process.pk]))
    assert response.status_code == 302


def _post(client, cycle, transition, decision=None, **extra):
    data = {
        "transition": transition,
        "expected_stage": cycle.process.stage,
        "reason": "Usnesení ŘS č. 3/2026",
        **extra,
    }
    if decision:
        data["decision"] = decision.pk
    return client.post(reverse("workflow:process_transition", args=[cycle.process.pk]), data)


def test_taking_a_step_through_the_form(client, cycle):
    decision = cycle.adopted_decision(Transition.CANCEL)
    client.force_login(cycle.coordinator)
    response = _post(client, cycle, Transition.CANCEL, decision)
    assert response.status_code == 302
    assert PlanningProcess.objects.get(pk=cycle.process.pk).stage == Stage.CANCELLED
    page = client.get(response.url).content.decode()
    assert "Usnesení ŘS č. 3/2026" in page


def test_a_refused_step_lists_every_unmet_condition(client, cycle):
    client.force_login(cycle.coordinator)
    response = _post(client, cycle, Transition.START_MAPPING)
    assert response.status_code == 422
    body = response.content.decode()
    assert "decision_missing" in body and "founding_charter_not_approved" in body
    assert not StageTransition.objects.exists()


def test_a_stale_form_is_a_conflict_not_a_second_transition(client, cycle):
    decision = cycle.adopted_decision(Transition.CANCEL)
    client.force_login(cycle.coordinator)
    _post(client, cycle, Transition.CANCEL, decision)
    response = _post(client, cycle, Transition.CANCEL, decision, expected_stage=Stage.PREPARATION)
    assert response.status_code == 302
    assert StageTransition.objects.count() == 1


def test_a_member_without_the_permission_gets_403(client, cycle):
    decision = cycle.adopted_decision(Transition.CANCEL)
    client.force_login(cycle.users["chair"])
    response = _post(client, cycle, Transition.CANCEL, decision)
    assert response.status_code == 403
    assert PlanningProcess.objects.get(pk=cycle.process.pk).stage == Stage.PREPARATION


def test_detail_query_count_is_bounded(client, cycle, django_assert_max_num_queries):
    client.force_login(cycle.coordinator)
    for _ in range(3):
        cycle.adopted_decision(Transition.START_MAPPING)
    with django_assert_max_num_queries(40):
        client.get(reverse("workflow:process_detail", args=[cycle.process.pk]))
