"""Quorum and majority: the pure rules, then decisions of a real steering group."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from stakeholders import services as stakeholder_services
from stakeholders import voting
from stakeholders.exceptions import ValidationFailed
from stakeholders.models import Body
from workflow import services
from workflow.models import Decision

Q_ALL = voting.MORE_THAN_HALF_OF_ALL


@pytest.mark.parametrize(
    (
        "quorum",
        "majority",
        "members",
        "present",
        "for_",
        "against",
        "abstain",
        "quorate",
        "adopted",
    ),
    [
        # KPSS default: quorum more than half of all, majority of those voting
        (Q_ALL, voting.MAJORITY_OF_VOTING, 9, 5, 3, 2, 0, True, True),
        (Q_ALL, voting.MAJORITY_OF_VOTING, 9, 4, 4, 0, 0, False, False),  # no quorum
        (Q_ALL, voting.MAJORITY_OF_VOTING, 10, 5, 5, 0, 0, False, False),  # exactly half
        (Q_ALL, voting.MAJORITY_OF_VOTING, 10, 6, 3, 3, 0, True, False),  # tie
        (Q_ALL, voting.MAJORITY_OF_VOTING, 10, 6, 3, 2, 1, True, False),  # abstention counts
        (Q_ALL, voting.MAJORITY_OF_VOTING, 10, 6, 4, 1, 1, True, True),
        (Q_ALL, voting.MAJORITY_OF_VOTING, 7, 7, 0, 0, 0, True, False),  # nobody voted
        (Q_ALL, voting.MAJORITY_OF_VOTING, 1, 1, 1, 0, 0, True, True),
        (Q_ALL, voting.MAJORITY_OF_VOTING, 0, 0, 0, 0, 0, False, False),
        # majority of those present: silence counts against
        (Q_ALL, voting.MAJORITY_OF_PRESENT, 9, 8, 4, 0, 0, True, False),
        (Q_ALL, voting.MAJORITY_OF_PRESENT, 9, 8, 5, 0, 0, True, True),
        # majority of all members (Act 128/2000 § 87 for councils)
        (Q_ALL, voting.MAJORITY_OF_ALL, 21, 12, 10, 0, 2, True, False),
        (Q_ALL, voting.MAJORITY_OF_ALL, 21, 12, 11, 1, 0, True, True),
        (Q_ALL, voting.MAJORITY_OF_ALL, 5, 3, 3, 0, 0, True, True),
        # consensus
        (Q_ALL, voting.CONSENSUS, 6, 4, 3, 0, 1, True, True),
        (Q_ALL, voting.CONSENSUS, 6, 4, 3, 1, 0, True, False),
        # no quorum rule
        (voting.NO_QUORUM, voting.MAJORITY_OF_VOTING, 12, 2, 2, 0, 0, True, True),
    ],
)
def test_quorum_and_majority(
    quorum, majority, members, present, for_, against, abstain, quorate, adopted
):
    tally = voting.Tally(members, present, for_, against, abstain)
    outcome = voting.evaluate(quorum_rule=quorum, majority_rule=majority, tally=tally)
    assert (outcome.is_quorate, outcome.is_adopted) == (quorate, adopted)


def test_an_impossible_tally_is_an_error():
    with pytest.raises(ValueError, match="inconsistent"):
        voting.evaluate(
            quorum_rule=Q_ALL,
            majority_rule=voting.MAJORITY_OF_VOTING,
            tally=voting.Tally(3, 4, 1, 0, 0),
        )


def _meeting(cycle, *, present, votes):
    decision = services.decision_create(
        actor=cycle.coordinator,
        process=cycle.process,
        body=cycle.steering_group,
        subject=Decision.Subject.STAGE_TRANSITION,
        transition="start_mapping",
        title="Zahájení analytické fáze",
        mode=Decision.Mode.MEETING,
    )
    services.decision_set_present(
        actor=cycle.coordinator,
        decision=decision,
        memberships=[cycle.memberships[k] for k in present],
    )
    for key, choice in votes.items():
        services.vote_cast(
            actor=cycle.coordinator,
            decision=decision,
            membership=cycle.memberships[key],
            choice=choice,
        )
    return services.decision_close(actor=cycle.coordinator, decision=decision)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("present", "votes", "status", "counts"),
    [
        # four voting members: chair, provider, user, public (coordinator, methodologist and
        # the observer do not vote and do not count)
        (
            ["chair", "provider", "user"],
            {"chair": "for", "provider": "for", "user": "against"},
            Decision.Status.ADOPTED,
            (4, 3, 2, 1, 0),
        ),
        (
            ["chair", "provider"],
            {"chair": "for", "provider": "for"},
            Decision.Status.NO_QUORUM,
            (4, 2, 2, 0, 0),
        ),
        (
            ["chair", "provider", "user", "public"],
            {"chair": "for", "provider": "for", "user": "against", "public": "against"},
            Decision.Status.REJECTED,
            (4, 4, 2, 2, 0),
        ),
        (
            ["chair", "provider", "user", "public"],
            {"chair": "for", "provider": "for", "user": "abstain", "public": "abstain"},
            Decision.Status.REJECTED,
            (4, 4, 2, 0, 2),
        ),
        (
            ["chair", "provider", "user", "public"],
            {"chair": "for", "provider": "for", "user": "for", "public": "abstain"},
            Decision.Status.ADOPTED,
            (4, 4, 3, 0, 1),
        ),
    ],
)
def test_steering_group_decisions(cycle, present, votes, status, counts):
    decision = _meeting(cycle, present=present, votes=votes)
    assert decision.status == status
    assert (
        decision.members_total,
        decision.present_count,
        decision.votes_for,
        decision.votes_against,
        decision.votes_abstained,
    ) == counts


@pytest.mark.django_db
def test_a_member_whose_membership_ended_neither_votes_nor_counts(cycle):
    stakeholder_services.membership_end(
        actor=cycle.admin,
        membership=cycle.memberships["public"],
        reason="Odstoupil",
        ended_on=timezone.localdate() - dt.timedelta(days=1),
    )
    with pytest.raises(ValidationFailed, match="Nejsou platnými členy orgánu"):
        _meeting(cycle, present=["chair", "public"], votes={})
    # Three members remain: two present are a quorum, two for are a majority.
    decision = _meeting(
        cycle, present=["chair", "provider"], votes={"chair": "for", "provider": "for"}
    )
    assert decision.status == Decision.Status.ADOPTED
    assert decision.members_total == 3


@pytest.mark.django_db
def test_seat_count_overrides_the_recorded_members(cycle):
    Body.objects.filter(pk=cycle.steering_group.pk).update(seat_count=9)
    decision = _meeting(
        cycle,
        present=["chair", "provider", "user", "public"],
        votes={"chair": "for", "provider": "for", "user": "for", "public": "for"},
    )
    assert decision.status == Decision.Status.NO_QUORUM
    assert decision.members_total == 9
