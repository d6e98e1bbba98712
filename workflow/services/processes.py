"""Planning processes: creation, the one stage-transition service, deadlines and the next cycle."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.models import AuditEvent
from audit.services import actor_id_of, audit_record
from documents.models import Document, DocumentVersion
from documents.services.plan import plan_tree_copy
from stakeholders import roles
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body, EsfProject, Membership, Organization, Territory
from stakeholders.services import (
    Actor,
    permissions_sync_for_process,
    record_save,
    require_superuser,
)
from workflow import guards
from workflow.exceptions import TransitionConflict, UnmetConditions
from workflow.guards import UnmetCondition
from workflow.models import (
    TRANSITIONS,
    Decision,
    PlanningProcess,
    Stage,
    StageDeadline,
    StageTransition,
    Transition,
)
from workflow.permissions import (
    ProcessPermissions,
    can_manage_process,
    can_view_process,
    process_permissions_sql,
)


@transaction.atomic
def process_create(
    *,
    actor: Actor,
    territory: Territory,
    title: str,
    period_start_year: int,
    period_end_year: int,
    esf_project: EsfProject | None = None,
    coordinator_organization: Organization | None = None,
    reason: str = "",
    **fields: Any,
) -> PlanningProcess:
    """Open a planning process in preparation for a territory and a plan period.

    Needs: superuser (the installation's administrator sets up processes and their coordinator).
    Side effects: members of the territory's council bodies get read access to the new process.
    """
    require_superuser(actor, _("planning processes"))
    process = record_save(
        PlanningProcess(
            territory=territory,
            title=title,
            period_start_year=period_start_year,
            period_end_year=period_end_year,
            esf_project=esf_project,
            coordinator_organization=coordinator_organization,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            **fields,
        ),
        actor=actor,
        reason=reason or _("Planning process created"),
    )
    audit_record(
        process_id=process.pk,
        kind=AuditEvent.Kind.PROCESS_CREATED,
        actor_id=actor_id_of(actor),
        obj=process,
        payload={
            "territory_id": process.territory_id,
            "period_start_year": process.period_start_year,
            "period_end_year": process.period_end_year,
            "esf_project_id": process.esf_project_id,
            "previous_process_id": process.previous_process_id,
        },
    )
    permissions_sync_for_process(process=process)
    return process


# Transitions authorised by a steering-group decision; "return" is authorised by the council
# resolution that returns the plan (its guard), not by the steering group.
DECISION_TRANSITIONS = frozenset(Transition.values) - {Transition.RETURN}


def decision_conditions(
    process: PlanningProcess,
    transition: str,
    decision: Decision | None,
    *,
    is_used: bool | None = None,
) -> list[UnmetCondition]:
    """What is wrong with the decision offered to authorise a transition (empty: it authorises).

    ``is_used``: whether a StageTransition already names the decision, when the caller read it
    together with the decision (``_lock_for_transition``); None looks it up.
    """
    if transition not in DECISION_TRANSITIONS:
        return []
    if decision is None:
        return [
            UnmetCondition(
                "decision_missing",
                _("An adopted steering-group decision on this step is required."),
            )
        ]
    unmet = []
    if decision.process_id != process.pk:
        unmet.append(
            UnmetCondition("decision_other_process", _("The decision belongs to another process."))
        )
    if decision.body.kind != Body.Kind.STEERING_GROUP or decision.body.process_id != process.pk:
        unmet.append(
            UnmetCondition(
                "decision_wrong_body",
                _("The decision must be taken by the steering group of this process."),
            )
        )
    if decision.subject != Decision.Subject.STAGE_TRANSITION or decision.transition != transition:
        unmet.append(
            UnmetCondition("decision_other_subject", _("The decision is about a different matter."))
        )
    if decision.status == Decision.Status.OPEN:
        unmet.append(
            UnmetCondition("decision_open", _("Voting on the decision has not ended yet."))
        )
    elif decision.status == Decision.Status.NO_QUORUM:
        unmet.append(
            UnmetCondition(
                "decision_not_quorate",
                _("The steering group was not quorate; the decision authorises nothing."),
            )
        )
    elif decision.status != Decision.Status.ADOPTED:
        unmet.append(UnmetCondition("decision_not_adopted", _("The decision was not adopted.")))
    if is_used is None:
        is_used = StageTransition.objects.filter(decision=decision).exists()
    if is_used:
        unmet.append(
            UnmetCondition(
                "decision_already_used", _("The decision has already authorised a transition.")
            )
        )
    return unmet


def transition_conditions(
    process: PlanningProcess,
    transition: str,
    *,
    decision: Decision | None = None,
    today: dt.date | None = None,
    decision_is_used: bool | None = None,
    has_configured_rules: bool | None = None,
) -> list[UnmetCondition]:
    """Every unmet condition of a transition from the process's current stage.

    ``decision_is_used`` and ``has_configured_rules`` are facts the caller already read with the
    decision and the process (see ``decision_conditions`` and ``guards.rules_for``); None reads
    them here.
    """
    sources, _target = TRANSITIONS[transition]
    if process.stage not in sources:
        return [
            UnmetCondition(
                "wrong_stage",
                _("The process is in the stage %(stage)s; this step starts elsewhere.")
                % {"stage": process.get_stage_display()},
            )
        ]
    return guards.evaluate(
        process, transition, today=today, has_configured=has_configured_rules
    ) + decision_conditions(process, transition, decision, is_used=decision_is_used)


def _lock_process(actor: Actor, process_id: int) -> PlanningProcess:
    """Lock the process row (the one lock of a transition, always taken first)."""
    process, _permissions = _lock_process_with_permissions(actor, process_id)
    return process


def _lock_process_with_permissions(
    actor: Actor, process_id: int
) -> tuple[PlanningProcess, ProcessPermissions]:
    try:
        process = PlanningProcess.objects.select_for_update().get(pk=process_id)
    except (PlanningProcess.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Planning process not found.")) from None
    permissions = ProcessPermissions(actor, process)
    if not permissions.allows(roles.VIEW_PROCESS):
        raise NotFound(_("Planning process not found."))
    return process, permissions


# What a transition needs to know about its actor's rights on the process.
TRANSITION_PERMISSIONS = (roles.VIEW_PROCESS, roles.TRANSITION_STAGE)

# The decision's fields that decide whether it authorises a transition; read with the locked
# process, the other fields load when read.
_DECISION_FIELDS = ("id", "process_id", "body_id", "subject", "transition", "status", "mode")
_BODY_FIELDS = ("id", "kind", "process_id")

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class LockedForTransition:
    """What ``_lock_for_transition`` read in its one round trip."""

    process: PlanningProcess
    permissions: ProcessPermissions
    has_configured_rules: bool
    # The decision offered (None: none offered, or none of this process by that id), with its
    # body's kind and process, and whether a StageTransition already names it.
    decision: Decision | None = None
    decision_is_used: bool | None = None


def _lock_for_transition(
    actor: Actor, process_id: int, transition: str, decision_id: int | None
) -> LockedForTransition:
    """Lock the process row, and the decision offered, reading all a transition checks.

    One round trip: the process, the actor's permissions on it (a process the actor may not see
    is NotFound), whether GuardRule rows configure the transition for its territory, and the
    decision offered with its body and whether it was used. The two rows are locked in one
    statement, the process first, as everywhere; the permissions and the configuration are read
    under the lock, never from a cache. Written out in SQL because composing it with the ORM
    would cost more than the rest of the transition.
    """
    try:
        pk = int(process_id)
    except (ValueError, TypeError):
        raise NotFound(_("Planning process not found.")) from None
    decision_pk = None
    if decision_id is not None:
        try:
            decision_pk = int(decision_id)
        except (ValueError, TypeError):
            decision_pk = None
    rows = _locked_rows(actor, pk, transition, decision_pk) if decision_pk is not None else []
    if not rows:
        # No decision offered, or none of this process by that id: lock the process alone.
        rows = _locked_rows(actor, pk, transition, None)
    if not rows:
        raise NotFound(_("Planning process not found."))
    process = rows[0]
    permissions = ProcessPermissions(actor, process, loaded=TRANSITION_PERMISSIONS)
    if not permissions.allows(roles.VIEW_PROCESS):
        raise NotFound(_("Planning process not found."))
    locked = LockedForTransition(
        process=process,
        permissions=permissions,
        has_configured_rules=bool(process.has_configured_rules),
    )
    if getattr(process, "decision__id", None) is None:
        return locked
    decision = _partly_loaded(Decision, _DECISION_FIELDS, process, "decision__")
    body = _partly_loaded(Body, _BODY_FIELDS, process, "decision_body__")
    Decision._meta.get_field("body").set_cached_value(decision, body)
    return dataclasses.replace(
        locked, decision=decision, decision_is_used=bool(process.decision_is_used)
    )


def _partly_loaded(model: type[M], fields: tuple[str, ...], row: Any, prefix: str) -> M:
    """An instance of ``model`` from the ``prefix``-named columns of a raw row; its other fields
    load when read (as with ``QuerySet.only``)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in fields]
    return model.from_db(connection.alias, names, [getattr(row, prefix + name) for name in names])


