"""Who may vote, when, and how per rollam voting ends by the clock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from stakeholders.exceptions import PermissionDenied, ValidationFailed
from workflow import services
from workflow.exceptions import DeadlinePassed
from workflow.models import Decision, Transition

pytestmark = pytest.mark.django_db


def _per_rollam(cycle, closes_in=dt.timedelta(days=3)):
    return services.decision_create(
        actor=cycle.coordinator,
        process=cycle.process,
        body=cycle.steering_group,
        subject=Decision.Subject.STAGE_TRANSITION,
        transition=Transition.CANCEL,
        title="Zrušení procesu",
        mode=Decision.Mode.PER_ROLLAM,
        voting_closes_at=timezone.now() + closes_in,
    )


def test_per_rollam_members_vote_for_themselves_once(cycle):
    decision = _per_rollam(cycle)
    vote = services.vote_cast(actor=cycle.users["chair"], decision=decision, choice="for")
    assert vote.membership == cycle.memberships["chair"]
    assert vote.recorded_by == cycle.users["chair"]
    with pytest.raises(ValidationFailed, match="už hlasoval"):
        services.vote_cast(actor=cycle.users["chair"], decision=decision, choice="against")


@pytest.mark.parametrize("who", ["observer", "coordinator", "methodologist"])
def test_non_voting_roles_cannot_vote_per_rollam(cycle, who):
    decision = _per_rollam(cycle)
    with pytest.raises(PermissionDenied):
        services.vote_cast(actor=cycle.users[who], decision=decision, choice="for")


def test_a_member_of_another_process_cannot_vote(cycle, other_cycle):
    decision = _per_rollam(cycle)
    with pytest.raises(PermissionDenied):
        services.vote_cast(actor=other_cycle.users["chair"], decision=decision, choice="for")


def test_at_a_meeting_only_present_voting_members_are_recorded(cycle):
    decision = services.decision_create(
        actor=cycle.coordinator,
        process=cycle.process,
        body=cycle.steering_group,
        subject=Decision.Subject.OTHER,
        title="Harmonogram",
        mode=Decision.Mode.MEETING,
    )
    services.decision_set_present(
        actor=cycle.coordinator,
        decision=decision,
        memberships=[cycle.memberships["chair"], cycle.memberships["observer"]],
    )
    with pytest.raises(ValidationFailed, match="hosté a pozorovatelé nehlasují"):
        services.vote_cast(
            actor=cycle.coordinator,
            decision=decision,
            membership=cycle.memberships["observer"],
            choice="for",
        )
    with pytest.raises(ValidationFailed, match="není zapsán jako přítomný"):
        services.vote_cast(
            actor=cycle.coordinator,
            decision=decision,
            membership=cycle.memberships["provider"],
            choice="for",
        )
    with pytest.raises(PermissionDenied):
        services.vote_cast(
            actor=cycle.users["provider"],
            decision=decision,
            membership=cycle.memberships["chair"],
            choice="for",
        )


def test_per_rollam_refuses_votes_after_the_deadline_by_server_time(cycle):
    decision = _per_rollam(cycle, closes_in=dt.timedelta(hours=1))
    closes = decision.voting_closes_at
    with time_machine.travel(closes - dt.timedelta(seconds=1), tick=False):
        services.vote_cast(actor=cycle.users["chair"], decision=decision, choice="for")
    with (
        time_machine.travel(closes + dt.timedelta(seconds=1), tick=False),
        pytest.raises(DeadlinePassed),
    ):
        services.vote_cast(actor=cycle.users["provider"], decision=decision, choice="for")


def test_per_rollam_cannot_close_early_unless_everyone_voted(cycle):
    decision = _per_rollam(cycle)
    services.vote_cast(actor=cycle.users["chair"], decision=decision, choice="for")
    with pytest.raises(ValidationFailed, match="trvá do"):
        services.decision_close(actor=cycle.coordinator, decision=decision)
    for key in ("provider", "user", "public"):
        services.vote_cast(actor=cycle.users[key], decision=decision, choice="for")
    closed = services.decision_close(actor=cycle.coordinator, decision=decision)
    assert closed.status == Decision.Status.ADOPTED


def test_the_scheduled_task_closes_due_per_rollam_decisions_once(cycle):
    decision = _per_rollam(cycle, closes_in=dt.timedelta(hours=2))
    for key in ("chair", "provider", "user"):
        services.vote_cast(actor=cycle.users[key], decision=decision, choice="for")
    assert services.decisions_close_due() == 0
    with time_machine.travel(decision.voting_closes_at + dt.timedelta(minutes=1)):
        assert services.decisions_close_due() == 1
        assert services.decisions_close_due() == 0
    decision.refresh_from_db()
    assert decision.status == Decision.Status.ADOPTED
    assert (decision.present_count, decision.votes_for) == (3, 3)


def test_per_rollam_without_quorum_authorises_nothing(cycle):
    decision = _per_rollam(cycle, closes_in=dt.timedelta(hours=2))
    services.vote_cast(actor=cycle.users["chair"], decision=decision, choice="for")
    with time_machine.travel(decision.voting_closes_at + dt.timedelta(minutes=1)):
        services.decisions_close_due()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.NO_QUORUM


def test_decisions_need_a_body_of_the_process_and_a_transition(cycle, other_cycle):
    with pytest.raises(ValidationFailed):
        services.decision_create(
            actor=cycle.coordinator,
            process=cycle.process,
            body=other_cycle.steering_group,
            subject=Decision.Subject.OTHER,
            title="x",
            mode=Decision.Mode.MEETING,
        )
    with pytest.raises(ValidationFailed):
        services.decision_create(
            actor=cycle.coordinator,
            process=cycle.process,
            body=cycle.steering_group,
            subject=Decision.Subject.STAGE_TRANSITION,
            title="x",
            mode=Decision.Mode.MEETING,
        )
    with pytest.raises(ValidationFailed):
        services.decision_create(
            actor=cycle.coordinator,
            process=cycle.process,
            body=cycle.steering_group,
            subject=Decision.Subject.OTHER,
            title="x",
            mode=Decision.Mode.PER_ROLLAM,
            voting_closes_at=timezone.now() - dt.timedelta(minutes=1),
        )


def test_votes_and_decisions_are_historised_with_their_actor(cycle):
    decision = cycle.adopted_decision(Transition.CANCEL)
    latest = decision.history.latest()
    assert latest.history_user == cycle.coordinator
    assert latest.status == Decision.Status.ADOPTED
    vote = decision.votes.first()
    assert vote.history.first().history_user == cycle.coordinator
