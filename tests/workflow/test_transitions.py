"""The one transition service: guards reported all at once, decisions, permissions, records."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from stakeholders import services as stakeholder_services
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Membership
from tests.factories import PlanningProcessFactory
from workflow import guards, services
from workflow.exceptions import TransitionConflict, UnmetConditions
from workflow.models import (
    Decision,
    GuardRule,
    PlanningProcess,
    Stage,
    StageTransition,
    Transition,
)
from workflow.selectors import process_available_transitions

pytestmark = pytest.mark.django_db


def _codes(exc_info) -> list[str]:
    return exc_info.value.codes


def _transition(cycle, transition, decision=None, actor=None, reason="Rozhodnutí ŘS"):
    return services.process_transition(
        actor=actor or cycle.coordinator,
        process_id=cycle.process.pk,
        transition=transition,
        reason=reason,
        decision_id=decision.pk if decision else None,
    )


def test_cancel_with_an_adopted_decision_records_everything(
    cycle, django_capture_on_commit_callbacks
):
    decision = cycle.adopted_decision(Transition.CANCEL)
    with django_capture_on_commit_callbacks(execute=True):
        record = _transition(cycle, Transition.CANCEL, decision, reason="Projekt nezískal podporu")
    process = cycle.reload()
    assert process.stage == Stage.CANCELLED
    assert (record.from_stage, record.to_stage, record.transition) == (
        Stage.PREPARATION,
        Stage.CANCELLED,
        Transition.CANCEL,
    )
    assert record.actor == cycle.coordinator
    assert record.actor_id_snapshot == cycle.coordinator.pk
    assert record.decision == decision
    assert record.reason == "Projekt nezískal podporu"
    latest = process.history.latest()
    assert latest.stage == Stage.CANCELLED
    assert latest.history_user == cycle.coordinator
    assert latest.history_change_reason == "Projekt nezískal podporu"
    # The steering group is told once, after commit.
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {f"{key}-3203@example.cz" for key in cycle.users}
    assert "zrušeno" in mail.outbox[0].subject
    record.refresh_from_db()
    assert record.notified_at is not None


def test_every_unmet_condition_is_reported_at_once(cycle):
    stakeholder_services.membership_end(
        actor=cycle.admin, membership=cycle.memberships["user"], reason="Odešla"
    )
    with pytest.raises(UnmetConditions) as info:
        _transition(cycle, Transition.START_MAPPING)
    assert _codes(info) == [
        "founding_charter_not_approved",
        "steering_group_triad_incomplete",
        "decision_missing",
    ]
    messages = [c.message for c in info.value.conditions]
    assert "uživatel" in messages[1]
    assert info.value.extra["conditions"][0]["code"] == "founding_charter_not_approved"
    assert cycle.reload().stage == Stage.PREPARATION
    assert not StageTransition.objects.exists()


@pytest.mark.parametrize(
    ("stage", "transition", "codes"),
    [
        (Stage.MAPPING, Transition.START_WORKING_GROUPS, ["analysis_not_approved"] * 4),
        (
            Stage.WORKING_GROUPS,
            Transition.OPEN_CONSULTATION,
            ["draft_plan_not_approved", "consultation_not_scheduled"],
        ),
        (
            Stage.PUBLIC_CONSULTATION,
            Transition.SUBMIT_TO_COUNCIL,
            ["consultation_not_scheduled", "settlement_missing"],
        ),
        (Stage.COUNCIL_APPROVAL, Transition.START_IMPLEMENTATION, ["plan_version_missing"]),
        (Stage.COUNCIL_APPROVAL, Transition.RETURN, ["returning_resolution_missing"]),
        (
            Stage.IMPLEMENTATION,
            Transition.CLOSE,
            ["plan_period_not_over", "final_evaluation_not_approved"],
        ),
    ],
)
def test_each_guard_blocks_with_its_own_codes(stage, transition, codes):
    process = PlanningProcessFactory(stage=stage, period_end_year=2030)
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)):
        assert [c.code for c in guards.evaluate(process, transition)] == codes


def test_steering_group_rule_names_each_missing_piece(superuser):
    process = PlanningProcessFactory()
    ctx = guards.GuardContext(
        process=process, transition="start_mapping", today=timezone.localdate()
    )
    assert [c.code for c in guards.steering_group_complete(ctx)] == ["steering_group_missing"]
    steering = stakeholder_services.body_create(
        actor=superuser, kind="steering_group", name="ŘS", process=process
    )
    person = stakeholder_services.person_create(actor=superuser, first_name="A", last_name="B")
    stakeholder_services.membership_create(
        actor=superuser, person=person, body=steering, role="member", triad_side="provider"
    )
    assert [c.code for c in guards.steering_group_complete(ctx)] == [
        "steering_group_no_chair",
        "steering_group_triad_incomplete",
    ]


def test_plan_period_is_over_only_after_new_year_in_prague():
    process = PlanningProcessFactory(stage=Stage.IMPLEMENTATION, period_end_year=2025)
    # 31 Dec 2025 23:30 UTC is already 1 Jan 2026 00:30 in Prague
    with time_machine.travel(dt.datetime(2025, 12, 31, 22, 59, tzinfo=dt.UTC)):
        codes = [c.code for c in guards.evaluate(process, Transition.CLOSE)]
        assert "plan_period_not_over" in codes
    with time_machine.travel(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)):
        assert "plan_period_not_over" not in [
            c.code for c in guards.evaluate(process, Transition.CLOSE)
        ]


@pytest.mark.parametrize(
    ("status_votes", "code"),
    [
        ({"chair": "for", "provider": "against", "user": "against"}, "decision_not_adopted"),
        ({"chair": "for"}, "decision_not_quorate"),
    ],
)
def test_a_decision_that_failed_authorises_nothing(cycle, status_votes, code):
    decision = services.decision_create(
        actor=cycle.coordinator,
        process=cycle.process,
        body=cycle.steering_group,
        subject=Decision.Subject.STAGE_TRANSITION,
        transition=Transition.CANCEL,
        title="Zrušení",
        mode=Decision.Mode.MEETING,
    )
    services.decision_set_present(
        actor=cycle.coordinator,
        decision=decision,
        memberships=[cycle.memberships[k] for k in status_votes],
    )
    for key, choice in status_votes.items():
        services.vote_cast(
            actor=cycle.coordinator,
            decision=decision,
            membership=cycle.memberships[key],
            choice=choice,
        )
    services.decision_close(actor=cycle.coordinator, decision=decision)
    with pytest.raises(UnmetConditions) as info:
        _transition(cycle, Transition.CANCEL, decision)
    assert _codes(info) == [code]


def test_a_decision_on_another_step_or_used_twice_does_not_authorise(cycle):
    other_step = cycle.adopted_decision(Transition.START_MAPPING)
    with pytest.raises(UnmetConditions) as info:
        _transition(cycle, Transition.CANCEL, other_step)
    assert _codes(info) == ["decision_other_subject"]


def test_an_open_per_rollam_decision_past_its_deadline_is_closed_by_the_transition(cycle):
    decision = services.decision_create(
        actor=cycle.coordinator,
        process=cycle.process,
        body=cycle.steering_group,
        subject=Decision.Subject.STAGE_TRANSITION,
        transition=Transition.CANCEL,
        title="Zrušení per rollam",
        mode=Decision.Mode.PER_ROLLAM,
        voting_closes_at=timezone.now() + dt.timedelta(hours=1),
    )
    for key in ("chair", "provider", "user"):
        services.vote_cast(actor=cycle.users[key], decision=decision, choice="for")
    with pytest.raises(UnmetConditions) as info:
        _transition(cycle, Transition.CANCEL, decision)
    assert _codes(info) == ["decision_open"]
    # No scheduled task ran: the clock alone ends the vote.
    with time_machine.travel(decision.voting_closes_at + dt.timedelta(seconds=1)):
        record = _transition(cycle, Transition.CANCEL, decision)
    assert record.decision.status == Decision.Status.ADOPTED


@pytest.mark.parametrize("who", ["methodologist", "chair", "provider", "observer"])
def test_members_who_may_see_but_not_move_the_process_are_forbidden(cycle, who):
    decision = cycle.adopted_decision(Transition.CANCEL)
    with pytest.raises(PermissionDenied):
        _transition(cycle, Transition.CANCEL, decision, actor=cycle.users[who])
    assert cycle.reload().stage == Stage.PREPARATION


def test_a_coordinator_of_another_process_gets_not_found(cycle, other_cycle):
    decision = cycle.adopted_decision(Transition.CANCEL)
    with pytest.raises(NotFound):
        _transition(cycle, Transition.CANCEL, decision, actor=other_cycle.coordinator)
    with pytest.raises(NotFound):
        services.process_transition(
            actor=cycle.coordinator,
            process_id=999_999,
            transition=Transition.CANCEL,
            reason="x",
        )


def test_a_step_from_a_stage_the_process_has_left_is_a_conflict(cycle):
    decision = cycle.adopted_decision(Transition.CANCEL)
    _transition(cycle, Transition.CANCEL, decision)
    with pytest.raises(TransitionConflict):
        _transition(cycle, Transition.CANCEL, decision)
    assert StageTransition.objects.filter(process=cycle.process).count() == 1


def test_reason_and_known_transition_are_required(cycle):
    with pytest.raises(ValidationFailed):
        _transition(cycle, Transition.CANCEL, reason="  ")
    with pytest.raises(ValidationFailed):
        _transition(cycle, "jump_to_the_end")


def test_the_stage_cannot_be_set_directly():
    process = PlanningProcessFactory()
    with pytest.raises(AttributeError):
        process.stage = Stage.CLOSED


def test_a_territory_can_add_and_tighten_rules(cycle, other_cycle):
    GuardRule.objects.create(
        territory=cycle.process.territory,
        transition=Transition.CANCEL,
        rule="final_evaluation_approved",
    )
    GuardRule.objects.create(transition=Transition.REVISE, rule="no_such_rule")
    assert [c.code for c in guards.evaluate(cycle.process, Transition.CANCEL)] == [
        "final_evaluation_not_approved"
    ]
    assert guards.evaluate(other_cycle.process, Transition.CANCEL) == []
    assert [c.code for c in guards.evaluate(cycle.process, Transition.REVISE)] == ["unknown_rule"]
    rules = dict(guards.rules_for(cycle.process, Transition.START_WORKING_GROUPS))
    assert "user_needs_survey" in rules["required_analyses_approved"]["kinds"]
    GuardRule.objects.create(
        territory=cycle.process.territory,
        transition=Transition.START_WORKING_GROUPS,
        rule="required_analyses_approved",
        params={"kinds": ["socio_demographic_analysis", "swot"]},
    )
    rules = dict(guards.rules_for(cycle.process, Transition.START_WORKING_GROUPS))
    assert rules["required_analyses_approved"]["kinds"] == ["socio_demographic_analysis", "swot"]


def test_available_transitions_show_what_blocks_each(cycle):
    available = process_available_transitions(actor=cycle.coordinator, process=cycle.process)
    by_name = {a.transition: a for a in available}
    assert set(by_name) == {Transition.START_MAPPING, Transition.CANCEL}
    assert by_name[Transition.CANCEL].unmet[0].code == "decision_missing"
    decision = cycle.adopted_decision(Transition.CANCEL)
    available = process_available_transitions(actor=cycle.coordinator, process=cycle.process)
    cancel = next(a for a in available if a.transition == Transition.CANCEL)
    assert cancel.is_ready and cancel.decision_id == decision.pk
    as_chair = process_available_transitions(actor=cycle.users["chair"], process=cycle.process)
    assert not any(a.is_permitted for a in as_chair)


def test_available_transitions_hide_other_territories(cycle, other_cycle):
    with pytest.raises(NotFound):
        process_available_transitions(actor=other_cycle.coordinator, process=cycle.process)


def test_memberships_that_end_lose_the_right_to_transition(cycle):
    decision = cycle.adopted_decision(Transition.CANCEL)
    stakeholder_services.membership_end(
        actor=cycle.admin, membership=cycle.memberships["coordinator"], reason="Změna koordinátora"
    )
    with pytest.raises(NotFound):
        _transition(cycle, Transition.CANCEL, decision)
    assert PlanningProcess.objects.get(pk=cycle.process.pk).stage == Stage.PREPARATION
    assert Membership.objects.get(pk=cycle.memberships["coordinator"].pk).ended_at is not None


# --- what one transition reads, and how cheaply --------------------------------------------

# SAVEPOINT and RELEASE of the service's atomic block inside the test's transaction; the process
# and decision rows locked with the actor's permissions, the guard configuration, the decision's
# body and whether it was used (one query); the stage change and its history; the
# StageTransition and its history; the audit event (lock the chain head, insert, advance: one
# statement on PostgreSQL, three elsewhere).
GUARDED_TRANSITION_QUERIES = 8 if connection.vendor == "postgresql" else 10


def test_one_guarded_transition_takes_a_fixed_number_of_queries(
    cycle, django_assert_max_num_queries
):
    decision = cycle.adopted_decision(Transition.CANCEL)
    with django_assert_max_num_queries(GUARDED_TRANSITION_QUERIES) as captured:
        _transition(cycle, Transition.CANCEL, decision)
    assert cycle.reload().stage == Stage.CANCELLED
    assert len(captured) == GUARDED_TRANSITION_QUERIES


def test_configured_rules_are_read_only_when_there_are_some(
    cycle, other_cycle, django_assert_max_num_queries
):
    GuardRule.objects.create(
        territory=cycle.process.territory,
        transition=Transition.CANCEL,
        rule="final_evaluation_approved",
    )
    GuardRule.objects.create(transition=Transition.CANCEL, rule="no_such_rule", is_active=False)
    decision = cycle.adopted_decision(Transition.CANCEL)
    # The savepoint, the locking query, the configured rows, the rule's own check (there is no
    # evaluation), and the rollback to and release of the savepoint: nothing is written.
    with (
        django_assert_max_num_queries(6) as captured,
        pytest.raises(UnmetConditions) as info,
    ):
        _transition(cycle, Transition.CANCEL, decision)
    assert _codes(info) == ["final_evaluation_not_approved"]
    assert "guardrule" in captured.captured_queries[2]["sql"]
    # Another territory's process is untouched by the rule, and pays nothing for it.
    other_decision = other_cycle.adopted_decision(Transition.CANCEL)
    with django_assert_max_num_queries(GUARDED_TRANSITION_QUERIES):
        _transition(other_cycle, Transition.CANCEL, other_decision)
    # An installation-wide rule applies to every territory.
    GuardRule.objects.create(transition=Transition.START_MAPPING, rule="no_such_rule")
    with pytest.raises(UnmetConditions) as info:
        _transition(cycle, Transition.START_MAPPING, cycle.adopted_decision("start_mapping"))
    assert "unknown_rule" in _codes(info)


def test_a_decision_already_named_by_a_transition_does_not_authorise_again(cycle):
    decision = cycle.adopted_decision(Transition.CANCEL)
    StageTransition.objects.create(
        process=cycle.process,
        transition=Transition.REVISE,
        from_stage=Stage.PUBLIC_CONSULTATION,
        to_stage=Stage.WORKING_GROUPS,
        actor=cycle.coordinator,
        actor_id_snapshot=cycle.coordinator.pk,
        reason="Dřívější krok",
        decision=decision,
    )
    with pytest.raises(UnmetConditions) as info:
        _transition(cycle, Transition.CANCEL, decision)
    assert _codes(info) == ["decision_already_used"]
    assert cycle.reload().stage == Stage.PREPARATION


def test_a_decision_of_another_process_or_no_decision_at_all_is_not_found(cycle, other_cycle):
    foreign = other_cycle.adopted_decision(Transition.CANCEL)
    with pytest.raises(NotFound):
        _transition(cycle, Transition.CANCEL, foreign)
    for bad_id in (999_999, "abc"):
        with pytest.raises(NotFound):
            services.process_transition(
                actor=cycle.coordinator,
                process_id=cycle.process.pk,
                transition=Transition.CANCEL,
                reason="x",
                decision_id=bad_id,
            )
    with pytest.raises(NotFound):
        services.process_transition(
            actor=cycle.coordinator, process_id="abc", transition=Transition.CANCEL, reason="x"
        )
    assert cycle.reload().stage == Stage.PREPARATION


def test_the_decision_of_the_transition_comes_with_its_body(cycle):
    decision = cycle.adopted_decision(Transition.CANCEL)
    record = _transition(cycle, Transition.CANCEL, decision)
    assert record.decision.body.kind == "steering_group"
    # The rest of the body is loaded when read, never made up.
    assert record.decision.body.name == cycle.steering_group.name
    assert record.decision.held_at == Decision.objects.get(pk=decision.pk).held_at


def _group_member(cycle, perms: list[str]):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from tests.factories import UserFactory

    group = Group.objects.create(name=f"Skupina {'+'.join(perms)}")
    for perm in perms:
        assign_perm(perm, group, cycle.process)
    user = UserFactory()
    user.groups.add(group)
    return user


def test_rights_granted_to_a_group_count_as_the_users_own(cycle):
    decision = cycle.adopted_decision(Transition.CANCEL)
    viewer = _group_member(cycle, ["workflow.view_planningprocess"])
    with pytest.raises(PermissionDenied):
        _transition(cycle, Transition.CANCEL, decision, actor=viewer)
    outsider = _group_member(cycle, [])
    with pytest.raises(NotFound):
        _transition(cycle, Transition.CANCEL, decision, actor=outsider)
    mover = _group_member(cycle, ["workflow.view_planningprocess", "workflow.transition_stage"])
    record = _transition(cycle, Transition.CANCEL, decision, actor=mover)
    assert record.actor == mover


@pytest.mark.parametrize(
    "who", ["coordinator", "chair", "observer", "other", "group", "inactive", "admin", "anonymous"]
)
def test_permissions_read_with_the_lock_agree_with_guardian(cycle, other_cycle, who):
    from django.contrib.auth.models import AnonymousUser

    from workflow.permissions import ProcessPermissions
    from workflow.services.processes import _lock_for_transition

    users = {
        "coordinator": lambda: cycle.coordinator,
        "chair": lambda: cycle.users["chair"],
        "observer": lambda: cycle.users["observer"],
        "other": lambda: other_cycle.coordinator,
        "group": lambda: _group_member(
            cycle, ["workflow.view_planningprocess", "workflow.transition_stage"]
        ),
        "admin": lambda: cycle.admin,
        "anonymous": AnonymousUser,
    }
    if who == "inactive":
        user = cycle.users["provider"]
        user.is_active = False
        user.save()
    else:
        user = users[who]()
    expected = ProcessPermissions(user, cycle.process)
    perms = ["workflow.view_planningprocess", "workflow.transition_stage"]
    try:
        loaded = _lock_for_transition(user, cycle.process.pk, Transition.CANCEL, None).permissions
    except NotFound:
        assert not expected.allows(perms[0])
        return
    assert [loaded.allows(p) for p in perms] == [expected.allows(p) for p in perms]
    with pytest.raises(ValueError, match="not loaded"):
        loaded.allows("workflow.manage_process")