def _locked_rows(
    actor: Actor, process_id: int, transition: str, decision_id: int | None
) -> list[PlanningProcess]:
    """The SELECT ... FOR UPDATE of ``_lock_for_transition``: no row when the process does not
    exist or, with ``decision_id``, when the process has no decision by that id."""
    quote = connection.ops.quote_name

    def column(model: type[Any], field: str) -> str:
        return quote(model._meta.get_field(field).column)

    def table(model: type[Any]) -> str:
        return quote(model._meta.db_table)

    permissions = process_permissions_sql(actor, process_id, TRANSITION_PERMISSIONS)
    rules, rules_params = guards.has_configured_rules_sql(
        transition, territory_id=f"p.{column(PlanningProcess, 'territory')}"
    )
    select = (
        f"{permissions.with_clause}SELECT p.*{permissions.columns}, {rules} AS has_configured_rules"
    )
    joins, lock_of, params = "", ("p",), [*permissions.params, *rules_params]
    if decision_id is not None:
        decision_columns = "".join(
            f", d.{column(Decision, name.removesuffix('_id'))} AS decision__{name}"
            for name in _DECISION_FIELDS
        )
        body_columns = "".join(
            f", b.{column(Body, name.removesuffix('_id'))} AS decision_body__{name}"
            for name in _BODY_FIELDS
        )
        used = (
            f"EXISTS (SELECT 1 FROM {table(StageTransition)} t"  # noqa: S608 (names from _meta)
            f" WHERE t.{column(StageTransition, 'decision')} = d.{column(Decision, 'id')})"
        )
        select += f"{decision_columns}{body_columns}, {used} AS decision_is_used"
        joins = (
            f" INNER JOIN {table(Decision)} d ON d.{column(Decision, 'id')} = %s"
            f" AND d.{column(Decision, 'process')} = p.{column(PlanningProcess, 'id')}"
            f" INNER JOIN {table(Body)} b"
            f" ON b.{column(Body, 'id')} = d.{column(Decision, 'body')}"
        )
        lock_of = ("p", "d")
        params.append(decision_id)
    lock = ""
    if connection.features.has_select_for_update:
        of = lock_of if connection.features.has_select_for_update_of else ()
        lock = " " + connection.ops.for_update_sql(of=of)
    params.append(process_id)
    return list(
        PlanningProcess.objects.raw(
            f"{select} FROM {table(PlanningProcess)} p{joins}"
            f" WHERE p.{column(PlanningProcess, 'id')} = %s{lock}",
            params,
        )
    )


