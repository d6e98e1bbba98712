"""The resolution register: numbering, recording with votes checked against the body's rules,
points and their fulfilment, the approval chain and the transitions a resolution authorises.

Locks, in this order: the process row (only in ``process_transition``), then the body's
``ResolutionCounter`` row while a number is taken.
"""

from __future__ import annotations

import datetime as dt
import logging
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import actor_id_of, audit_record
from stakeholders import voting
from stakeholders.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body, Membership, Person
from stakeholders.permissions import can_record_resolution
from stakeholders.services import Actor, record_save, require_superuser
from workflow.exceptions import UnmetConditions
from workflow.guards import UnmetCondition
from workflow.models import (
    AgendaItem,
    ApprovalChain,
    ApprovalChainLink,
    Meeting,
    PlanningProcess,
    Resolution,
    ResolutionCounter,
    ResolutionNumbering,
    ResolutionPoint,
    StageTransition,
    Transition,
)
from workflow.permissions import can_transition_stage
from workflow.selectors_meetings import (
    PLAN_KIND,
    approval_chain_for,
    chain_resolution,
    returning_resolutions,
    submitted_plan_version,
)

logger = logging.getLogger(__name__)

PATTERN_FIELDS = frozenset({"seq", "session", "year", "item"})
DEFAULT_PATTERN = "{seq}/{year}"
RESOLVING_KINDS = frozenset(
    {Body.Kind.BOARD, Body.Kind.ASSEMBLY, Body.Kind.DSO_ASSEMBLY, Body.Kind.STEERING_GROUP}
)
# Act 128/2000: the assembly (§ 87, § 92) and the board (§ 101) are quorate with more than half
# of all members and adopt a resolution by a majority of all members. The law is not optional,
# so these two kinds always use it; a DSO assembly and KPSS bodies follow their own statutes.
STATUTORY_KINDS = frozenset({Body.Kind.BOARD, Body.Kind.ASSEMBLY})
STATUTORY_RULES = (voting.MORE_THAN_HALF_OF_ALL, voting.MAJORITY_OF_ALL)


# --- numbering ---------------------------------------------------------------------------------


def pattern_fields(pattern: str) -> list[str]:
    """The field names of a pattern; ValueError on a malformed one."""
    names = []
    for _literal, name, spec, conversion in string.Formatter().parse(pattern):
        if name is None:
            continue
        if spec or conversion or name not in PATTERN_FIELDS:
            raise ValueError(name)
        names.append(name)
    return names


def pattern_errors(pattern: str) -> list[str]:
    try:
        names = pattern_fields(pattern)
    except ValueError as exc:
        return [
            _("Unknown field {%(field)s}; use {seq}, {session}, {year} and {item}.")
            % {"field": exc.args[0]}
        ]
    if "seq" not in names:
        return [_("The pattern must contain {seq}.")]
    if len(pattern) > 60:
        return [_("The pattern is too long.")]
    return []


def format_number(
    pattern: str, *, seq: int, year: int, session: int | None = None, item: int | str | None = None
) -> str:
    """``{seq}/{session}/ZM/{year}`` with seq 717, session 24, year 2014 → ``717/24/ZM/2014``."""
    names = pattern_fields(pattern)
    if "session" in names and session is None:
        raise ValidationFailed(
            _("The numbering of this body needs the session number."),
            errors={"session": [_("Give the session number.")]},
        )
    if "item" in names and item in (None, ""):
        raise ValidationFailed(
            _("The numbering of this body needs the agenda item."),
            errors={"agenda_item": [_("Choose the agenda item.")]},
        )
    return pattern.format(seq=seq, year=year, session=session or "", item=item or "")


def sequence_key(scope: str, *, year: int, session: int | None) -> str:
    if scope == ResolutionNumbering.Scope.SESSION:
        if session is None:
            raise ValidationFailed(
                _("This body numbers resolutions per session; give the session number."),
                errors={"session": [_("Give the session number.")]},
            )
        return f"s{session}"
    if scope == ResolutionNumbering.Scope.CONTINUOUS:
        return "all"
    return f"y{year}"


