"""Models of the planning cycle, one module per area; import them from here."""

from workflow.models.process import (
    CANCELLABLE_STAGES,
    FORWARD_STAGES,
    TRANSITIONS,
    DeadlineNotice,
    Decision,
    GuardRule,
    PlanningProcess,
    PlanningProcessGroupObjectPermission,
    PlanningProcessUserObjectPermission,
    Stage,
    StageDeadline,
    StageTransition,
    Transition,
    Vote,
)

__all__ = [
    "CANCELLABLE_STAGES",
    "FORWARD_STAGES",
    "TRANSITIONS",
    "DeadlineNotice",
    "Decision",
    "GuardRule",
    "PlanningProcess",
    "PlanningProcessGroupObjectPermission",
    "PlanningProcessUserObjectPermission",
    "Stage",
    "StageDeadline",
    "StageTransition",
    "Transition",
    "Vote",
]