@transaction.atomic
def process_transition(
    *,
    actor: Actor,
    process_id: int,
    transition: str,
    reason: str,
    decision_id: int | None = None,
    expected_stage: str | None = None,
    resolution_id: int | None = None,
) -> StageTransition:
    """Move a process to another stage: the only way its stage ever changes.

    Needs: ``workflow.transition_stage`` on the process (the coordinator); a process the actor
    may not see is NotFound. Checks, all at once: the source stage, every guard rule configured
    for the transition and the authorising steering-group decision (adopted, quorate, on this
    transition, not used before). Locks the process row; a concurrent attempt that lost the race
    gets TransitionConflict. Records a StageTransition and the history with the actor and the
    reason; notifications are queued after commit.

    For RETURN and START_IMPLEMENTATION, ``resolution_id`` names the council resolution that
    authorises the step: the secretary who records the body's resolutions
    (``stakeholders.record_resolution``) may then take it instead of the coordinator; the
    resolution is checked and kept on the StageTransition.
    """
    if transition not in TRANSITIONS:
        raise ValidationFailed(
            _("Unknown transition."), errors={"transition": [_("Choose a valid transition.")]}
        )
    if not reason or not reason.strip():
        raise ValidationFailed(
            _("Give the reason for the step."), errors={"reason": [_("A reason is required.")]}
        )
    locked = _lock_for_transition(actor, process_id, transition, decision_id)
    process, decision = locked.process, locked.decision
    resolution = None
    if resolution_id is not None:
        from workflow.services.resolutions import resolution_for_transition

        resolution = resolution_for_transition(
            actor=actor, process=process, transition=transition, resolution_id=resolution_id
        )
    elif not locked.permissions.allows(roles.TRANSITION_STAGE):
        raise PermissionDenied(_("You may not move this process to another stage."))
    sources, target = TRANSITIONS[transition]
    # A step that no longer starts from the current stage means the caller saw an older state:
    # someone else moved the process first.
    if process.stage not in sources or (
        expected_stage is not None and process.stage != expected_stage
    ):
        raise TransitionConflict(
            _("Someone else has just changed the stage of the process to %(stage)s.")
            % {"stage": process.get_stage_display()}
        )
    if decision_id is not None and decision is None:
        raise NotFound(_("Decision not found."))
    if (
        decision is not None
        and decision.status == Decision.Status.OPEN
        and decision.mode == Decision.Mode.PER_ROLLAM
    ):
        # Per rollam voting ends by the clock, whether or not the scheduled task has run.
        from workflow.services.decisions import decision_close

        if timezone.now() > decision.voting_closes_at:
            decision = decision_close(actor=actor, decision=decision)
    unmet = transition_conditions(
        process,
        transition,
        decision=decision,
        decision_is_used=locked.decision_is_used,
        has_configured_rules=locked.has_configured_rules,
    )
    if unmet:
        raise UnmetConditions(unmet)
    from_stage = process.stage
    try:
        getattr(process, PlanningProcess.TRANSITION_METHODS[transition])()
        record_save(process, actor=actor, reason=reason, validate=False)
    except (ConcurrentTransition, TransitionNotAllowed) as exc:
        raise TransitionConflict(
            _("Someone else has just changed the stage of the process.")
        ) from exc
    record = StageTransition(
        process=process,
        transition=transition,
        from_stage=from_stage,
        to_stage=target,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_id_snapshot=actor.pk,
        reason=reason,
        decision=decision,
        resolution=resolution,
    )
    record_save(record, actor=actor, reason=reason, validate=False)
    audit_record(
        process_id=process.pk,
        kind=AuditEvent.Kind.STAGE_TRANSITION,
        actor_id=record.actor_id_snapshot,
        obj=record,
        payload={
            "transition": transition,
            "from_stage": from_stage,
            "to_stage": target,
            "decision_id": record.decision_id,
            "resolution_id": record.resolution_id,
        },
    )
    from workflow.tasks import stage_transition_notify

    transition_id = record.pk
    transaction.on_commit(lambda: stage_transition_notify.delay(transition_id))
    return record