def numbering_of(body: Body) -> ResolutionNumbering:
    return ResolutionNumbering.objects.filter(body=body).first() or ResolutionNumbering(
        body=body, pattern=DEFAULT_PATTERN, scope=ResolutionNumbering.Scope.YEAR
    )


def _counter_locked(body: Body, key: str) -> ResolutionCounter:
    """The counter row of one sequence, created when missing, locked for this transaction."""
    counter, _created = ResolutionCounter.objects.get_or_create(body=body, key=key)
    return ResolutionCounter.objects.select_for_update().get(pk=counter.pk)


@transaction.atomic
def resolution_numbering_set(
    *,
    actor: Actor,
    body: Body,
    pattern: str,
    scope: str,
    next_seq: int | None = None,
    year: int | None = None,
    session: int | None = None,
    reason: str = "",
) -> ResolutionNumbering:
    """Set a body's numbering pattern, and optionally the next running number of a sequence
    (e.g. 717 when the register moves into KomPlan mid-term).

    Needs: ``stakeholders.record_resolution`` on the body. Keeps: the pattern has ``{seq}``;
    the next number never goes back below a number already used.
    """
    if not can_record_resolution(actor, body):
        raise PermissionDenied(_("You may not keep the resolutions of this body."))
    errors = pattern_errors(pattern)
    if errors:
        raise ValidationFailed(errors[0], errors={"pattern": errors})
    if scope not in ResolutionNumbering.Scope.values:
        raise ValidationFailed(_("Unknown scope."), errors={"scope": [_("Choose a scope.")]})
    numbering = ResolutionNumbering.objects.filter(body=body).first() or ResolutionNumbering(
        body=body
    )
    numbering.pattern = pattern
    numbering.scope = scope
    record_save(numbering, actor=actor, reason=reason or _("Resolution numbering set"))
    if next_seq is not None:
        key = sequence_key(scope, year=year or timezone.localdate().year, session=session)
        counter = _counter_locked(body, key)
        used = (
            Resolution.objects.filter(body=body, sequence_key=key, seq__isnull=False)
            .order_by("-seq")
            .values_list("seq", flat=True)
            .first()
        )
        if next_seq < 1 or (used is not None and next_seq <= used):
            raise ValidationFailed(
                _("The next number must be greater than %(used)s, the last one used.")
                % {"used": used or 0},
                errors={"next_seq": [_("Choose a higher number.")]},
            )
        counter.last_seq = next_seq - 1
        counter.save(update_fields=["last_seq"])
    return numbering


def _allocate_number(
    body: Body, *, year: int, session: int | None, item: int | str | None
) -> tuple[str, int, str]:
    """Take the next free number of the body's sequence under the counter's row lock.

    Numbers entered by hand are skipped, so an automatic number never collides with them.
    """
    numbering = numbering_of(body)
    key = sequence_key(numbering.scope, year=year, session=session)
    counter = _counter_locked(body, key)
    while True:
        counter.last_seq += 1
        number = format_number(
            numbering.pattern, seq=counter.last_seq, year=year, session=session, item=item
        )
        if not Resolution.objects.filter(body=body, number=number).exists():
            break
    counter.save(update_fields=["last_seq"])
    return number, counter.last_seq, key


# --- votes ---------------------------------------------------------------------------------------


def effective_rules(body: Body) -> tuple[str, str]:
    """(quorum rule, majority rule) a body's resolutions are evaluated by."""
    if body.kind in STATUTORY_KINDS:
        return STATUTORY_RULES
    return body.quorum_rule, body.majority_rule


def members_total_of(body: Body, on: dt.date) -> int:
    """All members of the body: its seat count, or its current voting members on the day."""
    if body.seat_count:
        return body.seat_count
    return (
        Membership.objects.current(on)
        .filter(body=body, role__in=Membership.VOTING_ROLES)
        .values("person_id")
        .distinct()
        .count()
    )


