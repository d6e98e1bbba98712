"""Who may do what on bodies and memberships: one function per action."""

from __future__ import annotations

from typing import Any

from stakeholders import roles
from stakeholders.models import Body


def has_object_permission(user: Any, perm: str, obj: Any) -> bool:
    """The one object-permission check: active signed-in users, superusers hold everything."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or user.has_perm(perm, obj))


_has = has_object_permission


def can_view_body(user: Any, body: Body) -> bool:
    return _has(user, roles.VIEW_BODY, body)


def can_change_body(user: Any, body: Body) -> bool:
    return _has(user, roles.CHANGE_BODY, body)


def can_manage_membership(user: Any, body: Body) -> bool:
    return _has(user, roles.MANAGE_MEMBERSHIP, body)


def can_vote_in_body(user: Any, body: Body) -> bool:
    return _has(user, roles.VOTE_IN_BODY, body)


def can_edit_target_group_part(user: Any, body: Body) -> bool:
    """Working-group members edit their own target group's part of the plan, nobody else's."""
    return _has(user, roles.EDIT_TARGET_GROUP_PART, body)


def can_record_resolution(user: Any, body: Body) -> bool:
    return _has(user, roles.RECORD_RESOLUTION, body)
