"""Reads of planning processes, always filtered to what the actor may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from stakeholders import roles
from stakeholders.exceptions import NotFound
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
from workflow.permissions import can_transition_stage, can_view_process


def process_list(*, actor: Any) -> QuerySet[PlanningProcess]:
    """Processes the actor may see; none for the anonymous public (it uses the public portal)."""
    base = PlanningProcess.objects.select_related("territory", "esf_project")
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return base.none()
    if actor.is_superuser:
        return base.all()
    visible = get_objects_for_user(
        actor, roles.VIEW_PROCESS, klass=PlanningProcess, accept_global_perms=False
    )
    return base.filter(pk__in=visible.values("pk"))


def process_get(*, actor: Any, pk: int) -> PlanningProcess:
    """One process, or NotFound when it does not exist or the actor may not see it."""
    try:
        return process_list(actor=actor).get(pk=pk)
    except (PlanningProcess.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Planning process not found.")) from None


@dataclass(frozen=True)
class AvailableTransition:
    """A step the process could take from its current stage, and what still blocks it."""

    transition: str
    label: str
    target: str
    is_permitted: bool
    unmet: list[UnmetCondition]
    decision_id: int | None

    @property
    def target_label(self) -> str:
        return str(Stage(self.target).label)

    @property
    def is_ready(self) -> bool:
        return self.is_permitted and not self.unmet


def process_available_transitions(
    *, actor: Any, process: PlanningProcess, today: dt.date | None = None
) -> list[AvailableTransition]:
    """For a user and a process: the transitions from the current stage and what blocks each.

    The decision considered is the newest adopted, unused steering-group decision on that
    transition, so the coordinator sees at a glance whether the steering group has decided.
    """
    from workflow.services.processes import DECISION_TRANSITIONS, transition_conditions

    if not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    permitted = can_transition_stage(actor, process)
    result = []
    for transition, (sources, target) in TRANSITIONS.items():
        if process.stage not in sources:
            continue
        decision = None
        if transition in DECISION_TRANSITIONS:
            decision = (
                Decision.objects.select_related("body")
                .filter(
                    process=process,
                    subject=Decision.Subject.STAGE_TRANSITION,
                    transition=transition,
                    status=Decision.Status.ADOPTED,
                    authorised_transition__isnull=True,
                )
                .order_by("-closed_at", "-pk")
                .first()
            )
        # The decision was chosen among those no transition names yet.
        unmet = transition_conditions(
            process, transition, decision=decision, today=today, decision_is_used=False
        )
        result.append(
            AvailableTransition(
                transition=transition,
                label=str(Transition(transition).label),
                target=target,
                is_permitted=permitted,
                unmet=unmet,
                decision_id=decision.pk if decision else None,
            )
        )
    return result


def stage_deadlines_due(
    *, actor: Any, today: dt.date | None = None, within_days: int = 14
) -> QuerySet[StageDeadline]:
    """Deadlines of current stages that are overdue or due within ``within_days``, for the
    processes the actor may see, soonest first."""
    day = today or timezone.localdate()
    return (
        StageDeadline.objects.select_related("process", "process__territory")
        .filter(
            process__in=process_list(actor=actor).values("pk"),
            stage=F("process__stage"),
            due_on__lte=day + dt.timedelta(days=within_days),
        )
        .order_by("due_on", "process_id")
    )


def process_transition_list(*, actor: Any, process: PlanningProcess) -> QuerySet[StageTransition]:
    """The stage timeline of a process, oldest first."""
    if not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    return (
        StageTransition.objects.filter(process=process)
        .select_related("actor", "decision")
        .order_by("performed_at", "pk")
    )


def stage_deadline_list(*, actor: Any, process: PlanningProcess) -> QuerySet[StageDeadline]:
    if not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    return StageDeadline.objects.filter(process=process).order_by("due_on")


def decision_list(*, actor: Any, process: PlanningProcess) -> QuerySet[Decision]:
    """Decisions of the process's bodies, newest first."""
    if not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    return (
        Decision.objects.filter(process=process)
        .select_related("body")
        .order_by("-created_at", "-pk")
    )