def resolution_outcome(body: Body, tally: voting.Tally) -> tuple[str, voting.Outcome]:
    quorum_rule, majority_rule = effective_rules(body)
    try:
        outcome = voting.evaluate(quorum_rule=quorum_rule, majority_rule=majority_rule, tally=tally)
    except ValueError as exc:
        raise ValidationFailed(
            _(
                "The vote does not add up: %(present)s present of %(total)s members, "
                "%(for)s for, %(against)s against, %(abstained)s abstained."
            )
            % {
                "present": tally.present,
                "total": tally.members_total,
                "for": tally.votes_for,
                "against": tally.votes_against,
                "abstained": tally.votes_abstained,
            },
            errors={"votes_for": [_("More votes than members present.")]},
        ) from exc
    if not outcome.is_quorate:
        return Resolution.Outcome.NO_QUORUM, outcome
    if outcome.is_adopted:
        return Resolution.Outcome.ADOPTED, outcome
    return Resolution.Outcome.REJECTED, outcome


# --- recording -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointInput:
    verb: str
    text: str
    responsible: Person | None = None
    responsible_label: str = ""
    deadline: dt.date | None = None


def _check_chain_order(
    *, process: PlanningProcess, body: Body, action: str, sha256: str
) -> list[UnmetCondition]:
    """A body adopts the plan only at its own link of the chain, after the links before it
    adopted the very same version."""
    steps = approval_chain_for(process)
    mine = [s for s in steps if s.body is not None and s.body.pk == body.pk]
    if not mine:
        return [
            UnmetCondition(
                "not_in_approval_chain",
                _("%(body)s is not in the approval chain of this plan.") % {"body": body.name},
            )
        ]
    step = mine[0]
    if step.action != action:
        return [
            UnmetCondition(
                "wrong_chain_action",
                _("In the approval chain the role of %(body)s is: %(action)s.")
                % {
                    "body": body.name,
                    "action": Resolution.DocumentAction(step.action).label,
                },
            )
        ]
    unmet = []
    for earlier in steps[: step.order - 1]:
        if chain_resolution(process, earlier, sha256) is None:
            unmet.append(
                UnmetCondition(
                    "chain_link_missing",
                    _("%(body)s has not yet adopted this version of the plan.")
                    % {"body": earlier.label},
                )
            )
    return unmet


