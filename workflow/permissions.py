"""Who may do what on a planning process: one function per action, used by views, API and admin."""

from __future__ import annotations

from typing import Any

from stakeholders import roles
from workflow.models import PlanningProcess


def _has(user: Any, perm: str, process: PlanningProcess) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or user.has_perm(perm, process))


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
