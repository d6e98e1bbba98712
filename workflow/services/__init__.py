"""Every write on the planning cycle, one module per area; import from here."""

from workflow.services.deadlines import stage_deadlines_notify
from workflow.services.decisions import (
    decision_close,
    decision_create,
    decision_set_present,
    decision_tally,
    decisions_close_due,
    vote_cast,
)
from workflow.services.processes import (
    DECISION_TRANSITIONS,
    decision_conditions,
    process_create,
    process_start_next_cycle,
    process_transition,
    stage_deadline_set,
    transition_conditions,
)

__all__ = [
    "DECISION_TRANSITIONS",
    "decision_close",
    "decision_conditions",
    "decision_create",
    "decision_set_present",
    "decision_tally",
    "decisions_close_due",
    "process_create",
    "process_start_next_cycle",
    "process_transition",
    "stage_deadline_set",
    "stage_deadlines_notify",
    "transition_conditions",
    "vote_cast",
]