@transaction.atomic
def resolution_record(
    *,
    actor: Actor,
    body: Body,
    adopted_on: dt.date,
    title: str,
    points: Iterable[PointInput | dict[str, Any]],
    present: int,
    votes_for: int,
    votes_against: int,
    votes_abstained: int,
    members_total: int | None = None,
    claimed_outcome: str | None = None,
    meeting: Meeting | None = None,
    agenda_item: AgendaItem | None = None,
    process: PlanningProcess | None = None,
    session: int | None = None,
    number: str = "",
    document_version: Any | None = None,
    document_action: str = "",
    submitted_by: str = "",
    prepared_by: str = "",
    explanatory_report: str = "",
    reason: str = "",
) -> Resolution:
    """Record a resolution of a council body or steering group, with its number and points.

    Needs: ``stakeholders.record_resolution`` on the body (its secretary, the secretariat).
    Keeps: the vote is evaluated by the body's rules (Act 128/2000 for the board and assembly:
    quorum more than half of all members, majority of all members); an outcome the secretary
    claims that the votes do not support is refused; the number follows the body's pattern and
    is unique per body (taken under a row lock; a number entered by hand is checked); a
    resolution on the plan adopts it only at the body's link of the approval chain after the
    earlier links adopted the same version (sha256).
    """
    if not can_record_resolution(actor, body):
        raise PermissionDenied(_("You may not record resolutions of this body."))
    if body.kind not in RESOLVING_KINDS:
        raise ValidationFailed(_("This body does not adopt resolutions."))
    points = [p if isinstance(p, PointInput) else PointInput(**p) for p in points]
    if not points:
        raise ValidationFailed(
            _("A resolution has at least one point."), errors={"points": [_("Add a point.")]}
        )
    bad = [p.verb for p in points if p.verb not in ResolutionPoint.Verb.values]
    if bad:
        raise ValidationFailed(_("Unknown verb: %(verb)s.") % {"verb": bad[0]})
    if meeting is not None:
        if meeting.body_id != body.pk:
            raise ValidationFailed(_("The meeting is not a meeting of this body."))
        session = session if session is not None else meeting.session_number
    if agenda_item is not None and (meeting is None or agenda_item.meeting_id != meeting.pk):
        raise ValidationFailed(_("The agenda item belongs to another meeting."))
    if process is None and body.process_id:
        process = body.process
    if process is not None and (
        (body.process_id and body.process_id != process.pk)
        or (body.territory_id and body.territory_id != process.territory_id)
    ):
        raise ValidationFailed(_("The body does not decide on this planning process."))

    total = members_total if members_total is not None else members_total_of(body, adopted_on)
    tally = voting.Tally(
        members_total=total,
        present=present,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstained=votes_abstained,
    )
    outcome, evaluation = resolution_outcome(body, tally)
    if claimed_outcome is not None and claimed_outcome != outcome:
        raise ValidationFailed(
            _(
                "The votes do not support the outcome “%(claimed)s”: %(body)s needs "
                "%(quorum)s members present and %(needed)s votes for; recorded %(present)s "
                "present and %(for)s for, so the resolution is “%(actual)s”."
            )
            % {
                "claimed": Resolution.Outcome(claimed_outcome).label,
                "body": body.name,
                "quorum": evaluation.needed_for_quorum,
                "needed": evaluation.needed_for_adoption,
                "present": present,
                "for": votes_for,
                "actual": Resolution.Outcome(outcome).label,
            },
            errors={"outcome": [_("The outcome does not follow from the votes.")]},
        )

    sha256 = ""
    if document_action:
        if document_action not in Resolution.DocumentAction.values:
            raise ValidationFailed(_("Unknown effect on the document."))
        if document_version is None:
            raise ValidationFailed(
                _("Say which document version the resolution is about."),
                errors={"document_version": [_("Choose the version.")]},
            )
        if document_version.status == "draft":
            raise ValidationFailed(
                _("A resolution is adopted on a submitted version, not on a draft.")
            )
        if process is None:
            process = document_version.document.process
        if document_version.document.process_id != process.pk:
            raise ValidationFailed(_("The document belongs to another planning process."))
        sha256 = document_version.sha256
        if (
            document_version.document.kind == PLAN_KIND
            and outcome == Resolution.Outcome.ADOPTED
            and document_action
            in (Resolution.DocumentAction.RECOMMEND, Resolution.DocumentAction.APPROVE)
        ):
            unmet = _check_chain_order(
                process=process, body=body, action=document_action, sha256=sha256
            )
            if unmet:
                raise UnmetConditions(unmet)

    year = adopted_on.year
    item = agenda_item.order if agenda_item is not None else None
    if number.strip():
        number = number.strip()
        seq, key, manual = None, "", True
        if Resolution.objects.filter(body=body, number=number).exists():
            raise Conflict(
                _("%(body)s already has a resolution numbered %(number)s.")
                % {"body": body.name, "number": number}
            )
    else:
        number, seq, key = _allocate_number(body, year=year, session=session, item=item)
        manual = False

    resolution = Resolution(
        body=body,
        meeting=meeting,
        agenda_item=agenda_item,
        process=process,
        number=number,
        seq=seq,
        sequence_key=key,
        is_manual_number=manual,
        session=session,
        adopted_on=adopted_on,
        title=title,
        submitted_by=submitted_by,
        prepared_by=prepared_by,
        explanatory_report=explanatory_report,
        members_total=total,
        present=present,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstained=votes_abstained,
        outcome=outcome,
        document_action=document_action,
        document_version=document_version if document_action else None,
        document_sha256=sha256,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
        recorded_by_id_snapshot=getattr(actor, "pk", None),
    )
    try:
        with transaction.atomic():
            record_save(resolution, actor=actor, reason=reason or _("Resolution recorded"))
    except IntegrityError as exc:
        # Two secretaries typed the same number by hand at the same moment.
        raise Conflict(
            _("%(body)s already has a resolution numbered %(number)s.")
            % {"body": body.name, "number": number}
        ) from exc
    for order, point in enumerate(points, start=1):
        record_save(
            ResolutionPoint(
                resolution=resolution,
                order=order,
                verb=point.verb,
                text=point.text,
                responsible=point.responsible,
                responsible_label=point.responsible_label,
                deadline=point.deadline,
            ),
            actor=actor,
            reason=reason or _("Resolution recorded"),
        )
    audit_record(
        process_id=resolution.process_id,
        kind=AuditEvent.Kind.RESOLUTION_RECORDED,
        actor_id=actor_id_of(actor),
        obj=resolution,
        payload={
            "body_id": resolution.body_id,
            "meeting_id": resolution.meeting_id,
            "number": resolution.number,
            "adopted_on": resolution.adopted_on.isoformat(),
            "outcome": resolution.outcome,
            "members_total": resolution.members_total,
            "present": resolution.present,
            "votes_for": resolution.votes_for,
            "votes_against": resolution.votes_against,
            "votes_abstained": resolution.votes_abstained,
            "document_action": resolution.document_action,
            "document_version_id": resolution.document_version_id,
            "document_sha256": resolution.document_sha256,
            "points": [point.verb for point in points],
        },
    )
    return resolution


