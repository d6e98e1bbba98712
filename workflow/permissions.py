"""Who may do what on a planning process: one function per action, used by views, API and admin."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Model
from guardian.core import ObjectPermissionChecker
from guardian.ctypes import get_content_type

from stakeholders import roles
from stakeholders.permissions import has_object_permission as _has
from workflow.models import (
    PlanningProcess,
    PlanningProcessGroupObjectPermission,
    PlanningProcessUserObjectPermission,
)


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


def _codename(perm: str) -> str:
    """``"workflow.codename"`` → ``"codename"``."""
    return perm.split(".", 1)[1]


_ANNOTATION = "holds_%s"
_HELD = "held_permissions"


def _is_checked_user(user: Any) -> bool:
    """A signed-in, active user who is not a superuser: their object permissions decide."""
    return user is not None and user.is_authenticated and user.is_active and not user.is_superuser


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[Model], field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


class PermissionsSql(NamedTuple):
    """Hand-written SQL that reads a user's permissions on a process with the process's row."""

    with_clause: str  # "WITH ... " naming the codenames the user holds on the process
    columns: str  # ", <boolean> AS holds_<codename>, ..." for the SELECT list
    params: list[Any]  # of the WITH clause, then of the columns


def process_permissions_sql(user: Any, process_id: int, perms: Iterable[str]) -> PermissionsSql:
    """SQL telling whether ``user`` holds each of ``perms`` on the process ``process_id``.

    The rule of ``ProcessPermissions``, as django-guardian reads it (the codenames of this
    content type granted on the process to the user or to one of their groups), written out for
    a service that learns the actor's rights in the same round trip as it locks the process:
    composing these subqueries with the ORM costs more than the rest of the transition, and
    this form is cheap for the database to plan. Put ``with_clause`` before the SELECT and
    ``columns`` in its list; read the answer with ``ProcessPermissions(user, process,
    loaded=perms)``. Empty for users whose rights do not depend on object permissions
    (superusers; anonymous and inactive users).
    """
    if not _is_checked_user(user):
        return PermissionsSql("", "", [])
    user_perm = PlanningProcessUserObjectPermission
    group_perm = PlanningProcessGroupObjectPermission
    user_groups = get_user_model().groups.through  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    with_clause = (
        f"WITH {_HELD} AS (SELECT {_column(Permission, 'codename')} AS codename"  # noqa: S608
        f" FROM {_table(Permission)}"
        f" WHERE {_column(Permission, 'content_type')} = %s AND {_column(Permission, 'id')} IN ("
        f"SELECT {_column(user_perm, 'permission')} FROM {_table(user_perm)}"
        f" WHERE {_column(user_perm, 'content_object')} = %s AND {_column(user_perm, 'user')} = %s"
        f" UNION ALL SELECT gp.{_column(group_perm, 'permission')} FROM {_table(group_perm)} gp"
        f" INNER JOIN {_table(user_groups)} ug"
        f" ON ug.{_column(user_groups, 'group')} = gp.{_column(group_perm, 'group')}"
        f" WHERE gp.{_column(group_perm, 'content_object')} = %s"
        f" AND ug.{_column(user_groups, 'user')} = %s)) "
    )
    params: list[Any] = [get_content_type(PlanningProcess).pk, process_id, user.pk]
    params += [process_id, user.pk]
    columns = []
    for perm in perms:
        codename = _codename(perm)
        columns.append(
            f", EXISTS (SELECT 1 FROM {_HELD} WHERE codename = %s)"  # noqa: S608
            f" AS {quote(_ANNOTATION % codename)}"
        )
        params.append(codename)
    return PermissionsSql(with_clause, "".join(columns), params)


class ProcessPermissions:
    """Every permission a user holds on one process, read in one round trip.

    For services that check several permissions on the same locked process (a transition checks
    that the process is visible and that the user may move it). ``loaded`` names the permissions
    that ``process_permissions_sql(user, process.pk, loaded)`` already read together with
    ``process``: then no query is made, and asking about a permission not loaded is a
    programming error.
    """

    def __init__(self, user: Any, process: PlanningProcess, *, loaded: Iterable[str] | None = None):
        self._all = False
        self._codenames: frozenset[str] = frozenset()
        self._known = None if loaded is None else frozenset(_codename(p) for p in loaded)
        if user is None or not user.is_authenticated or not user.is_active:
            return
        if user.is_superuser:
            self._all = True
        elif self._known is None:
            self._codenames = frozenset(ObjectPermissionChecker(user).get_perms(process))
        else:
            self._codenames = frozenset(
                codename for codename in self._known if getattr(process, _ANNOTATION % codename)
            )

    def allows(self, perm: str) -> bool:
        """``perm`` as "workflow.codename"."""
        codename = _codename(perm)
        if self._known is not None and codename not in self._known:
            raise ValueError(f"The permission {perm} was not loaded with the process.")
        return self._all or codename in self._codenames
