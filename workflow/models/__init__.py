"""Models of the planning cycle, one module per area; import them from here."""

from workflow.models.consultation import *  # noqa: F403
from workflow.models.consultation import __all__ as _consultation_all
from workflow.models.esf import IndicatorDefinition
from workflow.models.meetings import *  # noqa: F403
from workflow.models.meetings import __all__ as _meetings_all
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
    "IndicatorDefinition",
    "PlanningProcess",
    "PlanningProcessGroupObjectPermission",
    "PlanningProcessUserObjectPermission",
    "Stage",
    "StageDeadline",
    "StageTransition",
    "Transition",
    "Vote",
    *_consultation_all,
    *_meetings_all,
]