@transaction.atomic
def resolution_point_set_status(
    *,
    actor: Actor,
    point: ResolutionPoint,
    status: str,
    fulfilled_on: dt.date | None = None,
    reason: str = "",
) -> ResolutionPoint:
    """Record the fulfilment of a point (the check on resolutions). Needs: record_resolution."""
    point = (
        ResolutionPoint.objects.select_for_update(of=("self",))
        .select_related("resolution__body")
        .get(pk=point.pk)
    )
    if not can_record_resolution(actor, point.resolution.body):
        raise PermissionDenied(_("You may not keep the resolutions of this body."))
    if status not in ResolutionPoint.Status.values:
        raise ValidationFailed(_("Unknown status."))
    point.status = status
    if status == ResolutionPoint.Status.FULFILLED:
        point.fulfilled_on = fulfilled_on or timezone.localdate()
    return record_save(point, actor=actor, reason=reason or _("Fulfilment recorded"))


def resolution_points_remind(*, today: dt.date | None = None) -> int:
    """E-mail the responsible person and the body's secretaries about each overdue point, once
    per point (idempotent: the sending is recorded under the point's row lock)."""
    from workflow.selectors_meetings import resolution_points_overdue

    day = today or timezone.localdate()
    sent = 0
    due = resolution_points_overdue(today=day).filter(overdue_reminded_on__isnull=True)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            point = (
                ResolutionPoint.objects.select_for_update(of=("self",))
                .select_related("resolution__body", "responsible")
                .filter(pk=pk, overdue_reminded_on__isnull=True)
                .first()
            )
            if point is None or not point.is_overdue(day):
                continue
            recipients = set(
                Membership.objects.current(day)
                .filter(body=point.resolution.body, role=Membership.Role.SECRETARY)
                .exclude(person__email="")
                .values_list("person__email", flat=True)
            )
            if point.responsible is not None and point.responsible.email:
                recipients.add(point.responsible.email)
            if recipients:
                subject = _("Overdue: resolution %(number)s, point %(order)s") % {
                    "number": point.resolution.number,
                    "order": point.order,
                }
                body = _(
                    "The point %(order)s of resolution %(number)s (%(title)s) was due on "
                    "%(deadline)s and is not fulfilled yet.\n\n%(verb)s %(text)s"
                ) % {
                    "order": point.order,
                    "number": point.resolution.number,
                    "title": point.resolution.title,
                    "deadline": point.deadline.strftime("%d. %m. %Y"),
                    "verb": point.get_verb_display(),
                    "text": point.text,
                }
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, sorted(recipients))
                sent += 1
            point.overdue_reminded_on = day
            record_save(point, actor=None, reason=_("Overdue reminder sent"))
    return sent