@transaction.atomic
def stage_deadline_set(
    *, actor: Actor, process: PlanningProcess, stage: str, due_on: dt.date, reason: str = ""
) -> StageDeadline:
    """Plan (or re-plan) the end of a stage. Needs: ``workflow.manage_process``."""
    if not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    if not can_manage_process(actor, process):
        raise PermissionDenied(_("You may not plan the stages of this process."))
    if stage not in Stage.values or stage == Stage.CANCELLED:
        raise ValidationFailed(_("Unknown stage."), errors={"stage": [_("Choose a stage.")]})
    deadline = StageDeadline.objects.filter(process=process, stage=stage).first() or StageDeadline(
        process=process, stage=stage
    )
    deadline.due_on = due_on
    return record_save(deadline, actor=actor, reason=reason or _("Stage deadline planned"))


NEXT_CYCLE_SOURCES = (Stage.IMPLEMENTATION, Stage.CLOSED)
CARRIED_BODY_KINDS = (Body.Kind.STEERING_GROUP, Body.Kind.WORKING_GROUP)


@transaction.atomic
def process_start_next_cycle(
    *,
    actor: Actor,
    process_id: int,
    period_start_year: int,
    period_end_year: int,
    reason: str,
    title: str | None = None,
) -> PlanningProcess:
    """Open the next planning cycle from one in implementation or closed.

    Needs: ``workflow.manage_process`` on the previous process. Carries over the steering and
    working groups with their rules and current memberships (from today, with the appointing
    resolutions) and grants the carried members their permissions; copies the plan tree as the
    new cycle's starting draft (``documents.services.plan.plan_tree_copy``), attaches the last
    approved evaluation of the previous cycle and links the two processes.
    """
    previous = _lock_process(actor, process_id)
    if not can_manage_process(actor, previous):
        raise PermissionDenied(_("You may not start the next cycle of this process."))
    if previous.stage not in NEXT_CYCLE_SOURCES:
        raise ValidationFailed(
            _("The next cycle starts from a process in implementation or closed.")
        )
    if PlanningProcess.objects.filter(previous_process=previous).exists():
        raise ValidationFailed(_("The next cycle of this process has already been started."))
    if period_start_year <= previous.period_start_year:
        raise ValidationFailed(
            _("The next plan period must start after %(year)s.")
            % {"year": previous.period_start_year},
            errors={"period_start_year": [_("Choose a later year.")]},
        )
    evaluation = (
        DocumentVersion.objects.filter(
            document__process=previous,
            document__kind=Document.Kind.ACTION_PLAN_EVALUATION,
            status__in=[
                DocumentVersion.Status.APPROVED,
                DocumentVersion.Status.PUBLISHED,
                DocumentVersion.Status.SUPERSEDED,
            ],
        )
        .order_by("-approved_at", "-pk")
        .first()
    )
    process = record_save(
        PlanningProcess(
            previous_evaluation=evaluation,
            territory=previous.territory,
            title=title or previous.title,
            period_start_year=period_start_year,
            period_end_year=period_end_year,
            esf_project=None,
            coordinator_organization=previous.coordinator_organization,
            previous_process=previous,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        ),
        actor=actor,
        reason=reason,
    )
    audit_record(
        process_id=process.pk,
        kind=AuditEvent.Kind.PROCESS_CREATED,
        actor_id=actor_id_of(actor),
        obj=process,
        payload={
            "territory_id": process.territory_id,
            "period_start_year": process.period_start_year,
            "period_end_year": process.period_end_year,
            "previous_process_id": previous.pk,
            "previous_evaluation_id": evaluation.pk if evaluation else None,
        },
    )
    today = timezone.localdate()
    body_map: dict[int, Body] = {}
    for body in previous.bodies.filter(kind__in=CARRIED_BODY_KINDS, is_active=True):
        new_body = record_save(
            Body(
                kind=body.kind,
                name=body.name,
                process=process,
                target_group=body.target_group,
                quorum_rule=body.quorum_rule,
                majority_rule=body.majority_rule,
                seat_count=body.seat_count,
                invitation_lead_days=body.invitation_lead_days,
            ),
            actor=actor,
            reason=reason,
        )
        for membership in Membership.objects.current(today).filter(body=body):
            record_save(
                Membership(
                    person=membership.person,
                    body=new_body,
                    role=membership.role,
                    triad_side=membership.triad_side,
                    valid_from=today,
                    valid_to=membership.valid_to,
                    appointing_resolution=membership.appointing_resolution,
                ),
                actor=actor,
                reason=reason,
            )
        body_map[body.pk] = new_body
    permissions_sync_for_process(process=process)
    plan_tree_copy(actor=actor, source=previous, target=process, body_map=body_map, reason=reason)
    return process
