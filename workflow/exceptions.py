"""Errors of the planning cycle, on top of the shared ApplicationError family."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from stakeholders.exceptions import ApplicationError, Conflict

if TYPE_CHECKING:
    from workflow.guards import UnmetCondition


class UnmetConditions(ApplicationError):
    """A transition was refused; ``conditions`` lists every reason at once."""

    code = "unmet_conditions"
    http_status = 422

    def __init__(self, conditions: list[UnmetCondition]):
        lines = "; ".join(condition.message for condition in conditions)
        super().__init__(
            _("The step cannot be taken yet: %(reasons)s") % {"reasons": lines},
            extra={"conditions": [condition.as_dict() for condition in conditions]},
        )
        self.conditions = conditions

    @property
    def codes(self) -> list[str]:
        return [condition.code for condition in self.conditions]


class TransitionConflict(Conflict):
    """Someone else changed the stage first; nothing was changed by this attempt."""

    code = "conflict"


class DeadlinePassed(ApplicationError):
    code = "deadline_passed"
    http_status = 422