# --- the transitions a resolution authorises ----------------------------------------------------

RESOLUTION_TRANSITIONS = frozenset({Transition.RETURN, Transition.START_IMPLEMENTATION})


def approving_resolution_conditions(
    process: PlanningProcess, resolution: Resolution | None = None
) -> list[UnmetCondition]:
    """Whether the last body of the chain approved the plan version submitted to the council.

    With ``resolution``, that very resolution must be the approving one. A resolution on a
    version whose sha256 differs from the submitted version's is named in the error.
    """
    version = submitted_plan_version(process)
    if version is None:
        return [
            UnmetCondition(
                "plan_version_missing",
                _("No approved version of the community plan has been submitted to the council."),
            )
        ]
    steps = approval_chain_for(process)
    if not steps or steps[-1].body is None:
        return [
            UnmetCondition(
                "approval_chain_missing",
                _("The territory has no approval chain ending with a body that approves."),
            )
        ]
    last = steps[-1]
    if resolution is not None and (
        last.body is None
        or resolution.body_id != last.body.pk
        or resolution.document_action != last.action
    ):
        return [
            UnmetCondition(
                "resolution_not_approving",
                _("Resolution %(number)s is not the approving resolution of %(body)s.")
                % {"number": resolution.number, "body": last.label},
            )
        ]
    if resolution is not None and not resolution.is_adopted:
        return [
            UnmetCondition(
                "resolution_not_adopted",
                _("Resolution %(number)s was not adopted.") % {"number": resolution.number},
            )
        ]
    candidate = resolution or chain_resolution(process, last, None)
    if candidate is None:
        return [
            UnmetCondition(
                "approving_resolution_missing",
                _("%(body)s has not adopted a resolution approving the plan yet.")
                % {"body": last.label},
            )
        ]
    if resolution is None:
        matching = chain_resolution(process, last, version.sha256)
        candidate = matching or candidate
    if candidate.document_sha256 != version.sha256:
        return [
            UnmetCondition(
                "approving_resolution_hash_mismatch",
                _(
                    "Resolution %(number)s of %(body)s approved a document with SHA-256 "
                    "%(resolved)s, but the plan version %(version)s submitted to the council has "
                    "SHA-256 %(submitted)s. The resolution is about a different version and "
                    "cannot authorise implementation."
                )
                % {
                    "number": candidate.number,
                    "body": last.label,
                    "resolved": candidate.document_sha256,
                    "version": version.number,
                    "submitted": version.sha256,
                },
            )
        ]
    unmet = []
    for step in steps[:-1]:
        if chain_resolution(process, step, version.sha256) is None:
            unmet.append(
                UnmetCondition(
                    "chain_link_missing",
                    _("%(body)s has not adopted the plan version %(version)s.")
                    % {"body": step.label, "version": version.number},
                )
            )
    return unmet


def returning_resolution_conditions(
    process: PlanningProcess, resolution: Resolution | None = None
) -> list[UnmetCondition]:
    candidates = returning_resolutions(process)
    if resolution is not None:
        candidates = candidates.filter(pk=resolution.pk)
    if not candidates.exists():
        return [
            UnmetCondition(
                "returning_resolution_missing",
                _(
                    "No body of the approval chain has adopted a resolution that returns or "
                    "rejects the plan since it was submitted."
                )
                if resolution is None
                else _("Resolution %(number)s does not return the plan.")
                % {"number": resolution.number},
            )
        ]
    return []


