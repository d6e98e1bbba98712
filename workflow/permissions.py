"""Who may do what on a planning process: one function per action, used by views, API and admin."""

from __future__ import annotations

from typing import Any

from guardian.core import ObjectPermissionChecker

from stakeholders import roles
from stakeholders.permissions import has_object_permission as _has
from workflow.models import PlanningProcess


def can_view_process(user: Any, process: PlanningProcess) -> bool:
    return _has(user, roles.VIEW_PROCESS, process)


def can_manage_process(user: Any, process: PlanningProcess) -> bool:
    return _has(user, roles.MANAGE_PROCESS, process)


def can_view_process_history(user: Any, process: PlanningProcess) -> bool:
    return _has(user, roles.VIEW_HISTORY, process)


def can_edit_drafts(user: Any, process: PlanningProcess) -> bool:
    return _has(user, roles.EDIT_DRAFT, process)


def can_transition_stage(user: Any, process: PlanningProcess) -> bool:
    return _has(user, roles.TRANSITION_STAGE, process)


def can_approve_stage(user: Any, process: PlanningProcess) -> bool:
    return _has(user, roles.APPROVE_STAGE, process)


def can_approve_document(user: Any, process: PlanningProcess) -> bool:
    return _has(user, roles.APPROVE_DOCUMENT, process)


def can_vote(user: Any, process: PlanningProcess) -> bool:
    return _has(user, roles.VOTE, process)


class ProcessPermissions:
    """Every permission a user holds on one process, read in one round trip.

    For services that check several permissions on the same locked process (a transition checks
    that the process is visible and that the user may move it).
    """

    def __init__(self, user: Any, process: PlanningProcess):
        self._all = False
        self._codenames: frozenset[str] = frozenset()
        if user is None or not user.is_authenticated or not user.is_active:
            return
        if user.is_superuser:
            self._all = True
            return
        self._codenames = frozenset(ObjectPermissionChecker(user).get_perms(process))

    def allows(self, perm: str) -> bool:
        """``perm`` as "workflow.codename"."""
        return self._all or perm.split(".", 1)[1] in self._codenames
