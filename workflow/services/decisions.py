"""Steering-group decisions and votes: create, record presence, vote, close with quorum/majority."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import actor_id_of, audit_record
from stakeholders import voting
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body, Membership
from stakeholders.permissions import can_record_resolution, can_vote_in_body
from stakeholders.services import Actor, record_save
from workflow.exceptions import DeadlinePassed
from workflow.models import Decision, PlanningProcess, Transition, Vote
from workflow.permissions import can_manage_process, can_view_process


def _can_run_decision(actor: Actor, decision_body: Body, process: PlanningProcess) -> bool:
    """The coordinator, or the body's secretary, prepares decisions and records meeting votes."""
    return can_manage_process(actor, process) or can_record_resolution(actor, decision_body)


def _voting_day(decision: Decision) -> dt.date:
    moment = decision.held_at or decision.voting_closes_at or timezone.now()
    return timezone.localdate(moment)


def voting_members(body: Body, on: dt.date) -> list[Membership]:
    """Current voting memberships of a body on a day, one per person."""
    seen: set[int] = set()
    members = []
    for membership in (
        Membership.objects.current(on)
        .filter(body=body, role__in=Membership.VOTING_ROLES)
        .select_related("person")
        .order_by("person_id", "pk")
    ):
        if membership.person_id not in seen:
            seen.add(membership.person_id)
            members.append(membership)
    return members