def resolution_for_transition(
    *, actor: Actor, process: PlanningProcess, transition: str, resolution_id: int
) -> Resolution:
    """The resolution that authorises a RETURN or START_IMPLEMENTATION step, fully checked.

    Needs: ``stakeholders.record_resolution`` on the resolution's body (the council secretary)
    or ``workflow.transition_stage`` on the process (the coordinator).
    """
    if transition not in RESOLUTION_TRANSITIONS:
        raise ValidationFailed(_("A resolution does not authorise this step."))
    resolution = (
        Resolution.objects.select_related("body").filter(pk=resolution_id, process=process).first()
    )
    if resolution is None:
        raise NotFound(_("Resolution not found."))
    if not (can_record_resolution(actor, resolution.body) or can_transition_stage(actor, process)):
        raise PermissionDenied(_("You may not move this process to another stage."))
    if StageTransition.objects.filter(resolution=resolution).exists():
        raise UnmetConditions(
            [
                UnmetCondition(
                    "resolution_already_used",
                    _("The resolution has already authorised a transition."),
                )
            ]
        )
    if transition == Transition.START_IMPLEMENTATION:
        unmet = approving_resolution_conditions(process, resolution)
    else:
        unmet = returning_resolution_conditions(process, resolution)
    if unmet:
        raise UnmetConditions(unmet)
    return resolution


# --- configuration of the chain --------------------------------------------------------------


@dataclass(frozen=True)
class LinkInput:
    action: str
    body: Body | None = None
    body_kind: str = ""


@transaction.atomic
def approval_chain_set(
    *,
    actor: Actor,
    links: Iterable[LinkInput | dict[str, Any]],
    territory: Any | None = None,
    process: PlanningProcess | None = None,
    reason: str = "",
) -> ApprovalChain:
    """Configure the approval chain of a territory, or of one process (which then overrides
    its territory's chain, e.g. another process of the same ESF project).

    Needs: superuser. Keeps: at least one link; only the last link approves, the others
    recommend; each body belongs to the territory (or to the process).
    """
    require_superuser(actor, _("approval chains"))
    if (territory is None) == (process is None):
        raise ValidationFailed(_("A chain belongs either to a territory or to a process."))
    links = [x if isinstance(x, LinkInput) else LinkInput(**x) for x in links]
    if not links:
        raise ValidationFailed(_("The chain needs at least one body."))
    actions = [link.action for link in links]
    if actions[-1] != Resolution.DocumentAction.APPROVE or any(
        a != Resolution.DocumentAction.RECOMMEND for a in actions[:-1]
    ):
        raise ValidationFailed(
            _("The last body of the chain approves the plan; the bodies before it recommend it.")
        )
    territory_id = territory.pk if territory is not None else process.territory_id
    for link in links:
        if link.body is not None and not (
            link.body.territory_id == territory_id
            or (process is not None and link.body.process_id == process.pk)
        ):
            raise ValidationFailed(
                _("%(body)s does not belong to this territory.") % {"body": link.body.name}
            )
    chain = ApprovalChain.objects.select_for_update().filter(
        territory=territory, process=process
    ).first() or record_save(
        ApprovalChain(territory=territory, process=process),
        actor=actor,
        reason=reason or _("Approval chain set"),
    )
    for old in chain.links.all():
        old._history_user = actor  # type: ignore[attr-defined]
        old.delete()
    for order, link in enumerate(links, start=1):
        record_save(
            ApprovalChainLink(
                chain=chain,
                order=order,
                body=link.body,
                body_kind="" if link.body is not None else link.body_kind,
                action=link.action,
            ),
            actor=actor,
            reason=reason or _("Approval chain set"),
        )
    return chain