@transaction.atomic
def decision_create(
    *,
    actor: Actor,
    process: PlanningProcess,
    body: Body,
    subject: str,
    title: str,
    mode: str,
    transition: str = "",
    proposal: str = "",
    held_at: dt.datetime | None = None,
    voting_closes_at: dt.datetime | None = None,
    reason: str = "",
) -> Decision:
    """Put a proposal to a body of the process, at a meeting or per rollam.

    Needs: ``workflow.manage_process`` (coordinator) or the body's ``record_resolution``.
    Keeps: the body belongs to the process; a stage-transition decision names a transition;
    per rollam voting closes in the future.
    """
    if not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    if not _can_run_decision(actor, body, process):
        raise PermissionDenied(_("You may not put proposals to this body."))
    if body.process_id != process.pk:
        raise ValidationFailed(
            _("The body does not belong to this planning process."),
            errors={"body": [_("Choose a body of this process.")]},
        )
    if subject == Decision.Subject.STAGE_TRANSITION and transition not in Transition.values:
        raise ValidationFailed(
            _("Say which stage transition the decision is about."),
            errors={"transition": [_("Choose a transition.")]},
        )
    if mode == Decision.Mode.PER_ROLLAM:
        if voting_closes_at is None or voting_closes_at <= timezone.now():
            raise ValidationFailed(
                _("Per rollam voting needs a closing time in the future."),
                errors={"voting_closes_at": [_("Give a closing time in the future.")]},
            )
    elif held_at is None:
        held_at = timezone.now()
    decision = Decision(
        process=process,
        body=body,
        subject=subject,
        transition=transition,
        title=title,
        proposal=proposal,
        mode=mode,
        held_at=held_at if mode == Decision.Mode.MEETING else None,
        voting_closes_at=voting_closes_at if mode == Decision.Mode.PER_ROLLAM else None,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    decision = record_save(decision, actor=actor, reason=reason or _("Proposal put to the vote"))
    audit_record(
        process_id=process.pk,
        kind=AuditEvent.Kind.DECISION_RECORDED,
        actor_id=actor_id_of(actor),
        obj=decision,
        payload={
            "body_id": body.pk,
            "subject": decision.subject,
            "transition": decision.transition,
            "mode": decision.mode,
            "voting_closes_at": voting_closes_at.isoformat() if voting_closes_at else None,
        },
    )
    return decision


def _require_open(decision: Decision, now: dt.datetime) -> None:
    if decision.status != Decision.Status.OPEN:
        raise ValidationFailed(_("Voting on this decision has ended."))
    if decision.mode == Decision.Mode.PER_ROLLAM and now > decision.voting_closes_at:
        raise DeadlinePassed(
            _("Per rollam voting closed at %(time)s.")
            % {"time": timezone.localtime(decision.voting_closes_at).strftime("%d. %m. %Y %H:%M")}
        )


@transaction.atomic
def decision_set_present(
    *, actor: Actor, decision: Decision, memberships: Iterable[Membership], reason: str = ""
) -> Decision:
    """Record which members were present at the meeting that decides.

    Needs: coordinator or the body's secretary. Keeps: only current members of the body.
    """
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if not _can_run_decision(actor, decision.body, decision.process):
        raise PermissionDenied(_("You may not record this meeting."))
    if decision.mode != Decision.Mode.MEETING:
        raise ValidationFailed(_("Presence is recorded only for decisions taken at a meeting."))
    _require_open(decision, timezone.now())
    day = _voting_day(decision)
    chosen = list(memberships)
    current = set(
        Membership.objects.current(day).filter(body=decision.body).values_list("pk", flat=True)
    )
    outsiders = [m for m in chosen if m.pk not in current]
    if outsiders:
        raise ValidationFailed(
            _("Not current members of the body: %(names)s.")
            % {"names": ", ".join(str(m.person) for m in outsiders)}
        )
    decision.present.set(chosen)
    return record_save(decision, actor=actor, reason=reason or _("Presence recorded"))


@transaction.atomic
def vote_cast(
    *,
    actor: Actor,
    decision: Decision,
    choice: str,
    membership: Membership | None = None,
    reason: str = "",
) -> Vote:
    """Cast a vote: a member for themselves (per rollam), or the secretary for a present member.

    Needs: per rollam, the actor's own current voting membership in the body
    (``stakeholders.vote_in_body``); at a meeting, coordinator or secretary, for a member who
    is present. Keeps: one vote per person; only members current on the day of the vote;
    per rollam never after the closing time (server time).
    """
    decision = (
        Decision.objects.select_for_update().select_related("body", "process").get(pk=decision.pk)
    )
    now = timezone.now()
    _require_open(decision, now)
    if choice not in Vote.Choice.values:
        raise ValidationFailed(
            _("Unknown vote."), errors={"choice": [_("For, against or abstained.")]}
        )
    day = (
        timezone.localdate(now)
        if decision.mode == Decision.Mode.PER_ROLLAM
        else _voting_day(decision)
    )
    eligible = {m.pk: m for m in voting_members(decision.body, day)}
    if decision.mode == Decision.Mode.PER_ROLLAM:
        if not can_vote_in_body(actor, decision.body):
            raise PermissionDenied(_("Only members of the body vote."))
        own = [m for m in eligible.values() if m.person.user_id == actor.pk]
        if not own:
            raise PermissionDenied(_("You are not a current voting member of this body."))
        membership = own[0]
    else:
        if not _can_run_decision(actor, decision.body, decision.process):
            raise PermissionDenied(_("You may not record votes of this meeting."))
        if membership is None or membership.pk not in eligible:
            raise ValidationFailed(
                _("Only current voting members of the body vote; guests and observers do not.")
            )
        if not decision.present.filter(pk=membership.pk).exists():
            raise ValidationFailed(_("The member is not recorded as present."))
    person_votes = Vote.objects.filter(
        decision=decision, membership__person_id=membership.person_id
    )
    if person_votes.exists():
        raise ValidationFailed(_("%(person)s has already voted.") % {"person": membership.person})
    vote = Vote(
        decision=decision,
        membership=membership,
        choice=choice,
        cast_at=now,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    vote = record_save(vote, actor=actor, reason=reason or _("Vote cast"))
    audit_record(
        process_id=decision.process_id,
        kind=AuditEvent.Kind.VOTE_CAST,
        actor_id=actor_id_of(actor),
        obj=vote,
        payload={
            "decision_id": decision.pk,
            "membership_id": membership.pk,
            "choice": choice,
            "mode": decision.mode,
        },
    )
    return vote


def decision_tally(decision: Decision) -> voting.Tally:
    """The counts a decision is evaluated on, from its votes and the body's membership."""
    day = _voting_day(decision)
    members = voting_members(decision.body, day)
    member_ids = {m.pk for m in members}
    votes = list(decision.votes.filter(membership_id__in=member_ids))
    if decision.mode == Decision.Mode.MEETING:
        present = decision.present.filter(pk__in=member_ids).count()
    else:
        present = len(votes)
    total = decision.body.seat_count or len(members)
    return voting.Tally(
        members_total=max(total, present),
        present=present,
        votes_for=sum(1 for v in votes if v.choice == Vote.Choice.FOR),
        votes_against=sum(1 for v in votes if v.choice == Vote.Choice.AGAINST),
        votes_abstained=sum(1 for v in votes if v.choice == Vote.Choice.ABSTAIN),
    )


@transaction.atomic
def decision_close(*, actor: Actor, decision: Decision, reason: str = "") -> Decision:
    """Close the vote and fix its outcome from the body's quorum and majority rules.

    A meeting decision is closed by the coordinator or secretary; a per rollam one closes at its
    deadline (by anyone, or by the scheduled task), or earlier once every member has voted.
    """
    decision = (
        Decision.objects.select_for_update().select_related("body", "process").get(pk=decision.pk)
    )
    if decision.status != Decision.Status.OPEN:
        return decision
    now = timezone.now()
    tally = decision_tally(decision)
    if decision.mode == Decision.Mode.MEETING:
        if not _can_run_decision(actor, decision.body, decision.process):
            raise PermissionDenied(_("You may not close this vote."))
    elif now < decision.voting_closes_at and tally.votes_cast < tally.members_total:
        raise ValidationFailed(
            _("Per rollam voting is open until %(time)s and not every member has voted.")
            % {"time": timezone.localtime(decision.voting_closes_at).strftime("%d. %m. %Y %H:%M")}
        )
    outcome = voting.evaluate(
        quorum_rule=decision.body.quorum_rule,
        majority_rule=decision.body.majority_rule,
        tally=tally,
    )
    if not outcome.is_quorate:
        decision.fail_quorum()
    elif outcome.is_adopted:
        decision.adopt()
    else:
        decision.reject()
    decision.closed_at = now
    decision.members_total = tally.members_total
    decision.present_count = tally.present
    decision.votes_for = tally.votes_for
    decision.votes_against = tally.votes_against
    decision.votes_abstained = tally.votes_abstained
    decision = record_save(
        decision,
        actor=actor,
        reason=reason or _("Vote closed: %(status)s") % {"status": decision.get_status_display()},
    )
    audit_record(
        process_id=decision.process_id,
        kind=AuditEvent.Kind.DECISION_CLOSED,
        actor_id=actor_id_of(actor),
        obj=decision,
        payload={
            "status": decision.status,
            "members_total": tally.members_total,
            "present": tally.present,
            "votes_for": tally.votes_for,
            "votes_against": tally.votes_against,
            "votes_abstained": tally.votes_abstained,
            "quorum_rule": decision.body.quorum_rule,
            "majority_rule": decision.body.majority_rule,
        },
    )
    return decision


def decisions_close_due(*, now: dt.datetime | None = None) -> int:
    """Close every per rollam decision whose voting time has passed. Idempotent."""
    moment = now or timezone.now()
    due = Decision.objects.filter(
        status=Decision.Status.OPEN, mode=Decision.Mode.PER_ROLLAM, voting_closes_at__lt=moment
    ).values_list("pk", flat=True)
    closed = 0
    for pk in list(due):
        decision_close(actor=None, decision=Decision(pk=pk), reason=_("Per rollam voting ended"))
        closed += 1
    return closed
